package commands

import (
	"bytes"
	"math"
	"math/big"
	"slices"
	"strconv"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// Sorted set commands: ZADD and friends, the range family (ZRANGE with
// its BYSCORE/BYLEX/REV/LIMIT forms and the older per-form commands),
// pops (blocking ones included), ZRANDMEMBER, the set algebra
// (ZUNION/ZINTER/ZDIFF and their STORE forms, ZINTERCARD) and ZSCAN.
//
// Helpers here are prefixed with z: the other command groups live in the
// same package and have their own, differently shaped helpers.

func registerZSets(t *command.Table) {
	for name, h := range map[string]command.Handler{
		"zadd": cmdZAdd, "zincrby": cmdZIncrBy, "zrem": cmdZRem, "zcard": cmdZCard,
		"zscore": cmdZScore, "zmscore": cmdZMScore, "zrank": cmdZRank, "zrevrank": cmdZRevRank,
		"zcount": cmdZCount, "zlexcount": cmdZLexCount,
		"zrange": cmdZRange, "zrangestore": cmdZRangeStore, "zrevrange": cmdZRevRange,
		"zrangebyscore": cmdZRangeByScore, "zrevrangebyscore": cmdZRevRangeByScore,
		"zrangebylex": cmdZRangeByLex, "zrevrangebylex": cmdZRevRangeByLex,
		"zremrangebyrank": cmdZRemRangeByRank, "zremrangebyscore": cmdZRemRangeByScore,
		"zremrangebylex": cmdZRemRangeByLex,
		"zpopmin":        cmdZPopMin, "zpopmax": cmdZPopMax, "zmpop": cmdZMPop,
		"bzpopmin": cmdBZPopMin, "bzpopmax": cmdBZPopMax, "bzmpop": cmdBZMPop,
		"zrandmember": cmdZRandMember,
		"zunion":      cmdZUnion, "zinter": cmdZInter, "zdiff": cmdZDiff,
		"zunionstore": cmdZUnionStore, "zinterstore": cmdZInterStore, "zdiffstore": cmdZDiffStore,
		"zintercard": cmdZInterCard, "zscan": cmdZScan,
	} {
		t.Register(name, h)
	}
}

// Error replies specific to sorted sets, with Redis 7.0's text.
const (
	errZXXNX        = "ERR XX and NX options at the same time are not compatible"
	errZGTLTNX      = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZIncrPair    = "ERR INCR option supports a single increment-element pair"
	errZLimitRank   = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZScoresLex   = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errZWeight      = "ERR weight value is not a float"
	errZNumKeys     = "ERR numkeys should be greater than 0"
	errZCount       = "ERR count should be greater than 0"
	errZLimitNeg    = "ERR LIMIT can't be negative"
	errZTimeout     = "ERR timeout is not a float or out of range"
	errZTimeoutNeg  = "ERR timeout is negative"
	errZValueRange  = "ERR value is out of range"
	errZRandomRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
)

// zsetOf returns the sorted set held by o, replying WRONGTYPE (ok=false)
// when o holds another type. A nil o yields (nil, true).
func zsetOf(c *command.Ctx, o *keyspace.Object) (*types.ZSet, bool) {
	if o == nil {
		return nil, true
	}
	if o.Type() != keyspace.TypeZSet {
		c.WrongType()
		return nil, false
	}
	return o.Collection().(*types.ZSet), true
}

// zsetRead looks key up for a read command.
func zsetRead(c *command.Ctx, key []byte) (*types.ZSet, bool) {
	return zsetOf(c, c.DB.LookupRead(key))
}

// zsetWrite looks key up for a command that may modify it in place.
func zsetWrite(c *command.Ctx, key []byte) (*types.ZSet, bool) {
	return zsetOf(c, c.DB.LookupWrite(key))
}

// zDropIfEmpty removes key once its set has no members left, as Redis
// never keeps an empty collection, and reports whether it did.
func zDropIfEmpty(c *command.Ctx, key []byte, z *types.ZSet) bool {
	if z.Len() > 0 {
		return false
	}
	c.DB.Delete(key)
	return true
}

// zParseDouble parses a score, weight or increment as Redis's string2d:
// the whole argument must be a number for strtod, without leading white
// space; "inf" is fine, NaN is not, and neither is a finite text that
// overflows to infinity or underflows to zero.
func zParseDouble(b []byte) (float64, bool) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, false
	}
	f, ok := types.ParseStrtod(b)
	if !ok || math.IsNaN(f) {
		return 0, false
	}
	body := b
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	if math.IsInf(f, 0) && !resp.EqualFold(body, "inf") && !resp.EqualFold(body, "infinity") {
		return 0, false // overflow: strtod reports ERANGE
	}
	if f == 0 && zNonZeroMantissa(body) {
		return 0, false // underflow to zero: ERANGE too
	}
	return f, true
}

// zNonZeroMantissa reports whether the digits of a decimal or hex float
// text (sign removed), before its exponent, include a non-zero one.
func zNonZeroMantissa(b []byte) bool {
	hex := len(b) > 1 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X')
	if hex {
		b = b[2:]
	}
	for _, ch := range b {
		switch {
		case hex && (ch == 'p' || ch == 'P'), !hex && (ch == 'e' || ch == 'E'):
			return false
		case ch >= '1' && ch <= '9', hex && (ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F'):
			return true
		}
	}
	return false
}

// zCutNUL truncates a range bound at its first NUL byte: Redis hands the
// argument to strtod as a C string and only checks that parsing stopped
// on the terminator.
func zCutNUL(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// zScoreRange parses score bounds ("1", "(1", "-inf"...), replying the
// error when they are invalid.
func zScoreRange(c *command.Ctx, min, max []byte) (types.ScoreRange, bool) {
	r, err := types.ParseScoreRange(zCutNUL(min), zCutNUL(max))
	if err != nil {
		c.Error(err.Error())
		return r, false
	}
	return r, true
}

// zLexBound applies the C-string reading of "+" and "-": Redis only
// checks that the byte after the sign is the terminator.
func zLexBound(b []byte) []byte {
	if len(b) > 1 && (b[0] == '+' || b[0] == '-') && b[1] == 0 {
		return b[:1]
	}
	return b
}

// zLexRange parses lex bounds ("[a", "(a", "-", "+"), replying the error
// when they are invalid.
func zLexRange(c *command.Ctx, min, max []byte) (types.LexRange, bool) {
	r, err := types.ParseLexRange(zLexBound(min), zLexBound(max))
	if err != nil {
		c.Error(err.Error())
		return r, false
	}
	return r, true
}

// ---- ZADD / ZINCRBY ----

func cmdZAdd(c *command.Ctx)    { zaddGeneric(c, 0) }
func cmdZIncrBy(c *command.Ctx) { zaddGeneric(c, types.ZAddIncr) }

// zaddGeneric is ZADD and ZINCRBY (which is ZADD INCR with one pair, and
// like Redis also reads ZADD's option words before the increment).
func zaddGeneric(c *command.Ctx, flags types.ZAddFlags) {
	key := c.Args[1]
	ch := false
	i := 2
options:
	for ; i < len(c.Args); i++ {
		switch {
		case c.Is(i, "nx"):
			flags |= types.ZAddNX
		case c.Is(i, "xx"):
			flags |= types.ZAddXX
		case c.Is(i, "ch"):
			ch = true
		case c.Is(i, "incr"):
			flags |= types.ZAddIncr
		case c.Is(i, "gt"):
			flags |= types.ZAddGT
		case c.Is(i, "lt"):
			flags |= types.ZAddLT
		default:
			break options
		}
	}
	elements := len(c.Args) - i
	if elements == 0 || elements%2 != 0 {
		c.SyntaxError()
		return
	}
	elements /= 2
	nx, xx := flags&types.ZAddNX != 0, flags&types.ZAddXX != 0
	gt, lt := flags&types.ZAddGT != 0, flags&types.ZAddLT != 0
	incr := flags&types.ZAddIncr != 0
	if nx && xx {
		c.Error(errZXXNX)
		return
	}
	if gt && nx || lt && nx || gt && lt {
		c.Error(errZGTLTNX)
		return
	}
	if incr && elements > 1 {
		c.Error(errZIncrPair)
		return
	}
	// Every score is checked before anything changes: the command either
	// applies fully or not at all. They are parsed again below rather
	// than kept, which spares an allocation for long ZADDs.
	for j := i; j < len(c.Args); j += 2 {
		if _, ok := zParseDouble(c.Args[j]); !ok {
			c.Error(command.ErrNotFloat)
			return
		}
	}
	o := c.DB.LookupWrite(key)
	z, ok := zsetOf(c, o)
	if !ok {
		return
	}
	created := false
	var added, updated, processed int64
	var score float64
	if z == nil {
		if xx {
			zaddReply(c, incr, ch, processed, added, updated, score)
			return
		}
		z = types.NewZSet()
		c.DB.Add(key).SetCollection(keyspace.TypeZSet, z)
		created = true
	}
	lim := &c.Settings.Limits
	for j := i; j < len(c.Args); j += 2 {
		s, _ := zParseDouble(c.Args[j])
		res, ns := z.Add(lim, s, c.Args[j+1], flags)
		switch res {
		case types.ZAddNaN:
			c.Error(types.ErrNaNScore.Error())
			zaddSignal(c, key, incr, added+updated)
			return
		case types.ZAddAdded:
			added++
		case types.ZAddUpdated:
			updated++
		}
		if res != types.ZAddNop {
			processed++
		}
		score = ns
	}
	zaddReply(c, incr, ch, processed, added, updated, score)
	zaddSignal(c, key, incr, added+updated)
	if created {
		c.Ready(key)
	}
}

func zaddReply(c *command.Ctx, incr, ch bool, processed, added, updated int64, score float64) {
	switch {
	case incr && processed > 0:
		c.W.Double(score)
	case incr:
		c.W.Null()
	case ch:
		c.W.Int(added + updated)
	default:
		c.W.Int(added)
	}
}

func zaddSignal(c *command.Ctx, key []byte, incr bool, changes int64) {
	if changes == 0 {
		return
	}
	c.Modified(key)
	if incr {
		c.Notify(command.NotifyZSet, "zincr", key)
	} else {
		c.Notify(command.NotifyZSet, "zadd", key)
	}
	c.Dirty(changes)
}

// ---- ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZCOUNT, ZLEXCOUNT ----

func cmdZRem(c *command.Ctx) {
	key := c.Args[1]
	z, ok := zsetWrite(c, key)
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	removeElements(c, key, c.Args[2:], command.NotifyZSet, "zrem", z.Delete, z.Len)
}

func cmdZCard(c *command.Ctx) {
	z, ok := zsetRead(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(z.Len()))
}

func cmdZScore(c *command.Ctx) {
	z, ok := zsetRead(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Null()
		return
	}
	if s, found := z.Score(c.Args[2]); found {
		c.W.Double(s)
		return
	}
	c.W.Null()
}

func cmdZMScore(c *command.Ctx) {
	z, ok := zsetRead(c, c.Args[1])
	if !ok {
		return
	}
	c.W.ArrayLen(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if z != nil {
			if s, found := z.Score(m); found {
				c.W.Double(s)
				continue
			}
		}
		c.W.Null()
	}
}

func cmdZRank(c *command.Ctx)    { zrankGeneric(c, false) }
func cmdZRevRank(c *command.Ctx) { zrankGeneric(c, true) }

func zrankGeneric(c *command.Ctx, reverse bool) {
	z, ok := zsetRead(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Null()
		return
	}
	if r, _, found := z.Rank(c.Args[2], reverse); found {
		c.W.Int(int64(r))
		return
	}
	c.W.Null()
}

func cmdZCount(c *command.Ctx) {
	r, ok := zScoreRange(c, c.Args[2], c.Args[3])
	if !ok {
		return
	}
	z, ok := zsetRead(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(z.CountByScore(r)))
}

func cmdZLexCount(c *command.Ctx) {
	r, ok := zLexRange(c, c.Args[2], c.Args[3])
	if !ok {
		return
	}
	z, ok := zsetRead(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(z.CountByLex(r)))
}

// ---- ZRANGE family ----

type zrangeKind uint8

const (
	zrAuto zrangeKind = iota // ZRANGE: decided by BYSCORE / BYLEX
	zrRank
	zrScore
	zrLex
)

type zrangeDir uint8

const (
	zdAuto zrangeDir = iota // ZRANGE: decided by REV
	zdForward
	zdReverse
)

func cmdZRange(c *command.Ctx)           { zrangeGeneric(c, 1, false, zrAuto, zdAuto) }
func cmdZRangeStore(c *command.Ctx)      { zrangeGeneric(c, 2, true, zrAuto, zdAuto) }
func cmdZRevRange(c *command.Ctx)        { zrangeGeneric(c, 1, false, zrRank, zdReverse) }
func cmdZRangeByScore(c *command.Ctx)    { zrangeGeneric(c, 1, false, zrScore, zdForward) }
func cmdZRevRangeByScore(c *command.Ctx) { zrangeGeneric(c, 1, false, zrScore, zdReverse) }
func cmdZRangeByLex(c *command.Ctx)      { zrangeGeneric(c, 1, false, zrLex, zdForward) }
func cmdZRevRangeByLex(c *command.Ctx)   { zrangeGeneric(c, 1, false, zrLex, zdReverse) }

// zrangeOut receives the elements of a range: either the client reply or,
// for ZRANGESTORE, the members to store.
type zrangeOut struct {
	c          *command.Ctx
	store      bool
	withScores bool
	pairs      bool // RESP3 WITHSCORES: each element is a [member, score] array
	n          int
	d          resp.Deferred
	res        zresult // ZRANGESTORE's members
}

// begin starts the reply; n < 0 means the length is not known yet.
func (o *zrangeOut) begin(n int) {
	if o.store {
		return
	}
	if n < 0 {
		o.d = o.c.W.Defer()
		return
	}
	if o.withScores && !o.pairs {
		n *= 2
	}
	o.c.W.ArrayLen(n)
}

func (o *zrangeOut) emit(m []byte, s float64) bool {
	o.n++
	if o.store {
		o.res.add(m, s)
		return true
	}
	w := o.c.W
	if o.pairs {
		w.ArrayLen(2)
	}
	w.Bulk(m)
	if o.withScores {
		w.Double(s)
	}
	return true
}

// finishDeferred fills in a length begun with begin(-1).
func (o *zrangeOut) finishDeferred() {
	if o.store {
		return
	}
	n := o.n
	if o.withScores && !o.pairs {
		n *= 2
	}
	o.c.W.SetArrayLen(o.d, n)
}

// zrangeGeneric serves every range command. argStart is the index of the
// source key; the range follows it, then the options. kind and dir are
// fixed by the older commands and decided by options for ZRANGE and
// ZRANGESTORE.
func zrangeGeneric(c *command.Ctx, argStart int, store bool, kind zrangeKind, dir zrangeDir) {
	key := c.Args[argStart]
	minIdx, maxIdx := argStart+1, argStart+2
	withScores := false
	var offset, limit int64 = 0, -1
	for j := argStart + 3; j < len(c.Args); j++ {
		left := len(c.Args) - j - 1
		switch {
		case !store && c.Is(j, "withscores"):
			withScores = true
		case c.Is(j, "limit") && left >= 2:
			var ok bool
			if offset, ok = c.Int(j + 1); !ok {
				return
			}
			if limit, ok = c.Int(j + 2); !ok {
				return
			}
			j += 2
		case dir == zdAuto && c.Is(j, "rev"):
			dir = zdReverse
		case kind == zrAuto && c.Is(j, "bylex"):
			kind = zrLex
		case kind == zrAuto && c.Is(j, "byscore"):
			kind = zrScore
		default:
			c.SyntaxError()
			return
		}
	}
	if kind == zrAuto {
		kind = zrRank
	}
	reverse := dir == zdReverse
	// Redis tells "no LIMIT" from the limit's value, so LIMIT x -1 passes
	// with an index range (and is ignored).
	if limit != -1 && kind == zrRank {
		c.Error(errZLimitRank)
		return
	}
	if withScores && kind == zrLex {
		c.Error(errZScoresLex)
		return
	}
	if reverse && kind != zrRank {
		// The reverse forms take the range as max, min.
		minIdx, maxIdx = maxIdx, minIdx
	}
	var start, stop int64
	var sr types.ScoreRange
	var lr types.LexRange
	var ok bool
	switch kind {
	case zrRank:
		if start, ok = c.Int(minIdx); !ok {
			return
		}
		if stop, ok = c.Int(maxIdx); !ok {
			return
		}
	case zrScore:
		if sr, ok = zScoreRange(c, c.Args[minIdx], c.Args[maxIdx]); !ok {
			return
		}
	case zrLex:
		if lr, ok = zLexRange(c, c.Args[minIdx], c.Args[maxIdx]); !ok {
			return
		}
	}
	z, ok := zsetRead(c, key)
	if !ok {
		return
	}
	if z == nil {
		if store {
			zstoreResult(c, c.Args[1], nil, "zrangestore")
		} else {
			c.W.ArrayLen(0)
		}
		return
	}
	out := zrangeOut{c: c, store: store, withScores: withScores, pairs: withScores && c.W.Proto() == 3}
	switch kind {
	case zrRank:
		n := 0
		if s, e, nonEmpty := types.NormalizeRange(start, stop, z.Len()); nonEmpty {
			n = e - s + 1
		}
		out.begin(n)
		z.RangeByRank(start, stop, reverse, out.emit)
	case zrScore:
		out.begin(-1)
		z.RangeByScore(sr, reverse, offset, limit, out.emit)
		out.finishDeferred()
	case zrLex:
		out.begin(-1)
		z.RangeByLex(lr, reverse, offset, limit, out.emit)
		out.finishDeferred()
	}
	if store {
		zstoreResult(c, c.Args[1], out.res.members(), "zrangestore")
	}
}

// zstoreResult ends a *STORE command: a non-empty result replaces dst
// (whatever it held, and without its TTL), an empty one deletes dst.
func zstoreResult(c *command.Ctx, dst []byte, members []types.ZMember, event string) {
	if len(members) == 0 {
		c.W.Int(0)
		if c.DB.Delete(dst) {
			c.Modified(dst)
			c.Notify(command.NotifyGeneric, "del", dst)
			c.Dirty(1)
		}
		return
	}
	z := types.NewZSetFrom(&c.Settings.Limits, members)
	// Like Redis 7.0's dbAdd, only a created key is signalled ready. (The
	// server currently also wakes waiters of any modified key, which
	// Redis 7.0 does not do for an overwritten one.)
	existed := c.DB.Exists(dst)
	c.DB.Set(dst, false).SetCollection(keyspace.TypeZSet, z)
	c.Modified(dst)
	c.W.Int(int64(z.Len()))
	c.Notify(command.NotifyZSet, event, dst)
	c.Dirty(1)
	if !existed {
		c.Ready(dst)
	}
}

// ---- ZREMRANGEBY* ----

func cmdZRemRangeByRank(c *command.Ctx) {
	start, ok := c.Int(2)
	if !ok {
		return
	}
	stop, ok := c.Int(3)
	if !ok {
		return
	}
	zremrangeGeneric(c, "zremrangebyrank", func(z *types.ZSet) int { return z.DeleteRangeByRank(start, stop) })
}

func cmdZRemRangeByScore(c *command.Ctx) {
	r, ok := zScoreRange(c, c.Args[2], c.Args[3])
	if !ok {
		return
	}
	zremrangeGeneric(c, "zremrangebyscore", func(z *types.ZSet) int { return z.DeleteRangeByScore(r) })
}

func cmdZRemRangeByLex(c *command.Ctx) {
	r, ok := zLexRange(c, c.Args[2], c.Args[3])
	if !ok {
		return
	}
	zremrangeGeneric(c, "zremrangebylex", func(z *types.ZSet) int { return z.DeleteRangeByLex(r) })
}

// zremrangeGeneric runs del on the set at Args[1] once the range parsed.
func zremrangeGeneric(c *command.Ctx, event string, del func(z *types.ZSet) int) {
	key := c.Args[1]
	z, ok := zsetWrite(c, key)
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	n := del(z)
	if n > 0 {
		removed := zDropIfEmpty(c, key, z)
		c.Modified(key)
		c.Notify(command.NotifyZSet, event, key)
		if removed {
			c.Notify(command.NotifyGeneric, "del", key)
		}
		c.Dirty(int64(n))
	}
	c.W.Int(int64(n))
}

// ---- pops ----

func cmdZPopMin(c *command.Ctx) { zpopCommand(c, false) }
func cmdZPopMax(c *command.Ctx) { zpopCommand(c, true) }

func zpopCommand(c *command.Ctx, max bool) {
	if len(c.Args) > 3 {
		c.SyntaxError()
		return
	}
	count := int64(-1) // a plain pop, replying one flat pair
	if len(c.Args) == 3 {
		// Redis replies the same error for a non-integer as for a
		// negative count here.
		var ok bool
		if count, ok = resp.ParseInt(c.Args[2]); !ok || count < 0 {
			c.Error(command.ErrNotPositive)
			return
		}
	}
	// RESP3 nests each pair in an array, but only when COUNT was given.
	zpopGeneric(c, c.Args[1:2], max, false, count, c.W.Proto() == 3 && count != -1, false)
}

// zpopGeneric pops from the first existing key of keys, as Redis's
// genericZpopCommand: emitKey prefixes the reply with the key (BZPOP*,
// ZMPOP), nested makes each pair an array, nilWhenEmpty replies a null
// array rather than an empty one when no key exists. It returns the
// index of the key it popped from (or -1) and how many it popped.
func zpopGeneric(c *command.Ctx, keys [][]byte, max, emitKey bool, count int64, nested, nilWhenEmpty bool) (int, int) {
	idx := -1
	for i, k := range keys {
		o := c.DB.LookupNoTouch(k)
		if o == nil {
			continue
		}
		if o.Type() != keyspace.TypeZSet {
			c.WrongType()
			return -1, 0
		}
		idx = i
		break
	}
	if idx < 0 {
		if nilWhenEmpty {
			c.W.NullArray()
		} else {
			c.W.ArrayLen(0)
		}
		return -1, 0
	}
	if count == 0 {
		c.W.ArrayLen(0)
		return -1, 0
	}
	return idx, zpopFrom(c, keys[idx], max, emitKey, count, nested)
}

// zpopFrom pops up to count (-1: one, flat) elements of the non-empty
// set at key, replies, and returns how many it popped.
func zpopFrom(c *command.Ctx, key []byte, max, emitKey bool, count int64, nested bool) int {
	z := c.DB.LookupWrite(key).Collection().(*types.ZSet)
	if count == -1 {
		count = 1
	}
	n := int(min(count, int64(z.Len())))
	w := c.W
	switch {
	case !nested && !emitKey:
		w.ArrayLen(2 * n)
	case nested && !emitKey:
		w.ArrayLen(n)
	case !nested && emitKey:
		w.ArrayLen(2*n + 1)
		w.Bulk(key)
	default:
		w.ArrayLen(2)
		w.Bulk(key)
		w.ArrayLen(n)
	}
	z.Pop(max, n, func(m []byte, s float64) {
		if nested {
			w.ArrayLen(2)
		}
		w.Bulk(m)
		w.Double(s)
	})
	if max {
		c.Notify(command.NotifyZSet, "zpopmax", key)
	} else {
		c.Notify(command.NotifyZSet, "zpopmin", key)
	}
	c.Modified(key)
	if zDropIfEmpty(c, key, z) {
		c.Notify(command.NotifyGeneric, "del", key)
	}
	c.Dirty(int64(n))
	return n
}

// zpopPropagate makes the command replicate as the ZPOPMIN or ZPOPMAX it
// amounted to, as Redis 7.0.15 does for ZMPOP and the blocking pops: the
// forms without COUNT (BZPOPMIN, BZPOPMAX) as a plain pop, the others
// with the number of elements actually popped as the count.
func zpopPropagate(c *command.Ctx, key []byte, max bool, count int64) {
	name := []byte("ZPOPMIN")
	if max {
		name = []byte("ZPOPMAX")
	}
	if count > 0 {
		c.Propagate(name, key, strconv.AppendInt(nil, count, 10))
		return
	}
	c.Propagate(name, key)
}

// zmpopArgs parses ZMPOP's numkeys, keys, MIN|MAX and COUNT, numkeys
// being at Args[at]. count defaults to 1.
func zmpopArgs(c *command.Ctx, at int) (keys [][]byte, max bool, count int64, ok bool) {
	n, isInt := resp.ParseInt(c.Args[at])
	if !isInt || n < 1 {
		c.Error(errZNumKeys)
		return nil, false, 0, false
	}
	if n > int64(len(c.Args)-at-2) {
		c.SyntaxError()
		return nil, false, 0, false
	}
	keys = c.Args[at+1 : at+1+int(n)]
	where := at + 1 + int(n)
	switch {
	case c.Is(where, "min"):
	case c.Is(where, "max"):
		max = true
	default:
		c.SyntaxError()
		return nil, false, 0, false
	}
	count = -1
	for j := where + 1; j < len(c.Args); j++ {
		if count == -1 && c.Is(j, "count") && j+1 < len(c.Args) {
			j++
			v, isInt := resp.ParseInt(c.Args[j])
			if !isInt || v < 1 {
				c.Error(errZCount)
				return nil, false, 0, false
			}
			count = v
			continue
		}
		c.SyntaxError()
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return keys, max, count, true
}

func cmdZMPop(c *command.Ctx) {
	keys, max, count, ok := zmpopArgs(c, 1)
	if !ok {
		return
	}
	if i, n := zpopGeneric(c, keys, max, true, count, true, true); i >= 0 {
		zpopPropagate(c, keys[i], max, int64(n))
	}
}

// ---- blocking pops ----

// zBlockDeadline parses a blocking timeout in seconds and returns the
// absolute deadline in unix ms, 0 for "forever", replying the error when
// the timeout is invalid or negative.
func zBlockDeadline(c *command.Ctx, arg []byte) (int64, bool) {
	ms, ok := zTimeoutMs(arg)
	if !ok {
		c.Error(errZTimeout)
		return 0, false
	}
	if ms < 0 {
		c.Error(errZTimeoutNeg)
		return 0, false
	}
	if ms == 0 {
		return 0, true
	}
	now := c.Now()
	if ms > math.MaxInt64-now {
		// Redis's sum wraps around and the client then never times out.
		return 0, true
	}
	return now + ms, true
}

// zTimeoutMs converts a timeout in seconds to milliseconds as Redis 7.0's
// getTimeoutFromObjectOrReply does: parsed as a long double, multiplied
// by 1000 in long double and rounded up (so "0.0001" waits 1 ms and
// "-0.0009" is 0, forever). Results beyond the int64 range, inf
// included, become the minimum int64 as the x86 conversion makes them,
// hence negative.
func zTimeoutMs(arg []byte) (int64, bool) {
	v, ok := parseLongDouble(arg)
	if !ok {
		return 0, false
	}
	if v.IsInf() {
		return math.MinInt64, true
	}
	p := new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven).Mul(v, big.NewFloat(1000))
	two63 := zTwo63()
	if p.Cmp(two63) >= 0 || p.Cmp(two63.Neg(two63)) < 0 {
		return math.MinInt64, true
	}
	ms, acc := p.Int64() // truncated towards zero
	if acc == big.Below {
		// A positive fraction: round up.
		if ms == math.MaxInt64 {
			return math.MinInt64, true
		}
		ms++
	}
	return ms, true
}

func zTwo63() *big.Float { return new(big.Float).SetMantExp(big.NewFloat(1), 63) }

// zblockServe pops for a blocking command from the first non-empty key,
// replying and propagating, and reports whether the command is answered
// (served, or failed on a wrong type). A command re-run because a key
// became ready tries that key only, as Redis serves woken clients from
// the key that was signalled, in the order keys were signalled.
func zblockServe(c *command.Ctx, keys [][]byte, max bool, count int64, nested bool) bool {
	if c.Reexec && c.ReadyKey != nil {
		keys = [][]byte{c.ReadyKey}
	}
	for _, k := range keys {
		o := c.DB.LookupNoTouch(k)
		if o == nil {
			continue
		}
		if o.Type() != keyspace.TypeZSet {
			if c.Reexec {
				// A key of another type that became ready is not ours to
				// serve from: Redis keeps the client blocked.
				continue
			}
			c.WrongType()
			return true
		}
		n := zpopFrom(c, k, max, true, count, nested)
		if count > 0 {
			count = int64(n)
		}
		zpopPropagate(c, k, max, count)
		return true
	}
	return false
}

// zblock parks the client on keys, or answers as on timeout where a
// command may not block (MULTI, scripts).
func zblock(c *command.Ctx, keys [][]byte, deadline int64) {
	if !c.CanBlock() {
		c.W.NullArray()
		return
	}
	c.Block(keys, deadline, command.TimeoutNullArray)
}

func cmdBZPopMin(c *command.Ctx) { bzpopGeneric(c, false) }
func cmdBZPopMax(c *command.Ctx) { bzpopGeneric(c, true) }

func bzpopGeneric(c *command.Ctx, max bool) {
	last := len(c.Args) - 1
	deadline, ok := zBlockDeadline(c, c.Args[last])
	if !ok {
		return
	}
	keys := c.Args[1:last]
	if zblockServe(c, keys, max, -1, false) {
		return
	}
	zblock(c, keys, deadline)
}

func cmdBZMPop(c *command.Ctx) {
	keys, max, count, ok := zmpopArgs(c, 2)
	if !ok {
		return
	}
	deadline, ok := zBlockDeadline(c, c.Args[1])
	if !ok {
		return
	}
	if zblockServe(c, keys, max, count, true) {
		return
	}
	zblock(c, keys, deadline)
}

// ---- ZRANDMEMBER ----

func cmdZRandMember(c *command.Ctx) {
	if len(c.Args) == 2 {
		z, ok := zsetRead(c, c.Args[1])
		if !ok {
			return
		}
		if z == nil {
			c.W.Null()
			return
		}
		m, _, _ := z.RandomMember(c.KS.Rand())
		c.W.Bulk(m)
		return
	}
	count, ok := resp.ParseInt(c.Args[2])
	if !ok {
		c.Error(command.ErrNotInt)
		return
	}
	if count == math.MinInt64 {
		c.Error(errZRandomRange)
		return
	}
	withScores := false
	if len(c.Args) > 4 || len(c.Args) == 4 && !c.Is(3, "withscores") {
		c.SyntaxError()
		return
	}
	if len(c.Args) == 4 {
		withScores = true
		// The reply would hold twice count elements.
		if count < -math.MaxInt64/2 || count > math.MaxInt64/2 {
			c.Error(errZValueRange)
			return
		}
	}
	z, ok := zsetRead(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil || count == 0 {
		c.W.ArrayLen(0)
		return
	}
	n := count
	if n < 0 {
		n = -n
	} else {
		n = min(n, int64(z.Len()))
	}
	pairs := withScores && c.W.Proto() == 3
	w := c.W
	if withScores && !pairs {
		w.ArrayLen(int(2 * n))
	} else {
		w.ArrayLen(int(n))
	}
	z.RandomMembers(c.KS.Rand(), count, func(m []byte, s float64) {
		if pairs {
			w.ArrayLen(2)
		}
		w.Bulk(m)
		if withScores {
			w.Double(s)
		}
	})
}

// ---- ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD ----

type zsetOp uint8

const (
	zopUnion zsetOp = iota
	zopInter
	zopDiff
)

type zaggr uint8

const (
	zaggrSum zaggr = iota
	zaggrMin
	zaggrMax
)

// zsrc is one input of the set algebra: a sorted set, a plain set (its
// members weigh 1) or a missing key (both nil).
type zsrc struct {
	z      *types.ZSet
	s      *types.Set
	weight float64
}

func (s *zsrc) len() int {
	switch {
	case s.z != nil:
		return s.z.Len()
	case s.s != nil:
		return s.s.Len()
	}
	return 0
}

func (s *zsrc) score(m []byte) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.Score(m)
	case s.s != nil:
		return 1, s.s.IsMember(m)
	}
	return 0, false
}

// each calls fn for every element until fn returns false; the member is
// valid during the call only.
func (s *zsrc) each(fn func(m []byte, score float64) bool) {
	switch {
	case s.z != nil:
		s.z.Range(fn)
	case s.s != nil:
		s.s.Range(func(m []byte) bool { return fn(m, 1) })
	}
}

// zaggregate folds val into *acc. A sum of opposite infinities is 0 by
// Redis's convention; NaN values are ignored by MIN and MAX since every
// comparison with NaN is false.
func zaggregate(acc *float64, val float64, a zaggr) {
	switch a {
	case zaggrSum:
		*acc += val
		if math.IsNaN(*acc) {
			*acc = 0
		}
	case zaggrMin:
		if val < *acc {
			*acc = val
		}
	case zaggrMax:
		if val > *acc {
			*acc = val
		}
	}
}

// zresult accumulates the members of a result (ZRANGESTORE, the set
// algebra) in one arena rather than one allocation per member.
type zresult struct {
	arena  []byte
	ends   []int
	scores []float64
}

func (r *zresult) add(m []byte, s float64) {
	r.arena = append(r.arena, m...)
	r.ends = append(r.ends, len(r.arena))
	r.scores = append(r.scores, s)
}

func (r *zresult) member(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.arena[start:r.ends[i]:r.ends[i]]
}

func (r *zresult) members() []types.ZMember {
	ms := make([]types.ZMember, len(r.ends))
	for i := range ms {
		ms[i] = types.ZMember{Member: r.member(i), Score: r.scores[i]}
	}
	return ms
}

func cmdZUnion(c *command.Ctx)      { zsetOpGeneric(c, nil, 1, zopUnion, false) }
func cmdZInter(c *command.Ctx)      { zsetOpGeneric(c, nil, 1, zopInter, false) }
func cmdZDiff(c *command.Ctx)       { zsetOpGeneric(c, nil, 1, zopDiff, false) }
func cmdZUnionStore(c *command.Ctx) { zsetOpGeneric(c, c.Args[1], 2, zopUnion, false) }
func cmdZInterStore(c *command.Ctx) { zsetOpGeneric(c, c.Args[1], 2, zopInter, false) }
func cmdZDiffStore(c *command.Ctx)  { zsetOpGeneric(c, c.Args[1], 2, zopDiff, false) }
func cmdZInterCard(c *command.Ctx)  { zsetOpGeneric(c, nil, 1, zopInter, true) }

// zsetOpGeneric is the set algebra. numIdx is the index of numkeys; dst
// is the destination of the STORE forms (nil otherwise); cardOnly is
// ZINTERCARD.
func zsetOpGeneric(c *command.Ctx, dst []byte, numIdx int, op zsetOp, cardOnly bool) {
	setnum, ok := c.Int(numIdx)
	if !ok {
		return
	}
	if setnum < 1 {
		c.Error("ERR at least 1 input key is needed for '" + c.Cmd.Name + "' command")
		return
	}
	if setnum > int64(len(c.Args)-numIdx-1) {
		c.SyntaxError()
		return
	}
	var buf [8]zsrc
	srcs := buf[:0]
	j := numIdx + 1
	for end := j + int(setnum); j < end; j++ {
		src := zsrc{weight: 1}
		if o := c.DB.LookupRead(c.Args[j]); o != nil {
			switch o.Type() {
			case keyspace.TypeZSet:
				src.z = o.Collection().(*types.ZSet)
			case keyspace.TypeSet:
				src.s = o.Collection().(*types.Set)
			default:
				c.WrongType()
				return
			}
		}
		srcs = append(srcs, src)
	}
	aggr := zaggrSum
	withScores := false
	var limit int64
	for j < len(c.Args) {
		remaining := len(c.Args) - j
		switch {
		case op != zopDiff && !cardOnly && remaining >= len(srcs)+1 && c.Is(j, "weights"):
			j++
			for i := range srcs {
				w, ok := zParseDouble(c.Args[j])
				if !ok {
					c.Error(errZWeight)
					return
				}
				srcs[i].weight = w
				j++
			}
		case op != zopDiff && !cardOnly && remaining >= 2 && c.Is(j, "aggregate"):
			switch {
			case c.Is(j+1, "sum"):
				aggr = zaggrSum
			case c.Is(j+1, "min"):
				aggr = zaggrMin
			case c.Is(j+1, "max"):
				aggr = zaggrMax
			default:
				c.SyntaxError()
				return
			}
			j += 2
		case dst == nil && !cardOnly && c.Is(j, "withscores"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && c.Is(j, "limit"):
			v, isInt := resp.ParseInt(c.Args[j+1])
			if !isInt || v < 0 {
				c.Error(errZLimitNeg)
				return
			}
			limit = v
			j += 2
		default:
			c.SyntaxError()
			return
		}
	}
	if op != zopDiff {
		// Smallest input first, as Redis orders them: intersections test
		// fewer candidates, and the order in which scores are summed
		// (which rounding depends on) is the same as Redis's.
		slices.SortStableFunc(srcs, func(a, b zsrc) int { return a.len() - b.len() })
	}
	var res zresult
	switch op {
	case zopUnion:
		zunion(srcs, aggr, &res)
	case zopInter:
		card := zinter(srcs, aggr, cardOnly, limit, &res)
		if cardOnly {
			c.W.Int(card)
			return
		}
	case zopDiff:
		zdiff(srcs, &res)
	}
	if dst != nil {
		event := "zunionstore"
		switch op {
		case zopInter:
			event = "zinterstore"
		case zopDiff:
			event = "zdiffstore"
		}
		zstoreResult(c, dst, res.members(), event)
		return
	}
	ms := res.members()
	zsortMembers(ms)
	pairs := withScores && c.W.Proto() == 3
	if withScores && !pairs {
		c.W.ArrayLen(2 * len(ms))
	} else {
		c.W.ArrayLen(len(ms))
	}
	for _, m := range ms {
		if pairs {
			c.W.ArrayLen(2)
		}
		c.W.Bulk(m.Member)
		if withScores {
			c.W.Double(m.Score)
		}
	}
}

// zsortMembers orders a result as a sorted set: by score, then member.
func zsortMembers(ms []types.ZMember) {
	slices.SortFunc(ms, func(a, b types.ZMember) int {
		switch {
		case a.Score < b.Score:
			return -1
		case a.Score > b.Score:
			return 1
		}
		return bytes.Compare(a.Member, b.Member)
	})
}

func zunion(srcs []zsrc, aggr zaggr, res *zresult) {
	index := make(map[string]int, srcs[len(srcs)-1].len())
	for i := range srcs {
		src := &srcs[i]
		src.each(func(m []byte, s float64) bool {
			score := src.weight * s
			if math.IsNaN(score) {
				score = 0 // 0 * inf
			}
			if k, found := index[string(m)]; found {
				zaggregate(&res.scores[k], score, aggr)
				return true
			}
			index[string(m)] = len(res.scores)
			res.add(m, score)
			return true
		})
	}
}

// zinter fills res with the intersection, or only counts it (up to limit
// when limit > 0) when cardOnly.
func zinter(srcs []zsrc, aggr zaggr, cardOnly bool, limit int64, res *zresult) int64 {
	var card int64
	if srcs[0].len() == 0 {
		return 0
	}
	srcs[0].each(func(m []byte, s float64) bool {
		score := srcs[0].weight * s
		if math.IsNaN(score) {
			score = 0
		}
		for j := 1; j < len(srcs); j++ {
			v, found := srcs[j].score(m)
			if !found {
				return true
			}
			zaggregate(&score, v*srcs[j].weight, aggr)
		}
		if cardOnly {
			card++
			return limit == 0 || card < limit
		}
		res.add(m, score)
		return true
	})
	return card
}

// zdiff keeps the members of the first input found in no other, with
// their scores (weights do not apply to ZDIFF).
func zdiff(srcs []zsrc, res *zresult) {
	srcs[0].each(func(m []byte, s float64) bool {
		for j := 1; j < len(srcs); j++ {
			if _, found := srcs[j].score(m); found {
				return true
			}
		}
		res.add(m, s)
		return true
	})
}

// ---- ZSCAN ----

func cmdZScan(c *command.Ctx) {
	cursor, ok := parseCursor(c.Args[2])
	if !ok {
		c.Error("ERR invalid cursor")
		return
	}
	z, ok := zsetRead(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.ArrayLen(2)
		c.W.BulkString("0")
		c.W.ArrayLen(0)
		return
	}
	opt, ok := parseScanOptions(c, 3, false)
	if !ok {
		return
	}
	w := c.W
	var num [32]byte
	if z.Encoding() == types.EncListpack {
		// A listpack is small: returned whole in one call, cursor 0. Its
		// scores are stored as text, integers in integer form.
		w.ArrayLen(2)
		w.BulkString("0")
		d := w.Defer()
		n := 0
		z.Range(func(m []byte, s float64) bool {
			if opt.pattern != nil && !keyspace.Match(opt.pattern, m, false) {
				return true
			}
			w.Bulk(m)
			w.Bulk(zlpScoreText(num[:0], s))
			n += 2
			return true
		})
		w.SetArrayLen(d, n)
		return
	}
	// Like Redis, visit dict buckets until COUNT reply entries (a member
	// and its score count as two) or ten times COUNT steps, then filter.
	var found []types.ZMember
	maxIter := opt.count * 10
	if opt.count > math.MaxInt64/10 {
		maxIter = math.MaxInt64
	}
	for {
		cursor = z.Scan(cursor, func(m []byte, s float64) {
			found = append(found, types.ZMember{Member: m, Score: s})
		})
		if cursor == 0 || maxIter == 0 || int64(2*len(found)) >= opt.count {
			break
		}
		maxIter--
	}
	w.ArrayLen(2)
	w.Bulk(strconv.AppendUint(num[:0], cursor, 10))
	d := w.Defer()
	n := 0
	for _, f := range found {
		if opt.pattern != nil && !keyspace.Match(opt.pattern, f.Member, false) {
			continue
		}
		w.Bulk(f.Member)
		w.Bulk(resp.AppendFloat(num[:0], f.Score))
		n += 2
	}
	w.SetArrayLen(d, n)
}

// zlpScoreText is a listpack score as Redis stores it: integral values
// within ±2^62 as integers, anything else as %.17g text.
func zlpScoreText(dst []byte, s float64) []byte {
	const lim = float64(math.MaxInt64 / 2)
	if s >= -lim && s <= lim && s == math.Trunc(s) {
		return strconv.AppendInt(dst, int64(s), 10)
	}
	return resp.AppendFloat(dst, s)
}
