package types

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
)

func setMembers(s *Set) []string {
	var out []string
	s.Range(func(m []byte) bool { out = append(out, string(m)); return true })
	return out
}

func sortedMembers(s *Set) []string {
	out := setMembers(s)
	slices.Sort(out)
	return out
}

func newSetOf(lim *Limits, members ...string) *Set {
	s := NewSet()
	for _, m := range members {
		s.Add(lim, []byte(m))
	}
	return s
}

func TestParseInt64(t *testing.T) {
	tests := []struct {
		in string
		v  int64
		ok bool
	}{
		{"0", 0, true}, {"-1", -1, true}, {"123", 123, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-9223372036854775808", -9223372036854775808, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551616", 0, false}, {"99999999999999999999", 0, false},
		{"", 0, false}, {"-", 0, false}, {"-0", 0, false}, {"007", 0, false},
		{"+1", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false},
		{"00", 0, false}, {"1.0", 0, false}, {"123456789012345678901", 0, false},
	}
	for _, tc := range tests {
		v, ok := ParseInt64([]byte(tc.in))
		if v != tc.v || ok != tc.ok {
			t.Errorf("ParseInt64(%q) = %d %v, want %d %v", tc.in, v, ok, tc.v, tc.ok)
		}
	}
}

func TestSetEncoding(t *testing.T) {
	tests := []struct {
		name    string
		max     int64
		members []string
		enc     Encoding
		order   []string
	}{
		{"ints ascending", 512, []string{"5", "3", "-1", "10", "3"}, EncIntset, []string{"-1", "3", "5", "10"}},
		{"non canonical int", 512, []string{"1", "007"}, EncHashtable, nil},
		{"plus sign", 512, []string{"+1"}, EncHashtable, nil},
		{"string", 512, []string{"1", "a"}, EncHashtable, nil},
		{"at limit", 3, []string{"1", "2", "3"}, EncIntset, []string{"1", "2", "3"}},
		{"over limit", 3, []string{"1", "2", "3", "4"}, EncHashtable, nil},
		{"zero limit", 0, []string{"1"}, EncHashtable, nil},
		{"extremes", 512, []string{"9223372036854775807", "-9223372036854775808"}, EncIntset,
			[]string{"-9223372036854775808", "9223372036854775807"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lim := defLimits()
			lim.SetMaxIntsetEntries = tc.max
			s := newSetOf(lim, tc.members...)
			checkSet(t, s)
			if s.Encoding() != tc.enc {
				t.Fatalf("encoding %v want %v", s.Encoding(), tc.enc)
			}
			if tc.order != nil && !slices.Equal(setMembers(s), tc.order) {
				t.Fatalf("order %v want %v", setMembers(s), tc.order)
			}
		})
	}
}

func TestSetModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		r := newRand(seed)
		lim := smallLimits()
		s := NewSet()
		model := map[string]bool{}
		converted := false
		for step := 0; step < 3000; step++ {
			var m []byte
			if seed%2 == 0 {
				m = []byte(strconv.Itoa(r.IntN(20) - 5)) // integer-heavy
				if r.IntN(50) == 0 {
					m = []byte("x")
				}
			} else {
				m = randMember(r, 20)
			}
			switch r.IntN(8) {
			case 0, 1, 2:
				if s.Remove(m) != model[string(m)] {
					t.Fatalf("seed %d step %d: Remove %q", seed, step, m)
				}
				delete(model, string(m))
			case 3:
				if s.IsMember(m) != model[string(m)] {
					t.Fatalf("seed %d step %d: IsMember %q", seed, step, m)
				}
			case 4:
				if s.Len() > 0 {
					p, ok := s.Pop(r)
					if !ok || !model[string(p)] {
						t.Fatalf("Pop returned %q", p)
					}
					delete(model, string(p))
				}
			default:
				if s.Add(lim, m) == model[string(m)] {
					t.Fatalf("seed %d step %d: Add %q", seed, step, m)
				}
				model[string(m)] = true
				if _, ok := ParseInt64(m); !ok {
					converted = true
				}
				if len(model) > 8 {
					converted = true
				}
			}
			want := EncIntset
			if converted {
				want = EncHashtable
			}
			if s.Encoding() != want {
				t.Fatalf("seed %d step %d: encoding %v want %v", seed, step, s.Encoding(), want)
			}
			if s.Len() != len(model) {
				t.Fatalf("Len %d model %d", s.Len(), len(model))
			}
			if step%50 == 0 {
				checkSet(t, s)
				got := sortedMembers(s)
				if !slices.Equal(got, slices.Sorted(maps.Keys(model))) {
					t.Fatalf("members %v model %v", got, slices.Sorted(maps.Keys(model)))
				}
				if !slices.Equal(sortedMembers(s.Copy()), got) {
					t.Fatal("Copy differs")
				}
			}
		}
	}
}

func TestSetRandomMembers(t *testing.T) {
	lim := defLimits()
	for _, mk := range []func(i int) string{
		func(i int) string { return strconv.Itoa(i) },
		func(i int) string { return "m" + strconv.Itoa(i) },
	} {
		for _, size := range []int{9, 100} {
			s := NewSet()
			for i := 0; i < size; i++ {
				s.Add(lim, []byte(mk(i)))
			}
			r := newRand(uint64(size))
			for _, count := range []int64{-1, -20, 1, 2, 3, 4, 30, 34, 99, 100, 200} {
				var got []string
				s.RandomMembers(r, count, func(m []byte) {
					if !s.IsMember(m) {
						t.Fatalf("not a member: %q", m)
					}
					got = append(got, string(m))
				})
				want := int(min(count, int64(size)))
				if count < 0 {
					want = int(-count)
				}
				if len(got) != want {
					t.Fatalf("%v size %d count %d: got %d", s.Encoding(), size, count, len(got))
				}
				if count > 0 && len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
					t.Fatalf("duplicates for count %d: %v", count, got)
				}
				if count >= int64(size) && !slices.Equal(got, setMembers(s)) {
					t.Fatal("whole set not in Range order")
				}
			}
		}
	}
}

func TestSetPopMembers(t *testing.T) {
	lim := defLimits()
	r := newRand(3)
	for _, tc := range []struct {
		members []string
		count   int64
		enc     Encoding // encoding of the survivors
	}{
		{[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, 3, EncIntset},   // one by one
		{[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, 9, EncIntset},   // survivors moved
		{[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, 10, EncIntset},  // everything
		{[]string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, 100, EncIntset}, // everything
		{[]string{"a", "b", "c", "d", "e", "f", "g"}, 2, EncHashtable},
		{[]string{"a", "b", "c", "d", "e", "f", "g"}, 6, EncHashtable},
	} {
		s := newSetOf(lim, tc.members...)
		before := sortedMembers(s)
		var popped []string
		s.PopMembers(lim, r, tc.count, func(m []byte) { popped = append(popped, string(m)) })
		if int64(len(popped)) != min(tc.count, int64(len(tc.members))) {
			t.Fatalf("popped %d", len(popped))
		}
		all := append(slices.Clone(popped), setMembers(s)...)
		slices.Sort(all)
		if !slices.Equal(all, before) {
			t.Fatalf("popped+left %v != %v", all, before)
		}
		if s.Len() > 0 && s.Encoding() != tc.enc {
			t.Fatalf("encoding %v want %v", s.Encoding(), tc.enc)
		}
		checkSet(t, s)
	}
	// Survivors of a hashtable set that are all integers make an intset,
	// as in Redis (SPOP with count rebuilds the set).
	for i := 0; i < 20; i++ {
		s := newSetOf(lim, "1", "2", "3", "4", "5", "6", "x")
		s.PopMembers(lim, r, 6, func([]byte) {})
		want := EncIntset
		if s.IsMember([]byte("x")) {
			want = EncHashtable
		}
		if s.Encoding() != want {
			t.Fatalf("survivor set %v encoding %v", setMembers(s), s.Encoding())
		}
	}
	// The popped members of an intset come back ascending in that case.
	s := newSetOf(lim, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10")
	var popped []int
	s.PopMembers(lim, r, 9, func(m []byte) { v, _ := strconv.Atoi(string(m)); popped = append(popped, v) })
	if !slices.IsSorted(popped) {
		t.Fatalf("not ascending: %v", popped)
	}
}

func TestSetAlgebra(t *testing.T) {
	lim := defLimits()
	a := newSetOf(lim, "1", "2", "3", "4", "x")
	b := newSetOf(lim, "4", "3", "2", "1", "0")
	c := newSetOf(lim, "3", "4", "5")
	var inter []string
	SetInter([]*Set{a, b, c}, func(m []byte) { inter = append(inter, string(m)) })
	// c is the smallest and an intset: ascending order.
	if !slices.Equal(inter, []string{"3", "4"}) {
		t.Fatalf("inter %v", inter)
	}
	if SetInterCard([]*Set{a, b}, 0) != 4 || SetInterCard([]*Set{a, b}, 2) != 2 {
		t.Fatal("intercard")
	}
	if SetInterCard([]*Set{a, nil}, 0) != 0 {
		t.Fatal("missing key must empty the intersection")
	}
	// Equal sizes: the first given is iterated.
	inter = nil
	SetInter([]*Set{b, a}, func(m []byte) { inter = append(inter, string(m)) })
	if !slices.Equal(inter, []string{"1", "2", "3", "4"}) {
		t.Fatalf("inter b,a %v", inter)
	}
	st := SetInterStore(lim, []*Set{a, b})
	if st.Encoding() != EncIntset || st.Len() != 4 {
		t.Fatalf("interstore %v %v", st.Encoding(), setMembers(st))
	}
	u := SetUnion(lim, []*Set{b, nil, c})
	if u.Encoding() != EncIntset || !slices.Equal(setMembers(u), []string{"0", "1", "2", "3", "4", "5"}) {
		t.Fatalf("union %v %v", u.Encoding(), setMembers(u))
	}
	d := SetDiff(lim, []*Set{a, c})
	if d.Encoding() != EncHashtable || !slices.Equal(sortedMembers(d), []string{"1", "2", "x"}) {
		t.Fatalf("diff %v %v", d.Encoding(), sortedMembers(d))
	}
	// Algorithm choice is visible through the encoding (checked against
	// redis-server 7.0): the second algorithm copies the whole first set.
	big := newSetOf(lim, "x", "1", "2", "3", "4", "5", "6", "7", "8", "9")
	d = SetDiff(lim, []*Set{big, newSetOf(lim, "x"), newSetOf(lim, "9")})
	if d.Encoding() != EncHashtable || d.Len() != 8 {
		t.Fatalf("diff algo 2: %v %v", d.Encoding(), setMembers(d))
	}
	d = SetDiff(lim, []*Set{big, newSetOf(lim, "x")})
	if d.Encoding() != EncIntset || d.Len() != 9 {
		t.Fatalf("diff algo 1: %v %v", d.Encoding(), setMembers(d))
	}
	if SetDiff(lim, []*Set{nil, a}).Len() != 0 || SetDiff(lim, []*Set{a, a}).Len() != 0 {
		t.Fatal("diff edge cases")
	}
}

func TestSetAlgebraModel(t *testing.T) {
	r := newRand(11)
	lim := smallLimits()
	for round := 0; round < 300; round++ {
		n := 1 + r.IntN(4)
		sets := make([]*Set, n)
		models := make([]map[string]bool, n)
		for i := range sets {
			if r.IntN(8) == 0 {
				models[i] = map[string]bool{}
				continue // missing key
			}
			sets[i] = NewSet()
			models[i] = map[string]bool{}
			for k := r.IntN(15); k > 0; k-- {
				m := strconv.Itoa(r.IntN(20))
				if r.IntN(4) == 0 {
					m = "s" + m
				}
				sets[i].Add(lim, []byte(m))
				models[i][m] = true
			}
		}
		var inter, union, diff []string
		for m := range models[0] {
			in, out := true, true
			for _, o := range models[1:] {
				in = in && o[m]
				out = out && !o[m]
			}
			if in {
				inter = append(inter, m)
			}
			if out {
				diff = append(diff, m)
			}
		}
		for _, mm := range models {
			for m := range mm {
				if !slices.Contains(union, m) {
					union = append(union, m)
				}
			}
		}
		slices.Sort(inter)
		slices.Sort(union)
		slices.Sort(diff)
		var got []string
		SetInter(sets, func(m []byte) { got = append(got, string(m)) })
		slices.Sort(got)
		if !slices.Equal(got, inter) {
			t.Fatalf("round %d inter %v want %v", round, got, inter)
		}
		if g := sortedMembers(SetUnion(lim, sets)); !slices.Equal(g, union) && !(len(g) == 0 && len(union) == 0) {
			t.Fatalf("round %d union %v want %v", round, g, union)
		}
		if g := sortedMembers(SetDiff(lim, sets)); !slices.Equal(g, diff) && !(len(g) == 0 && len(diff) == 0) {
			t.Fatalf("round %d diff %v want %v", round, g, diff)
		}
	}
}

func TestSetScanAndMem(t *testing.T) {
	lim := defLimits()
	s := NewSet()
	for i := 0; i < 100; i++ {
		s.Add(lim, []byte(strconv.Itoa(i)))
	}
	n := 0
	if c := s.Scan(99, func([]byte) { n++ }); c != 0 || n != 100 {
		t.Fatal("intset scan must return everything with cursor 0")
	}
	// Every member fits 16 bits: 2 bytes each, as in Redis's intset.
	if m := s.MemUsage(); m < 200 || m > 300 {
		t.Fatalf("intset mem %d", m)
	}
	for i := 0; i < 1000; i++ {
		s.Add(lim, fmt.Appendf(nil, "member:%d", i))
	}
	seen := map[string]bool{}
	c := uint64(0)
	for {
		c = s.Scan(c, func(m []byte) { seen[string(m)] = true })
		if c == 0 {
			break
		}
	}
	if len(seen) != s.Len() {
		t.Fatalf("scan saw %d of %d", len(seen), s.Len())
	}
	checkSet(t, s)
	if m := s.MemUsage(); m < 1100*40 || m > 1100*80 {
		t.Fatalf("hashtable set mem %d", m)
	}
}
