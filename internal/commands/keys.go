package commands

import (
	"math"
	"strconv"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// Generic keyspace commands: DEL, EXISTS, TYPE, expiry, RENAME, KEYS,
// SCAN, RANDOMKEY, TOUCH, COPY, MOVE, OBJECT.

func registerKeys(t *command.Table) {
	for name, h := range map[string]command.Handler{
		"del": cmdDel, "unlink": cmdDel, "exists": cmdExists, "type": cmdType,
		"expire": cmdExpire, "pexpire": cmdPExpire, "expireat": cmdExpireAt, "pexpireat": cmdPExpireAt,
		"ttl": cmdTTL, "pttl": cmdPTTL, "expiretime": cmdExpireTime, "pexpiretime": cmdPExpireTime,
		"persist": cmdPersist, "rename": cmdRename, "renamenx": cmdRenameNX,
		"keys": cmdKeys, "scan": cmdScan, "randomkey": cmdRandomKey, "touch": cmdTouch,
		"copy": cmdCopy, "move": cmdMove,
		"object|encoding": cmdObjectEncoding, "object|refcount": cmdObjectRefcount,
		"object|idletime": cmdObjectIdletime, "object|freq": cmdObjectFreq, "object|help": cmdObjectHelp,
	} {
		t.Register(name, h)
	}
}

func cmdDel(c *command.Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if c.DB.Delete(k) {
			c.Modified(k)
			c.Notify(command.NotifyGeneric, "del", k)
			n++
		}
	}
	c.Dirty(n)
	c.W.Int(n)
}

func cmdExists(c *command.Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if c.DB.LookupReadNoTouch(k) != nil {
			n++
		}
	}
	c.W.Int(n)
}

func cmdType(c *command.Ctx) {
	o := c.DB.LookupReadNoTouch(c.Args[1])
	if o == nil {
		c.W.Status("none")
		return
	}
	c.W.Status(o.Type().String())
}

const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

func cmdExpire(c *command.Ctx)    { expireGeneric(c, c.Now(), true) }
func cmdPExpire(c *command.Ctx)   { expireGeneric(c, c.Now(), false) }
func cmdExpireAt(c *command.Ctx)  { expireGeneric(c, 0, true) }
func cmdPExpireAt(c *command.Ctx) { expireGeneric(c, 0, false) }

// expireGeneric implements the EXPIRE family. base is added to the given
// time (now for relative forms); seconds scales it.
func expireGeneric(c *command.Ctx, base int64, seconds bool) {
	key := c.Args[1]
	flags := 0
	for _, opt := range c.Args[3:] {
		switch {
		case resp.EqualFold(opt, "nx"):
			flags |= expireNX
		case resp.EqualFold(opt, "xx"):
			flags |= expireXX
		case resp.EqualFold(opt, "gt"):
			flags |= expireGT
		case resp.EqualFold(opt, "lt"):
			flags |= expireLT
		default:
			c.Error("ERR Unsupported option " + string(opt))
			return
		}
	}
	if flags&expireNX != 0 && flags&^expireNX != 0 {
		c.Error("ERR NX and XX, GT or LT options at the same time are not compatible")
		return
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		c.Error("ERR GT and LT options at the same time are not compatible")
		return
	}
	when, ok := c.Int(2)
	if !ok {
		return
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			expireTimeError(c)
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		expireTimeError(c)
		return
	}
	when += base
	if c.DB.LookupWrite(key) == nil {
		c.W.Int(0)
		return
	}
	if flags != 0 {
		cur := c.DB.TTL(key)
		switch {
		case flags&expireNX != 0 && cur != -1,
			flags&expireXX != 0 && cur == -1,
			flags&expireGT != 0 && (when <= cur || cur == -1),
			flags&expireLT != 0 && cur != -1 && when >= cur:
			c.W.Int(0)
			return
		}
	}
	c.Modified(key)
	c.Dirty(1)
	if when <= c.Now() {
		c.DB.Delete(key)
		c.Propagate([]byte("DEL"), key)
		c.Notify(command.NotifyGeneric, "del", key)
		c.W.Int(1)
		return
	}
	c.DB.SetExpire(key, when)
	c.Propagate([]byte("PEXPIREAT"), key, strconv.AppendInt(nil, when, 10))
	c.Notify(command.NotifyGeneric, "expire", key)
	c.W.Int(1)
}

func cmdTTL(c *command.Ctx)         { ttlGeneric(c, false, false) }
func cmdPTTL(c *command.Ctx)        { ttlGeneric(c, true, false) }
func cmdExpireTime(c *command.Ctx)  { ttlGeneric(c, false, true) }
func cmdPExpireTime(c *command.Ctx) { ttlGeneric(c, true, true) }

func ttlGeneric(c *command.Ctx, ms, abs bool) {
	if c.DB.LookupReadNoTouch(c.Args[1]) == nil {
		c.W.Int(-2)
		return
	}
	at := c.DB.TTL(c.Args[1])
	if at == -1 {
		c.W.Int(-1)
		return
	}
	v := at
	if !abs {
		v = at - c.Now()
	}
	if v < 0 {
		v = 0
	}
	if !ms {
		v = (v + 500) / 1000
	}
	c.W.Int(v)
}

func cmdPersist(c *command.Ctx) {
	key := c.Args[1]
	if c.DB.LookupWrite(key) == nil || !c.DB.Persist(key) {
		c.W.Int(0)
		return
	}
	c.Modified(key)
	c.Notify(command.NotifyGeneric, "persist", key)
	c.Dirty(1)
	c.W.Int(1)
}

func cmdRename(c *command.Ctx)   { renameGeneric(c, false) }
func cmdRenameNX(c *command.Ctx) { renameGeneric(c, true) }

func renameGeneric(c *command.Ctx, nx bool) {
	from, to := c.Args[1], c.Args[2]
	o := c.DB.LookupWrite(from)
	if o == nil {
		c.Error(command.ErrNoSuchKey)
		return
	}
	if string(from) == string(to) {
		if nx {
			c.W.Int(0)
		} else {
			c.W.OK()
		}
		return
	}
	if c.DB.LookupWrite(to) != nil && nx {
		c.W.Int(0)
		return
	}
	c.DB.Rename(from, to)
	c.Modified(from)
	c.Modified(to)
	c.Notify(command.NotifyGeneric, "rename_from", from)
	c.Notify(command.NotifyGeneric, "rename_to", to)
	c.Ready(to)
	c.Dirty(1)
	if nx {
		c.W.Int(1)
	} else {
		c.W.OK()
	}
}

func cmdKeys(c *command.Ctx) {
	pat := c.Args[1]
	all := len(pat) == 1 && pat[0] == '*'
	d := c.W.Defer()
	n := 0
	c.DB.Range(func(key string, _ *keyspace.Object, _ int64) bool {
		if all || keyspace.Match(pat, []byte(key), false) {
			c.W.BulkString(key)
			n++
		}
		return true
	})
	c.W.SetArrayLen(d, n)
}

// parseCursor reads a SCAN cursor the way Redis's strtoul-based parser
// does: leading white space is refused, a sign is accepted (a negative
// value wraps around), and trailing garbage is refused.
func parseCursor(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	if isCSpace(b[0]) {
		return 0, false
	}
	s := b
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	var v uint64
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false // ERANGE
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// scanOptions are SCAN/HSCAN/SSCAN/ZSCAN's MATCH, COUNT and TYPE.
type scanOptions struct {
	pattern []byte // nil: everything
	count   int64
	typ     []byte // nil: every type (SCAN only)
}

func parseScanOptions(c *command.Ctx, from int, allowType bool) (scanOptions, bool) {
	opt := scanOptions{count: 10}
	args := c.Args
	for i := from; i < len(args); {
		more := len(args) - i
		switch {
		case resp.EqualFold(args[i], "count") && more >= 2:
			n, ok := resp.ParseInt(args[i+1])
			if !ok {
				c.Error(command.ErrNotInt)
				return opt, false
			}
			if n < 1 {
				c.SyntaxError()
				return opt, false
			}
			opt.count = n
			i += 2
		case resp.EqualFold(args[i], "match") && more >= 2:
			p := args[i+1]
			if len(p) == 1 && p[0] == '*' {
				opt.pattern = nil
			} else {
				opt.pattern = p
			}
			i += 2
		case allowType && resp.EqualFold(args[i], "type") && more >= 2:
			opt.typ = args[i+1]
			i += 2
		default:
			c.SyntaxError()
			return opt, false
		}
	}
	return opt, true
}

func cmdScan(c *command.Ctx) {
	cursor, ok := parseCursor(c.Args[1])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	opt, ok := parseScanOptions(c, 2, true)
	if !ok {
		return
	}
	var keys []string
	// Like Redis: visit buckets until COUNT keys are collected or ten
	// times COUNT buckets were visited, then filter.
	maxIter := opt.count * 10
	for {
		cursor = c.DB.Scan(cursor, func(key string, o *keyspace.Object) {
			if opt.pattern != nil && !keyspace.Match(opt.pattern, []byte(key), false) {
				return
			}
			if opt.typ != nil && !resp.EqualFold(opt.typ, o.Type().String()) {
				return
			}
			keys = append(keys, key)
		})
		maxIter--
		if cursor == 0 || maxIter <= 0 || int64(len(keys)) >= opt.count {
			break
		}
	}
	c.W.ArrayLen(2)
	c.W.BulkString(strconv.FormatUint(cursor, 10))
	c.W.StringArray(keys)
}

func cmdRandomKey(c *command.Ctx) {
	k, ok := c.DB.RandomKey()
	if !ok {
		c.W.Null()
		return
	}
	c.W.BulkString(k)
}

func cmdTouch(c *command.Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if c.DB.LookupRead(k) != nil {
			n++
		}
	}
	c.W.Int(n)
}

// dbArg parses a database number argument as Redis's getIntFromObject.
func dbArg(c *command.Ctx, b []byte) (*keyspace.DB, bool) {
	n, ok := resp.ParseInt(b)
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		c.Error(command.ErrNotInt)
		return nil, false
	}
	db := c.KS.DB(int(n))
	if db == nil {
		c.Error(command.ErrDBIndex)
		return nil, false
	}
	return db, true
}

func cmdCopy(c *command.Ctx) {
	src, dstKey := c.Args[1], c.Args[2]
	dst := c.DB
	replace := false
	for j := 3; j < len(c.Args); j++ {
		switch {
		case c.Is(j, "replace"):
			replace = true
		case c.Is(j, "db") && j+1 < len(c.Args):
			db, ok := dbArg(c, c.Args[j+1])
			if !ok {
				return
			}
			dst = db
			j++
		default:
			c.SyntaxError()
			return
		}
	}
	if dst == c.DB && string(src) == string(dstKey) {
		c.Error(command.ErrSameObject)
		return
	}
	o := c.DB.LookupRead(src)
	if o == nil {
		c.W.Int(0)
		return
	}
	exp := c.DB.TTL(src)
	if dst.LookupWrite(dstKey) != nil {
		if !replace {
			c.W.Int(0)
			return
		}
		dst.Delete(dstKey)
	}
	n := dst.Add(dstKey)
	copyValue(n, o)
	if exp >= 0 {
		dst.SetExpire(dstKey, exp)
	}
	c.Hooks.KeyModified(dst, dstKey)
	c.Hooks.Notify(dst, command.NotifyGeneric, "copy_to", dstKey)
	c.Hooks.KeyReady(dst, dstKey)
	c.Dirty(1)
	c.W.Int(1)
}

// copyValue makes dst an independent copy of src.
func copyValue(dst, src *keyspace.Object) {
	if src.Type() == keyspace.TypeString {
		dst.CopyStringFrom(src)
		return
	}
	dst.SetCollection(src.Type(), src.Collection().Clone())
}

func cmdMove(c *command.Ctx) {
	key := c.Args[1]
	n, ok := resp.ParseInt(c.Args[2])
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		c.Error(command.ErrNotInt)
		return
	}
	dst := c.KS.DB(int(n))
	if dst == nil {
		c.Error(command.ErrDBIndex)
		return
	}
	if dst == c.DB {
		c.Error(command.ErrSameObject)
		return
	}
	if c.DB.LookupWrite(key) == nil {
		c.W.Int(0)
		return
	}
	if dst.LookupWrite(key) != nil {
		c.W.Int(0)
		return
	}
	c.DB.MoveTo(key, dst, key)
	c.Modified(key)
	c.Hooks.KeyModified(dst, key)
	c.Notify(command.NotifyGeneric, "move_from", key)
	c.Hooks.Notify(dst, command.NotifyGeneric, "move_to", key)
	c.Hooks.KeyReady(dst, key)
	c.Dirty(1)
	c.W.Int(1)
}

func objectLookup(c *command.Ctx) *keyspace.Object {
	o := c.DB.LookupReadFlags(c.Args[2], keyspace.NoTouch|keyspace.NoNotify)
	if o == nil {
		c.W.Null()
	}
	return o
}

func cmdObjectEncoding(c *command.Ctx) {
	if o := objectLookup(c); o != nil {
		c.W.BulkString(o.Encoding().String())
	}
}

func cmdObjectRefcount(c *command.Ctx) {
	if o := objectLookup(c); o != nil {
		if c.KS.IsSharedInteger(o) {
			c.W.Int(math.MaxInt32)
			return
		}
		c.W.Int(1)
	}
}

const lfuMismatch = " Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."

func cmdObjectIdletime(c *command.Ctx) {
	o := objectLookup(c)
	if o == nil {
		return
	}
	if c.KS.LFU {
		c.Error("ERR An LFU maxmemory policy is selected, idle time not tracked." + lfuMismatch)
		return
	}
	c.W.Int(c.KS.IdleMs(o) / 1000)
}

func cmdObjectFreq(c *command.Ctx) {
	o := objectLookup(c)
	if o == nil {
		return
	}
	if !c.KS.LFU {
		c.Error("ERR An LFU maxmemory policy is not selected, access frequency not tracked." + lfuMismatch)
		return
	}
	c.W.Int(c.KS.LFUFrequency(o))
}

var objectHelp = []string{
	"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ENCODING <key>",
	"    Show how the value stored at <key> is represented in memory",
	"    (int, embstr, raw, listpack, quicklist, intset, hashtable, skiplist, stream).",
	"FREQ <key>",
	"    Show the logarithmic access counter of <key>; needs an LFU",
	"    maxmemory-policy.",
	"IDLETIME <key>",
	"    Show roughly how many seconds passed since <key> was last read or",
	"    written; not available under an LFU maxmemory-policy.",
	"REFCOUNT <key>",
	"    Show how many references point at the value of <key> (shared small",
	"    integers report a very large number).",
	"HELP",
	"    Print this help.",
}

func cmdObjectHelp(c *command.Ctx) {
	c.W.ArrayLen(len(objectHelp))
	for _, l := range objectHelp {
		c.W.Status(l)
	}
}

// removeElements is the body of HDEL, SREM and ZREM: it deletes each of
// elems with del and replies with how many existed. As in Redis, it stops
// at the element that empties the collection, deletes the key then, and
// sends the type's event (plus "del" when the key went away) only when
// something was removed.
func removeElements(c *command.Ctx, key []byte, elems [][]byte, class command.NotifyClass, event string,
	del func([]byte) bool, size func() int) {
	var deleted int64
	removed := false
	for _, e := range elems {
		if del(e) {
			deleted++
			if size() == 0 {
				c.DB.Delete(key)
				removed = true
				break
			}
		}
	}
	if deleted > 0 {
		c.Modified(key)
		c.Notify(class, event, key)
		if removed {
			c.Notify(command.NotifyGeneric, "del", key)
		}
		c.Dirty(deleted)
	}
	c.W.Int(deleted)
}
