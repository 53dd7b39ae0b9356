package command

import "strings"

// Flag is a bitmask of Redis 7.0 command flags.
//
// The visible flags are declared in the order in which Redis 7.0 lists them
// in the COMMAND INFO reply, so walking the bits from low to high yields the
// reply order. Flags that Redis keeps out of the reply on purpose
// (may_replicate, sentinel, only_sentinel, protected, touches_arbitrary_keys)
// and the module-only flags come after them.
type Flag uint64

const (
	FlagWrite           Flag = 1 << iota // write: may modify the keyspace
	FlagReadonly                         // readonly: only reads keys
	FlagDenyOOM                          // denyoom: refused when over maxmemory
	FlagModule                           // module: provided by a module
	FlagAdmin                            // admin: administrative command
	FlagPubSub                           // pubsub: pub/sub related
	FlagNoScript                         // noscript: not allowed from scripts
	FlagBlocking                         // blocking: may block the client
	FlagLoading                          // loading: allowed while loading the dataset
	FlagStale                            // stale: allowed on a replica with stale data
	FlagSkipMonitor                      // skip_monitor: not shown to MONITOR
	FlagSkipSlowlog                      // skip_slowlog: not recorded in the slow log
	FlagAsking                           // asking: accepted on an importing slot (cluster)
	FlagFast                             // fast: O(1) or O(log N)
	FlagNoAuth                           // no_auth: allowed before authentication
	FlagNoMandatoryKeys                  // no_mandatory_keys: key arguments may be absent
	FlagNoAsyncLoading                   // no_async_loading: refused during async loading
	FlagNoMulti                          // no_multi: not allowed inside MULTI
	FlagMovableKeys                      // movablekeys: derived, the legacy range misses keys
	FlagAllowBusy                        // allow_busy: allowed while a script is busy

	// Hidden flags: part of the command table but never shown by COMMAND INFO.

	FlagMayReplicate         // may_replicate: may propagate to replicas although not a write
	FlagSentinel             // sentinel: also available in Sentinel mode
	FlagOnlySentinel         // only_sentinel: available only in Sentinel mode
	FlagProtected            // protected: refused unless enable-*-command allows it
	FlagTouchesArbitraryKeys // touches_arbitrary_keys: may touch keys it does not declare

	// Module-only flags (never set on built-in commands).

	FlagModuleGetKeys     // module supplies its own key extraction
	FlagModuleNoCluster   // module command refused in cluster mode
	FlagModuleGetChannels // module supplies its own channel extraction
)

type flagName struct {
	flag   Flag
	name   string
	hidden bool
}

// flagNames lists every flag with its name; the visible ones are in the
// COMMAND INFO reply order.
var flagNames = [...]flagName{
	{FlagWrite, "write", false},
	{FlagReadonly, "readonly", false},
	{FlagDenyOOM, "denyoom", false},
	{FlagModule, "module", false},
	{FlagAdmin, "admin", false},
	{FlagPubSub, "pubsub", false},
	{FlagNoScript, "noscript", false},
	{FlagBlocking, "blocking", false},
	{FlagLoading, "loading", false},
	{FlagStale, "stale", false},
	{FlagSkipMonitor, "skip_monitor", false},
	{FlagSkipSlowlog, "skip_slowlog", false},
	{FlagAsking, "asking", false},
	{FlagFast, "fast", false},
	{FlagNoAuth, "no_auth", false},
	{FlagNoMandatoryKeys, "no_mandatory_keys", false},
	{FlagNoAsyncLoading, "no_async_loading", false},
	{FlagNoMulti, "no_multi", false},
	{FlagMovableKeys, "movablekeys", false},
	{FlagAllowBusy, "allow_busy", false},
	{FlagMayReplicate, "may_replicate", true},
	{FlagSentinel, "sentinel", true},
	{FlagOnlySentinel, "only_sentinel", true},
	{FlagProtected, "protected", true},
	{FlagTouchesArbitraryKeys, "touches_arbitrary_keys", true},
	{FlagModuleGetKeys, "module_getkeys", true},
	{FlagModuleNoCluster, "module_no_cluster", true},
	{FlagModuleGetChannels, "module_getchannels", true},
}

// Has reports whether all bits of g are set in f.
func (f Flag) Has(g Flag) bool { return f&g == g }

// ReplyNames returns the names COMMAND INFO shows for f, in reply order.
// Hidden flags are left out, as Redis does.
func (f Flag) ReplyNames() []string {
	var out []string
	for _, fn := range flagNames {
		if !fn.hidden && f&fn.flag != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// Names returns the names of every flag set in f, hidden ones included.
func (f Flag) Names() []string {
	var out []string
	for _, fn := range flagNames {
		if f&fn.flag != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// String joins Names with '|'.
func (f Flag) String() string { return strings.Join(f.Names(), "|") }

// FlagByName returns the flag called name (case-insensitive).
func FlagByName(name string) (Flag, bool) {
	for _, fn := range flagNames {
		if equalFoldASCII(name, fn.name) {
			return fn.flag, true
		}
	}
	return 0, false
}

// Category is a bitmask of ACL categories.
type Category uint64

// The ACL categories, in the order of Redis's category table (which is the
// order of ACL CAT and of the categories in COMMAND INFO).
const (
	CatKeyspace Category = 1 << iota
	CatRead
	CatWrite
	CatSet
	CatSortedSet
	CatList
	CatHash
	CatString
	CatBitmap
	CatHyperLogLog
	CatGeo
	CatStream
	CatPubSub
	CatAdmin
	CatFast
	CatSlow
	CatBlocking
	CatDangerous
	CatConnection
	CatTransaction
	CatScripting
)

var categoryNames = [...]struct {
	cat  Category
	name string
}{
	{CatKeyspace, "keyspace"},
	{CatRead, "read"},
	{CatWrite, "write"},
	{CatSet, "set"},
	{CatSortedSet, "sortedset"},
	{CatList, "list"},
	{CatHash, "hash"},
	{CatString, "string"},
	{CatBitmap, "bitmap"},
	{CatHyperLogLog, "hyperloglog"},
	{CatGeo, "geo"},
	{CatStream, "stream"},
	{CatPubSub, "pubsub"},
	{CatAdmin, "admin"},
	{CatFast, "fast"},
	{CatSlow, "slow"},
	{CatBlocking, "blocking"},
	{CatDangerous, "dangerous"},
	{CatConnection, "connection"},
	{CatTransaction, "transaction"},
	{CatScripting, "scripting"},
}

// CategoryNames returns the names of all ACL categories (without '@'), in
// Redis's order: the reply of ACL CAT.
func CategoryNames() []string {
	out := make([]string, len(categoryNames))
	for i, c := range categoryNames {
		out[i] = c.name
	}
	return out
}

// CategoryByName looks up an ACL category by name (without '@'),
// case-insensitively, as Redis does.
func CategoryByName(name string) (Category, bool) {
	for _, c := range categoryNames {
		if equalFoldASCII(name, c.name) {
			return c.cat, true
		}
	}
	return 0, false
}

// Names returns the names of the categories in c (without '@'), in
// Redis's order.
func (c Category) Names() []string {
	var out []string
	for _, cn := range categoryNames {
		if c&cn.cat != 0 {
			out = append(out, cn.name)
		}
	}
	return out
}

// String joins the names with '|'.
func (c Category) String() string { return strings.Join(c.Names(), "|") }

// Doc flags, as COMMAND DOCS names them.
const (
	DocFlagDeprecated = "deprecated"
	DocFlagSyscmd     = "syscmd"
)

// docFlagOrder is the order in which COMMAND DOCS lists doc flags.
var docFlagOrder = [...]string{DocFlagDeprecated, DocFlagSyscmd}
