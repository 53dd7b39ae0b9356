package redismanager

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRequestKey(t *testing.T) {
	req := func(u string) *http.Request { return httptest.NewRequest("GET", u, nil) }
	cases := []struct{ url, user, want string }{
		{"/api/system/health", "", "api:cache:/api/system/health"},
		{"/api/x?b=2&a=1", "", "api:cache:/api/x?a=1&b=2"},
		{"/api/x?a=2&a=1&b", "", "api:cache:/api/x?a=1&a=2&b="},
		{"/api/x?q=hello%20world", "", "api:cache:/api/x?q=hello+world"},
		{"/api/x?q={1}", "", "api:cache:/api/x?q=%7B1%7D"},
	}
	for _, c := range cases {
		if got := RequestKey(req(c.url), c.user); got != c.want {
			t.Errorf("%s: %s, want %s", c.url, got, c.want)
		}
	}
	// Per-user keys: stable (SHA-256) and distinct per user.
	a1 := RequestKey(req("/api/x"), "alice")
	if a1 != RequestKey(req("/api/x"), "alice") || a1 == RequestKey(req("/api/x"), "bob") ||
		a1 != "api:cache:/api/x#u=2bd806c97f0e00af1a1fc3328fa763a9" {
		t.Fatalf("user key %s", a1)
	}
	long := RequestKey(req("/api/x?q="+strings.Repeat("z", 3000)), "")
	if len(long) > maxCacheKey || !strings.HasPrefix(long, "api:cache:/api/x?#") {
		t.Fatalf("long key %s", long)
	}
}

func TestCacheMiddleware(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		var calls atomic.Int64
		api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := calls.Add(1)
			switch r.URL.Path {
			case "/api/fail":
				http.Error(w, "boom", http.StatusInternalServerError)
				return
			case "/api/cookie":
				http.SetCookie(w, &http.Cookie{Name: "s", Value: "1"})
			case "/api/nostore":
				w.Header().Set("Cache-Control", "no-store")
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"n":%d,"user":%q}`, n, r.Header.Get("Authorization"))
		})
		h := m.Cache().Middleware(CacheOptions{
			Routes:     []CacheRoute{{Prefix: "/api/", TTL: time.Minute}, {Prefix: "/api/live", TTL: 0}},
			DefaultTTL: -1,
		})(api)
		do := func(method, url, auth string) *httptest.ResponseRecorder {
			r := httptest.NewRequest(method, url, nil)
			if auth != "" {
				r.Header.Set("Authorization", auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		first := do("GET", "/api/system/health?x=1&y=2", "")
		second := do("GET", "/api/system/health?y=2&x=1", "")
		if first.Header().Get("X-Cache") != "MISS" || second.Header().Get("X-Cache") != "HIT" ||
			first.Body.String() != second.Body.String() || second.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("first %v %q, second %v %q", first.Header(), first.Body, second.Header(), second.Body)
		}
		if head := do("HEAD", "/api/system/health?x=1&y=2", ""); head.Header().Get("X-Cache") != "HIT" || head.Body.Len() != 0 {
			t.Fatalf("head %v", head.Header())
		}
		// The TTL of the route is on the key.
		key := m.cache.physical(RequestKey(httptest.NewRequest("GET", "/api/system/health?x=1&y=2", nil), ""))
		if ttl := admin(t, m, 3).TTL(ctxT(t), key).Val(); ttl <= 50*time.Second || ttl > time.Minute {
			t.Fatalf("ttl %v", ttl)
		}
		// Errors, cookies, no-store, TTL 0 routes and POSTs are never cached.
		for _, u := range []string{"/api/fail", "/api/cookie", "/api/nostore", "/api/live/feed"} {
			do("GET", u, "")
			if w := do("GET", u, ""); w.Header().Get("X-Cache") == "HIT" {
				t.Errorf("%s served from cache", u)
			}
		}
		before := calls.Load()
		do("POST", "/api/system/health?x=1&y=2", "")
		if calls.Load() != before+1 {
			t.Fatal("POST not passed through")
		}
		// Authenticated responses vary per user.
		a := do("GET", "/api/me", "Bearer alice")
		b := do("GET", "/api/me", "Bearer bob")
		a2 := do("GET", "/api/me", "Bearer alice")
		anon := do("GET", "/api/me", "")
		if a.Body.String() == b.Body.String() || a2.Body.String() != a.Body.String() || a2.Header().Get("X-Cache") != "HIT" ||
			anon.Header().Get("X-Cache") != "MISS" {
			t.Fatalf("per-user caching: %q %q %q %q", a.Body, b.Body, a2.Body, anon.Body)
		}
		// Invalidation by path prefix.
		n, err := m.Cache().Invalidate(ctxT(t), "/api/system/")
		if err != nil || n != 1 {
			t.Fatalf("invalidate: %d %v", n, err)
		}
		if w := do("GET", "/api/system/health?x=1&y=2", ""); w.Header().Get("X-Cache") != "MISS" {
			t.Fatal("still cached after invalidate")
		}
	})
}

func TestCacheBypassWhenRedisDown(t *testing.T) {
	m := openBackend(t, beEmbedded)
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("fresh")) })
	h := m.Cache().Middleware(CacheOptions{})(api)
	m.embedded.srv.Close() // Redis goes away
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/x", nil))
	if w.Code != 200 || w.Body.String() != "fresh" || w.Header().Get("X-Cache") != "BYPASS" {
		t.Fatalf("%d %q %v", w.Code, w.Body, w.Header())
	}
}
