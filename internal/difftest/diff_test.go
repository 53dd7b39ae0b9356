package difftest_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/servertest"

	"github.com/autobot-ai/autobot-redis/internal/difftest"
)

// startOurs starts our server in-process on a free loopback port, with
// the same settings the reference runs with (no save rules, no AOF).
var startOurs = func(t testing.TB) (difftest.Target, bool) {
	_, addr := servertest.Start(t)
	return difftest.Target{Addr: addr}, true
}

// TestDiff runs every testdata/*.txt file against redis-server and the
// server under test. DIFFTEST_OURS_ADDR=host:port compares against an
// already running server instead (it is flushed with FLUSHALL).
func TestDiff(t *testing.T) {
	t.Parallel()
	ref := difftest.StartReference(t)
	ours, ok := difftest.Target{}, false
	if addr := os.Getenv("DIFFTEST_OURS_ADDR"); addr != "" {
		ours, ok = difftest.Target{Addr: addr}, true
	} else {
		ours, ok = startOurs(t)
	}
	if !ok {
		t.Log("server under test not wired in yet: comparing redis-server with a second redis-server")
		ours = difftest.StartReference(t)
	}
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	for _, f := range files {
		if raceEnabled && f == filepath.Join("testdata", "scripting_deep.txt") {
			t.Logf("%s: skipped under -race (see the file)", f)
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) { difftest.RunFile(t, ref, ours, f) })
	}
}
