package redismanager

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Recurring schedules. A schedule enqueues a job into its queue every
// Every, starting at Start. Firing is exactly-once across any number of
// instances: the instance that fires moves the schedule's next run time
// forward and enqueues the job in one MULTI guarded by WATCH on the
// schedule set, so a second instance's attempt at the same run aborts.
// Runs missed while no worker was running are not made up: the next run
// is the first one after now.

// Schedule is a recurring job.
type Schedule struct {
	Name        string        `json:"name"`
	Every       time.Duration `json:"every"`
	Start       time.Time     `json:"start"` // first run (now when zero)
	Payload     []byte        `json:"payload"`
	Priority    Priority      `json:"priority"`
	MaxAttempts int           `json:"max_attempts,omitempty"`
	Next        time.Time     `json:"-"` // filled by Schedules
}

// Schedule creates or replaces a recurring schedule on queue.
func (j *JobStore) Schedule(ctx context.Context, queue string, s Schedule) error {
	if err := checkQueue(queue); err != nil {
		return opErr("jobs", "schedule", err)
	}
	if err := checkID("schedule name", s.Name); err != nil {
		return opErr("jobs", "schedule", err)
	}
	if s.Every < time.Second/10 {
		return opErr("jobs", "schedule "+s.Name, errorf("interval must be at least 100ms"))
	}
	if s.Start.IsZero() {
		s.Start = now()
	}
	b, _ := json.Marshal(&s)
	err := j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		_, err := j.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, j.schedKey(queue), s.Name, b)
			p.ZAdd(ctx, j.nextKey(queue), redis.Z{Score: float64(s.Start.UnixMilli()), Member: s.Name})
			return nil
		})
		return err
	})
	return opErr("jobs", "schedule "+s.Name, err)
}

// Unschedule removes a schedule.
func (j *JobStore) Unschedule(ctx context.Context, queue, name string) error {
	if err := checkQueue(queue); err != nil {
		return opErr("jobs", "unschedule", err)
	}
	err := j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		_, err := j.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HDel(ctx, j.schedKey(queue), name)
			p.ZRem(ctx, j.nextKey(queue), name)
			return nil
		})
		return err
	})
	return opErr("jobs", "unschedule "+name, err)
}

// Schedules lists the schedules of a queue with their next run.
func (j *JobStore) Schedules(ctx context.Context, queue string) ([]Schedule, error) {
	if err := checkQueue(queue); err != nil {
		return nil, opErr("jobs", "schedules", err)
	}
	var out []Schedule
	err := j.m.run(ctx, j.d, idempotent, func(ctx context.Context) error {
		out = out[:0]
		var all *redis.MapStringStringCmd
		var next *redis.ZSliceCmd
		_, err := j.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			all = p.HGetAll(ctx, j.schedKey(queue))
			next = p.ZRangeWithScores(ctx, j.nextKey(queue), 0, -1)
			return nil
		})
		if err != nil {
			return err
		}
		for _, z := range next.Val() {
			var s Schedule
			if json.Unmarshal([]byte(all.Val()[z.Member.(string)]), &s) == nil {
				s.Next = time.UnixMilli(int64(z.Score))
				out = append(out, s)
			}
		}
		return nil
	})
	return out, opErr("jobs", "schedules of "+queue, err)
}

// FireSchedules enqueues one job for every schedule of queue that is due
// and returns how many were enqueued. Work calls it in its maintenance
// loop.
func (j *JobStore) FireSchedules(ctx context.Context, queue string) (int, error) {
	if err := checkQueue(queue); err != nil {
		return 0, opErr("jobs", "fire schedules", err)
	}
	nk, sk := j.nextKey(queue), j.schedKey(queue)
	fired := 0
	err := j.m.run(ctx, j.d, notIdempotent, func(ctx context.Context) error {
		for round := 0; round < 64; round++ {
			var done bool
			err := j.d.c.Watch(ctx, func(tx *redis.Tx) error {
				t := now()
				due, err := tx.ZRangeByScoreWithScores(ctx, nk, &redis.ZRangeBy{Min: "-inf", Max: ms(t), Count: 1}).Result()
				if err != nil {
					return err
				}
				if len(due) == 0 {
					done = true
					return nil
				}
				name := due[0].Member.(string)
				raw, err := tx.HGet(ctx, sk, name).Result()
				if err == redis.Nil {
					_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error { p.ZRem(ctx, nk, name); return nil })
					return err
				}
				if err != nil {
					return err
				}
				var s Schedule
				if err := json.Unmarshal([]byte(raw), &s); err != nil || s.Every <= 0 {
					_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error { p.ZRem(ctx, nk, name); return nil })
					return err
				}
				runAt := time.UnixMilli(int64(due[0].Score))
				next := runAt.Add(s.Every)
				if !next.After(t) {
					// Skip the runs missed while nobody was firing.
					missed := t.Sub(runAt) / s.Every
					next = runAt.Add((missed + 1) * s.Every)
				}
				job := &Job{Queue: queue, Payload: s.Payload, Priority: clampPriority(s.Priority), MaxAttempts: s.MaxAttempts,
					Backoff: j.m.cfg.JobBackoff, Created: t, RunAt: t, Status: JobQueued, Schedule: name}
				if job.MaxAttempts <= 0 {
					job.MaxAttempts = j.m.cfg.JobMaxAttempts
				}
				// The id records the run it stands for, which also makes
				// it unique per run.
				job.ID = queue + "." + sortableID(runAt) + "-" + strconv.FormatInt(runAt.UnixMilli(), 36)
				_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.ZAdd(ctx, nk, redis.Z{Score: float64(next.UnixMilli()), Member: name})
					p.HSet(ctx, j.jobKey(job.ID), j.fields(job))
					p.RPush(ctx, j.readyKey(queue, job.Priority), job.ID)
					p.HIncrBy(ctx, j.statsKey(queue), "enqueued", 1)
					return nil
				})
				if err == nil {
					fired++
				}
				return err
			}, nk)
			if err == redis.TxFailedErr {
				continue // another instance fired it; look again
			}
			if err != nil || done {
				return err
			}
		}
		return nil
	})
	return fired, opErr("jobs", "fire schedules of "+queue, err)
}
