package redismanager

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Rate limits, database 3.
//
//	api:ratelimit:<user>:<route>   fixed window: string counter with the window as TTL
//	                               sliding window: sorted set of request times (ms)
//
// The seed's "INCR api:ratelimit:... EX 3600" is not a Redis command. The
// fixed window here is
//
//	MULTI
//	SET key 0 PX <window> NX   -- starts a window (counter and expiry together)
//	INCR key                   -- counts this request; INCR keeps the TTL
//	PTTL key
//	EXEC
//
// one atomic step, so the counter can never exist without its expiry and
// a burst of parallel requests is counted exactly. (EXPIRE ... NX would do
// too but needs Redis 7; this works on every version.)
//
// The sliding window keeps one sorted-set entry per admitted request and
// admits a request when fewer than Limit entries are younger than the
// window. The check and the insert are one optimistic transaction (WATCH
// the key, count, then MULTI/ZADD/EXEC, retried when another request got in
// between), so the limit is exact under concurrency; rejected requests
// leave no entry. Request times come from the client clock.

// RateLimit is a limit of Limit requests per Window.
type RateLimit struct {
	Limit   int
	Window  time.Duration
	Sliding bool // sliding window instead of fixed windows
}

// Decision is the outcome of one rate-limit check.
type Decision struct {
	Allowed   bool
	Limit     int
	Remaining int
	// ResetAfter is when the limit fully resets (fixed window) or when the
	// next slot frees (sliding window); RetryAfter is ResetAfter for a
	// rejected request and 0 for an admitted one.
	ResetAfter time.Duration
	RetryAfter time.Duration
}

// RateLimiter checks rate limits (database 3).
type RateLimiter struct {
	m     *Manager
	d     *dbConn
	tries int
}

// RateLimiter returns the rate limiter.
func (m *Manager) RateLimiter() *RateLimiter {
	m.storesMu.Lock()
	defer m.storesMu.Unlock()
	if m.limiter == nil {
		m.limiter = &RateLimiter{m: m, d: m.dbs[DBCache], tries: 1000}
	}
	return m.limiter
}

// limitKeyPart makes a user or client name usable as a key segment:
// names that are not valid identifiers (IPv6 addresses, tokens with ':')
// are replaced by a stable hash.
func limitKeyPart(s string) string {
	if checkID("user", s) == nil && len(s) <= 64 {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "h" + hex.EncodeToString(sum[:12])
}

func (r *RateLimiter) key(user, route string) string {
	if route == "" {
		route = "/"
	}
	route = strings.NewReplacer("{", "%7B", "}", "%7D").Replace(route)
	return r.d.ks.key("api:ratelimit:<user>:<route...>", limitKeyPart(user), route)
}

// Allow counts one request of user on route against lim and says whether
// it may proceed.
func (r *RateLimiter) Allow(ctx context.Context, user, route string, lim RateLimit) (Decision, error) {
	if lim.Limit <= 0 || lim.Window <= 0 {
		return Decision{Allowed: true, Limit: lim.Limit, Remaining: -1}, nil
	}
	if lim.Window < time.Millisecond {
		lim.Window = time.Millisecond
	}
	key := r.key(user, route)
	if lim.Sliding {
		return r.sliding(ctx, key, lim)
	}
	var count int64
	var pttl time.Duration
	err := r.m.run(ctx, r.d, notIdempotent, func(ctx context.Context) error {
		var incr *redis.IntCmd
		var ttl *redis.DurationCmd
		_, err := r.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SetArgs(ctx, key, 0, redis.SetArgs{Mode: "NX", TTL: lim.Window})
			incr = p.Incr(ctx, key)
			ttl = p.PTTL(ctx, key)
			return nil
		})
		if err == redis.Nil {
			err = nil // SET NX on an existing window
		}
		if err != nil {
			return err
		}
		count, pttl = incr.Val(), ttl.Val()
		if pttl < 0 {
			// Cannot happen through this code; repair a counter someone
			// created without expiry.
			pttl = lim.Window
			return r.d.c.PExpire(ctx, key, lim.Window).Err()
		}
		return nil
	})
	if err != nil {
		return Decision{}, opErr("ratelimit", "check "+key, err)
	}
	d := Decision{Limit: lim.Limit, ResetAfter: pttl, Allowed: count <= int64(lim.Limit)}
	d.Remaining = lim.Limit - int(count)
	if d.Remaining < 0 {
		d.Remaining = 0
	}
	if !d.Allowed {
		d.RetryAfter = pttl
	}
	return d, nil
}

func (r *RateLimiter) sliding(ctx context.Context, key string, lim RateLimit) (Decision, error) {
	var d Decision
	err := r.m.run(ctx, r.d, notIdempotent, func(ctx context.Context) error {
		for try := 0; try < r.tries; try++ {
			var done bool
			t := now()
			nowMs := t.UnixMilli()
			floor := nowMs - lim.Window.Milliseconds()
			min := "(" + strconv.FormatInt(floor, 10)
			var cnt *redis.IntCmd
			var first *redis.ZSliceCmd
			err := r.m.watch(ctx, r.d, []string{key}, func(p redis.Pipeliner) {
				cnt = p.ZCount(ctx, key, min, "+inf")
				first = p.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: key, Start: min, Stop: "+inf", ByScore: true, Count: 1})
			}, func(tx *txn) error {
				if err := cnt.Err(); err != nil {
					return err
				}
				n := cnt.Val()
				// untilFree is how long until the entry with score s
				// leaves the window.
				untilFree := func(zs []redis.Z) time.Duration {
					if len(zs) == 0 {
						return lim.Window
					}
					w := time.Duration(int64(zs[0].Score)-floor) * time.Millisecond
					if w <= 0 {
						w = time.Millisecond
					}
					return w
				}
				d = Decision{Limit: lim.Limit}
				if n >= int64(lim.Limit) {
					// The slot that frees next is the (n-limit+1)-th
					// oldest request still in the window.
					zs := first.Val()
					if n > int64(lim.Limit) {
						var err error
						zs, err = tx.tx.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: key, Start: min, Stop: "+inf",
							ByScore: true, Offset: n - int64(lim.Limit), Count: 1}).Result()
						if err != nil {
							return err
						}
					}
					d.ResetAfter = untilFree(zs)
					d.RetryAfter = d.ResetAfter
					done = true
					return nil
				}
				member := strconv.FormatInt(t.UnixMicro(), 10) + "-" + randomID(4)
				err := tx.exec(func(p redis.Pipeliner) error {
					p.ZRemRangeByScore(ctx, key, "-inf", strconv.FormatInt(floor, 10))
					p.ZAdd(ctx, key, redis.Z{Score: float64(nowMs), Member: member})
					p.PExpire(ctx, key, lim.Window)
					return nil
				})
				if err != nil {
					return err
				}
				d.Allowed = true
				d.Remaining = lim.Limit - int(n) - 1
				d.ResetAfter = untilFree(first.Val())
				done = true
				return nil
			})
			if err == redis.TxFailedErr {
				if err := sleepCtx(ctx, backoff(try+1, 50*time.Microsecond, 2*time.Millisecond)); err != nil {
					return err
				}
				continue
			}
			if err != nil || done {
				return err
			}
		}
		return ErrConflict
	})
	if err != nil {
		return Decision{}, opErr("ratelimit", "check "+key, err)
	}
	return d, nil
}

// Reset forgets the requests of user on route.
func (r *RateLimiter) Reset(ctx context.Context, user, route string) error {
	key := r.key(user, route)
	err := r.m.run(ctx, r.d, idempotent, func(ctx context.Context) error {
		return r.d.c.Del(ctx, key).Err()
	})
	return opErr("ratelimit", "reset "+key, err)
}

// RouteLimit applies Limit to the paths starting with Prefix; the longest
// matching prefix wins. A Limit of 0 requests means "unlimited".
type RouteLimit struct {
	Prefix string
	Limit  RateLimit
}

// RateLimitOptions configure the rate-limiting middleware.
type RateLimitOptions struct {
	Default RateLimit
	Routes  []RouteLimit
	// User names the caller; the default is DefaultUser, else the client
	// IP address.
	User func(*http.Request) string
	// Route names the limited route; the default is the matching route
	// prefix, else the URL path.
	Route func(*http.Request) string
	// FailClosed answers 503 when Redis is unavailable; by default
	// requests are let through (availability over strictness).
	FailClosed bool
}

// Middleware rejects requests over their limit with 429 Too Many
// Requests, a Retry-After header (seconds) and a small JSON body. Every
// checked response carries X-RateLimit-Limit, X-RateLimit-Remaining and
// X-RateLimit-Reset (Unix time in seconds when the window resets).
func (r *RateLimiter) Middleware(opts RateLimitOptions) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			lim, prefix := opts.Default, ""
			best := -1
			for _, rl := range opts.Routes {
				if strings.HasPrefix(req.URL.Path, rl.Prefix) && len(rl.Prefix) > best {
					best, lim, prefix = len(rl.Prefix), rl.Limit, rl.Prefix
				}
			}
			if lim.Limit <= 0 {
				next.ServeHTTP(w, req)
				return
			}
			user := ""
			if opts.User != nil {
				user = opts.User(req)
			} else {
				user = DefaultUser(req)
			}
			if user == "" {
				user = "ip:" + clientIP(req)
			}
			route := prefix
			if opts.Route != nil {
				route = opts.Route(req)
			} else if route == "" {
				route = req.URL.Path
			}
			d, err := r.Allow(req.Context(), user, route, lim)
			if err != nil {
				if opts.FailClosed {
					http.Error(w, "rate limiter unavailable", http.StatusServiceUnavailable)
					return
				}
				next.ServeHTTP(w, req)
				return
			}
			h := w.Header()
			h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
			h.Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
			h.Set("X-RateLimit-Reset", strconv.FormatInt(now().Add(d.ResetAfter).Add(time.Second-1).Unix(), 10))
			if !d.Allowed {
				secs := int((d.RetryAfter + time.Second - 1) / time.Second)
				if secs < 1 {
					secs = 1
				}
				h.Set("Retry-After", strconv.Itoa(secs))
				h.Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				json.NewEncoder(w).Encode(map[string]any{"error": "rate limit exceeded", "retry_after": secs})
				return
			}
			next.ServeHTTP(w, req)
		})
	}
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
