package persist_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/config"
)

// Behaviour of the persistence commands and background jobs, in-process.

func TestBGSaveFailureIsVisible(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "server.log")
	_, c := startOurs(t, dir, func(cfg *config.Config) {
		cfg.Save = []config.SaveRule{{Seconds: 3600, Changes: 1}}
		cfg.LogFile = logPath
	})
	must(t, c.Set(bg, "k", "v", 0).Err())
	// A directory where the RDB file should go makes the final rename fail.
	must(t, os.Mkdir(filepath.Join(dir, "dump.rdb"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "dump.rdb", "x"), []byte("x"), 0o644))
	// c has a pool of one connection: the transactions get their own.
	opt := *c.Options()
	txWrite, txRead := redis.NewClient(&opt), redis.NewClient(&opt)
	defer txWrite.Close()
	defer txRead.Close()
	for _, tx := range []*redis.Client{txWrite, txRead} {
		must(t, tx.Do(bg, "MULTI").Err())
	}
	must(t, txWrite.Do(bg, "SET", "k6", "v").Err())
	must(t, txRead.Do(bg, "GET", "k").Err())
	if v := do(t, c, "BGSAVE"); v != "Background saving started" {
		t.Fatalf("BGSAVE: %v", v)
	}
	waitPersistence(t, c)
	if s := infoField(t, c, "persistence", "rdb_last_bgsave_status"); s != "err" {
		t.Fatalf("rdb_last_bgsave_status:%s after a failed BGSAVE", s)
	}
	misconf := "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
	if err := c.Set(bg, "k2", "v", 0).Err(); err == nil || err.Error() != misconf {
		t.Fatalf("SET after a failed BGSAVE: %v", err)
	}
	if err := c.Ping(bg).Err(); err == nil || !strings.HasPrefix(err.Error(), "MISCONF") {
		t.Fatalf("PING after a failed BGSAVE: %v", err)
	}
	if v := c.Get(bg, "k").Val(); v != "v" {
		t.Fatalf("reads must still work: %q", v)
	}
	// Transactions queued before the failure: the one with a write is
	// refused at EXEC as a whole, with Redis's text; a read-only one runs.
	if v, err := txWrite.Do(bg, "EXEC").Result(); err == nil || err.Error() != "EXECABORT Transaction discarded because of: "+misconf {
		t.Fatalf("EXEC of a transaction with a write, queued before the failure: %v, %v", v, err)
	}
	if v, err := txRead.Do(bg, "EXEC").Result(); err != nil || fmt.Sprint(v) != "[v]" {
		t.Fatalf("EXEC of a read-only transaction: %v, %v", v, err)
	}
	if v := c.Get(bg, "k6").Val(); v != "" {
		t.Fatalf("the refused transaction wrote k6=%q", v)
	}
	// In a transaction the write is refused when queued.
	p := c.TxPipeline()
	p.Set(bg, "k3", "v", 0)
	if _, err := p.Exec(bg); err == nil || !strings.Contains(err.Error(), "EXECABORT") && !strings.Contains(err.Error(), "MISCONF") {
		t.Fatalf("MULTI/SET/EXEC: %v", err)
	}
	log, _ := os.ReadFile(logPath)
	if !strings.Contains(string(log), "Background saving error") {
		t.Fatalf("failure not logged:\n%s", log)
	}
	// stop-writes-on-bgsave-error no lets writes through.
	must(t, c.ConfigSet(bg, "stop-writes-on-bgsave-error", "no").Err())
	must(t, c.Set(bg, "k4", "v", 0).Err())
	must(t, c.ConfigSet(bg, "stop-writes-on-bgsave-error", "yes").Err())
	// Fixing the cause and saving again clears the error.
	must(t, os.RemoveAll(filepath.Join(dir, "dump.rdb")))
	do(t, c, "BGSAVE")
	waitPersistence(t, c)
	if s := infoField(t, c, "persistence", "rdb_last_bgsave_status"); s != "ok" {
		t.Fatalf("status %s after a good BGSAVE", s)
	}
	must(t, c.Set(bg, "k5", "v", 0).Err())
	if err := c.Ping(bg).Err(); err != nil {
		t.Fatal(err)
	}
}

func TestSaveRulesTriggerBGSave(t *testing.T) {
	dir := t.TempDir()
	_, c := startOurs(t, dir, func(cfg *config.Config) {
		cfg.Save = []config.SaveRule{{Seconds: 1, Changes: 3}}
	})
	for i := 0; i < 3; i++ {
		must(t, c.Set(bg, fmt.Sprint("k", i), i, 0).Err())
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err == nil && infoField(t, c, "persistence", "rdb_changes_since_last_save") == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no automatic save: %s", c.Info(bg, "persistence").Val())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := infoField(t, c, "persistence", "rdb_saves"); n != "1" {
		t.Fatalf("rdb_saves %s", n)
	}
}

// slowSaves makes background jobs take long enough (about 0.4 s) to
// overlap the commands that follow, with rdb-key-save-delay.
func slowSaves(t *testing.T, c *redis.Client) {
	t.Helper()
	must(t, c.Do(bg, "DEBUG", "POPULATE", 20000, "big", 50).Err())
	must(t, c.ConfigSet(bg, "rdb-key-save-delay", "20").Err())
}

func TestBackgroundJobScheduling(t *testing.T) {
	dir := t.TempDir()
	_, c := startOurs(t, dir)
	slowSaves(t, c)
	if v := do(t, c, "BGSAVE"); v != "Background saving started" {
		t.Fatalf("BGSAVE: %v", v)
	}
	if err := c.Do(bg, "BGSAVE").Err(); err == nil || err.Error() != "ERR Background save already in progress" {
		t.Fatalf("second BGSAVE: %v", err)
	}
	if err := c.Do(bg, "SAVE").Err(); err == nil || err.Error() != "ERR Background save already in progress" {
		t.Fatalf("SAVE during BGSAVE: %v", err)
	}
	if v := do(t, c, "BGREWRITEAOF"); v != "Background append only file rewriting scheduled" {
		t.Fatalf("BGREWRITEAOF during BGSAVE: %v", v)
	}
	if s := infoField(t, c, "persistence", "aof_rewrite_scheduled"); s != "1" {
		t.Fatalf("aof_rewrite_scheduled %s", s)
	}
	waitPersistence(t, c)
	if n := infoField(t, c, "persistence", "aof_rewrites"); n != "1" {
		t.Fatalf("aof_rewrites %s", n)
	}
	// BGSAVE during a rewrite: refused, or scheduled with SCHEDULE.
	if v := do(t, c, "BGREWRITEAOF"); v != "Background append only file rewriting started" {
		t.Fatalf("BGREWRITEAOF: %v", v)
	}
	if err := c.Do(bg, "BGREWRITEAOF").Err(); err == nil || err.Error() != "ERR Background append only file rewriting already in progress" {
		t.Fatalf("second BGREWRITEAOF: %v", err)
	}
	err := c.Do(bg, "BGSAVE").Err()
	if err == nil || !strings.HasPrefix(err.Error(), "ERR Another child process is active (AOF?)") {
		t.Fatalf("BGSAVE during rewrite: %v", err)
	}
	if v := do(t, c, "BGSAVE", "SCHEDULE"); v != "Background saving scheduled" {
		t.Fatalf("BGSAVE SCHEDULE: %v", v)
	}
	waitPersistence(t, c)
	deadline := time.Now().Add(10 * time.Second)
	for infoField(t, c, "persistence", "rdb_saves") != "2" || infoField(t, c, "persistence", "rdb_bgsave_in_progress") != "0" {
		if time.Now().After(deadline) {
			t.Fatal("scheduled BGSAVE did not run")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// SAVE during an AOF rewrite is allowed, as in Redis.
	do(t, c, "BGREWRITEAOF")
	if v := do(t, c, "SAVE"); v != "OK" {
		t.Fatalf("SAVE during rewrite: %v", v)
	}
	waitPersistence(t, c)
	// LASTSAVE moved.
	if ls := do(t, c, "LASTSAVE").(int64); time.Since(time.Unix(ls, 0)) > time.Minute {
		t.Fatalf("LASTSAVE %d", ls)
	}
}

func TestAppendOnlyAtRuntime(t *testing.T) {
	dir := t.TempDir()
	srv, c := startOurs(t, dir)
	must(t, c.Set(bg, "before", "1", 0).Err())
	must(t, c.ConfigSet(bg, "appendonly", "yes").Err())
	waitPersistence(t, c)
	if s := infoField(t, c, "persistence", "aof_enabled"); s != "1" {
		t.Fatal("aof not enabled")
	}
	must(t, c.Set(bg, "after", "2", 0).Err())
	must(t, c.RPush(bg, "list", "x", "y").Err())
	man, err := os.ReadFile(filepath.Join(aofDir(dir), "appendonly.aof.manifest"))
	if err != nil || !strings.Contains(string(man), "type b") || !strings.Contains(string(man), "type i") {
		t.Fatalf("manifest %q %v", man, err)
	}
	if cur := infoField(t, c, "persistence", "aof_current_size"); cur == "0" {
		t.Fatal("aof_current_size 0")
	}
	// Turn it off: writes stop reaching the AOF.
	must(t, c.ConfigSet(bg, "appendonly", "no").Err())
	must(t, c.Set(bg, "not-in-aof", "3", 0).Err())
	if strings.Contains(c.Info(bg, "persistence").Val(), "aof_current_size") {
		t.Fatal("aof fields shown while off")
	}
	srv.Close()
	_, c2 := startOurs(t, dir, func(cfg *config.Config) { cfg.AppendOnly = true })
	if v := c2.Get(bg, "before").Val() + c2.Get(bg, "after").Val(); v != "12" {
		t.Fatalf("after restart: %q", v)
	}
	if c2.Exists(bg, "not-in-aof").Val() != 0 {
		t.Fatal("a write made with the AOF off is in the AOF")
	}
	if got := c2.LRange(bg, "list", 0, -1).Val(); len(got) != 2 {
		t.Fatalf("list %q", got)
	}
}

func TestAutoAOFRewrite(t *testing.T) {
	dir := t.TempDir()
	_, c := startOurs(t, dir, func(cfg *config.Config) {
		cfg.AppendOnly = true
		cfg.AutoAOFRewritePercentage = 100
		cfg.AutoAOFRewriteMinSize = 64 << 10
	})
	for i := 0; i < 3000; i++ {
		must(t, c.Set(bg, "same-key", strings.Repeat("x", 100), 0).Err())
	}
	// Writes stopped: the AOF is rewritten down to the one key once it
	// passes the minimum size.
	deadline := time.Now().Add(10 * time.Second)
	for {
		cur, _ := strconv.Atoi(infoField(t, c, "persistence", "aof_current_size"))
		if cur < 64<<10 && infoField(t, c, "persistence", "aof_rewrite_in_progress") == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("AOF not rewritten: %s", c.Info(bg, "persistence").Val())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if infoField(t, c, "persistence", "aof_rewrites") == "0" {
		t.Fatal("no automatic rewrite")
	}
}

func TestDebugReloadAndLoadAOF(t *testing.T) {
	dir := t.TempDir()
	_, c := startOurs(t, dir, func(cfg *config.Config) { cfg.AppendOnly = true })
	fillDataset(t, c)
	want := do(t, c, "DEBUG", "DIGEST")
	if v := do(t, c, "DEBUG", "RELOAD"); v != "OK" {
		t.Fatalf("DEBUG RELOAD: %v", v)
	}
	if got := do(t, c, "DEBUG", "DIGEST"); got != want {
		t.Fatalf("digest %v after DEBUG RELOAD, want %v", got, want)
	}
	if v := do(t, c, "DEBUG", "LOADAOF"); v != "OK" {
		t.Fatalf("DEBUG LOADAOF: %v", v)
	}
	if got := do(t, c, "DEBUG", "DIGEST"); got != want {
		t.Fatalf("digest %v after DEBUG LOADAOF, want %v", got, want)
	}
	if err := c.Do(bg, "DEBUG", "RELOAD", "BOGUS").Err(); err == nil || err.Error() != "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options." {
		t.Fatalf("bad option: %v", err)
	}
	// MERGE NOFLUSH NOSAVE keeps keys added since the save.
	must(t, c.Set(bg, "added", "1", 0).Err())
	do(t, c, "DEBUG", "RELOAD", "MERGE", "NOFLUSH", "NOSAVE")
	if c.Get(bg, "added").Val() != "1" {
		t.Fatal("MERGE NOFLUSH lost a key")
	}
}

func TestLoadSkipsExpiredKeys(t *testing.T) {
	dir := t.TempDir()
	srv, c := startOurs(t, dir)
	for i := 0; i < 10; i++ {
		must(t, c.Set(bg, fmt.Sprint("short", i), "v", 100*time.Millisecond).Err())
		must(t, c.Set(bg, fmt.Sprint("long", i), "v", time.Hour).Err())
		must(t, c.Set(bg, fmt.Sprint("forever", i), "v", 0).Err())
	}
	do(t, c, "SAVE")
	srv.Close()
	time.Sleep(200 * time.Millisecond)
	_, c2 := startOurs(t, dir)
	if n := c2.DBSize(bg).Val(); n != 20 {
		t.Fatalf("dbsize %d", n)
	}
	if v := infoField(t, c2, "persistence", "rdb_last_load_keys_expired"); v != "10" {
		t.Fatalf("rdb_last_load_keys_expired %s", v)
	}
	if v := infoField(t, c2, "persistence", "rdb_last_load_keys_loaded"); v != "20" {
		t.Fatalf("rdb_last_load_keys_loaded %s", v)
	}
}

func TestShutdownSaveNosave(t *testing.T) {
	dir := t.TempDir()
	p := startOursProc(t, dir, "--save", "3600 1")
	c := p.client()
	must(t, c.Set(bg, "k", "v", 0).Err())
	c.Do(bg, "SHUTDOWN", "NOSAVE")
	<-p.done
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err == nil {
		t.Fatal("SHUTDOWN NOSAVE saved")
	}
	p = startOursProc(t, dir)
	c = p.client()
	must(t, c.Set(bg, "k", "v", 0).Err())
	c.Do(bg, "SHUTDOWN", "SAVE")
	<-p.done
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatal("SHUTDOWN SAVE did not save")
	}
	// A failing final save keeps the server running.
	os.Remove(filepath.Join(dir, "dump.rdb"))
	p = startOursProc(t, dir, "--save", "3600 1")
	c = p.client()
	defer c.Close()
	must(t, os.Mkdir(filepath.Join(dir, "dump.rdb"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "dump.rdb", "x"), nil, 0o644))
	if err := c.Do(bg, "SHUTDOWN").Err(); err == nil || err.Error() != "ERR Errors trying to SHUTDOWN. Check logs." {
		t.Fatalf("SHUTDOWN with a failing save: %v", err)
	}
	if c.Ping(bg).Val() != "PONG" {
		t.Fatal("server stopped although its final save failed")
	}
}

// TestFlushAllSaves: with save points, FLUSHALL saves the empty dataset at
// once (and stops a BGSAVE of the old data), so a restart does not bring
// the flushed keys back.
func TestFlushAllSaves(t *testing.T) {
	dir := t.TempDir()
	srv, c := startOurs(t, dir, func(cfg *config.Config) {
		cfg.Save = []config.SaveRule{{Seconds: 3600, Changes: 1000000}}
	})
	slowSaves(t, c)
	do(t, c, "SAVE")
	do(t, c, "BGSAVE")
	must(t, c.FlushAll(bg).Err())
	time.Sleep(500 * time.Millisecond) // longer than the BGSAVE would take
	waitPersistence(t, c)
	// What a crash now would restart from:
	dir2 := t.TempDir()
	copyFile(t, filepath.Join(dir, "dump.rdb"), filepath.Join(dir2, "dump.rdb"))
	srv.Close()
	_, c2 := startOurs(t, dir2)
	if n := c2.DBSize(bg).Val(); n != 0 {
		t.Fatalf("%d keys came back after FLUSHALL and a restart", n)
	}
}
