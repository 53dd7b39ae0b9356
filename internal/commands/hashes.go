package commands

import (
	"math"
	"strconv"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// Hash commands. The encoding rules (listpack until an entry count or a
// field/value length limit is crossed) live in types.Hash; the handlers
// add Redis's lookup order, replies, notifications and propagation.

func registerHashes(t *command.Table) {
	for name, h := range map[string]command.Handler{
		"hset": cmdHSet, "hmset": cmdHMSet, "hsetnx": cmdHSetNX,
		"hget": cmdHGet, "hmget": cmdHMGet, "hgetall": cmdHGetAll,
		"hkeys": cmdHKeys, "hvals": cmdHVals, "hdel": cmdHDel,
		"hexists": cmdHExists, "hlen": cmdHLen, "hstrlen": cmdHStrLen,
		"hincrby": cmdHIncrBy, "hincrbyfloat": cmdHIncrByFloat,
		"hrandfield": cmdHRandField, "hscan": cmdHScan,
	} {
		t.Register(name, h)
	}
}

// hashRead looks key up for a read command. It returns (nil, true) for a
// missing key and (nil, false) after replying WRONGTYPE.
func hashRead(c *command.Ctx, key []byte) (*types.Hash, bool) {
	o := c.DB.LookupRead(key)
	if o == nil {
		return nil, true
	}
	if o.Type() != keyspace.TypeHash {
		c.WrongType()
		return nil, false
	}
	return o.Collection().(*types.Hash), true
}

// hashWrite is hashRead for a command that modifies the hash in place.
func hashWrite(c *command.Ctx, key []byte) (*types.Hash, bool) {
	o := c.DB.LookupWrite(key)
	if o == nil {
		return nil, true
	}
	if o.Type() != keyspace.TypeHash {
		c.WrongType()
		return nil, false
	}
	return o.Collection().(*types.Hash), true
}

// hashCreate adds key holding a new empty hash.
func hashCreate(c *command.Ctx, key []byte) *types.Hash {
	h := types.NewHash()
	c.DB.Add(key).SetCollection(keyspace.TypeHash, h)
	return h
}

func cmdHSet(c *command.Ctx)  { hsetGeneric(c, false) }
func cmdHMSet(c *command.Ctx) { hsetGeneric(c, true) }

// hsetGeneric is HSET (replies the number of new fields) and HMSET
// (replies OK). Both notify "hset".
func hsetGeneric(c *command.Ctx, hmset bool) {
	if len(c.Args)%2 == 1 {
		c.Error(command.ArityError(c.Cmd))
		return
	}
	key := c.Args[1]
	h, ok := hashWrite(c, key)
	if !ok {
		return
	}
	if h == nil {
		h = hashCreate(c, key)
	}
	lim := &c.Settings.Limits
	var created int64
	for i := 2; i < len(c.Args); i += 2 {
		if h.Set(lim, c.Args[i], c.Args[i+1]) {
			created++
		}
	}
	c.Modified(key)
	c.Notify(command.NotifyHash, "hset", key)
	c.Dirty(int64(len(c.Args)-2) / 2)
	if hmset {
		c.W.OK()
	} else {
		c.W.Int(created)
	}
}

func cmdHSetNX(c *command.Ctx) {
	key, field := c.Args[1], c.Args[2]
	h, ok := hashWrite(c, key)
	if !ok {
		return
	}
	if h != nil && h.Exists(field) {
		c.W.Int(0)
		return
	}
	if h == nil {
		h = hashCreate(c, key)
	}
	h.Set(&c.Settings.Limits, field, c.Args[3])
	c.Modified(key)
	c.Notify(command.NotifyHash, "hset", key)
	c.Dirty(1)
	c.W.Int(1)
}

func cmdHGet(c *command.Ctx) {
	h, ok := hashRead(c, c.Args[1])
	if !ok {
		return
	}
	if h != nil {
		if v, found := h.Get(c.Args[2]); found {
			c.W.Bulk(v)
			return
		}
	}
	c.W.Null()
}

func cmdHMGet(c *command.Ctx) {
	h, ok := hashRead(c, c.Args[1])
	if !ok {
		return
	}
	fields := c.Args[2:]
	c.W.ArrayLen(len(fields))
	for _, f := range fields {
		if h != nil {
			if v, found := h.Get(f); found {
				c.W.Bulk(v)
				continue
			}
		}
		c.W.Null()
	}
}

func cmdHGetAll(c *command.Ctx) {
	h, ok := hashRead(c, c.Args[1])
	if !ok {
		return
	}
	if h == nil {
		c.W.MapLen(0)
		return
	}
	c.W.MapLen(h.Len())
	h.Range(func(f, v []byte) bool {
		c.W.Bulk(f)
		c.W.Bulk(v)
		return true
	})
}

func cmdHKeys(c *command.Ctx) { hashListGeneric(c, true) }
func cmdHVals(c *command.Ctx) { hashListGeneric(c, false) }

// hashListGeneric replies HKEYS (fields) or HVALS (values) as an array.
func hashListGeneric(c *command.Ctx, fields bool) {
	h, ok := hashRead(c, c.Args[1])
	if !ok {
		return
	}
	if h == nil {
		c.W.ArrayLen(0)
		return
	}
	c.W.ArrayLen(h.Len())
	h.Range(func(f, v []byte) bool {
		if fields {
			c.W.Bulk(f)
		} else {
			c.W.Bulk(v)
		}
		return true
	})
}

func cmdHDel(c *command.Ctx) {
	key := c.Args[1]
	h, ok := hashWrite(c, key)
	if !ok {
		return
	}
	if h == nil {
		c.W.Int(0)
		return
	}
	removeElements(c, key, c.Args[2:], command.NotifyHash, "hdel", h.Delete, h.Len)
}

func cmdHExists(c *command.Ctx) {
	h, ok := hashRead(c, c.Args[1])
	if !ok {
		return
	}
	if h != nil && h.Exists(c.Args[2]) {
		c.W.Int(1)
		return
	}
	c.W.Int(0)
}

func cmdHLen(c *command.Ctx) {
	h, ok := hashRead(c, c.Args[1])
	if !ok {
		return
	}
	if h == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(h.Len()))
}

func cmdHStrLen(c *command.Ctx) {
	h, ok := hashRead(c, c.Args[1])
	if !ok {
		return
	}
	if h == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(h.StrLen(c.Args[2])))
}

func cmdHIncrBy(c *command.Ctx) {
	incr, ok := c.Int(3)
	if !ok {
		return
	}
	key, field := c.Args[1], c.Args[2]
	h, ok := hashWrite(c, key)
	if !ok {
		return
	}
	var cur int64
	if h != nil {
		if v, found := h.Get(field); found {
			// The stored text must be a canonical integer (string2ll):
			// "+1", " 1" and "01" are not.
			if cur, ok = types.ParseInt64(v); !ok {
				c.Error("ERR hash value is not an integer")
				return
			}
		}
	}
	if incr < 0 && cur < 0 && incr < math.MinInt64-cur || incr > 0 && cur > 0 && incr > math.MaxInt64-cur {
		c.Error(command.ErrOverflow)
		return
	}
	cur += incr
	if h == nil {
		h = hashCreate(c, key)
	}
	var buf [20]byte
	h.Set(&c.Settings.Limits, field, strconv.AppendInt(buf[:0], cur, 10))
	c.W.Int(cur)
	c.Modified(key)
	c.Notify(command.NotifyHash, "hincrby", key)
	c.Dirty(1)
}

func cmdHIncrByFloat(c *command.Ctx) {
	incr, ok := parseLongDouble(c.Args[3])
	if !ok {
		c.Error(command.ErrNotFloat)
		return
	}
	if incr.IsInf() {
		c.Error("ERR value is NaN or Infinity")
		return
	}
	key, field := c.Args[1], c.Args[2]
	h, ok := hashWrite(c, key)
	if !ok {
		return
	}
	cur := zeroLD()
	if h != nil {
		if v, found := h.Get(field); found {
			if cur, ok = parseLongDouble(v); !ok {
				c.Error("ERR hash value is not a float")
				return
			}
		}
	}
	sum, ok := addLongDouble(cur, incr)
	if !ok {
		c.Error("ERR increment would produce NaN or Infinity")
		return
	}
	text := []byte(formatLongDouble(sum))
	if h == nil {
		h = hashCreate(c, key)
	}
	h.Set(&c.Settings.Limits, field, text)
	c.W.Bulk(text)
	c.Modified(key)
	c.Notify(command.NotifyHash, "hincrbyfloat", key)
	c.Dirty(1)
	// Replicas and the AOF get the result, never the increment, so that
	// float formatting cannot make them diverge.
	c.Propagate([]byte("HSET"), key, field, text)
}

// errRandCountRange is the reply to a count of math.MinInt64, which
// Redis refuses because its absolute value does not fit.
const errRandCountRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"

func cmdHRandField(c *command.Ctx) {
	if len(c.Args) >= 3 {
		count, ok := c.Int(2)
		if !ok {
			return
		}
		if count == math.MinInt64 {
			c.Error(errRandCountRange)
			return
		}
		withValues := false
		if len(c.Args) > 4 || len(c.Args) == 4 && !c.Is(3, "withvalues") {
			c.SyntaxError()
			return
		}
		if len(c.Args) == 4 {
			withValues = true
			// The reply holds 2*count strings: Redis refuses counts whose
			// double would overflow.
			if count < -math.MaxInt64/2 || count > math.MaxInt64/2 {
				c.Error("ERR value is out of range")
				return
			}
		}
		hrandfieldCount(c, count, withValues)
		return
	}
	h, ok := hashRead(c, c.Args[1])
	if !ok {
		return
	}
	if h == nil {
		c.W.Null()
		return
	}
	f, _, _ := h.RandomPair(c.KS.Rand())
	c.W.Bulk(f)
}

// hrandfieldCount is HRANDFIELD with a count: distinct fields for a
// positive count, independent picks for a negative one. WITHVALUES pairs
// are flat in RESP2 and two-element arrays in RESP3.
func hrandfieldCount(c *command.Ctx, count int64, withValues bool) {
	h, ok := hashRead(c, c.Args[1])
	if !ok {
		return
	}
	if h == nil || count == 0 {
		c.W.ArrayLen(0)
		return
	}
	n := count
	if n < 0 {
		n = -n
	} else if size := int64(h.Len()); n > size {
		n = size
	}
	resp3 := c.W.Proto() == 3
	if withValues && !resp3 {
		c.W.ArrayLen(int(2 * n))
	} else {
		c.W.ArrayLen(int(n))
	}
	h.RandomPairs(c.KS.Rand(), count, func(f, v []byte) {
		if withValues && resp3 {
			c.W.ArrayLen(2)
		}
		c.W.Bulk(f)
		if withValues {
			c.W.Bulk(v)
		}
	})
}

func cmdHScan(c *command.Ctx) {
	cursor, ok := parseCursor(c.Args[2])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	h, ok := hashRead(c, c.Args[1])
	if !ok {
		return
	}
	if h == nil {
		writeEmptyScan(c)
		return
	}
	opt, ok := parseScanOptions(c, 3, false)
	if !ok {
		return
	}
	var items [][]byte
	collect := func(f, v []byte) {
		if opt.pattern != nil && !keyspace.Match(opt.pattern, f, false) {
			return
		}
		items = append(items, f, v)
	}
	if h.Encoding() == types.EncListpack {
		// A compact hash is returned whole whatever the cursor or COUNT.
		cursor = h.Scan(cursor, collect)
	} else {
		// Like Redis: stop once COUNT items (fields and values both count)
		// were gathered or after ten times COUNT steps. Redis filters after
		// gathering, so MATCH does not make a step gather more.
		gathered := int64(0)
		count := func(f, v []byte) {
			gathered += 2
			collect(f, v)
		}
		for steps := opt.count * 10; ; {
			cursor = h.Scan(cursor, count)
			steps--
			if cursor == 0 || steps <= 0 || gathered >= opt.count {
				break
			}
		}
	}
	writeScanReply(c, cursor, items)
}

// writeEmptyScan replies a finished scan with no elements (a missing key).
func writeEmptyScan(c *command.Ctx) {
	c.W.ArrayLen(2)
	c.W.BulkString("0")
	c.W.ArrayLen(0)
}

// writeScanReply replies [cursor, [items...]].
func writeScanReply(c *command.Ctx, cursor uint64, items [][]byte) {
	var buf [20]byte
	c.W.ArrayLen(2)
	c.W.Bulk(strconv.AppendUint(buf[:0], cursor, 10))
	c.W.ArrayLen(len(items))
	for _, it := range items {
		c.W.Bulk(it)
	}
}
