package difftest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShowReference is a tool for writing cases, not a check: with
// DIFFTEST_SHOW set to a testdata file name (or a glob), it prints what
// redis-server replies to every line, over RESP2 and RESP3:
//
//	DIFFTEST_SHOW=strings.txt go test ./internal/difftest -run TestShowReference -v
func TestShowReference(t *testing.T) {
	pattern := os.Getenv("DIFFTEST_SHOW")
	if pattern == "" {
		t.Skip("set DIFFTEST_SHOW=<file in testdata> to print redis-server's replies")
	}
	if !strings.Contains(pattern, "/") {
		pattern = filepath.Join("testdata", pattern)
	}
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Fatalf("no file matches %s", pattern)
	}
	ref := StartReference(t)
	for _, f := range files {
		steps, err := parseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, proto := range []int{2, 3} {
			ss := newSession("redis-server", ref.Addr, proto, defaultTimeout)
			if err := ss.flushAll(); err != nil {
				t.Fatal(err)
			}
			for _, s := range steps {
				if s.proto != 0 && s.proto != proto {
					continue
				}
				if s.kind == kindSleep {
					time.Sleep(time.Duration(s.sleep) * time.Millisecond)
					continue
				}
				o := ss.do(s)
				if s.kind == kindSend || s.kind == kindClose {
					continue
				}
				t.Logf("%s [RESP%d] %s  =>  %s", s.where(), proto, s.text, o.show())
			}
			ss.closeAll()
		}
	}
}
