package aof

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the AOF loader as the last incr file.
// It must never panic or allocate beyond the input; a failure must be a
// LoadError; a truncation must leave a file that loads again, cleanly,
// into the same commands.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(cmd("SET", "a", "1") + cmd("GET", "a")))
	f.Add([]byte(cmd("MULTI") + cmd("SET", "a", "1") + cmd("EXEC")))
	f.Add([]byte(cmd("MULTI") + cmd("SET", "a", "1")))
	f.Add([]byte(cmd("SET", "a", "1") + "*2\r\n$3\r\nDEL"))
	f.Add([]byte("#TS:1\r\n" + cmd("SELECT", "1")))
	f.Add([]byte("*1\r\n$999999999999\r\n"))
	f.Add([]byte("*99999999999\r\n$1\r\na\r\n"))
	f.Add([]byte("REDIS0010\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		m := &Manifest{}
		fi := m.newIncr("appendonly.aof")
		path := filepath.Join(dir, fi.Name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		h := &recorder{}
		st, err := Load(dir, m, h, true, &testLog{})
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error is not a LoadError: %v", err)
			}
			return
		}
		if h.multi {
			t.Fatal("loaded with an open MULTI")
		}
		if !st.Truncated {
			return
		}
		h2 := &recorder{}
		st2, err := Load(dir, m, h2, false, &testLog{})
		if err != nil || st2.Truncated {
			t.Fatalf("the truncated file does not load cleanly: %v %+v", err, st2)
		}
		if fmt.Sprint(h.cmds) != fmt.Sprint(h2.cmds) {
			t.Fatalf("reload gives %q, first load %q", h2.cmds, h.cmds)
		}
	})
}
