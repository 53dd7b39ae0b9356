package types

import (
	"math/rand/v2"
	"slices"
	"unsafe"

	"github.com/autobot-ai/autobot-redis/internal/dict"
)

// Set is a Redis set: "intset" while every member is the canonical text
// of an int64 and there are at most set-max-intset-entries of them,
// "hashtable" otherwise. Redis 7.0 has no listpack sets, and a set never
// converts back to intset (but SPOP with a large count builds a new set,
// which may be an intset again, exactly as Redis does).
type Set struct {
	is packed // the intset (see intset.go), or the *setTable once converted
}

// setTable is the "hashtable" encoding.
type setTable struct {
	d   dict.Dict[struct{}]
	mem int64 // entries and member strings; buckets are added on demand
}

var (
	setStructMem = memPtrs(int(unsafe.Sizeof(Set{})))
	setEntryMem  = memPtrs(int(unsafe.Sizeof(dict.Entry[struct{}]{})))
	setTableMem  = memPtrs(int(unsafe.Sizeof(setTable{})))
)

// maxIntsetEntries caps the limit the way Redis does (intset internals
// cannot grow past 1G entries).
func maxIntsetEntries(lim *Limits) int64 { return min(lim.SetMaxIntsetEntries, 1<<30) }

// maxIntsetLen keeps an intset's buffer (at its widest, with growth
// headroom) within what a packed header can describe: a set that would
// hold more members converts, which only a set-max-intset-entries above
// 268 million can allow.
const maxIntsetLen = 1 << 28

// NewSet returns an empty intset-encoded set. Adding a non-integer first
// member converts it, which ends in the state Redis's setTypeCreate
// produces directly.
func NewSet() *Set { return &Set{is: packed{k: 2}} }

func (s *Set) ht() *setTable { return (*setTable)(s.is.p) }

// NewSetFrom builds a set from n members (RDB load, SINTERSTORE-like
// construction): an intset when n is within the intset limit and every
// member is an integer, a hashtable otherwise.
func NewSetFrom(lim *Limits, n int, at func(i int) []byte) *Set {
	s := NewSet()
	if int64(n) > maxIntsetEntries(lim) {
		s.convert()
	}
	for i := 0; i < n; i++ {
		s.Add(lim, at(i))
	}
	return s
}

// Encoding returns EncIntset or EncHashtable.
func (s *Set) Encoding() Encoding {
	if s.is.isBig() {
		return EncHashtable
	}
	return EncIntset
}

// Len returns the number of members.
func (s *Set) Len() int {
	if s.is.isBig() {
		return s.ht().d.Len()
	}
	return isLen(&s.is)
}

// MemUsage returns the estimated heap bytes owned by the set.
func (s *Set) MemUsage() int64 {
	if s.is.isBig() {
		t := s.ht()
		return setStructMem + setTableMem + t.mem + memPtrs(8*t.d.Buckets())
	}
	return setStructMem + s.is.mem()
}

func (s *Set) convert() {
	t := &setTable{d: *dict.New[struct{}]()}
	var buf [20]byte
	for i, n := 0, isLen(&s.is); i < n; i++ {
		k := string(appendInt(buf[:0], isAt(&s.is, i)))
		t.d.Insert(k)
		t.mem += setEntryMem + memBytes(len(k))
	}
	s.is.setBig(unsafe.Pointer(t))
}

// htAdd inserts member into the dict encoding.
func (s *Set) htAdd(member []byte) bool {
	t := s.ht()
	if t.d.FindBytes(member) != nil {
		return false
	}
	t.d.Insert(string(member))
	t.mem += setEntryMem + memBytes(len(member))
	return true
}

// htRemove deletes the entry e of the dict encoding.
func (s *Set) htRemove(e *dict.Entry[struct{}]) {
	t := s.ht()
	t.d.Delete(e.Key)
	t.mem -= setEntryMem + memBytes(len(e.Key))
}

// Add inserts member and reports whether it was new. A non-integer member
// converts an intset to a hashtable, as does growing past the limit.
func (s *Set) Add(lim *Limits, member []byte) bool {
	if !s.is.isBig() {
		if v, ok := ParseInt64(member); ok && (isLen(&s.is) < maxIntsetLen || isContains(&s.is, v)) {
			if !isAdd(&s.is, v) {
				return false
			}
			if int64(isLen(&s.is)) > maxIntsetEntries(lim) {
				s.convert()
			}
			return true
		}
		s.convert()
	}
	return s.htAdd(member)
}

// Remove deletes member and reports whether it was present.
func (s *Set) Remove(member []byte) bool {
	if !s.is.isBig() {
		v, ok := ParseInt64(member)
		return ok && isRemove(&s.is, v)
	}
	e := s.ht().d.FindBytes(member)
	if e == nil {
		return false
	}
	s.htRemove(e)
	return true
}

// IsMember reports whether member is in the set.
func (s *Set) IsMember(member []byte) bool {
	if !s.is.isBig() {
		v, ok := ParseInt64(member)
		return ok && isContains(&s.is, v)
	}
	return s.ht().d.FindBytes(member) != nil
}

// hasInt is IsMember for a member known by its integer value, which
// avoids formatting it when the set is an intset too.
func (s *Set) hasInt(v int64) bool {
	if !s.is.isBig() {
		return isContains(&s.is, v)
	}
	var buf [20]byte
	return s.ht().d.FindBytes(appendInt(buf[:0], v)) != nil
}

// Range calls fn for each member until fn returns false: ascending for an
// intset, table order for a hashtable (SMEMBERS order, and the order Redis
// serializes a hashtable set in). The slice is valid only during the
// call; fn must not modify the set.
func (s *Set) Range(fn func(member []byte) bool) {
	if !s.is.isBig() {
		var buf [20]byte
		for i, n := 0, isLen(&s.is); i < n; i++ {
			if !fn(appendInt(buf[:0], isAt(&s.is, i))) {
				return
			}
		}
		return
	}
	s.ht().d.Range(func(e *dict.Entry[struct{}]) bool { return fn(bview(e.Key)) })
}

// RDBRange iterates in serialization order (the same as Range). The
// caller can use Ints to write an intset blob directly.
func (s *Set) RDBRange(fn func(member []byte) bool) { s.Range(fn) }

// Ints returns the members of an intset-encoded set in ascending order
// (a fresh slice), or nil for a hashtable.
func (s *Set) Ints() []int64 {
	if s.is.isBig() {
		return nil
	}
	vals := make([]int64, isLen(&s.is))
	for i := range vals {
		vals[i] = isAt(&s.is, i)
	}
	return vals
}

// Scan performs one SSCAN step: an intset is returned whole with cursor
// 0, a hashtable one dict cursor step at a time.
func (s *Set) Scan(cursor uint64, fn func(member []byte)) uint64 {
	if !s.is.isBig() {
		s.Range(func(m []byte) bool { fn(m); return true })
		return 0
	}
	return s.ht().d.Scan(cursor, func(e *dict.Entry[struct{}]) { fn(bview(e.Key)) })
}

// Random returns a random member (SRANDMEMBER without count), or false
// when the set is empty. The slice is read-only.
func (s *Set) Random(r *rand.Rand) ([]byte, bool) {
	if s.Len() == 0 {
		return nil, false
	}
	if !s.is.isBig() {
		return appendInt(nil, isAt(&s.is, r.IntN(isLen(&s.is)))), true
	}
	return bview(s.ht().d.Random(r).Key), true
}

// Pop removes and returns a random member (SPOP without count). The
// returned slice stays valid (it is not reused by the set).
func (s *Set) Pop(r *rand.Rand) ([]byte, bool) {
	if s.Len() == 0 {
		return nil, false
	}
	if !s.is.isBig() {
		i := r.IntN(isLen(&s.is))
		v := isAt(&s.is, i)
		isDeleteAt(&s.is, i)
		return appendInt(nil, v), true
	}
	e := s.ht().d.Random(r)
	s.htRemove(e)
	return bview(e.Key), true
}

// RandomMembers implements SRANDMEMBER with a count:
//   - count < 0: -count independent picks, repetitions allowed;
//   - count >= Len: the whole set in Range order (ascending for intsets);
//   - otherwise count distinct members in random order.
//
// fn must not modify the set; the slice is valid only during the call.
func (s *Set) RandomMembers(r *rand.Rand, count int64, fn func(member []byte)) {
	size := int64(s.Len())
	if count == 0 || size == 0 {
		return
	}
	var buf [20]byte
	pick := func() []byte {
		if !s.is.isBig() {
			return appendInt(buf[:0], isAt(&s.is, r.IntN(isLen(&s.is))))
		}
		return bview(s.ht().d.Random(r).Key)
	}
	if count < 0 || count == 1 {
		for n := max(count, -count); n > 0; n-- {
			fn(pick())
		}
		return
	}
	if count >= size {
		s.Range(func(m []byte) bool { fn(m); return true })
		return
	}
	if count*randSubStrategyMul > size {
		// Copy and discard (Redis's CASE 3): a random subset in random order.
		if !s.is.isBig() {
			for _, i := range randomSubset(r, int(size), int(count)) {
				fn(appendInt(buf[:0], isAt(&s.is, i)))
			}
			return
		}
		keys := make([]string, 0, size)
		s.ht().d.Range(func(e *dict.Entry[struct{}]) bool { keys = append(keys, e.Key); return true })
		for _, i := range randomSubset(r, len(keys), int(count)) {
			fn(bview(keys[i]))
		}
		return
	}
	// Few members out of many: pick until count distinct ones are found.
	if !s.is.isBig() {
		n := isLen(&s.is)
		seen := make(map[int]struct{}, count)
		for int64(len(seen)) < count {
			i := r.IntN(n)
			if _, dup := seen[i]; dup {
				continue
			}
			seen[i] = struct{}{}
			fn(appendInt(buf[:0], isAt(&s.is, i)))
		}
		return
	}
	seen := make(map[*dict.Entry[struct{}]]struct{}, count)
	t := s.ht()
	for int64(len(seen)) < count {
		e := t.d.Random(r)
		if _, dup := seen[e]; dup {
			continue
		}
		seen[e] = struct{}{}
		fn(bview(e.Key))
	}
}

// spopMoveStrategyMul is Redis's SPOP_MOVE_STRATEGY_MUL: when fewer than
// count/5 members would remain, SPOP builds a new set from the survivors
// instead of removing the popped ones one by one.
const spopMoveStrategyMul = 5

// PopMembers implements SPOP with a positive count, calling fn for each
// popped member:
//   - count >= Len: every member in Range order; the set becomes empty
//     (the caller deletes the key);
//   - few survivors (survivors*5 <= count): the survivors are moved to a
//     fresh set built with the current limits (which may be an intset
//     even if this set was a hashtable) and the popped members are
//     returned in the old set's Range order;
//   - otherwise count random removals, in pick order.
//
// fn must not modify the set; the slice is valid only during the call.
func (s *Set) PopMembers(lim *Limits, r *rand.Rand, count int64, fn func(member []byte)) {
	size := int64(s.Len())
	if count <= 0 || size == 0 {
		return
	}
	if count >= size {
		s.Range(func(m []byte) bool { fn(m); return true })
		*s = *NewSet()
		return
	}
	remaining := size - count
	if remaining*spopMoveStrategyMul > count {
		for ; count > 0; count-- {
			m, _ := s.Pop(r)
			fn(m)
		}
		return
	}
	ns := NewSet()
	for ; remaining > 0; remaining-- {
		m, _ := s.Pop(r)
		ns.Add(lim, m)
	}
	s.Range(func(m []byte) bool { fn(m); return true })
	*s = *ns
}

// Copy returns a deep copy (COPY command) with the same encoding.
func (s *Set) Copy() *Set {
	if !s.is.isBig() {
		return &Set{is: s.is.clone()}
	}
	st := s.ht()
	t := &setTable{d: *dict.New[struct{}](), mem: st.mem}
	st.d.Range(func(e *dict.Entry[struct{}]) bool {
		t.d.Insert(e.Key) // strings are immutable: share the member
		return true
	})
	c := &Set{}
	c.is.setBig(unsafe.Pointer(t))
	return c
}

// Set algebra. A nil *Set stands for a missing key (an empty set).

// interOrder returns the sets sorted by increasing size, keeping argument
// order among equal sizes (Redis sorts with glibc's stable qsort, so for
// equal sizes the first key given is iterated). ok is false when any set
// is missing or empty, which makes the intersection empty.
func interOrder(sets []*Set) ([]*Set, bool) {
	if len(sets) == 0 {
		return nil, false
	}
	for _, s := range sets {
		if s == nil || s.Len() == 0 {
			return nil, false
		}
	}
	sorted := slices.Clone(sets)
	slices.SortStableFunc(sorted, func(a, b *Set) int { return a.Len() - b.Len() })
	return sorted, true
}

// interEach calls fn for each member of the intersection, in the Range
// order of the smallest set, until fn returns false.
func interEach(sets []*Set, fn func(member []byte) bool) {
	sorted, ok := interOrder(sets)
	if !ok {
		return
	}
	first, rest := sorted[0], sorted[1:]
	if !first.is.isBig() {
		var buf [20]byte
		for i, n := 0, isLen(&first.is); i < n; i++ {
			v := isAt(&first.is, i)
			in := true
			for _, o := range rest {
				if o != first && !o.hasInt(v) {
					in = false
					break
				}
			}
			if in && !fn(appendInt(buf[:0], v)) {
				return
			}
		}
		return
	}
	first.Range(func(m []byte) bool {
		for _, o := range rest {
			if o != first && !o.IsMember(m) {
				return true
			}
		}
		return fn(m)
	})
}

// SetInter calls fn for each member of the intersection of sets (SINTER),
// in Redis's reply order: the smallest set is iterated (the first given
// among equally small ones) and its members kept when every other set has
// them. fn must not modify the sets.
func SetInter(sets []*Set, fn func(member []byte)) {
	interEach(sets, func(m []byte) bool { fn(m); return true })
}

// SetInterCard returns the size of the intersection (SINTERCARD), stopping
// at limit when limit > 0.
func SetInterCard(sets []*Set, limit int) int {
	n := 0
	interEach(sets, func([]byte) bool {
		n++
		return limit <= 0 || n < limit
	})
	return n
}

// SetInterStore returns the intersection as a new set (SINTERSTORE),
// built from an empty intset as Redis does, so its encoding depends only
// on the result. The result may be empty.
func SetInterStore(lim *Limits, sets []*Set) *Set {
	dst := NewSet()
	interEach(sets, func(m []byte) bool { dst.Add(lim, m); return true })
	return dst
}

// SetUnion returns the union (SUNION, SUNIONSTORE) as a new set, built by
// adding every member of every set, in argument order, to an empty
// intset. Its Range order is the reply order.
func SetUnion(lim *Limits, sets []*Set) *Set {
	dst := NewSet()
	for _, s := range sets {
		if s == nil {
			continue
		}
		s.Range(func(m []byte) bool { dst.Add(lim, m); return true })
	}
	return dst
}

// SetDiff returns the members of sets[0] absent from the other sets
// (SDIFF, SDIFFSTORE) as a new set. Redis picks between two algorithms by
// estimated work, and the choice is observable through the encoding of
// the result: checking each member of the first set against the others
// adds only survivors (an integer-only result is an intset), while
// copying the first set and removing the others' members keeps whatever
// encoding the copy reached. Both are reproduced.
func SetDiff(lim *Limits, sets []*Set) *Set {
	dst := NewSet()
	if len(sets) == 0 || sets[0] == nil || sets[0].Len() == 0 {
		return dst
	}
	first := sets[0]
	var algo1, algo2 int64
	for _, s := range sets {
		if s == nil {
			continue
		}
		algo1 += int64(first.Len())
		algo2 += int64(s.Len())
	}
	algo1 /= 2 // Redis favours the first algorithm for its better constants
	if algo1 <= algo2 {
		first.Range(func(m []byte) bool {
			for _, o := range sets[1:] {
				if o == nil {
					continue
				}
				if o == first || o.IsMember(m) {
					return true
				}
			}
			dst.Add(lim, m)
			return true
		})
		return dst
	}
	first.Range(func(m []byte) bool { dst.Add(lim, m); return true })
	for _, o := range sets[1:] {
		if o == nil {
			continue
		}
		o.Range(func(m []byte) bool {
			dst.Remove(m)
			return dst.Len() > 0
		})
		if dst.Len() == 0 {
			break
		}
	}
	return dst
}
