package redismanager

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// Optimistic transactions (WATCH ... MULTI ... EXEC) with the WATCH and
// the reads sent in one round trip. go-redis's Watch sends WATCH on its
// own first; on a standalone server we send it inside the read pipeline
// instead, which saves a round trip on every append, ack and sliding-
// window check. On a cluster, go-redis must route WATCH itself (it picks
// the node owning the keys' slot), so there the reads follow the WATCH.

type txn struct {
	ctx      context.Context
	tx       *redis.Tx
	executed bool
}

// exec queues writes in MULTI/EXEC. redis.TxFailedErr means a watched key
// changed: retry.
func (t *txn) exec(fn func(p redis.Pipeliner) error) error {
	t.executed = true
	_, err := t.tx.TxPipelined(t.ctx, fn)
	return err
}

// watch runs one attempt: WATCH keys and reads (queued on the pipeline),
// then body, which inspects the read results and calls exec (or returns
// without writing).
func (m *Manager) watch(ctx context.Context, d *dbConn, keys []string, reads func(p redis.Pipeliner), body func(t *txn) error) error {
	if c, ok := d.c.(*redis.Client); ok {
		return c.Watch(ctx, func(tx *redis.Tx) error {
			args := make([]any, 1+len(keys))
			args[0] = "watch"
			for i, k := range keys {
				args[i+1] = k
			}
			t := &txn{ctx: ctx, tx: tx}
			_, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Do(ctx, args...)
				reads(p)
				return nil
			})
			if err == nil || err == redis.Nil {
				err = body(t)
			}
			if !t.executed {
				// No EXEC released the watch: do it before the
				// connection goes back to the pool.
				if uerr := tx.Unwatch(ctx).Err(); uerr != nil && err == nil {
					err = uerr
				}
			}
			return err
		})
	}
	return d.c.Watch(ctx, func(tx *redis.Tx) error {
		t := &txn{ctx: ctx, tx: tx}
		if _, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error { reads(p); return nil }); err != nil && err != redis.Nil {
			return err
		}
		return body(t)
	}, keys...)
}
