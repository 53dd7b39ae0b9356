package commands

import (
	"math"
	"strconv"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// String commands: GET, SET and its variants, counters, ranges, LCS.

func registerStrings(t *command.Table) {
	for name, h := range map[string]command.Handler{
		"get": cmdGet, "set": cmdSet, "setnx": cmdSetNX, "setex": cmdSetEX, "psetex": cmdPSetEX,
		"getset": cmdGetSet, "getdel": cmdGetDel, "getex": cmdGetEx,
		"mget": cmdMGet, "mset": cmdMSet, "msetnx": cmdMSetNX,
		"append": cmdAppend, "strlen": cmdStrlen, "getrange": cmdGetRange, "substr": cmdGetRange,
		"setrange": cmdSetRange,
		"incr":     cmdIncr, "decr": cmdDecr, "incrby": cmdIncrBy, "decrby": cmdDecrBy,
		"incrbyfloat": cmdIncrByFloat, "lcs": cmdLCS,
	} {
		t.Register(name, h)
	}
}

const errStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

// readString looks up key for reading and checks it holds a string. It
// returns (nil, true) for a missing key and (nil, false) after replying
// WRONGTYPE.
func readString(c *command.Ctx, key []byte) (*keyspace.Object, bool) {
	o := c.DB.LookupRead(key)
	if o == nil {
		return nil, true
	}
	if o.Type() != keyspace.TypeString {
		c.WrongType()
		return nil, false
	}
	return o, true
}

func cmdGet(c *command.Ctx) {
	o, ok := readString(c, c.Args[1])
	if !ok {
		return
	}
	if o == nil {
		c.W.Null()
		return
	}
	c.W.Bulk(o.Bytes())
}

// setFlags are the options of SET and GETEX.
type setFlags uint16

const (
	setNX setFlags = 1 << iota
	setXX
	setGet
	setKeepTTL
	setPersist
	setEX
	setPX
	setEXAT
	setPXAT
)

const anyExpire = setEX | setPX | setEXAT | setPXAT

// parseSetOptions parses SET's (forSet) or GETEX's options from args[from:]
// with the exclusions Redis applies, returning the flags and the raw
// expire argument.
func parseSetOptions(c *command.Ctx, from int, forSet bool) (setFlags, []byte, bool) {
	var f setFlags
	var expire []byte
	args := c.Args
	for j := from; j < len(args); j++ {
		opt := args[j]
		hasNext := j+1 < len(args)
		switch {
		case forSet && resp.EqualFold(opt, "nx") && f&setXX == 0:
			f |= setNX
		case forSet && resp.EqualFold(opt, "xx") && f&setNX == 0:
			f |= setXX
		case forSet && resp.EqualFold(opt, "get"):
			f |= setGet
		case forSet && resp.EqualFold(opt, "keepttl") && f&(setPersist|anyExpire) == 0:
			f |= setKeepTTL
		case !forSet && resp.EqualFold(opt, "persist") && f&(setKeepTTL|anyExpire) == 0:
			f |= setPersist
		case resp.EqualFold(opt, "ex") && f&(setKeepTTL|setPersist|setEXAT|setPX|setPXAT) == 0 && hasNext:
			f |= setEX
			expire = args[j+1]
			j++
		case resp.EqualFold(opt, "px") && f&(setKeepTTL|setPersist|setEX|setEXAT|setPXAT) == 0 && hasNext:
			f |= setPX
			expire = args[j+1]
			j++
		case resp.EqualFold(opt, "exat") && f&(setKeepTTL|setPersist|setEX|setPX|setPXAT) == 0 && hasNext:
			f |= setEXAT
			expire = args[j+1]
			j++
		case resp.EqualFold(opt, "pxat") && f&(setKeepTTL|setPersist|setEX|setEXAT|setPX) == 0 && hasNext:
			f |= setPXAT
			expire = args[j+1]
			j++
		default:
			c.SyntaxError()
			return 0, nil, false
		}
	}
	return f, expire, true
}

func expireTimeError(c *command.Ctx) {
	c.Error("ERR invalid expire time in '" + c.Cmd.Name + "' command")
}

// absoluteExpire converts an EX/PX/EXAT/PXAT argument into unix ms,
// replying with Redis's errors for non-integers, non-positive values and
// overflow.
func absoluteExpire(c *command.Ctx, arg []byte, f setFlags) (int64, bool) {
	ms, ok := resp.ParseInt(arg)
	if !ok {
		c.Error(command.ErrNotInt)
		return 0, false
	}
	seconds := f&(setEX|setEXAT) != 0
	if ms <= 0 || seconds && ms > math.MaxInt64/1000 {
		expireTimeError(c)
		return 0, false
	}
	if seconds {
		ms *= 1000
	}
	if f&(setEX|setPX) != 0 {
		if ms > math.MaxInt64-c.Now() {
			expireTimeError(c)
			return 0, false
		}
		ms += c.Now()
	}
	return ms, true
}

func cmdSet(c *command.Ctx) {
	f, expArg, ok := parseSetOptions(c, 3, true)
	if !ok {
		return
	}
	var at int64
	if f&anyExpire != 0 {
		if at, ok = absoluteExpire(c, expArg, f); !ok {
			return
		}
	}
	setGeneric(c, f, c.Args[1], c.Args[2], at, nil, nil)
}

// setGeneric is SET's core, shared by SETNX, SETEX and PSETEX. okReply
// and abortReply override the +OK and null replies (SETNX answers 1/0).
func setGeneric(c *command.Ctx, f setFlags, key, val []byte, at int64, okReply, abortReply func()) {
	if f&setGet != 0 {
		o, ok := readString(c, key)
		if !ok {
			return
		}
		if o == nil {
			c.W.Null()
		} else {
			c.W.Bulk(o.Bytes())
		}
	}
	found := c.DB.Exists(key)
	if f&setNX != 0 && found || f&setXX != 0 && !found {
		if f&setGet == 0 {
			if abortReply != nil {
				abortReply()
			} else {
				c.W.Null()
			}
		}
		return
	}
	o := c.DB.Set(key, f&setKeepTTL != 0)
	o.SetString(val)
	c.Modified(key)
	c.Dirty(1)
	c.Notify(command.NotifyString, "set", key)
	if at != 0 {
		c.DB.SetExpire(key, at)
		c.Notify(command.NotifyGeneric, "expire", key)
		// The effect propagates with an absolute time so a replay later
		// expires the key at the same moment.
		c.Propagate([]byte("SET"), key, val, []byte("PXAT"), strconv.AppendInt(nil, at, 10))
	} else if f&setGet != 0 {
		args := [][]byte{[]byte("SET"), key, val}
		if f&setNX != 0 {
			args = append(args, []byte("NX"))
		}
		if f&setXX != 0 {
			args = append(args, []byte("XX"))
		}
		if f&setKeepTTL != 0 {
			args = append(args, []byte("KEEPTTL"))
		}
		c.Propagate(args...)
	}
	if f&setGet == 0 {
		if okReply != nil {
			okReply()
		} else {
			c.W.OK()
		}
	}
}

func cmdSetNX(c *command.Ctx) {
	setGeneric(c, setNX, c.Args[1], c.Args[2], 0, func() { c.W.Int(1) }, func() { c.W.Int(0) })
}

func cmdSetEX(c *command.Ctx) {
	if at, ok := absoluteExpire(c, c.Args[2], setEX); ok {
		setGeneric(c, 0, c.Args[1], c.Args[3], at, nil, nil)
	}
}

func cmdPSetEX(c *command.Ctx) {
	if at, ok := absoluteExpire(c, c.Args[2], setPX); ok {
		setGeneric(c, 0, c.Args[1], c.Args[3], at, nil, nil)
	}
}

func cmdGetSet(c *command.Ctx) {
	key := c.Args[1]
	o, ok := readString(c, key)
	if !ok {
		return
	}
	if o == nil {
		c.W.Null()
	} else {
		c.W.Bulk(o.Bytes())
	}
	c.DB.Set(key, false).SetString(c.Args[2])
	c.Modified(key)
	c.Notify(command.NotifyString, "set", key)
	c.Dirty(1)
	c.Propagate([]byte("SET"), key, c.Args[2])
}

func cmdGetDel(c *command.Ctx) {
	key := c.Args[1]
	o, ok := readString(c, key)
	if !ok {
		return
	}
	if o == nil {
		c.W.Null()
		return
	}
	c.W.Bulk(o.Bytes())
	c.DB.Delete(key)
	c.Modified(key)
	c.Notify(command.NotifyGeneric, "del", key)
	c.Dirty(1)
}

func cmdGetEx(c *command.Ctx) {
	key := c.Args[1]
	f, expArg, ok := parseSetOptions(c, 2, false)
	if !ok {
		return
	}
	var at int64
	if f&anyExpire != 0 {
		if at, ok = absoluteExpire(c, expArg, f); !ok {
			return
		}
	}
	o, ok := readString(c, key)
	if !ok {
		return
	}
	if o == nil {
		c.W.Null()
		return
	}
	c.W.Bulk(o.Bytes())
	switch {
	case f&anyExpire != 0 && at <= c.Now():
		// Already in the past: the key goes now, as EXPIRE does.
		c.DB.Delete(key)
		c.Propagate([]byte("DEL"), key)
		c.Modified(key)
		c.Notify(command.NotifyGeneric, "del", key)
		c.Dirty(1)
	case f&anyExpire != 0:
		c.DB.SetExpire(key, at)
		c.Propagate([]byte("PEXPIREAT"), key, strconv.AppendInt(nil, at, 10))
		c.Modified(key)
		c.Notify(command.NotifyGeneric, "expire", key)
		c.Dirty(1)
	case f&setPersist != 0:
		if c.DB.Persist(key) {
			c.Propagate([]byte("PERSIST"), key)
			c.Modified(key)
			c.Notify(command.NotifyGeneric, "persist", key)
			c.Dirty(1)
		} else {
			c.NoPropagate()
		}
	}
}

func cmdMGet(c *command.Ctx) {
	keys := c.Args[1:]
	c.W.ArrayLen(len(keys))
	for _, k := range keys {
		o := c.DB.LookupRead(k)
		if o == nil || o.Type() != keyspace.TypeString {
			c.W.Null()
			continue
		}
		c.W.Bulk(o.Bytes())
	}
}

func msetGeneric(c *command.Ctx, nx bool) bool {
	if len(c.Args)%2 == 0 {
		c.Error(command.ArityError(c.Cmd))
		return false
	}
	if nx {
		for i := 1; i < len(c.Args); i += 2 {
			if c.DB.Exists(c.Args[i]) {
				c.W.Int(0)
				return false
			}
		}
	}
	c.DB.Prefetch(c.Args[1:], 2)
	for i := 1; i < len(c.Args); i += 2 {
		key := c.Args[i]
		c.DB.Set(key, false).SetString(c.Args[i+1])
		c.Modified(key)
		c.Notify(command.NotifyString, "set", key)
	}
	c.Dirty(int64(len(c.Args)-1) / 2)
	return true
}

func cmdMSet(c *command.Ctx) {
	if msetGeneric(c, false) {
		c.W.OK()
	}
}

func cmdMSetNX(c *command.Ctx) {
	if msetGeneric(c, true) {
		c.W.Int(1)
	}
}

// writeString looks up key for writing and checks its type: (nil, true)
// when missing, (nil, false) after replying WRONGTYPE.
func writeString(c *command.Ctx, key []byte) (*keyspace.Object, bool) {
	o := c.DB.LookupWrite(key)
	if o != nil && o.Type() != keyspace.TypeString {
		c.WrongType()
		return nil, false
	}
	return o, true
}

func cmdAppend(c *command.Ctx) {
	key, val := c.Args[1], c.Args[2]
	o, ok := writeString(c, key)
	if !ok {
		return
	}
	var total int
	if o == nil {
		c.DB.Add(key).SetString(val)
		total = len(val)
	} else {
		old := o.Bytes()
		if int64(len(old))+int64(len(val)) > c.Settings.ProtoMaxBulkLen {
			c.Error(errStringTooLong)
			return
		}
		// Appending in place amortises repeated APPENDs like sds does.
		o.SetRaw(append(ownedBytes(o), val...))
		total = len(o.Bytes())
	}
	c.Modified(key)
	c.Notify(command.NotifyString, "append", key)
	c.Dirty(1)
	c.W.Int(int64(total))
}

// ownedBytes returns the string's buffer ready for in-place growth. A
// value may share its backing array with a snapshot in progress only
// until LookupWrite preserved it, so growing in place is safe.
func ownedBytes(o *keyspace.Object) []byte { return o.Bytes() }

func cmdStrlen(c *command.Ctx) {
	o, ok := readString(c, c.Args[1])
	if !ok {
		return
	}
	if o == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(len(o.Bytes())))
}

func cmdGetRange(c *command.Ctx) {
	start, ok := c.Int(2)
	if !ok {
		return
	}
	end, ok := c.Int(3)
	if !ok {
		return
	}
	o, ok := readString(c, c.Args[1])
	if !ok {
		return
	}
	if o == nil {
		c.W.Bulk(nil)
		return
	}
	s := o.Bytes()
	n := int64(len(s))
	if start < 0 && end < 0 && start > end {
		c.W.Bulk(nil)
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.W.Bulk(nil)
		return
	}
	c.W.Bulk(s[start : end+1])
}

func cmdSetRange(c *command.Ctx) {
	key, val := c.Args[1], c.Args[3]
	offset, ok := c.Int(2)
	if !ok {
		return
	}
	if offset < 0 {
		c.Error("ERR offset is out of range")
		return
	}
	o, ok := writeString(c, key)
	if !ok {
		return
	}
	var newLen int
	if o == nil {
		if len(val) == 0 {
			c.W.Int(0)
			return
		}
		if offset > c.Settings.ProtoMaxBulkLen-int64(len(val)) {
			c.Error(errStringTooLong)
			return
		}
		buf := make([]byte, int(offset)+len(val))
		copy(buf[offset:], val)
		c.DB.Add(key).SetRaw(buf)
		newLen = len(buf)
	} else {
		old := o.Bytes()
		if len(val) == 0 {
			c.W.Int(int64(len(old)))
			return
		}
		if offset > c.Settings.ProtoMaxBulkLen-int64(len(val)) {
			c.Error(errStringTooLong)
			return
		}
		need := int(offset) + len(val)
		buf := ownedBytes(o)
		if need > len(buf) {
			buf = append(buf, make([]byte, need-len(buf))...)
		}
		// Writing into the value's own bytes is safe: SetString copied
		// them from the request, and LookupWrite let a running snapshot
		// take its copy first.
		copy(buf[offset:], val)
		o.SetRaw(buf)
		newLen = len(buf)
	}
	c.Modified(key)
	c.Notify(command.NotifyString, "setrange", key)
	c.Dirty(1)
	c.W.Int(int64(newLen))
}

func cmdIncr(c *command.Ctx) { incrDecr(c, 1) }
func cmdDecr(c *command.Ctx) { incrDecr(c, -1) }

func cmdIncrBy(c *command.Ctx) {
	if n, ok := c.Int(2); ok {
		incrDecr(c, n)
	}
}

func cmdDecrBy(c *command.Ctx) {
	n, ok := c.Int(2)
	if !ok {
		return
	}
	if n == math.MinInt64 {
		c.Error("ERR decrement would overflow")
		return
	}
	incrDecr(c, -n)
}

func incrDecr(c *command.Ctx, by int64) {
	key := c.Args[1]
	o, ok := writeString(c, key)
	if !ok {
		return
	}
	var v int64
	if o != nil {
		if v, ok = resp.ParseInt(o.Bytes()); !ok {
			c.Error(command.ErrNotInt)
			return
		}
	}
	if by < 0 && v < 0 && by < math.MinInt64-v || by > 0 && v > 0 && by > math.MaxInt64-v {
		c.Error(command.ErrOverflow)
		return
	}
	v += by
	if o == nil {
		o = c.DB.Add(key)
	}
	o.SetInt(v)
	c.Modified(key)
	c.Notify(command.NotifyString, "incrby", key)
	c.Dirty(1)
	c.W.Int(v)
}

func cmdIncrByFloat(c *command.Ctx) {
	key := c.Args[1]
	o, ok := writeString(c, key)
	if !ok {
		return
	}
	cur := zeroLD()
	if o != nil {
		if cur, ok = parseLongDouble(o.Bytes()); !ok {
			c.Error(command.ErrNotFloat)
			return
		}
	}
	incr, ok := parseLongDouble(c.Args[2])
	if !ok {
		c.Error(command.ErrNotFloat)
		return
	}
	sum, ok := addLongDouble(cur, incr)
	if !ok {
		c.Error("ERR increment would produce NaN or Infinity")
		return
	}
	text := []byte(formatLongDouble(sum))
	if o == nil {
		o = c.DB.Add(key)
	}
	// Redis builds the result with createStringObject: embstr or raw,
	// never "int", even for a whole number.
	o.SetEmbstr(text)
	c.Modified(key)
	c.Notify(command.NotifyString, "incrbyfloat", key)
	c.Dirty(1)
	c.W.Bulk(text)
	// Replicas and the AOF get the exact result, not the increment, so
	// float formatting can never make them diverge.
	c.Propagate([]byte("SET"), key, text, []byte("KEEPTTL"))
}

// cmdLCS computes the longest common subsequence with the classic dynamic
// programming table, then walks it back from the end, emitting matched
// ranges the same way (and in the same order) Redis does.
func cmdLCS(c *command.Ctx) {
	oa := c.DB.LookupRead(c.Args[1])
	ob := c.DB.LookupRead(c.Args[2])
	if oa != nil && oa.Type() != keyspace.TypeString || ob != nil && ob.Type() != keyspace.TypeString {
		c.Error("ERR The specified keys must contain string values")
		return
	}
	var a, b []byte
	if oa != nil {
		a = oa.Bytes()
	}
	if ob != nil {
		b = ob.Bytes()
	}
	var getLen, getIdx, withMatchLen bool
	var minMatch int64
	for j := 3; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		switch {
		case c.Is(j, "idx"):
			getIdx = true
		case c.Is(j, "len"):
			getLen = true
		case c.Is(j, "withmatchlen"):
			withMatchLen = true
		case c.Is(j, "minmatchlen") && more > 0:
			n, ok := c.Int(j + 1)
			if !ok {
				return
			}
			if n < 0 {
				n = 0
			}
			minMatch = n
			j++
		default:
			c.SyntaxError()
			return
		}
	}
	if getIdx && getLen {
		c.Error("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	alen, blen := len(a), len(b)
	cells := uint64(alen+1) * uint64(blen+1)
	if cells*4 > uint64(c.Settings.ProtoMaxBulkLen) {
		c.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	w := blen + 1
	dp := make([]uint32, cells)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			if a[i-1] == b[j-1] {
				dp[i*w+j] = dp[(i-1)*w+j-1] + 1
			} else if x, y := dp[(i-1)*w+j], dp[i*w+j-1]; x > y {
				dp[i*w+j] = x
			} else {
				dp[i*w+j] = y
			}
		}
	}
	idx := int(dp[alen*w+blen])
	total := idx
	computeLCS := getIdx || !getLen
	var result []byte
	if computeLCS {
		result = make([]byte, idx)
	}
	var d resp.Deferred
	ranges := 0
	if getIdx {
		c.W.MapLen(2)
		c.W.BulkString("matches")
		d = c.W.Defer()
	}
	i, j := alen, blen
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0
	for computeLCS && i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == alen {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if dp[(i-1)*w+j] > dp[i*w+j-1] {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		matchLen := aEnd - aStart + 1
		if emit {
			if minMatch == 0 || int64(matchLen) >= minMatch {
				if getIdx {
					n := 2
					if withMatchLen {
						n = 3
					}
					c.W.ArrayLen(n)
					c.W.ArrayLen(2)
					c.W.Int(int64(aStart))
					c.W.Int(int64(aEnd))
					c.W.ArrayLen(2)
					c.W.Int(int64(bStart))
					c.W.Int(int64(bEnd))
					if withMatchLen {
						c.W.Int(int64(matchLen))
					}
					ranges++
				}
			}
			aStart = alen
		}
	}
	switch {
	case getIdx:
		c.W.SetArrayLen(d, ranges)
		c.W.BulkString("len")
		c.W.Int(int64(total))
	case getLen:
		c.W.Int(int64(total))
	default:
		c.W.Bulk(result)
	}
}
