package redismanager

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/server"
)

// Mode selects the backend.
type Mode string

const (
	// ModeAuto picks ModeCluster when ClusterAddrs is set, ModeStandalone
	// when Addr is set, and ModeEmbedded otherwise.
	ModeAuto Mode = ""
	// ModeEmbedded starts this repository's server in-process, keeping
	// its data in DataDir. Zero setup.
	ModeEmbedded Mode = "embedded"
	// ModeStandalone connects to one Redis or Valkey server at Addr and
	// uses its numbered databases 0-5 (or key namespaces with Namespaced).
	ModeStandalone Mode = "standalone"
	// ModeCluster connects to a Redis Cluster through ClusterAddrs. The
	// logical databases become key namespaces.
	ModeCluster Mode = "cluster"
)

// Config is the connection and store configuration. The zero value is
// not ready to use: start from DefaultConfig, LoadConfig or LoadEnv. The
// connection defaults mirror the seed's REDIS_CONFIG (2 s socket and
// connect timeouts, retry on timeout, a health check every 30 s).
type Config struct {
	Mode Mode

	// Addr is "host:port", or a redis:// or rediss:// URL (whose user,
	// password and TLS choice are used; a database number in the URL is
	// ignored because the schema fixes the numbers).
	Addr string
	// ClusterAddrs are seed nodes of a Redis Cluster.
	ClusterAddrs []string

	// Username is an ACL user; empty means "default". Password is the
	// requirepass or the ACL user's password.
	Username string
	Password string

	// TLS enables TLS. The files are PEM; TLSServerName overrides the
	// name checked in the server certificate. TLSConfig, when set in
	// code, is used as is and the other TLS fields are ignored.
	TLS                   bool
	TLSCAFile             string
	TLSCertFile           string
	TLSKeyFile            string
	TLSServerName         string
	TLSInsecureSkipVerify bool
	TLSConfig             *tls.Config

	// SocketTimeout bounds each read and write; ConnectTimeout bounds
	// dialing (both 2 s, like the seed).
	SocketTimeout  time.Duration
	ConnectTimeout time.Duration
	// RetryOnTimeout retries idempotent operations that failed with a
	// timeout or a dropped connection, up to MaxRetries times with
	// exponential backoff between RetryBackoffMin and RetryBackoffMax.
	// Operations that are not idempotent (INCR, LPUSH, ...) are retried
	// only when the command certainly never reached Redis (dial
	// failures, LOADING, TRYAGAIN).
	RetryOnTimeout  bool
	MaxRetries      int
	RetryBackoffMin time.Duration
	RetryBackoffMax time.Duration
	// LoadingTimeout is how long an operation waits while Redis answers
	// LOADING (it is loading its dataset after a restart).
	LoadingTimeout time.Duration
	// HealthCheckInterval is how often the background health check runs
	// (0 disables it); HealthTimeout bounds one health report.
	HealthCheckInterval time.Duration
	HealthTimeout       time.Duration
	// BreakerThreshold consecutive connectivity failures open the
	// circuit breaker; it stays open for BreakerCooldown (doubling while
	// probes keep failing, up to 30 s), then lets one probe through.
	BreakerThreshold int
	BreakerCooldown  time.Duration
	// PoolSize is the connection pool size per database (0: go-redis's
	// default, 10 per CPU).
	PoolSize int

	// Namespaced makes a standalone or embedded backend use key
	// namespaces in database 0 instead of the numbered databases, the
	// way a cluster does (for hosted Redis without SELECT). Cluster mode
	// always uses namespaces.
	Namespaced bool

	// DataDir is where the embedded server keeps its data ("data").
	DataDir string
	// EmbeddedAddr is the loopback address the embedded server listens
	// on ("127.0.0.1:0": a free port). Set a fixed port to inspect it
	// with redis-cli.
	EmbeddedAddr string

	// EncryptionKey (32 bytes, AES-256) enables client-side encryption of
	// the sensitive fields: session payloads, user names and emails, and
	// chat messages. From the environment it is given in base64 or hex,
	// or read from EncryptionKeyFile.
	EncryptionKey     []byte
	EncryptionKeyFile string

	// InstanceID names this process for WebSocket routing; default: host
	// name, process id and a random suffix.
	InstanceID string

	// Store settings.
	SessionTTL      time.Duration // session lifetime, refreshed on every read (24 h)
	ChatMaxMessages int           // messages kept per chat session (1000)
	ChatTTL         time.Duration // lifetime of an idle chat session; 0 keeps them
	CacheTTL        time.Duration // API cache TTL for routes without their own (60 s)
	WSRouteTTL      time.Duration // lifetime of ws:user_<id>:connection (2 h, as the seed)
	WSStaleAfter    time.Duration // a connection without heartbeat for this long is swept (90 s)
	JobLease        time.Duration // how long a worker holds a job between heartbeats (30 s)
	JobMaxAttempts  int           // attempts before a job goes to the dead-letter queue (5)
	JobBackoff      time.Duration // first retry delay, doubled per attempt (1 s)
	JobBackoffMax   time.Duration // retry delay cap (1 h)
	JobRetention    time.Duration // how long finished jobs stay readable (24 h)

	// Knowledge base embedder: "local" (built in, no network), "openai"
	// (any OpenAI-compatible /embeddings endpoint) or "ollama".
	Embedder       string
	EmbedURL       string
	EmbedModel     string
	EmbedAPIKey    string
	EmbedDim       int // vector size; 0: 256 for the local embedder, learned from a remote one
	KBChunkWords   int // words per chunk (200)
	KBChunkOverlap int // words shared by consecutive chunks (40)

	// embeddedHook lets tests adjust the embedded server before it starts.
	embeddedHook func(*server.Server)
}

// DefaultConfig returns the defaults: embedded backend, the seed's
// timeouts, local embedder.
func DefaultConfig() *Config {
	return &Config{
		SocketTimeout:       2 * time.Second,
		ConnectTimeout:      2 * time.Second,
		RetryOnTimeout:      true,
		MaxRetries:          3,
		RetryBackoffMin:     8 * time.Millisecond,
		RetryBackoffMax:     512 * time.Millisecond,
		LoadingTimeout:      60 * time.Second,
		HealthCheckInterval: 30 * time.Second,
		HealthTimeout:       time.Second,
		BreakerThreshold:    5,
		BreakerCooldown:     time.Second,
		DataDir:             "data",
		EmbeddedAddr:        "127.0.0.1:0",
		SessionTTL:          86400 * time.Second,
		ChatMaxMessages:     1000,
		CacheTTL:            60 * time.Second,
		WSRouteTTL:          7200 * time.Second,
		WSStaleAfter:        90 * time.Second,
		JobLease:            30 * time.Second,
		JobMaxAttempts:      5,
		JobBackoff:          time.Second,
		JobBackoffMax:       time.Hour,
		JobRetention:        24 * time.Hour,
		Embedder:            "local",
		KBChunkWords:        200,
		KBChunkOverlap:      40,
	}
}

// EnvPrefix is the prefix of every environment variable the
// configuration reads.
const EnvPrefix = "AUTOBOT_REDIS_"

// setting is one configuration name, usable as an environment variable
// (EnvPrefix + upper-case name) or as a line of a configuration file.
type setting struct {
	name string
	doc  string
	set  func(c *Config, v string) error
}

func settings() []setting {
	str := func(p func(*Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *p(c) = v; return nil }
	}
	dur := func(p func(*Config) *time.Duration) func(*Config, string) error {
		return func(c *Config, v string) error {
			d, err := parseDuration(v)
			if err == nil {
				*p(c) = d
			}
			return err
		}
	}
	num := func(p func(*Config) *int) func(*Config, string) error {
		return func(c *Config, v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err == nil {
				*p(c) = n
			}
			return err
		}
	}
	flag := func(p func(*Config) *bool) func(*Config, string) error {
		return func(c *Config, v string) error {
			b, err := parseBool(v)
			if err == nil {
				*p(c) = b
			}
			return err
		}
	}
	return []setting{
		{"mode", "embedded, standalone or cluster; empty chooses from the addresses", func(c *Config, v string) error {
			switch m := Mode(strings.ToLower(strings.TrimSpace(v))); m {
			case ModeAuto, ModeEmbedded, ModeStandalone, ModeCluster:
				c.Mode = m
				return nil
			}
			return fmt.Errorf("unknown mode %q (want embedded, standalone or cluster)", v)
		}},
		{"addr", "host:port or redis[s]://[user:password@]host:port of a Redis or Valkey server", str(func(c *Config) *string { return &c.Addr })},
		{"cluster_addrs", "comma-separated seed nodes of a Redis Cluster", func(c *Config, v string) error {
			c.ClusterAddrs = splitList(v)
			return nil
		}},
		{"username", "ACL user name", str(func(c *Config) *string { return &c.Username })},
		{"password", "password (requirepass or the ACL user's)", str(func(c *Config) *string { return &c.Password })},
		{"password_file", "file holding the password (trailing newline ignored)", func(c *Config, v string) error {
			b, err := os.ReadFile(v)
			if err != nil {
				return err
			}
			c.Password = strings.TrimRight(string(b), "\r\n")
			return nil
		}},
		{"tls", "use TLS (true/false)", flag(func(c *Config) *bool { return &c.TLS })},
		{"tls_ca_file", "PEM file of the CA that signed the server certificate", str(func(c *Config) *string { return &c.TLSCAFile })},
		{"tls_cert_file", "PEM client certificate (mutual TLS)", str(func(c *Config) *string { return &c.TLSCertFile })},
		{"tls_key_file", "PEM client key (mutual TLS)", str(func(c *Config) *string { return &c.TLSKeyFile })},
		{"tls_server_name", "name to verify in the server certificate", str(func(c *Config) *string { return &c.TLSServerName })},
		{"tls_insecure_skip_verify", "do not verify the server certificate (tests only)", flag(func(c *Config) *bool { return &c.TLSInsecureSkipVerify })},
		{"socket_timeout", "read/write timeout (2s)", dur(func(c *Config) *time.Duration { return &c.SocketTimeout })},
		{"connect_timeout", "dial timeout (2s)", dur(func(c *Config) *time.Duration { return &c.ConnectTimeout })},
		{"retry_on_timeout", "retry idempotent operations on timeout (true)", flag(func(c *Config) *bool { return &c.RetryOnTimeout })},
		{"max_retries", "retries per operation (3)", num(func(c *Config) *int { return &c.MaxRetries })},
		{"retry_backoff_min", "first retry delay (8ms)", dur(func(c *Config) *time.Duration { return &c.RetryBackoffMin })},
		{"retry_backoff_max", "retry delay cap (512ms)", dur(func(c *Config) *time.Duration { return &c.RetryBackoffMax })},
		{"loading_timeout", "how long to wait while Redis is LOADING (60s)", dur(func(c *Config) *time.Duration { return &c.LoadingTimeout })},
		{"health_check_interval", "background health check period, 0 = off (30s)", dur(func(c *Config) *time.Duration { return &c.HealthCheckInterval })},
		{"health_timeout", "time bound of one health report (1s)", dur(func(c *Config) *time.Duration { return &c.HealthTimeout })},
		{"breaker_threshold", "consecutive failures that open the circuit breaker (5)", num(func(c *Config) *int { return &c.BreakerThreshold })},
		{"breaker_cooldown", "how long the breaker stays open before a probe (1s)", dur(func(c *Config) *time.Duration { return &c.BreakerCooldown })},
		{"pool_size", "connections per database (go-redis default)", num(func(c *Config) *int { return &c.PoolSize })},
		{"namespaced", "key namespaces instead of numbered databases on a standalone server", flag(func(c *Config) *bool { return &c.Namespaced })},
		{"data_dir", "embedded server data directory (data)", str(func(c *Config) *string { return &c.DataDir })},
		{"embedded_addr", "embedded server listen address (127.0.0.1:0)", str(func(c *Config) *string { return &c.EmbeddedAddr })},
		{"encryption_key", "AES-256 key, base64 or hex, enabling client-side encryption", func(c *Config, v string) error {
			k, err := decodeKey(v)
			if err == nil {
				c.EncryptionKey = k
			}
			return err
		}},
		{"encryption_key_file", "file holding the encryption key (raw 32 bytes, base64 or hex)", str(func(c *Config) *string { return &c.EncryptionKeyFile })},
		{"instance_id", "name of this process for WebSocket routing", str(func(c *Config) *string { return &c.InstanceID })},
		{"session_ttl", "session lifetime, refreshed on read (86400s)", dur(func(c *Config) *time.Duration { return &c.SessionTTL })},
		{"chat_max_messages", "messages kept per chat session (1000)", num(func(c *Config) *int { return &c.ChatMaxMessages })},
		{"chat_ttl", "idle chat session lifetime, 0 = forever (0)", dur(func(c *Config) *time.Duration { return &c.ChatTTL })},
		{"cache_ttl", "default API cache TTL (60s)", dur(func(c *Config) *time.Duration { return &c.CacheTTL })},
		{"ws_route_ttl", "lifetime of ws:user_<id>:connection (7200s)", dur(func(c *Config) *time.Duration { return &c.WSRouteTTL })},
		{"ws_stale_after", "heartbeat age after which a connection is swept (90s)", dur(func(c *Config) *time.Duration { return &c.WSStaleAfter })},
		{"job_lease", "job lease duration (30s)", dur(func(c *Config) *time.Duration { return &c.JobLease })},
		{"job_max_attempts", "attempts before dead-lettering (5)", num(func(c *Config) *int { return &c.JobMaxAttempts })},
		{"job_backoff", "first retry delay, doubled per attempt (1s)", dur(func(c *Config) *time.Duration { return &c.JobBackoff })},
		{"job_backoff_max", "retry delay cap (1h)", dur(func(c *Config) *time.Duration { return &c.JobBackoffMax })},
		{"job_retention", "how long finished jobs stay readable (24h)", dur(func(c *Config) *time.Duration { return &c.JobRetention })},
		{"embedder", "local, openai or ollama (local)", func(c *Config, v string) error {
			switch e := strings.ToLower(strings.TrimSpace(v)); e {
			case "local", "openai", "ollama":
				c.Embedder = e
				return nil
			}
			return fmt.Errorf("unknown embedder %q (want local, openai or ollama)", v)
		}},
		{"embed_url", "embedding endpoint base URL, e.g. http://localhost:11434 or https://api.openai.com/v1", str(func(c *Config) *string { return &c.EmbedURL })},
		{"embed_model", "embedding model name", str(func(c *Config) *string { return &c.EmbedModel })},
		{"embed_api_key", "bearer token for the embedding endpoint", str(func(c *Config) *string { return &c.EmbedAPIKey })},
		{"embed_dim", "embedding dimension; 0: 256 locally, learned from a remote embedder", num(func(c *Config) *int { return &c.EmbedDim })},
		{"kb_chunk_words", "words per knowledge-base chunk (200)", num(func(c *Config) *int { return &c.KBChunkWords })},
		{"kb_chunk_overlap", "words shared by consecutive chunks (40)", num(func(c *Config) *int { return &c.KBChunkOverlap })},
	}
}

// SettingNames lists every setting name with its description, sorted; the
// environment variable is EnvPrefix + strings.ToUpper(name).
func SettingNames() [][2]string {
	var out [][2]string
	for _, s := range settings() {
		out = append(out, [2]string{s.name, s.doc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// Set applies one setting by name ("addr", "socket_timeout", ...; case
// and '-' versus '_' do not matter, and the AUTOBOT_REDIS_ prefix is
// optional).
func (c *Config) Set(name, value string) error {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.ReplaceAll(n, "-", "_")
	n = strings.TrimPrefix(n, strings.ToLower(EnvPrefix))
	for _, s := range settings() {
		if s.name == n {
			if err := s.set(c, value); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		}
	}
	return fmt.Errorf("unknown setting %q", name)
}

// LoadEnv returns the defaults overridden by the AUTOBOT_REDIS_*
// environment variables.
func LoadEnv() (*Config, error) {
	c := DefaultConfig()
	if err := c.ApplyEnv(); err != nil {
		return nil, err
	}
	return c, nil
}

// ApplyEnv overrides c with the AUTOBOT_REDIS_* environment variables that
// are set.
func (c *Config) ApplyEnv() error {
	return c.applyLookup(os.LookupEnv)
}

func (c *Config) applyLookup(lookup func(string) (string, bool)) error {
	var errs []error
	for _, s := range settings() {
		env := EnvPrefix + strings.ToUpper(s.name)
		if v, ok := lookup(env); ok {
			if err := s.set(c, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", env, err))
			}
		}
	}
	return errors.Join(errs...)
}

// LoadFile returns the defaults overridden by a configuration file. Each
// line is "name = value" (or "name: value", or AUTOBOT_REDIS_NAME=value as
// in an environment file); '#' starts a comment; values may be quoted.
func LoadFile(path string) (*Config, error) {
	c := DefaultConfig()
	if err := c.ApplyFile(path); err != nil {
		return nil, err
	}
	return c, nil
}

// ApplyFile overrides c with the settings in the file at path.
func (c *Config) ApplyFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("redismanager: config: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	var errs []error
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		text = strings.TrimPrefix(text, "export ")
		i := strings.IndexAny(text, "=:")
		if i <= 0 {
			errs = append(errs, fmt.Errorf("%s:%d: expected name = value", path, line))
			continue
		}
		name := strings.TrimSpace(text[:i])
		value := unquote(strings.TrimSpace(text[i+1:]))
		if err := c.Set(name, value); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %w", path, line, err))
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("redismanager: config: %w", err)
	}
	return nil
}

// LoadConfig is the usual way to configure a service: the defaults, then
// the file named by AUTOBOT_REDIS_CONFIG_FILE when set, then the other
// AUTOBOT_REDIS_* variables.
func LoadConfig() (*Config, error) {
	c := DefaultConfig()
	if path := os.Getenv(EnvPrefix + "CONFIG_FILE"); path != "" {
		if err := c.ApplyFile(path); err != nil {
			return nil, err
		}
	}
	if err := c.ApplyEnv(); err != nil {
		return nil, fmt.Errorf("redismanager: config: %w", err)
	}
	return c, nil
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		if v[0] == '"' {
			if u, err := strconv.Unquote(v); err == nil {
				return u
			}
		}
		return v[1 : len(v)-1]
	}
	// A trailing comment after whitespace.
	if i := strings.Index(v, " #"); i >= 0 {
		return strings.TrimSpace(v[:i])
	}
	return v
}

// parseDuration accepts Go durations ("2s", "1m30s") and bare numbers of
// seconds ("2", "0.5"), the unit of the seed's REDIS_CONFIG.
func parseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 {
			return 0, fmt.Errorf("negative duration %q", v)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q", v)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", v)
	}
	return d, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean %q", v)
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// mode resolves ModeAuto.
func (c *Config) mode() Mode {
	if c.Mode != ModeAuto {
		return c.Mode
	}
	switch {
	case len(c.ClusterAddrs) > 0:
		return ModeCluster
	case c.Addr != "":
		return ModeStandalone
	}
	return ModeEmbedded
}

// validate checks the settings and fills derived values. It works on a
// copy owned by the Manager.
func (c *Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch c.mode() {
	case ModeStandalone:
		if c.Addr == "" {
			bad("standalone mode needs addr")
		}
	case ModeCluster:
		if len(c.ClusterAddrs) == 0 {
			if c.Addr == "" {
				bad("cluster mode needs cluster_addrs")
			} else {
				c.ClusterAddrs = splitList(c.Addr)
			}
		}
	case ModeEmbedded:
		if c.DataDir == "" {
			bad("embedded mode needs data_dir")
		}
	}
	if strings.HasPrefix(c.Addr, "redis://") || strings.HasPrefix(c.Addr, "rediss://") {
		u, err := url.Parse(c.Addr)
		if err != nil {
			bad("addr: %v", err)
		} else {
			if u.Scheme == "rediss" {
				c.TLS = true
			}
			if u.User != nil {
				if name := u.User.Username(); name != "" && c.Username == "" {
					c.Username = name
				}
				if pw, ok := u.User.Password(); ok && c.Password == "" {
					c.Password = pw
				}
			}
			host := u.Host
			if u.Port() == "" {
				host += ":6379"
			}
			c.Addr = host
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"socket_timeout", c.SocketTimeout}, {"connect_timeout", c.ConnectTimeout}, {"health_timeout", c.HealthTimeout},
		{"session_ttl", c.SessionTTL}, {"job_lease", c.JobLease}, {"ws_route_ttl", c.WSRouteTTL}, {"ws_stale_after", c.WSStaleAfter}} {
		if d.v <= 0 {
			bad("%s must be positive", d.name)
		}
	}
	if c.SessionTTL > 0 && c.SessionTTL < time.Second {
		bad("session_ttl must be at least 1s")
	}
	if c.MaxRetries < 0 {
		bad("max_retries must not be negative")
	}
	if c.BreakerThreshold <= 0 {
		c.BreakerThreshold = 5
	}
	if c.BreakerCooldown <= 0 {
		c.BreakerCooldown = time.Second
	}
	if c.RetryBackoffMin <= 0 {
		c.RetryBackoffMin = time.Millisecond
	}
	if c.RetryBackoffMax < c.RetryBackoffMin {
		c.RetryBackoffMax = c.RetryBackoffMin
	}
	if c.ChatMaxMessages <= 0 {
		bad("chat_max_messages must be positive")
	}
	if c.JobMaxAttempts <= 0 {
		bad("job_max_attempts must be positive")
	}
	if c.KBChunkWords <= 0 || c.KBChunkOverlap < 0 || c.KBChunkOverlap >= c.KBChunkWords {
		bad("kb_chunk_words must be positive and kb_chunk_overlap smaller than it")
	}
	if c.EncryptionKeyFile != "" && c.EncryptionKey == nil {
		b, err := os.ReadFile(c.EncryptionKeyFile)
		if err != nil {
			bad("encryption_key_file: %v", err)
		} else if len(b) == 32 {
			c.EncryptionKey = b
		} else if k, err := decodeKey(strings.TrimSpace(string(b))); err != nil {
			bad("encryption_key_file: %v", err)
		} else {
			c.EncryptionKey = k
		}
	}
	if c.EncryptionKey != nil && len(c.EncryptionKey) != 32 {
		bad("encryption key must be 32 bytes (AES-256), got %d", len(c.EncryptionKey))
	}
	if c.InstanceID == "" {
		host, _ := os.Hostname()
		c.InstanceID = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), randomID(3))
	}
	if err := checkID("instance_id", c.InstanceID); err != nil {
		bad("%v", err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("redismanager: config: %w", err)
	}
	return nil
}

// tlsConfig builds the client TLS configuration, or nil without TLS.
func (c *Config) tlsConfig() (*tls.Config, error) {
	if c.TLSConfig != nil {
		return c.TLSConfig, nil
	}
	if !c.TLS {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TLSServerName, InsecureSkipVerify: c.TLSInsecureSkipVerify}
	if c.TLSCAFile != "" {
		pem, err := os.ReadFile(c.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("tls_ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls_ca_file %s: no PEM certificates", c.TLSCAFile)
		}
		tc.RootCAs = pool
	}
	if c.TLSCertFile != "" || c.TLSKeyFile != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}
