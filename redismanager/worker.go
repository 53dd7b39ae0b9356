package redismanager

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// Handler processes one job. Returning nil acknowledges it; an error
// fails the attempt (retried with backoff, then dead-lettered). The
// context is canceled when the worker loses the job's lease or shuts
// down.
type Handler func(ctx context.Context, job *Job) error

// WorkerOptions configure Work.
type WorkerOptions struct {
	// Concurrency is the number of jobs processed at once (1).
	Concurrency int
	// Lease is how long a job is held between heartbeats
	// (Config.JobLease); heartbeats are sent every Lease/3.
	Lease time.Duration
	// PollInterval is the longest wait for new work when the queue is
	// empty (1 s); a normal-priority job wakes the worker at once.
	PollInterval time.Duration
	// MaintenanceInterval is how often due delayed jobs are promoted,
	// expired leases recovered and schedules fired (500 ms).
	MaintenanceInterval time.Duration
	// ShutdownGrace is how long running jobs may finish after ctx is
	// canceled before their contexts are canceled too (Lease/2); jobs
	// still running then are released back to the queue.
	ShutdownGrace time.Duration
	// OnError, if set, receives errors of the worker machinery (Redis
	// unavailable, lost leases); they are otherwise only retried.
	OnError func(error)
}

// Work runs a worker for queue until ctx is canceled, calling h for each
// job, and returns nil after the running jobs have finished (or were
// released). Run it in as many processes as needed: workers coordinate
// through Redis only.
func (j *JobStore) Work(ctx context.Context, queue string, h Handler, opts WorkerOptions) error {
	if err := checkQueue(queue); err != nil {
		return opErr("jobs", "work", err)
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 1
	}
	if opts.Lease <= 0 {
		opts.Lease = j.m.cfg.JobLease
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.MaintenanceInterval <= 0 {
		opts.MaintenanceInterval = 500 * time.Millisecond
	}
	if opts.ShutdownGrace <= 0 {
		opts.ShutdownGrace = opts.Lease / 2
	}
	report := func(err error) {
		if err != nil && opts.OnError != nil && !errors.Is(err, context.Canceled) {
			opts.OnError(err)
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(opts.MaintenanceInterval)
		defer t.Stop()
		for {
			report(j.Maintain(ctx, queue))
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	for i := 0; i < opts.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j.slot(ctx, queue, h, &opts, report)
		}()
	}
	wg.Wait()
	return nil
}

// Maintain promotes due delayed jobs, recovers jobs of dead workers and
// fires due schedules of a queue, once.
func (j *JobStore) Maintain(ctx context.Context, queue string) error {
	var errs []error
	if _, err := j.Promote(ctx, queue); err != nil {
		errs = append(errs, err)
	}
	if _, err := j.Recover(ctx, queue); err != nil {
		errs = append(errs, err)
	}
	if _, err := j.FireSchedules(ctx, queue); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// slot is one worker: it holds one lease key and processes one job at a
// time.
func (j *JobStore) slot(ctx context.Context, queue string, h Handler, o *WorkerOptions, report func(error)) {
	// Redis calls of the worker itself must outlive ctx long enough to
	// finish a job cleanly at shutdown.
	base := context.WithoutCancel(ctx)
	worker := ""
	var renewed time.Time
	idle := 5 * time.Millisecond
	defer func() {
		if worker != "" {
			cctx, cancel := context.WithTimeout(base, 5*time.Second)
			j.dropWorker(cctx, queue, worker)
			cancel()
		}
	}()
	for ctx.Err() == nil {
		if worker == "" {
			w := j.m.cfg.InstanceID + "-" + randomID(4)
			if _, err := j.takeLease(ctx, queue, w, o.Lease, false); err != nil {
				report(err)
				sleepCtx(ctx, o.PollInterval)
				continue
			}
			worker, renewed = w, time.Now()
		}
		// Keep the lease fresh while polling, too: an idle worker with an
		// expired lease would be "recovered" (harmlessly, it holds
		// nothing) and then have to start over.
		if time.Since(renewed) > o.Lease/3 {
			if lost, err := j.takeLease(ctx, queue, worker, o.Lease, true); err != nil {
				report(err)
				sleepCtx(ctx, idle)
				continue
			} else if lost {
				worker = ""
				continue
			}
			renewed = time.Now()
		}
		block := o.PollInterval
		if block > o.Lease/3 {
			block = o.Lease / 3
		}
		if block < 10*time.Millisecond {
			block = 0
		}
		job, err := j.claim(ctx, queue, worker, block)
		if err != nil {
			report(err)
			sleepCtx(ctx, idle)
			idle = min(idle*2, o.PollInterval)
			continue
		}
		if job == nil {
			if block == 0 {
				sleepCtx(ctx, idle)
				idle = min(idle*2, o.PollInterval)
			}
			continue
		}
		idle = 5 * time.Millisecond
		lost := j.process(ctx, base, &Lease{Job: job, j: j, worker: worker, duration: o.Lease}, h, o, report)
		if lost {
			// Our lease key expired: whatever is left in our processing
			// list belongs to recovery now. Start over as a new worker.
			worker = ""
		}
	}
}

// process runs one job with heartbeats and finishes it; it reports
// whether the lease was lost.
func (j *JobStore) process(ctx, base context.Context, l *Lease, h Handler, o *WorkerOptions, report func(error)) (lost bool) {
	jobCtx, cancel := context.WithCancel(base)
	defer cancel()
	var lostMu sync.Mutex
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(o.Lease / 3)
		defer t.Stop()
		var grace <-chan time.Time
		stopping := ctx.Done()
		for {
			select {
			case <-done:
				return
			case <-stopping:
				stopping = nil
				grace = time.After(o.ShutdownGrace)
			case <-grace:
				cancel()
			case <-t.C:
				err := l.Heartbeat(base)
				if errors.Is(err, ErrLeaseLost) {
					lostMu.Lock()
					lost = true
					lostMu.Unlock()
					report(err)
					cancel()
					return
				}
				report(err)
			}
		}
	}()
	err := runHandler(jobCtx, h, l.Job)
	close(done)
	lostMu.Lock()
	isLost := lost
	lostMu.Unlock()
	if isLost {
		return true
	}
	fctx, fcancel := context.WithTimeout(base, o.Lease)
	defer fcancel()
	var ferr error
	switch {
	case err == nil:
		ferr = l.Ack(fctx)
	case ctx.Err() != nil && jobCtx.Err() != nil:
		// Shut down while running: give the job back untouched.
		ferr = l.Release(fctx)
	default:
		ferr = l.Fail(fctx, err)
	}
	report(ferr)
	return errors.Is(ferr, ErrLeaseLost)
}

func runHandler(ctx context.Context, h Handler, job *Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return h(ctx, job)
}
