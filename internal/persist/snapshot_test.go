package persist

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/rdb"
)

// populate fills dbs 0..3 with n keys each of every type.
func populate(ts *testServer, n int) {
	ts.srv.Lock()
	defer ts.srv.Unlock()
	for db := 0; db < 4; db++ {
		ts.doLocked(fmt.Sprintf("SELECT %d", db))
		for i := 0; i < n; i++ {
			switch i % 7 {
			case 0:
				ts.doLocked(fmt.Sprintf("SET s:%d value-%d-%d", i, db, i))
			case 1:
				ts.doLocked(fmt.Sprintf("SET n:%d %d", i, i*7))
			case 2:
				ts.doLocked(fmt.Sprintf("RPUSH l:%d a%d b c %d", i, i, i))
			case 3:
				ts.doLocked(fmt.Sprintf("HSET h:%d f1 %d f2 v", i, i))
			case 4:
				ts.doLocked(fmt.Sprintf("ZADD z:%d 1 a %d.5 b", i, i))
			case 5:
				ts.doLocked(fmt.Sprintf("SADD set:%d %d x y", i, i))
			case 6:
				ts.doLocked(fmt.Sprintf("XADD x:%d %d-1 f %d", i, i+1, i))
				ts.doLocked(fmt.Sprintf("SET e:%d v PX 100000000", i))
			}
		}
	}
	ts.doLocked("SELECT 0")
}

// TestSnapshotConsistentUnderWrites checks the fork-less BGSAVE: while the
// snapshot is written in chunks, another goroutine overwrites, deletes,
// renames, moves and flushes keys and swaps databases; the file must hold
// exactly the dataset of the instant BGSAVE started.
func TestSnapshotConsistentUnderWrites(t *testing.T) {
	ts := newTestServer(t)
	populate(ts, 7000)

	ts.srv.Lock()
	want := rdb.DigestHex(datasetDigest(ts.srv.Keyspace()))
	if err := ts.m.startBGSave(); err != nil {
		ts.srv.Unlock()
		t.Fatal(err)
	}
	job := ts.m.job
	ts.srv.Unlock()

	rng := rand.New(rand.NewPCG(1, 2))
	steps := 0
	for done := false; !done; steps++ {
		select {
		case <-job.done:
			done = true
			continue
		default:
		}
		i := rng.IntN(7000)
		db := rng.IntN(4)
		var cmds []string
		switch steps % 13 {
		case 0:
			cmds = []string{fmt.Sprintf("SET s:%d changed", i-i%7)}
		case 1:
			cmds = []string{fmt.Sprintf("DEL l:%d", i-i%7+2)}
		case 2:
			cmds = []string{fmt.Sprintf("APPEND s:%d more", i-i%7)}
		case 3:
			cmds = []string{fmt.Sprintf("INCR n:%d", i-i%7+1)}
		case 4:
			cmds = []string{fmt.Sprintf("HSET h:%d f3 new", i-i%7+3)}
		case 5:
			cmds = []string{fmt.Sprintf("LPUSH l:%d new", i-i%7+2)}
		case 6:
			cmds = []string{fmt.Sprintf("RENAME z:%d renamed:%d", i-i%7+4, i)}
		case 7:
			cmds = []string{fmt.Sprintf("MOVE set:%d %d", i-i%7+5, (db+1)%4)}
		case 8:
			cmds = []string{fmt.Sprintf("XADD x:%d * g h", i-i%7+6), fmt.Sprintf("EXPIRE s:%d 1000", i-i%7)}
		case 9:
			cmds = []string{fmt.Sprintf("SET fresh:%d v", i)}
		case 10:
			if steps%130 == 10 {
				cmds = []string{fmt.Sprintf("SWAPDB %d %d", db, (db+2)%4)}
			}
		case 11:
			if steps == 11+13*40 {
				cmds = []string{"FLUSHDB"}
			}
		case 12:
			cmds = []string{fmt.Sprintf("PERSIST e:%d", i-i%7+6), fmt.Sprintf("SREM set:%d x", i-i%7+5)}
		}
		ts.srv.Lock()
		ts.doLocked(fmt.Sprintf("SELECT %d", db))
		for _, c := range cmds {
			ts.doLocked(c)
		}
		ts.srv.Unlock()
	}
	if steps < 50 {
		t.Logf("only %d write steps ran during the snapshot", steps)
	}
	ts.srv.Lock()
	ok := ts.m.lastBgsaveOK
	ts.srv.Unlock()
	if !ok {
		t.Fatal("BGSAVE failed")
	}

	// Load the file into a fresh server and compare.
	ts2 := newTestServer(t, func(c *config.Config) { c.Dir = ts.srv.Config().Dir })
	if got := ts2.digest(); got != want {
		t.Fatalf("snapshot digest %s, dataset at BGSAVE time %s (%d write steps during the save)", got, want, steps)
	}
	if ts.digest() == want {
		t.Fatalf("the writes did not change the live dataset; the test proves nothing")
	}
	t.Logf("%d write steps during the snapshot", steps)
}

// TestSaveForeground covers SAVE's path and a reload of every type.
func TestSaveForegroundRoundTrip(t *testing.T) {
	ts := newTestServer(t)
	populate(ts, 300)
	want := ts.digest()
	ts.srv.Lock()
	err := ts.m.saveSync()
	ts.srv.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ts.srv.Config().Dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
	ts2 := newTestServer(t, func(c *config.Config) { c.Dir = ts.srv.Config().Dir })
	if got := ts2.digest(); got != want {
		t.Fatalf("reloaded digest %s, want %s", got, want)
	}
}
