package types

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func listElems(l *List) []string {
	var out []string
	l.Range(0, -1, func(v []byte) bool { out = append(out, string(v)); return true })
	return out
}

func TestEntryCodec(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 300, 16383, 16384, 70000} {
		s := bytes.Repeat([]byte{'z'}, n)
		buf := make([]byte, entrySize(n)+3)
		w := putEntry(buf[1:], s)
		if w != entrySize(n) {
			t.Fatalf("size %d: wrote %d want %d", n, w, entrySize(n))
		}
		d, next := entryAt(buf, 1)
		if !bytes.Equal(d, s) || next != 1+w {
			t.Fatalf("forward decode of %d bytes failed", n)
		}
		d, start := entryBefore(buf, 1+w)
		if !bytes.Equal(d, s) || start != 1 {
			t.Fatalf("backward decode of %d bytes failed", n)
		}
	}
}

func TestListBasics(t *testing.T) {
	l := NewList(-2)
	for _, v := range []string{"c", "b", "a"} {
		l.PushFront([]byte(v))
	}
	l.PushBack([]byte("d"))
	if got := listElems(l); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatal(got)
	}
	if v, ok := l.Index(-1); !ok || string(v) != "d" {
		t.Fatal("Index -1")
	}
	if _, ok := l.Index(4); ok {
		t.Fatal("Index out of range")
	}
	if !l.Set(1, []byte("BB")) || l.Set(10, []byte("x")) {
		t.Fatal("Set")
	}
	if n := l.Insert(true, []byte("c"), []byte("x")); n != 5 {
		t.Fatal("Insert before", n)
	}
	if n := l.Insert(false, []byte("zz"), []byte("x")); n != -1 {
		t.Fatal("Insert missing pivot")
	}
	if got := listElems(l); !slices.Equal(got, []string{"a", "BB", "x", "c", "d"}) {
		t.Fatal(got)
	}
	if v, _ := l.PopFront(); string(v) != "a" {
		t.Fatal("PopFront")
	}
	if v, _ := l.PopBack(); string(v) != "d" {
		t.Fatal("PopBack")
	}
	checkList(t, l)
	if l.Encoding() != EncQuicklist {
		t.Fatal("encoding")
	}
}

func TestListPos(t *testing.T) {
	l := NewList(-2)
	for _, v := range strings.Split("a b c a b c a", " ") {
		l.PushBack([]byte(v))
	}
	// Expected values were produced by redis-server 7.0.
	tests := []struct {
		rank, count, maxlen int64
		want                []int64
	}{
		{1, 1, 0, []int64{0}},
		{1, 0, 0, []int64{0, 3, 6}},
		{-1, 0, 0, []int64{6, 3, 0}},
		{2, 1, 4, []int64{3}},
		{1, 2, 1, []int64{0}},
		{3, 0, 0, []int64{6}},
		{4, 0, 0, nil},
		{-2, 1, 0, []int64{3}},
		{1, 0, 3, []int64{0}},
		{-1, 0, 1, []int64{6}},
	}
	for _, tc := range tests {
		if got := l.Pos([]byte("a"), tc.rank, tc.count, tc.maxlen); !slices.Equal(got, tc.want) {
			t.Errorf("Pos rank %d count %d maxlen %d = %v want %v", tc.rank, tc.count, tc.maxlen, got, tc.want)
		}
	}
}

func TestListFill(t *testing.T) {
	// 8 KiB nodes: 1000 small strings take a few nodes; a count fill of 3
	// makes exactly ceil(n/3) nodes; fill 0 puts one element per node.
	l := NewList(-2)
	for i := 0; i < 1000; i++ {
		l.PushBack(fmt.Appendf(nil, "element-%03d", i))
	}
	checkList(t, l)
	if l.Nodes() < 2 || l.Nodes() > 3 {
		t.Fatalf("-2 fill: %d nodes", l.Nodes())
	}
	l = NewList(3)
	for i := 0; i < 10; i++ {
		l.PushFront([]byte("x"))
	}
	if l.Nodes() != 4 {
		t.Fatalf("fill 3: %d nodes", l.Nodes())
	}
	l = NewList(0)
	for i := 0; i < 5; i++ {
		l.PushBack([]byte("x"))
	}
	if l.Nodes() != 5 {
		t.Fatalf("fill 0: %d nodes", l.Nodes())
	}
	// A single element larger than the node limit gets its own node.
	l = NewList(-1)
	l.PushBack([]byte("a"))
	l.PushBack(bytes.Repeat([]byte{'b'}, 10000))
	l.PushBack([]byte("c"))
	checkList(t, l)
	if l.Nodes() != 3 {
		t.Fatalf("big element: %d nodes", l.Nodes())
	}
}

func TestListModel(t *testing.T) {
	fills := []int{-1, -2, -5, 1, 2, 5, 128, 0}
	for seed := uint64(1); seed <= uint64(len(fills))*3; seed++ {
		fill := fills[int(seed)%len(fills)]
		r := newRand(seed)
		l := NewList(fill)
		var model [][]byte
		val := func() []byte {
			switch r.IntN(12) {
			case 0:
				return bytes.Repeat([]byte{byte('A' + r.IntN(3))}, 100+r.IntN(3000))
			case 1:
				return nil
			case 2, 3, 4:
				return fmt.Appendf(nil, "%d", r.IntN(8))
			}
			return fmt.Appendf(nil, "v%d", r.IntN(8))
		}
		for step := 0; step < 4000; step++ {
			switch op := r.IntN(24); {
			case op < 5:
				v := val()
				l.PushFront(v)
				model = slices.Insert(model, 0, v)
			case op < 10:
				v := val()
				l.PushBack(v)
				model = append(model, v)
			case op < 12:
				v, ok := l.PopFront()
				if ok != (len(model) > 0) || (ok && !bytes.Equal(v, model[0])) {
					t.Fatalf("PopFront")
				}
				if ok {
					model = model[1:]
				}
			case op < 14:
				v, ok := l.PopBack()
				if ok != (len(model) > 0) || (ok && !bytes.Equal(v, model[len(model)-1])) {
					t.Fatalf("PopBack")
				}
				if ok {
					model = model[:len(model)-1]
				}
			case op < 15:
				i := int64(r.IntN(2*len(model)+2) - len(model) - 1)
				v, ok := l.Index(i)
				j := i
				if j < 0 {
					j += int64(len(model))
				}
				inRange := j >= 0 && j < int64(len(model))
				if ok != inRange || (ok && !bytes.Equal(v, model[j])) {
					t.Fatalf("Index(%d)", i)
				}
			case op < 16:
				i := int64(r.IntN(2*len(model)+2) - len(model) - 1)
				v := val()
				ok := l.Set(i, v)
				j := i
				if j < 0 {
					j += int64(len(model))
				}
				if inRange := j >= 0 && j < int64(len(model)); ok != inRange {
					t.Fatalf("Set(%d)", i)
				}
				if ok {
					model[j] = v
				}
			case op < 18:
				pivot, v := val(), val()
				before := r.IntN(2) == 0
				n := l.Insert(before, pivot, v)
				i := slices.IndexFunc(model, func(e []byte) bool { return bytes.Equal(e, pivot) })
				if (i < 0) != (n == -1) {
					t.Fatalf("Insert pivot presence")
				}
				if i >= 0 {
					if !before {
						i++
					}
					model = slices.Insert(model, i, v)
					if n != len(model) {
						t.Fatalf("Insert returned %d", n)
					}
				}
			case op < 20:
				v := val()
				count := int64(r.IntN(5) - 2)
				n := l.Remove(count, v)
				removed := 0
				if count >= 0 {
					for i := 0; i < len(model); {
						if bytes.Equal(model[i], v) && (count == 0 || int64(removed) < count) {
							model = slices.Delete(model, i, i+1)
							removed++
							continue
						}
						i++
					}
				} else {
					for i := len(model) - 1; i >= 0; i-- {
						if bytes.Equal(model[i], v) && int64(removed) < -count {
							model = slices.Delete(model, i, i+1)
							removed++
						}
					}
				}
				if n != removed {
					t.Fatalf("seed %d step %d: Remove(%d) = %d want %d", seed, step, count, n, removed)
				}
			case op < 21:
				if r.IntN(5) != 0 {
					break
				}
				start, stop := int64(r.IntN(len(model)+4)-2), int64(r.IntN(len(model)+4)-2)
				if r.IntN(2) == 0 {
					stop = -1 - int64(r.IntN(3))
				}
				l.Trim(start, stop)
				s, e, ok := NormalizeRange(start, stop, len(model))
				if ok {
					model = slices.Clone(model[s : e+1])
				} else {
					model = nil
				}
			case op < 23:
				start, stop := int64(r.IntN(len(model)+4)-2), int64(r.IntN(len(model)+4)-2)
				var got [][]byte
				l.Range(start, stop, func(v []byte) bool { got = append(got, v); return true })
				var want [][]byte
				if s, e, ok := NormalizeRange(start, stop, len(model)); ok {
					want = model[s : e+1]
				}
				if !slices.EqualFunc(got, want, bytes.Equal) {
					t.Fatalf("Range(%d,%d)", start, stop)
				}
			default:
				v := val()
				rank := int64(r.IntN(5) - 2)
				if rank == 0 {
					rank = 1
				}
				count, maxlen := int64(r.IntN(3)), int64(r.IntN(4))
				got := l.Pos(v, rank, count, maxlen)
				var want []int64
				matches := int64(0)
				n := len(model)
				for k := 0; k < n && (maxlen == 0 || int64(k) < maxlen); k++ {
					i := k
					if rank < 0 {
						i = n - 1 - k
					}
					if bytes.Equal(model[i], v) {
						matches++
						if matches >= max(rank, -rank) {
							want = append(want, int64(i))
							if count != 0 && int64(len(want)) >= count {
								break
							}
						}
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("Pos(rank %d count %d maxlen %d) = %v want %v", rank, count, maxlen, got, want)
				}
			}
			if l.Len() != len(model) {
				t.Fatalf("seed %d step %d: Len %d model %d", seed, step, l.Len(), len(model))
			}
			if step%25 == 0 {
				checkList(t, l)
				var got [][]byte
				l.Range(0, -1, func(v []byte) bool { got = append(got, v); return true })
				if !slices.EqualFunc(got, model, bytes.Equal) {
					t.Fatalf("seed %d step %d: contents differ", seed, step)
				}
				var rev [][]byte
				l.RangeReverse(func(v []byte) bool { rev = append(rev, v); return true })
				slices.Reverse(rev)
				if !slices.EqualFunc(rev, model, bytes.Equal) {
					t.Fatalf("reverse contents differ")
				}
				c := l.Copy()
				checkList(t, c)
				if !slices.Equal(listElems(c), listElems(l)) {
					t.Fatal("Copy differs")
				}
			}
		}
	}
}

func TestListQueueMemoryStable(t *testing.T) {
	// A long-running queue must not leak nodes or buffer space.
	l := NewList(-2)
	for i := 0; i < 1000; i++ {
		l.PushBack([]byte("payload-0123456789"))
	}
	base := l.MemUsage()
	for i := 0; i < 200000; i++ {
		l.PushBack([]byte("payload-0123456789"))
		l.PopFront()
	}
	checkList(t, l)
	if m := l.MemUsage(); m > 2*base {
		t.Fatalf("queue grew from %d to %d bytes", base, m)
	}
	for l.Len() > 0 {
		l.PopBack()
	}
	if l.MemUsage() != listStructMem || l.Nodes() != 0 {
		t.Fatalf("empty list still uses %d bytes in %d nodes", l.MemUsage(), l.Nodes())
	}
}

func TestListRDBNodes(t *testing.T) {
	l := NewList(4)
	for i := 0; i < 10; i++ {
		l.PushBack(fmt.Appendf(nil, "%d", i))
	}
	var all []string
	var sizes []int
	l.RDBNodes(func(elems [][]byte) bool {
		sizes = append(sizes, len(elems))
		for _, e := range elems {
			all = append(all, string(e))
		}
		return true
	})
	if !slices.Equal(sizes, []int{4, 4, 2}) || !slices.Equal(all, listElems(l)) {
		t.Fatalf("nodes %v elems %v", sizes, all)
	}
	c := NewListFrom(4, len(all), func(i int) []byte { return []byte(all[i]) })
	if !slices.Equal(listElems(c), all) || c.Nodes() != 3 {
		t.Fatal("NewListFrom")
	}
}
