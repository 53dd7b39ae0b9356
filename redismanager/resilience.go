package redismanager

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// Resilience. Every store operation runs through Manager.run, which
//
//   - fails fast with ErrUnavailable (and ErrCircuitOpen) while the
//     circuit breaker is open;
//   - waits, up to Config.LoadingTimeout, while Redis answers LOADING;
//   - retries with exponential backoff and jitter, up to MaxRetries,
//     when the failure proves the command never ran (dial errors,
//     TRYAGAIN, CLUSTERDOWN, MASTERDOWN, BUSY), and, for idempotent
//     operations only, when it may have run (timeouts, dropped
//     connections). A non-idempotent operation (INCR, LPUSH, LMOVE...)
//     that timed out is reported, not repeated: repeating it could apply
//     it twice;
//   - counts the outcome for the per-database health report.
//
// go-redis's own retries are disabled (MaxRetries -1 on the clients)
// because go-redis cannot know which commands are idempotent.

type errClass uint8

const (
	classOK        errClass = iota // success, redis.Nil, or an aborted WATCH transaction
	classServer                    // an error reply (WRONGTYPE, ERR ...): Redis is up
	classLocal                     // refused before sending (guard, invalid input)
	classCanceled                  // the caller's context ended
	classLoading                   // LOADING: not executed, Redis will be back
	classNotSent                   // certainly not executed: safe to retry anything
	classMaybeSent                 // may or may not have executed
)

func classify(err error) errClass {
	if err == nil || err == redis.Nil || errors.Is(err, redis.TxFailedErr) {
		return classOK
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return classNotSent
		}
		return classCanceled
	}
	if errors.Is(err, ErrKeyNotAllowed) || errors.Is(err, ErrInvalidID) || errors.Is(err, ErrDecrypt) {
		return classLocal
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		msg := rerr.Error()
		switch {
		case strings.HasPrefix(msg, "LOADING"):
			return classLoading
		case strings.HasPrefix(msg, "TRYAGAIN"), strings.HasPrefix(msg, "CLUSTERDOWN"),
			strings.HasPrefix(msg, "MASTERDOWN"), strings.HasPrefix(msg, "BUSY "):
			return classNotSent
		}
		return classServer
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return classNotSent
	}
	if errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "pool timeout") ||
		strings.Contains(err.Error(), "connection pool timeout") {
		return classNotSent
	}
	if errors.Is(err, redis.ErrClosed) {
		return classLocal
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return classMaybeSent
	}
	// Unknown errors from the client library (protocol surprises): treat
	// as connectivity trouble that may have executed.
	return classMaybeSent
}

// connectivity reports whether the class is a failure to talk to Redis.
func (c errClass) connectivity() bool { return c == classNotSent || c == classMaybeSent }

// Breaker states.
const (
	BreakerClosed   = "closed"
	BreakerOpen     = "open"
	BreakerHalfOpen = "half-open"
)

const maxBreakerCooldown = 30 * time.Second

// breaker is a circuit breaker shared by the six database clients (they
// talk to the same server or cluster).
type breaker struct {
	mu        sync.Mutex
	threshold int
	base      time.Duration
	cooldown  time.Duration
	state     string
	failures  int
	until     time.Time
	probing   bool
	lastErr   error
	opens     uint64
	openedAt  time.Time
}

func newBreaker(threshold int, cooldown time.Duration) *breaker {
	return &breaker{threshold: threshold, base: cooldown, cooldown: cooldown, state: BreakerClosed}
}

// allow returns nil when a call may go to Redis, or the error to fail
// fast with.
func (b *breaker) allow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case BreakerClosed:
		return nil
	case BreakerOpen:
		if time.Now().Before(b.until) {
			return &unavailableError{cause: b.lastErr, circuit: true}
		}
		b.state, b.probing = BreakerHalfOpen, true
		return nil // this caller is the probe
	default: // half-open
		if b.probing {
			return &unavailableError{cause: b.lastErr, circuit: true}
		}
		b.probing = true
		return nil
	}
}

// record feeds the outcome of a call that allow let through (or of a
// health probe, which bypasses allow).
func (b *breaker) record(c errClass, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case c.connectivity():
		b.failures++
		b.lastErr = err
		switch {
		case b.state == BreakerHalfOpen:
			b.cooldown *= 2
			if b.cooldown > maxBreakerCooldown {
				b.cooldown = maxBreakerCooldown
			}
			b.trip()
		case b.state == BreakerClosed && b.failures >= b.threshold:
			b.trip()
		}
	case c == classOK || c == classServer || c == classLoading:
		// Redis answered: it is reachable.
		b.failures = 0
		b.cooldown = b.base
		b.state, b.probing = BreakerClosed, false
	default:
		// Canceled or refused locally: says nothing about Redis. Let
		// another probe through if this was the probe.
		if b.state == BreakerHalfOpen {
			b.probing = false
		}
	}
}

func (b *breaker) trip() {
	b.state, b.probing = BreakerOpen, false
	b.until = time.Now().Add(b.cooldown)
	b.openedAt = time.Now()
	b.opens++
}

// BreakerStatus describes the circuit breaker.
type BreakerStatus struct {
	State               string    // closed, open or half-open
	ConsecutiveFailures int       // connectivity failures since the last success
	Opens               uint64    // times it opened since start
	OpenedAt            time.Time // last time it opened
	RetryAt             time.Time // when an open breaker lets the next probe through
	LastError           string
}

func (b *breaker) status() BreakerStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := BreakerStatus{State: b.state, ConsecutiveFailures: b.failures, Opens: b.opens, OpenedAt: b.openedAt}
	if b.state == BreakerOpen {
		s.RetryAt = b.until
	}
	if b.lastErr != nil {
		s.LastError = b.lastErr.Error()
	}
	return s
}

// dbStats are the per-database counters of the health report.
type dbStats struct {
	ops, errors, timeouts, unavailable, rejected atomic.Uint64
	mu                                           sync.Mutex
	lastErr                                      string
	lastErrAt                                    time.Time
}

func (s *dbStats) record(c errClass, err error) {
	s.ops.Add(1)
	switch c {
	case classOK, classCanceled, classLoading:
		return
	}
	s.errors.Add(1)
	if c.connectivity() {
		s.unavailable.Add(1)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			s.timeouts.Add(1)
		}
	}
	s.mu.Lock()
	s.lastErr, s.lastErrAt = err.Error(), time.Now()
	s.mu.Unlock()
}

// backoff is the delay before retry number attempt (1-based): exponential
// from min to max, with jitter in its upper half.
func backoff(attempt int, min, max time.Duration) time.Duration {
	d := min
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// idempotency of an operation.
const (
	idempotent    = true
	notIdempotent = false
)

// run executes fn, one logical operation against one database, with the
// breaker, LOADING wait and retry policy described above.
func (m *Manager) run(ctx context.Context, d *dbConn, idem bool, fn func(ctx context.Context) error) error {
	if m.closed.Load() {
		return ErrClosed
	}
	var loadingUntil time.Time
	retries := 0
	for attempt := 1; ; attempt++ {
		if err := m.breaker.allow(); err != nil {
			d.stats.rejected.Add(1)
			return err
		}
		err := fn(ctx)
		c := classify(err)
		m.breaker.record(c, err)
		d.stats.record(c, err)
		retry := false
		var wait time.Duration
		switch c {
		case classOK, classServer, classLocal, classCanceled:
			return err
		case classLoading:
			if loadingUntil.IsZero() {
				loadingUntil = time.Now().Add(m.cfg.LoadingTimeout)
			}
			retry = time.Now().Before(loadingUntil)
			wait = backoff(attempt, 50*time.Millisecond, time.Second)
		case classNotSent:
			retry = retries < m.cfg.MaxRetries
			retries++
			wait = backoff(retries, m.cfg.RetryBackoffMin, m.cfg.RetryBackoffMax)
		case classMaybeSent:
			retry = idem && m.cfg.RetryOnTimeout && retries < m.cfg.MaxRetries
			retries++
			wait = backoff(retries, m.cfg.RetryBackoffMin, m.cfg.RetryBackoffMax)
		}
		if !retry {
			if c == classLoading {
				return err
			}
			return &unavailableError{cause: err}
		}
		if m.closed.Load() {
			return ErrClosed
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return err
		}
	}
}

// getHash reads a whole hash with retries; a missing key is ErrNotFound.
// Errors are wrapped as store's op on what.
func (m *Manager) getHash(ctx context.Context, d *dbConn, store, what, key string) (map[string]string, error) {
	var h map[string]string
	err := m.run(ctx, d, idempotent, func(ctx context.Context) error {
		var err error
		h, err = d.c.HGetAll(ctx, key).Result()
		return err
	})
	if err != nil {
		return nil, opErr(store, what, err)
	}
	if len(h) == 0 {
		return nil, opErr(store, what, ErrNotFound)
	}
	return h, nil
}
