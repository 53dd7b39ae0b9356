package redismanager

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRateLimitFixedWindow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		rl := m.RateLimiter()
		lim := RateLimit{Limit: 3, Window: 400 * time.Millisecond}
		for i := 1; i <= 3; i++ {
			d, err := rl.Allow(ctx, "user_123", "/api/chat/send", lim)
			if err != nil || !d.Allowed || d.Remaining != 3-i {
				t.Fatalf("request %d: %+v %v", i, d, err)
			}
		}
		d, _ := rl.Allow(ctx, "user_123", "/api/chat/send", lim)
		if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > lim.Window {
			t.Fatalf("4th: %+v", d)
		}
		// The counter always carries its expiry: INCR and EXPIRE in one step.
		key := rl.key("user_123", "/api/chat/send")
		raw := admin(t, m, 3)
		if ttl := raw.PTTL(ctx, key).Val(); ttl <= 0 {
			t.Fatalf("counter without expiry: %v", ttl)
		}
		if v := raw.Get(ctx, key).Val(); v != "4" {
			t.Fatalf("counter %s", v)
		}
		time.Sleep(d.RetryAfter + 20*time.Millisecond)
		if d, _ := rl.Allow(ctx, "user_123", "/api/chat/send", lim); !d.Allowed {
			t.Fatalf("after the window: %+v", d)
		}
		// Other users and routes are independent.
		if d, _ := rl.Allow(ctx, "user_456", "/api/chat/send", lim); !d.Allowed || d.Remaining != 2 {
			t.Fatalf("other user %+v", d)
		}
	})
}

func TestRateLimitSlidingWindow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		rl := m.RateLimiter()
		lim := RateLimit{Limit: 3, Window: 500 * time.Millisecond, Sliding: true}
		for i := 0; i < 3; i++ {
			if d, err := rl.Allow(ctx, "u", "/r", lim); err != nil || !d.Allowed {
				t.Fatalf("%d: %+v %v", i, d, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		d, _ := rl.Allow(ctx, "u", "/r", lim)
		if d.Allowed {
			t.Fatal("4th request in the window allowed")
		}
		// The oldest request (about 300 ms ago) leaves the window first.
		if d.RetryAfter <= 0 || d.RetryAfter > 300*time.Millisecond {
			t.Fatalf("retry after %v", d.RetryAfter)
		}
		// Rejected requests leave no trace: after the oldest slot frees,
		// exactly one more is admitted.
		time.Sleep(d.RetryAfter + 30*time.Millisecond)
		if d, _ := rl.Allow(ctx, "u", "/r", lim); !d.Allowed {
			t.Fatalf("after a slot freed: %+v", d)
		}
		if d, _ := rl.Allow(ctx, "u", "/r", lim); d.Allowed {
			t.Fatal("second request after one slot freed allowed")
		}
	})
}

// TestRateLimitExactUnderConcurrency fires many parallel requests at one
// limit: exactly Limit are admitted, for both algorithms.
func TestRateLimitExactUnderConcurrency(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		for _, sliding := range []bool{false, true} {
			ctx := ctxT(t)
			rl := m.RateLimiter()
			lim := RateLimit{Limit: 25, Window: time.Minute, Sliding: sliding}
			route := "/api/parallel/" + strconv.FormatBool(sliding)
			var allowed, denied atomic.Int64
			var wg sync.WaitGroup
			for g := 0; g < 16; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 8; i++ {
						d, err := rl.Allow(ctx, "hammer", route, lim)
						if err != nil {
							t.Error(err)
							return
						}
						if d.Allowed {
							allowed.Add(1)
						} else {
							denied.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			if allowed.Load() != 25 || denied.Load() != 16*8-25 {
				t.Fatalf("sliding=%v: allowed %d denied %d", sliding, allowed.Load(), denied.Load())
			}
		}
	})
}

func TestRateLimitMiddleware(t *testing.T) {
	m := openBackend(t, beEmbedded)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	h := m.RateLimiter().Middleware(RateLimitOptions{
		Default: RateLimit{Limit: 100, Window: time.Minute},
		Routes:  []RouteLimit{{Prefix: "/api/chat/send", Limit: RateLimit{Limit: 2, Window: time.Hour}}, {Prefix: "/health", Limit: RateLimit{}}},
	})(ok)
	do := func(path, auth string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := 0; i < 2; i++ {
		if w := do("/api/chat/send", "Bearer a"); w.Code != 200 || w.Header().Get("X-RateLimit-Limit") != "2" ||
			w.Header().Get("X-RateLimit-Remaining") != strconv.Itoa(1-i) {
			t.Fatalf("request %d: %d %v", i, w.Code, w.Header())
		}
	}
	w := do("/api/chat/send", "Bearer a")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || w.Header().Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("over the limit: %d %v %s", w.Code, w.Header(), w.Body)
	}
	ra, _ := strconv.Atoi(w.Header().Get("Retry-After"))
	reset, _ := strconv.ParseInt(w.Header().Get("X-RateLimit-Reset"), 10, 64)
	if ra < 3500 || ra > 3600 || reset < time.Now().Unix()+3500 {
		t.Fatalf("Retry-After %d, reset %d", ra, reset)
	}
	if w := do("/api/chat/send", "Bearer b"); w.Code != 200 {
		t.Fatalf("another user limited: %d", w.Code)
	}
	if w := do("/health", ""); w.Code != 200 || w.Header().Get("X-RateLimit-Limit") != "" {
		t.Fatalf("unlimited route: %v", w.Header())
	}
	if w := do("/api/other", ""); w.Header().Get("X-RateLimit-Limit") != "100" {
		t.Fatalf("default limit: %v", w.Header())
	}
}
