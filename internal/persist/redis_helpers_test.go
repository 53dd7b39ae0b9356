package persist_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/server"
	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// Helpers shared by the persistence tests: throwaway redis-server
// instances (Debian's 7.0.15, the reference), our server in-process or as
// a subprocess, and key-by-key comparison of two datasets.

var bg = context.Background()

func requireRedis(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not found on PATH; install Debian's redis-server (7.0) to run the persistence interop tests")
	}
	return p
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// proc is a server running as a subprocess.
type proc struct {
	cmd  *exec.Cmd
	addr string
	log  string
	done chan struct{}
}

func (p *proc) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: p.addr, Protocol: 2, PoolSize: 1, MaxRetries: -1, ReadTimeout: 30 * time.Second})
}

func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func (p *proc) logText() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// startProc runs bin with args, waits until it answers PING and kills it
// when the test ends. It fails the test when the process exits first.
func startProc(t testing.TB, bin string, dir string, port int, args ...string) *proc {
	t.Helper()
	p, err := tryStartProc(t, bin, dir, port, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func tryStartProc(t testing.TB, bin string, dir string, port int, args ...string) (*proc, error) {
	t.Helper()
	logPath := filepath.Join(dir, fmt.Sprintf("server-%d.log", port))
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, addr: "127.0.0.1:" + strconv.Itoa(port), log: logPath, done: make(chan struct{})}
	go func() { cmd.Wait(); lf.Close(); close(p.done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited during start-up: %s\n%s", filepath.Base(bin), cmd.ProcessState, tail(p.logText()))
		default:
		}
		c, err := net.DialTimeout("tcp", p.addr, 200*time.Millisecond)
		if err == nil {
			io.WriteString(c, "PING\r\n")
			buf := make([]byte, 64)
			c.SetReadDeadline(time.Now().Add(time.Second))
			n, _ := c.Read(buf)
			c.Close()
			if strings.HasPrefix(string(buf[:n]), "+PONG") {
				return p, nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, fmt.Errorf("%s did not answer PING\n%s", filepath.Base(bin), tail(p.logText()))
}

func tail(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

// startRedis starts the reference redis-server in dir with DEBUG enabled
// and no persistence unless args turn it on.
func startRedis(t testing.TB, dir string, args ...string) *proc {
	t.Helper()
	bin := requireRedis(t)
	port := freePort(t)
	base := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
		"--appendonly", "no", "--enable-debug-command", "yes", "--daemonize", "no"}
	return startProc(t, bin, dir, port, append(base, args...)...)
}

// ourBinary builds cmd/autobot-redis once per test process.
var builtBinary string

func ourBinary(t testing.TB) string {
	t.Helper()
	if builtBinary != "" {
		return builtBinary
	}
	dir, err := os.MkdirTemp("", "autobot-redis-bin-")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "autobot-redis")
	cmd := exec.Command("go", "build", "-o", out, "github.com/autobot-ai/autobot-redis/cmd/autobot-redis")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	builtBinary = out
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBinary != "" {
		os.RemoveAll(filepath.Dir(builtBinary))
	}
	os.Exit(code)
}

// startOursProc runs our binary as a subprocess in dir.
func startOursProc(t testing.TB, dir string, args ...string) *proc {
	t.Helper()
	port := freePort(t)
	base := []string{"serve", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
		"--appendonly", "no", "--enable-debug-command", "yes"}
	return startProc(t, ourBinary(t), dir, port, append(base, args...)...)
}

// startOurs runs our server in-process with persistence in dir.
func startOurs(t testing.TB, dir string, configure ...func(*config.Config)) (*server.Server, *redis.Client) {
	t.Helper()
	srv, addr := servertest.Start(t, append([]func(*config.Config){func(c *config.Config) {
		c.Dir = dir
		c.EnableDebugCommand = "yes"
	}}, configure...)...)
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, PoolSize: 1, MaxRetries: -1, ReadTimeout: 30 * time.Second})
	t.Cleanup(func() { c.Close() })
	return srv, c
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func do(t testing.TB, c *redis.Client, args ...any) any {
	t.Helper()
	v, err := c.Do(bg, args...).Result()
	if err != nil && err != redis.Nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

// waitPersistence waits until no BGSAVE/AOF rewrite is running.
func waitPersistence(t testing.TB, c *redis.Client) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		info := c.Info(bg, "persistence").Val()
		if strings.Contains(info, "rdb_bgsave_in_progress:0") && strings.Contains(info, "aof_rewrite_in_progress:0") &&
			strings.Contains(info, "aof_rewrite_scheduled:0") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("background save still running")
}

func infoField(t testing.TB, c *redis.Client, section, field string) string {
	t.Helper()
	for _, line := range strings.Split(c.Info(bg, section).Val(), "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return ""
}

// compareDatasets checks that two servers hold the same data: the same
// keys in every database, the same DEBUG DIGEST-VALUE for each, the same
// absolute expire times, the same stream consumer groups, and the same
// DEBUG DIGEST. exactGroups also compares consumer seen times and PEL
// delivery times (true for RDB and DUMP round trips; an AOF replays them
// through XCLAIM, which sets seen times anew).
func compareDatasets(t testing.TB, a, b *redis.Client, exactGroups bool) int {
	t.Helper()
	total := 0
	for db := 0; db < 16; db++ {
		ka := keysOf(t, a, db)
		kb := keysOf(t, b, db)
		if strings.Join(ka, "\x00") != strings.Join(kb, "\x00") {
			t.Fatalf("db %d: keys differ:\n%q\n%q", db, clipList(ka), clipList(kb))
		}
		if len(ka) == 0 {
			continue
		}
		total += len(ka)
		do(t, a, "SELECT", db)
		do(t, b, "SELECT", db)
		args := []any{"DEBUG", "DIGEST-VALUE"}
		for _, k := range ka {
			args = append(args, k)
		}
		da := do(t, a, args...).([]any)
		dbv := do(t, b, args...).([]any)
		for i, k := range ka {
			if da[i] != dbv[i] {
				t.Errorf("db %d key %q: digest %v vs %v (type %v)", db, k, da[i], dbv[i], do(t, a, "TYPE", k))
			}
			ea := do(t, a, "PEXPIRETIME", k)
			eb := do(t, b, "PEXPIRETIME", k)
			if ea != eb {
				t.Errorf("db %d key %q: expire time %v vs %v", db, k, ea, eb)
			}
			if do(t, a, "TYPE", k) == "stream" {
				ga := streamGroups(t, a, k, exactGroups)
				gb := streamGroups(t, b, k, exactGroups)
				if ga != gb {
					t.Errorf("db %d stream %q: groups differ:\n%s\n%s", db, k, ga, gb)
				}
			}
		}
		do(t, a, "SELECT", 0)
		do(t, b, "SELECT", 0)
	}
	if x, y := do(t, a, "DEBUG", "DIGEST"), do(t, b, "DEBUG", "DIGEST"); x != y {
		t.Errorf("DEBUG DIGEST %v vs %v", x, y)
	}
	if total == 0 {
		t.Fatal("no keys compared")
	}
	return total
}

func clipList(s []string) []string {
	if len(s) > 20 {
		return s[:20]
	}
	return s
}

func keysOf(t testing.TB, c *redis.Client, db int) []string {
	t.Helper()
	do(t, c, "SELECT", db)
	defer do(t, c, "SELECT", 0)
	var keys []string
	for _, k := range do(t, c, "KEYS", "*").([]any) {
		keys = append(keys, k.(string))
	}
	sort.Strings(keys)
	return keys
}

// streamGroups renders XINFO STREAM FULL's groups, optionally without the
// times an AOF replay does not preserve.
func streamGroups(t testing.TB, c *redis.Client, key string, exact bool) string {
	t.Helper()
	v := do(t, c, "XINFO", "STREAM", key, "FULL")
	var b strings.Builder
	var walk func(v any, skip bool)
	walk = func(v any, skip bool) {
		switch x := v.(type) {
		case []any:
			b.WriteString("[")
			for i := 0; i < len(x); i++ {
				if name, ok := x[i].(string); ok && i+1 < len(x) && !exact && (name == "seen-time" || name == "active-time") {
					i++
					continue
				}
				walk(x[i], false)
				b.WriteString(" ")
			}
			b.WriteString("]")
		default:
			fmt.Fprint(&b, x)
		}
	}
	arr := v.([]any)
	for i := 0; i+1 < len(arr); i += 2 {
		if arr[i] == "groups" || arr[i] == "entries-added" || arr[i] == "max-deleted-entry-id" || arr[i] == "last-generated-id" || arr[i] == "recorded-first-entry-id" {
			fmt.Fprintf(&b, "%v=", arr[i])
			if arr[i] == "groups" && !exact {
				// PEL entries carry delivery times and counts: keep them.
				walk(arr[i+1], false)
			} else {
				walk(arr[i+1], false)
			}
			b.WriteString(";")
		}
	}
	return b.String()
}

func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	must(t, os.MkdirAll(dst, 0o755))
	entries, err := os.ReadDir(src)
	must(t, err)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
	}
}

func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	must(t, err)
	must(t, os.MkdirAll(filepath.Dir(dst), 0o755))
	must(t, os.WriteFile(dst, b, 0o644))
}
