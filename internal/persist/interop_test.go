package persist_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/config"
)

// Interoperability with Debian's redis-server 7.0: files written by one
// server load into the other with identical content, compared key by key.

// TestRDBOursToRedis: our BGSAVE output loads into redis-server.
func TestRDBOursToRedis(t *testing.T) {
	requireRedis(t)
	dir := t.TempDir()
	_, ours := startOurs(t, dir)
	fillDataset(t, ours)
	if got := do(t, ours, "BGSAVE"); got != "Background saving started" {
		t.Fatalf("BGSAVE: %v", got)
	}
	waitPersistence(t, ours)
	if s := infoField(t, ours, "persistence", "rdb_last_bgsave_status"); s != "ok" {
		t.Fatalf("bgsave status %s", s)
	}
	rdir := t.TempDir()
	copyFile(t, filepath.Join(dir, "dump.rdb"), filepath.Join(rdir, "dump.rdb"))
	ref := startRedis(t, rdir).client()
	defer ref.Close()
	n := compareDatasets(t, ours, ref, true)
	t.Logf("%d keys identical", n)
}

// TestRDBRedisToOurs: redis-server's SAVE output loads into ours.
func TestRDBRedisToOurs(t *testing.T) {
	requireRedis(t)
	rdir := t.TempDir()
	ref := startRedis(t, rdir).client()
	defer ref.Close()
	fillDataset(t, ref)
	do(t, ref, "SAVE")
	dir := t.TempDir()
	copyFile(t, filepath.Join(rdir, "dump.rdb"), filepath.Join(dir, "dump.rdb"))
	_, ours := startOurs(t, dir)
	n := compareDatasets(t, ref, ours, true)
	if got := infoField(t, ours, "persistence", "rdb_last_load_keys_loaded"); got == "0" {
		t.Fatalf("rdb_last_load_keys_loaded = %s", got)
	}
	t.Logf("%d keys identical", n)
}

// TestRDBUncompressedNoChecksum: rdbcompression no and rdbchecksum no,
// both ways.
func TestRDBUncompressedNoChecksum(t *testing.T) {
	requireRedis(t)
	dir := t.TempDir()
	_, ours := startOurs(t, dir, func(c *config.Config) { c.RDBCompression, c.RDBChecksum = false, false })
	fillDataset(t, ours)
	do(t, ours, "SAVE")
	rdir := t.TempDir()
	copyFile(t, filepath.Join(dir, "dump.rdb"), filepath.Join(rdir, "dump.rdb"))
	ref := startRedis(t, rdir, "--rdbchecksum", "no", "--rdbcompression", "no").client()
	defer ref.Close()
	compareDatasets(t, ours, ref, true)
	do(t, ref, "SAVE")
	dir2 := t.TempDir()
	copyFile(t, filepath.Join(rdir, "dump.rdb"), filepath.Join(dir2, "dump.rdb"))
	_, ours2 := startOurs(t, dir2, func(c *config.Config) { c.RDBChecksum = false })
	compareDatasets(t, ref, ours2, true)
}

// aofDir names the AOF directory inside a server dir.
func aofDir(dir string) string { return filepath.Join(dir, "appendonlydir") }

// TestAOFOursToRedis: our AOF directory (base + incr files, after a
// rewrite in the middle of the writes) loads into redis-server, with and
// without the RDB preamble.
func TestAOFOursToRedis(t *testing.T) {
	requireRedis(t)
	for _, preamble := range []bool{true, false} {
		name := "rdb-preamble"
		if !preamble {
			name = "commands"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			_, ours := startOurs(t, dir, func(c *config.Config) {
				c.AppendOnly = true
				c.AOFUseRDBPreamble = preamble
			})
			do(t, ours, "SET", "before-rewrite", "1")
			do(t, ours, "HSET", "h-before", "a", "1")
			do(t, ours, "BGREWRITEAOF")
			waitPersistence(t, ours)
			fillDataset(t, ours)
			do(t, ours, "DEL", "before-rewrite")
			do(t, ours, "MULTI")
			do(t, ours, "INCR", "tx")
			do(t, ours, "SET", "tx2", "v")
			do(t, ours, "EXEC")
			manifest, err := os.ReadFile(filepath.Join(aofDir(dir), "appendonly.aof.manifest"))
			must(t, err)
			suffix := ".base.rdb"
			if !preamble {
				suffix = ".base.aof"
			}
			if !strings.Contains(string(manifest), "appendonly.aof.2"+suffix+" seq 2 type b") {
				t.Fatalf("manifest %q", manifest)
			}
			rdir := t.TempDir()
			copyDir(t, aofDir(dir), aofDir(rdir))
			ref := startRedis(t, rdir, "--appendonly", "yes").client()
			defer ref.Close()
			compareDatasets(t, ours, ref, false)
		})
	}
}

// TestAOFRedisToOurs: redis-server's AOF directory, with a rewrite in the
// middle, loads into ours; a second rewrite by ours then loads back.
func TestAOFRedisToOurs(t *testing.T) {
	requireRedis(t)
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble-"+preamble, func(t *testing.T) {
			rdir := t.TempDir()
			ref := startRedis(t, rdir, "--appendonly", "yes", "--aof-use-rdb-preamble", preamble).client()
			defer ref.Close()
			do(t, ref, "SET", "before-rewrite", "1")
			do(t, ref, "BGREWRITEAOF")
			waitPersistence(t, ref)
			fillDataset(t, ref)
			do(t, ref, "MULTI")
			do(t, ref, "INCR", "tx")
			do(t, ref, "EXEC")
			dir := t.TempDir()
			copyDir(t, aofDir(rdir), aofDir(dir))
			_, ours := startOurs(t, dir, func(c *config.Config) {
				c.AppendOnly = true
				c.AOFUseRDBPreamble = preamble == "yes"
			})
			compareDatasets(t, ref, ours, false)

			// Ours rewrites that directory; redis-server loads the result.
			do(t, ours, "SET", "after", "ours")
			do(t, ref, "SET", "after", "ours")
			do(t, ours, "BGREWRITEAOF")
			waitPersistence(t, ours)
			do(t, ours, "SET", "after-rewrite", "x")
			do(t, ref, "SET", "after-rewrite", "x")
			rdir2 := t.TempDir()
			copyDir(t, aofDir(dir), aofDir(rdir2))
			ref2 := startRedis(t, rdir2, "--appendonly", "yes").client()
			defer ref2.Close()
			compareDatasets(t, ref, ref2, false)
		})
	}
}

// TestDumpRestoreInterop: DUMP payloads move both ways.
func TestDumpRestoreInterop(t *testing.T) {
	requireRedis(t)
	ref := startRedis(t, t.TempDir()).client()
	defer ref.Close()
	_, ours := startOurs(t, t.TempDir())
	fillDataset(t, ref)
	// Redis to ours.
	for db := 0; db < 16; db++ {
		for _, k := range keysOf(t, ref, db) {
			do(t, ref, "SELECT", db)
			payload := do(t, ref, "DUMP", k).(string)
			pttl := do(t, ref, "PEXPIRETIME", k).(int64)
			do(t, ref, "SELECT", 0)
			do(t, ours, "SELECT", db)
			if pttl > 0 {
				do(t, ours, "RESTORE", k, pttl, payload, "ABSTTL")
			} else {
				do(t, ours, "RESTORE", k, 0, payload)
			}
			do(t, ours, "SELECT", 0)
		}
	}
	compareDatasets(t, ref, ours, true)
	// Ours to a fresh redis-server.
	ref2 := startRedis(t, t.TempDir()).client()
	defer ref2.Close()
	for db := 0; db < 16; db++ {
		for _, k := range keysOf(t, ours, db) {
			do(t, ours, "SELECT", db)
			payload := do(t, ours, "DUMP", k).(string)
			pttl := do(t, ours, "PEXPIRETIME", k).(int64)
			do(t, ours, "SELECT", 0)
			do(t, ref2, "SELECT", db)
			if pttl > 0 {
				do(t, ref2, "RESTORE", k, pttl, payload, "ABSTTL")
			} else {
				do(t, ref2, "RESTORE", k, 0, payload)
			}
			do(t, ref2, "SELECT", 0)
		}
	}
	compareDatasets(t, ours, ref2, true)
}

// TestRedisCliBackups: `redis-cli bgsave` and `redis-cli --rdb FILE`
// against our server produce files redis-server loads identically.
func TestRedisCliBackups(t *testing.T) {
	requireRedis(t)
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not found on PATH (Debian package redis-tools)")
	}
	dir := t.TempDir()
	srv, ours := startOurs(t, dir)
	fillDataset(t, ours)
	host, port, _ := strings.Cut(srv.Addr(), ":")
	_ = host
	out, err := exec.Command(cli, "-h", "127.0.0.1", "-p", port, "bgsave").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "Background saving started" {
		t.Fatalf("redis-cli bgsave: %v %q", err, out)
	}
	waitPersistence(t, ours)
	rdir := t.TempDir()
	copyFile(t, filepath.Join(dir, "dump.rdb"), filepath.Join(rdir, "dump.rdb"))
	ref := startRedis(t, rdir).client()
	defer ref.Close()
	compareDatasets(t, ours, ref, true)

	backup := filepath.Join(t.TempDir(), "backup.rdb")
	out, err = exec.Command(cli, "-h", "127.0.0.1", "-p", port, "--rdb", backup).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Transfer finished with success") {
		t.Fatalf("redis-cli --rdb: %v %q", err, out)
	}
	rdir2 := t.TempDir()
	copyFile(t, backup, filepath.Join(rdir2, "dump.rdb"))
	ref2 := startRedis(t, rdir2).client()
	defer ref2.Close()
	compareDatasets(t, ours, ref2, true)
	// The server is still serving after the transfer.
	if do(t, ours, "PING") != "PONG" {
		t.Fatal("server not answering after SYNC")
	}
}
