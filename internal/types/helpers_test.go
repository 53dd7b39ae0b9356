package types

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/autobot-ai/autobot-redis/internal/dict"
)

type dictEntrySet = dict.Entry[struct{}]

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

// smallLimits forces frequent conversions in model tests.
func smallLimits() *Limits {
	return &Limits{
		HashMaxListpackEntries: 8,
		HashMaxListpackValue:   16,
		SetMaxIntsetEntries:    8,
		ZsetMaxListpackEntries: 8,
		ZsetMaxListpackValue:   16,
		ListMaxListpackSize:    -1,
	}
}

func defLimits() *Limits {
	l := DefaultLimits()
	return &l
}

// randMember returns a short member from a small key space so operations
// collide, occasionally a long one that exceeds the value limits.
func randMember(r *rand.Rand, space int) []byte {
	switch r.IntN(10) {
	case 0:
		return fmt.Appendf(nil, "long-member-%d-%s", r.IntN(space), "xxxxxxxxxxxxxxxxxxxx")
	case 1, 2, 3:
		return fmt.Appendf(nil, "%d", r.IntN(space)-space/4)
	}
	return fmt.Appendf(nil, "m%d", r.IntN(space))
}

// checkPacked verifies a packed buffer's header.
func checkPacked(t *testing.T, b *packed) {
	t.Helper()
	if b.n > b.c || (b.c > 0) != (b.p != nil) {
		t.Fatalf("packed header n=%d c=%d p=%v", b.n, b.c, b.p)
	}
}

// checkHash verifies the hash's internal consistency.
func checkHash(t *testing.T, h *Hash) {
	t.Helper()
	if h.Encoding() == EncListpack {
		checkPacked(t, &h.lp)
		b := h.lp.buf()
		n := 0
		for off := 0; off < len(b); n++ {
			_, _, off = lpPair(b, off)
			if off > len(b) {
				t.Fatalf("listpack pair overruns the buffer")
			}
		}
		if n != int(h.lp.k) {
			t.Fatalf("listpack has %d pairs, %d recorded", n, h.lp.k)
		}
		return
	}
	var m int64
	ht := h.ht()
	hasEmpty := false
	ht.d.Range(func(e *dictEntrySet) bool {
		b := ht.pair(e.Key)
		v := ht.value(e.Key)
		if len(b) != len(e.Key)+uvarintLen(uint64(len(v)))+len(v) {
			t.Fatalf("pair of %d bytes (cap %d) for %q", len(b), cap(b), e.Key)
		}
		if e.Key == "" {
			hasEmpty = true
		} else if string(b[:len(e.Key)]) != e.Key {
			t.Fatalf("pair does not start with its field %q", e.Key)
		}
		m += ht.entryMem(e.Key)
		return true
	})
	if !hasEmpty && ht.empty != nil {
		t.Fatalf("empty field's pair kept after its deletion")
	}
	if m != ht.mem {
		t.Fatalf("hash mem %d, recomputed %d", ht.mem, m)
	}
}

func checkSet(t *testing.T, s *Set) {
	t.Helper()
	if s.Encoding() == EncIntset {
		checkPacked(t, &s.is)
		if s.is.n%s.is.k != 0 {
			t.Fatalf("intset of %d bytes with width %d", s.is.n, s.is.k)
		}
		vals := s.Ints()
		for i := 1; i < len(vals); i++ {
			if vals[i-1] >= vals[i] {
				t.Fatalf("intset not sorted: %v", vals)
			}
		}
		for _, v := range vals {
			if intWidth(v) > s.is.k {
				t.Fatalf("intset width %d holds %d", s.is.k, v)
			}
		}
		return
	}
	var m int64
	s.ht().d.Range(func(e *dictEntrySet) bool {
		m += setEntryMem + memBytes(len(e.Key))
		return true
	})
	if m != s.ht().mem {
		t.Fatalf("set mem %d, recomputed %d", s.ht().mem, m)
	}
}

// checkZSet verifies ordering, spans, backward links, dict agreement and
// the memory bookkeeping of a sorted set.
func checkZSet(t *testing.T, z *ZSet) {
	t.Helper()
	if z.Encoding() == EncListpack {
		checkPacked(t, &z.lp)
		v := z.view()
		if v.data() < 0 || (v.n == 0) != (v.data() == 0) {
			t.Fatalf("listpack of %d bytes with %d elements", len(v.b), v.n)
		}
		if v.i32 == nil && v.data() > 0xffff {
			t.Fatalf("16-bit index for %d bytes of elements", v.data())
		}
		if uintptr(unsafe.Pointer(unsafe.SliceData(v.b)))%uintptr(v.width()) != 0 {
			t.Fatalf("misaligned index")
		}
		for i := 0; i < v.n; i++ {
			m, s := v.at(i)
			if v.off(i)+zlpSize(m, s) != v.end(i) {
				t.Fatalf("listpack element %d: offsets %d..%d for %d bytes", i, v.off(i), v.end(i), zlpSize(m, s))
			}
			if i > 0 {
				pm, ps := v.at(i - 1)
				if !zslBefore(ps, string(pm), s, string(m)) {
					t.Fatalf("listpack out of order at %d: %q %v / %q %v", i, pm, ps, m, s)
				}
			}
		}
		if v.n > 0 && v.off(0) != v.base {
			t.Fatalf("first element at %d", v.off(0))
		}
		return
	}
	zsl := z.big().zsl
	d := z.big().d
	if zsl.length != d.Len() {
		t.Fatalf("skiplist length %d dict %d", zsl.length, d.Len())
	}
	// Level 0 order, backward pointers, dict scores.
	var prev *zslNode
	n := 0
	mem := zsl.header.mem()
	for x := zsl.first(); x != nil; x = x.next() {
		n++
		mem += x.mem()
		if x.backward != prev {
			t.Fatalf("bad backward pointer at %q", x.member)
		}
		if prev != nil && !zslBefore(prev.score, prev.member, x.score, x.member) {
			t.Fatalf("skiplist out of order at %q", x.member)
		}
		e := d.Find(x.member)
		if e == nil || e.Value != x.score {
			t.Fatalf("dict disagrees for %q", x.member)
		}
		prev = x
	}
	if prev != zsl.tail {
		t.Fatalf("bad tail")
	}
	if n != zsl.length {
		t.Fatalf("walked %d nodes, length %d", n, zsl.length)
	}
	if mem != zsl.mem {
		t.Fatalf("skiplist mem %d, recomputed %d", zsl.mem, mem)
	}
	if z.big().dMem != int64(n)*zsetEntryMem {
		t.Fatalf("dict mem %d for %d entries", z.big().dMem, n)
	}
	// Spans: on every level, a link's span equals the rank difference.
	rank := map[*zslNode]int{zsl.header: 0}
	r := 0
	for x := zsl.first(); x != nil; x = x.next() {
		r++
		rank[x] = r
	}
	for lvl := 0; lvl < zslMaxLevel; lvl++ {
		for x := zsl.header; x != nil; x = x.lv(lvl).forward {
			if lvl >= x.height {
				t.Fatalf("node on level %d has %d levels", lvl, x.height)
			}
			f := x.lv(lvl).forward
			if f == nil {
				break
			}
			if lvl >= zsl.level {
				t.Fatalf("link on unused level %d", lvl)
			}
			if got, want := x.lv(lvl).span, rank[f]-rank[x]; got != want {
				t.Fatalf("level %d span %d, want %d", lvl, got, want)
			}
		}
	}
}

// checkList verifies node bookkeeping and memory accounting.
func checkList(t *testing.T, l *List) {
	t.Helper()
	count, nodes := 0, 0
	mem := listStructMem
	var prev *lnode
	for nd := l.head; nd != nil; nd = nd.next {
		nodes++
		if nd.prev != prev {
			t.Fatalf("bad prev link")
		}
		if nd.n == 0 {
			t.Fatalf("empty node left in list")
		}
		mem += lnodeMem + memBytes(cap(nd.buf))
		n, lpsz := 0, lpHeaderBytes
		for off := nd.lo; off < nd.hi(); {
			data, next := entryAt(nd.buf, off)
			lpsz += lpEntrySize(data)
			n++
			off = next
		}
		if n != nd.n || lpsz != nd.lpsz {
			t.Fatalf("node has %d entries (%d recorded), lpsz %d (%d recorded)", n, nd.n, lpsz, nd.lpsz)
		}
		count += n
		prev = nd
	}
	if prev != l.tail {
		t.Fatalf("bad tail")
	}
	if count != l.count || nodes != l.nodes {
		t.Fatalf("count %d/%d nodes %d/%d", count, l.count, nodes, l.nodes)
	}
	if mem != l.mem {
		t.Fatalf("list mem %d, recomputed %d", l.mem, mem)
	}
}
