package config

// The directive registry: one entry per setting Redis 7.0 knows, plus
// console-port. Each entry says how to parse its arguments, where the value
// lives, how CONFIG GET prints it and how CONFIG REWRITE writes it. Names,
// aliases, defaults, bounds and flags follow redis-server 7.0.15; the
// differential test checks defaults and error texts against a live server.
//
// The table is built once at package initialisation and never modified.

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

type flag uint16

const (
	fImmutable   flag = 1 << iota // CONFIG SET refuses it
	fProtected                    // CONFIG SET only if enable-protected-configs allows
	fSensitive                    // value must be redacted from logs, SLOWLOG, MONITOR
	fHidden                       // CONFIG GET returns it only when asked by exact name
	fDenyLoading                  // CONFIG SET refuses it while the dataset is loading
	fMultiArg                     // value is a list of words
	fVolatile                     // apply hooks run even when the value is unchanged
	fDebug                        // interesting in debug reports (informational)
)

// setCtx tells a setter whether it runs while loading a config file (where
// "save" lines accumulate) or for CONFIG SET / defaults.
type setCtx struct {
	loading  bool
	saveSeen *bool
}

type directive struct {
	name, alias string
	flags       flag
	kind        string // value type, for Directive.Type
	def         string // default, as CONFIG GET prints it
	nullable    bool   // string whose "" means "not set": rewrite drops its lines

	// set parses args and stores the value; the error text is Redis's
	// reason ("argument must be 'yes' or 'no'").
	set func(c *Config, args []string, cx *setCtx) error
	// get formats the value as CONFIG GET does.
	get func(c *Config) string
	// rewriteArg formats the value for a config file line (memory sizes
	// with units, strings quoted). Used by the generic rewrite rule.
	rewriteArg func(c *Config) string
	// rewrite replaces the generic rule for special directives.
	rewrite func(c *Config, d *directive, st *rewriteState)
	// init sets the default when it cannot be expressed by def.
	init func(c *Config)
}

// Directive describes one entry of the registry.
type Directive struct {
	Name        string
	Alias       string // "" when there is none
	Type        string // bool, int, memory, percent, octal, enum, flags, string, special
	Default     string // as CONFIG GET prints it ("" for dir, which defaults to the working directory)
	Immutable   bool
	Protected   bool
	Sensitive   bool
	Hidden      bool
	DenyLoading bool
	MultiArg    bool
}

// Directives lists every directive in registry order.
func Directives() []Directive {
	out := make([]Directive, 0, len(table))
	for _, d := range table {
		out = append(out, d.info())
	}
	return out
}

// LookupDirective finds a directive by name or alias, in any case.
func LookupDirective(name string) (Directive, bool) {
	d := lookup(strings.ToLower(name))
	if d == nil {
		return Directive{}, false
	}
	return d.info(), true
}

// IsSensitive reports whether the value of the named directive must not
// appear in logs, SLOWLOG or MONITOR output (the server redacts CONFIG SET
// arguments of such directives).
func IsSensitive(name string) bool {
	d := lookup(strings.ToLower(name))
	return d != nil && d.flags&fSensitive != 0
}

func (d *directive) info() Directive {
	return Directive{
		Name: d.name, Alias: d.alias, Type: d.kind, Default: d.def,
		Immutable:   d.flags&fImmutable != 0,
		Protected:   d.flags&fProtected != 0,
		Sensitive:   d.flags&fSensitive != 0,
		Hidden:      d.flags&fHidden != 0,
		DenyLoading: d.flags&fDenyLoading != 0,
		MultiArg:    d.flags&fMultiArg != 0,
	}
}

var (
	table        = buildTable()
	registry     = map[string]*directive{} // lower-case name or alias -> entry
	registryKeys []string                  // sorted keys of registry
)

func init() {
	for _, d := range table {
		for _, k := range []string{d.name, d.alias} {
			if k == "" {
				continue
			}
			if _, dup := registry[k]; dup {
				panic("config: duplicate directive " + k)
			}
			registry[k] = d
			registryKeys = append(registryKeys, k)
		}
	}
	sort.Strings(registryKeys)
}

// lookup takes a lower-case name or alias.
func lookup(name string) *directive { return registry[name] }

// ---------------------------------------------------------------------------
// Entry constructors. A nil field pointer function stores the value in the
// Config's internal map under the directive name.

func accessor[T any](name string, p func(*Config) *T) (func(*Config) T, func(*Config, T)) {
	if p != nil {
		return func(c *Config) T { return *p(c) }, func(c *Config, v T) { *p(c) = v }
	}
	return func(c *Config) T { v, _ := c.misc[name].(T); return v },
		func(c *Config, v T) { c.misc[name] = v }
}

func boolD(name, alias string, fl flag, def bool, p func(*Config) *bool, valid ...func(bool) error) *directive {
	get, put := accessor(name, p)
	return &directive{
		name: name, alias: alias, flags: fl, kind: "bool", def: yesNo(def),
		set: func(c *Config, args []string, _ *setCtx) error {
			v, ok := parseYesNo(args[0])
			if !ok {
				return errors.New("argument must be 'yes' or 'no'")
			}
			for _, f := range valid {
				if err := f(v); err != nil {
					return err
				}
			}
			put(c, v)
			return nil
		},
		get:        func(c *Config) string { return yesNo(get(c)) },
		rewriteArg: func(c *Config) string { return yesNo(get(c)) },
	}
}

func strD(name, alias string, fl flag, def string, nullable bool, p func(*Config) *string, valid ...func(*Config, string) error) *directive {
	get, put := accessor(name, p)
	return &directive{
		name: name, alias: alias, flags: fl, kind: "string", def: def, nullable: nullable,
		set: func(c *Config, args []string, _ *setCtx) error {
			for _, f := range valid {
				if err := f(c, args[0]); err != nil {
					return err
				}
			}
			put(c, args[0])
			return nil
		},
		get:        get,
		rewriteArg: func(c *Config) string { return Quote(get(c)) },
	}
}

func enumD(name, alias string, fl flag, items []enumItem, def string, p func(*Config) *string, valid ...func(int) error) *directive {
	get, put := accessor(name, p)
	bitflags := fl&fMultiArg != 0
	kind := "enum"
	if bitflags {
		kind = "flags"
	}
	return &directive{
		name: name, alias: alias, flags: fl, kind: kind, def: def,
		set: func(c *Config, args []string, _ *setCtx) error {
			v, ok := enumValue(items, args, bitflags)
			if !ok {
				msg := "argument(s) must be one of the following: " + enumNames(items)
				if len(msg) > 255 {
					msg = msg[:255]
				}
				return errors.New(msg)
			}
			for _, f := range valid {
				if err := f(v); err != nil {
					return err
				}
			}
			put(c, enumName(items, v, bitflags))
			return nil
		},
		get:        get,
		rewriteArg: get,
	}
}

type numFlag uint8

const (
	nMemory   numFlag = 1 << iota // accepts sizes with units; GET prints bytes
	nPercent                      // accepts "N%", stored as -N
	nOctal                        // parsed and printed in base 8
	nUnsigned                     // bounds compare as unsigned (C unsigned/size_t types)
)

type number interface{ ~int | ~int64 | ~uint64 }

// numD builds a numeric entry. lo and hi are the bounds as C long long; for
// unsigned entries they are compared as unsigned (hi -1 means 2^64-1).
func numD[T number](name, alias string, fl flag, lo, hi, def int64, nf numFlag, p func(*Config) *T) *directive {
	get, put := accessor(name, p)
	val := func(c *Config) int64 { return int64(get(c)) }
	kind := "int"
	switch {
	case nf&nMemory != 0 && nf&nPercent != 0:
		kind = "percent"
	case nf&nMemory != 0:
		kind = "memory"
	case nf&nOctal != 0:
		kind = "octal"
	}
	format := func(v int64) string {
		switch {
		case nf&nPercent != 0 && v < 0:
			return strconv.FormatInt(-v, 10) + "%"
		case nf&nMemory != 0:
			return strconv.FormatUint(uint64(v), 10)
		case nf&nOctal != 0:
			return strconv.FormatUint(uint64(v), 8)
		}
		return strconv.FormatInt(v, 10)
	}
	d := &directive{
		name: name, alias: alias, flags: fl, kind: kind, def: format(def),
		set: func(c *Config, args []string, _ *setCtx) error {
			v, err := parseNumber(args[0], nf)
			if err != nil {
				return err
			}
			if err := checkBounds(v, lo, hi, nf); err != nil {
				return err
			}
			put(c, T(v))
			return nil
		},
		get: func(c *Config) string { return format(val(c)) },
		rewriteArg: func(c *Config) string {
			v := val(c)
			if nf&nMemory != 0 && !(nf&nPercent != 0 && v < 0) {
				return formatMemory(uint64(v))
			}
			return format(v)
		},
	}
	return d
}

func parseNumber(s string, nf numFlag) (int64, error) {
	if nf&nMemory != 0 {
		if u, ok := parseMemory(s); ok {
			return int64(u), nil
		}
	}
	if nf&nPercent != 0 && len(s) > 1 && s[len(s)-1] == '%' {
		if v, ok := parseStrictInt(s[:len(s)-1]); ok && v >= 0 {
			return -v, nil
		}
	}
	if nf&nOctal != 0 {
		if v, ok, overflow := parseCInt(s, 8); ok && !overflow {
			return v, nil
		}
	}
	if nf&(nMemory|nPercent|nOctal) == 0 {
		if v, ok := parseStrictInt(s); ok {
			return v, nil
		}
	}
	switch {
	case nf&nMemory != 0 && nf&nPercent != 0:
		return 0, errors.New("argument must be a memory or percent value")
	case nf&nMemory != 0:
		return 0, errors.New("argument must be a memory value")
	case nf&nOctal != 0:
		return 0, errors.New("argument couldn't be parsed as an octal number")
	}
	return 0, errors.New("argument couldn't be parsed into an integer")
}

func checkBounds(v, lo, hi int64, nf numFlag) error {
	if nf&nUnsigned != 0 {
		u, ulo, uhi := uint64(v), uint64(lo), uint64(hi)
		if u > uhi || u < ulo {
			if nf&nOctal != 0 {
				return fmt.Errorf("argument must be between %o and %o inclusive", ulo, uhi)
			}
			return fmt.Errorf("argument must be between %d and %d inclusive", ulo, uhi)
		}
		return nil
	}
	if nf&nPercent != 0 && v < 0 {
		if v < lo {
			return fmt.Errorf("percentage argument must be less or equal to %d", -lo)
		}
		return nil
	}
	if v > hi || v < lo {
		return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Value checks shared by several entries.

func baseName(what, kind string) func(*Config, string) error {
	return func(_ *Config, s string) error {
		if strings.ContainsAny(s, `/\`) {
			return fmt.Errorf("%s can't be a path, just a %s", what, kind)
		}
		return nil
	}
}

func notEmpty(what string) func(*Config, string) error {
	return func(_ *Config, s string) error {
		if s == "" {
			return fmt.Errorf("%s can't be empty", what)
		}
		return nil
	}
}

func validHostname(_ *Config, s string) error {
	if len(s) >= 256 {
		return errors.New("Hostnames must be less than 256 characters")
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.') {
			return errors.New("Hostnames may only contain alphanumeric characters, hyphens or dots")
		}
	}
	return nil
}

// validProcTitle accepts a template whose {variables} are all known and
// whose expansion is not blank.
func validProcTitle(c *Config, s string) error {
	bad := errors.New("template format is invalid or contains unknown variables")
	nonBlank := false
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			if s[i] != ' ' {
				nonBlank = true
			}
			continue
		}
		if i+1 >= len(s) {
			return bad
		}
		if s[i+1] == '{' {
			nonBlank = true
			i++
			continue
		}
		end := strings.IndexByte(s[i+1:], '}')
		if end < 0 {
			return bad
		}
		switch s[i+1 : i+1+end] {
		case "listen-addr", "port", "tls-port", "config-file":
			nonBlank = true
		case "unixsocket":
			if strings.Trim(c.UnixSocket, " ") != "" {
				nonBlank = true
			}
		case "title", "server-mode":
		default:
			return bad
		}
		i += end + 1
	}
	if !nonBlank {
		return bad
	}
	return nil
}

func noActiveDefrag(v bool) error {
	if v {
		return errors.New("Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution")
	}
	return nil
}

func shutdownFlagsValid(v int) error {
	if v&1 != 0 && v&2 != 0 {
		return errors.New("shutdown options SAVE and NOSAVE can't be used simultaneously")
	}
	return nil
}

// ---------------------------------------------------------------------------
// Enumerations.

var (
	enumMaxmemoryPolicy = []enumItem{{"volatile-lru", 0}, {"volatile-lfu", 1}, {"volatile-random", 2},
		{"volatile-ttl", 3}, {"allkeys-lru", 4}, {"allkeys-lfu", 5}, {"allkeys-random", 6}, {"noeviction", 7}}
	enumSyslogFacility = []enumItem{{"user", 0}, {"local0", 1}, {"local1", 2}, {"local2", 3}, {"local3", 4},
		{"local4", 5}, {"local5", 6}, {"local6", 7}, {"local7", 8}}
	enumLoglevel         = []enumItem{{"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}}
	enumSupervised       = []enumItem{{"upstart", 1}, {"systemd", 2}, {"auto", 3}, {"no", 0}}
	enumAppendfsync      = []enumItem{{"everysec", 1}, {"always", 2}, {"no", 0}}
	enumShutdownOnSig    = []enumItem{{"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8}}
	enumReplDisklessLoad = []enumItem{{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}}
	enumTLSAuthClients   = []enumItem{{"no", 0}, {"yes", 1}, {"optional", 2}}
	enumOOMScoreAdj      = []enumItem{{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}}
	enumACLPubsub        = []enumItem{{"allchannels", 1}, {"resetchannels", 0}}
	enumSanitizePayload  = []enumItem{{"no", 0}, {"yes", 1}, {"clients", 2}}
	enumProtected        = []enumItem{{"no", 0}, {"yes", 1}, {"local", 2}}
	enumEndpointType     = []enumItem{{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}
	enumPropagationError = []enumItem{{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}}
)

// C limits used as bounds.
const (
	intMax   = math.MaxInt32
	intMin   = math.MinInt32
	uintMax  = math.MaxUint32
	llongMax = math.MaxInt64
	ullMax   = -1 // 2^64-1 once compared as unsigned
)

// ---------------------------------------------------------------------------
// The table.

func buildTable() []*directive {
	const (
		imm   = fImmutable
		dbg   = fDebug
		multi = fMultiArg
	)
	mem, pct, oct, uns := nMemory, nPercent, nOctal, nUnsigned
	return []*directive{
		// Booleans.
		boolD("rdbchecksum", "", imm, true, func(c *Config) *bool { return &c.RDBChecksum }),
		boolD("daemonize", "", imm, false, func(c *Config) *bool { return &c.Daemonize }),
		boolD("io-threads-do-reads", "", dbg|imm, false, nil),
		boolD("always-show-logo", "", imm, false, nil),
		boolD("protected-mode", "", 0, true, func(c *Config) *bool { return &c.ProtectedMode }),
		boolD("rdbcompression", "", 0, true, func(c *Config) *bool { return &c.RDBCompression }),
		boolD("rdb-del-sync-files", "", 0, false, func(c *Config) *bool { return &c.RDBDelSyncFiles }),
		boolD("activerehashing", "", 0, true, func(c *Config) *bool { return &c.ActiveRehashing }),
		boolD("stop-writes-on-bgsave-error", "", 0, true, func(c *Config) *bool { return &c.StopWritesOnBgsaveError }),
		boolD("set-proc-title", "", imm, true, nil),
		boolD("dynamic-hz", "", 0, true, func(c *Config) *bool { return &c.DynamicHz }),
		boolD("lazyfree-lazy-eviction", "", dbg, false, func(c *Config) *bool { return &c.LazyfreeLazyEviction }),
		boolD("lazyfree-lazy-expire", "", dbg, false, func(c *Config) *bool { return &c.LazyfreeLazyExpire }),
		boolD("lazyfree-lazy-server-del", "", dbg, false, func(c *Config) *bool { return &c.LazyfreeLazyServerDel }),
		boolD("lazyfree-lazy-user-del", "", dbg, false, func(c *Config) *bool { return &c.LazyfreeLazyUserDel }),
		boolD("lazyfree-lazy-user-flush", "", dbg, false, func(c *Config) *bool { return &c.LazyfreeLazyUserFlush }),
		boolD("repl-disable-tcp-nodelay", "", 0, false, nil),
		boolD("repl-diskless-sync", "", dbg, true, nil),
		boolD("aof-rewrite-incremental-fsync", "", 0, true, func(c *Config) *bool { return &c.AOFRewriteIncrementalFsync }),
		boolD("no-appendfsync-on-rewrite", "", 0, false, func(c *Config) *bool { return &c.NoAppendfsyncOnRewrite }),
		boolD("cluster-require-full-coverage", "", 0, true, nil),
		boolD("rdb-save-incremental-fsync", "", 0, true, func(c *Config) *bool { return &c.RDBSaveIncrementalFsync }),
		boolD("aof-load-truncated", "", 0, true, func(c *Config) *bool { return &c.AOFLoadTruncated }),
		boolD("aof-use-rdb-preamble", "", 0, true, func(c *Config) *bool { return &c.AOFUseRDBPreamble }),
		boolD("aof-timestamp-enabled", "", 0, false, func(c *Config) *bool { return &c.AOFTimestampEnabled }),
		boolD("cluster-replica-no-failover", "cluster-slave-no-failover", 0, false, nil),
		boolD("replica-lazy-flush", "slave-lazy-flush", 0, false, nil),
		boolD("replica-serve-stale-data", "slave-serve-stale-data", 0, true, nil),
		boolD("replica-read-only", "slave-read-only", dbg, true, nil),
		boolD("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, true, nil),
		boolD("jemalloc-bg-thread", "", 0, true, nil),
		boolD("activedefrag", "", dbg, false, nil, noActiveDefrag),
		boolD("syslog-enabled", "", imm, false, func(c *Config) *bool { return &c.SyslogEnabled }),
		boolD("cluster-enabled", "", imm, false, func(c *Config) *bool { return &c.ClusterEnabled }),
		boolD("appendonly", "", fDenyLoading, false, func(c *Config) *bool { return &c.AppendOnly }),
		boolD("cluster-allow-reads-when-down", "", 0, false, nil),
		boolD("cluster-allow-pubsubshard-when-down", "", 0, true, nil),
		boolD("crash-log-enabled", "", 0, true, nil),
		boolD("crash-memcheck-enabled", "", 0, true, nil),
		boolD("use-exit-on-panic", "", fHidden, false, nil),
		boolD("disable-thp", "", imm, true, nil),
		boolD("cluster-allow-replica-migration", "", 0, true, nil),
		boolD("replica-announced", "", 0, true, nil),
		boolD("latency-tracking", "", 0, true, func(c *Config) *bool { return &c.LatencyTracking }),
		boolD("aof-disable-auto-gc", "", 0, false, nil),
		boolD("replica-ignore-disk-write-errors", "", 0, false, nil),

		// Strings.
		strD("aclfile", "", imm, "", false, func(c *Config) *string { return &c.ACLFile }),
		strD("unixsocket", "", imm, "", true, func(c *Config) *string { return &c.UnixSocket }),
		strD("pidfile", "", imm, "", true, func(c *Config) *string { return &c.PidFile }),
		strD("replica-announce-ip", "slave-announce-ip", 0, "", true, nil),
		strD("masteruser", "", fSensitive, "", true, nil),
		strD("cluster-announce-ip", "", 0, "", true, nil),
		strD("cluster-config-file", "", imm, "nodes.conf", false, nil),
		strD("cluster-announce-hostname", "", 0, "", true, nil, validHostname),
		strD("syslog-ident", "", imm, "redis", false, func(c *Config) *string { return &c.SyslogIdent }),
		strD("dbfilename", "", fProtected, "dump.rdb", false, func(c *Config) *string { return &c.DBFilename },
			baseName("dbfilename", "filename")),
		strD("appendfilename", "", imm, "appendonly.aof", false, func(c *Config) *string { return &c.AppendFilename },
			notEmpty("appendfilename"), baseName("appendfilename", "filename")),
		strD("appenddirname", "", imm, "appendonlydir", false, func(c *Config) *string { return &c.AppendDirname },
			notEmpty("appenddirname"), baseName("appenddirname", "dirname")),
		strD("server_cpulist", "", imm, "", true, nil),
		strD("bio_cpulist", "", imm, "", true, nil),
		strD("aof_rewrite_cpulist", "", imm, "", true, nil),
		strD("bgsave_cpulist", "", imm, "", true, nil),
		strD("ignore-warnings", "", 0, "", false, nil),
		strD("proc-title-template", "", 0, "{title} {listen-addr} {server-mode}", false, nil, validProcTitle),
		strD("bind-source-addr", "", 0, "", true, func(c *Config) *string { return &c.BindSourceAddr }),
		strD("logfile", "", imm, "", false, func(c *Config) *string { return &c.LogFile }),
		strD("masterauth", "", fSensitive, "", true, nil),
		strD("requirepass", "", fSensitive, "", true, func(c *Config) *string { return &c.RequirePass }),

		// Enumerations.
		enumD("supervised", "", imm, enumSupervised, "no", nil),
		enumD("syslog-facility", "", imm, enumSyslogFacility, "local0", func(c *Config) *string { return &c.SyslogFacility }),
		enumD("repl-diskless-load", "", dbg|fDenyLoading, enumReplDisklessLoad, "disabled", nil),
		enumD("loglevel", "", 0, enumLoglevel, "notice", func(c *Config) *string { return &c.LogLevel }),
		enumD("maxmemory-policy", "", 0, enumMaxmemoryPolicy, "noeviction", func(c *Config) *string { return &c.MaxMemoryPolicy }),
		enumD("appendfsync", "", 0, enumAppendfsync, "everysec", func(c *Config) *string { return &c.AppendFsync }),
		enumD("oom-score-adj", "", 0, enumOOMScoreAdj, "no", nil),
		enumD("acl-pubsub-default", "", 0, enumACLPubsub, "resetchannels", func(c *Config) *string { return &c.ACLPubsubDefault }),
		enumD("sanitize-dump-payload", "", dbg, enumSanitizePayload, "no", func(c *Config) *string { return &c.SanitizeDumpPayload }),
		enumD("enable-protected-configs", "", imm, enumProtected, "no", func(c *Config) *string { return &c.EnableProtectedConfigs }),
		enumD("enable-debug-command", "", imm, enumProtected, "no", func(c *Config) *string { return &c.EnableDebugCommand }),
		enumD("enable-module-command", "", imm, enumProtected, "no", func(c *Config) *string { return &c.EnableModuleCommand }),
		enumD("cluster-preferred-endpoint-type", "", 0, enumEndpointType, "ip", nil),
		enumD("propagation-error-behavior", "", 0, enumPropagationError, "ignore", nil),
		enumD("shutdown-on-sigint", "", multi, enumShutdownOnSig, "default", func(c *Config) *string { return &c.ShutdownOnSigint }, shutdownFlagsValid),
		enumD("shutdown-on-sigterm", "", multi, enumShutdownOnSig, "default", func(c *Config) *string { return &c.ShutdownOnSigterm }, shutdownFlagsValid),

		// Integers (C int).
		numD("databases", "", imm, 1, intMax, 16, 0, func(c *Config) *int { return &c.Databases }),
		numD("port", "", 0, 0, 65535, 6379, 0, func(c *Config) *int { return &c.Port }),
		numD[int64]("io-threads", "", dbg|imm, 1, 128, 1, 0, nil),
		numD("auto-aof-rewrite-percentage", "", 0, 0, intMax, 100, 0, func(c *Config) *int { return &c.AutoAOFRewritePercentage }),
		numD[int64]("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, 0, intMax, 10, 0, nil),
		numD("list-max-listpack-size", "list-max-ziplist-size", 0, intMin, intMax, -2, 0, func(c *Config) *int { return &c.ListMaxListpackSize }),
		numD("tcp-keepalive", "", 0, 0, intMax, 300, 0, func(c *Config) *int { return &c.TCPKeepalive }),
		numD[int64]("cluster-migration-barrier", "", 0, 0, intMax, 1, 0, nil),
		numD[int64]("active-defrag-cycle-min", "", 0, 1, 99, 1, 0, nil),
		numD[int64]("active-defrag-cycle-max", "", 0, 1, 99, 25, 0, nil),
		numD[int64]("active-defrag-threshold-lower", "", 0, 0, 1000, 10, 0, nil),
		numD[int64]("active-defrag-threshold-upper", "", 0, 0, 1000, 100, 0, nil),
		numD("lfu-log-factor", "", 0, 0, intMax, 10, 0, func(c *Config) *int { return &c.LFULogFactor }),
		numD("lfu-decay-time", "", 0, 0, intMax, 1, 0, func(c *Config) *int { return &c.LFUDecayTime }),
		numD[int64]("replica-priority", "slave-priority", 0, 0, intMax, 100, 0, nil),
		numD[int64]("repl-diskless-sync-delay", "", 0, 0, intMax, 5, 0, nil),
		numD("maxmemory-samples", "", 0, 1, intMax, 5, 0, func(c *Config) *int { return &c.MaxMemorySamples }),
		numD("maxmemory-eviction-tenacity", "", 0, 0, 100, 10, 0, func(c *Config) *int { return &c.MaxMemoryEvictionTenacity }),
		numD("timeout", "", 0, 0, intMax, 0, 0, func(c *Config) *int { return &c.Timeout }),
		numD[int64]("replica-announce-port", "slave-announce-port", 0, 0, 65535, 0, 0, nil),
		numD("tcp-backlog", "", imm, 0, intMax, 511, 0, func(c *Config) *int { return &c.TCPBacklog }),
		numD[int64]("cluster-port", "", imm, 0, 65535, 0, 0, nil),
		numD[int64]("cluster-announce-bus-port", "", 0, 0, 65535, 0, 0, nil),
		numD[int64]("cluster-announce-port", "", 0, 0, 65535, 0, 0, nil),
		numD[int64]("cluster-announce-tls-port", "", 0, 0, 65535, 0, 0, nil),
		numD[int64]("repl-timeout", "", 0, 1, intMax, 60, 0, nil),
		numD[int64]("repl-ping-replica-period", "repl-ping-slave-period", 0, 1, intMax, 10, 0, nil),
		numD("list-compress-depth", "", dbg, 0, intMax, 0, 0, func(c *Config) *int { return &c.ListCompressDepth }),
		numD[int64]("rdb-key-save-delay", "", fHidden, intMin, intMax, 0, 0, nil),
		numD[int64]("key-load-delay", "", fHidden, intMin, intMax, 0, 0, nil),
		numD("active-expire-effort", "", 0, 1, 10, 1, 0, func(c *Config) *int { return &c.ActiveExpireEffort }),
		clampHz(numD("hz", "", 0, 0, intMax, 10, 0, func(c *Config) *int { return &c.Hz })),
		numD[int64]("min-replicas-to-write", "min-slaves-to-write", 0, 0, intMax, 0, 0, nil),
		numD[int64]("min-replicas-max-lag", "min-slaves-max-lag", 0, 0, intMax, 10, 0, nil),
		numD[int64]("watchdog-period", "", fHidden, 0, intMax, 0, 0, nil),
		numD("shutdown-timeout", "", 0, 0, intMax, 10, 0, func(c *Config) *int { return &c.ShutdownTimeout }),
		numD[int64]("repl-diskless-sync-max-replicas", "", 0, 0, intMax, 0, 0, nil),

		// Unsigned int.
		numD("maxclients", "", 0, 1, uintMax, 10000, uns, func(c *Config) *int { return &c.MaxClients }),
		numD("unixsocketperm", "", imm, 0, 0o777, 0, oct|uns, func(c *Config) *int { return &c.UnixSocketPerm }),
		numD[int64]("socket-mark-id", "", imm, 0, uintMax, 0, uns, nil),

		// Unsigned long.
		numD[int64]("active-defrag-max-scan-fields", "", 0, 1, llongMax, 1000, 0, nil),
		numD("slowlog-max-len", "", 0, 0, llongMax, 128, 0, func(c *Config) *int64 { return &c.SlowlogMaxLen }),
		numD("acllog-max-len", "", 0, 0, llongMax, 128, 0, func(c *Config) *int64 { return &c.ACLLogMaxLen }),

		// Long long.
		numD("busy-reply-threshold", "lua-time-limit", 0, 0, llongMax, 5000, 0, func(c *Config) *int64 { return &c.BusyReplyThreshold }),
		numD[int64]("cluster-node-timeout", "", 0, 0, llongMax, 15000, 0, nil),
		numD("slowlog-log-slower-than", "", 0, -1, llongMax, 10000, 0, func(c *Config) *int64 { return &c.SlowlogLogSlowerThan }),
		numD("latency-monitor-threshold", "", 0, 0, llongMax, 0, 0, func(c *Config) *int64 { return &c.LatencyMonitorThreshold }),
		numD("proto-max-bulk-len", "", dbg, 1024*1024, llongMax, 512*1024*1024, mem, func(c *Config) *int64 { return &c.ProtoMaxBulkLen }),
		numD("stream-node-max-entries", "", 0, 0, llongMax, 100, 0, func(c *Config) *int64 { return &c.StreamNodeMaxEntries }),
		numD[int64]("repl-backlog-size", "", 0, 1, llongMax, 1024*1024, mem, nil),

		// Unsigned long long.
		numD("maxmemory", "", 0, 0, ullMax, 0, mem|uns, func(c *Config) *uint64 { return &c.MaxMemory }),
		numD[uint64]("cluster-link-sendbuf-limit", "", 0, 0, ullMax, 0, mem|uns, nil),

		// size_t (unsigned) and ssize_t.
		numD("hash-max-listpack-entries", "hash-max-ziplist-entries", 0, 0, llongMax, 512, uns, func(c *Config) *int64 { return &c.HashMaxListpackEntries }),
		numD("set-max-intset-entries", "", 0, 0, llongMax, 512, uns, func(c *Config) *int64 { return &c.SetMaxIntsetEntries }),
		numD("zset-max-listpack-entries", "zset-max-ziplist-entries", 0, 0, llongMax, 128, uns, func(c *Config) *int64 { return &c.ZsetMaxListpackEntries }),
		numD[int64]("active-defrag-ignore-bytes", "", 0, 1, llongMax, 100<<20, mem|uns, nil),
		numD("hash-max-listpack-value", "hash-max-ziplist-value", 0, 0, llongMax, 64, mem|uns, func(c *Config) *int64 { return &c.HashMaxListpackValue }),
		numD("stream-node-max-bytes", "", 0, 0, llongMax, 4096, mem|uns, func(c *Config) *int64 { return &c.StreamNodeMaxBytes }),
		numD("zset-max-listpack-value", "zset-max-ziplist-value", 0, 0, llongMax, 64, mem|uns, func(c *Config) *int64 { return &c.ZsetMaxListpackValue }),
		numD("hll-sparse-max-bytes", "", 0, 0, llongMax, 3000, mem|uns, func(c *Config) *int64 { return &c.HLLSparseMaxBytes }),
		numD("tracking-table-max-keys", "", 0, 0, llongMax, 1000000, uns, func(c *Config) *int64 { return &c.TrackingTableMaxKeys }),
		numD("client-query-buffer-limit", "", dbg, 1024*1024, llongMax, 1024*1024*1024, mem|uns, func(c *Config) *int64 { return &c.ClientQueryBufferLimit }),
		numD("maxmemory-clients", "", 0, -100, llongMax, 0, mem|pct, func(c *Config) *int64 { return &c.MaxMemoryClients }),

		// time_t and off_t.
		numD[int64]("repl-backlog-ttl", "", 0, 0, llongMax, 3600, 0, nil),
		numD("auto-aof-rewrite-min-size", "", 0, 0, llongMax, 64*1024*1024, mem, func(c *Config) *int64 { return &c.AutoAOFRewriteMinSize }),
		numD[int64]("loading-process-events-interval-bytes", "", fHidden, 1024, intMax, 2*1024*1024, 0, nil),

		// TLS.
		numD("tls-port", "", 0, 0, 65535, 0, 0, func(c *Config) *int { return &c.TLSPort }),
		numD("tls-session-cache-size", "", 0, 0, intMax, 20*1024, 0, func(c *Config) *int { return &c.TLSSessionCacheSize }),
		numD("tls-session-cache-timeout", "", 0, 0, intMax, 300, 0, func(c *Config) *int { return &c.TLSSessionCacheTimeout }),
		boolD("tls-cluster", "", 0, false, func(c *Config) *bool { return &c.TLSCluster }),
		boolD("tls-replication", "", 0, false, func(c *Config) *bool { return &c.TLSReplication }),
		enumD("tls-auth-clients", "", 0, enumTLSAuthClients, "yes", func(c *Config) *string { return &c.TLSAuthClients }),
		boolD("tls-prefer-server-ciphers", "", 0, false, func(c *Config) *bool { return &c.TLSPreferServerCiphers }),
		boolD("tls-session-caching", "", 0, true, func(c *Config) *bool { return &c.TLSSessionCaching }),
		strD("tls-cert-file", "", fVolatile, "", true, func(c *Config) *string { return &c.TLSCertFile }),
		strD("tls-key-file", "", fVolatile, "", true, func(c *Config) *string { return &c.TLSKeyFile }),
		strD("tls-key-file-pass", "", 0, "", true, func(c *Config) *string { return &c.TLSKeyFilePass }),
		strD("tls-client-cert-file", "", fVolatile, "", true, func(c *Config) *string { return &c.TLSClientCertFile }),
		strD("tls-client-key-file", "", fVolatile, "", true, func(c *Config) *string { return &c.TLSClientKeyFile }),
		strD("tls-client-key-file-pass", "", 0, "", true, func(c *Config) *string { return &c.TLSClientKeyFilePass }),
		strD("tls-dh-params-file", "", fVolatile, "", true, func(c *Config) *string { return &c.TLSDHParamsFile }),
		strD("tls-ca-cert-file", "", fVolatile, "", true, func(c *Config) *string { return &c.TLSCACertFile }),
		strD("tls-ca-cert-dir", "", fVolatile, "", true, func(c *Config) *string { return &c.TLSCACertDir }),
		strD("tls-protocols", "", 0, "", true, func(c *Config) *string { return &c.TLSProtocols }),
		strD("tls-ciphers", "", 0, "", true, func(c *Config) *string { return &c.TLSCiphers }),
		strD("tls-ciphersuites", "", 0, "", true, func(c *Config) *string { return &c.TLSCiphersuites }),

		// Special values.
		dirDirective(),
		saveDirective(),
		clientOutputBufferDirective(),
		oomScoreAdjValuesDirective(),
		notifyDirective(),
		bindDirective(),
		replicaofDirective(),
		percentilesDirective(),

		// Ours: the HTTP console. Changing it needs a restart.
		numD("console-port", "", imm, 0, 65535, 0, 0, func(c *Config) *int { return &c.ConsolePort }),
		strD("console-bind", "", imm, "127.0.0.1", false, func(c *Config) *string { return &c.ConsoleBind }),
	}
}

// clampHz keeps hz within 1..500 after any change, as Redis does (the
// setting is a hint, out-of-range values are accepted and capped).
func clampHz(d *directive) *directive {
	set := d.set
	d.set = func(c *Config, args []string, cx *setCtx) error {
		if err := set(c, args, cx); err != nil {
			return err
		}
		c.Hz = min(max(c.Hz, 1), 500)
		return nil
	}
	return d
}

// ---------------------------------------------------------------------------
// Special directives.

func dirDirective() *directive {
	return &directive{
		name: "dir", flags: fProtected | fDenyLoading, kind: "special",
		init: func(c *Config) { c.Dir = workingDir() },
		set: func(c *Config, args []string, cx *setCtx) error {
			if len(args) != 1 {
				return errors.New("wrong number of arguments")
			}
			if args[0] == "" {
				return errors.New("No such file or directory")
			}
			// Relative paths are relative to the current dir, which is
			// what chdir() gives Redis.
			p := args[0]
			if !filepath.IsAbs(p) {
				p = filepath.Join(c.Dir, p)
			}
			p = filepath.Clean(p)
			if !cx.loading {
				// At runtime the directory must exist (Redis changes into
				// it); at start-up the server creates it.
				if err := checkDir(p); err != nil {
					return err
				}
			}
			c.Dir = p
			return nil
		},
		get: func(c *Config) string { return c.Dir },
		rewrite: func(c *Config, d *directive, st *rewriteState) {
			st.rewriteLine(d.name, d.name+" "+Quote(c.Dir), true)
		},
	}
}

func saveDirective() *directive {
	return &directive{
		name: "save", flags: fMultiArg, kind: "special", def: "3600 1 300 100 60 10000",
		set: func(c *Config, args []string, cx *setCtx) error {
			if len(args) == 1 && args[0] == "" {
				args = nil
				c.Save = nil
			}
			invalid := errors.New("Invalid save parameters")
			if len(args)%2 != 0 {
				return invalid
			}
			vals := make([]int64, len(args))
			for i, a := range args {
				v, ok, _ := parseCInt(a, 10)
				if !ok || (i%2 == 0 && v < 1) || (i%2 == 1 && v < 0) {
					return invalid
				}
				vals[i] = v
			}
			var rules []SaveRule
			if cx.loading && *cx.saveSeen {
				// Later save lines of a config file add to the earlier ones.
				rules = append(rules, c.Save...)
			}
			if cx.loading {
				*cx.saveSeen = true
			}
			for i := 0; i < len(vals); i += 2 {
				rules = append(rules, SaveRule{Seconds: vals[i], Changes: int(int32(vals[i+1]))})
			}
			c.Save = rules
			return nil
		},
		get: func(c *Config) string {
			parts := make([]string, 0, 2*len(c.Save))
			for _, r := range c.Save {
				parts = append(parts, strconv.FormatInt(r.Seconds, 10), strconv.Itoa(r.Changes))
			}
			return strings.Join(parts, " ")
		},
		rewrite: func(c *Config, d *directive, st *rewriteState) {
			if len(c.Save) == 0 {
				st.rewriteLine(d.name, `save ""`, true)
			}
			for _, r := range c.Save {
				st.rewriteLine(d.name, fmt.Sprintf("save %d %d", r.Seconds, r.Changes), true)
			}
			st.markProcessed(d.name)
		},
	}
}

var defaultOutputBufferLimits = [3]OutputBufferLimit{
	{0, 0, 0},
	{256 << 20, 64 << 20, 60},
	{32 << 20, 8 << 20, 60},
}

func clientClass(s string) int {
	switch strings.ToLower(s) {
	case "normal":
		return ClientNormal
	case "slave", "replica":
		return ClientReplica
	case "pubsub":
		return ClientPubSub
	}
	return -1 // includes "master", which has no limit
}

func clientOutputBufferDirective() *directive {
	return &directive{
		name: "client-output-buffer-limit", flags: fMultiArg, kind: "special",
		def: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
		init: func(c *Config) {
			c.ClientOutputBufferLimit = defaultOutputBufferLimits
		},
		set: func(c *Config, args []string, _ *setCtx) error {
			if len(args)%4 != 0 {
				return errors.New("Wrong number of arguments in buffer limit configuration.")
			}
			limits := c.ClientOutputBufferLimit
			for i := 0; i < len(args); i += 4 {
				class := clientClass(args[i])
				if class < 0 {
					return errors.New("Invalid client class specified in buffer limit configuration.")
				}
				hard, ok1 := parseMemory(args[i+1])
				soft, ok2 := parseMemory(args[i+2])
				secs, ok3, _ := parseCInt(args[i+3], 10)
				secs = int64(int32(secs))
				if !ok1 || !ok2 || !ok3 || secs < 0 {
					return errors.New("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
				}
				limits[class] = OutputBufferLimit{Hard: hard, Soft: soft, SoftSeconds: secs}
			}
			c.ClientOutputBufferLimit = limits
			return nil
		},
		get: func(c *Config) string {
			var parts []string
			for i, name := range []string{"normal", "slave", "pubsub"} {
				l := c.ClientOutputBufferLimit[i]
				parts = append(parts, fmt.Sprintf("%s %d %d %d", name, l.Hard, l.Soft, l.SoftSeconds))
			}
			return strings.Join(parts, " ")
		},
		rewrite: func(c *Config, d *directive, st *rewriteState) {
			for i, name := range []string{"normal", "replica", "pubsub"} {
				l := c.ClientOutputBufferLimit[i]
				force := l != defaultOutputBufferLimits[i]
				st.rewriteLine(d.name, fmt.Sprintf("%s %s %s %s %d", d.name, name,
					formatMemory(l.Hard), formatMemory(l.Soft), l.SoftSeconds), force)
			}
		},
	}
}

func oomScoreAdjValuesDirective() *directive {
	const name = "oom-score-adj-values"
	def := [3]int{0, 200, 800}
	get := func(c *Config) [3]int {
		v, ok := c.misc[name].([3]int)
		if !ok {
			return def
		}
		return v
	}
	format := func(v [3]int) string { return fmt.Sprintf("%d %d %d", v[0], v[1], v[2]) }
	return &directive{
		name: name, flags: fMultiArg, kind: "special", def: format(def),
		set: func(c *Config, args []string, _ *setCtx) error {
			if len(args) != 3 {
				return errors.New("wrong number of arguments")
			}
			var v [3]int
			for i, a := range args {
				n, ok, _ := parseCInt(a, 10)
				if !ok || n < -2000 || n > 2000 {
					return errors.New("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
				}
				v[i] = int(n)
			}
			c.misc[name] = v
			return nil
		},
		get: func(c *Config) string { return format(get(c)) },
		rewrite: func(c *Config, d *directive, st *rewriteState) {
			v := get(c)
			st.rewriteLine(d.name, d.name+" "+format(v), v != def)
		},
	}
}

func notifyDirective() *directive {
	return &directive{
		name: "notify-keyspace-events", kind: "special", def: "",
		set: func(c *Config, args []string, _ *setCtx) error {
			if len(args) != 1 {
				return errors.New("wrong number of arguments")
			}
			f, ok := ParseKeyspaceEvents(args[0])
			if !ok {
				return errors.New("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
			}
			c.NotifyKeyspaceEvents = f
			return nil
		},
		get: func(c *Config) string { return c.NotifyKeyspaceEvents.String() },
		rewrite: func(c *Config, d *directive, st *rewriteState) {
			st.rewriteLine(d.name, d.name+" "+Quote(c.NotifyKeyspaceEvents.String()), c.NotifyKeyspaceEvents != 0)
		},
	}
}

func bindDirective() *directive {
	return &directive{
		name: "bind", flags: fMultiArg, kind: "special", def: "* -::*",
		set: func(c *Config, args []string, _ *setCtx) error {
			if len(args) > 16 {
				return errors.New("Too many bind addresses specified.")
			}
			if len(args) == 1 && args[0] == "" {
				args = nil
			}
			c.Bind = append([]string{}, args...)
			return nil
		},
		get: func(c *Config) string { return strings.Join(c.Bind, " ") },
		rewrite: func(c *Config, d *directive, st *rewriteState) {
			if len(c.Bind) == 2 && c.Bind[0] == "*" && c.Bind[1] == "-::*" {
				st.markProcessed(d.name)
				return
			}
			addrs := `""`
			if len(c.Bind) > 0 {
				q := make([]string, len(c.Bind))
				for i, a := range c.Bind {
					q[i] = quoteIfNeeded(a)
				}
				addrs = strings.Join(q, " ")
			}
			st.rewriteLine(d.name, d.name+" "+addrs, true)
		},
	}
}

func replicaofDirective() *directive {
	return &directive{
		name: "replicaof", alias: "slaveof", flags: fImmutable | fMultiArg, kind: "special",
		init: func(c *Config) {},
		set: func(c *Config, args []string, _ *setCtx) error {
			if len(args) != 2 {
				return errors.New("wrong number of arguments")
			}
			c.ReplicaOfHost, c.ReplicaOfPort = "", 0
			if strings.EqualFold(args[0], "no") && strings.EqualFold(args[1], "one") {
				return nil
			}
			port, ok, _ := parseCInt(args[1], 10)
			if !ok || port < 0 || port > 65535 {
				return errors.New("Invalid master port")
			}
			c.ReplicaOfHost, c.ReplicaOfPort = args[0], int(port)
			return nil
		},
		get: func(c *Config) string {
			if c.ReplicaOfHost == "" {
				return ""
			}
			return c.ReplicaOfHost + " " + strconv.Itoa(c.ReplicaOfPort)
		},
		rewrite: func(c *Config, d *directive, st *rewriteState) {
			if c.ClusterEnabled || c.ReplicaOfHost == "" {
				st.markProcessed(d.name)
				return
			}
			st.rewriteLine(d.name, fmt.Sprintf("%s %s %d", d.name, quoteIfNeeded(c.ReplicaOfHost), c.ReplicaOfPort), true)
		},
	}
}

func percentilesDirective() *directive {
	return &directive{
		name: "latency-tracking-info-percentiles", flags: fMultiArg, kind: "special", def: "50 99 99.9",
		set: func(c *Config, args []string, _ *setCtx) error {
			if len(args) == 1 && args[0] == "" {
				args = nil
			}
			vals := make([]float64, 0, len(args))
			for _, a := range args {
				f, ok := parseFloatStrict(a)
				if !ok {
					return errors.New("Invalid latency-tracking-info-percentiles parameters")
				}
				if f > 100 || f < 0 {
					return errors.New("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
				}
				vals = append(vals, f)
			}
			c.LatencyTrackingInfoPercentiles = vals
			return nil
		},
		get: func(c *Config) string {
			parts := make([]string, len(c.LatencyTrackingInfoPercentiles))
			for i, f := range c.LatencyTrackingInfoPercentiles {
				parts[i] = formatPercentile(f)
			}
			return strings.Join(parts, " ")
		},
		rewrite: func(c *Config, d *directive, st *rewriteState) {
			line := d.name + ` ""`
			if len(c.LatencyTrackingInfoPercentiles) > 0 {
				parts := make([]string, len(c.LatencyTrackingInfoPercentiles))
				for i, f := range c.LatencyTrackingInfoPercentiles {
					parts[i] = formatPercentile(f)
				}
				line = d.name + " " + strings.Join(parts, " ")
			}
			st.rewriteLine(d.name, line, true)
		},
	}
}
