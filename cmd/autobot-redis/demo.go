package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/autobot-ai/autobot-redis/redismanager"
)

const demoUsage = `Usage: autobot-redis demo [--listen ADDR] [--config FILE] [--data DIR]

A small AutoBot-style backend on the data layer (package redismanager),
exercising its six stores over HTTP. Without AUTOBOT_REDIS_ADDR it runs
the embedded server with its data in --data; set AUTOBOT_REDIS_ADDR (or
AUTOBOT_REDIS_CLUSTER_ADDRS) to use an external Redis, Valkey or cluster.

  POST   /api/sessions                  {"user_id","data"}       create a session (DB 0)
  GET    /api/sessions/{id}                                      read it (sliding TTL)
  DELETE /api/sessions/{id}                                      revoke it
  PUT    /api/users/{id}                {"name","email"}         user profile (DB 0)
  GET    /api/users/{id}                                         profile
  GET    /api/users/{id}/sessions                                the user's sessions
  POST   /api/chat/sessions             {"user_id","title"}      start a conversation (DB 1)
  POST   /api/chat/sessions/{id}/messages {"role","content"}     append (rate limited: 30/min)
  GET    /api/chat/sessions/{id}/messages?before=&limit=         page through history
  DELETE /api/chat/sessions/{id}                                 delete with its messages
  GET    /api/users/{id}/chats                                   recent conversations
  POST   /api/kb/documents              {"id","title","tags","content"}  ingest (DB 2)
  DELETE /api/kb/documents/{id}
  GET    /api/kb/search?q=&k=&tags=                              semantic search (cached 30 s, DB 3)
  GET    /api/kb/keyword?q=&k=                                   keyword search
  GET    /api/kb/tags?q=api+AND+guide                            tag query
  GET    /api/ws/connect?user_id=                                event stream; registers a connection (DB 4)
  POST   /api/ws/send                   {"user_id","message"}    deliver to all of a user's connections
  POST   /api/jobs/{queue}              {"payload","priority","delay_ms"}  enqueue (DB 5)
  GET    /api/jobs/{queue}/stats
  GET    /api/job/{id}
  POST   /api/chat/sessions/{id}/index                           job: index the conversation into the KB
  GET    /api/system/health                                      health report (cached 5 s)

Every response carries X-RateLimit-* headers; the default limit is 600
requests per minute per caller.
`

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8001", "HTTP listen address")
	cfgFile := fs.String("config", "", "data-layer configuration file (name = value lines)")
	dataDir := fs.String("data", "", "embedded server data directory (default: data)")
	fs.Usage = func() { fmt.Fprint(stderr, demoUsage) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cfg, err := redismanager.LoadConfig()
	if err == nil && *cfgFile != "" {
		err = cfg.ApplyFile(*cfgFile)
		if err == nil {
			err = cfg.ApplyEnv()
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	m, err := redismanager.Open(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer m.Close()
	d, err := newDemo(ctx, m)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	srv := &http.Server{Handler: d.handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "autobot-redis demo: http://%s (data layer: %s at %s)\n", ln.Addr(), m.Mode(), m.Addr())
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, err)
		return 1
	}
	d.wait()
	return 0
}

// demo is the example backend.
type demo struct {
	m       *redismanager.Manager
	streams *streams
	workers chan struct{}
}

// streams hands WebSocket-store deliveries to the event streams open in
// this process.
type streams struct {
	reg chan streamReg
	msg chan streamMsg
}

type streamReg struct {
	conn string
	ch   chan []byte // nil unregisters
}

type streamMsg struct {
	conn string
	data []byte
}

func newStreams(ctx context.Context) *streams {
	s := &streams{reg: make(chan streamReg), msg: make(chan streamMsg, 256)}
	go func() {
		open := map[string]chan []byte{}
		for {
			select {
			case <-ctx.Done():
				return
			case r := <-s.reg:
				if r.ch == nil {
					delete(open, r.conn)
				} else {
					open[r.conn] = r.ch
				}
			case m := <-s.msg:
				if ch := open[m.conn]; ch != nil {
					select {
					case ch <- m.data:
					default: // a slow reader drops messages
					}
				}
			}
		}
	}()
	return s
}

func newDemo(ctx context.Context, m *redismanager.Manager) (*demo, error) {
	d := &demo{m: m, streams: newStreams(ctx), workers: make(chan struct{})}
	if err := m.WebSockets().Listen(ctx, func(conn string, data []byte) {
		select {
		case d.streams.msg <- streamMsg{conn, data}:
		case <-ctx.Done():
		}
	}); err != nil {
		return nil, err
	}
	// Background work: the job worker, and sweeping stale connections.
	go func() {
		defer close(d.workers)
		m.Jobs().Work(ctx, "demo", d.runJob, redismanager.WorkerOptions{Concurrency: 2})
	}()
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.WebSockets().Sweep(ctx)
			}
		}
	}()
	return d, nil
}

func (d *demo) wait() { <-d.workers }

// runJob handles the demo queue's jobs.
func (d *demo) runJob(ctx context.Context, job *redismanager.Job) error {
	var p struct {
		Kind          string `json:"kind"`
		ChatSessionID string `json:"chat_session_id"`
	}
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return err
	}
	switch p.Kind {
	case "index_chat":
		// Turn a conversation into a knowledge-base document.
		var sb strings.Builder
		var before int64
		for {
			page, err := d.m.Chat().History(ctx, p.ChatSessionID, before, 100)
			if err != nil {
				return err
			}
			for _, msg := range page.Messages {
				fmt.Fprintf(&sb, "%s: %s\n", msg.Role, msg.Content)
			}
			if before = page.Next; before == 0 {
				break
			}
		}
		_, err := d.m.KB().Ingest(ctx, redismanager.Document{ID: "chat_" + p.ChatSessionID, Title: "Conversation " + p.ChatSessionID,
			Type: "chat", Tags: []string{"chat"}, Content: sb.String()})
		return err
	case "", "noop":
		return nil
	}
	return fmt.Errorf("unknown job kind %q", p.Kind)
}

func (d *demo) handler() http.Handler {
	mux := http.NewServeMux()
	m := d.m
	mux.HandleFunc("POST /api/sessions", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			UserID string         `json:"user_id"`
			Data   map[string]any `json:"data"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		s, err := m.Sessions().Create(r.Context(), in.UserID, in.Data)
		reply(w, http.StatusCreated, map[string]any{"id": s0(s).ID, "user_id": in.UserID, "ttl_seconds": int(m.Sessions().TTL().Seconds())}, err)
	})
	mux.HandleFunc("GET /api/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		s, err := m.Sessions().Get(r.Context(), r.PathValue("id"))
		reply(w, http.StatusOK, s, err)
	})
	mux.HandleFunc("DELETE /api/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusNoContent, nil, m.Sessions().Revoke(r.Context(), r.PathValue("id")))
	})
	mux.HandleFunc("PUT /api/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Name, Email string }
		if !readJSON(w, r, &in) {
			return
		}
		err := m.Users().Put(r.Context(), redismanager.User{ID: r.PathValue("id"), Name: in.Name, Email: in.Email})
		reply(w, http.StatusNoContent, nil, err)
	})
	mux.HandleFunc("GET /api/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		u, err := m.Users().Get(r.Context(), r.PathValue("id"))
		reply(w, http.StatusOK, u, err)
	})
	mux.HandleFunc("GET /api/users/{id}/sessions", func(w http.ResponseWriter, r *http.Request) {
		list, err := m.Sessions().List(r.Context(), r.PathValue("id"))
		reply(w, http.StatusOK, list, err)
	})
	mux.HandleFunc("POST /api/chat/sessions", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			UserID string `json:"user_id"`
			Title  string `json:"title"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		s, err := m.Chat().CreateSession(r.Context(), redismanager.ChatSession{UserID: in.UserID, Title: in.Title})
		reply(w, http.StatusCreated, s, err)
	})
	mux.HandleFunc("POST /api/chat/sessions/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		var in redismanager.Message
		if !readJSON(w, r, &in) {
			return
		}
		s, err := m.Chat().Append(r.Context(), r.PathValue("id"), in)
		reply(w, http.StatusCreated, s, err)
	})
	mux.HandleFunc("GET /api/chat/sessions/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		p, err := m.Chat().History(r.Context(), r.PathValue("id"), before, limit)
		reply(w, http.StatusOK, p, err)
	})
	mux.HandleFunc("DELETE /api/chat/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusNoContent, nil, m.Chat().DeleteSession(r.Context(), r.PathValue("id")))
	})
	mux.HandleFunc("GET /api/users/{id}/chats", func(w http.ResponseWriter, r *http.Request) {
		list, err := m.Chat().RecentSessions(r.Context(), r.PathValue("id"), 20)
		reply(w, http.StatusOK, list, err)
	})
	mux.HandleFunc("POST /api/chat/sessions/{id}/index", func(w http.ResponseWriter, r *http.Request) {
		payload, _ := json.Marshal(map[string]string{"kind": "index_chat", "chat_session_id": r.PathValue("id")})
		job, err := m.Jobs().Enqueue(r.Context(), "demo", payload, redismanager.EnqueueOptions{})
		reply(w, http.StatusAccepted, job, err)
	})
	mux.HandleFunc("POST /api/kb/documents", func(w http.ResponseWriter, r *http.Request) {
		var in redismanager.Document
		if !readJSON(w, r, &in) {
			return
		}
		info, err := m.KB().Ingest(r.Context(), in)
		reply(w, http.StatusCreated, info, err)
	})
	mux.HandleFunc("DELETE /api/kb/documents/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusNoContent, nil, m.KB().Delete(r.Context(), r.PathValue("id")))
	})
	search := func(keyword bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			k, _ := strconv.Atoi(q.Get("k"))
			opts := redismanager.SearchOptions{Limit: k, Tags: q.Get("tags")}
			var res []redismanager.SearchResult
			var err error
			if keyword {
				res, err = m.KB().KeywordSearch(r.Context(), q.Get("q"), opts)
			} else {
				res, err = m.KB().Search(r.Context(), q.Get("q"), opts)
			}
			reply(w, http.StatusOK, res, err)
		}
	}
	mux.HandleFunc("GET /api/kb/search", search(false))
	mux.HandleFunc("GET /api/kb/keyword", search(true))
	mux.HandleFunc("GET /api/kb/tags", func(w http.ResponseWriter, r *http.Request) {
		ids, err := m.KB().FindByTags(r.Context(), r.URL.Query().Get("q"))
		reply(w, http.StatusOK, ids, err)
	})
	mux.HandleFunc("GET /api/ws/connect", d.connect)
	mux.HandleFunc("POST /api/ws/send", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			UserID  string          `json:"user_id"`
			Message json.RawMessage `json:"message"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		n, err := m.WebSockets().DeliverToUser(r.Context(), in.UserID, in.Message)
		if n > 0 {
			err = nil // reached at least one connection
		}
		reply(w, http.StatusOK, map[string]int{"delivered": n}, err)
	})
	mux.HandleFunc("POST /api/jobs/{queue}", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Payload  json.RawMessage `json:"payload"`
			Priority int             `json:"priority"`
			DelayMs  int             `json:"delay_ms"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		job, err := m.Jobs().Enqueue(r.Context(), r.PathValue("queue"), in.Payload,
			redismanager.EnqueueOptions{Priority: redismanager.Priority(in.Priority), Delay: time.Duration(in.DelayMs) * time.Millisecond})
		reply(w, http.StatusAccepted, job, err)
	})
	mux.HandleFunc("GET /api/jobs/{queue}/stats", func(w http.ResponseWriter, r *http.Request) {
		st, err := m.Jobs().Stats(r.Context(), r.PathValue("queue"))
		reply(w, http.StatusOK, st, err)
	})
	mux.HandleFunc("GET /api/job/{id}", func(w http.ResponseWriter, r *http.Request) {
		job, err := m.Jobs().Get(r.Context(), r.PathValue("id"))
		reply(w, http.StatusOK, job, err)
	})
	mux.HandleFunc("GET /api/system/health", func(w http.ResponseWriter, r *http.Request) {
		h := m.Health(r.Context())
		status := http.StatusOK
		if !h.Healthy {
			status = http.StatusServiceUnavailable
		}
		reply(w, status, h, nil)
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, demoUsage)
	})
	// The API cache (DB 3) in front of the read-heavy routes, and the
	// rate limiter (DB 3) in front of everything.
	cached := m.Cache().Middleware(redismanager.CacheOptions{
		DefaultTTL: -1,
		Routes: []redismanager.CacheRoute{
			{Prefix: "/api/kb/search", TTL: 30 * time.Second},
			{Prefix: "/api/system/health", TTL: 5 * time.Second},
		},
	})(mux)
	return m.RateLimiter().Middleware(redismanager.RateLimitOptions{
		Default: redismanager.RateLimit{Limit: 600, Window: time.Minute},
		Routes: []redismanager.RouteLimit{
			{Prefix: "/api/chat/sessions/", Limit: redismanager.RateLimit{Limit: 30, Window: time.Minute, Sliding: true}},
			{Prefix: "/api/ws/connect", Limit: redismanager.RateLimit{}},
		},
	})(cached)
}

// connect is a server-sent event stream standing in for a WebSocket (the
// standard library has no WebSocket server): it registers a connection
// in the WebSocket store, heartbeats it, and forwards messages delivered
// to it, from this or any other instance.
func (d *demo) connect(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	user := r.URL.Query().Get("user_id")
	conn, err := d.m.WebSockets().Register(ctx, redismanager.Connection{UserID: user, SessionID: r.URL.Query().Get("session_id")})
	if err != nil {
		reply(w, 0, nil, err)
		return
	}
	defer d.m.WebSockets().Unregister(context.WithoutCancel(ctx), conn.ID)
	ch := make(chan []byte, 16)
	d.streams.reg <- streamReg{conn.ID, ch}
	defer func() { d.streams.reg <- streamReg{conn.ID, nil} }()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	fmt.Fprintf(w, "event: connected\ndata: {\"connection_id\":%q}\n\n", conn.ID)
	rc.Flush()
	beat := time.NewTicker(20 * time.Second)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			if err := d.m.WebSockets().Heartbeat(ctx, conn.ID); errors.Is(err, redismanager.ErrNotFound) {
				d.m.WebSockets().Register(ctx, *conn) // swept meanwhile: come back
			}
			io.WriteString(w, ": ping\n\n")
			rc.Flush()
		case msg := <-ch:
			fmt.Fprintf(w, "event: message\ndata: %s\n\n", strings.ReplaceAll(string(msg), "\n", "\ndata: "))
			rc.Flush()
		}
	}
}

func s0(s *redismanager.Session) *redismanager.Session {
	if s == nil {
		return &redismanager.Session{}
	}
	return s
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(v); err != nil {
		reply(w, 0, nil, fmt.Errorf("bad JSON body: %w", err))
		return false
	}
	return true
}

// reply writes v as JSON with status, or the error with a status that
// fits it.
func reply(w http.ResponseWriter, status int, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		code := http.StatusInternalServerError
		switch {
		case errors.Is(err, redismanager.ErrNotFound):
			code = http.StatusNotFound
		case errors.Is(err, redismanager.ErrInvalidID), errors.Is(err, redismanager.ErrDuplicateJob), strings.HasPrefix(err.Error(), "bad JSON"):
			code = http.StatusBadRequest
		case errors.Is(err, redismanager.ErrUnavailable):
			code = http.StatusServiceUnavailable
		}
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
