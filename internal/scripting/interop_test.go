package scripting_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/difftest"
	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// Real libraries that keep their logic in Lua scripts, run unchanged
// against our server. Each test also runs against redis-server (when it is
// installed), which checks the test itself and, for redis_rate, gives the
// results ours must match.

// rateStep is one call to the limiter and what it returned.
type rateStep struct {
	allowed, remaining int
	retryAfter         time.Duration
	resetAfter         time.Duration
}

// runRateScenario performs a fixed sequence of limiter calls against the
// server at addr: a burst that exhausts the limit, AllowN and AllowAtMost
// calls, a pause long enough to refill part of it, and a reset.
func runRateScenario(t *testing.T, addr string) []rateStep {
	t.Helper()
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatalf("flushall: %v", err)
	}
	limiter := redis_rate.NewLimiter(rdb)
	// One token every 500 ms: the counts must not depend on how fast this
	// machine runs the calls (CI runs other tests beside this one), so
	// the emission interval is far longer than any scheduling delay and
	// the sleep below lands in the middle of an interval.
	limit := redis_rate.Limit{Rate: 2, Burst: 10, Period: time.Second}
	var steps []rateStep
	record := func(res *redis_rate.Result, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("limiter call %d: %v", len(steps)+1, err)
		}
		steps = append(steps, rateStep{res.Allowed, res.Remaining, res.RetryAfter, res.ResetAfter})
	}
	for i := 0; i < 12; i++ {
		record(limiter.Allow(ctx, "user:1", limit))
	}
	record(limiter.AllowN(ctx, "user:2", limit, 4))
	record(limiter.AllowN(ctx, "user:2", limit, 7))
	record(limiter.AllowAtMost(ctx, "user:2", limit, 20))
	record(limiter.AllowAtMost(ctx, "user:3", limit, 3))
	time.Sleep(750 * time.Millisecond)
	record(limiter.Allow(ctx, "user:1", limit))
	record(limiter.AllowN(ctx, "user:1", limit, 3))
	if err := limiter.Reset(ctx, "user:1"); err != nil {
		t.Fatalf("reset: %v", err)
	}
	record(limiter.Allow(ctx, "user:1", limit))
	record(limiter.Allow(ctx, "user:4", redis_rate.PerMinute(2)))
	record(limiter.Allow(ctx, "user:4", redis_rate.PerMinute(2)))
	record(limiter.Allow(ctx, "user:4", redis_rate.PerMinute(2)))
	return steps
}

// TestRedisRateMatchesRedis runs the same GCRA calls through redis_rate
// against redis-server and against our server: allowed and remaining must
// be equal, the durations equal within the time the calls take.
func TestRedisRateMatchesRedis(t *testing.T) {
	ref := difftest.StartReference(t)
	_, ours := servertest.Start(t)
	want := runRateScenario(t, ref.Addr)
	got := runRateScenario(t, ours)
	if len(want) != len(got) {
		t.Fatalf("step counts differ: redis %d, ours %d", len(want), len(got))
	}
	// The durations move with the time the calls take on each server;
	// a quarter of the emission interval still catches a wrong formula.
	const tolerance = 125 * time.Millisecond
	near := func(a, b time.Duration) bool {
		return math.Abs(float64(a-b)) <= float64(tolerance)
	}
	for i := range want {
		w, g := want[i], got[i]
		if w.allowed != g.allowed || w.remaining != g.remaining || !near(w.retryAfter, g.retryAfter) || !near(w.resetAfter, g.resetAfter) {
			t.Errorf("step %d: redis-server %+v, ours %+v", i+1, w, g)
		}
	}
	// The scenario must have exercised both outcomes.
	var allowed, limited int
	for _, s := range got {
		if s.allowed > 0 {
			allowed++
		} else {
			limited++
		}
	}
	if allowed == 0 || limited == 0 {
		t.Errorf("scenario did not both allow and limit: %+v", got)
	}
}

func TestAsynqOurs(t *testing.T) {
	_, addr := servertest.Start(t)
	runAsynq(t, addr)
}

func TestAsynqRedisServer(t *testing.T) {
	ref := difftest.StartReference(t)
	runAsynq(t, ref.Addr)
}

// runAsynq runs asynq end to end: a worker processes a task, retries a
// failing one until it succeeds, runs a scheduled task when it is due, and
// the client refuses a duplicate unique task.
func runAsynq(t *testing.T, addr string) {
	opt := asynq.RedisClientOpt{Addr: addr}
	client := asynq.NewClient(opt)
	defer client.Close()

	var (
		mu        sync.Mutex
		done      = map[string]time.Time{}
		attempts  = map[string]int{}
		processed = make(chan string, 16)
	)
	mux := asynq.NewServeMux()
	mux.HandleFunc("email:send", func(ctx context.Context, task *asynq.Task) error {
		mu.Lock()
		done[string(task.Payload())] = time.Now()
		mu.Unlock()
		processed <- string(task.Payload())
		return nil
	})
	mux.HandleFunc("flaky", func(ctx context.Context, task *asynq.Task) error {
		mu.Lock()
		attempts[string(task.Payload())]++
		n := attempts[string(task.Payload())]
		mu.Unlock()
		if n < 3 {
			return errors.New("temporary failure")
		}
		processed <- string(task.Payload())
		return nil
	})
	srv := asynq.NewServer(opt, asynq.Config{
		Concurrency:              4,
		Queues:                   map[string]int{"default": 1, "critical": 2},
		RetryDelayFunc:           func(int, error, *asynq.Task) time.Duration { return 200 * time.Millisecond },
		DelayedTaskCheckInterval: 100 * time.Millisecond,
		TaskCheckInterval:        50 * time.Millisecond,
		LogLevel:                 asynq.FatalLevel,
	})
	if err := srv.Start(mux); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	defer srv.Shutdown()

	wait := func(want string, within time.Duration) {
		t.Helper()
		deadline := time.After(within)
		for {
			select {
			case p := <-processed:
				if p == want {
					return
				}
			case <-deadline:
				t.Fatalf("task %q not processed within %v", want, within)
			}
		}
	}

	// Enqueue and process.
	if _, err := client.Enqueue(asynq.NewTask("email:send", []byte("now"))); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	wait("now", 5*time.Second)
	if _, err := client.Enqueue(asynq.NewTask("email:send", []byte("critical")), asynq.Queue("critical")); err != nil {
		t.Fatalf("enqueue critical: %v", err)
	}
	wait("critical", 5*time.Second)

	// Retry: fails twice, succeeds on the third attempt.
	if _, err := client.Enqueue(asynq.NewTask("flaky", []byte("retry-me")), asynq.MaxRetry(5)); err != nil {
		t.Fatalf("enqueue flaky: %v", err)
	}
	wait("retry-me", 10*time.Second)
	mu.Lock()
	if n := attempts["retry-me"]; n != 3 {
		t.Errorf("flaky task ran %d times, want 3", n)
	}
	mu.Unlock()

	// Schedule: not before it is due (asynq keeps due times in whole
	// seconds, so a task in 2s is due after at least one).
	enqueued := time.Now()
	info, err := client.Enqueue(asynq.NewTask("email:send", []byte("later")), asynq.ProcessIn(2*time.Second))
	if err != nil {
		t.Fatalf("enqueue scheduled: %v", err)
	}
	if info.State != asynq.TaskStateScheduled {
		t.Errorf("scheduled task state %v", info.State)
	}
	wait("later", 10*time.Second)
	mu.Lock()
	if ran := done["later"]; ran.Sub(enqueued) < time.Second {
		t.Errorf("scheduled task ran after %v, before it was due", ran.Sub(enqueued))
	}
	mu.Unlock()

	// Unique: a second identical task within the TTL is refused.
	unique := asynq.NewTask("email:send", []byte("unique"))
	if _, err := client.Enqueue(unique, asynq.Unique(time.Minute), asynq.ProcessIn(time.Hour)); err != nil {
		t.Fatalf("enqueue unique: %v", err)
	}
	if _, err := client.Enqueue(unique, asynq.Unique(time.Minute), asynq.ProcessIn(time.Hour)); !errors.Is(err, asynq.ErrDuplicateTask) {
		t.Errorf("duplicate unique task: err = %v, want ErrDuplicateTask", err)
	}

	// The inspector reads the queue state through scripts too.
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	qi, err := insp.GetQueueInfo("default")
	if err != nil {
		t.Fatalf("queue info: %v", err)
	}
	if qi.Scheduled != 1 {
		t.Errorf("scheduled tasks in default: %d, want 1 (the unique one)", qi.Scheduled)
	}
	if qi.Processed < 3 {
		t.Errorf("processed today: %d, want at least 3", qi.Processed)
	}
	tasks, err := insp.ListScheduledTasks("default")
	if err != nil {
		t.Fatalf("list scheduled: %v", err)
	}
	if len(tasks) != 1 {
		t.Fatalf("scheduled list has %d tasks, want 1", len(tasks))
	}
	if err := insp.DeleteTask("default", tasks[0].ID); err != nil {
		t.Errorf("delete scheduled task: %v", err)
	}
	// Once deleted, the unique lock is released.
	if _, err := client.Enqueue(unique, asynq.Unique(time.Minute)); err != nil {
		t.Errorf("enqueue unique after delete: %v", err)
	}
	wait("unique", 5*time.Second)
}

// rawReply sends one command and returns every byte of the reply (the
// replies here nest deeper than the differential harness reads).
func rawReply(t *testing.T, addr string, args ...string) []byte {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cmd := fmt.Sprintf("*%d\r\n", len(args))
	for _, a := range args {
		cmd += fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)
	}
	conn.Write([]byte(cmd))
	var out []byte
	buf := make([]byte, 1<<16)
	for {
		conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, err := conn.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out
		}
	}
}

// Deep and cyclic tables run the reply conversion out of Lua stack at
// the same depth as Redis, which then answers "reached lua stack limit".
func TestDeepRepliesMatchRedis(t *testing.T) {
	ref := difftest.StartReference(t)
	_, ours := servertest.Start(t)
	for _, script := range []string{
		"local t = {} t[1] = t return t",
		"redis.setresp(3) local t = {} t.map = {a = t} return t",
		"redis.setresp(3) local t = {} t.set = {} t.set[t] = true return t",
		"local t = {} t.map = {} t.map[t] = 1 return t",
		"local t = {1, {2}} local c = t for i = 1, 5000 do local n = {i} c[2] = n c = n end return t",
	} {
		want := rawReply(t, ref.Addr, "EVAL", script, "0")
		got := rawReply(t, ours, "EVAL", script, "0")
		if !bytes.Equal(want, got) {
			t.Errorf("%s: redis-server replied %d bytes, ours %d", script, len(want), len(got))
		}
	}
}
