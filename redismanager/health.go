package redismanager

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// HealthReport is the state of the data layer: one entry per database.
type HealthReport struct {
	Mode    Mode
	Addr    string
	Healthy bool // every database answered its ping
	Breaker BreakerStatus
	Checked time.Time
	Took    time.Duration
	DBs     []DBHealth
}

// DBHealth is the health of one logical database.
type DBHealth struct {
	DB      DB
	Name    string
	Purpose string
	OK      bool          // PING answered within the time bound
	Latency time.Duration // PING round trip
	// Keys is the number of keys (DBSIZE, or a SCAN count of the
	// namespace in namespaced mode); -1 when it could not be counted in
	// time. KeysApprox is set when a SCAN count was cut short.
	Keys       int64
	KeysApprox bool
	Error      string // why this check failed, if it did
	// Counters since the Manager opened: operations, failed operations,
	// timeouts, connectivity failures, and calls the breaker refused.
	Ops, Errors, Timeouts, Unavailable, Rejected uint64
	LastError                                    string
	LastErrorAt                                  time.Time
}

// Health checks every database concurrently and returns within
// Config.HealthTimeout (or ctx's deadline, if sooner) even when Redis is
// slow or down: checks that have not finished by then are reported as
// timed out. Health pings bypass the circuit breaker, and a successful
// one closes it.
func (m *Manager) Health(ctx context.Context) HealthReport {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, m.cfg.HealthTimeout)
	defer cancel()
	rep := HealthReport{Mode: m.mode, Addr: m.addr, Checked: start, Healthy: true}
	type result struct {
		i int
		h DBHealth
	}
	results := make(chan result, len(m.dbs))
	for i, d := range m.dbs {
		go func() { results <- result{i, m.checkDB(ctx, d)} }()
	}
	got := make([]*DBHealth, len(m.dbs))
	for n := 0; n < len(m.dbs); n++ {
		select {
		case r := <-results:
			h := r.h
			got[r.i] = &h
			continue
		case <-ctx.Done():
		}
		break
	}
	for i, d := range m.dbs {
		var h DBHealth
		if got[i] != nil {
			h = *got[i]
		} else {
			h = DBHealth{Keys: -1, Error: "health check timed out"}
		}
		spec := d.db.Spec()
		h.DB, h.Name, h.Purpose = d.db, spec.Name, spec.Purpose
		h.Ops, h.Errors, h.Timeouts = d.stats.ops.Load(), d.stats.errors.Load(), d.stats.timeouts.Load()
		h.Unavailable, h.Rejected = d.stats.unavailable.Load(), d.stats.rejected.Load()
		d.stats.mu.Lock()
		h.LastError, h.LastErrorAt = d.stats.lastErr, d.stats.lastErrAt
		d.stats.mu.Unlock()
		if !h.OK {
			rep.Healthy = false
		}
		rep.DBs = append(rep.DBs, h)
	}
	rep.Breaker = m.breaker.status()
	rep.Took = time.Since(start)
	return rep
}

func (m *Manager) checkDB(ctx context.Context, d *dbConn) DBHealth {
	h := DBHealth{Keys: -1}
	if m.closed.Load() {
		h.Error = ErrClosed.Error()
		return h
	}
	t := time.Now()
	err := d.c.Ping(ctx).Err()
	h.Latency = time.Since(t)
	c := classify(err)
	// The socket deadline comes from ctx and may fire a moment before
	// ctx reports it.
	dl, hasDL := ctx.Deadline()
	boundHit := err != nil && (ctx.Err() != nil || (hasDL && time.Until(dl) < 5*time.Millisecond))
	if c != classCanceled && !boundHit {
		// Only answers (or failures) within the bound say something
		// about Redis; hitting our own bound does not.
		m.breaker.record(c, err)
	}
	if err != nil {
		h.Error = err.Error()
		if boundHit {
			h.Error = "health check timed out"
		}
		return h
	}
	h.OK = true
	if !m.namespaced {
		if n, err := d.c.DBSize(ctx).Result(); err == nil {
			h.Keys = n
		}
		return h
	}
	n, complete, err := m.countKeys(ctx, d)
	if err == nil || n > 0 {
		h.Keys, h.KeysApprox = n, !complete
	}
	return h
}

// countKeys counts the keys of a namespace with SCAN on every master,
// stopping when ctx ends (complete is then false).
func (m *Manager) countKeys(ctx context.Context, d *dbConn) (n int64, complete bool, err error) {
	var mu sync.Mutex
	scan := func(ctx context.Context, c redis.Cmdable) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, d.ks.scanPattern(), 1000).Result()
			if err != nil {
				return err
			}
			mu.Lock()
			n += int64(len(keys))
			mu.Unlock()
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	if cc, ok := d.c.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, d.c)
	}
	mu.Lock()
	defer mu.Unlock()
	return n, err == nil, err
}

// LastHealth returns the report of the most recent background health
// check (nil before the first one, or when the check is disabled).
func (m *Manager) LastHealth() *HealthReport { return m.health.Load() }

func (m *Manager) healthLoop(every time.Duration) {
	defer m.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			r := m.Health(context.Background())
			m.health.Store(&r)
		}
	}
}

// Ping checks that Redis answers, through the breaker and retry policy.
func (m *Manager) Ping(ctx context.Context) error {
	d := m.dbs[DBSessions]
	return opErr("manager", "ping", m.run(ctx, d, idempotent, func(ctx context.Context) error {
		return d.c.Ping(ctx).Err()
	}))
}
