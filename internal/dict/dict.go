// Package dict is the hash table under the keyspace and under the large
// encodings of hashes and sets.
//
// Go's built-in map cannot be iterated with a resumable cursor, and SCAN,
// HSCAN, SSCAN, active expiry and fork-less snapshots all need one. This
// table follows the design Redis made work: power-of-two bucket arrays with
// chaining, incremental rehashing into a second table, and a reverse-binary
// cursor that visits every element present for a whole scan at least once,
// even while the table grows or shrinks between calls.
package dict

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"unsafe"
)

const (
	initialSize = 4
	// A table shrinks when fewer than 1 in shrinkRatio buckets are used.
	shrinkRatio = 8
)

// Entry is one key/value pair. Callers may keep *Entry pointers only while
// they hold the lock that protects the dict and do not delete the key.
type Entry[V any] struct {
	Key   string
	Value V
	next  *Entry[V]
}

// InlineKeyMax is the longest key that a dict made by NewInlineKeys keeps
// in the same allocation as its entry.
const InlineKeyMax = 16

// inlineEntry is an entry followed by the bytes of its short key. A lookup
// compares the key it finds, so with the key in a separate allocation
// every hit costs one more cache miss; in the keyspace that miss was the
// largest single item of SET, GET and MSET on a large dataset. With a
// 48-byte Entry[keyspace.Object] the pair fills one 64-byte size class,
// so the key also costs no allocation of its own.
type inlineEntry[V any] struct {
	e   Entry[V]
	key [InlineKeyMax]byte
}

type table[V any] struct {
	buckets []*Entry[V]
	used    int
}

// Dict maps strings to V. The zero value is not usable; call New.
// It is not safe for concurrent use.
type Dict[V any] struct {
	seed      maphash.Seed
	t         [2]table[V]
	rehashIdx int // -1 when not rehashing
	// pauseRehash > 0 while a safe iterator or scan callback runs.
	pauseRehash int
	// inlineKeys stores keys up to InlineKeyMax bytes inside the entry's
	// allocation (see inlineEntry).
	inlineKeys bool
}

// New returns an empty dict.
func New[V any]() *Dict[V] {
	return &Dict[V]{seed: maphash.MakeSeed(), rehashIdx: -1}
}

// NewInlineKeys returns an empty dict that stores short keys in the same
// allocation as their entry. It pays off when Entry[V] plus InlineKeyMax
// bytes fills a size class (the keyspace's 48-byte entries make 64);
// for small entries it would cost memory.
func NewInlineKeys[V any]() *Dict[V] {
	d := New[V]()
	d.inlineKeys = true
	return d
}

// newEntry allocates the entry for key. Inline key bytes are written once,
// here, so the string over them is immutable as Go requires.
func (d *Dict[V]) newEntry(key string) *Entry[V] {
	if d.inlineKeys && len(key) > 0 && len(key) <= InlineKeyMax {
		x := &inlineEntry[V]{}
		n := copy(x.key[:], key)
		x.e.Key = unsafe.String(&x.key[0], n)
		return &x.e
	}
	return &Entry[V]{Key: key}
}

// Len returns the number of entries.
func (d *Dict[V]) Len() int { return d.t[0].used + d.t[1].used }

// Buckets returns the number of buckets across both tables, as reported
// by DEBUG HTSTATS-like introspection and used for memory accounting.
func (d *Dict[V]) Buckets() int { return len(d.t[0].buckets) + len(d.t[1].buckets) }

func (d *Dict[V]) rehashing() bool { return d.rehashIdx >= 0 }

func (d *Dict[V]) hash(key string) uint64 { return maphash.String(d.seed, key) }

// Get returns the value pointer for key, or nil.
func (d *Dict[V]) Get(key string) *V {
	e := d.Find(key)
	if e == nil {
		return nil
	}
	return &e.Value
}

// Find returns the entry for key, or nil.
func (d *Dict[V]) Find(key string) *Entry[V] {
	if d.Len() == 0 {
		return nil
	}
	if d.rehashing() {
		d.rehashStep()
	}
	h := d.hash(key)
	for i := 0; i < 2; i++ {
		t := &d.t[i]
		if len(t.buckets) == 0 {
			continue
		}
		for e := t.buckets[h&uint64(len(t.buckets)-1)]; e != nil; e = e.next {
			if e.Key == key {
				return e
			}
		}
		if !d.rehashing() {
			break
		}
	}
	return nil
}

// FindBytes is Find for a []byte key without converting it to a string
// first (the compiler elides the conversion in the comparison).
func (d *Dict[V]) FindBytes(key []byte) *Entry[V] {
	if d.Len() == 0 {
		return nil
	}
	if d.rehashing() {
		d.rehashStep()
	}
	h := maphash.Bytes(d.seed, key)
	for i := 0; i < 2; i++ {
		t := &d.t[i]
		if len(t.buckets) == 0 {
			continue
		}
		for e := t.buckets[h&uint64(len(t.buckets)-1)]; e != nil; e = e.next {
			if e.Key == string(key) {
				return e
			}
		}
		if !d.rehashing() {
			break
		}
	}
	return nil
}

// ChainHead returns the first entry of the chain key hashes to (in the
// newer table while rehashing), or nil, without comparing keys or doing a
// rehash step. It exists for prefetching: see keyspace's DB.Prefetch.
func (d *Dict[V]) ChainHead(key []byte) *Entry[V] {
	if d.Len() == 0 {
		return nil
	}
	t := &d.t[0]
	if d.rehashing() && d.t[1].used > 0 {
		t = &d.t[1]
	}
	if len(t.buckets) == 0 {
		return nil
	}
	return t.buckets[maphash.Bytes(d.seed, key)&uint64(len(t.buckets)-1)]
}

// Insert adds key (which must not exist) and returns its entry, whose
// Value the caller then fills in.
func (d *Dict[V]) Insert(key string) *Entry[V] {
	if d.rehashing() {
		d.rehashStep()
	}
	d.expandIfNeeded()
	t := &d.t[0]
	if d.rehashing() {
		t = &d.t[1]
	}
	e := d.newEntry(key)
	idx := d.hash(key) & uint64(len(t.buckets)-1)
	e.next = t.buckets[idx]
	t.buckets[idx] = e
	t.used++
	return e
}

// InsertBytes is Insert for a []byte key. A key stored inline is copied
// straight from key, without first allocating a string.
func (d *Dict[V]) InsertBytes(key []byte) *Entry[V] {
	if d.inlineKeys && len(key) > 0 && len(key) <= InlineKeyMax {
		// The string does not outlive this call: newEntry copies it.
		return d.Insert(unsafe.String(unsafe.SliceData(key), len(key)))
	}
	return d.Insert(string(key))
}

// Upsert returns the entry for key, inserting it when absent; created
// reports whether it was inserted.
func (d *Dict[V]) Upsert(key string) (e *Entry[V], created bool) {
	if e := d.Find(key); e != nil {
		return e, false
	}
	return d.Insert(key), true
}

// Delete removes key and returns the removed entry, or nil.
func (d *Dict[V]) Delete(key string) *Entry[V] {
	if d.Len() == 0 {
		return nil
	}
	if d.rehashing() {
		d.rehashStep()
	}
	h := d.hash(key)
	for i := 0; i < 2; i++ {
		t := &d.t[i]
		if len(t.buckets) == 0 {
			continue
		}
		idx := h & uint64(len(t.buckets)-1)
		var prev *Entry[V]
		for e := t.buckets[idx]; e != nil; e = e.next {
			if e.Key == key {
				if prev == nil {
					t.buckets[idx] = e.next
				} else {
					prev.next = e.next
				}
				e.next = nil
				t.used--
				d.shrinkIfNeeded()
				return e
			}
			prev = e
		}
		if !d.rehashing() {
			break
		}
	}
	return nil
}

// Clear removes every entry.
func (d *Dict[V]) Clear() {
	d.t[0] = table[V]{}
	d.t[1] = table[V]{}
	d.rehashIdx = -1
}

func (d *Dict[V]) expandIfNeeded() {
	if d.rehashing() {
		return
	}
	if len(d.t[0].buckets) == 0 {
		d.t[0].buckets = make([]*Entry[V], initialSize)
		return
	}
	if d.t[0].used >= len(d.t[0].buckets) {
		d.resize(d.t[0].used + 1)
	}
}

// ShrinkToFit starts shrinking a sparse table; the server's cron calls it
// for dicts that lost most of their keys while a rehash was under way.
func (d *Dict[V]) ShrinkToFit() { d.shrinkIfNeeded() }

func (d *Dict[V]) shrinkIfNeeded() {
	if d.rehashing() || d.pauseRehash > 0 {
		return
	}
	size := len(d.t[0].buckets)
	if size > initialSize && d.t[0].used*shrinkRatio < size {
		d.resize(d.t[0].used)
	}
}

// resize starts rehashing into a table of the next power of two >= n.
func (d *Dict[V]) resize(n int) {
	size := initialSize
	for size < n {
		size <<= 1
	}
	if size == len(d.t[0].buckets) {
		return
	}
	d.t[1] = table[V]{buckets: make([]*Entry[V], size)}
	d.rehashIdx = 0
}

// rehashStep moves one bucket (skipping a bounded run of empty ones) from
// the old table to the new, so the cost of growing is spread over many
// operations instead of stalling one.
func (d *Dict[V]) rehashStep() {
	if d.pauseRehash > 0 {
		return
	}
	d.Rehash(1)
}

// Rehash performs up to n bucket moves and reports whether rehashing is
// still in progress. The server calls it from its cron for idle dicts.
func (d *Dict[V]) Rehash(n int) bool {
	if !d.rehashing() {
		return false
	}
	emptyVisits := n * 10
	old, nw := &d.t[0], &d.t[1]
	mask := uint64(len(nw.buckets) - 1)
	for ; n > 0 && old.used > 0; n-- {
		for old.buckets[d.rehashIdx] == nil {
			d.rehashIdx++
			emptyVisits--
			if emptyVisits == 0 {
				return true
			}
		}
		e := old.buckets[d.rehashIdx]
		for e != nil {
			next := e.next
			idx := d.hash(e.Key) & mask
			e.next = nw.buckets[idx]
			nw.buckets[idx] = e
			old.used--
			nw.used++
			e = next
		}
		old.buckets[d.rehashIdx] = nil
		d.rehashIdx++
	}
	if old.used == 0 {
		d.t[0] = d.t[1]
		d.t[1] = table[V]{}
		d.rehashIdx = -1
		return false
	}
	return true
}

// Scan calls fn for the entries of one cursor step and returns the next
// cursor; 0 means the scan is complete. Every entry present from the first
// call to the last is visited at least once; some may be visited twice.
// fn must not insert or delete.
func (d *Dict[V]) Scan(cursor uint64, fn func(e *Entry[V])) uint64 {
	if d.Len() == 0 {
		return 0
	}
	d.pauseRehash++
	defer func() { d.pauseRehash-- }()
	visit := func(t *table[V], idx uint64) {
		for e := t.buckets[idx]; e != nil; {
			next := e.next
			fn(e)
			e = next
		}
	}
	if !d.rehashing() {
		t := &d.t[0]
		m := uint64(len(t.buckets) - 1)
		visit(t, cursor&m)
		return nextCursor(cursor, m)
	}
	small, large := &d.t[0], &d.t[1]
	if len(small.buckets) > len(large.buckets) {
		small, large = large, small
	}
	m0 := uint64(len(small.buckets) - 1)
	m1 := uint64(len(large.buckets) - 1)
	visit(small, cursor&m0)
	// Visit every bucket of the larger table that expands the small one.
	for {
		visit(large, cursor&m1)
		cursor = nextCursor(cursor, m1)
		if cursor&(m0^m1) == 0 {
			break
		}
	}
	return cursor
}

// nextCursor increments the masked bits of the cursor from the high end,
// so that buckets which split on growth are visited after their parent.
func nextCursor(v, mask uint64) uint64 {
	v |= ^mask
	v = bits.Reverse64(v)
	v++
	return bits.Reverse64(v)
}

// Range calls fn for every entry until fn returns false. fn may modify
// values but must not insert or delete keys.
func (d *Dict[V]) Range(fn func(e *Entry[V]) bool) {
	d.pauseRehash++
	defer func() { d.pauseRehash-- }()
	for i := 0; i < 2; i++ {
		for _, e := range d.t[i].buckets {
			for e != nil {
				next := e.next
				if !fn(e) {
					return
				}
				e = next
			}
		}
	}
}

// Random returns a random entry, or nil when empty. The distribution is
// as fair as Redis's: a random non-empty bucket, then a random chain slot.
func (d *Dict[V]) Random(r *rand.Rand) *Entry[V] {
	if d.Len() == 0 {
		return nil
	}
	if d.rehashing() {
		d.rehashStep()
	}
	var head *Entry[V]
	if d.rehashing() {
		s0, s1 := len(d.t[0].buckets), len(d.t[1].buckets)
		for head == nil {
			// Buckets below rehashIdx in the old table are empty.
			i := d.rehashIdx + r.IntN(s0+s1-d.rehashIdx)
			if i >= s0 {
				head = d.t[1].buckets[i-s0]
			} else {
				head = d.t[0].buckets[i]
			}
		}
	} else {
		b := d.t[0].buckets
		for head == nil {
			head = b[r.IntN(len(b))]
		}
	}
	n := 0
	for e := head; e != nil; e = e.next {
		n++
	}
	e := head
	for i := r.IntN(n); i > 0; i-- {
		e = e.next
	}
	return e
}

// Sample appends up to n entries found by walking from a random bucket,
// the cheap sampling Redis uses for eviction and expiry. Entries are
// distinct but not uniformly distributed.
func (d *Dict[V]) Sample(r *rand.Rand, n int, out []*Entry[V]) []*Entry[V] {
	total := d.Len()
	if total == 0 || n <= 0 {
		return out
	}
	if n > total {
		n = total
	}
	for i := 0; i < n && d.rehashing(); i++ {
		d.rehashStep()
	}
	tables := 1
	if d.rehashing() {
		tables = 2
	}
	maxMask := uint64(len(d.t[0].buckets) - 1)
	if tables == 2 && uint64(len(d.t[1].buckets)-1) > maxMask {
		maxMask = uint64(len(d.t[1].buckets) - 1)
	}
	idx := r.Uint64() & maxMask
	emptyLen := 0
	got := 0
	for steps := n * 10; got < n && steps > 0; steps-- {
		for j := 0; j < tables; j++ {
			t := &d.t[j]
			if tables == 2 && j == 0 && idx < uint64(d.rehashIdx) {
				// Already moved to the new table.
				if idx >= uint64(len(d.t[1].buckets)) {
					idx = uint64(d.rehashIdx)
				}
				continue
			}
			if idx >= uint64(len(t.buckets)) {
				continue
			}
			e := t.buckets[idx]
			if e == nil {
				emptyLen++
				if emptyLen >= 5 && emptyLen > n {
					idx = r.Uint64() & maxMask
					emptyLen = 0
				}
				continue
			}
			emptyLen = 0
			for ; e != nil && got < n; e = e.next {
				out = append(out, e)
				got++
			}
		}
		idx = (idx + 1) & maxMask
	}
	return out
}
