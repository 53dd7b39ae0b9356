package types

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/dict"
)

type (
	dictEntryHash = dict.Entry[[]byte]
	dictEntrySet  = dict.Entry[struct{}]
)

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

// checkHash verifies the hash's internal consistency.
func checkHash(t *testing.T, h *Hash) {
	t.Helper()
	if h.enc == EncListpack {
		if h.lp.n()%2 != 0 {
			t.Fatalf("odd listpack length %d", h.lp.n())
		}
		return
	}
	var m int64
	h.ht.Range(func(e *dictEntryHash) bool {
		m += hashEntryMem + memBytes(len(e.Key)) + hashValueMem(e.Value)
		return true
	})
	if m != h.htMem {
		t.Fatalf("hash htMem %d, recomputed %d", h.htMem, m)
	}
}

func checkSet(t *testing.T, s *Set) {
	t.Helper()
	if s.enc == EncIntset {
		for i := 1; i < len(s.is.vals); i++ {
			if s.is.vals[i-1] >= s.is.vals[i] {
				t.Fatalf("intset not sorted: %v", s.is.vals)
			}
		}
		return
	}
	var m int64
	s.ht.Range(func(e *dictEntrySet) bool {
		m += setEntryMem + memBytes(len(e.Key))
		return true
	})
	if m != s.htMem {
		t.Fatalf("set htMem %d, recomputed %d", s.htMem, m)
	}
}

// checkZSet verifies ordering, spans, backward links, dict agreement and
// the memory bookkeeping of a sorted set.
func checkZSet(t *testing.T, z *ZSet) {
	t.Helper()
	if z.enc == EncListpack {
		if z.lpm.n() != len(z.lps) {
			t.Fatalf("listpack members %d scores %d", z.lpm.n(), len(z.lps))
		}
		for i := 1; i < len(z.lps); i++ {
			a, b := z.lpm.at(i-1), z.lpm.at(i)
			if !zslBefore(z.lps[i-1], string(a), z.lps[i], string(b)) {
				t.Fatalf("listpack out of order at %d: %q %v / %q %v", i, a, z.lps[i-1], b, z.lps[i])
			}
		}
		return
	}
	zsl := z.zsl
	if zsl.length != z.d.Len() {
		t.Fatalf("skiplist length %d dict %d", zsl.length, z.d.Len())
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
		e := z.d.Find(x.member)
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
	if z.dMem != int64(n)*zsetEntryMem {
		t.Fatalf("dict mem %d for %d entries", z.dMem, n)
	}
	// Spans: on every level, a link's span equals the rank difference.
	rank := map[*zslNode]int{zsl.header: 0}
	r := 0
	for x := zsl.first(); x != nil; x = x.next() {
		r++
		rank[x] = r
	}
	for lvl := 0; lvl < zslMaxLevel; lvl++ {
		for x := zsl.header; x != nil; x = x.level[lvl].forward {
			if lvl >= len(x.level) {
				t.Fatalf("node on level %d has %d levels", lvl, len(x.level))
			}
			f := x.level[lvl].forward
			if f == nil {
				break
			}
			if lvl >= zsl.level {
				t.Fatalf("link on unused level %d", lvl)
			}
			if got, want := x.level[lvl].span, rank[f]-rank[x]; got != want {
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
		for off := nd.lo; off < nd.hi; {
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
