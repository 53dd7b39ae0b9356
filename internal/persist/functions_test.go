package persist_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/config"
)

// Function libraries (FUNCTION LOAD) are part of the dataset: RDB files and
// AOF rewrites carry them, in both directions with redis-server.

const testLibrary = "#!lua name=persistlib\nredis.register_function('plus1', function(keys, args) return redis.call('INCR', keys[1]) + 0 end)"

func loadLibrary(t *testing.T, c *redis.Client) {
	t.Helper()
	if got := do(t, c, "FUNCTION", "LOAD", testLibrary); got != "persistlib" {
		t.Fatalf("FUNCTION LOAD: %v", got)
	}
}

// checkLibrary: the library is there and its function runs.
func checkLibrary(t *testing.T, c *redis.Client, who string) {
	t.Helper()
	n, err := c.Do(bg, "FCALL", "plus1", 1, "fcounter").Int64()
	if err != nil || n < 1 {
		t.Errorf("%s: FCALL plus1 = %d, %v", who, n, err)
	}
	list, err := c.Do(bg, "FUNCTION", "LIST", "WITHCODE").Slice()
	if err != nil || len(list) != 1 || !strings.Contains(strings.ReplaceAll(strings.TrimSpace(stringify(list)), "\n", " "), "persistlib") {
		t.Errorf("%s: FUNCTION LIST = %v, %v", who, list, err)
	}
}

func stringify(v any) string {
	switch x := v.(type) {
	case []any:
		var b strings.Builder
		for _, e := range x {
			b.WriteString(stringify(e))
			b.WriteByte(' ')
		}
		return b.String()
	case map[any]any:
		var b strings.Builder
		for k, e := range x {
			b.WriteString(stringify(k) + " " + stringify(e) + " ")
		}
		return b.String()
	case string:
		return x
	}
	return ""
}

func TestFunctionsRDBBothWays(t *testing.T) {
	requireRedis(t)
	dir := t.TempDir()
	_, ours := startOurs(t, dir)
	loadLibrary(t, ours)
	do(t, ours, "SET", "k", "v")
	do(t, ours, "BGSAVE")
	waitPersistence(t, ours)
	rdir := t.TempDir()
	copyFile(t, filepath.Join(dir, "dump.rdb"), filepath.Join(rdir, "dump.rdb"))
	ref := startRedis(t, rdir).client()
	defer ref.Close()
	checkLibrary(t, ref, "redis-server loading our RDB")

	do(t, ref, "SAVE")
	dir2 := t.TempDir()
	copyFile(t, filepath.Join(rdir, "dump.rdb"), filepath.Join(dir2, "dump.rdb"))
	_, ours2 := startOurs(t, dir2)
	checkLibrary(t, ours2, "ours loading redis-server's RDB")
	if got := infoField(t, ours2, "memory", "number_of_libraries"); got != "1" {
		t.Errorf("INFO number_of_libraries = %s", got)
	}
}

// TestFunctionsAOF: a library survives an AOF rewrite (RDB preamble and
// command base) and the replay of the incr file, and redis-server loads the
// directory.
func TestFunctionsAOF(t *testing.T) {
	requireRedis(t)
	for _, preamble := range []bool{true, false} {
		t.Run(map[bool]string{true: "rdb-preamble", false: "commands"}[preamble], func(t *testing.T) {
			dir := t.TempDir()
			srv, ours := startOurs(t, dir, func(c *config.Config) {
				c.AppendOnly = true
				c.AOFUseRDBPreamble = preamble
			})
			loadLibrary(t, ours)
			do(t, ours, "BGREWRITEAOF")
			waitPersistence(t, ours)
			do(t, ours, "FCALL", "plus1", 1, "after-rewrite")
			srv.Close()

			_, again := startOurs(t, dir, func(c *config.Config) {
				c.AppendOnly = true
				c.AOFUseRDBPreamble = preamble
			})
			checkLibrary(t, again, "ours reloading its AOF")
			if got := do(t, again, "GET", "after-rewrite"); got != "1" {
				t.Errorf("after-rewrite = %v", got)
			}
			rdir := t.TempDir()
			copyDir(t, aofDir(dir), aofDir(rdir))
			ref := startRedis(t, rdir, "--appendonly", "yes").client()
			defer ref.Close()
			checkLibrary(t, ref, "redis-server loading our AOF")
		})
	}
}

// TestFunctionsDebugReload: DEBUG RELOAD empties and reloads the libraries
// as redis-server does; NOFLUSH without MERGE fails on the existing library.
func TestFunctionsDebugReload(t *testing.T) {
	requireRedis(t)
	ref := startRedis(t, t.TempDir()).client()
	defer ref.Close()
	_, ours := startOurs(t, t.TempDir())
	for _, c := range []*redis.Client{ref, ours} {
		loadLibrary(t, c)
	}
	for _, args := range [][]any{{"DEBUG", "RELOAD"}, {"DEBUG", "RELOAD", "MERGE"}, {"DEBUG", "RELOAD", "NOFLUSH"}, {"DEBUG", "RELOAD", "NOFLUSH", "MERGE"}} {
		want, wantErr := ref.Do(bg, args...).Result()
		got, gotErr := ours.Do(bg, args...).Result()
		if want != got || (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
			t.Errorf("%v: redis %v %v, ours %v %v", args, want, wantErr, got, gotErr)
		}
	}
	checkLibrary(t, ref, "redis-server after DEBUG RELOAD")
	checkLibrary(t, ours, "ours after DEBUG RELOAD")
}
