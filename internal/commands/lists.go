package commands

import (
	"bytes"
	"math"
	"math/big"
	"strconv"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// List commands: pushes and pops at both ends, indexed access, LPOS,
// LMOVE/LMPOP, and the blocking variants (BLPOP, BRPOP, BLMOVE,
// BRPOPLPUSH, BLMPOP).
//
// Blocking follows the server's re-execution model: a blocking command
// that finds nothing to serve calls Ctx.Block and returns; when a key it
// waits on becomes ready the same handler runs again with c.Reexec set
// and c.ReadyKey naming that key. Redis 7.0 serves a waiting client only
// from the ready key and only when it holds a list, so on re-execution
// other keys are not looked at and a key of another type is skipped (the
// client keeps waiting) instead of answering WRONGTYPE as the first
// execution does.

func registerLists(t *command.Table) {
	for name, h := range map[string]command.Handler{
		"lpush": cmdLPush, "rpush": cmdRPush, "lpushx": cmdLPushX, "rpushx": cmdRPushX,
		"lpop": cmdLPop, "rpop": cmdRPop, "llen": cmdLLen, "lrange": cmdLRange,
		"lindex": cmdLIndex, "lset": cmdLSet, "linsert": cmdLInsert, "lrem": cmdLRem,
		"ltrim": cmdLTrim, "lpos": cmdLPos, "lmove": cmdLMove, "rpoplpush": cmdRPopLPush,
		"lmpop": cmdLMPop,
		"blpop": cmdBLPop, "brpop": cmdBRPop, "blmove": cmdBLMove,
		"brpoplpush": cmdBRPopLPush, "blmpop": cmdBLMPop,
	} {
		t.Register(name, h)
	}
}

// Error texts specific to list commands (Redis 7.0's wording).
const (
	errTimeoutNotFloat = "ERR timeout is not a float or out of range"
	errTimeoutNegative = "ERR timeout is negative"
	errNumKeys         = "ERR numkeys should be greater than 0"
	errCountPositive   = "ERR count should be greater than 0"
	errRankZero        = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errPosCount        = "ERR COUNT can't be negative"
	errPosMaxLen       = "ERR MAXLEN can't be negative"
)

// Command names used when a command propagates as another one. They are
// never written to; sharing them saves an allocation per propagation.
var (
	propLPop      = []byte("LPOP")
	propRPop      = []byte("RPOP")
	propLMove     = []byte("LMOVE")
	propRPopLPush = []byte("RPOPLPUSH")
	propLeft      = []byte("left")
	propRight     = []byte("right")
)

// listOf returns the list held by o, or nil for a missing key. It replies
// WRONGTYPE and returns ok=false when o holds another type.
func listOf(c *command.Ctx, o *keyspace.Object) (*types.List, bool) {
	if o == nil {
		return nil, true
	}
	if o.Type() != keyspace.TypeList {
		c.WrongType()
		return nil, false
	}
	return o.Collection().(*types.List), true
}

// createList adds an empty list under key (the keyspace emits the "new"
// event). The node fill is read now and kept for the list's life, as
// Redis does.
func createList(c *command.Ctx, key []byte) *types.List {
	l := types.NewList(c.Settings.Limits.ListMaxListpackSize)
	c.DB.Add(key).SetCollection(keyspace.TypeList, l)
	return l
}

// listRemoved does the bookkeeping after n elements were popped from the
// list at key: the pop event, deletion of an emptied key, WATCH/tracking
// and the dirty counter, in Redis's order.
func listRemoved(c *command.Ctx, key []byte, l *types.List, front bool, n int) {
	if front {
		c.Notify(command.NotifyList, "lpop", key)
	} else {
		c.Notify(command.NotifyList, "rpop", key)
	}
	if l.Len() == 0 {
		c.DB.Delete(key)
		c.Notify(command.NotifyGeneric, "del", key)
	}
	c.Modified(key)
	c.Dirty(int64(n))
}

// parseWhere reads a LEFT/RIGHT argument; front is true for LEFT.
func parseWhere(c *command.Ctx, i int) (front, ok bool) {
	switch {
	case c.Is(i, "left"):
		return true, true
	case c.Is(i, "right"):
		return false, true
	}
	c.SyntaxError()
	return false, false
}

// rangeLong parses Args[i] as an integer in [lo, math.MaxInt64], replying
// msg when it is not one or is out of range (getRangeLongFromObject with a
// message: the same text covers both failures).
func rangeLong(c *command.Ctx, i int, lo int64, msg string) (int64, bool) {
	n, ok := resp.ParseInt(c.Args[i])
	if !ok || n < lo {
		c.Error(msg)
		return 0, false
	}
	return n, true
}

// blockTimeout parses the timeout argument of the blocking list commands
// (seconds, fractional allowed) and returns the deadline in unix ms, 0 to
// wait forever. Redis parses it as a long double, scales it to whole
// milliseconds rounding up (so a tiny positive timeout is 1 ms, not
// "forever"), and converts that to long long: a value beyond the range
// becomes LLONG_MIN on x86 and is refused as negative. A deadline that
// overflows when added to the clock wraps negative in Redis and never
// fires, so it waits forever here too.
func blockTimeout(c *command.Ctx, i int) (int64, bool) {
	arg := c.Args[i]
	var ms int64
	if n, ok := resp.ParseInt(arg); ok && n >= 0 && n <= math.MaxInt64/1000 {
		ms = n * 1000 // the usual case: whole seconds, no float needed
	} else {
		f, ok := parseLongDouble(arg)
		if !ok {
			c.Error(errTimeoutNotFloat)
			return 0, false
		}
		ms = longDoubleMillis(f)
	}
	if ms < 0 {
		c.Error(errTimeoutNegative)
		return 0, false
	}
	if ms == 0 {
		return 0, true
	}
	now := c.Now()
	if ms > math.MaxInt64-now {
		return 0, true
	}
	return now + ms, true
}

// longDoubleMillis computes (long long)ceill(f * 1000) with x86 semantics:
// out-of-range results (and infinities) give math.MinInt64.
func longDoubleMillis(f *big.Float) int64 {
	if f.IsInf() {
		return math.MinInt64
	}
	m := new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven)
	m.Mul(f, big.NewFloat(1000))
	i, acc := m.Int(nil) // truncates toward zero
	if acc == big.Below && m.Sign() > 0 {
		i.Add(i, big.NewInt(1))
	}
	if !i.IsInt64() {
		return math.MinInt64
	}
	return i.Int64()
}

// ---- pushes ----

func cmdLPush(c *command.Ctx)  { pushGeneric(c, true, false) }
func cmdRPush(c *command.Ctx)  { pushGeneric(c, false, false) }
func cmdLPushX(c *command.Ctx) { pushGeneric(c, true, true) }
func cmdRPushX(c *command.Ctx) { pushGeneric(c, false, true) }

// pushGeneric is [LR]PUSH[X]: xx only pushes to an existing list.
func pushGeneric(c *command.Ctx, front, xx bool) {
	key := c.Args[1]
	l, ok := listOf(c, c.DB.LookupWrite(key))
	if !ok {
		return
	}
	if l == nil {
		if xx {
			c.W.Int(0)
			return
		}
		l = createList(c, key)
	}
	for _, v := range c.Args[2:] {
		if front {
			l.PushFront(v)
		} else {
			l.PushBack(v)
		}
	}
	c.Dirty(int64(len(c.Args) - 2))
	c.W.Int(int64(l.Len()))
	c.Modified(key)
	if front {
		c.Notify(command.NotifyList, "lpush", key)
	} else {
		c.Notify(command.NotifyList, "rpush", key)
	}
	c.Ready(key)
}

// ---- pops ----

func cmdLPop(c *command.Ctx) { popGeneric(c, true) }
func cmdRPop(c *command.Ctx) { popGeneric(c, false) }

// popGeneric is LPOP/RPOP with the optional count of Redis 6.2+: without
// it the reply is one bulk (null for a missing key), with it an array
// (null array for a missing key, empty array for a count of 0).
func popGeneric(c *command.Ctx, front bool) {
	if len(c.Args) > 3 {
		c.Error(command.ArityError(c.Cmd))
		return
	}
	hasCount := len(c.Args) == 3
	var count int64
	if hasCount {
		n, ok := rangeLong(c, 2, 0, command.ErrNotPositive)
		if !ok {
			return
		}
		count = n
	}
	key := c.Args[1]
	l, ok := listOf(c, c.DB.LookupWrite(key))
	if !ok {
		return
	}
	if l == nil {
		if hasCount {
			c.W.NullArray()
		} else {
			c.W.Null()
		}
		return
	}
	if hasCount && count == 0 {
		c.W.ArrayLen(0)
		return
	}
	if !hasCount {
		popOne(c, l, front)
		listRemoved(c, key, l, front, 1)
		return
	}
	n := popRange(c, l, front, count)
	listRemoved(c, key, l, front, n)
}

// popOne replies with the element at one end of l and removes it. The
// element is written from the list's own buffer before the removal, so
// no copy is made.
func popOne(c *command.Ctx, l *types.List, front bool) {
	if front {
		v, _ := l.Index(0)
		c.W.Bulk(v)
		l.Trim(1, -1)
	} else {
		v, _ := l.Index(-1)
		c.W.Bulk(v)
		l.Trim(0, -2)
	}
}

// popRange replies with up to count elements taken from one end of l (in
// the order they are popped) as an array, removes them, and returns how
// many there were.
func popRange(c *command.Ctx, l *types.List, front bool, count int64) int {
	n := l.Len()
	if count < int64(n) {
		n = int(count)
	}
	c.W.ArrayLen(n)
	if front {
		l.Range(0, int64(n-1), func(v []byte) bool {
			c.W.Bulk(v)
			return true
		})
		l.Trim(int64(n), -1)
		return n
	}
	left := n
	l.RangeReverse(func(v []byte) bool {
		c.W.Bulk(v)
		left--
		return left > 0
	})
	l.Trim(0, int64(-n-1))
	return n
}

// ---- reads ----

func cmdLLen(c *command.Ctx) {
	l, ok := listOf(c, c.DB.LookupRead(c.Args[1]))
	if !ok {
		return
	}
	if l == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(l.Len()))
}

func cmdLRange(c *command.Ctx) {
	start, ok := c.Int(2)
	if !ok {
		return
	}
	stop, ok := c.Int(3)
	if !ok {
		return
	}
	l, ok := listOf(c, c.DB.LookupRead(c.Args[1]))
	if !ok {
		return
	}
	if l == nil {
		c.W.ArrayLen(0)
		return
	}
	s, e, ok := types.NormalizeRange(start, stop, l.Len())
	if !ok {
		c.W.ArrayLen(0)
		return
	}
	c.W.ArrayLen(e - s + 1)
	l.Range(start, stop, func(v []byte) bool {
		c.W.Bulk(v)
		return true
	})
}

func cmdLIndex(c *command.Ctx) {
	l, ok := listOf(c, c.DB.LookupRead(c.Args[1]))
	if !ok {
		return
	}
	if l == nil {
		c.W.Null()
		return
	}
	index, ok := c.Int(2)
	if !ok {
		return
	}
	if v, found := l.Index(index); found {
		c.W.Bulk(v)
		return
	}
	c.W.Null()
}

// cmdLPos is LPOS key element [RANK r] [COUNT n] [MAXLEN m]. The scan
// writes positions straight into the reply; the arithmetic deliberately
// wraps like Redis's (RANK -9223372036854775808 negates to itself, which
// makes every match qualify and COUNT never stop the scan).
func cmdLPos(c *command.Ctx) {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for j := 3; j < len(c.Args); j++ {
		more := j+1 < len(c.Args)
		switch {
		case c.Is(j, "rank") && more:
			j++
			r, ok := c.Int(j)
			if !ok {
				return
			}
			if r == 0 {
				c.Error(errRankZero)
				return
			}
			rank = r
		case c.Is(j, "count") && more:
			j++
			n, ok := rangeLong(c, j, 0, errPosCount)
			if !ok {
				return
			}
			count = n
		case c.Is(j, "maxlen") && more:
			j++
			n, ok := rangeLong(c, j, 0, errPosMaxLen)
			if !ok {
				return
			}
			maxlen = n
		default:
			c.SyntaxError()
			return
		}
	}
	reverse := rank < 0
	if reverse {
		rank = -rank
	}
	l, ok := listOf(c, c.DB.LookupRead(c.Args[1]))
	if !ok {
		return
	}
	if l == nil {
		if count != -1 {
			c.W.ArrayLen(0)
		} else {
			c.W.Null()
		}
		return
	}
	elem := c.Args[2]
	llen := int64(l.Len())
	var index, matches, found int64
	hit := int64(-1)
	var d resp.Deferred
	if count != -1 {
		d = c.W.Defer()
	}
	visit := func(v []byte) bool {
		if maxlen != 0 && index >= maxlen {
			return false
		}
		if string(v) == string(elem) {
			matches++
			if matches >= rank {
				pos := index
				if reverse {
					pos = llen - index - 1
				}
				if count == -1 {
					hit = pos
					return false
				}
				found++
				c.W.Int(pos)
				if count != 0 && matches-rank+1 >= count {
					return false
				}
			}
		}
		index++
		return true
	}
	if reverse {
		l.RangeReverse(visit)
	} else {
		l.Range(0, -1, visit)
	}
	if count != -1 {
		c.W.SetArrayLen(d, int(found))
		return
	}
	if hit < 0 {
		c.W.Null()
		return
	}
	c.W.Int(hit)
}

// ---- in-place edits ----

func cmdLSet(c *command.Ctx) {
	key := c.Args[1]
	o := c.DB.LookupWrite(key)
	if o == nil {
		c.Error(command.ErrNoSuchKey)
		return
	}
	l, ok := listOf(c, o)
	if !ok {
		return
	}
	index, ok := c.Int(2)
	if !ok {
		return
	}
	if !l.Set(index, c.Args[3]) {
		c.Error(command.ErrIndexRange)
		return
	}
	c.W.OK()
	c.Modified(key)
	c.Notify(command.NotifyList, "lset", key)
	c.Dirty(1)
}

func cmdLInsert(c *command.Ctx) {
	var before bool
	switch {
	case c.Is(2, "after"):
	case c.Is(2, "before"):
		before = true
	default:
		c.SyntaxError()
		return
	}
	key := c.Args[1]
	l, ok := listOf(c, c.DB.LookupWrite(key))
	if !ok {
		return
	}
	if l == nil {
		c.W.Int(0)
		return
	}
	n := l.Insert(before, c.Args[3], c.Args[4])
	if n < 0 {
		c.W.Int(-1)
		return
	}
	c.Modified(key)
	c.Notify(command.NotifyList, "linsert", key)
	c.Dirty(1)
	c.W.Int(int64(n))
	c.Ready(key)
}

func cmdLRem(c *command.Ctx) {
	count, ok := c.Int(2)
	if !ok {
		return
	}
	key := c.Args[1]
	l, ok := listOf(c, c.DB.LookupWrite(key))
	if !ok {
		return
	}
	if l == nil {
		c.W.Int(0)
		return
	}
	if count == math.MinInt64 {
		// Redis negates the count and compares the removals against it;
		// LONG_MIN negates to itself and is never reached, so every
		// match goes, as with 0.
		count = 0
	}
	removed := l.Remove(count, c.Args[3])
	if removed > 0 {
		c.Modified(key)
		c.Notify(command.NotifyList, "lrem", key)
		c.Dirty(int64(removed))
	}
	if l.Len() == 0 {
		c.DB.Delete(key)
		c.Notify(command.NotifyGeneric, "del", key)
	}
	c.W.Int(int64(removed))
}

func cmdLTrim(c *command.Ctx) {
	start, ok := c.Int(2)
	if !ok {
		return
	}
	stop, ok := c.Int(3)
	if !ok {
		return
	}
	key := c.Args[1]
	l, ok := listOf(c, c.DB.LookupWrite(key))
	if !ok {
		return
	}
	if l == nil {
		c.W.OK()
		return
	}
	before := l.Len()
	l.Trim(start, stop)
	c.Notify(command.NotifyList, "ltrim", key)
	if l.Len() == 0 {
		c.DB.Delete(key)
		c.Notify(command.NotifyGeneric, "del", key)
	}
	c.Modified(key)
	c.Dirty(int64(before - l.Len()))
	c.W.OK()
}

// ---- moves ----

func cmdLMove(c *command.Ctx) {
	from, ok := parseWhere(c, 3)
	if !ok {
		return
	}
	to, ok := parseWhere(c, 4)
	if !ok {
		return
	}
	lmoveGeneric(c, from, to)
}

func cmdRPopLPush(c *command.Ctx) { lmoveGeneric(c, false, true) }

// lmoveGeneric moves one element from the list Args[1] to the list
// Args[2]. A missing source replies null whatever the destination holds;
// the destination's type is only checked when there is something to move.
func lmoveGeneric(c *command.Ctx, from, to bool) {
	sl, ok := listOf(c, c.DB.LookupWrite(c.Args[1]))
	if !ok {
		return
	}
	if sl == nil {
		c.W.Null()
		return
	}
	moveFrom(c, sl, from, to)
}

// moveFrom is LMOVE's work once the source list sl (Args[1], non-empty)
// is known. It reports whether the element moved (false after WRONGTYPE
// for the destination).
func moveFrom(c *command.Ctx, sl *types.List, from, to bool) bool {
	src, dst := c.Args[1], c.Args[2]
	dl, ok := listOf(c, c.DB.LookupWrite(dst))
	if !ok {
		return false
	}
	var v []byte
	if from {
		v, _ = sl.PopFront()
	} else {
		v, _ = sl.PopBack()
	}
	// Push before deciding whether the source is empty: with src == dst
	// the element goes straight back and the key survives.
	if dl == nil {
		dl = createList(c, dst)
	}
	c.Modified(dst)
	if to {
		dl.PushFront(v)
		c.Notify(command.NotifyList, "lpush", dst)
	} else {
		dl.PushBack(v)
		c.Notify(command.NotifyList, "rpush", dst)
	}
	c.W.Bulk(v)
	c.Ready(dst)
	if from {
		c.Notify(command.NotifyList, "lpop", src)
	} else {
		c.Notify(command.NotifyList, "rpop", src)
	}
	if sl.Len() == 0 {
		c.DB.Delete(src)
		c.Notify(command.NotifyGeneric, "del", src)
	}
	c.Modified(src)
	c.Dirty(1)
	return true
}

// ---- multi-key pops ----

// mpopArgs parses the tail of LMPOP/BLMPOP from the numkeys argument at
// index nk: numkeys, the keys, LEFT|RIGHT and the optional COUNT.
func mpopArgs(c *command.Ctx, nk int) (keys [][]byte, front bool, count int64, ok bool) {
	numkeys, ok := rangeLong(c, nk, 1, errNumKeys)
	if !ok {
		return nil, false, 0, false
	}
	whereIdx := int64(nk) + numkeys + 1
	if numkeys >= int64(len(c.Args)) || whereIdx >= int64(len(c.Args)) {
		c.SyntaxError()
		return nil, false, 0, false
	}
	if front, ok = parseWhere(c, int(whereIdx)); !ok {
		return nil, false, 0, false
	}
	count = -1
	for j := int(whereIdx) + 1; j < len(c.Args); j++ {
		if count == -1 && c.Is(j, "count") && j+1 < len(c.Args) {
			j++
			if count, ok = rangeLong(c, j, 1, errCountPositive); !ok {
				return nil, false, 0, false
			}
			continue
		}
		c.SyntaxError()
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return c.Args[nk+1 : whereIdx], front, count, true
}

// mpopFrom pops up to count elements from the first non-empty list among
// keys, replying [key, [elements...]] and propagating [LR]POP key n. It
// returns served=false when every key is missing (or, when skipWrong, of
// another type) and ok=false after a WRONGTYPE reply.
func mpopFrom(c *command.Ctx, keys [][]byte, front bool, count int64, skipWrong bool) (served, ok bool) {
	for _, key := range keys {
		if !servesFrom(c, key) {
			continue
		}
		o := c.DB.LookupWrite(key)
		if o == nil {
			continue
		}
		if o.Type() != keyspace.TypeList {
			if skipWrong {
				continue
			}
			c.WrongType()
			return false, false
		}
		l := o.Collection().(*types.List)
		c.W.ArrayLen(2)
		c.W.Bulk(key)
		n := popRange(c, l, front, count)
		listRemoved(c, key, l, front, n)
		c.Propagate(popName(front), key, strconv.AppendInt(nil, int64(n), 10))
		return true, true
	}
	return false, true
}

// servesFrom reports whether a multi-key pop may take from key now: any
// key on the first run, but only the key that became ready when a woken
// client runs again, since Redis 7.0 serves it from that key even when an
// earlier key of the command also holds elements (both filled in one
// MULTI, say).
func servesFrom(c *command.Ctx, key []byte) bool {
	return !c.Reexec || c.ReadyKey == nil || bytes.Equal(key, c.ReadyKey)
}

func popName(front bool) []byte {
	if front {
		return propLPop
	}
	return propRPop
}

func cmdLMPop(c *command.Ctx) {
	keys, front, count, ok := mpopArgs(c, 1)
	if !ok {
		return
	}
	if served, ok := mpopFrom(c, keys, front, count, false); ok && !served {
		c.W.NullArray()
	}
}

// ---- blocking commands ----

func cmdBLPop(c *command.Ctx) { blockingPop(c, true) }
func cmdBRPop(c *command.Ctx) { blockingPop(c, false) }

// blockingPop is BLPOP/BRPOP key... timeout: pop from the first non-empty
// list in argument order (from the ready key when woken), replying [key,
// element] and propagating as LPOP/RPOP key, or block on all the keys.
func blockingPop(c *command.Ctx, front bool) {
	last := len(c.Args) - 1
	deadline, ok := blockTimeout(c, last)
	if !ok {
		return
	}
	keys := c.Args[1:last]
	for _, key := range keys {
		if !servesFrom(c, key) {
			continue
		}
		o := c.DB.LookupWrite(key)
		if o == nil {
			continue
		}
		if o.Type() != keyspace.TypeList {
			if c.Reexec {
				continue
			}
			c.WrongType()
			return
		}
		l := o.Collection().(*types.List)
		c.W.ArrayLen(2)
		c.W.Bulk(key)
		popOne(c, l, front)
		listRemoved(c, key, l, front, 1)
		c.Propagate(popName(front), key)
		return
	}
	if !c.CanBlock() {
		c.W.NullArray()
		return
	}
	c.Block(keys, deadline, command.TimeoutNullArray)
}

func cmdBLMPop(c *command.Ctx) {
	keys, front, count, ok := mpopArgs(c, 2)
	if !ok {
		return
	}
	deadline, ok := blockTimeout(c, 1)
	if !ok {
		return
	}
	served, ok := mpopFrom(c, keys, front, count, c.Reexec)
	if !ok || served {
		return
	}
	if !c.CanBlock() {
		c.W.NullArray()
		return
	}
	c.Block(keys, deadline, command.TimeoutNullArray)
}

func cmdBLMove(c *command.Ctx) {
	from, ok := parseWhere(c, 3)
	if !ok {
		return
	}
	to, ok := parseWhere(c, 4)
	if !ok {
		return
	}
	deadline, ok := blockTimeout(c, 5)
	if !ok {
		return
	}
	if !blmoveGeneric(c, from, to, deadline) {
		return
	}
	if c.Reexec {
		// A client served after blocking propagates with the side words
		// spelled as Redis's shared objects are.
		c.Propagate(propLMove, c.Args[1], c.Args[2], sideWord(from), sideWord(to))
		return
	}
	c.Propagate(propLMove, c.Args[1], c.Args[2], c.Args[3], c.Args[4])
}

func sideWord(front bool) []byte {
	if front {
		return propLeft
	}
	return propRight
}

func cmdBRPopLPush(c *command.Ctx) {
	deadline, ok := blockTimeout(c, 3)
	if !ok {
		return
	}
	if blmoveGeneric(c, false, true, deadline) {
		c.Propagate(propRPopLPush, c.Args[1], c.Args[2])
	}
}

// blmoveGeneric moves an element if the source has one, and otherwise
// blocks on the source (or, when blocking is not allowed, replies null).
// It reports whether an element moved. When re-executed, a source of
// another type keeps the client waiting, while a destination of another
// type still ends the wait with WRONGTYPE, as in Redis 7.0.
func blmoveGeneric(c *command.Ctx, from, to bool, deadline int64) bool {
	o := c.DB.LookupWrite(c.Args[1])
	if o != nil && o.Type() != keyspace.TypeList {
		if !c.Reexec {
			c.WrongType()
			return false
		}
		o = nil
	}
	if o == nil {
		if !c.CanBlock() {
			c.W.Null()
			return false
		}
		// Redis 7.0 answers a timed-out BLMOVE with a null array, unlike
		// the null bulk it gives where it cannot block.
		c.Block(c.Args[1:2], deadline, command.TimeoutNullArray)
		return false
	}
	return moveFrom(c, o.Collection().(*types.List), from, to)
}
