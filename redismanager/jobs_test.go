package redismanager

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestJobsBasics(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		j := m.Jobs()
		low, _ := j.Enqueue(ctx, "mail", []byte("low"), EnqueueOptions{Priority: PriorityLow})
		n1, _ := j.Enqueue(ctx, "mail", []byte("n1"), EnqueueOptions{})
		n2, _ := j.Enqueue(ctx, "mail", []byte("n2"), EnqueueOptions{})
		high, err := j.Enqueue(ctx, "mail", []byte("high"), EnqueueOptions{Priority: PriorityHigh})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(high.ID, "mail.") {
			t.Fatalf("id %s", high.ID)
		}
		st, _ := j.Stats(ctx, "mail")
		if st.Ready != 4 || st.ReadyHigh != 1 || st.ReadyLow != 1 || st.Enqueued != 4 {
			t.Fatalf("stats %+v", st)
		}
		// High first, then normal in FIFO order, then low.
		var order []string
		for i := 0; i < 4; i++ {
			l, err := j.Lease(ctx, "mail", time.Minute)
			if err != nil || l == nil {
				t.Fatalf("lease %d: %v %v", i, l, err)
			}
			if l.Job.Status != JobRunning || l.Job.Attempts != 1 {
				t.Fatalf("leased job %+v", l.Job)
			}
			order = append(order, string(l.Job.Payload))
			if err := l.Ack(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if strings.Join(order, ",") != "high,n1,n2,low" {
			t.Fatalf("order %v", order)
		}
		if l, err := j.Lease(ctx, "mail", time.Minute); l != nil || err != nil {
			t.Fatalf("empty queue gave %v %v", l, err)
		}
		got, err := j.Get(ctx, n1.ID)
		if err != nil || got.Status != JobSucceeded || got.Finished.IsZero() {
			t.Fatalf("finished job %+v %v", got, err)
		}
		// Finished jobs expire after the retention period.
		if ttl := admin(t, m, 5).TTL(ctx, j.jobKey(n2.ID)).Val(); ttl <= 0 {
			t.Fatalf("finished job without retention ttl: %v", ttl)
		}
		st, _ = j.Stats(ctx, "mail")
		if st.Ready != 0 || st.Succeeded != 4 || st.InFlight != 0 || st.Workers != 0 {
			t.Fatalf("stats after %+v", st)
		}
		_ = low
		// Idempotent enqueue with an explicit id.
		if _, err := j.Enqueue(ctx, "mail", nil, EnqueueOptions{ID: "welcome-42"}); err != nil {
			t.Fatal(err)
		}
		if _, err := j.Enqueue(ctx, "mail", nil, EnqueueOptions{ID: "welcome-42"}); !errors.Is(err, ErrDuplicateJob) {
			t.Fatalf("duplicate id: %v", err)
		}
		// Cancel a waiting job.
		if ok, err := j.Cancel(ctx, "mail.welcome-42"); !ok || err != nil {
			t.Fatalf("cancel %v %v", ok, err)
		}
		if ok, _ := j.Cancel(ctx, "mail.welcome-42"); ok {
			t.Fatal("canceled twice")
		}
		if _, err := j.Enqueue(ctx, "bad:queue", nil, EnqueueOptions{}); !errors.Is(err, ErrInvalidID) {
			t.Fatalf("bad queue name: %v", err)
		}
	})
}

func TestJobsDelayRetryDeadLetter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		j := m.Jobs()
		d, _ := j.Enqueue(ctx, "q", []byte("later"), EnqueueOptions{Delay: 300 * time.Millisecond})
		if d.Status != JobScheduled {
			t.Fatalf("status %s", d.Status)
		}
		if l, _ := j.Lease(ctx, "q", time.Minute); l != nil {
			t.Fatal("delayed job leased early")
		}
		if n, _ := j.Promote(ctx, "q"); n != 0 {
			t.Fatal("promoted early")
		}
		time.Sleep(350 * time.Millisecond)
		if n, err := j.Promote(ctx, "q"); n != 1 || err != nil {
			t.Fatalf("promote %d %v", n, err)
		}
		l, _ := j.Lease(ctx, "q", time.Minute)
		if l == nil || l.Job.ID != d.ID {
			t.Fatalf("lease after promote %v", l)
		}
		l.Ack(ctx)

		// Fails: backoff doubles, then the dead-letter queue.
		f, _ := j.Enqueue(ctx, "q", []byte("flaky"), EnqueueOptions{MaxAttempts: 3, Backoff: 100 * time.Millisecond})
		var delays []time.Duration
		for attempt := 1; attempt <= 3; attempt++ {
			var l *Lease
			deadline := time.Now().Add(3 * time.Second)
			for l == nil && time.Now().Before(deadline) {
				j.Promote(ctx, "q")
				l, _ = j.Lease(ctx, "q", time.Minute)
				if l == nil {
					time.Sleep(10 * time.Millisecond)
				}
			}
			if l == nil || l.Job.ID != f.ID || l.Job.Attempts != attempt {
				t.Fatalf("attempt %d: %+v", attempt, l)
			}
			failedAt := time.Now()
			if err := l.Fail(ctx, fmt.Errorf("boom %d", attempt)); err != nil {
				t.Fatal(err)
			}
			if attempt < 3 {
				if l.Job.Status != JobRetrying {
					t.Fatalf("status %s", l.Job.Status)
				}
				delays = append(delays, l.Job.RunAt.Sub(failedAt))
			}
		}
		if delays[0] < 90*time.Millisecond || delays[0] > 170*time.Millisecond || delays[1] < 190*time.Millisecond || delays[1] > 270*time.Millisecond {
			t.Fatalf("backoff delays %v", delays)
		}
		dead, err := j.DeadJobs(ctx, "q", 10)
		if err != nil || len(dead) != 1 || dead[0].ID != f.ID || dead[0].Status != JobDead || dead[0].LastError != "boom 3" {
			t.Fatalf("dead letters %+v %v", dead, err)
		}
		st, _ := j.Stats(ctx, "q")
		if st.Dead != 1 || st.Retried != 2 || st.DeadLettered != 1 {
			t.Fatalf("stats %+v", st)
		}
		if err := j.RetryDead(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		l, _ = j.Lease(ctx, "q", time.Minute)
		if l == nil || l.Job.ID != f.ID || l.Job.Attempts != 1 {
			t.Fatalf("retried dead job %+v", l)
		}
		l.Ack(ctx)
		if n, _ := j.PurgeDead(ctx, "q"); n != 0 {
			t.Fatalf("purged %d", n)
		}
	})
}

// TestJobsLeaseRecovery: a worker dies holding a job; after its lease
// expires the job is recovered and processed by another worker, and the
// dead worker's late ack is refused.
func TestJobsLeaseRecovery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		j := m.Jobs()
		job, _ := j.Enqueue(ctx, "r", []byte("x"), EnqueueOptions{Backoff: 10 * time.Millisecond})
		dead, err := j.Lease(ctx, "r", 300*time.Millisecond)
		if err != nil || dead == nil {
			t.Fatal(err)
		}
		// While the lease lives, recovery leaves the job alone.
		if n, _ := j.Recover(ctx, "r"); n != 0 {
			t.Fatal("recovered a live lease")
		}
		if err := dead.Heartbeat(ctx); err != nil {
			t.Fatal(err)
		}
		if st, _ := j.Stats(ctx, "r"); st.InFlight != 1 || st.Workers != 1 {
			t.Fatalf("stats %+v", st)
		}
		time.Sleep(400 * time.Millisecond) // no more heartbeats: the worker "died"
		if err := dead.Heartbeat(ctx); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("heartbeat after expiry: %v", err)
		}
		if n, err := j.Recover(ctx, "r"); n != 1 || err != nil {
			t.Fatalf("recover %d %v", n, err)
		}
		time.Sleep(30 * time.Millisecond)
		j.Promote(ctx, "r")
		l, _ := j.Lease(ctx, "r", time.Minute)
		if l == nil || l.Job.ID != job.ID || l.Job.Attempts != 2 {
			t.Fatalf("recovered job %+v", l)
		}
		if err := dead.Ack(ctx); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("late ack: %v", err)
		}
		if err := l.Ack(ctx); err != nil {
			t.Fatal(err)
		}
		if st, _ := j.Stats(ctx, "r"); st.Recovered != 1 || st.Succeeded != 1 || st.InFlight != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// TestJobsManyWorkersNoDuplicates runs several workers (two Managers on
// the backend, several slots each) over many jobs, with some failures:
// every job is processed to success exactly once.
func TestJobsManyWorkersNoDuplicates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		const total = 300
		for i := 0; i < total; i++ {
			p := PriorityNormal
			if i%5 == 0 {
				p = PriorityHigh
			}
			if _, err := m.Jobs().Enqueue(ctx, "bulk", []byte(fmt.Sprint(i)), EnqueueOptions{Priority: p, Backoff: 5 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		succeeded := map[string]int{}
		running := map[string]bool{}
		var attempts atomic.Int64
		h := func(ctx context.Context, job *Job) error {
			mu.Lock()
			if running[job.ID] {
				mu.Unlock()
				t.Errorf("job %s runs twice at once", job.ID)
				return nil
			}
			running[job.ID] = true
			mu.Unlock()
			time.Sleep(time.Duration(len(job.ID)%3) * time.Millisecond)
			n := attempts.Add(1)
			mu.Lock()
			defer mu.Unlock()
			delete(running, job.ID)
			if n%17 == 0 && job.Attempts == 1 {
				return errors.New("transient")
			}
			succeeded[job.ID]++
			return nil
		}
		wctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		managers := []*Manager{m, m}
		if m.mode != ModeEmbedded {
			managers[1] = openBackendNoFlush(t, m)
		}
		for _, mm := range managers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mm.Jobs().Work(wctx, "bulk", h, WorkerOptions{Concurrency: 4, Lease: 5 * time.Second, PollInterval: 20 * time.Millisecond,
					MaintenanceInterval: 20 * time.Millisecond})
			}()
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			n := len(succeeded)
			mu.Unlock()
			if n == total || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		if len(succeeded) != total {
			t.Fatalf("%d of %d jobs succeeded", len(succeeded), total)
		}
		for id, n := range succeeded {
			if n != 1 {
				t.Fatalf("job %s succeeded %d times", id, n)
			}
		}
		st, _ := m.Jobs().Stats(ctx, "bulk")
		if st.Succeeded != total || st.Ready != 0 || st.InFlight != 0 || st.Workers != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// openBackendNoFlush opens a second Manager on m's backend.
func openBackendNoFlush(t *testing.T, m *Manager) *Manager {
	c := m.Config()
	c.InstanceID = ""
	m2, err := Open(ctxT(t), &c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m2.Close() })
	return m2
}

// TestJobsWorkerCrashRecovery kills a Work loop's lease mid-job (as if
// the process died) and checks the job completes on another worker.
func TestJobsWorkerCrashRecovery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		j := m.Jobs()
		job, _ := j.Enqueue(ctx, "crash", []byte("x"), EnqueueOptions{Backoff: 10 * time.Millisecond})
		// The "crashed" worker: leases, never heartbeats, never finishes.
		if l, err := j.Lease(ctx, "crash", 200*time.Millisecond); err != nil || l == nil {
			t.Fatal(err)
		}
		done := make(chan *Job, 1)
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go j.Work(wctx, "crash", func(ctx context.Context, job *Job) error {
			done <- job
			return nil
		}, WorkerOptions{Lease: time.Second, PollInterval: 20 * time.Millisecond, MaintenanceInterval: 30 * time.Millisecond})
		select {
		case got := <-done:
			if got.ID != job.ID || got.Attempts != 2 {
				t.Fatalf("recovered %+v", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("job never recovered")
		}
	})
}

func TestJobsHeartbeatKeepsLease(t *testing.T) {
	forEachBackend(t, testJobsHeartbeatKeepsLease)
}

func waitOrFail(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func testJobsHeartbeatKeepsLease(t *testing.T, m *Manager) {
	ctx := ctxT(t)
	j := m.Jobs()
	if _, err := j.Enqueue(ctx, "long", []byte("x"), EnqueueOptions{}); err != nil {
		t.Fatal(err)
	}
	started, finished := make(chan struct{}), make(chan struct{})
	var runs atomic.Int64
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		j.Work(wctx, "long", func(ctx context.Context, job *Job) error {
			runs.Add(1)
			close(started)
			select { // several lease periods, kept alive by heartbeats
			case <-time.After(1200 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			close(finished)
			return nil
		}, WorkerOptions{Lease: 400 * time.Millisecond, PollInterval: 20 * time.Millisecond, MaintenanceInterval: 20 * time.Millisecond})
	}()
	waitOrFail(t, started, "the job to start")
	// Meanwhile another instance runs recovery: it must not steal the job.
	for i := 0; i < 20; i++ {
		if n, _ := j.Recover(ctx, "long"); n != 0 {
			t.Fatal("recovered a job whose worker heartbeats")
		}
		time.Sleep(30 * time.Millisecond)
	}
	waitOrFail(t, finished, "the job to finish")
	cancel()
	wg.Wait()
	if runs.Load() != 1 {
		t.Fatalf("ran %d times", runs.Load())
	}
	if st, _ := j.Stats(ctx, "long"); st.Succeeded != 1 || st.Recovered != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestJobsGracefulShutdownReleases(t *testing.T) {
	forEachBackend(t, testJobsGracefulShutdownReleases)
}

func testJobsGracefulShutdownReleases(t *testing.T, m *Manager) {
	ctx := ctxT(t)
	j := m.Jobs()
	job, err := j.Enqueue(ctx, "stop", []byte("x"), EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		j.Work(wctx, "stop", func(ctx context.Context, job *Job) error {
			close(started)
			<-ctx.Done() // a job that only stops when told to
			return ctx.Err()
		}, WorkerOptions{Lease: time.Second, ShutdownGrace: 50 * time.Millisecond, PollInterval: 20 * time.Millisecond})
		close(done)
	}()
	waitOrFail(t, started, "the job to start")
	cancel()
	waitOrFail(t, done, "the worker to stop")
	got, _ := j.Get(ctx, job.ID)
	if got.Status != JobQueued || got.Attempts != 0 {
		t.Fatalf("after shutdown %+v", got)
	}
	if st, _ := j.Stats(ctx, "stop"); st.Ready != 1 || st.Workers != 0 || st.InFlight != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestJobsSchedules(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		j := m.Jobs()
		if err := j.Schedule(ctx, "cron", Schedule{Name: "tick", Every: 200 * time.Millisecond, Payload: []byte("t")}); err != nil {
			t.Fatal(err)
		}
		// Two instances firing at once enqueue each run once.
		m2 := m
		if m.mode != ModeEmbedded {
			m2 = openBackendNoFlush(t, m)
		}
		var fired atomic.Int64
		var wg sync.WaitGroup
		stop := time.Now().Add(700 * time.Millisecond)
		for _, mm := range []*Manager{m, m2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stop) {
					n, err := mm.Jobs().FireSchedules(ctx, "cron")
					if err != nil {
						t.Error(err)
						return
					}
					fired.Add(int64(n))
					time.Sleep(5 * time.Millisecond)
				}
			}()
		}
		wg.Wait()
		// Runs at 0, 200, 400, 600 ms.
		if n := fired.Load(); n < 3 || n > 5 {
			t.Fatalf("fired %d times in 700ms at 200ms intervals", n)
		}
		st, _ := j.Stats(ctx, "cron")
		if st.Ready != fired.Load() {
			t.Fatalf("ready %d, fired %d", st.Ready, fired.Load())
		}
		l, _ := j.Lease(ctx, "cron", time.Minute)
		if l == nil || l.Job.Schedule != "tick" || string(l.Job.Payload) != "t" {
			t.Fatalf("scheduled job %+v", l)
		}
		list, _ := j.Schedules(ctx, "cron")
		if len(list) != 1 || list[0].Next.Before(time.Now()) {
			t.Fatalf("schedules %+v", list)
		}
		if err := j.Unschedule(ctx, "cron", "tick"); err != nil {
			t.Fatal(err)
		}
		if list, _ := j.Schedules(ctx, "cron"); len(list) != 0 {
			t.Fatal("schedule survived")
		}
	})
}

func TestJobsPurgeDead(t *testing.T) {
	m := openBackend(t, beEmbedded)
	ctx := ctxT(t)
	j := m.Jobs()
	for i := 0; i < 3; i++ {
		j.Enqueue(ctx, "p", []byte("x"), EnqueueOptions{MaxAttempts: 1})
		l, err := j.Lease(ctx, "p", time.Minute)
		if err != nil || l == nil {
			t.Fatal(err)
		}
		l.Fail(ctx, errors.New("fatal"))
	}
	if n, err := j.PurgeDead(ctx, "p"); n != 3 || err != nil {
		t.Fatalf("purged %d %v", n, err)
	}
	if n := keysWith(t, m, "job:"); n != 0 {
		t.Fatalf("%d job records left", n)
	}
	if st, _ := j.Stats(ctx, "p"); st.Dead != 0 || st.DeadLettered != 3 {
		t.Fatalf("%+v", st)
	}
}
