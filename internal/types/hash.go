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
type Hash struct {
	enc Encoding
	lp  blobs // field0, value0, field1, value1, ... (listpack)
	ht  *dict.Dict[[]byte]
	// htMem is the cost of the dict's entries and the strings they own;
	// bucket arrays are added from the dict's bucket count on demand.
	htMem int64
}

var (
	hashStructMem = memPtrs(int(unsafe.Sizeof(Hash{})))
	hashEntryMem  = memPtrs(int(unsafe.Sizeof(dict.Entry[[]byte]{})))
	hashDictMem   = memPtrs(int(unsafe.Sizeof(dict.Dict[[]byte]{})))
)

// NewHash returns an empty listpack-encoded hash.
func NewHash() *Hash { return &Hash{enc: EncListpack} }

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

// Encoding returns EncListpack or EncHashtable.
func (h *Hash) Encoding() Encoding { return h.enc }

// Len returns the number of fields.
func (h *Hash) Len() int {
	if h.enc == EncListpack {
		return h.lp.n() / 2
	}
	return h.ht.Len()
}

// MemUsage returns the estimated heap bytes owned by the hash.
func (h *Hash) MemUsage() int64 {
	if h.enc == EncListpack {
		return hashStructMem + h.lp.mem()
	}
	return hashStructMem + hashDictMem + h.htMem + memPtrs(8*h.ht.Buckets())
}

func hashValueMem(v []byte) int64 { return memBytes(cap(v)) }

func (h *Hash) convert() {
	d := dict.New[[]byte]()
	var m int64
	for i := 0; i < h.lp.n(); i += 2 {
		f, v := h.lp.at(i), h.lp.at(i+1)
		e := d.Insert(string(f))
		e.Value = append([]byte(nil), v...)
		m += hashEntryMem + memBytes(len(f)) + hashValueMem(e.Value)
	}
	h.enc, h.ht, h.htMem, h.lp = EncHashtable, d, m, blobs{}
}

// Get returns the value of field. The slice is read-only and valid until
// the next modification of the hash.
func (h *Hash) Get(field []byte) ([]byte, bool) {
	if h.enc == EncListpack {
		if i := h.lp.find(field, 0, 2); i >= 0 {
			return h.lp.at(i + 1), true
		}
		return nil, false
	}
	if e := h.ht.FindBytes(field); e != nil {
		return e.Value, true
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
	if h.enc == EncListpack {
		if int64(len(field)) > lim.HashMaxListpackValue || int64(len(value)) > lim.HashMaxListpackValue ||
			h.lp.bytes()+len(field)+len(value) > listpackMaxSafeSize {
			h.convert()
		} else {
			if i := h.lp.find(field, 0, 2); i >= 0 {
				h.lp.replace(i+1, value)
				return false
			}
			h.lp.append(field)
			h.lp.append(value)
			if int64(h.lp.n()/2) > lim.HashMaxListpackEntries {
				h.convert()
			}
			return true
		}
	}
	if e := h.ht.FindBytes(field); e != nil {
		old := e.Value
		if cap(old) >= len(value) && cap(old) <= 2*len(value)+16 {
			// Reuse the buffer: HINCRBY and same-size HSETs are common.
			e.Value = append(old[:0], value...)
		} else {
			e.Value = append([]byte(nil), value...)
			h.htMem += hashValueMem(e.Value) - hashValueMem(old)
		}
		return false
	}
	e := h.ht.Insert(string(field))
	e.Value = append([]byte(nil), value...)
	h.htMem += hashEntryMem + memBytes(len(field)) + hashValueMem(e.Value)
	return true
}

// Delete removes field and reports whether it was present. The encoding
// never goes back to listpack.
func (h *Hash) Delete(field []byte) bool {
	if h.enc == EncListpack {
		i := h.lp.find(field, 0, 2)
		if i < 0 {
			return false
		}
		h.lp.remove(i, i+2)
		return true
	}
	e := h.ht.FindBytes(field)
	if e == nil {
		return false
	}
	// Deleting by the entry's own key avoids converting field to a string.
	h.ht.Delete(e.Key)
	h.htMem -= hashEntryMem + memBytes(len(e.Key)) + hashValueMem(e.Value)
	return true
}

// Range calls fn for every pair until fn returns false, in Redis's order:
// insertion order for a listpack, table order for a hashtable. This is
// also the order in which Redis serializes the hash. fn must not modify
// the hash; the slices are valid only during the call.
func (h *Hash) Range(fn func(field, value []byte) bool) {
	if h.enc == EncListpack {
		for i := 0; i < h.lp.n(); i += 2 {
			if !fn(h.lp.at(i), h.lp.at(i+1)) {
				return
			}
		}
		return
	}
	h.ht.Range(func(e *dict.Entry[[]byte]) bool { return fn(bview(e.Key), e.Value) })
}

// RDBRange iterates in serialization order (the same as Range).
func (h *Hash) RDBRange(fn func(field, value []byte) bool) { h.Range(fn) }

// Scan performs one HSCAN step. A listpack hash is returned whole and the
// cursor is ignored, as Redis does; the returned cursor is then 0. A
// hashtable scan guarantees every field present for the whole scan is
// returned at least once. fn must not modify the hash.
func (h *Hash) Scan(cursor uint64, fn func(field, value []byte)) uint64 {
	if h.enc == EncListpack {
		for i := 0; i < h.lp.n(); i += 2 {
			fn(h.lp.at(i), h.lp.at(i+1))
		}
		return 0
	}
	return h.ht.Scan(cursor, func(e *dict.Entry[[]byte]) { fn(bview(e.Key), e.Value) })
}

// RandomPair returns a uniformly chosen pair (HRANDFIELD without count).
// ok is false when the hash is empty.
func (h *Hash) RandomPair(r *rand.Rand) (field, value []byte, ok bool) {
	if h.Len() == 0 {
		return nil, nil, false
	}
	if h.enc == EncListpack {
		i := 2 * r.IntN(h.lp.n()/2)
		return h.lp.at(i), h.lp.at(i + 1), true
	}
	e := h.ht.Random(r)
	return bview(e.Key), e.Value, true
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
	if h.enc == EncListpack {
		orderedSample(r, int(size), int(count), func(i int) { fn(h.lp.at(2*i), h.lp.at(2*i+1)) })
		return
	}
	seen := make(map[*dict.Entry[[]byte]]struct{}, count)
	for int64(len(seen)) < count {
		e := h.ht.Random(r)
		if _, dup := seen[e]; dup {
			continue
		}
		seen[e] = struct{}{}
		fn(bview(e.Key), e.Value)
	}
}

// Copy returns a deep copy (COPY command) with the same encoding.
func (h *Hash) Copy() *Hash {
	c := &Hash{enc: h.enc}
	if h.enc == EncListpack {
		c.lp = h.lp.clone()
		return c
	}
	c.ht = dict.New[[]byte]()
	h.ht.Range(func(e *dict.Entry[[]byte]) bool {
		ne := c.ht.Insert(e.Key) // strings are immutable: share the key
		ne.Value = append([]byte(nil), e.Value...)
		c.htMem += hashEntryMem + memBytes(len(e.Key)) + hashValueMem(ne.Value)
		return true
	})
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
