package aof

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure an AOF directory.
type Options struct {
	Dir      string // the server's dir
	DirName  string // appenddirname, inside Dir
	FileName string // appendfilename, the prefix of every file
	Fsync    string // appendfsync: always, everysec, no
	Log      Logger
}

// AOF is an append-only file directory with the incr file being
// appended to. Unless noted, methods must be called under the caller's
// lock (the server lock): the AOF itself only synchronizes with its
// background fsync goroutine.
type AOF struct {
	opts Options
	path string // Dir/DirName
	man  *Manifest

	// The incr file being appended to, nil when not appending.
	f        *os.File
	incrName string
	// temporary is set while the incr file is not in the manifest yet
	// (the AOF is being turned on and waits for its first base).
	temporary bool
	buf       []byte
	selDB     int

	incrSize  int64 // bytes written to the current incr file
	otherSize int64 // base and older incr files
	baseSize  int64 // size of base+incr after the last rewrite (growth reference)

	writeErr   error // last write error (nil: ok)
	lastErrLog time.Time

	bio     chan bioJob
	bioWG   sync.WaitGroup
	pending atomic.Int64 // queued fsync jobs
	syncErr atomic.Value // error of the last background fsync (errBox)
	curFile atomic.Pointer[os.File]
	written atomic.Int64 // offset written to the current file
	synced  atomic.Int64 // offset known durable in the current file
}

type errBox struct{ err error }

// bioJob asks the fsync goroutine to sync f (and close it, for a file
// that was rotated out); upTo is the offset the sync covers.
type bioJob struct {
	f     *os.File
	close bool
	upTo  int64
}

// Open reads the manifest in Dir/DirName, if there is one. A missing
// directory or manifest is an empty AOF; a malformed manifest is an error.
func Open(opts Options) (*AOF, error) {
	a := &AOF{opts: opts, path: filepath.Join(opts.Dir, opts.DirName), man: &Manifest{}, selDB: -1}
	a.syncErr.Store(errBox{})
	data, err := os.ReadFile(filepath.Join(a.path, ManifestName(opts.FileName)))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("Fatal error: can't open the AOF manifest %s for reading: %w", ManifestName(opts.FileName), err)
	default:
		man, err := ParseManifest(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ManifestName(opts.FileName), err)
		}
		a.man = man
	}
	return a, nil
}

// Path is the AOF directory.
func (a *AOF) Path() string { return a.path }

// Manifest returns the current manifest (do not modify it).
func (a *AOF) Manifest() *Manifest { return a.man }

// Exists reports whether the manifest names files to load.
func (a *AOF) Exists() bool { return !a.man.Empty() }

// Load loads the files of the manifest (see the package-level Load) and
// records their sizes.
func (a *AOF) Load(h Handler, loadTruncated bool) (LoadStats, error) {
	st, err := Load(a.path, a.man, h, loadTruncated, a.opts.Log)
	if err == nil {
		a.otherSize = st.TotalSize
		a.baseSize = st.TotalSize
	}
	return st, err
}

// SetFsync changes the fsync policy (CONFIG SET appendfsync).
func (a *AOF) SetFsync(policy string) { a.opts.Fsync = policy }

// Appending reports whether commands are being written to an incr file.
func (a *AOF) Appending() bool { return a.f != nil }

// StartAppending opens the last incr file of the manifest for appending,
// creating a first one (and saving the manifest) when there is none. The
// manifest must have a base or incr files already when the dataset is not
// empty, which the caller ensures by writing a base first.
func (a *AOF) StartAppending() error {
	if err := os.MkdirAll(a.path, 0o755); err != nil {
		return fmt.Errorf("Can't create the append-only directory %s: %w", a.opts.DirName, err)
	}
	var name string
	created := false
	if n := len(a.man.Incr); n > 0 {
		name = a.man.Incr[n-1].Name
	} else {
		name = a.man.newIncr(a.opts.FileName).Name
		created = true
	}
	f, err := os.OpenFile(filepath.Join(a.path, name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("Can't open the append-only file %s: %w", name, err)
	}
	if created {
		if err := a.saveManifest(a.man); err != nil {
			f.Close()
			return err
		}
		a.opts.Log.Noticef("Creating AOF incr file %s on server start", name)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	a.setFile(f, name, fi.Size(), false)
	if created {
		// A new empty file: the sizes loaded so far stay in otherSize.
	} else {
		a.otherSize -= fi.Size()
		if a.otherSize < 0 {
			a.otherSize = 0
		}
	}
	a.startBio()
	return nil
}

func (a *AOF) setFile(f *os.File, name string, size int64, temporary bool) {
	a.f, a.incrName, a.incrSize, a.temporary = f, name, size, temporary
	a.selDB = -1
	a.written.Store(size)
	a.synced.Store(size)
	a.curFile.Store(f)
}

func (a *AOF) startBio() {
	if a.bio != nil {
		return
	}
	a.bio = make(chan bioJob, 64)
	a.bioWG.Add(1)
	go a.bioLoop()
}

// bioLoop is the background fsync worker (Redis's BIO_AOF_FSYNC): it
// syncs files, and closes files that were rotated out after syncing them.
func (a *AOF) bioLoop() {
	defer a.bioWG.Done()
	for job := range a.bio {
		err := job.f.Sync()
		if job.close {
			job.f.Close()
		}
		if err != nil {
			a.syncErr.Store(errBox{err})
		} else {
			a.syncErr.Store(errBox{})
			if !job.close && job.f == a.curFile.Load() && job.upTo > a.synced.Load() {
				a.synced.Store(job.upTo)
			}
		}
		a.pending.Add(-1)
	}
}

// Feed appends a command to the buffer, preceded by SELECT when the
// database differs from the previous command's.
func (a *AOF) Feed(db int, args [][]byte) {
	if a.f == nil {
		return
	}
	if db != a.selDB {
		s := strconv.Itoa(db)
		a.buf = append(a.buf, "*2\r\n$6\r\nSELECT\r\n$"...)
		a.buf = strconv.AppendInt(a.buf, int64(len(s)), 10)
		a.buf = append(a.buf, "\r\n"...)
		a.buf = append(a.buf, s...)
		a.buf = append(a.buf, "\r\n"...)
		a.selDB = db
	}
	a.buf = AppendCommand(a.buf, args)
}

// AppendCommand appends args as a RESP multibulk.
func AppendCommand(dst []byte, args [][]byte) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// BufferLen is the number of bytes waiting to be written.
func (a *AOF) BufferLen() int { return len(a.buf) }

// Flush writes the buffer to the incr file; with appendfsync always it
// also syncs the file before returning, so the commands are durable
// before they are acknowledged. A failed write keeps the buffer for the
// next attempt and is reported by WriteError until a write succeeds.
func (a *AOF) Flush() error {
	if a.f == nil || len(a.buf) == 0 {
		return a.writeErr
	}
	n, err := a.f.Write(a.buf)
	if err != nil {
		if n > 0 {
			// Remove the partial record so the file stays loadable.
			if terr := a.f.Truncate(a.incrSize); terr != nil {
				a.opts.Log.Warningf("Could not remove short write from the append-only file. Redis may refuse to load the AOF the next time it starts. ftruncate: %v", terr)
				a.incrSize += int64(n)
				a.written.Store(a.incrSize)
				a.buf = a.buf[n:]
			}
		}
		if time.Since(a.lastErrLog) > 30*time.Second {
			a.opts.Log.Warningf("Error writing to the AOF file: %v", err)
			a.lastErrLog = time.Now()
		}
		a.writeErr = err
		return err
	}
	a.incrSize += int64(n)
	a.written.Store(a.incrSize)
	if cap(a.buf) > 4<<20 {
		a.buf = nil
	} else {
		a.buf = a.buf[:0]
	}
	if a.writeErr != nil {
		a.opts.Log.Warningf("AOF write error looks solved, Redis can write again.")
		a.writeErr = nil
	}
	if a.opts.Fsync == "always" {
		if err := a.f.Sync(); err != nil {
			a.syncErr.Store(errBox{err})
			return err
		}
		a.synced.Store(a.incrSize)
	}
	return nil
}

// SyncInBackground asks the fsync goroutine to sync what was written,
// unless a sync is already queued (appendfsync everysec calls it once a
// second).
func (a *AOF) SyncInBackground() {
	if a.f == nil || a.bio == nil || a.pending.Load() > 0 {
		return
	}
	w := a.written.Load()
	if w <= a.synced.Load() {
		return
	}
	a.pending.Add(1)
	a.bio <- bioJob{f: a.f, upTo: w}
}

// PendingFsync reports whether a background fsync is queued or running.
func (a *AOF) PendingFsync() bool { return a.pending.Load() > 0 }

// WriteError returns the current write or background fsync error.
func (a *AOF) WriteError() error {
	if a.writeErr != nil {
		return a.writeErr
	}
	if b, _ := a.syncErr.Load().(errBox); b.err != nil {
		return b.err
	}
	return nil
}

// Sizes returns the bytes of the whole AOF (base and incr files) and the
// size recorded after the last rewrite, for INFO and auto-rewrite.
func (a *AOF) Sizes() (current, base int64) {
	return a.otherSize + a.incrSize, a.baseSize
}

// Close writes and syncs what is buffered, then closes the incr file and
// stops the fsync goroutine. The AOF can be started again.
func (a *AOF) Close() error {
	if a.bio != nil {
		close(a.bio)
		a.bioWG.Wait()
		a.bio = nil
	}
	var err error
	if a.f != nil {
		err = a.Flush()
		if serr := a.f.Sync(); err == nil {
			err = serr
		}
		if cerr := a.f.Close(); err == nil {
			err = cerr
		}
		a.f = nil
		a.curFile.Store(nil)
		if a.temporary {
			os.Remove(filepath.Join(a.path, a.incrName))
			a.temporary = false
		}
	}
	a.buf = nil
	return err
}

// saveManifest replaces the manifest file atomically.
func (a *AOF) saveManifest(m *Manifest) error {
	final := filepath.Join(a.path, ManifestName(a.opts.FileName))
	tmp := filepath.Join(a.path, tempPrefix+ManifestName(a.opts.FileName))
	if err := writeSync(tmp, m.Bytes()); err != nil {
		return fmt.Errorf("Can't persist the AOF manifest: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("Can't persist the AOF manifest: %w", err)
	}
	return SyncDir(a.path)
}

func writeSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// SyncDir makes a rename or file creation in dir durable: without it a
// crash can lose the directory entry of a file already synced.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Upgrade moves a Redis 6 single-file AOF (appendfilename in Dir) into
// the directory layout as its base, as Redis 7 does on its first start
// over such a file, and returns the opened AOF. Without such a file it
// returns the empty AOF.
func Upgrade(opts Options) (*AOF, error) {
	a, err := Open(opts)
	if err != nil || a.Exists() {
		return a, err
	}
	old := filepath.Join(opts.Dir, opts.FileName)
	if fi, err := os.Stat(old); err != nil || !fi.Mode().IsRegular() {
		return a, nil
	}
	if err := os.MkdirAll(a.path, 0o755); err != nil {
		return nil, fmt.Errorf("Can't create the append-only directory %s: %w", opts.DirName, err)
	}
	man := &Manifest{BaseSeq: 1}
	man.Base = &FileInfo{Name: opts.FileName, Seq: 1, Type: TypeBase}
	if err := a.saveManifest(man); err != nil {
		return nil, err
	}
	if err := os.Rename(old, filepath.Join(a.path, opts.FileName)); err != nil {
		return nil, fmt.Errorf("Error trying to move the old AOF file %s into dir %s: %w", opts.FileName, opts.DirName, err)
	}
	if err := SyncDir(opts.Dir); err != nil {
		return nil, err
	}
	opts.Log.Noticef("Successfully migrated an old-style AOF into the AOF directory %s", opts.DirName)
	a.man = man
	return a, nil
}
