// Package config implements the redis.conf side of autobot-redis: reading
// configuration files and command lines with redis-server's syntax, the
// table of every directive Redis 7.0 knows (plus our own console-port), and
// the logic behind CONFIG GET, CONFIG SET and CONFIG REWRITE.
//
// There is no package-level mutable state: every Config is independent.
// A Config is NOT safe for concurrent use. The server owns one Config and
// guards it with its own lock: hold it for reading fields and Get, and
// exclusively for Set, Rewrite, SetLoading and OnApply. Apply hooks run
// while Set runs, so under that same lock; they must not call back into the
// Config's Set.
//
// The fields the server consumes are typed and exported on Config. The
// remaining directives (replication, cluster, defragmentation, ...) are
// still parsed, validated, reported by CONFIG GET and rewritten, but their
// values live in an internal map; read them with Value.
package config

import (
	"errors"
	"os"
	"sort"
	"strings"
)

// Config holds the value of every directive. Fields are set by Load, Parse
// and Set; treat them as read-only elsewhere (assigning a field directly
// bypasses validation and apply hooks, which is fine in tests).
type Config struct {
	// Network.
	Port           int      // port; 0 disables the TCP listener
	Bind           []string // bind; addresses, "-" prefix = optional; empty = all interfaces
	BindSourceAddr string   // bind-source-addr
	ProtectedMode  bool     // protected-mode
	TCPBacklog     int      // tcp-backlog
	TCPKeepalive   int      // tcp-keepalive, seconds; 0 = off
	Timeout        int      // timeout, idle client timeout in seconds; 0 = never
	UnixSocket     string   // unixsocket; "" = none
	UnixSocketPerm int      // unixsocketperm, file mode bits (written in octal)
	MaxClients     int      // maxclients
	ConsolePort    int      // console-port: our own web console port; 0 = off (not a Redis directive)
	ConsoleBind    string   // console-bind: the console's listen address, loopback by default (ours too)

	// TLS.
	TLSPort                int    // tls-port; 0 = off
	TLSCertFile            string // tls-cert-file
	TLSKeyFile             string // tls-key-file
	TLSKeyFilePass         string // tls-key-file-pass
	TLSClientCertFile      string // tls-client-cert-file
	TLSClientKeyFile       string // tls-client-key-file
	TLSClientKeyFilePass   string // tls-client-key-file-pass
	TLSDHParamsFile        string // tls-dh-params-file
	TLSCACertFile          string // tls-ca-cert-file
	TLSCACertDir           string // tls-ca-cert-dir
	TLSAuthClients         string // tls-auth-clients: "yes", "no" or "optional"
	TLSProtocols           string // tls-protocols, e.g. "TLSv1.2 TLSv1.3"; "" = library default
	TLSCiphers             string // tls-ciphers
	TLSCiphersuites        string // tls-ciphersuites
	TLSPreferServerCiphers bool   // tls-prefer-server-ciphers
	TLSSessionCaching      bool   // tls-session-caching
	TLSSessionCacheSize    int    // tls-session-cache-size
	TLSSessionCacheTimeout int    // tls-session-cache-timeout, seconds
	TLSReplication         bool   // tls-replication
	TLSCluster             bool   // tls-cluster

	// General.
	Daemonize              bool   // daemonize
	PidFile                string // pidfile; "" = none
	LogLevel               string // loglevel: "debug", "verbose", "notice" or "warning"
	LogFile                string // logfile; "" = standard output
	SyslogEnabled          bool   // syslog-enabled
	SyslogIdent            string // syslog-ident
	SyslogFacility         string // syslog-facility
	Databases              int    // databases
	Hz                     int    // hz, always within 1..500
	DynamicHz              bool   // dynamic-hz
	RequirePass            string // requirepass; "" = no password
	ACLFile                string // aclfile
	ACLPubsubDefault       string // acl-pubsub-default: "resetchannels" or "allchannels"
	ACLLogMaxLen           int64  // acllog-max-len
	EnableDebugCommand     string // enable-debug-command: "no", "yes", "local" (see AllowProtected)
	EnableModuleCommand    string // enable-module-command: "no", "yes", "local"
	EnableProtectedConfigs string // enable-protected-configs: "no", "yes", "local"
	ShutdownTimeout        int    // shutdown-timeout, seconds
	ShutdownOnSigint       string // shutdown-on-sigint: "default" or words among save, nosave, now, force
	ShutdownOnSigterm      string // shutdown-on-sigterm

	// Snapshotting.
	Dir                     string     // dir, absolute path; the server creates it if missing
	DBFilename              string     // dbfilename, a base name inside Dir
	Save                    []SaveRule // save; empty = no automatic snapshots
	RDBCompression          bool       // rdbcompression
	RDBChecksum             bool       // rdbchecksum
	StopWritesOnBgsaveError bool       // stop-writes-on-bgsave-error
	RDBDelSyncFiles         bool       // rdb-del-sync-files
	RDBSaveIncrementalFsync bool       // rdb-save-incremental-fsync
	SanitizeDumpPayload     string     // sanitize-dump-payload: "no", "yes", "clients"

	// Append only file.
	AppendOnly                 bool   // appendonly
	AppendFsync                string // appendfsync: "always", "everysec", "no"
	AppendFilename             string // appendfilename, base name of the AOF files
	AppendDirname              string // appenddirname, directory inside Dir
	AOFUseRDBPreamble          bool   // aof-use-rdb-preamble
	AOFLoadTruncated           bool   // aof-load-truncated
	AOFTimestampEnabled        bool   // aof-timestamp-enabled
	NoAppendfsyncOnRewrite     bool   // no-appendfsync-on-rewrite
	AOFRewriteIncrementalFsync bool   // aof-rewrite-incremental-fsync
	AutoAOFRewritePercentage   int    // auto-aof-rewrite-percentage; 0 = off
	AutoAOFRewriteMinSize      int64  // auto-aof-rewrite-min-size, bytes

	// Memory and eviction.
	MaxMemory                 uint64 // maxmemory, bytes; 0 = no limit
	MaxMemoryPolicy           string // maxmemory-policy, e.g. "noeviction", "allkeys-lru"
	MaxMemorySamples          int    // maxmemory-samples
	MaxMemoryEvictionTenacity int    // maxmemory-eviction-tenacity
	MaxMemoryClients          int64  // maxmemory-clients: bytes, or -N for N percent of maxmemory
	LFULogFactor              int    // lfu-log-factor
	LFUDecayTime              int    // lfu-decay-time, minutes
	ActiveRehashing           bool   // activerehashing
	ActiveExpireEffort        int    // active-expire-effort, 1..10
	LazyfreeLazyEviction      bool   // lazyfree-lazy-eviction
	LazyfreeLazyExpire        bool   // lazyfree-lazy-expire
	LazyfreeLazyServerDel     bool   // lazyfree-lazy-server-del
	LazyfreeLazyUserDel       bool   // lazyfree-lazy-user-del
	LazyfreeLazyUserFlush     bool   // lazyfree-lazy-user-flush

	// Client limits.
	ProtoMaxBulkLen         int64                // proto-max-bulk-len, bytes
	ClientQueryBufferLimit  int64                // client-query-buffer-limit, bytes
	ClientOutputBufferLimit [3]OutputBufferLimit // client-output-buffer-limit, indexed by ClientNormal/ClientReplica/ClientPubSub

	// Monitoring.
	SlowlogLogSlowerThan           int64          // slowlog-log-slower-than, microseconds; -1 = off, 0 = log all
	SlowlogMaxLen                  int64          // slowlog-max-len
	LatencyMonitorThreshold        int64          // latency-monitor-threshold, milliseconds; 0 = off
	LatencyTracking                bool           // latency-tracking
	LatencyTrackingInfoPercentiles []float64      // latency-tracking-info-percentiles
	BusyReplyThreshold             int64          // busy-reply-threshold (alias lua-time-limit), milliseconds
	NotifyKeyspaceEvents           KeyspaceEvents // notify-keyspace-events
	TrackingTableMaxKeys           int64          // tracking-table-max-keys

	// Encoding thresholds.
	HashMaxListpackEntries int64 // hash-max-listpack-entries (alias hash-max-ziplist-entries)
	HashMaxListpackValue   int64 // hash-max-listpack-value (alias hash-max-ziplist-value), bytes
	SetMaxIntsetEntries    int64 // set-max-intset-entries
	ZsetMaxListpackEntries int64 // zset-max-listpack-entries (alias zset-max-ziplist-entries)
	ZsetMaxListpackValue   int64 // zset-max-listpack-value (alias zset-max-ziplist-value), bytes
	ListMaxListpackSize    int   // list-max-listpack-size (alias list-max-ziplist-size); negative = size class
	ListCompressDepth      int   // list-compress-depth
	StreamNodeMaxBytes     int64 // stream-node-max-bytes
	StreamNodeMaxEntries   int64 // stream-node-max-entries
	HLLSparseMaxBytes      int64 // hll-sparse-max-bytes

	// Replication and cluster (reported; the server may refuse them).
	ReplicaOfHost  string // replicaof host; "" = this is a master
	ReplicaOfPort  int    // replicaof port
	ClusterEnabled bool   // cluster-enabled

	// Directives outside the settings table, kept as read so the server can
	// act on them: rename-command, user, loadmodule, and module settings
	// ("module.name value"). They are not validated here.
	RenameCommands []RenameCommand
	Users          [][]string        // arguments of each "user" line, name first
	LoadModules    [][]string        // arguments of each "loadmodule" line, path first
	ModuleConfigs  map[string]string // module setting name -> value as written

	misc map[string]any // values of the directives without a field above
	meta *meta
}

// RenameCommand is one "rename-command FROM TO" line; an empty To removes
// the command.
type RenameCommand struct {
	From, To string
}

// meta is the per-Config state that is not a setting: it survives the
// value snapshot/restore done by Set.
type meta struct {
	file    string
	loading bool
	hooks   map[string][]func(*Config) error
	users   func() []string
}

// Default returns a Config with every directive at its Redis 7.0 default
// (Dir defaults to the current working directory, as in Redis).
func Default() *Config {
	c := &Config{misc: map[string]any{}, meta: &meta{hooks: map[string][]func(*Config) error{}}}
	for _, d := range table {
		if d.init != nil {
			d.init(c)
			continue
		}
		if err := d.set(c, defaultArgs(d), &setCtx{}); err != nil {
			panic("config: bad default for " + d.name + ": " + err.Error())
		}
	}
	return c
}

func defaultArgs(d *directive) []string {
	if d.flags&fMultiArg != 0 {
		return splitSpaces(d.def)
	}
	return []string{d.def}
}

// splitSpaces splits a CONFIG SET value of a multi-value directive on single
// spaces, keeping empty pieces (so "900  1" is three pieces), and gives no
// pieces at all for "".
func splitSpaces(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// Clone returns an independent copy of the settings. The copy keeps the
// config file name but has no apply hooks and is not in loading state.
func (c *Config) Clone() *Config {
	n := c.snapshot()
	n.meta = &meta{file: c.meta.file, hooks: map[string][]func(*Config) error{}, users: c.meta.users}
	return &n
}

// snapshot copies the values. Slices are never modified in place by this
// package (a change always stores a new slice), so sharing them is safe.
func (c *Config) snapshot() Config {
	n := *c
	n.misc = make(map[string]any, len(c.misc))
	for k, v := range c.misc {
		n.misc[k] = v
	}
	return n
}

// File returns the absolute path of the config file this Config was loaded
// from, or "" when it was not loaded from a file.
func (c *Config) File() string { return c.meta.file }

// SetLoading tells the Config whether the server is loading its dataset.
// While loading, Set refuses directives flagged deny-loading (appendonly,
// dir, repl-diskless-load) with Redis's LOADING error.
func (c *Config) SetLoading(loading bool) { c.meta.loading = loading }

// SetUserLines installs the source of the "user" lines that Rewrite writes
// when no aclfile is configured (the ACL subsystem knows the current users;
// each string is a line without the leading "user "). Without it, Rewrite
// writes back the user lines that were loaded.
func (c *Config) SetUserLines(fn func() []string) { c.meta.users = fn }

// OnApply registers fn to run after Set changed the named directive (name
// or alias; hooks of volatile directives such as tls-cert-file also run when
// the value is unchanged, so certificates can be reloaded). Hooks run in
// the order of the Set arguments, each directive's hooks once per Set call,
// after all values are stored, so a hook sees the complete new
// configuration. If a hook fails, every value of that Set call is restored
// and the hooks that already ran (including the failing one) run again to
// re-apply the old values; their errors are then ignored. The hook's error
// text becomes the tail of the CONFIG SET error reply.
func (c *Config) OnApply(name string, fn func(c *Config) error) {
	d := lookup(strings.ToLower(name))
	if d == nil {
		panic("config: OnApply for unknown directive " + name)
	}
	c.meta.hooks[d.name] = append(c.meta.hooks[d.name], fn)
}

// Value returns the CONFIG GET form of one directive's value, looked up by
// name or alias in any case (hidden directives included).
func (c *Config) Value(name string) (string, bool) {
	d := lookup(strings.ToLower(name))
	if d == nil {
		return "", false
	}
	return d.get(c), true
}

// Get implements CONFIG GET. Each pattern is either an exact directive name
// or alias (any case; the reply repeats it as given), or a glob pattern
// (when it contains '*', '?' or '['), matched case-insensitively against
// every name and alias except hidden directives, as Redis does. It returns
// flat name, value pairs without duplicates, ordered by name (lower-cased,
// then byte order) so that replies are deterministic; Redis itself uses
// hash order. The server renders them as a RESP3 map or a RESP2 array.
func (c *Config) Get(patterns ...string) []string {
	type pair struct{ key, val string }
	var found []pair
	seen := map[string]bool{}
	for _, p := range patterns {
		if !strings.ContainsAny(p, "[*?") {
			lk := strings.ToLower(p)
			if seen[lk] {
				continue
			}
			if d := lookup(lk); d != nil {
				seen[lk] = true
				found = append(found, pair{p, d.get(c)})
			}
			continue
		}
		for _, k := range registryKeys {
			d := registry[k]
			if d.flags&fHidden != 0 || seen[k] {
				continue
			}
			if globMatch(p, k, true) {
				seen[k] = true
				found = append(found, pair{k, d.get(c)})
			}
		}
	}
	sort.SliceStable(found, func(i, j int) bool {
		a, b := strings.ToLower(found[i].key), strings.ToLower(found[j].key)
		if a != b {
			return a < b
		}
		return found[i].key < found[j].key
	})
	out := make([]string, 0, 2*len(found))
	for _, f := range found {
		out = append(out, f.key, f.val)
	}
	return out
}

// Set implements CONFIG SET for a client that is not local (see SetFrom).
func (c *Config) Set(pairs ...string) error { return c.SetFrom(false, pairs...) }

// SetFrom implements CONFIG SET name value [name value ...]. localClient
// tells whether the client is connected over loopback or a unix socket,
// which matters for protected directives (dir, dbfilename) when
// enable-protected-configs is "local".
//
// All names are checked first (unknown, immutable, protected, deny-loading,
// duplicate), then all values are parsed and stored, then the apply hooks
// run; any failure restores every value of the call. The returned error's
// Error() is the exact Redis error reply without the leading '-', e.g.
// "ERR CONFIG SET failed (possibly related to argument 'maxmemory') -
// argument must be a memory value".
func (c *Config) SetFrom(localClient bool, pairs ...string) error {
	if len(pairs) < 2 {
		return errors.New("ERR wrong number of arguments for 'config|set' command")
	}
	if len(pairs)%2 != 0 {
		return errors.New("ERR syntax error")
	}
	type change struct {
		d   *directive
		key string // registered name used (name or alias, lower case)
		val string
	}
	changes := make([]change, 0, len(pairs)/2)
	used := map[string]bool{}
	for i := 0; i < len(pairs); i += 2 {
		name := pairs[i]
		key := strings.ToLower(name)
		d := lookup(key)
		switch {
		case d == nil:
			return errors.New("ERR Unknown option or number of arguments for CONFIG SET - '" + name + "'")
		case d.flags&fImmutable != 0:
			return setFailed(name, "can't set immutable config")
		case d.flags&fProtected != 0 && !AllowProtected(c.EnableProtectedConfigs, localClient):
			return setFailed(name, "can't set protected config")
		case c.meta.loading && d.flags&fDenyLoading != 0:
			return errors.New("LOADING Redis is loading the dataset in memory")
		case used[key]:
			return setFailed(name, "duplicate parameter")
		}
		used[key] = true
		changes = append(changes, change{d, key, pairs[i+1]})
	}

	saved := c.snapshot()
	restore := func() {
		m := c.meta
		*c = saved
		c.meta = m
	}
	type pending struct {
		name, key string
	}
	var apply []pending
	applied := map[string]bool{}
	for _, ch := range changes {
		before := ch.d.get(c)
		var args []string
		if ch.d.flags&fMultiArg != 0 {
			args = splitSpaces(ch.val)
		} else {
			args = []string{ch.val}
		}
		if err := ch.d.set(c, args, &setCtx{}); err != nil {
			restore()
			return setFailed(ch.key, err.Error())
		}
		if (before != ch.d.get(c) || ch.d.flags&fVolatile != 0) && !applied[ch.d.name] {
			applied[ch.d.name] = true
			apply = append(apply, pending{ch.d.name, ch.key})
		}
	}
	for i, a := range apply {
		for _, fn := range c.meta.hooks[a.name] {
			if err := fn(c); err != nil {
				restore()
				for _, b := range apply[:i+1] {
					for _, fn := range c.meta.hooks[b.name] {
						_ = fn(c)
					}
				}
				return setFailed(a.key, err.Error())
			}
		}
	}
	return nil
}

func setFailed(name, reason string) error {
	return errors.New("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason)
}

// Rewrite implements CONFIG REWRITE: the file the Config was loaded from is
// rewritten in place (see rewrite.go for the rules).
func (c *Config) Rewrite() error {
	if c.meta.file == "" {
		return errors.New("ERR The server is running without a config file")
	}
	if err := rewriteFile(c, c.meta.file); err != nil {
		return errors.New("ERR Rewriting config file: " + errnoText(err))
	}
	return nil
}

// workingDir is the default of dir.
func workingDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	return wd
}

// checkDir reports, in strerror words, why p cannot be used as dir.
func checkDir(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return errors.New(errnoText(err))
	}
	if !fi.IsDir() {
		return errors.New("Not a directory")
	}
	return nil
}
