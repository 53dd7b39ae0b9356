package redismanager

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// API response cache, database 3.
//
//	api:cache:<path>?<normalized query>[#u=<user hash>]   string, JSON envelope, TTL per route
//
// The key is built from the escaped URL path and the query with its
// parameters sorted by name and value and re-encoded, so /a?y=2&x=1 and
// /a?x=1&y=2 share an entry. Authenticated requests get their own entry:
// the key ends with "#u=" and the first 128 bits of the SHA-256 of the
// user identity (SHA-256, not a per-process seeded hash, so every process
// computes the same key). A key longer than 1 KiB keeps its path and
// replaces the rest by its SHA-256.

// CacheRoute sets the TTL of the paths starting with Prefix; the longest
// matching prefix wins. A TTL of 0 means "never cache".
type CacheRoute struct {
	Prefix string
	TTL    time.Duration
}

// CacheOptions configure the caching middleware.
type CacheOptions struct {
	Routes []CacheRoute
	// DefaultTTL applies to paths no route matches: 0 means
	// Config.CacheTTL, a negative value means "do not cache".
	DefaultTTL time.Duration
	// User identifies the caller of an authenticated request ("" for an
	// anonymous one). The default uses the Authorization header, then a
	// cookie named "session".
	User func(*http.Request) string
	// MaxBody is the largest response body cached (1 MiB by default).
	MaxBody int
}

// CachedResponse is what the cache stores for one request.
type CachedResponse struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
	Stored time.Time   `json:"stored"`
}

// APICache is the response cache (database 3).
type APICache struct {
	m *Manager
	d *dbConn
}

// Cache returns the API cache.
func (m *Manager) Cache() *APICache {
	m.storesMu.Lock()
	defer m.storesMu.Unlock()
	if m.cache == nil {
		m.cache = &APICache{m: m, d: m.dbs[DBCache]}
	}
	return m.cache
}

const maxCacheKey = 1024

// RequestKey is the logical cache key of a request for the given user
// ("" when anonymous), without namespace: api:cache:<path>?<query>.
func RequestKey(r *http.Request, user string) string {
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	// EscapedPath may keep a client's own escaping; braces must never
	// reach a key (they would change its cluster slot).
	path = strings.NewReplacer("{", "%7B", "}", "%7D").Replace(path)
	var b strings.Builder
	b.WriteString("api:cache:")
	b.WriteString(path)
	if q := normalizeQuery(r.URL.RawQuery); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	if user != "" {
		sum := sha256.Sum256([]byte(user))
		b.WriteString("#u=")
		b.WriteString(hex.EncodeToString(sum[:16]))
	}
	key := b.String()
	if len(key) <= maxCacheKey {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	if len(path) <= maxCacheKey/2 {
		return "api:cache:" + path + "?#" + hex.EncodeToString(sum[:])
	}
	return "api:cache:#" + hex.EncodeToString(sum[:])
}

// normalizeQuery sorts the parameters by name, then value, and encodes
// them canonically. Parameters without a value keep their "=".
func normalizeQuery(raw string) string {
	if raw == "" {
		return ""
	}
	vals, err := url.ParseQuery(raw)
	if err != nil && len(vals) == 0 {
		return url.QueryEscape(raw)
	}
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		vs := vals[k]
		sort.Strings(vs)
		for _, v := range vs {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return b.String()
}

// physical turns a logical cache key into the key sent to Redis.
func (c *APICache) physical(logical string) string {
	return c.d.ks.key("api:cache:<request...>", strings.TrimPrefix(logical, "api:cache:"))
}

// Get returns the cached response under a logical key (from RequestKey).
func (c *APICache) Get(ctx context.Context, key string) (*CachedResponse, bool, error) {
	var raw []byte
	err := c.m.run(ctx, c.d, idempotent, func(ctx context.Context) error {
		var err error
		raw, err = c.d.c.Get(ctx, c.physical(key)).Bytes()
		return err
	})
	if err == redis.Nil {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, opErr("cache", "get", err)
	}
	resp := &CachedResponse{}
	if err := json.Unmarshal(raw, resp); err != nil {
		return nil, false, nil // unreadable entries count as misses
	}
	return resp, true, nil
}

// Set stores a response under a logical key for ttl.
func (c *APICache) Set(ctx context.Context, key string, resp *CachedResponse, ttl time.Duration) error {
	if resp.Stored.IsZero() {
		resp.Stored = now().UTC()
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return opErr("cache", "set", err)
	}
	err = c.m.run(ctx, c.d, idempotent, func(ctx context.Context) error {
		return c.d.c.Set(ctx, c.physical(key), b, ttl).Err()
	})
	return opErr("cache", "set", err)
}

// Invalidate deletes every cached response whose path starts with
// pathPrefix (all users, all queries) and returns how many.
func (c *APICache) Invalidate(ctx context.Context, pathPrefix string) (int, error) {
	pattern := c.physical("api:cache:"+globEscape(pathPrefix)) + "*"
	if pathPrefix == "" {
		pattern = strings.TrimSuffix(c.physical("api:cache:x"), "x") + "*"
	}
	var n int
	err := c.m.run(ctx, c.d, idempotent, func(ctx context.Context) error {
		n = 0
		del := func(ctx context.Context, cl redis.Cmdable) error {
			var cursor uint64
			for {
				keys, next, err := cl.Scan(ctx, cursor, pattern, 500).Result()
				if err != nil {
					return err
				}
				for _, k := range keys {
					d, err := cl.Del(ctx, k).Result()
					if err != nil {
						return err
					}
					n += int(d)
				}
				if cursor = next; cursor == 0 {
					return nil
				}
			}
		}
		if cc, ok := c.d.c.(*redis.ClusterClient); ok {
			// Keys are spread over the masters; delete through the
			// guarded cluster client so the guard still checks them.
			return cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
				var cursor uint64
				for {
					keys, next, err := node.Scan(ctx, cursor, pattern, 500).Result()
					if err != nil {
						return err
					}
					for _, k := range keys {
						d, err := c.d.c.Del(ctx, k).Result()
						if err != nil {
							return err
						}
						n += int(d)
					}
					if cursor = next; cursor == 0 {
						return nil
					}
				}
			})
		}
		return del(ctx, c.d.c)
	})
	return n, opErr("cache", "invalidate "+pathPrefix, err)
}

func globEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// DefaultUser identifies the caller of a request for the cache and the
// rate limiter: the Authorization header, else a cookie named "session";
// "" for anonymous requests.
func DefaultUser(r *http.Request) string {
	if a := r.Header.Get("Authorization"); a != "" {
		return "auth:" + a
	}
	if c, err := r.Cookie("session"); err == nil && c.Value != "" {
		return "session:" + c.Value
	}
	return ""
}

// ttlFor picks the route TTL for a path (longest prefix).
func (o *CacheOptions) ttlFor(path string, def time.Duration) time.Duration {
	best, ttl := -1, o.DefaultTTL
	if ttl == 0 {
		ttl = def
	}
	for _, r := range o.Routes {
		if strings.HasPrefix(path, r.Prefix) && len(r.Prefix) > best {
			best, ttl = len(r.Prefix), r.TTL
		}
	}
	return ttl
}

// Middleware caches successful (200) GET responses; HEAD requests are
// answered from GET entries. Responses are not cached when the route's
// TTL is 0, the status is not 200, the response sets a cookie or says
// Cache-Control no-store (or private, for anonymous requests), the body
// exceeds MaxBody, or the request says Cache-Control no-store. Served
// entries carry "X-Cache: HIT" and an Age header; stored misses "X-Cache:
// MISS". When Redis is unavailable requests pass through uncached
// ("X-Cache: BYPASS").
func (c *APICache) Middleware(opts CacheOptions) func(http.Handler) http.Handler {
	if opts.User == nil {
		opts.User = DefaultUser
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 1 << 20
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			ttl := opts.ttlFor(r.URL.Path, c.m.cfg.CacheTTL)
			if ttl <= 0 || strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
				next.ServeHTTP(w, r)
				return
			}
			user := opts.User(r)
			key := RequestKey(r, user)
			cached, ok, err := c.Get(r.Context(), key)
			if err != nil {
				w.Header().Set("X-Cache", "BYPASS")
				next.ServeHTTP(w, r)
				return
			}
			if ok {
				h := w.Header()
				for k, vs := range cached.Header {
					h[k] = vs
				}
				h.Set("X-Cache", "HIT")
				h.Set("Age", strconv.Itoa(int(time.Since(cached.Stored).Seconds())))
				h.Set("Content-Length", strconv.Itoa(len(cached.Body)))
				w.WriteHeader(cached.Status)
				if r.Method == http.MethodGet {
					w.Write(cached.Body)
				}
				return
			}
			if r.Method == http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			rec := &recorder{ResponseWriter: w, max: opts.MaxBody}
			w.Header().Set("X-Cache", "MISS")
			next.ServeHTTP(rec, r)
			if !rec.cacheable(user != "") {
				return
			}
			hdr := http.Header{}
			for k, vs := range rec.header {
				switch k {
				case "Set-Cookie", "Date", "Connection", "Transfer-Encoding", "Content-Length", "X-Cache", "Age":
					continue
				}
				hdr[k] = vs
			}
			_ = c.Set(r.Context(), key, &CachedResponse{Status: rec.status, Header: hdr, Body: rec.body.Bytes()}, ttl)
		})
	}
}

// recorder passes a response through while keeping a copy for the cache.
type recorder struct {
	http.ResponseWriter
	status  int
	header  http.Header
	body    bytes.Buffer
	max     int
	tooBig  bool
	written bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.written {
		r.written = true
		r.status = code
		r.header = r.ResponseWriter.Header().Clone()
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.written {
		r.WriteHeader(http.StatusOK)
	}
	if !r.tooBig {
		if r.body.Len()+len(p) > r.max {
			r.tooBig = true
			r.body = bytes.Buffer{}
		} else {
			r.body.Write(p)
		}
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the real writer (Flush, ...).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) cacheable(authenticated bool) bool {
	if !r.written {
		r.status, r.header = http.StatusOK, r.ResponseWriter.Header().Clone()
	}
	if r.status != http.StatusOK || r.tooBig {
		return false
	}
	if len(r.header.Values("Set-Cookie")) > 0 {
		return false
	}
	cc := strings.ToLower(strings.Join(r.header.Values("Cache-Control"), ","))
	if strings.Contains(cc, "no-store") || (!authenticated && strings.Contains(cc, "private")) {
		return false
	}
	return true
}
