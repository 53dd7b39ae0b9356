package redismanager

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/server"
)

func TestClassify(t *testing.T) {
	if classify(nil) != classOK || classify(fmt.Errorf("x: %w", ErrKeyNotAllowed)) != classLocal ||
		classify(context.Canceled) != classCanceled {
		t.Fatal("classes")
	}
	if d := backoff(1, 10*time.Millisecond, time.Second); d < 5*time.Millisecond || d > 10*time.Millisecond {
		t.Fatal(d)
	}
	if d := backoff(20, 10*time.Millisecond, time.Second); d < 500*time.Millisecond || d > time.Second {
		t.Fatal(d)
	}
}

func TestBreaker(t *testing.T) {
	b := newBreaker(3, 50*time.Millisecond)
	fail := errors.New("dial tcp: connection refused")
	for i := 0; i < 3; i++ {
		if err := b.allow(); err != nil {
			t.Fatal(err)
		}
		b.record(classNotSent, fail)
	}
	err := b.allow()
	if !errors.Is(err, ErrCircuitOpen) || !errors.Is(err, ErrUnavailable) || b.status().State != BreakerOpen {
		t.Fatalf("%v %+v", err, b.status())
	}
	time.Sleep(60 * time.Millisecond)
	if err := b.allow(); err != nil { // the probe
		t.Fatal(err)
	}
	if err := b.allow(); !errors.Is(err, ErrCircuitOpen) { // others wait for the probe
		t.Fatal(err)
	}
	b.record(classMaybeSent, fail) // probe failed: open again, longer
	if s := b.status(); s.State != BreakerOpen || s.RetryAt.Sub(s.OpenedAt) < 90*time.Millisecond {
		t.Fatalf("%+v", s)
	}
	time.Sleep(110 * time.Millisecond)
	b.allow()
	b.record(classOK, nil)
	if s := b.status(); s.State != BreakerClosed || s.ConsecutiveFailures != 0 || s.Opens != 2 {
		t.Fatalf("%+v", s)
	}
}

// TestWaitsThroughLoading: while the server answers LOADING, Open and the
// stores wait instead of failing.
func TestWaitsThroughLoading(t *testing.T) {
	var loading atomic.Bool
	loading.Store(true)
	hook := func(srv *server.Server) {
		srv.AddCommandCheck(func(c server.ClientView, cmd *command.Command, args [][]byte) string {
			if loading.Load() && cmd.Spec.Flags&command.FlagLoading == 0 {
				return "LOADING Redis is loading the dataset in memory"
			}
			return ""
		})
	}
	time.AfterFunc(300*time.Millisecond, func() { loading.Store(false) })
	start := time.Now()
	m := openBackend(t, beEmbedded, func(c *Config) { c.embeddedHook = hook })
	if time.Since(start) < 250*time.Millisecond {
		t.Fatal("Open did not wait for the dataset to load")
	}
	ctx := ctxT(t)
	s, err := m.Sessions().Create(ctx, "u", nil)
	if err != nil {
		t.Fatal(err)
	}
	loading.Store(true)
	time.AfterFunc(200*time.Millisecond, func() { loading.Store(false) })
	start = time.Now()
	if _, err := m.Sessions().Get(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 150*time.Millisecond {
		t.Fatal("did not wait")
	}
	// Loading longer than LoadingTimeout is reported.
	m.cfg.LoadingTimeout = 100 * time.Millisecond
	loading.Store(true)
	defer loading.Store(false)
	if _, err := m.Sessions().Get(ctx, s.ID); err == nil || !strings.Contains(err.Error(), "LOADING") {
		t.Fatalf("after the loading timeout: %v", err)
	}
}

// ownRedis starts a dedicated redis-server (with an fsync-always AOF so
// acknowledged writes survive a kill) for a failure test.
func ownRedis(t *testing.T) *proc {
	t.Helper()
	if err := haveRedisTools(); err != nil {
		t.Skipf("skipping: %v", err)
	}
	p, err := startRedis(t.TempDir(), 0, "--appendonly", "yes", "--appendfsync", "always")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.kill)
	return p
}

func restartRedis(t *testing.T, p *proc) *proc {
	t.Helper()
	p.kill()
	np, err := startRedis(p.dir, p.port, "--appendonly", "yes", "--appendfsync", "always")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(np.kill)
	return np
}

func openOn(t *testing.T, p *proc, mutate func(*Config)) *Manager {
	t.Helper()
	c := testConfig()
	c.Mode, c.Addr = ModeStandalone, p.addr()
	if mutate != nil {
		mutate(c)
	}
	m, err := Open(ctxT(t), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestUnreachableAndRecovery: Redis dies; calls fail with ErrUnavailable,
// the breaker opens and fails fast; Redis comes back; the stores recover
// and the data written before is intact.
func TestUnreachableAndRecovery(t *testing.T) {
	p := ownRedis(t)
	m := openOn(t, p, func(c *Config) {
		c.BreakerThreshold, c.BreakerCooldown = 3, 100*time.Millisecond
		c.ConnectTimeout, c.SocketTimeout, c.MaxRetries = 200*time.Millisecond, 200*time.Millisecond, 1
	})
	ctx := ctxT(t)
	sess, err := m.Sessions().Create(ctx, "u", map[string]any{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	p.kill()
	for i := 0; i < 3; i++ {
		_, err := m.Sessions().Get(ctx, sess.ID)
		if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotFound) {
			t.Fatalf("while down: %v", err)
		}
	}
	start := time.Now()
	_, err = m.Sessions().Get(ctx, sess.ID)
	if !errors.Is(err, ErrCircuitOpen) || time.Since(start) > 5*time.Millisecond {
		t.Fatalf("breaker did not fail fast: %v after %v", err, time.Since(start))
	}
	if h := m.Health(ctx); h.Healthy || h.Breaker.State == BreakerClosed {
		t.Fatalf("health while down: %+v", h)
	}
	p = restartRedis(t, p)
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := m.Sessions().Get(ctx, sess.ID)
		if err == nil {
			if got.Data["k"] != "v" {
				t.Fatalf("data after restart %+v", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never recovered: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s := m.Health(ctx); !s.Healthy || s.Breaker.State != BreakerClosed {
		t.Fatalf("health after recovery %+v", s)
	}
}

// TestTimeoutRetriesOnlyIdempotent: with Redis frozen (SIGSTOP), a
// non-idempotent operation times out and is NOT repeated (it runs once
// when Redis resumes), an idempotent read is retried, and the health
// report still returns within its time bound.
func TestTimeoutRetriesOnlyIdempotent(t *testing.T) {
	p := ownRedis(t)
	m := openOn(t, p, func(c *Config) {
		c.SocketTimeout, c.MaxRetries, c.BreakerThreshold = 150*time.Millisecond, 2, 100
		c.HealthTimeout = 300 * time.Millisecond
	})
	ctx := ctxT(t)
	lim := RateLimit{Limit: 100, Window: time.Hour}
	if _, err := m.RateLimiter().Allow(ctx, "u", "/x", lim); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(p.cmd.Process.Pid, syscall.SIGSTOP)
	resumed := false
	defer func() {
		if !resumed {
			syscall.Kill(p.cmd.Process.Pid, syscall.SIGCONT)
		}
	}()
	start := time.Now()
	_, err := m.RateLimiter().Allow(ctx, "u", "/x", lim)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("frozen: %v", err)
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Fatalf("non-idempotent op took %v: it was retried", d)
	}
	start = time.Now()
	_, err = m.Sessions().Get(ctx, "abc")
	if !errors.Is(err, ErrUnavailable) || time.Since(start) < 400*time.Millisecond {
		t.Fatalf("idempotent read: %v after %v (expected 3 attempts)", err, time.Since(start))
	}
	start = time.Now()
	h := m.Health(ctx)
	if d := time.Since(start); d > 500*time.Millisecond || h.Healthy || h.DBs[0].OK || h.DBs[0].Error == "" {
		t.Fatalf("health took %v: %+v", d, h.DBs[0])
	}
	// The bound holds even when it is shorter than the socket timeout.
	m.cfg.HealthTimeout = 60 * time.Millisecond
	start = time.Now()
	h = m.Health(ctx)
	if d := time.Since(start); d > 100*time.Millisecond || h.DBs[3].Error != "health check timed out" {
		t.Fatalf("health took %v: %+v", d, h.DBs[3])
	}
	syscall.Kill(p.cmd.Process.Pid, syscall.SIGCONT)
	resumed = true
	d, err := m.RateLimiter().Allow(ctx, "u", "/x", lim)
	if err != nil {
		t.Fatal(err)
	}
	// 1 before, the timed-out one (executed once when Redis resumed), this one.
	if used := lim.Limit - d.Remaining; used != 3 {
		t.Fatalf("counter at %d: the timed-out INCR ran %d times", used, used-2)
	}
}

// TestRestartMidOperation restarts Redis while writers append chat
// messages and enqueue jobs: afterwards every transaction is either
// complete or absent (message count equals list length; every job in
// the queue has its record), and the stores work again.
func TestRestartMidOperation(t *testing.T) {
	p := ownRedis(t)
	m := openOn(t, p, func(c *Config) {
		c.BreakerCooldown, c.SocketTimeout, c.ConnectTimeout = 50*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
		c.ChatMaxMessages = 1 << 20 // no trimming: the count must equal the list length
	})
	ctx := ctxT(t)
	cs, err := m.Chat().CreateSession(ctx, ChatSession{UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	var ok, unknown atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, err := m.Chat().Append(ctx, cs.ID, Message{Role: "user", Content: "m"})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ErrUnavailable):
					unknown.Add(1)
					time.Sleep(5 * time.Millisecond)
				default:
					t.Errorf("unexpected error: %v", err)
					return
				}
				m.Jobs().Enqueue(ctx, "restart", []byte(strconv.Itoa(i)), EnqueueOptions{})
			}
		}()
	}
	time.Sleep(150 * time.Millisecond)
	p = restartRedis(t, p)
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if ok.Load() == 0 || unknown.Load() == 0 {
		t.Logf("ok %d unknown %d", ok.Load(), unknown.Load())
	}
	s, err := m.Chat().GetSession(ctx, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := m.Chat().Len(ctx, cs.ID)
	if s.MessageCount != n {
		t.Fatalf("metadata says %d messages, list has %d: a transaction was torn", s.MessageCount, n)
	}
	if s.MessageCount < ok.Load() || s.MessageCount > ok.Load()+unknown.Load() {
		t.Fatalf("count %d outside [%d, %d]", s.MessageCount, ok.Load(), ok.Load()+unknown.Load())
	}
	// Every queued job id has its record.
	admin := admin(t, m, 5)
	ids := admin.LRange(ctx, m.Jobs().readyKey("restart", PriorityNormal), 0, -1).Val()
	for _, id := range ids {
		if admin.Exists(ctx, m.Jobs().jobKey(id)).Val() != 1 {
			t.Fatalf("queued job %s has no record", id)
		}
	}
	if _, err := m.Chat().Append(ctx, cs.ID, Message{Content: "after"}); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

// TestEmbeddedKeepsDataAcrossRestarts: the embedded server persists to
// its data directory.
func TestEmbeddedKeepsDataAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	open := func() *Manager {
		c := testConfig()
		c.DataDir = dir
		m, err := Open(ctxT(t), c)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := open()
	ctx := ctxT(t)
	sess, _ := m.Sessions().Create(ctx, "u", nil)
	job, _ := m.Jobs().Enqueue(ctx, "q", []byte("x"), EnqueueOptions{})
	// A second embedded server on the same directory is refused.
	c := testConfig()
	c.DataDir = dir
	if _, err := Open(ctx, c); err == nil {
		t.Fatal("two embedded servers on one data directory")
	}
	m.Close()
	m = open()
	defer m.Close()
	if _, err := m.Sessions().Get(ctx, sess.ID); err != nil {
		t.Fatalf("session lost across restart: %v", err)
	}
	if l, err := m.Jobs().Lease(ctx, "q", time.Minute); err != nil || l == nil || l.Job.ID != job.ID {
		t.Fatalf("job lost across restart: %v %v", l, err)
	}
	if _, err := filepath.Glob(filepath.Join(dir, "*")); err != nil {
		t.Fatal(err)
	}
}
