package persist

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/autobot-ai/autobot-redis/internal/aof"
)

// Durable file replacement: data goes to a temporary file in the target's
// directory, which is flushed to disk, renamed over the target and made
// durable by syncing the directory. A crash at any point leaves either
// the old file or the new one, never a mix.

// syncWriter counts bytes written to a file and, when every is positive,
// flushes the file to disk every that many bytes (rdb-save-incremental-
// fsync), so the final fsync does not have to push a huge backlog at once.
type syncWriter struct {
	f       *os.File
	every   int64
	n       int64
	pending int64
}

func (w *syncWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.n += int64(n)
	w.pending += int64(n)
	if err == nil && w.every > 0 && w.pending >= w.every {
		w.pending = 0
		err = w.f.Sync()
	}
	return n, err
}

// tempFile is a file being written that becomes final on commit.
type tempFile struct {
	f    *os.File
	path string
	w    *syncWriter
	bw   *bufio.Writer
}

// createTemp creates dir/name for writing, replacing a leftover.
func createTemp(dir, name string, syncEvery int64) (*tempFile, error) {
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	w := &syncWriter{f: f, every: syncEvery}
	return &tempFile{f: f, path: path, w: w, bw: bufio.NewWriterSize(w, 64<<10)}, nil
}

// Write buffers p.
func (t *tempFile) Write(p []byte) (int, error) { return t.bw.Write(p) }

// Written is the number of bytes written so far.
func (t *tempFile) Written() int64 { return t.w.n + int64(t.bw.Buffered()) }

// finish flushes and syncs the data and closes the file.
func (t *tempFile) finish() error {
	if err := t.bw.Flush(); err != nil {
		t.f.Close()
		return err
	}
	if err := t.f.Sync(); err != nil {
		t.f.Close()
		return err
	}
	return t.f.Close()
}

// commit renames the finished file to final and syncs the directory.
func (t *tempFile) commit(final string) error {
	if err := os.Rename(t.path, final); err != nil {
		return err
	}
	return aof.SyncDir(filepath.Dir(final))
}

// abort closes and removes the file.
func (t *tempFile) abort() {
	t.f.Close()
	os.Remove(t.path)
}

// writeFileAtomic replaces path with the output of fill.
func writeFileAtomic(path string, fill func(w io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	t, err := createTemp(dir, "temp-"+base, 0)
	if err != nil {
		return err
	}
	if err := fill(t); err != nil {
		t.abort()
		return err
	}
	if err := t.finish(); err != nil {
		os.Remove(t.path)
		return err
	}
	if err := t.commit(path); err != nil {
		os.Remove(t.path)
		return fmt.Errorf("rename %s: %w", t.path, err)
	}
	return nil
}
