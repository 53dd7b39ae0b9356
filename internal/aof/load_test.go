package aof

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a Handler that keeps what it is given.
type recorder struct {
	cmds    []string
	rdb     []byte // content handed to LoadRDB
	rdbLen  int64  // bytes LoadRDB claims
	multi   bool
	queued  []string
	failOn  string
	rdbFail error
}

func (r *recorder) LoadRDB(rd io.Reader) (int64, error) {
	if r.rdbFail != nil {
		return 0, r.rdbFail
	}
	b, _ := io.ReadAll(rd)
	r.rdb = b
	return r.rdbLen, nil
}

func (r *recorder) Exec(args [][]byte) error {
	var parts []string
	for _, a := range args {
		parts = append(parts, string(a))
	}
	line := strings.Join(parts, " ")
	if r.failOn != "" && strings.EqualFold(parts[0], r.failOn) {
		return fmt.Errorf("unknown command '%s'", parts[0])
	}
	switch strings.ToUpper(parts[0]) {
	case "MULTI":
		r.multi = true
		return nil
	case "EXEC":
		r.multi = false
		r.cmds = append(r.cmds, r.queued...)
		r.queued = nil
		return nil
	}
	if r.multi {
		r.queued = append(r.queued, line)
		return nil
	}
	r.cmds = append(r.cmds, line)
	return nil
}

func (r *recorder) InMulti() bool { return r.multi }
func (r *recorder) Discard()      { r.multi, r.queued = false, nil }

type testLog struct{ lines []string }

func (l *testLog) Noticef(f string, a ...any)  { l.lines = append(l.lines, fmt.Sprintf(f, a...)) }
func (l *testLog) Warningf(f string, a ...any) { l.lines = append(l.lines, fmt.Sprintf(f, a...)) }

func cmd(args ...string) string {
	var b []byte
	var bs [][]byte
	for _, a := range args {
		bs = append(bs, []byte(a))
	}
	b = AppendCommand(b, bs)
	return string(b)
}

// writeAOF creates dir with a manifest naming files (base first when
// base is set) and their contents.
func writeAOF(t *testing.T, base string, incrs ...string) (string, *Manifest) {
	t.Helper()
	dir := t.TempDir()
	m := &Manifest{}
	if base != "" {
		fi := m.newBase("appendonly.aof", strings.HasPrefix(base, "REDIS"))
		os.WriteFile(filepath.Join(dir, fi.Name), []byte(base), 0o644)
	}
	for _, c := range incrs {
		fi := m.newIncr("appendonly.aof")
		os.WriteFile(filepath.Join(dir, fi.Name), []byte(c), 0o644)
	}
	return dir, m
}

func TestLoadCommandsAcrossFiles(t *testing.T) {
	base := cmd("SELECT", "0") + cmd("SET", "a", "1")
	incr1 := cmd("SET", "b", "2") + "#TS:1700000000\r\n" + cmd("MULTI") + cmd("INCR", "a") + cmd("EXEC")
	incr2 := ""
	dir, m := writeAOF(t, base, incr1, incr2)
	h := &recorder{}
	st, err := Load(dir, m, h, false, &testLog{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"SELECT 0", "SET a 1", "SET b 2", "INCR a"}
	if fmt.Sprint(h.cmds) != fmt.Sprint(want) {
		t.Fatalf("got %q want %q", h.cmds, want)
	}
	if st.Truncated || st.BaseSize != int64(len(base)) || st.TotalSize != int64(len(base)+len(incr1)) {
		t.Fatalf("stats %+v", st)
	}
}

func TestLoadRDBPreambleThenCommands(t *testing.T) {
	rdbPart := "REDIS0010fake-rdb-content"
	base := rdbPart + cmd("SET", "after", "preamble")
	dir, m := writeAOF(t, base)
	h := &recorder{rdbLen: int64(len(rdbPart))}
	if _, err := Load(dir, m, h, false, &testLog{}); err != nil {
		t.Fatal(err)
	}
	if string(h.rdb) != base || len(h.cmds) != 1 || h.cmds[0] != "SET after preamble" {
		t.Fatalf("rdb %q cmds %q", h.rdb, h.cmds)
	}
	h = &recorder{rdbFail: errors.New("bad rdb")}
	_, err := Load(dir, m, h, true, &testLog{})
	var le *LoadError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "bad rdb") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadTruncatedTail(t *testing.T) {
	good := cmd("SET", "a", "1") + cmd("SET", "b", "2")
	for _, cut := range []string{"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nhel", "*3\r\n$3\r\nSE", "*", "*3\r", cmd("MULTI") + cmd("SET", "c", "3")} {
		dir, m := writeAOF(t, cmd("SET", "base", "x"), good+cut)
		path := filepath.Join(dir, m.Incr[0].Name)

		// aof-load-truncated no: a clear error, nothing changed on disk.
		h := &recorder{}
		_, err := Load(dir, m, h, false, &testLog{})
		if err == nil || !strings.Contains(err.Error(), "Unexpected end of file") {
			t.Fatalf("cut %q: got %v", cut, err)
		}
		if fi, _ := os.Stat(path); fi.Size() != int64(len(good+cut)) {
			t.Fatalf("file changed without aof-load-truncated")
		}

		// aof-load-truncated yes: loaded up to the last complete command,
		// the file cut there, and the cut logged.
		h = &recorder{}
		log := &testLog{}
		st, err := Load(dir, m, h, true, log)
		if err != nil {
			t.Fatalf("cut %q: %v", cut, err)
		}
		if !st.Truncated || len(h.cmds) != 3 || h.multi {
			t.Fatalf("cut %q: stats %+v cmds %q", cut, st, h.cmds)
		}
		data, _ := os.ReadFile(path)
		if string(data) != good {
			t.Fatalf("cut %q: file is %q after truncation", cut, data)
		}
		if !strings.Contains(strings.Join(log.lines, "\n"), "Truncating the AOF") {
			t.Fatalf("no log line: %q", log.lines)
		}
	}
}

func TestLoadTruncatedNotLastFileFails(t *testing.T) {
	dir, m := writeAOF(t, "", cmd("SET", "a", "1")+"*2\r\n$3\r\nGET", cmd("SET", "b", "2"))
	_, err := Load(dir, m, &recorder{}, true, &testLog{})
	if err == nil || !strings.Contains(err.Error(), "Unexpected end of file") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadCorruptionFails(t *testing.T) {
	for _, bad := range []string{
		"garbage\r\n",
		"*2\r\n$3\r\nGET\r\n+1\r\nk\r\n",
		"*x\r\n",
		"*1\r\n$3\r\nGETxx",
		"*1\r\n$-1\r\n",
	} {
		dir, m := writeAOF(t, "", cmd("SET", "a", "1")+bad+cmd("SET", "b", "2"))
		h := &recorder{}
		_, err := Load(dir, m, h, true, &testLog{})
		if err == nil || !strings.Contains(err.Error(), "Bad file format") {
			t.Fatalf("%q: got %v", bad, err)
		}
	}
}

func TestLoadUnknownCommandAndMissingFile(t *testing.T) {
	dir, m := writeAOF(t, "", cmd("SET", "a", "1")+cmd("NOPE", "x"))
	_, err := Load(dir, m, &recorder{failOn: "NOPE"}, true, &testLog{})
	if err == nil || !strings.Contains(err.Error(), "Unknown command 'NOPE' reading the append only file") {
		t.Fatalf("got %v", err)
	}
	m.newIncr("appendonly.aof")
	_, err = Load(dir, m, &recorder{}, true, &testLog{})
	if err == nil || !strings.Contains(err.Error(), "doesn't exist") {
		t.Fatalf("got %v", err)
	}
}

func TestCommandWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewCommandWriter(&buf)
	w.SelectDB(3, 0, 0)
	w.Close()
	if buf.String() != cmd("SELECT", "3") {
		t.Fatalf("%q", buf.String())
	}
}
