package aof

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Rewrite replaces the base of the AOF (BGREWRITEAOF, turning the AOF on,
// creating the first base at start-up). The caller writes a snapshot of
// the dataset into the file at TempPath, taken in the same critical
// section as BeginRewrite, then calls Commit (or Abort) under its lock.
type Rewrite struct {
	a       *AOF
	tmpPath string
	rdb     bool
}

// TempPath is where the caller writes the new base.
func (rw *Rewrite) TempPath() string { return rw.tmpPath }

// BeginRewrite starts a rewrite. When the AOF is appending, the commands
// fed from now on go to a new incr file, which is added to the manifest at
// once: if the rewrite fails, old base + old incr files + new incr file
// are still the complete history. With openIncr, the AOF is being turned
// on: a temporary incr file receives the commands from now on and joins
// the manifest when the new base is committed. rdb selects a .base.rdb
// (aof-use-rdb-preamble yes) or a .base.aof file; id makes the temporary
// file name unique.
func (a *AOF) BeginRewrite(rdb, openIncr bool, id int) (*Rewrite, error) {
	if err := os.MkdirAll(a.path, 0o755); err != nil {
		return nil, fmt.Errorf("Can't create the append-only directory %s: %w", a.opts.DirName, err)
	}
	rw := &Rewrite{a: a, rdb: rdb, tmpPath: filepath.Join(a.path, "temp-rewriteaof-bg-"+strconv.Itoa(id)+".aof")}
	switch {
	case a.f != nil && !a.temporary:
		if err := a.rotate(); err != nil {
			return nil, err
		}
	case a.f == nil && openIncr:
		name := tempPrefix + a.opts.FileName + ".incr"
		f, err := os.OpenFile(filepath.Join(a.path, name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return nil, fmt.Errorf("Can't open the append-only file %s: %w", name, err)
		}
		a.setFile(f, name, 0, true)
		a.startBio()
	}
	return rw, nil
}

// rotate writes out the buffer, retires the current incr file (synced and
// closed in the background) and opens the next one, recorded in the
// manifest.
func (a *AOF) rotate() error {
	if err := a.Flush(); err != nil {
		return fmt.Errorf("Can't write the AOF buffer before opening a new incr file: %w", err)
	}
	man := a.man.Clone()
	fi := man.newIncr(a.opts.FileName)
	f, err := os.OpenFile(filepath.Join(a.path, fi.Name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("Can't open the append-only file %s: %w", fi.Name, err)
	}
	if err := a.saveManifest(man); err != nil {
		f.Close()
		os.Remove(filepath.Join(a.path, fi.Name))
		return err
	}
	a.man = man
	old := a.f
	a.otherSize += a.incrSize
	a.setFile(f, fi.Name, 0, false)
	a.pending.Add(1)
	a.bio <- bioJob{f: old, close: true}
	a.opts.Log.Noticef("Creating AOF incr file %s on background rewrite", fi.Name)
	return nil
}

// Commit installs the written base: it becomes the manifest's base, the
// incr files it covers become history and are deleted, and the manifest
// is saved. Call it under the lock, after the base file is complete and
// synced.
func (rw *Rewrite) Commit() error {
	a := rw.a
	fi, err := os.Stat(rw.tmpPath)
	if err != nil {
		return err
	}
	man := a.man.Clone()
	base := man.newBase(a.opts.FileName, rw.rdb)
	switch {
	case a.f != nil && a.temporary:
		// Turning on: the temporary incr holds everything since the
		// snapshot and becomes the only incr file.
		man.incrToHistory(0)
		inc := man.newIncr(a.opts.FileName)
		if err := os.Rename(filepath.Join(a.path, a.incrName), filepath.Join(a.path, inc.Name)); err != nil {
			return fmt.Errorf("Error trying to rename the temporary AOF incr file %s into %s: %w", a.incrName, inc.Name, err)
		}
		a.incrName = inc.Name
		a.temporary = false
	case a.f != nil:
		man.incrToHistory(1)
	default:
		man.incrToHistory(0)
	}
	if err := os.Rename(rw.tmpPath, filepath.Join(a.path, base.Name)); err != nil {
		return fmt.Errorf("Error trying to rename the temporary AOF base file %s into %s: %w", filepath.Base(rw.tmpPath), base.Name, err)
	}
	if err := a.saveManifest(man); err != nil {
		return err
	}
	a.opts.Log.Noticef("Successfully renamed the temporary AOF base file %s into %s", filepath.Base(rw.tmpPath), base.Name)
	a.man = man
	a.otherSize = fi.Size()
	a.baseSize = fi.Size() + a.incrSize
	a.deleteHistory()
	return nil
}

// Abort drops the rewrite. A temporary incr file (the AOF being turned
// on) is closed and removed: the next attempt starts from a new snapshot.
func (rw *Rewrite) Abort() {
	a := rw.a
	os.Remove(rw.tmpPath)
	if a.f != nil && a.temporary {
		f := a.f
		a.f = nil
		a.curFile.Store(nil)
		a.buf = a.buf[:0]
		f.Close()
		os.Remove(filepath.Join(a.path, a.incrName))
		a.temporary = false
	}
}

// deleteHistory removes the files the manifest marks as history and saves
// the manifest without them.
func (a *AOF) deleteHistory() {
	if len(a.man.History) == 0 {
		return
	}
	for _, h := range a.man.History {
		a.opts.Log.Noticef("Removing the history file %s in the background", h.Name)
		os.Remove(filepath.Join(a.path, h.Name))
	}
	man := a.man.Clone()
	man.History = nil
	if err := a.saveManifest(man); err != nil {
		a.opts.Log.Warningf("%v", err)
		return
	}
	a.man = man
}

// DeleteHistory removes leftover history files (at start-up).
func (a *AOF) DeleteHistory() { a.deleteHistory() }
