package scripting_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/scripting"
	"github.com/autobot-ai/autobot-redis/internal/server"
	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// Behaviour the differential tests cannot show (they would stop the
// reference server, or need access to the server's internals).

func newClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, ReadTimeout: 10 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

func busyThreshold(ms int64) func(*config.Config) {
	return func(c *config.Config) { c.BusyReplyThreshold = ms }
}

// waitBusy polls until the server answers BUSY.
func waitBusy(t *testing.T, c *redis.Client) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		err := c.Ping(context.Background()).Err()
		if err != nil && strings.HasPrefix(err.Error(), "BUSY ") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server never answered BUSY")
}

// A script that wrote cannot be killed; SHUTDOWN NOSAVE still stops the
// server, and the script with it.
func TestUnkillableScriptAndShutdownNosave(t *testing.T) {
	srv, addr := servertest.Start(t, busyThreshold(50))
	ctx := context.Background()
	a, b := newClient(t, addr), newClient(t, addr)
	scriptDone := make(chan error, 1)
	go func() {
		scriptDone <- a.Eval(ctx, "redis.call('set', 'x', 'y') while true do end", nil).Err()
	}()
	waitBusy(t, b)
	err := b.ScriptKill(ctx).Err()
	want := "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	if err == nil || err.Error() != want {
		t.Fatalf("SCRIPT KILL: %v, want %q", err, want)
	}
	if err := b.FunctionKill(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "UNKILLABLE ") {
		t.Fatalf("FUNCTION KILL: %v", err)
	}
	b.ShutdownNoSave(ctx)
	select {
	case <-srv.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SHUTDOWN NOSAVE did not shut the server down")
	}
	select {
	case <-scriptDone:
	case <-time.After(5 * time.Second):
		t.Fatal("the script kept running after SHUTDOWN NOSAVE")
	}
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("server did not close after SHUTDOWN NOSAVE")
	}
}

// A killed script's effects before the kill are... none: a script is only
// killable before it writes, so the kill leaves the dataset untouched and
// the server serves again.
func TestKilledScriptLeavesServerUsable(t *testing.T) {
	_, addr := servertest.Start(t, busyThreshold(50))
	ctx := context.Background()
	a, b := newClient(t, addr), newClient(t, addr)
	done := make(chan error, 1)
	go func() { done <- a.Eval(ctx, "local x = redis.call('get', 'k') while true do end", nil).Err() }()
	waitBusy(t, b)
	if err := b.ScriptKill(ctx).Err(); err != nil {
		t.Fatalf("SCRIPT KILL: %v", err)
	}
	err := <-done
	if err == nil || !strings.HasPrefix(err.Error(), "ERR Script killed by user with SCRIPT KILL... script: ") {
		t.Fatalf("killed script replied %v", err)
	}
	if err := b.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("server unusable after kill: %v", err)
	}
	if v := a.Eval(ctx, "return redis.call('get', 'k')", nil).Val(); v != "v" {
		t.Fatalf("EVAL after kill: %v", v)
	}
}

// While a script is busy, other clients are answered (BUSY) instead of
// waiting for it.
func TestBusyRepliesArrivePromptly(t *testing.T) {
	_, addr := servertest.Start(t, busyThreshold(100))
	ctx := context.Background()
	a, b := newClient(t, addr), newClient(t, addr)
	go a.Eval(ctx, "local t = redis.call('time') while true do end", nil)
	waitBusy(t, b)
	start := time.Now()
	for i := 0; i < 20; i++ {
		if err := b.Get(ctx, "x").Err(); err == nil || !strings.HasPrefix(err.Error(), "BUSY ") {
			t.Fatalf("GET during busy script: %v", err)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("20 BUSY replies took %v", d)
	}
	if err := b.ScriptKill(ctx).Err(); err != nil {
		t.Fatalf("SCRIPT KILL: %v", err)
	}
}

// EVAL appears in MONITOR before the commands the script runs, which show
// "lua" as their origin.
func TestMonitorShowsScript(t *testing.T) {
	_, addr := servertest.Start(t)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	conn.Write([]byte("MONITOR\r\n"))
	if line, _ := r.ReadString('\n'); line != "+OK\r\n" {
		t.Fatalf("MONITOR: %q", line)
	}
	c := newClient(t, addr)
	if err := c.Eval(context.Background(), "return redis.call('set', KEYS[1], ARGV[1])", []string{"mk"}, "mv").Err(); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var lines []string
	for len(lines) < 2 {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading MONITOR: %v (so far %q)", err, lines)
		}
		if strings.Contains(line, `"hello"`) || strings.Contains(line, `"client"`) {
			continue // go-redis handshake
		}
		lines = append(lines, line)
	}
	if !strings.Contains(strings.ToUpper(lines[0]), `"EVAL" "RETURN REDIS.CALL('SET', KEYS[1], ARGV[1])" "1" "MK" "MV"`) && !strings.Contains(lines[0], `"EVAL" "return redis.call('set', KEYS[1], ARGV[1])" "1" "mk" "mv"`) {
		t.Errorf("first MONITOR line %q, want the EVAL", lines[0])
	}
	if !strings.Contains(lines[1], `[0 lua] "set" "mk" "mv"`) {
		t.Errorf("second MONITOR line %q, want the script's SET", lines[1])
	}
}

// recorder is a propagator that records what the server would write to
// the AOF and replicas.
type recorder struct {
	mu   sync.Mutex
	cmds []string
}

func (r *recorder) Feed(db int, args [][]byte) {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = string(a)
	}
	r.mu.Lock()
	r.cmds = append(r.cmds, strings.Join(parts, " "))
	r.mu.Unlock()
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.cmds
	r.cmds = nil
	return out
}

// startWithEngine starts a server with scripting, returning the engine.
func startWithEngine(t *testing.T) (*server.Server, *scripting.Engine, string) {
	t.Helper()
	cfg := config.Default()
	cfg.Port = 0
	cfg.Save = nil
	cfg.AppendOnly = false
	cfg.Dir = t.TempDir()
	cfg.LogLevel = "warning"
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	eng := scripting.Attach(srv)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return srv, eng, l.Addr().String()
}

// Script effects propagate as one MULTI/EXEC block of the commands that
// ran (not the EVAL); FUNCTION LOAD, DELETE and FLUSH propagate as they are.
func TestPropagation(t *testing.T) {
	srv, _, addr := startWithEngine(t)
	rec := &recorder{}
	srv.AddPropagator(rec)
	ctx := context.Background()
	c := newClient(t, addr)
	c.Eval(ctx, "redis.call('set', 'a', '1'); redis.call('incr', 'a'); redis.call('get', 'a')", nil)
	c.Eval(ctx, "return redis.call('set', 'b', '1')", nil)
	c.Eval(ctx, "return redis.call('get', 'b')", nil)
	c.Eval(ctx, "redis.call('set', 'c', '1'); error('after a write')", nil)
	got := rec.take()
	want := []string{"MULTI", "set a 1", "incr a", "EXEC", "set b 1", "set c 1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("propagated %q, want %q", got, want)
	}
	code := "#!lua name=plib\nredis.register_function('f', function() return 1 end)"
	c.FunctionLoad(ctx, code)
	c.FunctionDelete(ctx, "plib")
	c.FunctionFlush(ctx)
	c.ScriptLoad(ctx, "return 1")
	got = rec.take()
	want = []string{"function load " + code, "function delete plib", "function flush"}
	if !strings.EqualFold(strings.Join(got, "|"), strings.Join(want, "|")) {
		t.Errorf("propagated %q, want %q", got, want)
	}
}

// Libraries and LoadLibrary are how persistence saves and restores
// function libraries.
func TestLibrariesForPersistence(t *testing.T) {
	srv, eng, addr := startWithEngine(t)
	ctx := context.Background()
	c := newClient(t, addr)
	codeA := "#!lua name=liba\nredis.register_function('fa', function() return 'a' end)"
	codeB := "#!lua name=libb\nredis.register_function{function_name='fb', callback=function() return 'b' end, flags={'no-writes'}}"
	if err := c.FunctionLoad(ctx, codeB).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Lock()
	if err := eng.LoadLibrary(codeA, false); err != nil {
		t.Errorf("LoadLibrary: %v", err)
	}
	if err := eng.LoadLibrary(codeA, false); err == nil || err.Error() != "Library 'liba' already exists" {
		t.Errorf("LoadLibrary twice: %v", err)
	}
	if err := eng.LoadLibrary(codeA, true); err != nil {
		t.Errorf("LoadLibrary with replace: %v", err)
	}
	if err := eng.LoadLibrary("#!lua name=bad\nerror('x')", false); err == nil {
		t.Errorf("LoadLibrary of failing code succeeded")
	}
	libs := eng.Libraries()
	mem := eng.Memory()
	srv.Unlock()
	if len(libs) != 2 || libs[0] != codeA || libs[1] != codeB {
		t.Errorf("Libraries = %q", libs)
	}
	if mem.Libraries != 2 || mem.Functions != 2 {
		t.Errorf("Memory() = %+v", mem)
	}
	if v := c.FCallRO(ctx, "fb", nil).Val(); v != "b" {
		t.Errorf("FCALL_RO fb = %v", v)
	}
	if v := c.FCall(ctx, "fa", nil).Val(); v != "a" {
		t.Errorf("FCALL fa = %v", v)
	}
	c.ScriptLoad(ctx, "return 1")
	c.ScriptLoad(ctx, "return 2")
	srv.Lock()
	mem = eng.Memory()
	srv.Unlock()
	if mem.CachedScripts != 2 || mem.ScriptsEval <= 0 || mem.LuaVM <= 0 {
		t.Errorf("Memory() after SCRIPT LOAD = %+v", mem)
	}
}

// Scripts and functions from concurrent clients run one at a time, each
// atomically.
func TestScriptsAreAtomic(t *testing.T) {
	_, addr := servertest.Start(t)
	ctx := context.Background()
	const clients, rounds = 8, 200
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: addr})
			defer c.Close()
			for j := 0; j < rounds; j++ {
				// Read, then write back plus one: lost updates would show
				// if two scripts interleaved.
				err := c.Eval(ctx, "local v = tonumber(redis.call('get', 'n') or '0'); redis.call('set', 'n', v + 1); return v", nil).Err()
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	c := newClient(t, addr)
	if n, _ := c.Get(ctx, "n").Int(); n != clients*rounds {
		t.Errorf("n = %d, want %d", n, clients*rounds)
	}
}
