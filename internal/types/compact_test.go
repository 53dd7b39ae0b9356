package types

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Edge cases of the packed encodings that the model tests with default
// or tiny limits do not reach: multi-byte lengths, every score width,
// 32-bit sorted-set indexes, every intset width, empty hashtable fields.

func TestUvarint(t *testing.T) {
	var buf [10]byte
	for _, v := range []uint64{0, 1, 127, 128, 255, 16383, 16384, 1 << 21, 1<<32 - 1, 1 << 40, math.MaxUint64} {
		n := putUvarint(buf[:], v)
		if n != uvarintLen(v) {
			t.Fatalf("%d: wrote %d bytes, uvarintLen %d", v, n, uvarintLen(v))
		}
		if got, next := uvarintAt(buf[:], 0); got != v || next != n {
			t.Fatalf("%d: decoded %d, next %d", v, got, next)
		}
	}
}

func TestPackedCapAlignment(t *testing.T) {
	for n := 1; n < 64; n++ {
		c := packedCap(n)
		if c < n || (n < memTinySize && c%8 != 0) {
			t.Fatalf("packedCap(%d) = %d", n, c)
		}
	}
	if c := packedCap(1 << 20); c < 1<<20+1<<17 {
		t.Fatalf("no headroom above 32 KiB: %d", c)
	}
}

// zlpScores covers every score kind and its boundaries.
var zlpScores = []float64{
	0, 1, -1, 127, 128, -128, -129, 255, 32767, 32768, -32768, -32769,
	math.MaxInt32, math.MaxInt32 + 1, math.MinInt32, math.MinInt32 - 1,
	1 << 53, -(1 << 53), 0.5, -2.25, 1e300, -1e-300, math.Inf(1), math.Inf(-1),
	math.SmallestNonzeroFloat64, math.MaxFloat64,
}

func TestZlpElementCodec(t *testing.T) {
	for _, ml := range []int{0, 1, 31, 32, 100, 4000} {
		m := bytes.Repeat([]byte{'m'}, ml)
		for _, s := range zlpScores {
			buf := make([]byte, zlpSize(m, s))
			if n := zlpPut(buf, m, s); n != len(buf) {
				t.Fatalf("member %d score %v: wrote %d of %d", ml, s, n, len(buf))
			}
			gm, gs := zlpAt(buf, 0)
			if !bytes.Equal(gm, m) || gs != s || cap(gm) != len(gm) {
				t.Fatalf("member %d score %v: decoded %d bytes, %v", ml, s, len(gm), gs)
			}
		}
	}
	// Small integral scores take one byte, like a listpack's 7-bit ints.
	if zlpSize([]byte("m"), 5) != 3 || zlpSize([]byte("m"), 1.5) != 10 {
		t.Fatal("score widths")
	}
}

// TestZSetListpackLarge drives listpack sorted sets with long members,
// scores of every width and enough bytes for 32-bit index entries,
// against the model.
func TestZSetListpackLarge(t *testing.T) {
	lim := defLimits()
	lim.ZsetMaxListpackEntries = 3000
	lim.ZsetMaxListpackValue = 300
	for seed := uint64(1); seed <= 3; seed++ {
		r := newRand(seed)
		z := NewZSet()
		var zm zmodel
		member := func() []byte {
			k := r.IntN(1000)
			return fmt.Appendf(nil, "%d-%s", k, bytes.Repeat([]byte{'x'}, k%250))
		}
		wide := false
		for step := 0; step < 6000; step++ {
			m := member()
			s := zlpScores[r.IntN(len(zlpScores))]
			switch op := r.IntN(10); {
			case op < 6:
				flags := []ZAddFlags{0, 0, ZAddIncr, ZAddGT, ZAddLT}[r.IntN(5)]
				if flags == ZAddIncr {
					s = float64(r.IntN(300) - 150)
				}
				res, ns := z.Add(lim, s, m, flags)
				mres, mns := modelAdd(&zm, s, string(m), flags)
				if res != mres || (res != ZAddNop && res != ZAddNaN && ns != mns) {
					t.Fatalf("seed %d step %d: Add(%v, %d bytes, %b) = %v %v, model %v %v", seed, step, s, len(m), flags, res, ns, mres, mns)
				}
			case op < 8:
				ok := z.Delete(m)
				if i := zm.find(string(m)); ok != (i >= 0) {
					t.Fatalf("seed %d step %d: Delete", seed, step)
				} else if ok {
					zm = slices.Delete(zm, i, i+1)
				}
			case op == 8:
				rk, sc, ok := z.Rank(m, false)
				if i := zm.find(string(m)); ok != (i >= 0) || (ok && (rk != i || sc != zm[i].s)) {
					t.Fatalf("seed %d step %d: Rank", seed, step)
				}
			default:
				var got []zel
				z.Pop(r.IntN(2) == 0, 1, func(m []byte, s float64) { got = append(got, zel{string(m), s}) })
				if len(got) == 1 {
					i := zm.find(got[0].m)
					if i != 0 && i != len(zm)-1 {
						t.Fatalf("seed %d step %d: popped %q from the middle", seed, step, got[0].m)
					}
					zm = slices.Delete(zm, i, i+1)
				}
			}
			if z.Encoding() != EncListpack || z.Len() != len(zm) {
				t.Fatalf("seed %d step %d: %v with %d elements, model %d", seed, step, z.Encoding(), z.Len(), len(zm))
			}
			if z.lp.k&zlpWide != 0 {
				wide = true
			}
			if step%250 == 0 || step == 5999 {
				checkZSet(t, z)
				if !eqZ(zsetElems(z), zm) {
					t.Fatalf("seed %d step %d: contents differ from the model", seed, step)
				}
				var rev []zel
				z.RangeByRank(0, -1, true, func(m []byte, s float64) bool { rev = append(rev, zel{string(m), s}); return true })
				slices.Reverse(rev)
				if !eqZ(rev, zm) {
					t.Fatalf("seed %d step %d: reverse range differs", seed, step)
				}
				c := z.Copy()
				checkZSet(t, c)
				if !eqZ(zsetElems(c), zm) {
					t.Fatal("Copy differs")
				}
			}
		}
		if !wide {
			t.Fatalf("seed %d: the index never needed 32 bits", seed)
		}
		// Conversion from a wide listpack keeps every element.
		z.convert()
		checkZSet(t, z)
		if !eqZ(zsetElems(z), zm) {
			t.Fatal("conversion lost elements")
		}
	}
}

func TestNewZSetFromWide(t *testing.T) {
	lim := defLimits()
	lim.ZsetMaxListpackEntries = 1000
	lim.ZsetMaxListpackValue = 200
	var ms []ZMember
	var zm zmodel
	for i := 0; i < 600; i++ {
		m := fmt.Appendf(nil, "%0150d", i)
		s := zlpScores[i%len(zlpScores)]
		ms = append(ms, ZMember{Member: m, Score: s})
		zm.put(string(m), s)
	}
	z := NewZSetFrom(lim, ms)
	checkZSet(t, z)
	if z.Encoding() != EncListpack || z.lp.k&zlpWide == 0 || !eqZ(zsetElems(z), zm) {
		t.Fatalf("encoding %v wide %v", z.Encoding(), z.lp.k&zlpWide != 0)
	}
	if m := z.MemUsage(); m > int64(600*170) {
		t.Fatalf("mem %d", m)
	}
}

// TestHashListpackLong covers multi-byte lengths in listpack hashes,
// including values whose length header changes size on update.
func TestHashListpackLong(t *testing.T) {
	lim := defLimits()
	lim.HashMaxListpackEntries = 1000
	lim.HashMaxListpackValue = 400
	r := newRand(7)
	h := NewHash()
	var order []string
	model := map[string]string{}
	for step := 0; step < 5000; step++ {
		f := bytes.Repeat([]byte{byte('a' + r.IntN(8))}, 2*r.IntN(100))
		switch r.IntN(5) {
		case 0:
			ok := h.Delete(f)
			if _, had := model[string(f)]; ok != had {
				t.Fatalf("step %d: Delete", step)
			}
			delete(model, string(f))
			if i := slices.Index(order, string(f)); i >= 0 {
				order = slices.Delete(order, i, i+1)
			}
		default:
			// Lengths around 127/128 make the header grow and shrink.
			v := bytes.Repeat([]byte{'v'}, []int{0, 5, 126, 127, 128, 129, 300}[r.IntN(7)])
			_, had := model[string(f)]
			if created := h.Set(lim, f, v); created == had {
				t.Fatalf("step %d: Set created=%v had=%v", step, created, had)
			}
			if !had {
				order = append(order, string(f))
			}
			model[string(f)] = string(v)
		}
		if h.Encoding() != EncListpack || h.Len() != len(model) {
			t.Fatalf("step %d: %v len %d model %d", step, h.Encoding(), h.Len(), len(model))
		}
		if step%100 == 0 {
			checkHash(t, h)
			var got []string
			h.Range(func(f, v []byte) bool {
				if model[string(f)] != string(v) {
					t.Fatalf("step %d: %d-byte field has a %d-byte value, model %d", step, len(f), len(v), len(model[string(f)]))
				}
				got = append(got, string(f))
				return true
			})
			if !slices.Equal(got, order) {
				t.Fatalf("step %d: order differs", step)
			}
			for f, v := range model {
				if g, ok := h.Get([]byte(f)); !ok || string(g) != v {
					t.Fatalf("step %d: Get", step)
				}
			}
		}
	}
}

// TestHashTablePairs covers the single-allocation pairs of hashtable
// hashes: the empty field, updates in place and by reallocation, values
// beyond the small size classes.
func TestHashTablePairs(t *testing.T) {
	lim := defLimits()
	lim.HashMaxListpackEntries = 0
	r := newRand(3)
	h := NewHash()
	h.Set(lim, []byte("init"), []byte("x"))
	model := map[string]string{"init": "x"}
	for step := 0; step < 20000; step++ {
		f := fmt.Appendf(nil, "%d", r.IntN(60))
		if r.IntN(8) == 0 {
			f = nil // the empty field
		}
		switch r.IntN(6) {
		case 0:
			if h.Delete(f) != hasKey(model, string(f)) {
				t.Fatalf("step %d: Delete %q", step, f)
			}
			delete(model, string(f))
		case 1:
			g, ok := h.Get(f)
			if mv, had := model[string(f)]; ok != had || string(g) != mv || cap(g) != len(g) {
				t.Fatalf("step %d: Get %q", step, f)
			}
		default:
			n := []int{0, 1, 7, 8, 15, 16, 17, 40, 127, 128, 1000, 40000}[r.IntN(12)]
			v := bytes.Repeat([]byte{byte('0' + step%10)}, n)
			h.Set(lim, f, v)
			model[string(f)] = string(v)
		}
		if h.Encoding() != EncHashtable || h.Len() != len(model) {
			t.Fatalf("step %d: %v len %d model %d", step, h.Encoding(), h.Len(), len(model))
		}
		if step%500 == 0 {
			checkHash(t, h)
			c := h.Copy()
			checkHash(t, c)
			for _, x := range []*Hash{h, c} {
				n := 0
				x.Range(func(f, v []byte) bool {
					n++
					if model[string(f)] != string(v) {
						t.Fatalf("step %d: Range %q", step, f)
					}
					return true
				})
				if n != len(model) {
					t.Fatalf("step %d: Range saw %d", step, n)
				}
			}
		}
	}
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// TestIntsetWidths checks that members of every width coexist, that the
// width grows as Redis's does and that memory follows it.
func TestIntsetWidths(t *testing.T) {
	lim := defLimits()
	s := NewSet()
	var model []int64
	add := func(v int64) {
		s.Add(lim, fmt.Appendf(nil, "%d", v))
		if i, ok := slices.BinarySearch(model, v); !ok {
			model = slices.Insert(model, i, v)
		}
	}
	for _, v := range []int64{5, -5, 32767, -32768} {
		add(v)
	}
	if s.is.k != 2 || s.MemUsage() != setStructMem+memBytes(packedCap(8)) {
		t.Fatalf("16-bit intset: width %d, mem %d", s.is.k, s.MemUsage())
	}
	add(32768)
	if s.is.k != 4 {
		t.Fatalf("width %d after a 32-bit member", s.is.k)
	}
	add(math.MinInt64)
	add(math.MaxInt64)
	if s.is.k != 8 {
		t.Fatalf("width %d after a 64-bit member", s.is.k)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		v := r.Int64() >> (r.IntN(4) * 16)
		add(v)
		if r.IntN(3) == 0 {
			rm := model[r.IntN(len(model))]
			if !s.Remove(fmt.Appendf(nil, "%d", rm)) {
				t.Fatalf("Remove %d", rm)
			}
			i, _ := slices.BinarySearch(model, rm)
			model = slices.Delete(model, i, i+1)
		}
	}
	checkSet(t, s)
	if s.Encoding() != EncIntset || !slices.Equal(s.Ints(), model) {
		t.Fatalf("intset %v differs from the model", s.Encoding())
	}
	for _, v := range model {
		if !s.IsMember(fmt.Appendf(nil, "%d", v)) {
			t.Fatalf("IsMember %d", v)
		}
	}
	if s.IsMember([]byte("1.5")) || s.Remove([]byte("99999999999999999999")) {
		t.Fatal("non-integers are never members of an intset")
	}
	// Removing members never narrows the width (Redis does not either).
	for len(model) > 0 {
		s.Remove(fmt.Appendf(nil, "%d", model[0]))
		model = model[1:]
	}
	if s.is.k != 8 || s.Len() != 0 || s.MemUsage() != setStructMem {
		t.Fatalf("emptied intset: width %d len %d mem %d", s.is.k, s.Len(), s.MemUsage())
	}
}

// TestListSmallNodesExact checks that a short list's node carries no
// growth slack, however it was filled.
func TestListSmallNodesExact(t *testing.T) {
	msg := func(i int) []byte {
		return fmt.Appendf(nil, `{"role": "user", "content": "message %d", "timestamp": "2024-01-01T00:00:00Z"}`, i)
	}
	for _, front := range []bool{true, false} {
		l := NewList(-2)
		used := 0
		for i := 0; i < 20; i++ {
			if front {
				l.PushFront(msg(i))
			} else {
				l.PushBack(msg(i))
			}
			used += entrySize(len(msg(i)))
		}
		checkList(t, l)
		if c := cap(l.head.buf); l.Nodes() != 1 || c != memCapBytes(used) {
			t.Fatalf("front=%v: %d nodes, buffer %d for %d bytes", front, l.Nodes(), c, used)
		}
		// A queue on one node recentres instead of growing.
		for i := 0; i < 1000; i++ {
			if front {
				l.PushFront(msg(i % 10))
				l.PopBack()
			} else {
				l.PushBack(msg(i % 10))
				l.PopFront()
			}
		}
		checkList(t, l)
		if c := cap(l.head.buf); l.Nodes() != 1 || c > memCapBytes(used+used/4) {
			t.Fatalf("front=%v: queue grew the buffer to %d for %d bytes", front, c, used)
		}
	}
}
