// Package console is the web console of autobot-redis: a browser UI to
// look at and manage any Redis (ours or Redis itself) over its protocol.
//
// Every action runs through a Redis connection opened with the logged-in
// user's own credentials (requirepass, i.e. the user "default", or an ACL
// user), so the server's ACL rules apply to the UI exactly as to any
// other client. The console keeps no data of its own.
//
// The UI is plain HTML, CSS and JavaScript embedded in the binary: no
// build step and nothing fetched from the network. Security: a login is
// required for every API; the session cookie is HttpOnly and
// SameSite=Strict (and Secure over TLS); every state-changing request
// carries a CSRF token bound to the session; pages cannot be framed and
// run under a strict Content-Security-Policy without inline scripts; and
// the listener is loopback-only unless configured otherwise.
package console

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Database describes one logical database of the deployment's schema
// (AutoBot's six databases), shown on the databases page.
type Database struct {
	Number   int      `json:"number"`
	Name     string   `json:"name"`
	Purpose  string   `json:"purpose"`
	Patterns []string `json:"patterns"`
}

// Config is what the console needs.
type Config struct {
	// RedisAddr is the host:port of the Redis server the console manages.
	RedisAddr string
	// RedisTLS, when set, connects to Redis over TLS with this
	// configuration.
	RedisTLS *tls.Config
	// Databases is the schema table shown on the databases page.
	Databases []Database
	// Version is shown in the page footer.
	Version string
	// Logf receives operational messages (logins, failures). Passwords
	// are never passed to it. nil discards them.
	Logf func(format string, args ...any)

	// AllowedHosts, when not empty, lists the host names the Host header
	// may carry (ports are ignored): protection against DNS rebinding.
	// ListenAndServe fills it with the loopback names when it listens on
	// a loopback address and it is empty.
	AllowedHosts []string
	// SessionIdle ends sessions unused for this long (default 30m);
	// SessionMax ends any session after this long (default 12h).
	SessionIdle time.Duration
	SessionMax  time.Duration
	// MaxSessions bounds the number of live sessions (default 64); the
	// least recently used one is ended to make room.
	MaxSessions int
	// SampleInterval is the period of the overview's samples (default
	// 2s); SampleWindow how much history it keeps (default 10m).
	SampleInterval time.Duration
	SampleWindow   time.Duration
}

func (c *Config) setDefaults() {
	if c.SessionIdle <= 0 {
		c.SessionIdle = 30 * time.Minute
	}
	if c.SessionMax <= 0 {
		c.SessionMax = 12 * time.Hour
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = 64
	}
	if c.SampleInterval <= 0 {
		c.SampleInterval = 2 * time.Second
	}
	if c.SampleWindow <= 0 {
		c.SampleWindow = 10 * time.Minute
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	if c.Version == "" {
		c.Version = "dev"
	}
}

// Console is the HTTP handler of the web console.
type Console struct {
	cfg      Config
	mux      *http.ServeMux
	sessions *sessionStore
	limiter  *loginLimiter
	assets   http.Handler
	index    []byte

	streamsMu sync.Mutex
	monitors  int // live MONITOR streams, all sessions
}

// Limits on the live streams: MONITOR costs the server a little for
// every command it runs, so only a few may run at once.
const (
	maxMonitors          = 4
	maxStreamsPerSession = 4
)

// New returns the console's handler. Close releases its Redis
// connections.
func New(cfg Config) *Console {
	cfg.setDefaults()
	c := &Console{cfg: cfg, mux: http.NewServeMux(), limiter: newLoginLimiter()}
	c.sessions = newSessionStore(c)
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err)
	}
	c.assets = assetHandler(sub)
	c.index, err = fs.ReadFile(sub, "index.html")
	if err != nil {
		panic(err)
	}
	c.routes()
	return c
}

// Close ends every session and its connections.
func (c *Console) Close() { c.sessions.closeAll() }

func (c *Console) routes() {
	m := c.mux
	m.HandleFunc("GET /{$}", c.serveIndex)
	m.Handle("GET /assets/", c.assets)
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/assets/favicon.svg", http.StatusMovedPermanently)
	})

	m.HandleFunc("POST /api/login", c.handleLogin)
	m.HandleFunc("GET /api/session", c.handleSession)
	m.HandleFunc("POST /api/logout", c.authed(c.handleLogout))

	m.HandleFunc("GET /api/overview", c.authed(c.handleOverview))
	m.HandleFunc("GET /api/databases", c.authed(c.handleDatabases))
	m.HandleFunc("GET /api/keys", c.authed(c.handleScan))
	m.HandleFunc("GET /api/key", c.authed(c.handleKey))
	m.HandleFunc("POST /api/key", c.authed(c.handleKeyEdit))
	m.HandleFunc("DELETE /api/key", c.authed(c.handleKeyDelete))
	m.HandleFunc("POST /api/bulk/preview", c.authed(c.handleBulkPreview))
	m.HandleFunc("POST /api/bulk/delete", c.authed(c.handleBulkDelete))
	m.HandleFunc("GET /api/slowlog", c.authed(c.handleSlowlog))
	m.HandleFunc("POST /api/slowlog/reset", c.authed(c.handleSlowlogReset))
	m.HandleFunc("GET /api/monitor", c.authed(c.handleMonitor))
	m.HandleFunc("GET /api/pubsub/subscribe", c.authed(c.handleSubscribe))
	m.HandleFunc("GET /api/pubsub/channels", c.authed(c.handleChannels))
	m.HandleFunc("POST /api/pubsub/publish", c.authed(c.handlePublish))
	m.HandleFunc("GET /api/analysis", c.authed(c.handleAnalysis))
	m.HandleFunc("POST /api/workbench", c.authed(c.handleWorkbench))
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API")
	})
}

// contentSecurityPolicy allows only the console's own files: no inline
// script, no eval, no framing by anyone.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// ServeHTTP applies the security headers and checks, then routes.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if !c.hostAllowed(r.Host) {
		writeError(w, http.StatusMisdirectedRequest, "unexpected Host header")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
		writeError(w, http.StatusForbidden, "cross-origin request refused")
		return
	}
	c.mux.ServeHTTP(w, r)
}

// assetHandler serves the embedded files with an ETag (their hash), so
// browsers revalidate cheaply and never keep a stale file.
func assetHandler(sub fs.FS) http.Handler {
	etags := map[string]string{}
	fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := fs.ReadFile(sub, p); err == nil {
				sum := sha256.Sum256(b)
				etags[p] = `"` + hex.EncodeToString(sum[:8]) + `"`
			}
		}
		return nil
	})
	files := http.FileServer(http.FS(sub))
	return http.StripPrefix("/assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tag, ok := etags[r.URL.Path]; ok {
			w.Header().Set("ETag", tag)
		}
		files.ServeHTTP(w, r)
	}))
}

func (c *Console) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(c.index)
}

// hostAllowed checks the Host header against AllowedHosts.
func (c *Console) hostAllowed(host string) bool {
	if len(c.cfg.AllowedHosts) == 0 {
		return true
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.Trim(name, "[]")
	for _, a := range c.cfg.AllowedHosts {
		if strings.EqualFold(a, name) {
			return true
		}
	}
	return false
}

// sameOrigin refuses requests a browser marks as coming from another
// site: the Origin header, when present, must name this host, and
// Sec-Fetch-Site must not be cross-site. It backs up the CSRF token and
// guards the login form, which has no session yet.
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	if o == "null" {
		return false
	}
	rest, ok := strings.CutPrefix(o, "http://")
	if !ok {
		rest, ok = strings.CutPrefix(o, "https://")
	}
	return ok && strings.EqualFold(rest, r.Host)
}

// loopbackHosts are the Host names accepted by a loopback-only console.
var loopbackHosts = []string{"localhost", "127.0.0.1", "::1"}

// IsLoopback reports whether a listen address binds only to loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ListenAndServe serves the console on addr until ctx ends. certFile
// and keyFile, when both set, serve HTTPS.
func ListenAndServe(ctx context.Context, addr string, cfg Config) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return Serve(ctx, l, cfg, "", "")
}

// Serve serves the console on l until ctx ends; with certFile and
// keyFile it serves HTTPS.
func Serve(ctx context.Context, l net.Listener, cfg Config, certFile, keyFile string) error {
	if len(cfg.AllowedHosts) == 0 && IsLoopback(l.Addr().String()) {
		cfg.AllowedHosts = loopbackHosts
	}
	c := New(cfg)
	defer c.Close()
	hs := &http.Server{
		Handler:           c,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			c.sessions.closeAll() // ends the live streams so Shutdown can finish
			hs.Shutdown(sctx)
		case <-done:
		}
	}()
	defer close(done)
	c.cfg.Logf("Web console listening on http%s://%s", map[bool]string{true: "s"}[certFile != ""], l.Addr())
	var err error
	if certFile != "" && keyFile != "" {
		err = hs.ServeTLS(l, certFile, keyFile)
	} else {
		err = hs.Serve(l)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("console: %w", err)
}
