package redismanager

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Manager owns the connections to the six databases and hands out the
// typed stores. It is safe for concurrent use; create one per process
// with Open and Close it on shutdown.
type Manager struct {
	cfg        *Config
	mode       Mode
	addr       string // what the clients connect to (the embedded server's listener in embedded mode)
	namespaced bool
	dbs        [numDBs]*dbConn
	breaker    *breaker
	sealer     *sealer
	embedded   *embeddedServer

	closed    atomic.Bool
	closeOnce sync.Once
	stop      chan struct{}
	wg        sync.WaitGroup
	health    atomic.Pointer[HealthReport]

	storesMu  sync.Mutex
	sessions  *SessionStore
	users     *UserStore
	chat      *ChatStore
	kb        *KnowledgeBase
	cache     *APICache
	limiter   *RateLimiter
	ws        *WebSocketStore
	jobs      *JobStore
	closers   []func()
	embedder  Embedder
	embedErr  error
	embedOnce sync.Once
}

// dbConn is one logical database: a guarded client and its counters.
type dbConn struct {
	db    DB
	ks    *keyspace
	c     redis.UniversalClient
	stats dbStats
}

// Open connects to the backend the configuration selects (starting the
// embedded server when no address is configured), checks that Redis
// answers (waiting while it is LOADING) and starts the background health
// check. cfg may be nil: LoadConfig is used then.
func Open(ctx context.Context, cfg *Config) (*Manager, error) {
	if cfg == nil {
		c, err := LoadConfig()
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	c := *cfg // the Manager owns its copy
	if err := c.validate(); err != nil {
		return nil, err
	}
	s, err := newSealer(c.EncryptionKey)
	if err != nil {
		return nil, fmt.Errorf("redismanager: %w", err)
	}
	m := &Manager{cfg: &c, mode: c.mode(), sealer: s, stop: make(chan struct{}),
		breaker: newBreaker(c.BreakerThreshold, c.BreakerCooldown)}
	m.namespaced = m.mode == ModeCluster || c.Namespaced
	tlsConf, err := c.tlsConfig()
	if err != nil {
		return nil, fmt.Errorf("redismanager: %w", err)
	}
	switch m.mode {
	case ModeEmbedded:
		e, err := startEmbedded(&c)
		if err != nil {
			return nil, fmt.Errorf("redismanager: embedded server: %w", err)
		}
		m.embedded = e
		m.addr = e.addr
		tlsConf = nil
	case ModeStandalone:
		m.addr = c.Addr
	case ModeCluster:
		m.addr = fmt.Sprint(c.ClusterAddrs)
	}
	for i := range m.dbs {
		db := DB(i)
		ks := newKeyspace(db, m.namespaced)
		var cl redis.UniversalClient
		if m.mode == ModeCluster {
			cl = redis.NewClusterClient(&redis.ClusterOptions{
				Addrs: c.ClusterAddrs, Username: c.Username, Password: c.Password, TLSConfig: tlsConf,
				DialTimeout: c.ConnectTimeout, ReadTimeout: c.SocketTimeout, WriteTimeout: c.SocketTimeout,
				MaxRetries: -1, PoolSize: c.PoolSize, ContextTimeoutEnabled: true, DisableIdentity: true,
				MinRetryBackoff: c.RetryBackoffMin, MaxRetryBackoff: c.RetryBackoffMax,
			})
		} else {
			n := i
			if m.namespaced {
				n = 0
			}
			cl = redis.NewClient(&redis.Options{
				Addr: m.addr, DB: n, Username: c.Username, Password: c.Password, TLSConfig: tlsConf,
				DialTimeout: c.ConnectTimeout, ReadTimeout: c.SocketTimeout, WriteTimeout: c.SocketTimeout,
				MaxRetries: -1, PoolSize: c.PoolSize, ContextTimeoutEnabled: true, DisableIdentity: true,
			})
		}
		cl.AddHook(newGuard(ks))
		m.dbs[i] = &dbConn{db: db, ks: ks, c: cl}
	}
	if err := m.waitReady(ctx); err != nil {
		m.Close()
		return nil, err
	}
	if c.HealthCheckInterval > 0 {
		m.wg.Add(1)
		go m.healthLoop(c.HealthCheckInterval)
	}
	return m, nil
}

// waitReady pings every database once, through the retry policy (so it
// waits through LOADING and retries failed dials).
func (m *Manager) waitReady(ctx context.Context) error {
	for _, d := range m.dbs {
		err := m.run(ctx, d, idempotent, func(ctx context.Context) error {
			return d.c.Ping(ctx).Err()
		})
		if err != nil {
			return opErr("manager", fmt.Sprintf("connect to %s (%s db %d)", m.addr, m.mode, int(d.db)), err)
		}
	}
	return nil
}

// Close stops the background work, the stores' subscriptions, the
// connections and, in embedded mode, the server (which saves its data
// first). It is safe to call more than once.
func (m *Manager) Close() error {
	var errs []error
	m.closeOnce.Do(func() {
		close(m.stop)
		m.storesMu.Lock()
		closers := m.closers
		m.closers = nil
		m.storesMu.Unlock()
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		m.closed.Store(true)
		m.wg.Wait()
		for _, d := range m.dbs {
			if d != nil {
				if err := d.c.Close(); err != nil {
					errs = append(errs, err)
				}
			}
		}
		if m.embedded != nil {
			if err := m.embedded.close(); err != nil {
				errs = append(errs, err)
			}
		}
	})
	return errors.Join(errs...)
}

// onClose registers cleanup to run first in Close.
func (m *Manager) onClose(fn func()) {
	m.storesMu.Lock()
	m.closers = append(m.closers, fn)
	m.storesMu.Unlock()
}

// Mode reports the backend in use.
func (m *Manager) Mode() Mode { return m.mode }

// Addr is the address the clients connect to: the embedded server's
// loopback listener, the standalone server, or the cluster seeds.
func (m *Manager) Addr() string { return m.addr }

// Namespaced reports whether logical databases are key namespaces (always
// on a cluster) rather than numbered databases.
func (m *Manager) Namespaced() bool { return m.namespaced }

// Encrypted reports whether client-side encryption is on.
func (m *Manager) Encrypted() bool { return m.sealer != nil }

// InstanceID is this process's name for WebSocket routing.
func (m *Manager) InstanceID() string { return m.cfg.InstanceID }

// Config returns a copy of the configuration in effect.
func (m *Manager) Config() Config { return *m.cfg }

// Client returns the guarded go-redis client of one database, for
// operations the stores do not offer. Every command sent through it is
// checked against the database's key layouts (see Schema) and refused if a
// key does not fit; in namespaced mode keys must carry the namespace (use
// Key to build them).
func (m *Manager) Client(db DB) redis.UniversalClient {
	return m.conn(db).c
}

// Key renders a key of db from one of its layouts in Schema (for example
// Key(DBSessions, "user:<id>", "123")), adding the namespace and hash tag
// in namespaced mode.
func (m *Manager) Key(db DB, layout string, values ...string) string {
	return m.conn(db).ks.key(layout, values...)
}

func (m *Manager) conn(db DB) *dbConn {
	if db < 0 || int(db) >= len(m.dbs) {
		panic(fmt.Sprintf("redismanager: no database %d", int(db)))
	}
	return m.dbs[db]
}

// now is the clock of the stores.
func now() time.Time { return time.Now() }
