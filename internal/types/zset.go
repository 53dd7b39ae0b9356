package types

import (
	"bytes"
	"encoding/binary"
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
// and scores in order in one compact buffer, searched linearly by member
// as Redis does. It becomes "skiplist" (a skip list with spans for
// O(log n) ranks plus a dict from member to score, which ZSCAN needs)
// when an added member would make it longer than zset-max-listpack-entries
// or is longer than zset-max-listpack-value bytes, and it never converts
// back on its own (constructors such as NewZSetFrom choose either, as the
// *STORE commands and RDB loading do).
//
// Scores of -0.0: a listpack stores scores as text, and Redis formats an
// integral score through its integer printer, so a listpack turns -0 into
// 0; a skiplist keeps the double and replies "-0". Both are reproduced.
type ZSet struct {
	lp packed // the listpack (see zview), or the *zsetBig once converted
}

// zsetBig is the "skiplist" encoding.
type zsetBig struct {
	zsl  *skiplist
	d    *dict.Dict[float64]
	dMem int64 // dict entries; member strings are counted by the skiplist
}

var (
	zsetStructMem = memPtrs(int(unsafe.Sizeof(ZSet{})))
	zsetBigMem    = memPtrs(int(unsafe.Sizeof(zsetBig{})))
	zsetEntryMem  = memPtrs(int(unsafe.Sizeof(dict.Entry[float64]{})))
	zsetDictMem   = memPtrs(int(unsafe.Sizeof(dict.Dict[float64]{})))
)

// The listpack is one buffer: an index of the elements' offsets (lp.k of
// them, 16 bits each, or 32 once the elements outgrow 64 KiB, flagged by
// zlpWide in lp.k), then the elements in ascending order, each
//
//	uvarint(len(member)<<2 | kind) member score
//
// where an integral score that fits is stored as an int8, int16 or int32
// (kind 0, 1, 2: one byte for small scores, four for Unix times, like a
// listpack's integer encodings) and any other score as the 8 bytes of its
// float64 (kind 3), all little-endian. Index entries are relative to the
// first element and in native byte order: the buffer never leaves memory.
//
// The index costs about as much as a listpack's per-entry back-lengths
// and buys what a walk cannot: rank access and binary search by score in
// O(1) and O(log n) decodes, member lookups whose steps do not wait on
// one another, and offset fix-ups as tight loops over an aligned array,
// which keeps ZADD on a full small set as fast as with separate arrays.
// (Buffers are allocated 8-byte aligned, see packedCap.)

const (
	zlpFloat = 3       // kind of a float64 score
	zlpWide  = 1 << 31 // lp.k flag: 32-bit index entries
)

// zlpScoreSize is the size of a score of each kind: 1, 2, 4 or 8 bytes.
func zlpScoreSize(kind uint64) int { return 1 << kind }

// zlpKind returns how score is stored.
func zlpKind(score float64) uint64 {
	if score >= math.MinInt32 && score <= math.MaxInt32 && score == math.Trunc(score) {
		switch v := int32(score); {
		case v >= math.MinInt8 && v <= math.MaxInt8:
			return 0
		case v >= math.MinInt16 && v <= math.MaxInt16:
			return 1
		}
		return 2
	}
	return zlpFloat
}

// zlpSize is the encoded size of an element.
func zlpSize(member []byte, score float64) int {
	kind := zlpKind(score)
	return uvarintLen(uint64(len(member))<<2|kind) + len(member) + zlpScoreSize(kind)
}

// zlpPut encodes an element at dst[0:] and returns its size.
func zlpPut(dst []byte, member []byte, score float64) int {
	kind := zlpKind(score)
	k := putUvarint(dst, uint64(len(member))<<2|kind)
	k += copy(dst[k:], member)
	switch kind {
	case 0:
		dst[k] = byte(int8(score))
	case 1:
		binary.LittleEndian.PutUint16(dst[k:], uint16(int16(score)))
	case 2:
		binary.LittleEndian.PutUint32(dst[k:], uint32(int32(score)))
	default:
		binary.LittleEndian.PutUint64(dst[k:], math.Float64bits(score))
	}
	return k + zlpScoreSize(kind)
}

// zlpAt decodes the element at off. The member is capacity-limited, so
// that an append by the caller cannot scribble over what follows.
func zlpAt(b []byte, off int) (member []byte, score float64) {
	h, o := uvarintAt(b, off)
	ml := int(h >> 2)
	member = b[o : o+ml : o+ml]
	o += ml
	switch h & 3 {
	case 0:
		score = float64(int8(b[o]))
	case 1:
		score = float64(int16(binary.LittleEndian.Uint16(b[o:])))
	case 2:
		score = float64(int32(binary.LittleEndian.Uint32(b[o:])))
	default:
		score = math.Float64frombits(binary.LittleEndian.Uint64(b[o:]))
	}
	return member, score
}

// zview is a listpack's buffer with its layout decoded.
type zview struct {
	b    []byte
	n    int      // elements
	base int      // offset of the first element (the index's size)
	i16  []uint16 // the index, when narrow
	i32  []uint32 // the index, when wide
}

func (z *ZSet) view() zview {
	k := z.lp.k
	v := zview{b: z.lp.buf(), n: int(k &^ zlpWide)}
	if v.n == 0 {
		return v
	}
	p := unsafe.Pointer(unsafe.SliceData(v.b))
	if k&zlpWide != 0 {
		v.i32 = unsafe.Slice((*uint32)(p), v.n)
		v.base = 4 * v.n
	} else {
		v.i16 = unsafe.Slice((*uint16)(p), v.n)
		v.base = 2 * v.n
	}
	return v
}

func (v *zview) width() int {
	if v.i32 != nil {
		return 4
	}
	return 2
}

// data is the size of the elements.
func (v *zview) data() int { return len(v.b) - v.base }

// off returns the buffer offset of element i.
func (v *zview) off(i int) int {
	if v.i32 != nil {
		return v.base + int(v.i32[i])
	}
	return v.base + int(v.i16[i])
}

// end returns the buffer offset one past element i.
func (v *zview) end(i int) int {
	if i+1 < v.n {
		return v.off(i + 1)
	}
	return len(v.b)
}

func (v *zview) at(i int) ([]byte, float64) { return zlpAt(v.b, v.off(i)) }

// setOff makes index entry i point at buffer offset off.
func (v *zview) setOff(i, off int) {
	if v.i32 != nil {
		v.i32[i] = uint32(off - v.base)
	} else {
		v.i16[i] = uint16(off - v.base)
	}
}

// addOffs adds delta to index entries [i, j). Insertions, deletions and
// moves run it over the entries they displace.
func (v *zview) addOffs(i, j, delta int) {
	if v.i32 != nil {
		for k, idx := 0, v.i32[i:j]; k < len(idx); k++ {
			idx[k] += uint32(delta)
		}
		return
	}
	idx := v.i16[i:j]
	// Four entries at a time in a uint64 where the index is 8-byte
	// aligned (the buffer is). No lane carries into the next: every
	// entry stays a valid offset, so adding a positive delta cannot
	// exceed 0xffff, nor subtracting a negative one go below 0.
	for len(idx) > 0 && i%4 != 0 {
		idx[0] += uint16(delta)
		idx, i = idx[1:], i+1
	}
	if q := len(idx) / 4; q > 0 {
		words := unsafe.Slice((*uint64)(unsafe.Pointer(&idx[0])), q)
		if delta >= 0 {
			add := uint64(uint16(delta)) * 0x0001000100010001
			for k := range words {
				words[k] += add
			}
		} else {
			sub := uint64(uint16(-delta)) * 0x0001000100010001
			for k := range words {
				words[k] -= sub
			}
		}
		idx = idx[4*q:]
	}
	for k := range idx {
		idx[k] += uint16(delta)
	}
}

// find returns the index of member, or -1.
func (v *zview) find(member []byte) int {
	for i := 0; i < v.n; i++ {
		o := v.off(i)
		h := uint64(v.b[o])
		if h >= 0x80 {
			h, _ = uvarintAt(v.b, o)
			if int(h>>2) == len(member) {
				if m, _ := zlpAt(v.b, o); string(m) == string(member) {
					return i
				}
			}
			continue
		}
		if int(h>>2) == len(member) && string(v.b[o+1:o+1+len(member)]) == string(member) {
			return i
		}
	}
	return -1
}

// insertPos returns the index where (score, member) belongs.
func (v *zview) insertPos(score float64, member []byte) int {
	return sort.Search(v.n, func(i int) bool {
		m, s := v.at(i)
		return s > score || (s == score && bytes.Compare(m, member) > 0)
	})
}

// lpInsertAt inserts the encoded element enc at index i.
func (z *ZSet) lpInsertAt(i int, enc []byte) {
	v := z.view()
	if v.i32 == nil && v.data()+len(enc) > math.MaxUint16 {
		z.lpWiden()
		v = z.view()
	}
	w := 2
	if z.lp.k&zlpWide != 0 {
		w = 4
	}
	rel := v.data()
	if i < v.n {
		rel = v.off(i) - v.base
	}
	// Make room for the element, then for its index entry (which moves
	// the elements too).
	z.lp.open(v.base+rel, len(enc))
	z.lp.open(i*w, w)
	z.lp.k++
	v = z.view()
	copy(v.b[v.base+rel:], enc)
	v.setOff(i, v.base+rel)
	v.addOffs(i+1, v.n, len(enc))
}

// lpCut removes elements [i, j) without giving memory back.
func (z *ZSet) lpCut(i, j int) {
	v := z.view()
	off, end, w := v.off(i), v.end(j-1), v.width()
	z.lp.cut(off, end-off)
	z.lp.cut(i*w, (j-i)*w)
	z.lp.k -= uint32(j - i)
	v = z.view()
	v.addOffs(i, v.n, off-end)
}

// lpWiden switches the index to 32-bit entries.
func (z *ZSet) lpWiden() {
	v := z.view()
	nb := make([]byte, packedCap(4*v.n+v.data()))
	copy(nb[4*v.n:], v.b[v.base:])
	idx := unsafe.Slice((*uint32)(unsafe.Pointer(&nb[0])), v.n)
	for i := range idx {
		idx[i] = uint32(v.off(i) - v.base)
	}
	z.lp.adopt(nb)
	z.lp.n = uint32(4*v.n + v.data())
	z.lp.k |= zlpWide
}

// lpBuild fills an empty listpack with members, which must be sorted and
// distinct, with exact capacity.
func (z *ZSet) lpBuild(members []ZMember) {
	d := 0
	for _, m := range members {
		d += zlpSize(m.Member, lpScore(m.Score))
	}
	w := 2
	if d > math.MaxUint16 {
		w = 4
		z.lp.k = zlpWide
	}
	n := w*len(members) + d
	z.lp.realloc(exactCap(n))
	z.lp.n = uint32(n)
	z.lp.k += uint32(len(members))
	v := z.view()
	off := v.base
	for i, m := range members {
		v.setOff(i, off)
		off += zlpPut(v.b[off:], m.Member, lpScore(m.Score))
	}
}

// ErrNaNScore is the error ZADD INCR and ZINCRBY reply with when the
// increment produces NaN (inf + -inf).
var ErrNaNScore = errors.New("ERR resulting score is not a number (NaN)")

// NewZSet returns an empty listpack-encoded sorted set.
func NewZSet() *ZSet { return &ZSet{} }

func newSkiplistZSet() *ZSet {
	z := &ZSet{}
	z.lp.setBig(unsafe.Pointer(&zsetBig{zsl: newSkiplist(), d: dict.New[float64]()}))
	return z
}

func (z *ZSet) big() *zsetBig { return (*zsetBig)(z.lp.p) }

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
		z.lpBuild(members)
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
func (z *ZSet) Encoding() Encoding {
	if z.lp.isBig() {
		return EncSkiplist
	}
	return EncListpack
}

// Len returns the number of members (ZCARD).
func (z *ZSet) Len() int {
	if z.lp.isBig() {
		return z.big().zsl.length
	}
	return int(z.lp.k &^ zlpWide)
}

// MemUsage returns the estimated heap bytes owned by the sorted set.
func (z *ZSet) MemUsage() int64 {
	if z.lp.isBig() {
		b := z.big()
		return zsetStructMem + zsetBigMem + skiplistStructMem + b.zsl.mem + zsetDictMem + b.dMem + memPtrs(8*b.d.Buckets())
	}
	return zsetStructMem + z.lp.mem()
}

func (z *ZSet) convert() {
	nz := newSkiplistZSet()
	v := z.view()
	for i := v.n - 1; i >= 0; i-- {
		m, s := v.at(i)
		nz.slInsert(s, string(m))
	}
	*z = *nz
}

func (z *ZSet) slInsert(score float64, member string) {
	b := z.big()
	b.zsl.insert(score, member)
	b.d.Insert(member).Value = score
	b.dMem += zsetEntryMem
}

// lpFind returns the index of member in a listpack, or -1.
func (z *ZSet) lpFind(member []byte) int {
	v := z.view()
	return v.find(member)
}

// lpEncode encodes an element, into tmp when it fits.
func lpEncode(tmp []byte, member []byte, score float64) []byte {
	enc := tmp[:0]
	if sz := zlpSize(member, score); sz <= cap(tmp) {
		enc = tmp[:sz]
	} else {
		enc = make([]byte, sz)
	}
	zlpPut(enc, member, score)
	return enc
}

// lpInsert adds an element that is not present.
func (z *ZSet) lpInsert(score float64, member []byte) {
	score = lpScore(score)
	var tmp [96]byte
	enc := lpEncode(tmp[:], member, score)
	v := z.view()
	z.lpInsertAt(v.insertPos(score, member), enc)
}

// lpMove gives element i a new score and moves it to its new place,
// shifting only the elements between the old and the new place (and,
// when the element's size changes, the offsets after it). The element is
// re-encoded into a copy first, which also makes it safe for the caller
// to pass a view of this set.
func (z *ZSet) lpMove(i int, score float64) {
	score = lpScore(score)
	v := z.view()
	m, _ := v.at(i)
	var tmp [96]byte
	enc := lpEncode(tmp[:], m, score)
	m, _ = zlpAt(enc, 0)
	// The new index among the other elements (a binary search written
	// out: this is ZADD's hot path).
	p, hi := 0, v.n-1
	for p < hi {
		h := int(uint(p+hi) >> 1)
		k := h
		if k >= i {
			k++
		}
		if om, os := v.at(k); os > score || (os == score && bytes.Compare(om, m) > 0) {
			hi = h
		} else {
			p = h + 1
		}
	}
	sz := len(enc)
	delta := sz - (v.end(i) - v.off(i))
	if delta != 0 {
		z.lpResize(i, delta)
		v = z.view()
	}
	o := v.off(i)
	switch {
	case p < i:
		// Elements p..i-1 move up by one place and sz bytes.
		op := v.off(p)
		copy(v.b[op+sz:], v.b[op:o])
		copy(v.b[op:], enc)
		if v.i32 != nil {
			copy(v.i32[p+1:], v.i32[p:i])
		} else {
			copy(v.i16[p+1:], v.i16[p:i])
		}
		v.addOffs(p+1, i+1, sz)
	case p > i:
		// Elements i+1..p move down by one place and sz bytes.
		ep := v.end(p)
		copy(v.b[o:], v.b[o+sz:ep])
		copy(v.b[ep-sz:], enc)
		if v.i32 != nil {
			copy(v.i32[i:], v.i32[i+1:p+1])
		} else {
			copy(v.i16[i:], v.i16[i+1:p+1])
		}
		v.addOffs(i, p, -sz)
		v.setOff(p, ep-sz)
	default:
		copy(v.b[o:], enc)
	}
	if delta < 0 {
		z.lp.fit()
	}
}

// lpResize grows (delta > 0) or shrinks element i's bytes at its end,
// leaving its contents to be rewritten by the caller.
func (z *ZSet) lpResize(i, delta int) {
	v := z.view()
	if delta > 0 && v.i32 == nil && v.data()+delta > math.MaxUint16 {
		z.lpWiden()
		v = z.view()
	}
	e := v.end(i)
	if delta > 0 {
		z.lp.open(e, delta)
	} else {
		z.lp.cut(e+delta, -delta)
	}
	v = z.view()
	v.addOffs(i+1, v.n, delta)
}

// lpDelete removes elements [i, j).
func (z *ZSet) lpDelete(i, j int) {
	if i >= j {
		return
	}
	z.lpCut(i, j)
	z.lp.fit()
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
	idx := -1
	if !z.lp.isBig() {
		v := z.view()
		if idx = v.find(member); idx >= 0 {
			_, cur = v.at(idx)
			found = true
		}
	} else if e := z.big().d.FindBytes(member); e != nil {
		cur, found = e.Value, true
	}
	if !found {
		if flags&ZAddXX != 0 {
			return ZAddNop, 0
		}
		if !z.lp.isBig() {
			if int64(z.Len()+1) > lim.ZsetMaxListpackEntries ||
				int64(len(member)) > lim.ZsetMaxListpackValue ||
				int(z.lp.n)+len(member) > listpackMaxSafeSize {
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
	if !z.lp.isBig() {
		z.lpMove(idx, score)
		return ZAddUpdated, score
	}
	b := z.big()
	e := b.d.FindBytes(member)
	b.zsl.updateScore(cur, e.Key, score)
	e.Value = score
	return ZAddUpdated, score
}

// Delete removes member and reports whether it was present (ZREM).
func (z *ZSet) Delete(member []byte) bool {
	if !z.lp.isBig() {
		i := z.lpFind(member)
		if i < 0 {
			return false
		}
		z.lpDelete(i, i+1)
		return true
	}
	b := z.big()
	e := b.d.FindBytes(member)
	if e == nil {
		return false
	}
	b.zsl.remove(e.Value, e.Key)
	b.d.Delete(e.Key)
	b.dMem -= zsetEntryMem
	return true
}

// Score returns member's score (ZSCORE, ZMSCORE).
func (z *ZSet) Score(member []byte) (float64, bool) {
	if !z.lp.isBig() {
		v := z.view()
		if i := v.find(member); i >= 0 {
			_, s := v.at(i)
			return s, true
		}
		return 0, false
	}
	if e := z.big().d.FindBytes(member); e != nil {
		return e.Value, true
	}
	return 0, false
}

// Rank returns member's 0-based rank, counted from the highest score when
// reverse (ZRANK, ZREVRANK), and its score.
func (z *ZSet) Rank(member []byte, reverse bool) (rank int, score float64, ok bool) {
	n := z.Len()
	if !z.lp.isBig() {
		v := z.view()
		i := v.find(member)
		if i < 0 {
			return 0, 0, false
		}
		_, score = v.at(i)
		rank = i
	} else {
		b := z.big()
		e := b.d.FindBytes(member)
		if e == nil {
			return 0, 0, false
		}
		rank, score = b.zsl.rank(e.Value, e.Key)-1, e.Value
	}
	if reverse {
		rank = n - 1 - rank
	}
	return rank, score, true
}

// at returns the element at 0-based ascending index i.
func (z *ZSet) at(i int) ([]byte, float64) {
	if !z.lp.isBig() {
		v := z.view()
		return v.at(i)
	}
	n := z.big().zsl.byRank(i + 1)
	return bview(n.member), n.score
}

// walk calls fn from ascending index i upwards (or downwards when
// reverse) until fn returns false or the set ends.
func (z *ZSet) walk(i int, reverse bool, fn func(member []byte, score float64) bool) {
	if i < 0 || i >= z.Len() {
		return
	}
	if !z.lp.isBig() {
		v := z.view()
		step := 1
		if reverse {
			step = -1
		}
		for ; i >= 0 && i < v.n; i += step {
			if !fn(v.at(i)) {
				return
			}
		}
		return
	}
	for x := z.big().zsl.byRank(i + 1); x != nil; {
		// Read the link before calling fn so that fn may delete x.
		next := x.next()
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
	if z.lp.isBig() {
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
	if !z.lp.isBig() {
		v := z.view()
		i = sort.Search(v.n, func(k int) bool { _, sc := v.at(k); return r.gteMin(sc) })
		if i >= v.n {
			return 0, false
		}
		_, s = v.at(i)
	} else {
		x, rank := z.big().zsl.firstWhere(func(x *zslNode) bool { return r.gteMin(x.score) })
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
	if !z.lp.isBig() {
		v := z.view()
		j := sort.Search(v.n, func(k int) bool { _, sc := v.at(k); return !r.lteMax(sc) })
		if j == 0 {
			return 0, false
		}
		i = j - 1
		_, s = v.at(i)
	} else {
		x, rank := z.big().zsl.lastWhere(func(x *zslNode) bool { return r.lteMax(x.score) })
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
	if !z.lp.isBig() {
		v := z.view()
		for i := 0; i < v.n; i++ {
			if m, _ := v.at(i); r.gteMin(m) {
				return i, r.lteMax(m)
			}
		}
		return 0, false
	}
	x, rank := z.big().zsl.firstWhere(func(x *zslNode) bool { return r.gteMin(bview(x.member)) })
	if x == nil {
		return 0, false
	}
	return rank - 1, r.lteMax(bview(x.member))
}

func (z *ZSet) lastInLex(r *LexRange) (int, bool) {
	if !z.lexInRange(r) {
		return 0, false
	}
	if !z.lp.isBig() {
		v := z.view()
		for i := v.n - 1; i >= 0; i-- {
			if m, _ := v.at(i); r.lteMax(m) {
				return i, r.gteMin(m)
			}
		}
		return 0, false
	}
	x, rank := z.big().zsl.lastWhere(func(x *zslNode) bool { return r.lteMax(bview(x.member)) })
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
	if !z.lp.isBig() {
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
	if !z.lp.isBig() {
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
	b := z.big()
	b.d.Delete(x.member)
	b.dMem -= zsetEntryMem
}

// DeleteRangeByRank implements ZREMRANGEBYRANK (raw start/stop) and
// returns the number removed.
func (z *ZSet) DeleteRangeByRank(start, stop int64) int {
	s, e, ok := NormalizeRange(start, stop, z.Len())
	if !ok {
		return 0
	}
	if !z.lp.isBig() {
		z.lpDelete(s, e+1)
		return e - s + 1
	}
	return z.big().zsl.deleteRanks(s+1, e+1, z.slGone)
}

// lpDeleteRun deletes from index i while in holds and returns the count.
func (z *ZSet) lpDeleteRun(i int, in func(m []byte, s float64) bool) int {
	v := z.view()
	j := i
	for j < v.n && in(v.at(j)) {
		j++
	}
	z.lpDelete(i, j)
	return j - i
}

// DeleteRangeByScore implements ZREMRANGEBYSCORE.
func (z *ZSet) DeleteRangeByScore(r ScoreRange) int {
	if !z.lp.isBig() {
		i, ok := z.firstInScore(&r)
		if !ok {
			return 0
		}
		return z.lpDeleteRun(i, func(_ []byte, s float64) bool { return r.lteMax(s) })
	}
	return z.big().zsl.deleteWhile(
		func(x *zslNode) bool { return r.gteMin(x.score) },
		func(x *zslNode) bool { return r.lteMax(x.score) },
		z.slGone)
}

// DeleteRangeByLex implements ZREMRANGEBYLEX.
func (z *ZSet) DeleteRangeByLex(r LexRange) int {
	if !z.lp.isBig() {
		i, ok := z.firstInLex(&r)
		if !ok {
			return 0
		}
		return z.lpDeleteRun(i, func(m []byte, _ float64) bool { return r.lteMax(m) })
	}
	return z.big().zsl.deleteWhile(
		func(x *zslNode) bool { return r.gteMin(bview(x.member)) },
		func(x *zslNode) bool { return r.lteMax(bview(x.member)) },
		z.slGone)
}

// Pop removes up to count elements from the low end (or the high end
// when max) and calls fn for each in pop order (ZPOPMIN, ZPOPMAX, ZMPOP,
// BZPOPMIN...). The member slice is valid only during the call.
func (z *ZSet) Pop(max bool, count int, fn func(member []byte, score float64)) {
	for ; count > 0 && z.Len() > 0; count-- {
		if !z.lp.isBig() {
			i := 0
			if max {
				i = z.Len() - 1
			}
			fn(z.at(i))
			z.lpDelete(i, i+1)
			continue
		}
		zsl := z.big().zsl
		x := zsl.first()
		if max {
			x = zsl.tail
		}
		fn(bview(x.member), x.score)
		zsl.remove(x.score, x.member)
		z.slGone(x)
	}
}

// RandomMember returns a uniformly chosen element (ZRANDMEMBER without
// count).
func (z *ZSet) RandomMember(r *rand.Rand) (member []byte, score float64, ok bool) {
	if z.Len() == 0 {
		return nil, 0, false
	}
	if !z.lp.isBig() {
		m, s := z.at(r.IntN(z.Len()))
		return m, s, true
	}
	e := z.big().d.Random(r)
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
		if !z.lp.isBig() {
			v := z.view()
			for _, i := range randomSubset(r, int(size), int(count)) {
				fn(v.at(i))
			}
			return
		}
		nodes := make([]*zslNode, 0, size)
		for x := z.big().zsl.first(); x != nil; x = x.next() {
			nodes = append(nodes, x)
		}
		for _, i := range randomSubset(r, len(nodes), int(count)) {
			fn(bview(nodes[i].member), nodes[i].score)
		}
		return
	}
	if !z.lp.isBig() {
		v := z.view()
		orderedSample(r, int(size), int(count), func(i int) { fn(v.at(i)) })
		return
	}
	seen := make(map[*dict.Entry[float64]]struct{}, count)
	d := z.big().d
	for int64(len(seen)) < count {
		e := d.Random(r)
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
	if !z.lp.isBig() {
		z.Range(func(m []byte, s float64) bool { fn(m, s); return true })
		return 0
	}
	return z.big().d.Scan(cursor, func(e *dict.Entry[float64]) { fn(bview(e.Key), e.Value) })
}

// Copy returns a deep copy (COPY command) with the same encoding.
func (z *ZSet) Copy() *ZSet {
	if !z.lp.isBig() {
		return &ZSet{lp: z.lp.clone()}
	}
	c := newSkiplistZSet()
	for x := z.big().zsl.tail; x != nil; x = x.backward {
		c.slInsert(x.score, x.member)
	}
	return c
}
