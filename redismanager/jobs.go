package redismanager

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Background jobs, database 5.
//
//	job:<queue>.<id>                    hash: the job (payload, status, attempts, times, last error)
//	queue:<name>                        list: ready jobs of normal priority (FIFO)
//	queue:<name>:high, queue:<name>:low  lists: ready jobs of high and low priority
//	queue:<name>:delayed                sorted set: jobs waiting to run, by due time (ms):
//	                                    delayed and scheduled jobs and retries in backoff
//	queue:<name>:processing:<worker>    list: the jobs a worker holds (at most one for Work)
//	queue:<name>:lease:<worker>         string with a TTL: the worker's lease, renewed by heartbeats
//	queue:<name>:workers                sorted set: worker ids by last heartbeat
//	queue:<name>:dead                   list: dead-lettered job ids, newest first
//	queue:<name>:stats                  hash: counters (enqueued, succeeded, retried, dead, recovered)
//	queue:<name>:schedules              hash: recurring schedule name -> JSON
//	queue:<name>:schedules:next         sorted set: schedule name by next run (ms)
//
// How it stays reliable without Lua:
//
//   - A job id is in exactly one place at any time: a ready list, the
//     delayed set, one worker's processing list or the dead list (or
//     nowhere once finished). Every move is one atomic command (LMOVE) or
//     one MULTI/EXEC, so no job is lost and none is queued twice.
//   - A worker claims a job with LMOVE from a ready list into its own
//     processing list, after taking its lease key (SET PX). The job is
//     leased while it sits in the processing list and the lease key lives.
//   - Heartbeats renew the lease with SET XX PX. If the key expired, the
//     worker learns it lost the lease and stops (its context is canceled).
//   - Recovery moves the jobs of a worker whose lease key is gone back to
//     the delayed set (with backoff, counting the attempt) in a MULTI
//     guarded by WATCH on the lease key and the processing list, so it can
//     never take a job from a worker whose lease is alive: a heartbeat
//     landing in between aborts it. Any instance runs recovery, in Work's
//     maintenance loop or through Recover.
//   - Ack and Fail check (WATCH + LPOS) that the job is still in the
//     worker's processing list; if recovery took it, they return
//     ErrLeaseLost and change nothing. So no job is processed twice while
//     its lease is alive, and a late worker cannot overwrite the outcome
//     of the worker that took over.
//
// In namespaced mode every key of a queue, and the job hashes (whose id
// starts with the queue name), carry the queue name as hash tag: each
// queue lives in one slot and all of the above works on a cluster.

// Priority orders ready jobs: high before normal before low.
type Priority int

// Priorities.
const (
	PriorityLow    Priority = -1
	PriorityNormal Priority = 0
	PriorityHigh   Priority = 1
)

// JobStatus is where a job is in its life.
type JobStatus string

// Job states.
const (
	JobQueued    JobStatus = "queued"    // ready to run
	JobScheduled JobStatus = "scheduled" // waiting for its due time
	JobRunning   JobStatus = "running"   // leased by a worker
	JobRetrying  JobStatus = "retrying"  // failed, waiting for its backoff
	JobSucceeded JobStatus = "succeeded" // done
	JobDead      JobStatus = "dead"      // failed MaxAttempts times; in the dead-letter queue
	JobCanceled  JobStatus = "canceled"
)

// Job is a background job.
type Job struct {
	ID          string // "<queue>.<unique>"
	Queue       string
	Payload     []byte
	Priority    Priority
	Status      JobStatus
	Attempts    int // times a worker started it
	MaxAttempts int
	Backoff     time.Duration // first retry delay, doubled per failed attempt
	Created     time.Time
	RunAt       time.Time // when it becomes (or became) ready
	Started     time.Time // last start
	Finished    time.Time
	Worker      string // last worker
	LastError   string
	Schedule    string // the recurring schedule that enqueued it, if any
}

// EnqueueOptions adjust one enqueued job.
type EnqueueOptions struct {
	Priority Priority
	// Delay or RunAt postpone the job (RunAt wins when both are set).
	Delay time.Duration
	RunAt time.Time
	// MaxAttempts and Backoff default to Config.JobMaxAttempts and
	// Config.JobBackoff.
	MaxAttempts int
	Backoff     time.Duration
	// ID, when set, is the unique part of the job id and makes the
	// enqueue idempotent: a second enqueue with the same ID is refused
	// with ErrDuplicateJob while the job exists.
	ID string
}

// ErrDuplicateJob: a job with the requested ID exists.
var ErrDuplicateJob = errors.New("job already exists")

// JobStore is the job queue (database 5).
type JobStore struct {
	m *Manager
	d *dbConn
}

// Jobs returns the job store.
func (m *Manager) Jobs() *JobStore {
	m.storesMu.Lock()
	defer m.storesMu.Unlock()
	if m.jobs == nil {
		m.jobs = &JobStore{m: m, d: m.dbs[DBJobs]}
	}
	return m.jobs
}

// checkQueue validates a queue name: letters, digits, '_' and '-'.
func checkQueue(q string) error {
	if q == "" || len(q) > 64 {
		return fmt.Errorf("%w: queue name must have 1 to 64 characters", ErrInvalidID)
	}
	for i := 0; i < len(q); i++ {
		c := q[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("%w: queue name %q may only contain letters, digits, '_' and '-'", ErrInvalidID, q)
		}
	}
	return nil
}

// splitJobID returns the queue and unique part of a job id.
func splitJobID(id string) (queue, unique string, err error) {
	i := strings.IndexByte(id, '.')
	if i <= 0 || i == len(id)-1 {
		return "", "", fmt.Errorf("%w: job id %q is not <queue>.<id>", ErrInvalidID, id)
	}
	queue, unique = id[:i], id[i+1:]
	if err := checkQueue(queue); err != nil {
		return "", "", err
	}
	if err := checkID("job id", unique); err != nil {
		return "", "", err
	}
	if strings.IndexByte(unique, '.') >= 0 {
		return "", "", fmt.Errorf("%w: job id %q has more than one '.'", ErrInvalidID, id)
	}
	return queue, unique, nil
}

// Key helpers.
func (j *JobStore) jobKey(id string) string {
	q, u, _ := strings.Cut(id, ".")
	return j.d.ks.key("job:<queue>.<id>", q, u)
}
func (j *JobStore) readyKey(q string, p Priority) string {
	switch {
	case p > 0:
		return j.d.ks.key("queue:<name>:high", q)
	case p < 0:
		return j.d.ks.key("queue:<name>:low", q)
	}
	return j.d.ks.key("queue:<name>", q)
}
func (j *JobStore) delayedKey(q string) string { return j.d.ks.key("queue:<name>:delayed", q) }
func (j *JobStore) deadKey(q string) string    { return j.d.ks.key("queue:<name>:dead", q) }
func (j *JobStore) statsKey(q string) string   { return j.d.ks.key("queue:<name>:stats", q) }
func (j *JobStore) workersKey(q string) string { return j.d.ks.key("queue:<name>:workers", q) }
func (j *JobStore) procKey(q, w string) string {
	return j.d.ks.key("queue:<name>:processing:<worker>", q, w)
}
func (j *JobStore) leaseKey(q, w string) string {
	return j.d.ks.key("queue:<name>:lease:<worker>", q, w)
}
func (j *JobStore) schedKey(q string) string { return j.d.ks.key("queue:<name>:schedules", q) }
func (j *JobStore) nextKey(q string) string  { return j.d.ks.key("queue:<name>:schedules:next", q) }

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func fromMs(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

func clampPriority(p Priority) Priority {
	switch {
	case p > 0:
		return PriorityHigh
	case p < 0:
		return PriorityLow
	}
	return PriorityNormal
}

// Enqueue adds a job to queue and returns it. Without ID the enqueue is
// not idempotent: after a timeout it is not repeated (the error wraps
// ErrUnavailable and the job may or may not exist).
func (j *JobStore) Enqueue(ctx context.Context, queue string, payload []byte, opts EnqueueOptions) (*Job, error) {
	if err := checkQueue(queue); err != nil {
		return nil, opErr("jobs", "enqueue", err)
	}
	t := now()
	job := &Job{Queue: queue, Payload: payload, Priority: clampPriority(opts.Priority), MaxAttempts: opts.MaxAttempts,
		Backoff: opts.Backoff, Created: t, RunAt: t, Status: JobQueued}
	if job.MaxAttempts <= 0 {
		job.MaxAttempts = j.m.cfg.JobMaxAttempts
	}
	if job.Backoff <= 0 {
		job.Backoff = j.m.cfg.JobBackoff
	}
	switch {
	case !opts.RunAt.IsZero():
		job.RunAt = opts.RunAt
	case opts.Delay > 0:
		job.RunAt = t.Add(opts.Delay)
	}
	if job.RunAt.After(t) {
		job.Status = JobScheduled
	}
	unique := opts.ID
	if unique == "" {
		unique = sortableID(t)
	} else if err := checkID("job id", unique); err != nil || strings.Contains(unique, ".") {
		return nil, opErr("jobs", "enqueue", fmt.Errorf("%w: job id %q", ErrInvalidID, unique))
	}
	job.ID = queue + "." + unique
	key := j.jobKey(job.ID)
	write := func(p redis.Pipeliner) {
		p.HSet(ctx, key, j.fields(job))
		if job.Status == JobScheduled {
			p.ZAdd(ctx, j.delayedKey(queue), redis.Z{Score: float64(job.RunAt.UnixMilli()), Member: job.ID})
		} else {
			p.RPush(ctx, j.readyKey(queue, job.Priority), job.ID)
		}
		p.HIncrBy(ctx, j.statsKey(queue), "enqueued", 1)
	}
	var err error
	if opts.ID == "" {
		err = j.m.run(ctx, j.d, notIdempotent, func(ctx context.Context) error {
			_, err := j.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error { write(p); return nil })
			return err
		})
	} else {
		// Create-if-absent: repeating it after a timeout is safe (the
		// second attempt finds the job and reports a duplicate).
		err = j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
			return j.d.c.Watch(ctx, func(tx *redis.Tx) error {
				n, err := tx.Exists(ctx, key).Result()
				if err != nil {
					return err
				}
				if n > 0 {
					return ErrDuplicateJob
				}
				_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error { write(p); return nil })
				if err == redis.TxFailedErr {
					return ErrDuplicateJob // created concurrently
				}
				return err
			}, key)
		})
	}
	if err != nil {
		return nil, opErr("jobs", "enqueue to "+queue, err)
	}
	return job, nil
}

func (j *JobStore) fields(job *Job) map[string]any {
	return map[string]any{
		"queue": job.Queue, "payload": job.Payload, "priority": int(job.Priority), "status": string(job.Status),
		"attempts": job.Attempts, "max_attempts": job.MaxAttempts, "backoff_ms": job.Backoff.Milliseconds(),
		"created": ms(job.Created), "run_at": ms(job.RunAt), "schedule": job.Schedule,
	}
}

func parseJob(id string, h map[string]string) *Job {
	job := &Job{ID: id, Queue: h["queue"], Payload: []byte(h["payload"]), Status: JobStatus(h["status"]),
		Worker: h["worker"], LastError: h["error"], Schedule: h["schedule"]}
	p, _ := strconv.Atoi(h["priority"])
	job.Priority = Priority(p)
	job.Attempts, _ = strconv.Atoi(h["attempts"])
	job.MaxAttempts, _ = strconv.Atoi(h["max_attempts"])
	b, _ := strconv.ParseInt(h["backoff_ms"], 10, 64)
	job.Backoff = time.Duration(b) * time.Millisecond
	job.Created, job.RunAt = fromMs(h["created"]), fromMs(h["run_at"])
	job.Started, job.Finished = fromMs(h["started"]), fromMs(h["finished"])
	return job
}

// Get returns a job by id, or ErrNotFound (also once a finished job's
// retention has passed).
func (j *JobStore) Get(ctx context.Context, id string) (*Job, error) {
	if _, _, err := splitJobID(id); err != nil {
		return nil, opErr("jobs", "get", err)
	}
	h, err := j.m.getHash(ctx, j.d, "jobs", "get "+id, j.jobKey(id))
	if err != nil {
		return nil, err
	}
	return parseJob(id, h), nil
}

// retryDelay is the backoff before the attempt after `attempts` failed
// ones: Backoff * 2^(attempts-1), capped by Config.JobBackoffMax.
func (j *JobStore) retryDelay(job *Job) time.Duration {
	d := job.Backoff
	if d <= 0 {
		d = j.m.cfg.JobBackoff
	}
	for i := 1; i < job.Attempts && d < j.m.cfg.JobBackoffMax; i++ {
		d *= 2
	}
	if d > j.m.cfg.JobBackoffMax {
		d = j.m.cfg.JobBackoffMax
	}
	return d
}

// Lease is a job held by a worker. Heartbeat it more often than its
// duration; finish with Ack, Fail or Release.
type Lease struct {
	Job      *Job
	j        *JobStore
	worker   string
	duration time.Duration
	single   bool // the worker id exists for this lease only (Lease API)
}

// Worker is the id of the worker holding the lease.
func (l *Lease) Worker() string { return l.worker }

// takeLease creates or renews a worker's lease key. With renew, a lease
// that already expired is not recreated: lost is then true.
func (j *JobStore) takeLease(ctx context.Context, queue, worker string, d time.Duration, renew bool) (lost bool, err error) {
	err = j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		var set *redis.StatusCmd
		_, err := j.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			args := redis.SetArgs{TTL: d}
			if renew {
				args.Mode = "XX"
			}
			set = p.SetArgs(ctx, j.leaseKey(queue, worker), "1", args)
			p.ZAdd(ctx, j.workersKey(queue), redis.Z{Score: float64(now().UnixMilli()), Member: worker})
			return nil
		})
		if err == redis.Nil {
			err = nil
		}
		lost = renew && set.Val() != "OK"
		return err
	})
	return lost, err
}

// claim moves the next ready job (high, then normal, then low priority)
// into the worker's processing list and marks it running. With block > 0
// it waits up to block for a normal-priority job when all are empty.
func (j *JobStore) claim(ctx context.Context, queue, worker string, block time.Duration) (*Job, error) {
	proc := j.procKey(queue, worker)
	var id string
	for _, p := range []Priority{PriorityHigh, PriorityNormal, PriorityLow} {
		src := j.readyKey(queue, p)
		err := j.m.run(ctx, j.d, notIdempotent, func(ctx context.Context) error {
			var err error
			id, err = j.d.c.LMove(ctx, src, proc, "LEFT", "RIGHT").Result()
			return err
		})
		if err == redis.Nil {
			continue
		}
		if err != nil {
			return nil, err
		}
		break
	}
	if id == "" && block > 0 {
		err := j.m.run(ctx, j.d, notIdempotent, func(ctx context.Context) error {
			var err error
			id, err = j.d.c.BLMove(ctx, j.readyKey(queue, PriorityNormal), proc, "LEFT", "RIGHT", block).Result()
			return err
		})
		if err == redis.Nil {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	if id == "" {
		return nil, nil
	}
	// The job is ours (it is in our processing list); record the start,
	// even if the caller is shutting down: the claim has happened.
	ctx = context.WithoutCancel(ctx)
	var h map[string]string
	t := now()
	err := j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		key := j.jobKey(id)
		var all *redis.MapStringStringCmd
		_, err := j.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, key, "status", string(JobRunning), "worker", worker, "started", ms(t))
			p.HIncrBy(ctx, key, "attempts", 1)
			all = p.HGetAll(ctx, key)
			return nil
		})
		h = all.Val()
		return err
	})
	if err != nil {
		// The job stays in our processing list: if we cannot record the
		// start we stop renewing the lease and recovery requeues it.
		return nil, err
	}
	if h["queue"] == "" {
		// The job's record vanished (deleted by hand): drop the id.
		_ = j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
			return j.d.c.LRem(ctx, proc, 0, id).Err()
		})
		return nil, nil
	}
	return parseJob(id, h), nil
}

// Lease takes the next ready job of queue for duration d (Config.JobLease
// when 0), or returns nil when the queue is empty. It is the building
// block for custom workers; Work runs a complete worker loop.
func (j *JobStore) Lease(ctx context.Context, queue string, d time.Duration) (*Lease, error) {
	if err := checkQueue(queue); err != nil {
		return nil, opErr("jobs", "lease", err)
	}
	if d <= 0 {
		d = j.m.cfg.JobLease
	}
	worker := j.m.cfg.InstanceID + "-" + randomID(4)
	if _, err := j.takeLease(ctx, queue, worker, d, false); err != nil {
		return nil, opErr("jobs", "lease from "+queue, err)
	}
	job, err := j.claim(ctx, queue, worker, 0)
	if err != nil || job == nil {
		j.dropWorker(ctx, queue, worker)
		return nil, opErr("jobs", "lease from "+queue, err)
	}
	return &Lease{Job: job, j: j, worker: worker, duration: d, single: true}, nil
}

// dropWorker removes a worker's lease and registration if it holds no
// job.
func (j *JobStore) dropWorker(ctx context.Context, queue, worker string) {
	proc, lease := j.procKey(queue, worker), j.leaseKey(queue, worker)
	_ = j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		return j.d.c.Watch(ctx, func(tx *redis.Tx) error {
			n, err := tx.LLen(ctx, proc).Result()
			if err != nil || n > 0 {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Del(ctx, lease)
				p.ZRem(ctx, j.workersKey(queue), worker)
				return nil
			})
			return err
		}, proc)
	})
}

// Heartbeat renews the lease. ErrLeaseLost means it expired (and the job
// may already be with another worker): stop working on it.
func (l *Lease) Heartbeat(ctx context.Context) error {
	lost, err := l.j.takeLease(ctx, l.Job.Queue, l.worker, l.duration, true)
	if err != nil {
		return opErr("jobs", "heartbeat "+l.Job.ID, err)
	}
	if lost {
		return opErr("jobs", "heartbeat "+l.Job.ID, ErrLeaseLost)
	}
	return nil
}

// finish removes the job from the worker's processing list and applies
// the outcome in one transaction, provided the job is still there.
func (l *Lease) finish(ctx context.Context, op string, apply func(p redis.Pipeliner)) error {
	j, q := l.j, l.Job.Queue
	proc := j.procKey(q, l.worker)
	err := j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		for try := 0; try < 16; try++ {
			var pos *redis.IntCmd
			err := j.m.watch(ctx, j.d, []string{proc}, func(p redis.Pipeliner) {
				pos = p.LPos(ctx, proc, l.Job.ID, redis.LPosArgs{})
			}, func(t *txn) error {
				if err := pos.Err(); err == redis.Nil {
					return ErrLeaseLost
				} else if err != nil {
					return err
				}
				return t.exec(func(p redis.Pipeliner) error {
					p.LRem(ctx, proc, 1, l.Job.ID)
					apply(p)
					if l.single {
						p.Del(ctx, j.leaseKey(q, l.worker))
						p.ZRem(ctx, j.workersKey(q), l.worker)
					}
					return nil
				})
			})
			if err == redis.TxFailedErr {
				continue
			}
			return err
		}
		return ErrConflict
	})
	return opErr("jobs", op+" "+l.Job.ID, err)
}

// Ack marks the job succeeded. It gives ErrLeaseLost (and changes
// nothing) if the lease expired and the job was recovered meanwhile.
func (l *Lease) Ack(ctx context.Context) error {
	j, job := l.j, l.Job
	key := j.jobKey(job.ID)
	err := l.finish(ctx, "ack", func(p redis.Pipeliner) {
		p.HSet(ctx, key, "status", string(JobSucceeded), "finished", ms(now()), "error", "")
		p.PExpire(ctx, key, j.m.cfg.JobRetention)
		p.HIncrBy(ctx, j.statsKey(job.Queue), "succeeded", 1)
	})
	if err == nil {
		job.Status = JobSucceeded
	}
	return err
}

// Fail records a failed attempt: the job is retried after its backoff
// (Backoff doubled per attempt) or, after MaxAttempts attempts, moved to
// the dead-letter queue. Like Ack it gives ErrLeaseLost when the lease
// was lost.
func (l *Lease) Fail(ctx context.Context, cause error) error {
	j, job := l.j, l.Job
	key := j.jobKey(job.ID)
	msg := "failed"
	if cause != nil {
		msg = cause.Error()
	}
	dead := job.Attempts >= job.MaxAttempts
	runAt := now().Add(j.retryDelay(job))
	err := l.finish(ctx, "fail", func(p redis.Pipeliner) {
		if dead {
			p.HSet(ctx, key, "status", string(JobDead), "finished", ms(now()), "error", msg)
			p.LPush(ctx, j.deadKey(job.Queue), job.ID)
			p.HIncrBy(ctx, j.statsKey(job.Queue), "dead", 1)
		} else {
			p.HSet(ctx, key, "status", string(JobRetrying), "run_at", ms(runAt), "error", msg)
			p.ZAdd(ctx, j.delayedKey(job.Queue), redis.Z{Score: float64(runAt.UnixMilli()), Member: job.ID})
			p.HIncrBy(ctx, j.statsKey(job.Queue), "retried", 1)
		}
	})
	if err == nil {
		if dead {
			job.Status = JobDead
		} else {
			job.Status, job.RunAt = JobRetrying, runAt
		}
		job.LastError = msg
	}
	return err
}

// Release gives the job back without counting the attempt: it goes to
// the front of its ready list (used on graceful shutdown).
func (l *Lease) Release(ctx context.Context) error {
	j, job := l.j, l.Job
	key := j.jobKey(job.ID)
	err := l.finish(ctx, "release", func(p redis.Pipeliner) {
		p.HSet(ctx, key, "status", string(JobQueued))
		p.HIncrBy(ctx, key, "attempts", -1)
		p.LPush(ctx, j.readyKey(job.Queue, job.Priority), job.ID)
	})
	if err == nil {
		job.Status = JobQueued
		job.Attempts--
	}
	return err
}

// Promote moves the delayed jobs that are due into their ready lists and
// returns how many. Work does this in its maintenance loop.
func (j *JobStore) Promote(ctx context.Context, queue string) (int, error) {
	if err := checkQueue(queue); err != nil {
		return 0, opErr("jobs", "promote", err)
	}
	dk := j.delayedKey(queue)
	total := 0
	err := j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		for round := 0; round < 100; round++ {
			var n int
			err := j.d.c.Watch(ctx, func(tx *redis.Tx) error {
				ids, err := tx.ZRangeByScore(ctx, dk, &redis.ZRangeBy{Min: "-inf", Max: ms(now()), Count: 200}).Result()
				if err != nil || len(ids) == 0 {
					return err
				}
				// Priorities never change after enqueue, so they need
				// no WATCH.
				prios := make([]*redis.SliceCmd, len(ids))
				if _, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
					for i, id := range ids {
						prios[i] = p.HMGet(ctx, j.jobKey(id), "priority", "queue")
					}
					return nil
				}); err != nil {
					return err
				}
				_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					for i, id := range ids {
						p.ZRem(ctx, dk, id)
						v := prios[i].Val()
						if len(v) < 2 || v[1] == nil {
							continue // record gone: drop the id
						}
						pr, _ := strconv.Atoi(fmt.Sprint(v[0]))
						p.HSet(ctx, j.jobKey(id), "status", string(JobQueued))
						p.RPush(ctx, j.readyKey(queue, Priority(pr)), id)
					}
					return nil
				})
				if err == nil {
					n = len(ids)
				}
				return err
			}, dk)
			if err == redis.TxFailedErr {
				continue
			}
			if err != nil {
				return err
			}
			total += n
			if n < 200 {
				return nil
			}
		}
		return nil
	})
	return total, opErr("jobs", "promote "+queue, err)
}

// Recover requeues the jobs of workers whose lease expired (crashed or
// stuck workers) and returns how many. A recovered job that had started
// counts the attempt and waits its backoff, or goes to the dead-letter
// queue after MaxAttempts; one that never started goes back to the front
// of its ready list. Work does this in its maintenance loop.
func (j *JobStore) Recover(ctx context.Context, queue string) (int, error) {
	if err := checkQueue(queue); err != nil {
		return 0, opErr("jobs", "recover", err)
	}
	var workers []string
	var alive []*redis.IntCmd
	err := j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		var err error
		workers, err = j.d.c.ZRange(ctx, j.workersKey(queue), 0, -1).Result()
		if err != nil || len(workers) == 0 {
			return err
		}
		alive = make([]*redis.IntCmd, len(workers))
		_, err = j.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, w := range workers {
				alive[i] = p.Exists(ctx, j.leaseKey(queue, w))
			}
			return nil
		})
		return err
	})
	if err != nil {
		return 0, opErr("jobs", "recover "+queue, err)
	}
	total := 0
	for i, w := range workers {
		if alive[i].Val() > 0 {
			continue
		}
		n, err := j.recoverWorker(ctx, queue, w)
		if err != nil {
			return total, opErr("jobs", "recover "+queue, err)
		}
		total += n
	}
	return total, nil
}

func (j *JobStore) recoverWorker(ctx context.Context, queue, worker string) (int, error) {
	lease, proc := j.leaseKey(queue, worker), j.procKey(queue, worker)
	var n int
	err := j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		for try := 0; try < 16; try++ {
			err := j.d.c.Watch(ctx, func(tx *redis.Tx) error {
				n = 0
				if alive, err := tx.Exists(ctx, lease).Result(); err != nil || alive > 0 {
					return err // the worker came back: leave it alone
				}
				ids, err := tx.LRange(ctx, proc, 0, -1).Result()
				if err != nil {
					return err
				}
				recs := make([]*redis.MapStringStringCmd, len(ids))
				if len(ids) > 0 {
					if _, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
						for i, id := range ids {
							recs[i] = p.HGetAll(ctx, j.jobKey(id))
						}
						return nil
					}); err != nil {
						return err
					}
				}
				t := now()
				_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					for i, id := range ids {
						h := recs[i].Val()
						if len(h) == 0 {
							continue
						}
						job := parseJob(id, h)
						key := j.jobKey(id)
						switch {
						case job.Attempts == 0:
							p.HSet(ctx, key, "status", string(JobQueued))
							p.LPush(ctx, j.readyKey(queue, job.Priority), id)
						case job.Attempts >= job.MaxAttempts:
							p.HSet(ctx, key, "status", string(JobDead), "finished", ms(t), "error", "worker lost its lease")
							p.LPush(ctx, j.deadKey(queue), id)
							p.HIncrBy(ctx, j.statsKey(queue), "dead", 1)
						default:
							at := t.Add(j.retryDelay(job))
							p.HSet(ctx, key, "status", string(JobRetrying), "run_at", ms(at), "error", "worker lost its lease")
							p.ZAdd(ctx, j.delayedKey(queue), redis.Z{Score: float64(at.UnixMilli()), Member: id})
						}
					}
					p.Del(ctx, proc)
					p.ZRem(ctx, j.workersKey(queue), worker)
					if len(ids) > 0 {
						p.HIncrBy(ctx, j.statsKey(queue), "recovered", int64(len(ids)))
					}
					return nil
				})
				if err == nil {
					n = len(ids)
				}
				return err
			}, lease, proc)
			if err == redis.TxFailedErr {
				continue
			}
			return err
		}
		return ErrConflict
	})
	return n, err
}

// Cancel removes a job that is waiting (queued, scheduled or retrying)
// and marks it canceled. It reports false when the job was not waiting
// (running, finished, dead or unknown).
func (j *JobStore) Cancel(ctx context.Context, id string) (bool, error) {
	queue, _, err := splitJobID(id)
	if err != nil {
		return false, opErr("jobs", "cancel", err)
	}
	var removed int64
	err = j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		var cmds []*redis.IntCmd
		_, err := j.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for _, pr := range []Priority{PriorityHigh, PriorityNormal, PriorityLow} {
				cmds = append(cmds, p.LRem(ctx, j.readyKey(queue, pr), 0, id))
			}
			cmds = append(cmds, p.ZRem(ctx, j.delayedKey(queue), id))
			return nil
		})
		if err != nil {
			return err
		}
		removed = 0
		for _, c := range cmds {
			removed += c.Val()
		}
		if removed == 0 {
			return nil
		}
		return j.d.c.HSet(ctx, j.jobKey(id), "status", string(JobCanceled), "finished", ms(now())).Err()
	})
	if err != nil {
		return false, opErr("jobs", "cancel "+id, err)
	}
	return removed > 0, nil
}

// QueueStats describes a queue.
type QueueStats struct {
	Queue     string
	Ready     int64 // all priorities
	ReadyHigh int64
	ReadyLow  int64
	Delayed   int64 // delayed, scheduled and backing off
	InFlight  int64 // held by workers
	Dead      int64
	Workers   int64 // registered workers
	// Counters since the queue was created.
	Enqueued, Succeeded, Retried, DeadLettered, Recovered int64
}

// Stats returns the queue statistics.
func (j *JobStore) Stats(ctx context.Context, queue string) (*QueueStats, error) {
	if err := checkQueue(queue); err != nil {
		return nil, opErr("jobs", "stats", err)
	}
	s := &QueueStats{Queue: queue}
	err := j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		var hi, no, lo, del, dead, wk *redis.IntCmd
		var counters *redis.MapStringStringCmd
		var workers *redis.StringSliceCmd
		_, err := j.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			hi, no, lo = p.LLen(ctx, j.readyKey(queue, PriorityHigh)), p.LLen(ctx, j.readyKey(queue, PriorityNormal)), p.LLen(ctx, j.readyKey(queue, PriorityLow))
			del, dead, wk = p.ZCard(ctx, j.delayedKey(queue)), p.LLen(ctx, j.deadKey(queue)), p.ZCard(ctx, j.workersKey(queue))
			counters = p.HGetAll(ctx, j.statsKey(queue))
			workers = p.ZRange(ctx, j.workersKey(queue), 0, -1)
			return nil
		})
		if err != nil {
			return err
		}
		s.ReadyHigh, s.ReadyLow = hi.Val(), lo.Val()
		s.Ready = hi.Val() + no.Val() + lo.Val()
		s.Delayed, s.Dead, s.Workers = del.Val(), dead.Val(), wk.Val()
		c := counters.Val()
		atoi := func(k string) int64 { n, _ := strconv.ParseInt(c[k], 10, 64); return n }
		s.Enqueued, s.Succeeded, s.Retried = atoi("enqueued"), atoi("succeeded"), atoi("retried")
		s.DeadLettered, s.Recovered = atoi("dead"), atoi("recovered")
		if ws := workers.Val(); len(ws) > 0 {
			lens := make([]*redis.IntCmd, len(ws))
			if _, err := j.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i, w := range ws {
					lens[i] = p.LLen(ctx, j.procKey(queue, w))
				}
				return nil
			}); err != nil {
				return err
			}
			s.InFlight = 0
			for _, l := range lens {
				s.InFlight += l.Val()
			}
		}
		return nil
	})
	if err != nil {
		return nil, opErr("jobs", "stats "+queue, err)
	}
	return s, nil
}

// DeadJobs lists the dead-lettered jobs of a queue, newest first.
func (j *JobStore) DeadJobs(ctx context.Context, queue string, limit int) ([]*Job, error) {
	if err := checkQueue(queue); err != nil {
		return nil, opErr("jobs", "dead jobs", err)
	}
	if limit <= 0 {
		limit = 100
	}
	var out []*Job
	err := j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		out = out[:0]
		ids, err := j.d.c.LRange(ctx, j.deadKey(queue), 0, int64(limit)-1).Result()
		if err != nil || len(ids) == 0 {
			return err
		}
		recs := make([]*redis.MapStringStringCmd, len(ids))
		if _, err := j.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				recs[i] = p.HGetAll(ctx, j.jobKey(id))
			}
			return nil
		}); err != nil {
			return err
		}
		for i, r := range recs {
			if h := r.Val(); len(h) > 0 {
				out = append(out, parseJob(ids[i], h))
			}
		}
		return nil
	})
	return out, opErr("jobs", "dead jobs of "+queue, err)
}

// RetryDead moves a dead-lettered job back to its ready list with a fresh
// attempt count.
func (j *JobStore) RetryDead(ctx context.Context, id string) error {
	queue, _, err := splitJobID(id)
	if err != nil {
		return opErr("jobs", "retry dead", err)
	}
	dk := j.deadKey(queue)
	err = j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		for try := 0; try < 16; try++ {
			err := j.d.c.Watch(ctx, func(tx *redis.Tx) error {
				if _, err := tx.LPos(ctx, dk, id, redis.LPosArgs{}).Result(); err == redis.Nil {
					return ErrNotFound
				} else if err != nil {
					return err
				}
				h, err := tx.HGetAll(ctx, j.jobKey(id)).Result()
				if err != nil {
					return err
				}
				job := parseJob(id, h)
				_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.LRem(ctx, dk, 1, id)
					p.HSet(ctx, j.jobKey(id), "status", string(JobQueued), "attempts", 0, "error", "")
					p.Persist(ctx, j.jobKey(id))
					p.RPush(ctx, j.readyKey(queue, job.Priority), id)
					return nil
				})
				return err
			}, dk)
			if err == redis.TxFailedErr {
				continue
			}
			return err
		}
		return ErrConflict
	})
	return opErr("jobs", "retry dead "+id, err)
}

// PurgeDead deletes the dead-lettered jobs of a queue and returns how
// many. Job records go first and list entries last, so an interrupted
// purge leaves ids to purge again rather than records nobody lists.
func (j *JobStore) PurgeDead(ctx context.Context, queue string) (int, error) {
	if err := checkQueue(queue); err != nil {
		return 0, opErr("jobs", "purge dead", err)
	}
	var n int
	err := j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		ids, err := j.d.c.LRange(ctx, j.deadKey(queue), 0, -1).Result()
		if err != nil || len(ids) == 0 {
			return err
		}
		_, err = j.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for _, id := range ids {
				p.Del(ctx, j.jobKey(id))
				p.LRem(ctx, j.deadKey(queue), 1, id)
			}
			return nil
		})
		n = len(ids)
		return err
	})
	return n, opErr("jobs", "purge dead of "+queue, err)
}
