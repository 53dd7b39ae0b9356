package commands

import (
	"math"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// Set commands. types.Set implements the intset/hashtable encodings, the
// random-pick strategies and the set algebra with Redis's iteration
// orders; the handlers add lookups, replies, notifications and the
// propagation of random effects (SPOP) as deterministic SREM/DEL.

func registerSets(t *command.Table) {
	for name, h := range map[string]command.Handler{
		"sadd": cmdSAdd, "srem": cmdSRem, "smembers": cmdSMembers,
		"sismember": cmdSIsMember, "smismember": cmdSMIsMember, "scard": cmdSCard,
		"spop": cmdSPop, "srandmember": cmdSRandMember, "smove": cmdSMove,
		"sinter": cmdSInter, "sintercard": cmdSInterCard, "sinterstore": cmdSInterStore,
		"sunion": cmdSUnion, "sunionstore": cmdSUnionStore,
		"sdiff": cmdSDiff, "sdiffstore": cmdSDiffStore, "sscan": cmdSScan,
	} {
		t.Register(name, h)
	}
}

// setRead looks key up for a read command: (nil, true) when missing,
// (nil, false) after replying WRONGTYPE.
func setRead(c *command.Ctx, key []byte) (*types.Set, bool) {
	return setOf(c, c.DB.LookupRead(key))
}

// setWrite is setRead for commands that modify the set in place.
func setWrite(c *command.Ctx, key []byte) (*types.Set, bool) {
	return setOf(c, c.DB.LookupWrite(key))
}

func setOf(c *command.Ctx, o *keyspace.Object) (*types.Set, bool) {
	if o == nil {
		return nil, true
	}
	if o.Type() != keyspace.TypeSet {
		c.WrongType()
		return nil, false
	}
	return o.Collection().(*types.Set), true
}

// setCreate adds key holding a new empty set (an intset until a member
// says otherwise, which ends where Redis's setTypeCreate starts).
func setCreate(c *command.Ctx, key []byte) *types.Set {
	s := types.NewSet()
	c.DB.Add(key).SetCollection(keyspace.TypeSet, s)
	return s
}

func cmdSAdd(c *command.Ctx) {
	key := c.Args[1]
	s, ok := setWrite(c, key)
	if !ok {
		return
	}
	if s == nil {
		s = setCreate(c, key)
	}
	lim := &c.Settings.Limits
	var added int64
	for _, m := range c.Args[2:] {
		if s.Add(lim, m) {
			added++
		}
	}
	if added > 0 {
		c.Modified(key)
		c.Notify(command.NotifySet, "sadd", key)
		c.Dirty(added)
	}
	c.W.Int(added)
}

func cmdSRem(c *command.Ctx) {
	key := c.Args[1]
	s, ok := setWrite(c, key)
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	removeElements(c, key, c.Args[2:], command.NotifySet, "srem", s.Remove, s.Len)
}

// SMEMBERS is SINTER of one key in Redis 7.0, which is also what gives it
// its reply order.
func cmdSMembers(c *command.Ctx) { sinterGeneric(c, c.Args[1:], nil, false, 0) }

func cmdSIsMember(c *command.Ctx) {
	s, ok := setRead(c, c.Args[1])
	if !ok {
		return
	}
	if s != nil && s.IsMember(c.Args[2]) {
		c.W.Int(1)
		return
	}
	c.W.Int(0)
}

func cmdSMIsMember(c *command.Ctx) {
	s, ok := setRead(c, c.Args[1])
	if !ok {
		return
	}
	ms := c.Args[2:]
	c.W.ArrayLen(len(ms))
	for _, m := range ms {
		if s != nil && s.IsMember(m) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
	}
}

func cmdSCard(c *command.Ctx) {
	s, ok := setRead(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(s.Len()))
}

func cmdSPop(c *command.Ctx) {
	if len(c.Args) == 3 {
		spopCount(c)
		return
	}
	if len(c.Args) > 3 {
		c.SyntaxError()
		return
	}
	key := c.Args[1]
	s, ok := setWrite(c, key)
	if !ok {
		return
	}
	if s == nil {
		c.W.Null()
		return
	}
	m, _ := s.Pop(c.KS.Rand())
	c.Notify(command.NotifySet, "spop", key)
	// The random choice propagates as its effect.
	c.Propagate([]byte("SREM"), key, m)
	c.W.Bulk(m)
	if s.Len() == 0 {
		c.DB.Delete(key)
		c.Notify(command.NotifyGeneric, "del", key)
	}
	c.Modified(key)
	c.Dirty(1)
}

// errSPopCount is Redis 7.0's reply to any count that is not a
// non-negative integer, including one that does not parse.
const errSPopCount = "ERR value is out of range, must be positive"

// spopCount is SPOP with a count. Popping the whole set deletes the key
// and propagates as DEL; otherwise every popped member propagates as its
// own SREM, as Redis 7.0 does.
func spopCount(c *command.Ctx) {
	count, ok := resp.ParseInt(c.Args[2])
	if !ok || count < 0 {
		c.Error(errSPopCount)
		return
	}
	key := c.Args[1]
	s, ok := setWrite(c, key)
	if !ok {
		return
	}
	if s == nil || count == 0 {
		c.W.SetLen(0)
		return
	}
	size := int64(s.Len())
	c.Notify(command.NotifySet, "spop", key)
	lim := &c.Settings.Limits
	if count >= size {
		// Redis replies through SUNION of the key, so the members come
		// in the order of a freshly built set (sorted when they are all
		// integers, even if this set is a hashtable).
		sets := [1]*types.Set{s}
		u := types.SetUnion(lim, sets[:])
		c.W.SetLen(u.Len())
		u.Range(func(m []byte) bool {
			c.W.Bulk(m)
			return true
		})
		c.DB.Delete(key)
		c.Notify(command.NotifyGeneric, "del", key)
		c.Propagate([]byte("DEL"), key)
		c.Modified(key)
		c.Dirty(1)
		return
	}
	c.W.SetLen(int(count))
	srem := []byte("SREM")
	s.PopMembers(lim, c.KS.Rand(), count, func(m []byte) {
		c.W.Bulk(m)
		c.Propagate(srem, key, append([]byte(nil), m...))
	})
	c.Modified(key)
	c.Dirty(1)
}

func cmdSRandMember(c *command.Ctx) {
	if len(c.Args) == 3 {
		srandmemberCount(c)
		return
	}
	if len(c.Args) > 3 {
		c.SyntaxError()
		return
	}
	s, ok := setRead(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		c.W.Null()
		return
	}
	m, _ := s.Random(c.KS.Rand())
	c.W.Bulk(m)
}

// srandmemberCount is SRANDMEMBER with a count: distinct members for a
// positive count, independent picks for a negative one, always an array.
func srandmemberCount(c *command.Ctx) {
	count, ok := c.Int(2)
	if !ok {
		return
	}
	if count == math.MinInt64 {
		c.Error(errRandCountRange)
		return
	}
	s, ok := setRead(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil || count == 0 {
		c.W.ArrayLen(0)
		return
	}
	n := count
	if n < 0 {
		n = -n
	} else if size := int64(s.Len()); n > size {
		n = size
	}
	c.W.ArrayLen(int(n))
	s.RandomMembers(c.KS.Rand(), count, func(m []byte) { c.W.Bulk(m) })
}

func cmdSMove(c *command.Ctx) {
	srcKey, dstKey, m := c.Args[1], c.Args[2], c.Args[3]
	so := c.DB.LookupWrite(srcKey)
	do := c.DB.LookupWrite(dstKey)
	if so == nil {
		c.W.Int(0)
		return
	}
	src, ok := setOf(c, so)
	if !ok {
		return
	}
	dst, ok := setOf(c, do)
	if !ok {
		return
	}
	if string(srcKey) == string(dstKey) {
		if src.IsMember(m) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
		return
	}
	if !src.Remove(m) {
		c.W.Int(0)
		return
	}
	c.Notify(command.NotifySet, "srem", srcKey)
	if src.Len() == 0 {
		c.DB.Delete(srcKey)
		c.Notify(command.NotifyGeneric, "del", srcKey)
	}
	if dst == nil {
		dst = setCreate(c, dstKey)
	}
	c.Modified(srcKey)
	c.Dirty(1)
	if dst.Add(&c.Settings.Limits, m) {
		c.Dirty(1)
		c.Modified(dstKey)
		c.Notify(command.NotifySet, "sadd", dstKey)
	}
	c.W.Int(1)
}

// loadSets looks up every key for a set algebra command; a missing key
// is a nil set. It reports false after replying WRONGTYPE, which Redis
// checks for every key before computing anything.
func loadSets(c *command.Ctx, keys [][]byte, sets []*types.Set) ([]*types.Set, bool) {
	for _, k := range keys {
		s, ok := setRead(c, k)
		if !ok {
			return nil, false
		}
		sets = append(sets, s)
	}
	return sets, true
}

// setArena returns room for n set pointers, on the stack for the common
// case of a few keys.
func setArena(buf *[8]*types.Set, n int) []*types.Set {
	if n <= len(buf) {
		return buf[:0]
	}
	return make([]*types.Set, 0, n)
}

func cmdSInter(c *command.Ctx) { sinterGeneric(c, c.Args[1:], nil, false, 0) }

func cmdSInterStore(c *command.Ctx) { sinterGeneric(c, c.Args[2:], c.Args[1], false, 0) }

func cmdSInterCard(c *command.Ctx) {
	numkeys, ok := resp.ParseInt(c.Args[1])
	if !ok || numkeys < 1 {
		c.Error("ERR numkeys should be greater than 0")
		return
	}
	if numkeys > int64(len(c.Args)-2) {
		c.Error("ERR Number of keys can't be greater than number of args")
		return
	}
	var limit int64
	for j := 2 + int(numkeys); j < len(c.Args); j++ {
		if c.Is(j, "limit") && j+1 < len(c.Args) {
			l, ok := resp.ParseInt(c.Args[j+1])
			if !ok || l < 0 {
				c.Error("ERR LIMIT can't be negative")
				return
			}
			limit = l
			j++
			continue
		}
		c.SyntaxError()
		return
	}
	sinterGeneric(c, c.Args[2:2+numkeys], nil, true, limit)
}

// sinterGeneric is SINTER, SMEMBERS, SINTERSTORE (dst != nil) and
// SINTERCARD (card, stopping at limit when limit > 0).
func sinterGeneric(c *command.Ctx, keys [][]byte, dst []byte, card bool, limit int64) {
	var buf [8]*types.Set
	sets, ok := loadSets(c, keys, setArena(&buf, len(keys)))
	if !ok {
		return
	}
	switch {
	case card:
		c.W.Int(int64(types.SetInterCard(sets, int(min(limit, math.MaxInt)))))
	case dst != nil:
		storeSetResult(c, dst, types.SetInterStore(&c.Settings.Limits, sets), "sinterstore")
	case len(sets) == 1:
		// SMEMBERS and one-key SINTER: the set's own iteration order.
		if sets[0] == nil {
			c.W.SetLen(0)
			return
		}
		c.W.SetLen(sets[0].Len())
		sets[0].Range(func(m []byte) bool {
			c.W.Bulk(m)
			return true
		})
	default:
		d := c.W.Defer()
		n := 0
		types.SetInter(sets, func(m []byte) {
			c.W.Bulk(m)
			n++
		})
		c.W.SetSetLen(d, n)
	}
}

func cmdSUnion(c *command.Ctx)      { sunionDiffGeneric(c, c.Args[1:], nil, true) }
func cmdSUnionStore(c *command.Ctx) { sunionDiffGeneric(c, c.Args[2:], c.Args[1], true) }
func cmdSDiff(c *command.Ctx)       { sunionDiffGeneric(c, c.Args[1:], nil, false) }
func cmdSDiffStore(c *command.Ctx)  { sunionDiffGeneric(c, c.Args[2:], c.Args[1], false) }

// sunionDiffGeneric computes the union or difference into a new set,
// which is replied (in its own iteration order, as Redis does) or stored.
func sunionDiffGeneric(c *command.Ctx, keys [][]byte, dst []byte, union bool) {
	var buf [8]*types.Set
	sets, ok := loadSets(c, keys, setArena(&buf, len(keys)))
	if !ok {
		return
	}
	var res *types.Set
	if union {
		res = types.SetUnion(&c.Settings.Limits, sets)
	} else {
		res = types.SetDiff(&c.Settings.Limits, sets)
	}
	if dst != nil {
		event := "sdiffstore"
		if union {
			event = "sunionstore"
		}
		storeSetResult(c, dst, res, event)
		return
	}
	c.W.SetLen(res.Len())
	res.Range(func(m []byte) bool {
		c.W.Bulk(m)
		return true
	})
}

// storeSetResult is the end of the *STORE commands: a non-empty result
// replaces dst whatever it held (dropping its TTL); an empty one deletes
// it. It replies the size of the result.
func storeSetResult(c *command.Ctx, dst []byte, res *types.Set, event string) {
	n := res.Len()
	if n == 0 {
		c.W.Int(0)
		if c.DB.Delete(dst) {
			c.Dirty(1)
			c.Modified(dst)
			c.Notify(command.NotifyGeneric, "del", dst)
		}
		return
	}
	c.DB.Set(dst, false).SetCollection(keyspace.TypeSet, res)
	c.Modified(dst)
	c.W.Int(int64(n))
	c.Notify(command.NotifySet, event, dst)
	c.Dirty(1)
}

func cmdSScan(c *command.Ctx) {
	cursor, ok := parseCursor(c.Args[2])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	s, ok := setRead(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		writeEmptyScan(c)
		return
	}
	opt, ok := parseScanOptions(c, 3, false)
	if !ok {
		return
	}
	var items [][]byte
	intset := s.Encoding() == types.EncIntset
	collect := func(m []byte) {
		if opt.pattern != nil && !keyspace.Match(opt.pattern, m, false) {
			return
		}
		if intset {
			// Intset members are formatted into a reused buffer.
			m = append([]byte(nil), m...)
		}
		items = append(items, m)
	}
	if intset {
		// An intset is returned whole whatever the cursor or COUNT.
		cursor = s.Scan(cursor, collect)
	} else {
		gathered := int64(0)
		count := func(m []byte) {
			gathered++
			collect(m)
		}
		for steps := opt.count * 10; ; {
			cursor = s.Scan(cursor, count)
			steps--
			if cursor == 0 || steps <= 0 || gathered >= opt.count {
				break
			}
		}
	}
	writeScanReply(c, cursor, items)
}
