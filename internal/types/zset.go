package types

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"unsafe"

	"github.com/autobot-ai/autobot-redis/internal/dict"
)

// ZSet is a Redis sorted set. Elements are ordered by score (float64
// comparison) and then by member bytes. It starts as "listpack": members
// and scores in order in compact arrays, searched linearly by member as
// Redis does. It becomes "skiplist" (a skip list with spans for O(log n)
// ranks plus a dict from member to score, which ZSCAN needs) when an added
// member would make it longer than zset-max-listpack-entries or is longer
// than zset-max-listpack-value bytes, and it never converts back on its
// own (constructors such as NewZSetFrom choose either, as the *STORE
// commands and RDB loading do).
//
// Scores of -0.0: a listpack stores scores as text, and Redis formats an
// integral score through its integer printer, so a listpack turns -0 into
// 0; a skiplist keeps the double and replies "-0". Both are reproduced.
type ZSet struct {
	enc Encoding
	// listpack
	lpm blobs     // members in order
	lps []float64 // scores, parallel to lpm
	// skiplist
	zsl  *skiplist
	d    *dict.Dict[float64]
	dMem int64 // dict entries; member strings are counted by the skiplist
}

var (
	zsetStructMem = memPtrs(int(unsafe.Sizeof(ZSet{})))
	zsetEntryMem  = memPtrs(int(unsafe.Sizeof(dict.Entry[float64]{})))
	zsetDictMem   = memPtrs(int(unsafe.Sizeof(dict.Dict[float64]{})))
)

// ErrNaNScore is the error ZADD INCR and ZINCRBY reply with when the
// increment produces NaN (inf + -inf).
var ErrNaNScore = errors.New("ERR resulting score is not a number (NaN)")

// NewZSet returns an empty listpack-encoded sorted set.
func NewZSet() *ZSet { return &ZSet{enc: EncListpack} }

func newSkiplistZSet() *ZSet {
	return &ZSet{enc: EncSkiplist, zsl: newSkiplist(), d: dict.New[float64]()}
}

// ZMember is a member with its score, for bulk construction.
type ZMember struct {
	Member []byte
	Score  float64
}

// NewZSetFrom builds a sorted set from members in any order (RDB load,
// ZUNIONSTORE, ZRANGESTORE...). Like Redis's zsetConvertToListpackIfNeeded
// it is a listpack when the count and every member length are within the
// limits, a skiplist otherwise. For a repeated member the last one wins.
// NaN scores are not allowed. The slice is reordered.
func NewZSetFrom(lim *Limits, members []ZMember) *ZSet {
	// Deduplicate (last wins) with a stable sort by member.
	slices.SortStableFunc(members, func(a, b ZMember) int { return bytes.Compare(a.Member, b.Member) })
	w := 0
	for i := range members {
		if w > 0 && bytes.Equal(members[w-1].Member, members[i].Member) {
			members[w-1] = members[i]
			continue
		}
		members[w] = members[i]
		w++
	}
	members = members[:w]
	slices.SortFunc(members, func(a, b ZMember) int {
		switch {
		case a.Score < b.Score:
			return -1
		case a.Score > b.Score:
			return 1
		}
		return bytes.Compare(a.Member, b.Member)
	})
	small := int64(len(members)) <= lim.ZsetMaxListpackEntries
	total := 0
	for _, m := range members {
		if int64(len(m.Member)) > lim.ZsetMaxListpackValue {
			small = false
		}
		total += len(m.Member)
	}
	if small && total <= listpackMaxSafeSize {
		z := NewZSet()
		z.lpm.buf = make([]byte, 0, memCapBytes(total))
		z.lpm.ends = make([]uint32, 0, len(members))
		z.lps = make([]float64, 0, len(members))
		for _, m := range members {
			z.lpm.append(m.Member)
			z.lps = append(z.lps, lpScore(m.Score))
		}
		return z
	}
	z := newSkiplistZSet()
	// Inserting from the highest element down makes every insert stop at
	// the header: O(1) per element instead of O(log n).
	for i := len(members) - 1; i >= 0; i-- {
		z.slInsert(members[i].Score, string(members[i].Member))
	}
	return z
}

// lpScore is the score a listpack keeps: Redis stores it as text, and its
// formatter writes -0.0 as "0".
func lpScore(s float64) float64 {
	if s == 0 {
		return 0
	}
	return s
}

// Encoding returns EncListpack or EncSkiplist.
func (z *ZSet) Encoding() Encoding { return z.enc }

// Len returns the number of members (ZCARD).
func (z *ZSet) Len() int {
	if z.enc == EncListpack {
		return len(z.lps)
	}
	return z.zsl.length
}

// MemUsage returns the estimated heap bytes owned by the sorted set.
func (z *ZSet) MemUsage() int64 {
	if z.enc == EncListpack {
		return zsetStructMem + z.lpm.mem() + memBytes(8*cap(z.lps))
	}
	return zsetStructMem + skiplistStructMem + z.zsl.mem + zsetDictMem + z.dMem + memPtrs(8*z.d.Buckets())
}

func (z *ZSet) convert() {
	nz := newSkiplistZSet()
	for i := len(z.lps) - 1; i >= 0; i-- {
		nz.slInsert(z.lps[i], string(z.lpm.at(i)))
	}
	*z = *nz
}

func (z *ZSet) slInsert(score float64, member string) {
	z.zsl.insert(score, member)
	z.d.Insert(member).Value = score
	z.dMem += zsetEntryMem
}

// lpFind returns the index of member in a listpack, or -1.
func (z *ZSet) lpFind(member []byte) int { return z.lpm.find(member, 0, 1) }

// lpInsertPos is the index where (score, member) belongs.
func (z *ZSet) lpInsertPos(score float64, member []byte) int {
	lo, hi := 0, len(z.lps)
	for lo < hi {
		m := (lo + hi) / 2
		if s := z.lps[m]; s < score || (s == score && bytes.Compare(z.lpm.at(m), member) < 0) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (z *ZSet) lpInsert(score float64, member []byte) {
	score = lpScore(score)
	i := z.lpInsertPos(score, member)
	z.lpm.insert(i, member)
	z.lps = slices.Insert(z.lps, i, score)
}

func (z *ZSet) lpDelete(i, j int) {
	z.lpm.remove(i, j)
	z.lps = slices.Delete(z.lps, i, j)
	if c := cap(z.lps); c > 32 && len(z.lps) < c/4 {
		z.lps = append(make([]float64, 0, 2*len(z.lps)), z.lps...)
	}
}

// ZAddFlags are ZADD's options.
type ZAddFlags uint8

const (
	ZAddNX   ZAddFlags = 1 << iota // only add new members
	ZAddXX                         // only update existing members
	ZAddGT                         // only update when the new score is greater
	ZAddLT                         // only update when the new score is less
	ZAddIncr                       // score is an increment (ZINCRBY, ZADD INCR)
)

// ZAddResult says what Add did.
type ZAddResult uint8

const (
	// ZAddUnchanged: the member existed and its score stays the same
	// (neither added nor updated; INCR still replies with the score).
	ZAddUnchanged ZAddResult = iota
	ZAddAdded                // a new member was inserted
	ZAddUpdated              // an existing member's score changed
	ZAddNop                  // NX, XX, GT or LT prevented the write (INCR replies nil)
	ZAddNaN                  // the score or the increment result is NaN; nothing changed
)

// Add inserts or updates member with Redis's zsetAdd semantics and returns
// the outcome and the resulting score (valid for ZAddAdded, ZAddUpdated
// and ZAddUnchanged). For ZAddNaN the command replies ErrNaNScore. ZADD's
// reply counts ZAddAdded (plus ZAddUpdated with CH). member is copied and
// must not alias the set's own views.
func (z *ZSet) Add(lim *Limits, score float64, member []byte, flags ZAddFlags) (ZAddResult, float64) {
	if math.IsNaN(score) {
		return ZAddNaN, 0
	}
	incr := flags&ZAddIncr != 0
	var cur float64
	var found bool
	if z.enc == EncListpack {
		if i := z.lpFind(member); i >= 0 {
			cur, found = z.lps[i], true
		}
	} else if e := z.d.FindBytes(member); e != nil {
		cur, found = e.Value, true
	}
	if !found {
		if flags&ZAddXX != 0 {
			return ZAddNop, 0
		}
		if z.enc == EncListpack {
			if int64(len(z.lps)+1) > lim.ZsetMaxListpackEntries ||
				int64(len(member)) > lim.ZsetMaxListpackValue ||
				z.lpm.bytes()+len(member) > listpackMaxSafeSize {
				z.convert()
			} else {
				z.lpInsert(score, member)
				return ZAddAdded, score
			}
		}
		z.slInsert(score, string(member))
		return ZAddAdded, score
	}
	if flags&ZAddNX != 0 {
		return ZAddNop, 0
	}
	if incr {
		score += cur
		if math.IsNaN(score) {
			return ZAddNaN, 0
		}
	}
	if (flags&ZAddLT != 0 && score >= cur) || (flags&ZAddGT != 0 && score <= cur) {
		return ZAddNop, 0
	}
	if score == cur {
		return ZAddUnchanged, score
	}
	if z.enc == EncListpack {
		// Re-insert at the new position. The member is copied first in
		// case the caller passed a view of this very set.
		i := z.lpFind(member)
		var tmp [64]byte
		m := append(tmp[:0], member...)
		z.lpDelete(i, i+1)
		z.lpInsert(score, m)
		return ZAddUpdated, score
	}
	e := z.d.FindBytes(member)
	z.zsl.updateScore(cur, e.Key, score)
	e.Value = score
	return ZAddUpdated, score
}

// Delete removes member and reports whether it was present (ZREM).
func (z *ZSet) Delete(member []byte) bool {
	if z.enc == EncListpack {
		i := z.lpFind(member)
		if i < 0 {
			return false
		}
		z.lpDelete(i, i+1)
		return true
	}
	e := z.d.FindBytes(member)
	if e == nil {
		return false
	}
	z.zsl.remove(e.Value, e.Key)
	z.d.Delete(e.Key)
	z.dMem -= zsetEntryMem
	return true
}

// Score returns member's score (ZSCORE, ZMSCORE).
func (z *ZSet) Score(member []byte) (float64, bool) {
	if z.enc == EncListpack {
		if i := z.lpFind(member); i >= 0 {
			return z.lps[i], true
		}
		return 0, false
	}
	if e := z.d.FindBytes(member); e != nil {
		return e.Value, true
	}
	return 0, false
}

// Rank returns member's 0-based rank, counted from the highest score when
// reverse (ZRANK, ZREVRANK), and its score.
func (z *ZSet) Rank(member []byte, reverse bool) (rank int, score float64, ok bool) {
	n := z.Len()
	if z.enc == EncListpack {
		i := z.lpFind(member)
		if i < 0 {
			return 0, 0, false
		}
		rank, score = i, z.lps[i]
	} else {
		e := z.d.FindBytes(member)
		if e == nil {
			return 0, 0, false
		}
		rank, score = z.zsl.rank(e.Value, e.Key)-1, e.Value
	}
	if reverse {
		rank = n - 1 - rank
	}
	return rank, score, true
}

// at returns the element at 0-based ascending index i.
func (z *ZSet) at(i int) ([]byte, float64) {
	if z.enc == EncListpack {
		return z.lpm.at(i), z.lps[i]
	}
	n := z.zsl.byRank(i + 1)
	return bview(n.member), n.score
}

// walk calls fn from ascending index i upwards (or downwards when
// reverse) until fn returns false or the set ends.
func (z *ZSet) walk(i int, reverse bool, fn func(member []byte, score float64) bool) {
	if i < 0 || i >= z.Len() {
		return
	}
	if z.enc == EncListpack {
		if reverse {
			for ; i >= 0; i-- {
				if !fn(z.lpm.at(i), z.lps[i]) {
					return
				}
			}
			return
		}
		for ; i < len(z.lps); i++ {
			if !fn(z.lpm.at(i), z.lps[i]) {
				return
			}
		}
		return
	}
	for x := z.zsl.byRank(i + 1); x != nil; {
		// Read the link before calling fn so that fn may delete x.
		next := x.level[0].forward
		if reverse {
			next = x.backward
		}
		if !fn(bview(x.member), x.score) {
			return
		}
		x = next
	}
}

// Range calls fn for every element in ascending order until it returns
// false. fn must not modify the set.
func (z *ZSet) Range(fn func(member []byte, score float64) bool) { z.walk(0, false, fn) }

// RDBRange iterates in the order Redis serializes the set: a listpack as
// it is (ascending), a skiplist from the highest element down (so that
// loading inserts each element at the head).
func (z *ZSet) RDBRange(fn func(member []byte, score float64) bool) {
	if z.enc == EncSkiplist {
		z.walk(z.Len()-1, true, fn)
		return
	}
	z.walk(0, false, fn)
}

// RangeByRank implements ZRANGE by index: start and stop are the raw
// command arguments (negative from the end); reverse counts ranks from
// the highest score (ZREVRANGE, ZRANGE REV). fn must not modify the set.
func (z *ZSet) RangeByRank(start, stop int64, reverse bool, fn func(member []byte, score float64) bool) {
	n := z.Len()
	s, e, ok := NormalizeRange(start, stop, n)
	if !ok {
		return
	}
	left := e - s + 1
	from := s
	if reverse {
		from = n - 1 - s
	}
	z.walk(from, reverse, func(m []byte, sc float64) bool {
		if !fn(m, sc) {
			return false
		}
		left--
		return left > 0
	})
}

// ScoreRange is a ZRANGEBYSCORE-style interval.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool // exclusive bounds: "(1.5"
}

func (r *ScoreRange) gteMin(s float64) bool {
	if r.MinEx {
		return s > r.Min
	}
	return s >= r.Min
}

func (r *ScoreRange) lteMax(s float64) bool {
	if r.MaxEx {
		return s < r.Max
	}
	return s <= r.Max
}

func (r *ScoreRange) empty() bool {
	return r.Min > r.Max || (r.Min == r.Max && (r.MinEx || r.MaxEx))
}

// ErrScoreRange is the reply to unparsable score bounds.
var ErrScoreRange = errors.New("ERR min or max is not a float")

// ParseScoreRange parses ZRANGEBYSCORE/ZCOUNT/ZREMRANGEBYSCORE bounds:
// an optional '(' for exclusive, then anything C's strtod accepts in full
// (leading spaces, "inf", "-inf", hex, and even the empty string as 0),
// except NaN.
func ParseScoreRange(min, max []byte) (ScoreRange, error) {
	var r ScoreRange
	var ok1, ok2 bool
	r.Min, r.MinEx, ok1 = parseScoreBound(min)
	r.Max, r.MaxEx, ok2 = parseScoreBound(max)
	if !ok1 || !ok2 {
		return ScoreRange{}, ErrScoreRange
	}
	return r, nil
}

func parseScoreBound(b []byte) (v float64, ex, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	v, ok = ParseStrtod(b)
	return v, ex, ok && !math.IsNaN(v)
}

// ParseStrtod parses b the way C's strtod does when the whole string must
// be consumed: leading whitespace is skipped, an empty (or all-space)
// string is 0, "inf"/"infinity"/"nan" are accepted in any case, hex
// floats need no exponent, and out-of-range values become ±Inf or 0.
// Callers add their own rules (Redis rejects NaN almost everywhere).
func ParseStrtod(b []byte) (float64, bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	s := string(b[i:])
	if s == "" {
		// An empty string leaves strtod's end pointer on the terminator,
		// so Redis accepts it as 0; spaces alone leave it on a space.
		return 0, i == 0
	}
	for j := 0; j < len(s); j++ {
		if s[j] == '_' {
			return 0, false
		}
	}
	body := s
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		hasExp := false
		for j := 2; j < len(body); j++ {
			if body[j] == 'p' || body[j] == 'P' {
				hasExp = true
			}
		}
		if !hasExp {
			s += "p0"
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// LexBound is one end of a ZRANGEBYLEX interval.
type LexBound struct {
	Value []byte
	Inf   int8 // -1 for "-", +1 for "+", 0 for a Value bound
	Ex    bool // "(" (exclusive) rather than "["
}

// LexRange is a ZRANGEBYLEX-style interval.
type LexRange struct{ Min, Max LexBound }

// ErrLexRange is the reply to malformed lex bounds.
var ErrLexRange = errors.New("ERR min or max not valid string range item")

// ParseLexRange parses ZRANGEBYLEX/ZLEXCOUNT/ZREMRANGEBYLEX bounds: "+",
// "-", "[value" or "(value". The values alias the arguments.
func ParseLexRange(min, max []byte) (LexRange, error) {
	a, ok1 := parseLexBound(min)
	b, ok2 := parseLexBound(max)
	if !ok1 || !ok2 {
		return LexRange{}, ErrLexRange
	}
	return LexRange{Min: a, Max: b}, nil
}

func parseLexBound(b []byte) (LexBound, bool) {
	if len(b) == 0 {
		return LexBound{}, false
	}
	switch b[0] {
	case '+', '-':
		if len(b) != 1 {
			return LexBound{}, false
		}
		if b[0] == '+' {
			return LexBound{Inf: 1}, true
		}
		return LexBound{Inf: -1}, true
	case '(':
		return LexBound{Value: b[1:], Ex: true}, true
	case '[':
		return LexBound{Value: b[1:]}, true
	}
	return LexBound{}, false
}

// lexCmp compares an element with a bound, the sentinels being below and
// above every string.
func lexCmp(v []byte, b *LexBound) int {
	switch b.Inf {
	case -1:
		return 1
	case 1:
		return -1
	}
	return bytes.Compare(v, b.Value)
}

func (r *LexRange) gteMin(v []byte) bool {
	c := lexCmp(v, &r.Min)
	if r.Min.Ex {
		return c > 0
	}
	return c >= 0
}

func (r *LexRange) lteMax(v []byte) bool {
	c := lexCmp(v, &r.Max)
	if r.Max.Ex {
		return c < 0
	}
	return c <= 0
}

func (r *LexRange) empty() bool {
	var c int
	a, b := &r.Min, &r.Max
	switch {
	case a.Inf != 0 && a.Inf == b.Inf:
		c = 0
	case a.Inf == -1 || b.Inf == 1:
		c = -1
	case a.Inf == 1 || b.Inf == -1:
		c = 1
	default:
		c = bytes.Compare(a.Value, b.Value)
	}
	return c > 0 || (c == 0 && (a.Ex || b.Ex))
}

// A range query finds its first (or last) element, then walks. The
// listpack searches linearly from the matching end and the skiplist
// descends, as in Redis; with a lex range over mixed scores (where Redis
// documents the result as unspecified) the two can differ, exactly as
// they do in Redis. Both first check that the range can intersect the
// set at all by testing the two extreme elements.

func (z *ZSet) scoreInRange(r *ScoreRange) bool {
	n := z.Len()
	if r.empty() || n == 0 {
		return false
	}
	_, hi := z.at(n - 1)
	_, lo := z.at(0)
	return r.gteMin(hi) && r.lteMax(lo)
}

// firstInScore returns the ascending index of the first element in r.
func (z *ZSet) firstInScore(r *ScoreRange) (int, bool) {
	if !z.scoreInRange(r) {
		return 0, false
	}
	var i int
	var s float64
	if z.enc == EncListpack {
		i = sort.Search(len(z.lps), func(k int) bool { return r.gteMin(z.lps[k]) })
		if i >= len(z.lps) {
			return 0, false
		}
		s = z.lps[i]
	} else {
		x, rank := z.zsl.firstWhere(func(x *zslNode) bool { return r.gteMin(x.score) })
		if x == nil {
			return 0, false
		}
		i, s = rank-1, x.score
	}
	return i, r.lteMax(s)
}

// lastInScore returns the ascending index of the last element in r.
func (z *ZSet) lastInScore(r *ScoreRange) (int, bool) {
	if !z.scoreInRange(r) {
		return 0, false
	}
	var i int
	var s float64
	if z.enc == EncListpack {
		j := sort.Search(len(z.lps), func(k int) bool { return !r.lteMax(z.lps[k]) })
		if j == 0 {
			return 0, false
		}
		i, s = j-1, z.lps[j-1]
	} else {
		x, rank := z.zsl.lastWhere(func(x *zslNode) bool { return r.lteMax(x.score) })
		if x == nil {
			return 0, false
		}
		i, s = rank-1, x.score
	}
	return i, r.gteMin(s)
}

func (z *ZSet) lexInRange(r *LexRange) bool {
	n := z.Len()
	if r.empty() || n == 0 {
		return false
	}
	hi, _ := z.at(n - 1)
	lo, _ := z.at(0)
	return r.gteMin(hi) && r.lteMax(lo)
}

func (z *ZSet) firstInLex(r *LexRange) (int, bool) {
	if !z.lexInRange(r) {
		return 0, false
	}
	if z.enc == EncListpack {
		for i := 0; i < z.lpm.n(); i++ {
			if m := z.lpm.at(i); r.gteMin(m) {
				return i, r.lteMax(m)
			}
		}
		return 0, false
	}
	x, rank := z.zsl.firstWhere(func(x *zslNode) bool { return r.gteMin(bview(x.member)) })
	if x == nil {
		return 0, false
	}
	return rank - 1, r.lteMax(bview(x.member))
}

func (z *ZSet) lastInLex(r *LexRange) (int, bool) {
	if !z.lexInRange(r) {
		return 0, false
	}
	if z.enc == EncListpack {
		for i := z.lpm.n() - 1; i >= 0; i-- {
			if m := z.lpm.at(i); r.lteMax(m) {
				return i, r.gteMin(m)
			}
		}
		return 0, false
	}
	x, rank := z.zsl.lastWhere(func(x *zslNode) bool { return r.lteMax(bview(x.member)) })
	if x == nil {
		return 0, false
	}
	return rank - 1, r.gteMin(bview(x.member))
}

// rangeFrom walks from the first (or, reversed, last) element of a range,
// skipping offset elements, emitting at most limit (< 0: no limit) while
// stillIn holds.
func (z *ZSet) rangeFrom(i int, ok, reverse bool, offset, limit int64, stillIn func(m []byte, s float64) bool,
	fn func(member []byte, score float64) bool) {
	if !ok || offset < 0 || limit == 0 {
		return
	}
	if offset >= int64(z.Len()) {
		return
	}
	if reverse {
		i -= int(offset)
	} else {
		i += int(offset)
	}
	z.walk(i, reverse, func(m []byte, s float64) bool {
		if !stillIn(m, s) || !fn(m, s) {
			return false
		}
		limit--
		return limit != 0
	})
}

// RangeByScore implements ZRANGEBYSCORE / ZREVRANGEBYSCORE / ZRANGE
// BYSCORE: elements in r, ascending (or descending when reverse), after
// skipping offset of them (a negative offset yields nothing) and at most
// limit of them (negative: all). fn must not modify the set.
func (z *ZSet) RangeByScore(r ScoreRange, reverse bool, offset, limit int64, fn func(member []byte, score float64) bool) {
	if reverse {
		i, ok := z.lastInScore(&r)
		z.rangeFrom(i, ok, true, offset, limit, func(_ []byte, s float64) bool { return r.gteMin(s) }, fn)
		return
	}
	i, ok := z.firstInScore(&r)
	z.rangeFrom(i, ok, false, offset, limit, func(_ []byte, s float64) bool { return r.lteMax(s) }, fn)
}

// RangeByLex implements ZRANGEBYLEX / ZREVRANGEBYLEX / ZRANGE BYLEX, with
// the same offset and limit rules as RangeByScore.
func (z *ZSet) RangeByLex(r LexRange, reverse bool, offset, limit int64, fn func(member []byte, score float64) bool) {
	if reverse {
		i, ok := z.lastInLex(&r)
		z.rangeFrom(i, ok, true, offset, limit, func(m []byte, _ float64) bool { return r.gteMin(m) }, fn)
		return
	}
	i, ok := z.firstInLex(&r)
	z.rangeFrom(i, ok, false, offset, limit, func(m []byte, _ float64) bool { return r.lteMax(m) }, fn)
}

// countFrom counts forward from index i while in holds (listpack ZCOUNT).
func (z *ZSet) countFrom(i int, in func(m []byte, s float64) bool) int {
	n := 0
	z.walk(i, false, func(m []byte, s float64) bool {
		if !in(m, s) {
			return false
		}
		n++
		return true
	})
	return n
}

// CountByScore implements ZCOUNT: O(log n) on a skiplist (two rank
// lookups), linear in the result on a listpack.
func (z *ZSet) CountByScore(r ScoreRange) int {
	first, ok := z.firstInScore(&r)
	if !ok {
		return 0
	}
	if z.enc == EncListpack {
		return z.countFrom(first, func(_ []byte, s float64) bool { return r.lteMax(s) })
	}
	n := z.Len()
	count := n - first
	if last, ok := z.lastInScore(&r); ok {
		count -= n - 1 - last
	}
	return count
}

// CountByLex implements ZLEXCOUNT, with the same costs as CountByScore.
func (z *ZSet) CountByLex(r LexRange) int {
	first, ok := z.firstInLex(&r)
	if !ok {
		return 0
	}
	if z.enc == EncListpack {
		return z.countFrom(first, func(m []byte, _ float64) bool { return r.lteMax(m) })
	}
	n := z.Len()
	count := n - first
	if last, ok := z.lastInLex(&r); ok {
		count -= n - 1 - last
	}
	return count
}

// slGone keeps the dict in step with nodes the skiplist removed.
func (z *ZSet) slGone(x *zslNode) {
	z.d.Delete(x.member)
	z.dMem -= zsetEntryMem
}

// DeleteRangeByRank implements ZREMRANGEBYRANK (raw start/stop) and
// returns the number removed.
func (z *ZSet) DeleteRangeByRank(start, stop int64) int {
	s, e, ok := NormalizeRange(start, stop, z.Len())
	if !ok {
		return 0
	}
	if z.enc == EncListpack {
		z.lpDelete(s, e+1)
		return e - s + 1
	}
	return z.zsl.deleteRanks(s+1, e+1, z.slGone)
}

// lpDeleteRun deletes from index i while in holds and returns the count.
func (z *ZSet) lpDeleteRun(i int, in func(m []byte, s float64) bool) int {
	j := i
	for j < len(z.lps) && in(z.lpm.at(j), z.lps[j]) {
		j++
	}
	z.lpDelete(i, j)
	return j - i
}

// DeleteRangeByScore implements ZREMRANGEBYSCORE.
func (z *ZSet) DeleteRangeByScore(r ScoreRange) int {
	if z.enc == EncListpack {
		i, ok := z.firstInScore(&r)
		if !ok {
			return 0
		}
		return z.lpDeleteRun(i, func(_ []byte, s float64) bool { return r.lteMax(s) })
	}
	return z.zsl.deleteWhile(
		func(x *zslNode) bool { return r.gteMin(x.score) },
		func(x *zslNode) bool { return r.lteMax(x.score) },
		z.slGone)
}

// DeleteRangeByLex implements ZREMRANGEBYLEX.
func (z *ZSet) DeleteRangeByLex(r LexRange) int {
	if z.enc == EncListpack {
		i, ok := z.firstInLex(&r)
		if !ok {
			return 0
		}
		return z.lpDeleteRun(i, func(m []byte, _ float64) bool { return r.lteMax(m) })
	}
	return z.zsl.deleteWhile(
		func(x *zslNode) bool { return r.gteMin(bview(x.member)) },
		func(x *zslNode) bool { return r.lteMax(bview(x.member)) },
		z.slGone)
}

// Pop removes up to count elements from the low end (or the high end
// when max) and calls fn for each in pop order (ZPOPMIN, ZPOPMAX, ZMPOP,
// BZPOPMIN...). The member slice is valid only during the call.
func (z *ZSet) Pop(max bool, count int, fn func(member []byte, score float64)) {
	for ; count > 0 && z.Len() > 0; count-- {
		if z.enc == EncListpack {
			i := 0
			if max {
				i = len(z.lps) - 1
			}
			fn(z.lpm.at(i), z.lps[i])
			z.lpDelete(i, i+1)
			continue
		}
		x := z.zsl.first()
		if max {
			x = z.zsl.tail
		}
		fn(bview(x.member), x.score)
		z.zsl.remove(x.score, x.member)
		z.slGone(x)
	}
}

// RandomMember returns a uniformly chosen element (ZRANDMEMBER without
// count).
func (z *ZSet) RandomMember(r *rand.Rand) (member []byte, score float64, ok bool) {
	if z.Len() == 0 {
		return nil, 0, false
	}
	if z.enc == EncListpack {
		i := r.IntN(len(z.lps))
		return z.lpm.at(i), z.lps[i], true
	}
	e := z.d.Random(r)
	return bview(e.Key), e.Value, true
}

// RandomMembers implements ZRANDMEMBER with a count:
//   - count < 0: -count independent picks, repetitions allowed;
//   - count >= Len: the whole set from the highest score down (what
//     Redis 7.0 replies);
//   - count*3 > Len: a random subset in random order;
//   - otherwise distinct random members: a listpack yields them in
//     ascending order, a skiplist in pick order.
//
// fn must not modify the set.
func (z *ZSet) RandomMembers(r *rand.Rand, count int64, fn func(member []byte, score float64)) {
	size := int64(z.Len())
	if count == 0 || size == 0 {
		return
	}
	if count < 0 || count == 1 {
		for n := max(count, -count); n > 0; n-- {
			m, s, _ := z.RandomMember(r)
			fn(m, s)
		}
		return
	}
	if count >= size {
		z.walk(int(size)-1, true, func(m []byte, s float64) bool { fn(m, s); return true })
		return
	}
	if count*randSubStrategyMul > size {
		if z.enc == EncListpack {
			for _, i := range randomSubset(r, int(size), int(count)) {
				fn(z.lpm.at(i), z.lps[i])
			}
			return
		}
		nodes := make([]*zslNode, 0, size)
		for x := z.zsl.first(); x != nil; x = x.next() {
			nodes = append(nodes, x)
		}
		for _, i := range randomSubset(r, len(nodes), int(count)) {
			fn(bview(nodes[i].member), nodes[i].score)
		}
		return
	}
	if z.enc == EncListpack {
		orderedSample(r, int(size), int(count), func(i int) { fn(z.lpm.at(i), z.lps[i]) })
		return
	}
	seen := make(map[*dict.Entry[float64]]struct{}, count)
	for int64(len(seen)) < count {
		e := z.d.Random(r)
		if _, dup := seen[e]; dup {
			continue
		}
		seen[e] = struct{}{}
		fn(bview(e.Key), e.Value)
	}
}

// Scan performs one ZSCAN step: a listpack is returned whole (ascending)
// with cursor 0, a skiplist one dict cursor step at a time.
func (z *ZSet) Scan(cursor uint64, fn func(member []byte, score float64)) uint64 {
	if z.enc == EncListpack {
		z.Range(func(m []byte, s float64) bool { fn(m, s); return true })
		return 0
	}
	return z.d.Scan(cursor, func(e *dict.Entry[float64]) { fn(bview(e.Key), e.Value) })
}

// Copy returns a deep copy (COPY command) with the same encoding.
func (z *ZSet) Copy() *ZSet {
	if z.enc == EncListpack {
		return &ZSet{enc: EncListpack, lpm: z.lpm.clone(), lps: slices.Clone(z.lps)}
	}
	c := newSkiplistZSet()
	for x := z.zsl.tail; x != nil; x = x.backward {
		c.slInsert(x.score, x.member)
	}
	return c
}
