package aof

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func opts(dir, fsync string) Options {
	return Options{Dir: dir, DirName: "appendonlydir", FileName: "appendonly.aof", Fsync: fsync, Log: &testLog{}}
}

func feed(a *AOF, db int, args ...string) {
	var bs [][]byte
	for _, s := range args {
		bs = append(bs, []byte(s))
	}
	a.Feed(db, bs)
}

func readManifest(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func loadAll(t *testing.T, dir string) []string {
	t.Helper()
	a, err := Open(opts(dir, "no"))
	if err != nil {
		t.Fatal(err)
	}
	h := &recorder{}
	if _, err := a.Load(h, false); err != nil {
		t.Fatal(err)
	}
	return h.cmds
}

// writeBase stands in for the snapshot a real rewrite writes.
func writeBase(t *testing.T, rw *Rewrite, content string) {
	t.Helper()
	if err := os.WriteFile(rw.TempPath(), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAppendRewriteCycle(t *testing.T) {
	for _, fsync := range []string{"always", "everysec", "no"} {
		t.Run(fsync, func(t *testing.T) {
			dir := t.TempDir()
			a, err := Open(opts(dir, fsync))
			if err != nil || a.Exists() {
				t.Fatal(err, a.Exists())
			}
			// First start: a base of the (empty) dataset, then an incr.
			rw, err := a.BeginRewrite(false, false, 1)
			if err != nil {
				t.Fatal(err)
			}
			writeBase(t, rw, "")
			if err := rw.Commit(); err != nil {
				t.Fatal(err)
			}
			if err := a.StartAppending(); err != nil {
				t.Fatal(err)
			}
			if got := readManifest(t, dir); got != "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n" {
				t.Fatalf("manifest %q", got)
			}
			feed(a, 0, "SET", "a", "1")
			feed(a, 2, "SET", "b", "2")
			feed(a, 2, "SET", "c", "3")
			if err := a.Flush(); err != nil {
				t.Fatal(err)
			}
			a.SyncInBackground()

			// A rewrite switches to a new incr at once.
			rw, err = a.BeginRewrite(false, false, 2)
			if err != nil {
				t.Fatal(err)
			}
			feed(a, 2, "SET", "d", "4")
			a.Flush()
			if got := readManifest(t, dir); !strings.Contains(got, "appendonly.aof.2.incr.aof seq 2 type i") || !strings.Contains(got, "appendonly.aof.1.incr.aof seq 1 type i") {
				t.Fatalf("manifest during rewrite %q", got)
			}
			writeBase(t, rw, cmd("SELECT", "0")+cmd("SET", "a", "1")+cmd("SELECT", "2")+cmd("SET", "b", "2")+cmd("SET", "c", "3"))
			if err := rw.Commit(); err != nil {
				t.Fatal(err)
			}
			if got := readManifest(t, dir); got != "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n" {
				t.Fatalf("manifest after rewrite %q", got)
			}
			entries, _ := os.ReadDir(filepath.Join(dir, "appendonlydir"))
			if len(entries) != 3 {
				t.Fatalf("history files left: %v", entries)
			}
			feed(a, 0, "DEL", "a")
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			want := "[SELECT 0 SET a 1 SELECT 2 SET b 2 SET c 3 SELECT 2 SET d 4 SELECT 0 DEL a]"
			if got := fmt.Sprint(loadAll(t, dir)); got != want {
				t.Fatalf("loaded %s\nwant %s", got, want)
			}
		})
	}
}

func TestTurnOnWithTemporaryIncr(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(opts(dir, "everysec"))
	rw, err := a.BeginRewrite(true, true, 7)
	if err != nil {
		t.Fatal(err)
	}
	feed(a, 0, "SET", "k", "v")
	a.Flush()
	if _, err := os.Stat(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")); !os.IsNotExist(err) {
		t.Fatal("manifest written before the first base")
	}
	// Abort: the temporary incr goes away, the next attempt starts over.
	rw.Abort()
	if a.Appending() {
		t.Fatal("still appending after abort")
	}
	rw, _ = a.BeginRewrite(true, true, 8)
	feed(a, 0, "SET", "k2", "v")
	a.Flush()
	writeBase(t, rw, "REDIS0010")
	if err := rw.Commit(); err != nil {
		t.Fatal(err)
	}
	feed(a, 0, "SET", "k3", "v")
	a.Close()
	if got := readManifest(t, dir); got != "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n" {
		t.Fatalf("manifest %q", got)
	}
	a2, _ := Open(opts(dir, "no"))
	h := &recorder{rdbLen: 9}
	if _, err := a2.Load(h, false); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(h.cmds) != "[SELECT 0 SET k2 v SET k3 v]" {
		t.Fatalf("%q", h.cmds)
	}
}

func TestUpgradeSingleFileAOF(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "appendonly.aof"), []byte(cmd("SET", "old", "aof")), 0o644)
	a, err := Upgrade(opts(dir, "no"))
	if err != nil || !a.Exists() {
		t.Fatal(err)
	}
	if got := readManifest(t, dir); got != "file appendonly.aof seq 1 type b\n" {
		t.Fatalf("%q", got)
	}
	if fmt.Sprint(loadAll(t, dir)) != "[SET old aof]" {
		t.Fatal("not loaded")
	}
}

func TestFlushErrorIsReported(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(opts(dir, "no"))
	if err := a.StartAppending(); err != nil {
		t.Fatal(err)
	}
	a.f.Close() // writes now fail
	feed(a, 0, "SET", "x", "y")
	if err := a.Flush(); err == nil || a.WriteError() == nil {
		t.Fatal("write error not reported")
	}
	if a.BufferLen() == 0 {
		t.Fatal("buffer dropped after a failed write")
	}
}
