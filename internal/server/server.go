// Package server is the network side of autobot-redis: listeners, client
// connections, the command execution pipeline and its hooks (propagation,
// notifications, WATCH, blocked clients, statistics), and the commands
// that are about connections and the server itself rather than data.
//
// Concurrency model: one goroutine per connection reads a batch of
// pipelined commands, takes the server's single lock, executes the whole
// batch, releases the lock and writes all replies with one syscall. The
// lock makes every command atomic, as in Redis; it is never held during
// network I/O. Output destined to a client from elsewhere (pub/sub,
// MONITOR, serving a blocked client) is appended to that client's buffer
// under the same lock and the client's goroutine is woken to write it.
package server

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/commands"
	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// Version is the Redis version we report (INFO, HELLO): clients use it to
// decide which commands they may send, and we implement 7.0's.
const Version = "7.0.15"

// ErrServerClosed is returned by Wait after a clean shutdown.
var ErrServerClosed = errors.New("server: closed")

// Server is one Redis-compatible server instance.
type Server struct {
	mu   sync.Mutex // the big lock: keyspace, clients, registries, stats
	cfg  *config.Config
	ks   *keyspace.Keyspace
	cmds *command.Table
	log  *logger

	listeners []net.Listener
	clients   map[int64]*client
	nextID    int64
	runID     string
	started   time.Time
	configHz  int

	stats         stats
	startupMemory int64
	memLimitSet   bool
	clock         cmdClock
	replID        string
	dirty         int64 // changes since the last successful save
	lastSave      time.Time

	blocked *blockRegistry
	ready   []readyKey
	watched watchRegistry
	pubsub  pubsubRegistry

	// idleTimeoutSec mirrors cfg.Timeout for connection goroutines,
	// which read it without the lock.
	idleTimeoutSec atomic.Int64

	cat         *command.Catalog
	settings    command.Settings
	propagators []Propagator
	infoExtra   []infoSection
	// Extension points (extend.go).
	checks        []CommandCheck
	crons         []func(now time.Time)
	infoOverride  map[string]infoSection
	infoTitles    map[string]string
	shutdownHooks []func(save *bool, force bool) error
	batchHooks    []func()
	slowlog       slowlog
	latency       latencyMonitor
	hists         []*histogram // per command ID
	monitors      []*client
	tracking      trackingTable
	pause         pauseState
	pausedClients []*client
	// userLookup answers whether an ACL user exists (CLIENT KILL USER);
	// the ACL layer installs it.
	userLookup func(name string) bool
	aclState   *aclState // access control (acl.go)
	// connChecks vet a new connection under the lock; a non-empty
	// result is written to it (a whole RESP reply) before closing it.
	connChecks []func(conn net.Conn) string
	// Scripting: the running script, whether it passed the busy
	// threshold, and whether SCRIPT/FUNCTION KILL asked it to stop.
	script       *ScriptRun
	scripting    Scripting // the engine, for persistence and INFO (nil: none)
	busy         bool
	killScript   bool
	scriptChecks []CommandCheck
	// curClient is the client whose command is executing, for hooks that
	// need to know who caused a change (tracking's NOLOOP).
	curClient *client
	debugSubs map[string]DebugHandler

	shutdownCh chan struct{}
	closeOnce  sync.Once
	wg         sync.WaitGroup
	cronStop   chan struct{}
	exitErr    error
}

// Estimated sizes for used_memory_startup.
const (
	emptyDBSize      = 2 * 200 // two empty dicts
	commandEntrySize = 512     // a command's spec, docs and stats
	baseServerSize   = 64 << 10
)

// Propagator receives the effects of write commands in execution order:
// the AOF and replication register one. Feed is called under the server
// lock and must not block; it copies what it needs.
type Propagator interface {
	Feed(db int, args [][]byte)
}

// New builds a server from cfg without opening any socket yet.
func New(cfg *config.Config) (*Server, error) {
	if cfg == nil {
		cfg = config.Default()
	}
	s := &Server{
		cfg:        cfg,
		ks:         keyspace.New(cfg.Databases),
		cmds:       command.NewTable(),
		clients:    map[int64]*client{},
		runID:      randomHex(20),
		started:    time.Now(),
		lastSave:   time.Now(),
		blocked:    newBlockRegistry(),
		watched:    watchRegistry{},
		pubsub:     newPubsubRegistry(),
		shutdownCh: make(chan struct{}),
		infoTitles: map[string]string{},
		cronStop:   make(chan struct{}),
	}
	log, err := newLogger(cfg.LogFile, cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	s.log = log
	s.clock.reset(time.Now())
	s.replID = randomHex(20)
	s.idleTimeoutSec.Store(int64(cfg.Timeout))
	s.ks.SetEvents(s)
	s.applyKeyspaceConfig()
	commands.Register(s.cmds)
	s.registerCommands()
	if err := s.setupACL(); err != nil {
		return nil, err
	}
	// used_memory_startup: the server's own structures before any data.
	// It must not be read off the Go heap, which is shared with whatever
	// else runs in the process (an embedding program, other test servers).
	s.startupMemory = int64(cfg.Databases)*emptyDBSize + int64(len(s.cmds.All()))*commandEntrySize + baseServerSize
	s.applyMemoryLimit()
	for _, rc := range cfg.RenameCommands {
		if err := s.cmds.Rename(rc.From, rc.To); err != nil {
			return nil, fmt.Errorf("rename-command %s: %w", rc.From, err)
		}
	}
	return s, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// applyKeyspaceConfig pushes the config values the keyspace and the
// command handlers read.
func (s *Server) applyKeyspaceConfig() {
	c := s.cfg
	s.settings.Limits = types.Limits{
		HashMaxListpackEntries: c.HashMaxListpackEntries,
		HashMaxListpackValue:   c.HashMaxListpackValue,
		SetMaxIntsetEntries:    c.SetMaxIntsetEntries,
		ZsetMaxListpackEntries: c.ZsetMaxListpackEntries,
		ZsetMaxListpackValue:   c.ZsetMaxListpackValue,
		ListMaxListpackSize:    c.ListMaxListpackSize,
	}
	s.settings.StreamNode = types.StreamNodeLimits{MaxBytes: c.StreamNodeMaxBytes, MaxEntries: c.StreamNodeMaxEntries}
	s.settings.ProtoMaxBulkLen = c.ProtoMaxBulkLen
	s.ks.SharedIntegers = c.MaxMemory == 0 || !(strings.Contains(c.MaxMemoryPolicy, "lru") || strings.Contains(c.MaxMemoryPolicy, "lfu"))
	p := s.cfg.MaxMemoryPolicy
	s.ks.LFU = strings.HasSuffix(p, "-lfu")
	s.ks.LFULogFactor = s.cfg.LFULogFactor
	s.ks.LFUDecayTime = s.cfg.LFUDecayTime
}

// Config returns the server's configuration. Callers must hold no
// assumptions about concurrent changes: use it under Do.
func (s *Server) Config() *config.Config { return s.cfg }

// Do runs fn with the server lock held, for embedders and tests that
// need a consistent view of the keyspace.
func (s *Server) Do(fn func(ks *keyspace.Keyspace)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.ks)
}

// AddPropagator registers a consumer of write effects.
func (s *Server) AddPropagator(p Propagator) {
	s.mu.Lock()
	s.propagators = append(s.propagators, p)
	s.mu.Unlock()
}

// Start opens the configured listeners and starts serving in the
// background. A port of 0 opens no TCP listener (as in Redis); embedders
// and tests pass their own listener to Serve instead.
func (s *Server) Start() error {
	var tlsConf *tls.Config
	if s.cfg.TLSPort != 0 {
		tc, err := s.buildTLSConfig()
		if err != nil {
			return err
		}
		tlsConf = tc
	}
	for _, port := range []int{s.cfg.Port, s.cfg.TLSPort} {
		if port == 0 {
			continue
		}
		ls, err := s.listenAll(port)
		if err != nil {
			s.closeListeners()
			return err
		}
		if port == s.cfg.TLSPort && tlsConf != nil {
			for i, l := range ls {
				ls[i] = tls.NewListener(l, tlsConf)
			}
		}
		s.listeners = append(s.listeners, ls...)
	}
	if s.cfg.PidFile != "" {
		if err := os.WriteFile(s.cfg.PidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			s.log.warning("Failed to write PID file %s: %v", s.cfg.PidFile, err)
		}
	}
	for _, l := range s.listeners {
		s.wg.Add(1)
		go s.acceptLoop(l)
	}
	s.wg.Add(1)
	go s.cron()
	s.log.notice("Ready to accept connections")
	return nil
}

// listenAll opens port on every bind address; addresses with a "-"
// prefix are optional, as in Redis.
func (s *Server) listenAll(port int) ([]net.Listener, error) {
	addrs := s.cfg.Bind
	if len(addrs) == 0 {
		addrs = []string{"*", "-::*"}
	}
	var out []net.Listener
	for _, a := range addrs {
		optional := strings.HasPrefix(a, "-")
		a = strings.TrimPrefix(a, "-")
		host := a
		switch a {
		case "*":
			host = "0.0.0.0"
		case "::*":
			host = "::"
		}
		network := "tcp4"
		if strings.Contains(host, ":") {
			network = "tcp6"
		}
		l, err := net.Listen(network, net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			if optional {
				s.log.warning("Could not bind to optional address %s: %v", a, err)
				continue
			}
			for _, o := range out {
				o.Close()
			}
			return nil, fmt.Errorf("listen on %s port %d: %w", a, port, err)
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("could not bind to any of %v on port %d", addrs, port)
	}
	return out, nil
}

// Serve accepts connections on l until the server shuts down. It is how
// tests and embedders use a listener of their own (e.g. port 0).
func (s *Server) Serve(l net.Listener) {
	s.mu.Lock()
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	s.wg.Add(1)
	s.acceptLoop(l)
}

// Addr returns the address of the first listener, or "".
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.listeners) == 0 {
		return ""
	}
	return s.listeners[0].Addr().String()
}

func (s *Server) acceptLoop(l net.Listener) {
	defer s.wg.Done()
	for {
		conn, err := l.Accept()
		if err != nil {
			select {
			case <-s.shutdownCh:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.warning("Accepting client connection: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.accept(conn)
	}
}

func (s *Server) accept(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
		if ka := s.cfg.TCPKeepalive; ka > 0 {
			_ = tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: time.Duration(ka) * time.Second, Interval: time.Duration(ka) * time.Second / 3, Count: 3})
		}
	}
	s.mu.Lock()
	select {
	case <-s.shutdownCh:
		s.mu.Unlock()
		conn.Close()
		return
	default:
	}
	if len(s.clients) >= s.cfg.MaxClients {
		s.stats.rejectedConns++
		s.mu.Unlock()
		// Redis answers before closing so the client sees why.
		_, _ = conn.Write([]byte("-ERR max number of clients reached\r\n"))
		conn.Close()
		return
	}
	for _, check := range s.connChecks {
		if msg := check(conn); msg != "" {
			s.stats.rejectedConns++
			s.mu.Unlock()
			// Best effort, off the accept loop: a TLS handshake or a
			// peer that does not read must not stall accepting.
			go func() {
				_ = conn.SetDeadline(time.Now().Add(time.Second))
				_, _ = conn.Write([]byte(msg))
				conn.Close()
			}()
			return
		}
	}
	c := s.newClient(conn)
	s.stats.connections++
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		c.serve()
	}()
}

// runShutdownHooks lets subsystems save and close before the server
// stops. Lock held.
func (s *Server) runShutdownHooks(save *bool, force bool) error {
	var first error
	for _, h := range s.shutdownHooks {
		if err := h(save, force); err != nil {
			s.log.warning("Shutdown step failed: %v", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// Shutdown is a graceful stop, as on SIGTERM: subsystems save first, and
// if that fails the server keeps running (like Redis, which refuses to
// exit rather than lose data) and the error is returned.
func (s *Server) Shutdown() error {
	s.mu.Lock()
	err := s.runShutdownHooks(nil, false)
	s.mu.Unlock()
	if err != nil {
		s.log.warning("Errors trying to shut down the server. Check the logs for more information.")
		return err
	}
	s.log.warning("Redis is now ready to exit, bye bye...")
	s.Stop()
	return nil
}

// Stop stops accepting, disconnects every client and stops the cron,
// without running shutdown hooks. Safe to call more than once.
func (s *Server) Stop() {
	s.closeOnce.Do(func() {
		close(s.shutdownCh)
		s.mu.Lock()
		s.closeListeners()
		for _, c := range s.clients {
			c.conn.Close()
		}
		s.mu.Unlock()
		close(s.cronStop)
		if s.cfg.PidFile != "" {
			os.Remove(s.cfg.PidFile)
		}
	})
}

func (s *Server) closeListeners() {
	for _, l := range s.listeners {
		l.Close()
	}
}

// Close runs the shutdown hooks (errors are logged, not fatal), stops the
// server and waits for every goroutine to finish.
func (s *Server) Close() error {
	select {
	case <-s.shutdownCh:
	default:
		s.mu.Lock()
		s.runShutdownHooks(nil, true)
		s.mu.Unlock()
	}
	s.Stop()
	s.wg.Wait()
	s.log.close()
	return nil
}

// Done is closed when the server starts shutting down (SHUTDOWN, signal).
func (s *Server) Done() <-chan struct{} { return s.shutdownCh }

// cron is the periodic housekeeping, hz times a second: active expiry,
// incremental rehashing, statistics sampling. Each step takes the lock
// for a bounded time so clients are never stalled for long.
func (s *Server) cron() {
	defer s.wg.Done()
	hz := s.cfg.Hz
	if hz <= 0 {
		hz = 10
	}
	tick := time.NewTicker(time.Second / time.Duration(hz))
	defer tick.Stop()
	for {
		select {
		case <-s.cronStop:
			return
		case now := <-tick.C:
			if s.scriptBusy() {
				continue // never touch the keyspace under a running script
			}
			// Redis gives the slow expire cycle 25% of a cron period; we
			// spend it in 1 ms slices, releasing the lock in between, so
			// a mass expiry never stalls clients for more than a slice.
			deadline := now.Add(time.Second / time.Duration(hz) / 4)
			cycleStart := time.Now()
			for {
				s.mu.Lock()
				t := time.Now()
				s.clock.reset(t)
				s.ks.SetNow(t.UnixMilli())
				_, more := s.ks.ActiveExpireCycle(time.Millisecond)
				s.mu.Unlock()
				if !more || time.Now().After(deadline) {
					break
				}
			}
			s.mu.Lock()
			if ms := time.Since(cycleStart).Milliseconds(); ms > 0 {
				s.latencyAdd("expire-cycle", ms)
			}
			if s.cfg.ActiveRehashing {
				for i := 0; i < s.ks.NumDBs(); i++ {
					s.ks.DB(i).RehashStep(100)
				}
			}
			s.sampleStats(now)
			s.checkPauseExpiry(now)
			for _, fn := range s.crons {
				fn(now)
			}
			s.mu.Unlock()
		}
	}
}

func (s *Server) scriptBusy() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busy
}

// Logf writes a notice-level line to the server log.
func (s *Server) Logf(format string, args ...any) { s.log.notice(format, args...) }
