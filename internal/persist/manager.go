// Package persist gives the server Redis's persistence: RDB snapshots
// (SAVE, BGSAVE, save rules, the snapshot at shutdown and loading at
// start), the append-only file (through package aof: propagation, fsync
// policies, BGREWRITEAOF, auto-rewrite, loading), snapshots streamed to
// `redis-cli --rdb` (SYNC/PSYNC), DUMP/RESTORE, DEBUG RELOAD/DIGEST/
// DIGEST-VALUE/LOADAOF, the MISCONF and LOADING rejections and the INFO
// persistence section.
//
// Everything runs under the server lock except the file writing of
// background jobs, which snapshot the keyspace without fork (see
// snapshot.go). One background job (BGSAVE, AOF rewrite or a SYNC
// transfer) runs at a time, as one child process does in Redis; the others
// are scheduled.
package persist

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/aof"
	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/resp"
	"github.com/autobot-ai/autobot-redis/internal/server"
)

// bgsaveRetryDelay is how long a failed BGSAVE waits before the save
// rules may try again (CONFIG_BGSAVE_RETRY_DELAY).
const bgsaveRetryDelay = 5 * time.Second

// AOF states, as Redis's aof_state.
const (
	aofOff = iota
	aofOn
	aofWaitRewrite // turned on, waiting for the first base
)

type jobKind int

const (
	jobBGSave jobKind = iota + 1
	jobRewrite
	jobSync
)

// bgJob is the background job in progress.
type bgJob struct {
	kind  jobKind
	sn    *snapshot
	file  *tempFile
	rw    *aof.Rewrite
	start time.Time
	done  chan struct{}
}

// Manager is the persistence subsystem of one server.
type Manager struct {
	srv *server.Server
	cfg *config.Config
	log server.Logger

	job    *bgJob
	jobSeq int

	// RDB.
	bgsaveScheduled bool
	lastBgsaveOK    bool
	lastBgsaveTry   time.Time
	lastBgsaveSecs  int64
	rdbSaves        int64
	lastLoadLoaded  int64
	lastLoadExpired int64
	loading         bool
	loadStart       time.Time
	loadTotal       int64

	// AOF.
	aof                 *aof.AOF
	aofState            int
	aofRewriteScheduled bool
	aofLastRewriteSecs  int64
	aofLastRewriteOK    bool
	aofRewrites         int64
	aofRewriteFailures  int64
	aofLastRewriteTry   time.Time
	lastEverysec        time.Time

	// inert is set when loading failed: the server will not start, and
	// its shutdown must not save the partial dataset over the files.
	inert bool
}

// Setup attaches persistence to srv and loads the dataset (the AOF when
// appendonly is on, the RDB file otherwise). Call it after server.New and
// before Start, so no client sees a partial dataset. An error means the
// data on disk could not be loaded; the server must not start.
func Setup(srv *server.Server) (*Manager, error) {
	m := &Manager{
		srv:                srv,
		cfg:                srv.Config(),
		log:                srv.Log(),
		lastBgsaveOK:       true,
		lastBgsaveSecs:     -1,
		aofLastRewriteSecs: -1,
		aofLastRewriteOK:   true,
	}
	m.register()
	srv.Lock()
	defer srv.Unlock()
	err := m.loadAtStart()
	if err == nil && m.cfg.AppendOnly {
		err = m.startAOFAtStart()
	}
	if err != nil {
		m.inert = true
		if m.aof != nil {
			m.aof.Close()
		}
		return nil, err
	}
	return m, nil
}

// register plugs the subsystem into the server's extension points.
func (m *Manager) register() {
	s := m.srv
	s.AddPropagator(m)
	s.AddCommandCheck(m.check)
	s.AddScriptCheck(m.scriptCheck)
	s.AddCron(m.cron)
	s.AddBatchHook(m.afterBatch)
	s.OnShutdown(m.onShutdown)
	s.SetInfoSection("persistence", "Persistence", true, m.info)
	m.registerCommands()
	m.registerDebug()
	m.cfg.OnApply("appendonly", m.applyAppendOnly)
	m.cfg.OnApply("appendfsync", func(c *config.Config) error {
		if m.aof != nil {
			m.aof.SetFsync(c.AppendFsync)
		}
		return nil
	})
}

func (m *Manager) rdbPath() string { return filepath.Join(m.cfg.Dir, m.cfg.DBFilename) }

// loadAtStart loads the dataset. Lock held.
func (m *Manager) loadAtStart() error {
	start := time.Now()
	if m.cfg.AppendOnly {
		if err := m.openAOF(); err != nil {
			return err
		}
		if !m.aof.Exists() {
			if _, err := os.Stat(m.rdbPath()); err == nil {
				m.log.Warningf("appendonly is yes but there is no AOF in %s yet: starting with an empty dataset, the RDB file %s is not loaded (Redis does the same; load it with appendonly no, then CONFIG SET appendonly yes)", m.aof.Path(), m.rdbPath())
			}
			return nil
		}
		st, err := m.loadAOF()
		if err != nil {
			return err
		}
		m.log.Noticef("DB loaded from append only file: %.3f seconds (%d commands)", time.Since(start).Seconds(), st.Commands)
		return nil
	}
	res, found, err := m.loadRDBFile(m.rdbPath(), loadOptions{logAux: true})
	if err != nil {
		return fmt.Errorf("Fatal error loading the DB: %w. Exiting.", err)
	}
	if found {
		m.log.Noticef("Done loading RDB, keys loaded: %d, keys expired: %d.", res.loaded, res.expired)
		m.log.Noticef("DB loaded from disk: %.3f seconds", time.Since(start).Seconds())
	}
	return nil
}

// aofOptions describes the AOF directory from the configuration.
func (m *Manager) aofOptions() aof.Options {
	return aof.Options{Dir: m.cfg.Dir, DirName: m.cfg.AppendDirname, FileName: m.cfg.AppendFilename, Fsync: m.cfg.AppendFsync, Log: m.log}
}

// openAOF reads the AOF manifest, migrating a Redis 6 single-file AOF
// into the directory layout first, as Redis 7 does.
func (m *Manager) openAOF() error {
	a, err := aof.Open(m.aofOptions())
	if err != nil {
		return err
	}
	if !a.Exists() {
		if a, err = aof.Upgrade(m.aofOptions()); err != nil {
			return err
		}
	}
	m.aof = a
	return nil
}

// aofLoader feeds an AOF to the keyspace.
type aofLoader struct {
	m  *Manager
	lc *server.LoaderClient
}

func (h *aofLoader) LoadRDB(r io.Reader) (int64, error) {
	res, err := h.m.loadRDB(r, loadOptions{logAux: true})
	if err != nil {
		return res.consumed, err
	}
	h.m.lastLoadLoaded += res.loaded
	h.m.lastLoadExpired += res.expired
	return res.consumed, nil
}

func (h *aofLoader) Exec(args [][]byte) error { return h.lc.Exec(args) }
func (h *aofLoader) InMulti() bool            { return h.lc.InMulti() }
func (h *aofLoader) Discard()                 { h.lc.Discard() }

// loadAOF loads the AOF files into the keyspace. Lock held.
func (m *Manager) loadAOF() (aof.LoadStats, error) {
	m.loading = true
	m.loadStart = time.Now()
	m.loadTotal = 0
	m.cfg.SetLoading(true)
	defer m.endLoading()
	m.lastLoadLoaded, m.lastLoadExpired = 0, 0
	h := &aofLoader{m: m, lc: m.srv.NewLoaderClient()}
	st, err := m.aof.Load(h, m.cfg.AOFLoadTruncated)
	// Loading is not a change: nothing is unsaved afterwards.
	m.srv.SavedAt(m.srv.LastSave(), m.srv.DirtyCount())
	if err != nil {
		var le *aof.LoadError
		if errors.As(err, &le) {
			return st, err
		}
		return st, fmt.Errorf("loading the append only file: %w", err)
	}
	return st, nil
}

// startAOFAtStart begins appending, writing a first base when there is
// no AOF yet (Redis does this at start: "Creating AOF base file"). Lock
// held.
func (m *Manager) startAOFAtStart() error {
	a := m.aof
	if !a.Exists() {
		if err := m.rewriteForeground(); err != nil {
			return err
		}
	}
	if err := a.StartAppending(); err != nil {
		return err
	}
	a.DeleteHistory()
	m.aofState = aofOn
	m.lastEverysec = time.Now()
	return nil
}

// rewriteForeground writes a new AOF base from the current dataset while
// the lock is held (start-up, AOF with an empty dataset).
func (m *Manager) rewriteForeground() error {
	m.jobSeq++
	rw, err := m.aof.BeginRewrite(m.cfg.AOFUseRDBPreamble, false, os.Getpid()*100+m.jobSeq)
	if err != nil {
		return err
	}
	t, err := createTemp(filepath.Dir(rw.TempPath()), filepath.Base(rw.TempPath()), 0)
	if err != nil {
		rw.Abort()
		return err
	}
	f := formatAOFCmds
	if m.cfg.AOFUseRDBPreamble {
		f = formatAOFBase
	}
	if _, err := m.saveForeground(t, f); err != nil {
		t.abort()
		rw.Abort()
		return err
	}
	if err := t.finish(); err != nil {
		rw.Abort()
		return err
	}
	if err := rw.Commit(); err != nil {
		rw.Abort()
		return err
	}
	name := m.aof.Manifest().Base.Name
	m.log.Noticef("Creating AOF base file %s on server start", name)
	return nil
}

// Feed implements server.Propagator: write effects go to the AOF.
func (m *Manager) Feed(db int, args [][]byte) {
	if m.aof != nil && m.aof.Appending() {
		m.aof.Feed(db, args)
	}
	if len(args) > 0 && resp.EqualFold(args[0], "flushall") {
		m.afterFlushAll()
	}
}

// afterFlushAll does what Redis does after FLUSHALL: a BGSAVE in progress
// is stopped (it would bring the old data back when it completes) and,
// when save points are configured, the now empty dataset is saved at once,
// so a restart cannot resurrect the flushed keys.
func (m *Manager) afterFlushAll() {
	m.killBGSave()
	if len(m.cfg.Save) > 0 {
		m.saveSync()
	}
}

// killBGSave cancels a running BGSAVE (not a SYNC transfer, which does not
// write the RDB file). Lock held.
func (m *Manager) killBGSave() {
	if m.job != nil && m.job.kind == jobBGSave {
		m.log.Noticef("Background saving stopped: its snapshot is out of date")
		m.cancelJob()
	}
}

// afterBatch runs before a client's replies are written: the AOF buffer
// is written out, and with appendfsync always synced, so nothing is
// acknowledged before it is durable.
func (m *Manager) afterBatch() {
	a := m.aof
	if a == nil || !a.Appending() || a.BufferLen() == 0 {
		return
	}
	if err := a.Flush(); err != nil && m.cfg.AppendFsync == "always" {
		// The writes of this batch cannot be acknowledged and cannot be
		// made durable: stop, as Redis does, rather than lie.
		m.log.Warningf("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
		os.Exit(1)
	}
}

// cron runs every server tick under the lock: scheduled and automatic
// background jobs, and the AOF's writes and once-a-second fsync.
func (m *Manager) cron(now time.Time) {
	if a := m.aof; a != nil && a.Appending() {
		a.Flush()
		if m.cfg.AppendFsync == "everysec" && now.Sub(m.lastEverysec) >= time.Second {
			m.lastEverysec = now
			a.SyncInBackground()
		}
	}
	if m.job != nil {
		return
	}
	if m.aofRewriteScheduled && !m.rewriteLimited(now) {
		m.aofRewriteScheduled = false
		m.startRewrite()
		if m.job != nil {
			return
		}
	}
	dirty := m.srv.DirtyCount()
	since := now.Sub(m.srv.LastSave())
	canRetry := m.lastBgsaveOK || now.Sub(m.lastBgsaveTry) > bgsaveRetryDelay
	for _, r := range m.cfg.Save {
		if dirty >= int64(r.Changes) && since > time.Duration(r.Seconds)*time.Second && canRetry {
			m.log.Noticef("%d changes in %d seconds. Saving...", r.Changes, r.Seconds)
			m.startBGSave()
			break
		}
	}
	if m.job != nil {
		return
	}
	if m.aofState == aofOn && m.cfg.AutoAOFRewritePercentage > 0 && m.aof != nil && !m.rewriteLimited(now) {
		cur, base := m.aof.Sizes()
		if cur > m.cfg.AutoAOFRewriteMinSize {
			if base <= 0 {
				base = 1
			}
			growth := cur*100/base - 100
			if growth >= int64(m.cfg.AutoAOFRewritePercentage) {
				m.log.Noticef("Starting automatic rewriting of AOF on %d%% growth", growth)
				m.startRewrite()
			}
		}
	}
	if m.job == nil && m.bgsaveScheduled && canRetry {
		m.bgsaveScheduled = false
		m.startBGSave()
	}
}

// rewriteLimited delays automatic rewrites after repeated failures.
func (m *Manager) rewriteLimited(now time.Time) bool {
	if m.aofRewriteFailures < 3 {
		return false
	}
	delay := time.Minute << min(m.aofRewriteFailures-3, 6)
	return now.Sub(m.aofLastRewriteTry) < delay
}

// cancelJob stops the running background job (shutdown, AOF turned off).
// Lock held.
func (m *Manager) cancelJob() {
	j := m.job
	if j == nil {
		return
	}
	if j.sn != nil {
		j.sn.cancel()
	}
	if j.rw != nil {
		j.rw.Abort()
	}
	m.job = nil
}

// diskError returns the MISCONF reason writes are refused for, if any.
func (m *Manager) diskError() string {
	if m.cfg.StopWritesOnBgsaveError && len(m.cfg.Save) > 0 && !m.lastBgsaveOK {
		return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
	}
	if m.aofState != aofOff && m.aof != nil {
		if err := m.aof.WriteError(); err != nil {
			return "MISCONF Errors writing to the AOF file: " + errnoText(err)
		}
	}
	return ""
}

// onShutdown implements SHUTDOWN's persistence: stop a background job,
// make the AOF durable, and save when save points are configured or SAVE
// was asked for. A failed save keeps the server running (unless forced).
func (m *Manager) onShutdown(save *bool, force bool) error {
	if m.inert {
		return nil
	}
	if j := m.job; j != nil {
		switch j.kind {
		case jobRewrite:
			if m.aofState == aofWaitRewrite {
				if !force {
					m.log.Warningf("Writing initial AOF, can't exit.")
					return errors.New("writing the initial AOF")
				}
				m.log.Warningf("Writing initial AOF. Exit anyway.")
			}
			m.log.Warningf("There is a child rewriting the AOF. Killing it!")
		default:
			m.log.Warningf("There is a child saving an .rdb. Killing it!")
		}
		m.cancelJob()
	}
	if m.aof != nil && m.aof.Appending() {
		m.log.Noticef("Calling fsync() on the AOF file.")
		if err := m.aof.Flush(); err != nil {
			m.log.Warningf("Fail to fsync the AOF file: %v.", err)
		}
	}
	if (len(m.cfg.Save) > 0 && (save == nil || *save)) || (save != nil && *save) {
		m.log.Noticef("Saving the final RDB snapshot before exiting.")
		if err := m.saveSync(); err != nil {
			if !force {
				m.log.Warningf("Error trying to save the DB, can't exit.")
				return err
			}
			m.log.Warningf("Error trying to save the DB. Exit anyway.")
		}
	}
	if m.aof != nil && m.aof.Appending() {
		if err := m.aof.Close(); err != nil {
			m.log.Warningf("Fail to fsync the AOF file: %v.", err)
		}
		m.aofState = aofOff
	}
	return nil
}

// errnoText renders an I/O error the way strerror would.
func errnoText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		err = se.Err
	}
	s := err.Error()
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-32) + s[1:]
	}
	return s
}
