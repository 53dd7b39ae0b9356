package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	cookieName = "abr_console"
	csrfHeader = "X-CSRF-Token"
)

// session is one logged-in user. It holds the credentials the user gave
// (in memory only) because every Redis connection of the session is
// opened with them: per-database clients, the workbench connection and
// the dedicated MONITOR and SUBSCRIBE connections.
type session struct {
	id       string
	csrf     string
	user     string // ACL user name; "" means requirepass (user "default")
	password string
	created  time.Time
	c        *Console

	ctx    context.Context // ends with the session: stops its streams
	cancel context.CancelFunc

	mu       sync.Mutex
	lastSeen time.Time
	clients  map[int]*redis.Client
	wb       *rawConn // workbench connection
	wbMu     sync.Mutex
	streams  int
	bulk     map[string]bulkPlan
	dbCache  *dbCacheEntry
	sampler  *sampler
	isClosed bool
}

func newID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// client returns the session's go-redis client for database db, opening
// it on first use. Its connections authenticate as the session's user.
func (s *session) client(db int) (*redis.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed {
		return nil, errors.New("session ended")
	}
	if cl := s.clients[db]; cl != nil {
		return cl, nil
	}
	if len(s.clients) >= 32 {
		return nil, errors.New("too many databases open in this session")
	}
	cl := redis.NewClient(s.c.redisOptions(s.user, s.password, db))
	s.clients[db] = cl
	return cl, nil
}

func (c *Console) redisOptions(user, password string, db int) *redis.Options {
	return &redis.Options{
		Addr:            c.cfg.RedisAddr,
		Username:        user,
		Password:        password,
		DB:              db,
		Protocol:        2,
		DisableIdentity: true, // CLIENT SETINFO: not in Redis 7.0, and needs @connection
		TLSConfig:       c.cfg.RedisTLS,
		PoolSize:        4,
		MaxRetries:      1,
		DialTimeout:     5 * time.Second,
		ReadTimeout:     30 * time.Second,
		WriteTimeout:    10 * time.Second,
		ConnMaxIdleTime: 5 * time.Minute,
	}
}

func (s *session) touch() {
	s.mu.Lock()
	s.lastSeen = time.Now()
	s.mu.Unlock()
}

func (s *session) idleSince() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSeen
}

// close ends the session: its streams stop and its connections close.
func (s *session) close() {
	s.cancel()
	s.mu.Lock()
	s.isClosed = true
	clients := s.clients
	s.clients = nil
	smp := s.sampler
	s.mu.Unlock()
	if smp != nil {
		smp.stop()
	}
	for _, cl := range clients {
		cl.Close()
	}
	s.wbMu.Lock()
	if s.wb != nil {
		s.wb.close()
		s.wb = nil
	}
	s.wbMu.Unlock()
}

// acquireStream counts a live stream (SSE) of the session.
func (s *session) acquireStream() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams >= maxStreamsPerSession {
		return false
	}
	s.streams++
	return true
}

func (s *session) releaseStream() {
	s.mu.Lock()
	s.streams--
	s.mu.Unlock()
}

// sessionStore holds the live sessions.
type sessionStore struct {
	c    *Console
	mu   sync.Mutex
	byID map[string]*session
}

func newSessionStore(c *Console) *sessionStore {
	return &sessionStore{c: c, byID: map[string]*session{}}
}

func (st *sessionStore) create(user, password string) *session {
	ctx, cancel := context.WithCancel(context.Background())
	now := time.Now()
	s := &session{
		id: newID(), csrf: newID(), user: user, password: password, c: st.c,
		created: now, lastSeen: now, ctx: ctx, cancel: cancel,
		clients: map[int]*redis.Client{}, bulk: map[string]bulkPlan{},
	}
	var evict []*session
	st.mu.Lock()
	evict = st.expiredLocked(now)
	for len(st.byID)-len(evict) >= st.c.cfg.MaxSessions {
		// Make room: end the least recently used session.
		var lru *session
		for _, x := range st.byID {
			if (lru == nil || x.idleSince().Before(lru.idleSince())) && !contains(evict, x) {
				lru = x
			}
		}
		if lru == nil {
			break
		}
		evict = append(evict, lru)
	}
	for _, x := range evict {
		delete(st.byID, x.id)
	}
	st.byID[s.id] = s
	st.mu.Unlock()
	for _, x := range evict {
		x.close()
	}
	return s
}

func contains(list []*session, s *session) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// expiredLocked lists the sessions past their idle or absolute limit.
func (st *sessionStore) expiredLocked(now time.Time) []*session {
	var out []*session
	for _, s := range st.byID {
		if now.Sub(s.idleSince()) > st.c.cfg.SessionIdle || now.Sub(s.created) > st.c.cfg.SessionMax {
			out = append(out, s)
		}
	}
	return out
}

// get returns the live session with this id, or nil.
func (st *sessionStore) get(id string) *session {
	now := time.Now()
	st.mu.Lock()
	s := st.byID[id]
	if s != nil && (now.Sub(s.idleSince()) > st.c.cfg.SessionIdle || now.Sub(s.created) > st.c.cfg.SessionMax) {
		delete(st.byID, id)
		st.mu.Unlock()
		s.close()
		return nil
	}
	st.mu.Unlock()
	return s
}

func (st *sessionStore) remove(s *session) {
	st.mu.Lock()
	delete(st.byID, s.id)
	st.mu.Unlock()
	s.close()
}

func (st *sessionStore) closeAll() {
	st.mu.Lock()
	all := st.byID
	st.byID = map[string]*session{}
	st.mu.Unlock()
	for _, s := range all {
		s.close()
	}
}

func (st *sessionStore) count() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byID)
}

// sessionFrom returns the request's session, or nil.
func (c *Console) sessionFrom(r *http.Request) *session {
	ck, err := r.Cookie(cookieName)
	if err != nil || len(ck.Value) != 64 {
		return nil
	}
	return c.sessions.get(ck.Value)
}

type ctxKey struct{}

// authed wraps a handler that needs a session. Requests that change
// state (anything but GET) must carry the session's CSRF token in the
// X-CSRF-Token header; the event streams, which a browser opens with a
// GET that cannot carry headers, carry it as ?csrf=.
func (c *Console) authed(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := c.sessionFrom(r)
		if s == nil {
			writeError(w, http.StatusUnauthorized, "login required")
			return
		}
		token := r.Header.Get(csrfHeader)
		needToken := r.Method != http.MethodGet && r.Method != http.MethodHead
		if r.URL.Path == "/api/monitor" || r.URL.Path == "/api/pubsub/subscribe" {
			needToken, token = true, r.URL.Query().Get("csrf")
		}
		if needToken && subtle.ConstantTimeCompare([]byte(token), []byte(s.csrf)) != 1 {
			writeError(w, http.StatusForbidden, "missing or invalid CSRF token")
			return
		}
		s.touch()
		h(w, r, s)
	}
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// handleLogin checks the credentials against Redis itself: a connection
// that authenticates is a valid login. A user whose ACL rules deny PING
// is still a valid login (NOPERM comes after AUTH succeeded).
func (c *Console) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ip := remoteIP(r)
	if !c.limiter.allow(ip) {
		writeError(w, http.StatusTooManyRequests, "too many failed logins; wait a minute")
		return
	}
	user := strings.TrimSpace(req.Username)
	if user == "default" && req.Password != "" {
		user = "" // AUTH <password> works with requirepass and with ACL alike
	}
	opts := c.redisOptions(user, req.Password, 0)
	opts.PoolSize = 1
	opts.MaxRetries = 0
	cl := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	err := cl.Ping(ctx).Err()
	cancel()
	cl.Close()
	if err != nil && !strings.HasPrefix(err.Error(), "NOPERM") {
		msg := err.Error()
		status := http.StatusUnauthorized
		var re redis.Error
		if !errors.As(err, &re) {
			status = http.StatusBadGateway
			msg = "cannot reach Redis at " + c.cfg.RedisAddr + ": " + msg
		} else {
			c.limiter.fail(ip)
		}
		c.cfg.Logf("console: failed login for user %q from %s: %s", displayUser(user), ip, firstWord(msg))
		writeError(w, status, msg)
		return
	}
	// A fresh session id on every login (no fixation); the old one ends.
	if old := c.sessionFrom(r); old != nil {
		c.sessions.remove(old)
	}
	s := c.sessions.create(user, req.Password)
	s.getSampler().want() // the overview's charts start filling now
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: s.id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	c.cfg.Logf("console: user %q logged in from %s", displayUser(user), ip)
	writeJSON(w, http.StatusOK, c.sessionInfo(s))
}

func displayUser(u string) string {
	if u == "" {
		return "default"
	}
	return u
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}

type sessionInfo struct {
	User      string     `json:"user"`
	CSRF      string     `json:"csrf"`
	Redis     string     `json:"redis"`
	Version   string     `json:"version"`
	Databases []Database `json:"databases"`
}

func (c *Console) sessionInfo(s *session) sessionInfo {
	dbs := c.cfg.Databases
	if dbs == nil {
		dbs = []Database{}
	}
	return sessionInfo{User: displayUser(s.user), CSRF: s.csrf, Redis: c.cfg.RedisAddr, Version: c.cfg.Version, Databases: dbs}
}

// handleSession tells the page whether it is logged in, and gives it the
// CSRF token (readable only by same-origin scripts).
func (c *Console) handleSession(w http.ResponseWriter, r *http.Request) {
	s := c.sessionFrom(r)
	if s == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "login required", "version": c.cfg.Version})
		return
	}
	s.touch()
	writeJSON(w, http.StatusOK, c.sessionInfo(s))
}

func (c *Console) handleLogout(w http.ResponseWriter, r *http.Request, s *session) {
	c.sessions.remove(s)
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func remoteIP(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}

// loginLimiter slows password guessing: at most 10 failed logins per
// client address per minute.
type loginLimiter struct {
	mu     sync.Mutex
	window time.Time
	fails  map[string]int
}

func newLoginLimiter() *loginLimiter { return &loginLimiter{fails: map[string]int{}} }

const maxFailsPerMinute = 10

func (l *loginLimiter) roll() {
	if now := time.Now(); now.Sub(l.window) > time.Minute {
		l.window = now
		clear(l.fails)
	}
}

func (l *loginLimiter) allow(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll()
	return l.fails[ip] < maxFailsPerMinute
}

func (l *loginLimiter) fail(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll()
	l.fails[ip]++
}
