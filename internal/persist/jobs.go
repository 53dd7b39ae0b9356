package persist

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/config"
)

// Background jobs: BGSAVE and AOF rewrites. Each starts under the lock
// (taking the snapshot), writes its file in a goroutine, and finishes
// under the lock (renaming the file into place and updating the state).

// incrementalSync is how often rdb-save-incremental-fsync flushes a file
// being written (REDIS_AUTOSYNC_BYTES).
const incrementalSync = 4 << 20

func (m *Manager) syncEvery() int64 {
	if m.cfg.RDBSaveIncrementalFsync {
		return incrementalSync
	}
	return 0
}

// startBGSave starts a background save of the RDB file. Lock held; no
// job may be running.
func (m *Manager) startBGSave() error {
	m.lastBgsaveTry = time.Now()
	m.jobSeq++
	t, err := createTemp(m.cfg.Dir, fmt.Sprintf("temp-%d-%d.rdb", os.Getpid(), m.jobSeq), m.syncEvery())
	if err != nil {
		m.lastBgsaveOK = false
		m.log.Warningf("Can't save in background: %v", err)
		return err
	}
	j := &bgJob{kind: jobBGSave, file: t, start: time.Now(), done: make(chan struct{})}
	j.sn = m.beginSnapshot(formatRDB)
	m.job = j
	m.rdbSaves++
	m.log.Noticef("Background saving started")
	go m.runBGSave(j)
	return nil
}

// writeSnapshot writes a background job's snapshot to its temporary file
// without the lock, then takes the server lock, which the caller releases.
// It reports false when the job was cancelled meanwhile (FLUSHALL,
// SHUTDOWN), in which case the file has been dropped and the caller has
// nothing to record.
func (m *Manager) writeSnapshot(j *bgJob) (ok bool, err error) {
	err = j.sn.run(j.file)
	if err == nil {
		err = j.file.finish()
	}
	m.srv.Lock()
	if j.sn.cancelled {
		j.file.abort()
		return false, nil
	}
	return true, err
}

func (m *Manager) runBGSave(j *bgJob) {
	defer close(j.done)
	ok, err := m.writeSnapshot(j)
	defer m.srv.Unlock()
	if !ok {
		return
	}
	if err == nil {
		err = j.file.commit(m.rdbPath())
	}
	m.lastBgsaveSecs = int64(time.Since(j.start).Seconds())
	m.job = nil
	if err != nil {
		j.file.abort()
		m.lastBgsaveOK = false
		m.log.Warningf("Background saving error: %v", err)
		return
	}
	m.lastBgsaveOK = true
	m.srv.SavedAt(time.Now(), j.sn.dirty)
	m.log.Noticef("DB saved on disk (%d keys, longest pause %.3f ms)", j.sn.processed.Load(), float64(j.sn.maxChunk.Microseconds())/1000)
	m.log.Noticef("Background saving terminated with success")
}

// saveSync writes the RDB file with the lock held (SAVE, SHUTDOWN, DEBUG
// RELOAD).
func (m *Manager) saveSync() error {
	t, err := createTemp(m.cfg.Dir, fmt.Sprintf("temp-%d.rdb", os.Getpid()), m.syncEvery())
	if err != nil {
		m.log.Warningf("Failed opening the temp RDB file %s (in server root dir %s) for saving: %v", fmt.Sprintf("temp-%d.rdb", os.Getpid()), m.cfg.Dir, err)
		return err
	}
	if _, err = m.saveForeground(t, formatRDB); err != nil {
		t.abort()
		m.log.Warningf("Write error saving DB on disk: %v", err)
		return err
	}
	if err = t.finish(); err == nil {
		err = t.commit(m.rdbPath())
	}
	if err != nil {
		os.Remove(t.path)
		m.log.Warningf("Error moving temp DB file %s on the final destination %s: %v", filepath.Base(t.path), m.cfg.DBFilename, err)
		return err
	}
	m.log.Noticef("DB saved on disk")
	m.srv.SavedAt(time.Now(), m.srv.DirtyCount())
	m.lastBgsaveOK = true
	return nil
}

// startRewrite starts a background AOF rewrite. Lock held; no job may be
// running.
func (m *Manager) startRewrite() error {
	now := time.Now()
	m.aofLastRewriteTry = now
	fail := func(err error) error {
		m.aofLastRewriteOK = false
		m.aofRewriteFailures++
		m.log.Warningf("Can't rewrite append only file in background: %v", err)
		if m.aofState == aofWaitRewrite {
			m.aofRewriteScheduled = true
		}
		return err
	}
	if m.aof == nil {
		if err := m.openAOF(); err != nil {
			return fail(err)
		}
	}
	m.jobSeq++
	rw, err := m.aof.BeginRewrite(m.cfg.AOFUseRDBPreamble, m.aofState == aofWaitRewrite, os.Getpid()*100+m.jobSeq)
	if err != nil {
		return fail(err)
	}
	every := int64(0)
	if m.cfg.AOFRewriteIncrementalFsync {
		every = incrementalSync
	}
	t, err := createTemp(filepath.Dir(rw.TempPath()), filepath.Base(rw.TempPath()), every)
	if err != nil {
		rw.Abort()
		return fail(err)
	}
	f := formatAOFCmds
	if m.cfg.AOFUseRDBPreamble {
		f = formatAOFBase
	}
	j := &bgJob{kind: jobRewrite, file: t, rw: rw, start: now, done: make(chan struct{})}
	j.sn = m.beginSnapshot(f)
	m.job = j
	m.aofRewrites++
	m.log.Noticef("Background append only file rewriting started")
	go m.runRewrite(j)
	return nil
}

func (m *Manager) runRewrite(j *bgJob) {
	defer close(j.done)
	ok, err := m.writeSnapshot(j)
	defer m.srv.Unlock()
	if !ok {
		return
	}
	if err == nil {
		m.log.Noticef("Background AOF rewrite terminated with success")
		// Make the commands written meanwhile part of the new generation
		// before the manifest points at it.
		m.aof.Flush()
		err = j.rw.Commit()
	}
	m.aofLastRewriteSecs = int64(time.Since(j.start).Seconds())
	m.job = nil
	if err != nil {
		j.rw.Abort()
		os.Remove(j.file.path)
		m.aofLastRewriteOK = false
		m.aofRewriteFailures++
		m.log.Warningf("Background AOF rewrite error: %v", err)
		if m.aofState == aofWaitRewrite {
			m.aofRewriteScheduled = true
		}
		return
	}
	m.aofLastRewriteOK = true
	m.aofRewriteFailures = 0
	if m.aofState == aofWaitRewrite {
		m.aofState = aofOn
		m.lastEverysec = time.Now()
	}
	m.log.Noticef("Background AOF rewrite finished successfully")
}

// applyAppendOnly starts or stops the AOF when CONFIG SET appendonly
// changes it, as Redis's startAppendOnly / stopAppendOnly.
func (m *Manager) applyAppendOnly(c *config.Config) error {
	if c.AppendOnly && m.aofState == aofOff {
		return m.startAOF()
	}
	if !c.AppendOnly && m.aofState != aofOff {
		m.stopAOF()
	}
	return nil
}

func (m *Manager) startAOF() error {
	if m.aof == nil {
		if err := m.openAOF(); err != nil {
			m.log.Warningf("Redis needs to enable the AOF but can't open the append only directory: %v", err)
			return err
		}
	}
	m.aof.SetFsync(m.cfg.AppendFsync)
	switch {
	case m.job != nil && m.job.kind != jobRewrite:
		m.aofRewriteScheduled = true
		m.log.Warningf("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.")
	default:
		if m.job != nil {
			// A rewrite started with the AOF off does not feed a new incr
			// file: start over.
			m.log.Noticef("Killing running AOF rewrite child")
			m.cancelJob()
		}
		m.aofState = aofWaitRewrite
		if err := m.startRewrite(); err != nil {
			m.aofState = aofOff
			m.aofRewriteScheduled = false
			m.log.Warningf("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.")
			return errors.New("Unable to turn on AOF. Check server logs.")
		}
	}
	m.aofState = aofWaitRewrite
	return nil
}

func (m *Manager) stopAOF() {
	if m.job != nil && m.job.kind == jobRewrite {
		m.log.Noticef("Killing running AOF rewrite child")
		m.cancelJob()
	}
	if m.aof != nil {
		if err := m.aof.Close(); err != nil {
			m.log.Warningf("Fail to fsync the AOF file: %v", err)
		}
	}
	m.aofState = aofOff
	m.aofRewriteScheduled = false
}
