package types

import (
	"math/rand/v2"
	"unsafe"

	"github.com/autobot-ai/autobot-redis/internal/dict"
)

// Hash is a Redis hash. It starts as "listpack": field/value pairs in
// insertion order in one compact buffer, with updated fields keeping
// their position. It becomes "hashtable" (a dict, which HSCAN needs for
// its cursor guarantee) when it would hold more than
// hash-max-listpack-entries pairs or a field or value longer than
// hash-max-listpack-value bytes, and never converts back.
//
// The listpack is a packed buffer of the pairs in order (see lpHdr for
// their layout), and lp.k counts them.
type Hash struct {
	lp packed // the listpack, or the *hashTable once converted
}

// hashTable is the "hashtable" encoding. Each dict entry's key is a view
// of the first bytes of a single allocation that holds
//
//	field uvarint(len(value)) value
//
// so a pair costs a 24-byte entry and one allocation instead of an entry
// with a value slice, the field string and the value array: about 64
// bytes per small pair instead of 88, as dense as Redis's dictEntry and
// two sds strings. The value is reached by pointer arithmetic past the
// end of the key, which stays inside the allocation the key points to.
// Strings are immutable, but only the bytes after the field are ever
// rewritten, and no string covers them.
type hashTable struct {
	d dict.Dict[struct{}]
	// mem is the cost of the entries and their allocations; bucket
	// arrays are added from the dict's bucket count on demand.
	mem int64
	// empty is the allocation of the empty field's pair, if present.
	empty []byte
}

var (
	hashStructMem = memPtrs(int(unsafe.Sizeof(Hash{})))
	hashEntryMem  = memPtrs(int(unsafe.Sizeof(dict.Entry[struct{}]{})))
	hashTableMem  = memPtrs(int(unsafe.Sizeof(hashTable{})))
)

// NewHash returns an empty listpack-encoded hash.
func NewHash() *Hash { return &Hash{} }

// NewHashFromPairs builds a hash from n pairs returned by at, choosing the
// encoding the way Redis does when loading an RDB file: a dict from the
// start when n exceeds the entry limit, otherwise a listpack that
// converts on the first oversized field or value. A repeated field keeps
// its last value.
func NewHashFromPairs(lim *Limits, n int, at func(i int) (field, value []byte)) *Hash {
	h := NewHash()
	if int64(n) > lim.HashMaxListpackEntries {
		h.convert()
	}
	for i := 0; i < n; i++ {
		f, v := at(i)
		h.Set(lim, f, v)
	}
	return h
}

func (h *Hash) ht() *hashTable { return (*hashTable)(h.lp.p) }

// Encoding returns EncListpack or EncHashtable.
func (h *Hash) Encoding() Encoding {
	if h.lp.isBig() {
		return EncHashtable
	}
	return EncListpack
}

// Len returns the number of fields.
func (h *Hash) Len() int {
	if h.lp.isBig() {
		return h.ht().d.Len()
	}
	return int(h.lp.k)
}

// MemUsage returns the estimated heap bytes owned by the hash.
func (h *Hash) MemUsage() int64 {
	if h.lp.isBig() {
		t := h.ht()
		return hashStructMem + hashTableMem + t.mem + memPtrs(8*t.d.Buckets())
	}
	return hashStructMem + h.lp.mem()
}

// Listpack helpers. A pair is
//
//	uvarint(len(field)) uvarint(len(value)) field value
//
// With both lengths up front, stepping from one pair to the next costs a
// single round of (parallel) loads, which keeps lookups in a full small
// hash as fast as with a separate offsets array.

// lpHdr decodes the header of the pair at off: the field and value
// lengths and the offset of the field.
func lpHdr(b []byte, off int) (fl, vl, data int) {
	f, v := b[off], b[off+1]
	if f|v < 0x80 {
		return int(f), int(v), off + 2
	}
	return lpHdrSlow(b, off)
}

func lpHdrSlow(b []byte, off int) (fl, vl, data int) {
	f, o := uvarintAt(b, off)
	v, o := uvarintAt(b, o)
	return int(f), int(v), o
}

// lpPairSize is the encoded size of a pair.
func lpPairSize(fl, vl int) int {
	return uvarintLen(uint64(fl)) + uvarintLen(uint64(vl)) + fl + vl
}

// lpPutPair encodes a pair at dst[0:] and returns its size.
func lpPutPair(dst, field, value []byte) int {
	k := putUvarint(dst, uint64(len(field)))
	k += putUvarint(dst[k:], uint64(len(value)))
	k += copy(dst[k:], field)
	return k + copy(dst[k:], value)
}

// lpFind returns the offset of the pair whose field is field, the offset
// of its field bytes and the value's length, or off = -1.
func (h *Hash) lpFind(field []byte) (off, data, vl int) {
	b := h.lp.buf()
	for off < len(b) {
		// lpHdr by hand: the call would not be inlined.
		var fl, d int
		if f, v := b[off], b[off+1]; f|v < 0x80 {
			fl, vl, d = int(f), int(v), off+2
		} else {
			fl, vl, d = lpHdrSlow(b, off)
		}
		if fl == len(field) && string(b[d:d+fl]) == string(field) {
			return off, d, vl
		}
		off = d + fl + vl
	}
	return -1, 0, 0
}

// lpPair decodes the pair at off and returns the offset of the next one.
// The slices are capacity-limited, so that an append by the caller cannot
// scribble over the next string.
func lpPair(b []byte, off int) (field, value []byte, next int) {
	fl, vl, d := lpHdr(b, off)
	e := d + fl
	next = e + vl
	return b[d:e:e], b[e:next:next], next
}

// lpSkip returns the offset of the pair after the one at off.
func lpSkip(b []byte, off int) int {
	fl, vl, d := lpHdr(b, off)
	return d + fl + vl
}

// lpPairAt returns pair i, walking from the start as lpSeek does.
func (h *Hash) lpPairAt(i int) (field, value []byte) {
	b := h.lp.buf()
	off := 0
	for ; i > 0; i-- {
		off = lpSkip(b, off)
	}
	field, value, _ = lpPair(b, off)
	return field, value
}

// lpRange calls fn for every pair in order until fn returns false.
func (h *Hash) lpRange(fn func(field, value []byte) bool) {
	b := h.lp.buf()
	for off := 0; off < len(b); {
		var f, v []byte
		f, v, off = lpPair(b, off)
		if !fn(f, v) {
			return
		}
	}
}

// Hashtable helpers.

// htPairSize is the size of the allocation holding a pair.
func htPairSize(field, value []byte) int {
	return len(field) + uvarintLen(uint64(len(value))) + len(value)
}

// newPair allocates field and value together and returns the dict key
// for them (a view of the field bytes) and the allocation's cost. The
// allocation's capacity is the size class of its contents, which lets
// setValue rewrite it in place and keeps the cost a function of the
// contents. An empty field's allocation hangs off the table instead:
// an empty string carries no usable pointer to reach the value by.
func (t *hashTable) newPair(field, value []byte) (key string, mem int64) {
	n := htPairSize(field, value)
	b := make([]byte, n, memCapBytes(n))
	k := copy(b, field)
	k += putUvarint(b[k:], uint64(len(value)))
	copy(b[k:], value)
	if len(field) == 0 {
		t.empty = b
		return "", memBytes(n)
	}
	return unsafe.String(&b[0], len(field)), memBytes(n)
}

// pair returns the contents of the allocation behind key. The length
// that follows the field is read through pointer arithmetic that stays
// inside the allocation the key points into.
func (t *hashTable) pair(key string) []byte {
	if len(key) == 0 {
		return t.empty
	}
	p := unsafe.Pointer(unsafe.StringData(key))
	var l uint64
	var shift uint
	k := len(key)
	for {
		c := *(*byte)(unsafe.Add(p, k))
		k++
		l |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
		shift += 7
	}
	return unsafe.Slice((*byte)(p), k+int(l))
}

// value returns the value stored for key (read-only, capacity-limited).
// It is on every HGET's path, hence the fast path for lengths under 128.
func (t *hashTable) value(key string) []byte {
	if len(key) > 0 {
		p := unsafe.Add(unsafe.Pointer(unsafe.StringData(key)), len(key))
		if l := *(*byte)(p); l < 0x80 {
			if l == 0 {
				return nil // no pointer past the allocation's end
			}
			return unsafe.Slice((*byte)(unsafe.Add(p, 1)), int(l))
		}
	}
	v, _ := strAt(t.pair(key), len(key))
	return v
}

// entryMem is the cost of an entry and its pair allocation.
func (t *hashTable) entryMem(key string) int64 {
	return hashEntryMem + memBytes(len(t.pair(key)))
}

// setValue stores value for the entry e. It rewrites the allocation in
// place when the new contents fall in the same size class (HINCRBY and
// same-size HSETs), and otherwise moves the pair to a new allocation.
func (t *hashTable) setValue(e *dict.Entry[struct{}], value []byte) {
	b := t.pair(e.Key)
	field := b[:len(e.Key)]
	n := htPairSize(field, value)
	if n == len(b) {
		copy(b[n-len(value):], value) // same size: the length is unchanged
		return
	}
	if c := memCapBytes(len(b)); memCapBytes(n) == c {
		// The allocation's capacity is c: reslice within it.
		b = unsafe.Slice(unsafe.SliceData(b), c)[:n]
		k := len(field) + putUvarint(b[len(field):], uint64(len(value)))
		copy(b[k:], value)
		if len(e.Key) == 0 {
			t.empty = b
		}
		return
	}
	old := memBytes(len(b))
	key, m := t.newPair(field, value)
	e.Key = key // the same field bytes: the entry stays in its bucket
	t.mem += m - old
}

// insert adds a field that is not present.
func (t *hashTable) insert(field, value []byte) {
	key, m := t.newPair(field, value)
	t.d.Insert(key)
	t.mem += hashEntryMem + m
}

func (h *Hash) convert() {
	t := &hashTable{d: *dict.New[struct{}]()}
	if !h.lp.isBig() {
		h.lpRange(func(f, v []byte) bool {
			t.insert(f, v)
			return true
		})
	}
	h.lp.setBig(unsafe.Pointer(t))
}

// Get returns the value of field. The slice is read-only and valid until
// the next modification of the hash.
func (h *Hash) Get(field []byte) ([]byte, bool) {
	if h.lp.isBig() {
		t := h.ht()
		if e := t.d.FindBytes(field); e != nil {
			return t.value(e.Key), true
		}
		return nil, false
	}
	if off, d, vl := h.lpFind(field); off >= 0 {
		v := d + len(field)
		return h.lp.buf()[v : v+vl : v+vl], true
	}
	return nil, false
}

// Exists reports whether field is present.
func (h *Hash) Exists(field []byte) bool {
	_, ok := h.Get(field)
	return ok
}

// StrLen returns the length of field's value, 0 when absent (HSTRLEN).
func (h *Hash) StrLen(field []byte) int {
	v, _ := h.Get(field)
	return len(v)
}

// Set stores value under field and reports whether the field is new.
// The arguments are copied and must not alias the hash's own views.
// Conversion follows Redis's hashTypeSet: an oversized field or value
// converts before the write, an entry count above the limit after it.
func (h *Hash) Set(lim *Limits, field, value []byte) (created bool) {
	if !h.lp.isBig() {
		if int64(len(field)) > lim.HashMaxListpackValue || int64(len(value)) > lim.HashMaxListpackValue ||
			int(h.lp.n)+len(field)+len(value) > listpackMaxSafeSize {
			h.convert()
		} else {
			if off, d, vl := h.lpFind(field); off >= 0 {
				h.lpReplace(off, d, len(field), vl, value)
				return false
			}
			pos := int(h.lp.n)
			lpPutPair(h.lp.open(pos, lpPairSize(len(field), len(value)))[pos:], field, value)
			h.lp.k++
			if int64(h.lp.k) > lim.HashMaxListpackEntries {
				h.convert()
			}
			return true
		}
	}
	t := h.ht()
	if e := t.d.FindBytes(field); e != nil {
		t.setValue(e, value)
		return false
	}
	t.insert(field, value)
	return true
}

// lpReplace gives the pair at off (field at d, fl bytes, value vl bytes)
// a new value, moving the tail when the size changes.
func (h *Hash) lpReplace(off, d, fl, vl int, value []byte) {
	if uvarintLen(uint64(vl)) != uvarintLen(uint64(len(value))) {
		// The header changes size (the value length crosses 128): rare,
		// so rewrite the whole pair from a copy of the field.
		b := h.lp.buf()
		field := append([]byte(nil), b[d:d+fl]...)
		h.lp.cut(off, d+fl+vl-off)
		lpPutPair(h.lp.open(off, lpPairSize(fl, len(value)))[off:], field, value)
		h.lp.fit()
		return
	}
	b := h.lp.buf()
	v := d + fl
	switch {
	case len(value) > vl:
		b = h.lp.open(v+vl, len(value)-vl)
	case len(value) < vl:
		h.lp.cut(v+len(value), vl-len(value))
	}
	putUvarint(b[off+uvarintLen(uint64(fl)):], uint64(len(value)))
	copy(b[v:], value)
	if len(value) < vl {
		h.lp.fit()
	}
}

// Delete removes field and reports whether it was present. The encoding
// never goes back to listpack.
func (h *Hash) Delete(field []byte) bool {
	if h.lp.isBig() {
		t := h.ht()
		e := t.d.FindBytes(field)
		if e == nil {
			return false
		}
		t.mem -= t.entryMem(e.Key)
		if len(e.Key) == 0 {
			t.empty = nil
		}
		// Deleting by the entry's own key avoids converting field to a string.
		t.d.Delete(e.Key)
		return true
	}
	off, d, vl := h.lpFind(field)
	if off < 0 {
		return false
	}
	h.lp.cut(off, d+len(field)+vl-off)
	h.lp.k--
	h.lp.fit()
	return true
}

// Range calls fn for every pair until fn returns false, in Redis's order:
// insertion order for a listpack, table order for a hashtable. This is
// also the order in which Redis serializes the hash. fn must not modify
// the hash; the slices are valid only during the call.
func (h *Hash) Range(fn func(field, value []byte) bool) {
	if !h.lp.isBig() {
		h.lpRange(fn)
		return
	}
	t := h.ht()
	t.d.Range(func(e *dict.Entry[struct{}]) bool { return fn(bview(e.Key), t.value(e.Key)) })
}

// RDBRange iterates in serialization order (the same as Range).
func (h *Hash) RDBRange(fn func(field, value []byte) bool) { h.Range(fn) }

// Scan performs one HSCAN step. A listpack hash is returned whole and the
// cursor is ignored, as Redis does; the returned cursor is then 0. A
// hashtable scan guarantees every field present for the whole scan is
// returned at least once. fn must not modify the hash.
func (h *Hash) Scan(cursor uint64, fn func(field, value []byte)) uint64 {
	if !h.lp.isBig() {
		h.lpRange(func(f, v []byte) bool { fn(f, v); return true })
		return 0
	}
	t := h.ht()
	return t.d.Scan(cursor, func(e *dict.Entry[struct{}]) { fn(bview(e.Key), t.value(e.Key)) })
}

// RandomPair returns a uniformly chosen pair (HRANDFIELD without count).
// ok is false when the hash is empty.
func (h *Hash) RandomPair(r *rand.Rand) (field, value []byte, ok bool) {
	if h.Len() == 0 {
		return nil, nil, false
	}
	if !h.lp.isBig() {
		field, value = h.lpPairAt(r.IntN(int(h.lp.k)))
		return field, value, true
	}
	t := h.ht()
	e := t.d.Random(r)
	return bview(e.Key), t.value(e.Key), true
}

// lpOffsets returns the offset of every pair, for callers that pick many
// pairs by index: one walk instead of one per pick.
func (h *Hash) lpOffsets() []uint32 {
	offs := make([]uint32, 0, h.lp.k)
	b := h.lp.buf()
	for off := 0; off < len(b); off = lpSkip(b, off) {
		offs = append(offs, uint32(off))
	}
	return offs
}

// Random-pick strategy thresholds, Redis's *_SUB_STRATEGY_MUL: when the
// requested count is more than a third of the collection, copying it and
// discarding random elements beats rejection sampling.
const randSubStrategyMul = 3

// RandomPairs implements HRANDFIELD with a count, calling fn for each
// returned pair (fn may ignore the value when WITHVALUES is absent):
//   - count < 0: -count independent picks, repetitions allowed;
//   - count >= Len: the whole hash, in Range order;
//   - count*3 > Len: a random subset in random order;
//   - otherwise distinct random fields; a listpack returns them in
//     listpack order, a hashtable in pick order.
//
// count == 0 returns nothing. fn must not modify the hash.
func (h *Hash) RandomPairs(r *rand.Rand, count int64, fn func(field, value []byte)) {
	size := int64(h.Len())
	if count == 0 || size == 0 {
		return
	}
	if count < 0 {
		if !h.lp.isBig() {
			offs := h.lpOffsets()
			b := h.lp.buf()
			for ; count < 0; count++ {
				f, v, _ := lpPair(b, int(offs[r.IntN(len(offs))]))
				fn(f, v)
			}
			return
		}
		for ; count < 0; count++ {
			f, v, _ := h.RandomPair(r)
			fn(f, v)
		}
		return
	}
	if count >= size {
		h.Range(func(f, v []byte) bool { fn(f, v); return true })
		return
	}
	if count*randSubStrategyMul > size {
		var fs, vs [][]byte
		h.Range(func(f, v []byte) bool {
			fs, vs = append(fs, f), append(vs, v)
			return true
		})
		for _, i := range randomSubset(r, len(fs), int(count)) {
			fn(fs[i], vs[i])
		}
		return
	}
	if !h.lp.isBig() {
		// The sample comes in increasing order: one walk serves it.
		b := h.lp.buf()
		off, at := 0, 0
		orderedSample(r, int(size), int(count), func(i int) {
			for ; at < i; at++ {
				off = lpSkip(b, off)
			}
			f, v, _ := lpPair(b, off)
			fn(f, v)
		})
		return
	}
	seen := make(map[*dict.Entry[struct{}]]struct{}, count)
	t := h.ht()
	for int64(len(seen)) < count {
		e := t.d.Random(r)
		if _, dup := seen[e]; dup {
			continue
		}
		seen[e] = struct{}{}
		fn(bview(e.Key), t.value(e.Key))
	}
}

// Copy returns a deep copy (COPY command) with the same encoding.
func (h *Hash) Copy() *Hash {
	if !h.lp.isBig() {
		return &Hash{lp: h.lp.clone()}
	}
	c := &Hash{}
	t := &hashTable{d: *dict.New[struct{}]()}
	ht := h.ht()
	ht.d.Range(func(e *dict.Entry[struct{}]) bool {
		t.insert(bview(e.Key), ht.value(e.Key))
		return true
	})
	c.lp.setBig(unsafe.Pointer(t))
	return c
}

// randomSubset returns k distinct indexes of [0, n) in random order (a
// partial Fisher-Yates shuffle).
func randomSubset(r *rand.Rand, n, k int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	for i := 0; i < k; i++ {
		j := i + r.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	return idx[:k]
}

// orderedSample calls fn for k distinct indexes of [0, n) in increasing
// order, each k-subset being equally likely (selection sampling; what
// Redis's lpRandomPairsUnique does for compact encodings).
func orderedSample(r *rand.Rand, n, k int, fn func(i int)) {
	for i := 0; i < n && k > 0; i++ {
		if r.IntN(n-i) < k {
			fn(i)
			k--
		}
	}
}
