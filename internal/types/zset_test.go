package types

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

type zel struct {
	m string
	s float64
}

// zmodel is a naive sorted set: a slice kept sorted by (score, member).
type zmodel []zel

func (zm zmodel) find(m string) int {
	for i, e := range zm {
		if e.m == m {
			return i
		}
	}
	return -1
}

func (zm *zmodel) put(m string, s float64) {
	if i := zm.find(m); i >= 0 {
		*zm = slices.Delete(*zm, i, i+1)
	}
	*zm = append(*zm, zel{m, s})
	slices.SortFunc(*zm, func(a, b zel) int {
		if zslBefore(a.s, a.m, b.s, b.m) {
			return -1
		}
		return 1
	})
}

func zsetElems(z *ZSet) []zel {
	var out []zel
	z.Range(func(m []byte, s float64) bool { out = append(out, zel{string(m), s}); return true })
	return out
}

func collect(fn func(func([]byte, float64) bool)) []zel {
	var out []zel
	fn(func(m []byte, s float64) bool { out = append(out, zel{string(m), s}); return true })
	return out
}

func eqZ(a, b []zel) bool {
	return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b))
}

// modelAdd is zsetAdd written out naively.
func modelAdd(zm *zmodel, score float64, m string, f ZAddFlags) (ZAddResult, float64) {
	if math.IsNaN(score) {
		return ZAddNaN, 0
	}
	i := zm.find(m)
	if i < 0 {
		if f&ZAddXX != 0 {
			return ZAddNop, 0
		}
		zm.put(m, score)
		return ZAddAdded, score
	}
	if f&ZAddNX != 0 {
		return ZAddNop, 0
	}
	cur := (*zm)[i].s
	if f&ZAddIncr != 0 {
		score += cur
		if math.IsNaN(score) {
			return ZAddNaN, 0
		}
	}
	if (f&ZAddLT != 0 && score >= cur) || (f&ZAddGT != 0 && score <= cur) {
		return ZAddNop, 0
	}
	if score == cur {
		return ZAddUnchanged, score
	}
	zm.put(m, score)
	return ZAddUpdated, score
}

var testScores = []float64{math.Inf(-1), -3.5, -1, 0, 0, 1, 1, 2, 2.5, 7, 100, math.Inf(1)}

func randScoreRange(r interface{ IntN(int) int }) ScoreRange {
	a := testScores[r.IntN(len(testScores))]
	b := testScores[r.IntN(len(testScores))]
	if r.IntN(4) != 0 && a > b {
		a, b = b, a
	}
	return ScoreRange{Min: a, Max: b, MinEx: r.IntN(3) == 0, MaxEx: r.IntN(3) == 0}
}

func randLexRange(r interface{ IntN(int) int }) LexRange {
	bound := func() LexBound {
		switch r.IntN(8) {
		case 0:
			return LexBound{Inf: -1}
		case 1:
			return LexBound{Inf: 1}
		}
		return LexBound{Value: fmt.Appendf(nil, "m%d", r.IntN(30)), Ex: r.IntN(2) == 0}
	}
	lr := LexRange{Min: bound(), Max: bound()}
	if r.IntN(4) != 0 && lr.Min.Inf == 0 && lr.Max.Inf == 0 && bytes.Compare(lr.Min.Value, lr.Max.Value) > 0 {
		lr.Min, lr.Max = lr.Max, lr.Min
	}
	return lr
}

func modelFilter(zm zmodel, in func(zel) bool, reverse bool, offset, limit int64) []zel {
	var all []zel
	for _, e := range zm {
		if in(e) {
			all = append(all, e)
		}
	}
	if reverse {
		slices.Reverse(all)
	}
	if offset < 0 || offset >= int64(len(all)) {
		return nil
	}
	all = all[offset:]
	if limit >= 0 && limit < int64(len(all)) {
		all = all[:limit]
	}
	return all
}

func TestZSetModel(t *testing.T) {
	for seed := uint64(1); seed <= 16; seed++ {
		lexMode := seed%4 == 0 // all scores equal: lex ranges are meaningful
		r := newRand(seed)
		lim := smallLimits()
		if seed%3 == 0 {
			lim = defLimits() // mostly listpack
		}
		z := NewZSet()
		var zm zmodel
		converted := false
		for step := 0; step < 4000; step++ {
			m := randMember(r, 30)
			if lexMode && r.IntN(10) > 1 {
				m = fmt.Appendf(nil, "m%d", r.IntN(30))
			}
			score := testScores[r.IntN(len(testScores))]
			if lexMode {
				score = 0
			}
			switch op := r.IntN(20); op {
			case 0, 1, 2, 3, 4, 5:
				flags := []ZAddFlags{0, 0, ZAddNX, ZAddXX, ZAddGT, ZAddLT, ZAddIncr, ZAddIncr | ZAddXX,
					ZAddIncr | ZAddGT, ZAddXX | ZAddLT, ZAddIncr | ZAddNX}[r.IntN(11)]
				if lexMode {
					flags &^= ZAddIncr
				}
				wasNew := zm.find(string(m)) < 0
				n := len(zm)
				res, ns := z.Add(lim, score, m, flags)
				mres, mns := modelAdd(&zm, score, string(m), flags)
				if res != mres || (res != ZAddNop && res != ZAddNaN && ns != mns) {
					t.Fatalf("seed %d step %d: Add(%v,%q,%b) = %v %v, model %v %v", seed, step, score, m, flags, res, ns, mres, mns)
				}
				if wasNew && res == ZAddAdded && (n+1 > int(lim.ZsetMaxListpackEntries) || int64(len(m)) > lim.ZsetMaxListpackValue) {
					converted = true
				}
			case 6, 7:
				ok := z.Delete(m)
				i := zm.find(string(m))
				if ok != (i >= 0) {
					t.Fatalf("Delete %q", m)
				}
				if i >= 0 {
					zm = slices.Delete(zm, i, i+1)
				}
			case 8:
				s, ok := z.Score(m)
				i := zm.find(string(m))
				if ok != (i >= 0) || (ok && s != zm[i].s) {
					t.Fatalf("Score %q", m)
				}
				rev := r.IntN(2) == 0
				rk, s2, ok := z.Rank(m, rev)
				want := i
				if rev {
					want = len(zm) - 1 - i
				}
				if ok != (i >= 0) || (ok && (rk != want || s2 != s)) {
					t.Fatalf("seed %d step %d: Rank %q rev=%v = %d, want %d", seed, step, m, rev, rk, want)
				}
			case 9:
				start, stop := int64(r.IntN(20)-10), int64(r.IntN(20)-10)
				rev := r.IntN(2) == 0
				got := collect(func(f func([]byte, float64) bool) { z.RangeByRank(start, stop, rev, f) })
				all := slices.Clone(zm)
				if rev {
					slices.Reverse(all)
				}
				var want []zel
				if s, e, ok := NormalizeRange(start, stop, len(all)); ok {
					want = all[s : e+1]
				}
				if !eqZ(got, want) {
					t.Fatalf("RangeByRank(%d,%d,%v) = %v want %v", start, stop, rev, got, want)
				}
			case 10, 11:
				if lexMode {
					lr := randLexRange(r)
					rev := r.IntN(2) == 0
					off, lmt := int64(r.IntN(4)-1), int64(r.IntN(6)-1)
					if r.IntN(2) == 0 {
						off, lmt = 0, -1
					}
					got := collect(func(f func([]byte, float64) bool) { z.RangeByLex(lr, rev, off, lmt, f) })
					in := func(e zel) bool { return lr.gteMin([]byte(e.m)) && lr.lteMax([]byte(e.m)) }
					want := modelFilter(zm, in, rev, off, lmt)
					if !eqZ(got, want) {
						t.Fatalf("seed %d step %d: RangeByLex(%+v,%v,%d,%d) = %v want %v", seed, step, lr, rev, off, lmt, got, want)
					}
					if c, w := z.CountByLex(lr), len(modelFilter(zm, in, false, 0, -1)); c != w {
						t.Fatalf("CountByLex = %d want %d", c, w)
					}
					break
				}
				sr := randScoreRange(r)
				rev := r.IntN(2) == 0
				off, lmt := int64(r.IntN(4)-1), int64(r.IntN(6)-1)
				if r.IntN(2) == 0 {
					off, lmt = 0, -1
				}
				got := collect(func(f func([]byte, float64) bool) { z.RangeByScore(sr, rev, off, lmt, f) })
				in := func(e zel) bool { return sr.gteMin(e.s) && sr.lteMax(e.s) }
				want := modelFilter(zm, in, rev, off, lmt)
				if !eqZ(got, want) {
					t.Fatalf("seed %d step %d: RangeByScore(%+v,%v,%d,%d) = %v want %v", seed, step, sr, rev, off, lmt, got, want)
				}
				if c, w := z.CountByScore(sr), len(modelFilter(zm, in, false, 0, -1)); c != w {
					t.Fatalf("CountByScore = %d want %d", c, w)
				}
			case 12:
				if r.IntN(4) != 0 {
					break
				}
				switch r.IntN(3) {
				case 0:
					start, stop := int64(r.IntN(10)-5), int64(r.IntN(10)-5)
					n := z.DeleteRangeByRank(start, stop)
					want := 0
					if s, e, ok := NormalizeRange(start, stop, len(zm)); ok {
						want = e - s + 1
						zm = slices.Delete(zm, s, e+1)
					}
					if n != want {
						t.Fatalf("DeleteRangeByRank = %d want %d", n, want)
					}
				case 1:
					if lexMode {
						lr := randLexRange(r)
						n := z.DeleteRangeByLex(lr)
						before := len(zm)
						zm = slices.DeleteFunc(zm, func(e zel) bool { return lr.gteMin([]byte(e.m)) && lr.lteMax([]byte(e.m)) })
						if n != before-len(zm) {
							t.Fatalf("DeleteRangeByLex = %d want %d", n, before-len(zm))
						}
						break
					}
					fallthrough
				default:
					sr := randScoreRange(r)
					n := z.DeleteRangeByScore(sr)
					before := len(zm)
					zm = slices.DeleteFunc(zm, func(e zel) bool { return sr.gteMin(e.s) && sr.lteMax(e.s) })
					if n != before-len(zm) {
						t.Fatalf("DeleteRangeByScore(%+v) = %d want %d", sr, n, before-len(zm))
					}
				}
			case 13:
				maxSide := r.IntN(2) == 0
				cnt := r.IntN(3)
				var got []zel
				z.Pop(maxSide, cnt, func(m []byte, s float64) { got = append(got, zel{string(m), s}) })
				var want []zel
				for ; cnt > 0 && len(zm) > 0; cnt-- {
					i := 0
					if maxSide {
						i = len(zm) - 1
					}
					want = append(want, zm[i])
					zm = slices.Delete(zm, i, i+1)
				}
				if !eqZ(got, want) {
					t.Fatalf("Pop = %v want %v", got, want)
				}
			default:
				// More adds keep the set populated.
				res, _ := z.Add(lim, score, m, 0)
				mres, _ := modelAdd(&zm, score, string(m), 0)
				if res != mres {
					t.Fatalf("Add")
				}
				if res == ZAddAdded && (len(zm) > int(lim.ZsetMaxListpackEntries) || int64(len(m)) > lim.ZsetMaxListpackValue) {
					converted = true
				}
			}
			if z.Len() != len(zm) {
				t.Fatalf("seed %d step %d: Len %d model %d", seed, step, z.Len(), len(zm))
			}
			want := EncListpack
			if converted {
				want = EncSkiplist
			}
			if z.Encoding() != want {
				t.Fatalf("seed %d step %d: encoding %v want %v", seed, step, z.Encoding(), want)
			}
			if step%40 == 0 {
				checkZSet(t, z)
				if got := zsetElems(z); !eqZ(got, zm) {
					t.Fatalf("seed %d step %d: contents %v model %v", seed, step, got, zm)
				}
				c := z.Copy()
				checkZSet(t, c)
				if !eqZ(zsetElems(c), zm) || c.Encoding() != z.Encoding() {
					t.Fatal("Copy differs")
				}
			}
		}
	}
}

func TestZAddNaNAndInf(t *testing.T) {
	for _, enc := range []Encoding{EncListpack, EncSkiplist} {
		z := NewZSet()
		if enc == EncSkiplist {
			z.convert()
		}
		lim := defLimits()
		if res, _ := z.Add(lim, math.NaN(), []byte("a"), 0); res != ZAddNaN {
			t.Fatal("NaN score accepted")
		}
		z.Add(lim, math.Inf(1), []byte("a"), 0)
		if res, _ := z.Add(lim, math.Inf(-1), []byte("a"), ZAddIncr); res != ZAddNaN {
			t.Fatalf("%v: inf + -inf must be NaN, got %v", enc, res)
		}
		if s, _ := z.Score([]byte("a")); !math.IsInf(s, 1) {
			t.Fatal("score changed by failed INCR")
		}
		if res, s := z.Add(lim, 5, []byte("a"), ZAddIncr); res != ZAddUnchanged || !math.IsInf(s, 1) {
			t.Fatalf("inf+5 = %v %v", res, s)
		}
		if res, _ := z.Add(lim, 1, []byte("b"), ZAddXX|ZAddIncr); res != ZAddNop || z.Len() != 1 {
			t.Fatal("XX on a missing member must not add")
		}
		if res, _ := z.Add(lim, 1, []byte("a"), ZAddNX|ZAddIncr); res != ZAddNop {
			t.Fatal("NX on an existing member must be a no-op")
		}
	}
}

// TestZSetNegativeZero checks what redis-server 7.0 does with -0: a
// listpack stores 0, a skiplist keeps -0, and 0 vs -0 is no update.
func TestZSetNegativeZero(t *testing.T) {
	lim := defLimits()
	z := NewZSet()
	z.Add(lim, math.Copysign(0, -1), []byte("a"), 0)
	if s, _ := z.Score([]byte("a")); math.Signbit(s) {
		t.Fatal("listpack kept -0")
	}
	z2 := NewZSet()
	z2.convert()
	z2.Add(lim, math.Copysign(0, -1), []byte("a"), 0)
	if s, _ := z2.Score([]byte("a")); !math.Signbit(s) {
		t.Fatal("skiplist lost -0")
	}
	if res, s := z2.Add(lim, 0, []byte("a"), ZAddIncr); res != ZAddUnchanged || math.Signbit(s) {
		t.Fatalf("-0 + 0: %v %v", res, s)
	}
	if s, _ := z2.Score([]byte("a")); !math.Signbit(s) {
		t.Fatal("-0 replaced by 0 although equal")
	}
	// Members converted from a listpack carry the normalized score.
	lim.ZsetMaxListpackEntries = 1
	z3 := NewZSet()
	z3.Add(lim, math.Copysign(0, -1), []byte("a"), 0)
	z3.Add(lim, math.Copysign(0, -1), []byte("b"), 0)
	sa, _ := z3.Score([]byte("a"))
	sb, _ := z3.Score([]byte("b"))
	if z3.Encoding() != EncSkiplist || math.Signbit(sa) || !math.Signbit(sb) {
		t.Fatalf("after conversion: %v %v %v", z3.Encoding(), sa, sb)
	}
}

func TestZSetConversion(t *testing.T) {
	lim := defLimits()
	lim.ZsetMaxListpackEntries = 3
	z := NewZSet()
	for i, m := range []string{"a", "b", "c"} {
		z.Add(lim, float64(i), []byte(m), 0)
	}
	z.Add(lim, 9, []byte("c"), 0) // update: no conversion
	if z.Encoding() != EncListpack {
		t.Fatal("converted too early")
	}
	z.Add(lim, 1, []byte("d"), 0)
	if z.Encoding() != EncSkiplist {
		t.Fatal("did not convert on the 4th member")
	}
	z.Delete([]byte("a"))
	z.Delete([]byte("b"))
	if z.Encoding() != EncSkiplist {
		t.Fatal("converted back")
	}
	z2 := NewZSet()
	z2.Add(lim, 1, []byte(strings.Repeat("x", 65)), 0)
	if z2.Encoding() != EncSkiplist {
		t.Fatal("long member did not convert")
	}
	z3 := NewZSet()
	z3.Add(lim, 1, []byte(strings.Repeat("x", 64)), 0)
	if z3.Encoding() != EncListpack {
		t.Fatal("64-byte member converted")
	}
	lim.ZsetMaxListpackEntries = 0
	z4 := NewZSet()
	z4.Add(lim, 1, []byte("a"), 0)
	if z4.Encoding() != EncSkiplist {
		t.Fatal("zero entry limit must give a skiplist")
	}
}

func TestNewZSetFrom(t *testing.T) {
	lim := defLimits()
	in := []ZMember{{[]byte("b"), 2}, {[]byte("a"), 2}, {[]byte("c"), 1}, {[]byte("a"), 0}}
	z := NewZSetFrom(lim, slices.Clone(in))
	want := []zel{{"a", 0}, {"c", 1}, {"b", 2}}
	if z.Encoding() != EncListpack || !eqZ(zsetElems(z), want) {
		t.Fatalf("%v %v", z.Encoding(), zsetElems(z))
	}
	lim.ZsetMaxListpackEntries = 2
	z = NewZSetFrom(lim, slices.Clone(in))
	checkZSet(t, z)
	if z.Encoding() != EncSkiplist || !eqZ(zsetElems(z), want) {
		t.Fatalf("%v %v", z.Encoding(), zsetElems(z))
	}
	var rdb []zel
	z.RDBRange(func(m []byte, s float64) bool { rdb = append(rdb, zel{string(m), s}); return true })
	slices.Reverse(rdb)
	if !eqZ(rdb, want) {
		t.Fatalf("skiplist RDB order must be descending: %v", rdb)
	}
}

func TestParseRanges(t *testing.T) {
	scoreTests := []struct {
		min, max string
		ok       bool
		r        ScoreRange
	}{
		{"1", "2", true, ScoreRange{Min: 1, Max: 2}},
		{"(1", "(2", true, ScoreRange{Min: 1, Max: 2, MinEx: true, MaxEx: true}},
		{"-inf", "+inf", true, ScoreRange{Min: math.Inf(-1), Max: math.Inf(1)}},
		{"", "(", true, ScoreRange{MaxEx: true}},
		{" 1", "0x10", true, ScoreRange{Min: 1, Max: 16}},
		{"1e400", "-1e400", true, ScoreRange{Min: math.Inf(1), Max: math.Inf(-1)}},
		{"1 ", "2", false, ScoreRange{}},
		{"nan", "2", false, ScoreRange{}},
		{"(nan", "2", false, ScoreRange{}},
		{"a", "2", false, ScoreRange{}},
		{" ", "2", false, ScoreRange{}},
		{"1_0", "2", false, ScoreRange{}},
		{"((1", "2", false, ScoreRange{}},
	}
	for _, tc := range scoreTests {
		r, err := ParseScoreRange([]byte(tc.min), []byte(tc.max))
		if (err == nil) != tc.ok || (tc.ok && r != tc.r) {
			t.Errorf("ParseScoreRange(%q,%q) = %+v %v", tc.min, tc.max, r, err)
		}
	}
	lexTests := []struct {
		min, max string
		ok       bool
	}{
		{"-", "+", true}, {"[a", "(b", true}, {"[", "(", true},
		{"a", "+", false}, {"", "+", false}, {"+a", "+", false}, {"-", "--", false},
	}
	for _, tc := range lexTests {
		_, err := ParseLexRange([]byte(tc.min), []byte(tc.max))
		if (err == nil) != tc.ok {
			t.Errorf("ParseLexRange(%q,%q) err %v", tc.min, tc.max, err)
		}
	}
}

func TestZSetLexMixedScores(t *testing.T) {
	// Redis's range pre-check looks at the first and last elements, so
	// with mixed scores this range is empty (verified on redis-server).
	for _, enc := range []Encoding{EncListpack, EncSkiplist} {
		lim := defLimits()
		z := NewZSet()
		if enc == EncSkiplist {
			z.convert()
		}
		for _, e := range []zel{{"b", 1}, {"c", 0}, {"a", 2}, {"d", 1}} {
			z.Add(lim, e.s, []byte(e.m), 0)
		}
		lr, _ := ParseLexRange([]byte("[b"), []byte("+"))
		if got := collect(func(f func([]byte, float64) bool) { z.RangeByLex(lr, false, 0, -1, f) }); len(got) != 0 {
			t.Fatalf("%v: got %v", enc, got)
		}
		if z.CountByLex(lr) != 0 {
			t.Fatal("count")
		}
	}
}

func TestZSetRandomMembers(t *testing.T) {
	lim := defLimits()
	for _, size := range []int{10, 300} {
		var in []ZMember
		for i := 0; i < size; i++ {
			in = append(in, ZMember{fmt.Appendf(nil, "m%04d", i), float64(i)})
		}
		z := NewZSetFrom(lim, in)
		r := newRand(5)
		for _, count := range []int64{-3, -1000, 1, 2, 3, 4, int64(size) - 1, int64(size), int64(size) + 10} {
			var got []zel
			z.RandomMembers(r, count, func(m []byte, s float64) { got = append(got, zel{string(m), s}) })
			want := int(min(count, int64(size)))
			if count < 0 {
				want = int(-count)
			}
			if len(got) != want {
				t.Fatalf("count %d: %d results", count, len(got))
			}
			for _, e := range got {
				if s, ok := z.Score([]byte(e.m)); !ok || s != e.s {
					t.Fatalf("bad element %v", e)
				}
			}
			if count >= int64(size) {
				// Redis 7.0 returns the whole set from the top down.
				if !slices.IsSortedFunc(got, func(a, b zel) int { return strings.Compare(b.m, a.m) }) {
					t.Fatalf("whole set not descending: %v", got[:5])
				}
			} else if count > 1 && count*3 <= int64(size) && z.Encoding() == EncListpack {
				if !slices.IsSortedFunc(got, func(a, b zel) int { return strings.Compare(a.m, b.m) }) {
					t.Fatalf("listpack sample not ascending: %v", got)
				}
			}
		}
	}
}

func TestZSetScan(t *testing.T) {
	lim := defLimits()
	z := NewZSet()
	for i := 0; i < 1000; i++ {
		z.Add(lim, float64(i%7), fmt.Appendf(nil, "m%d", i), 0)
	}
	seen := map[string]float64{}
	c := uint64(0)
	for {
		c = z.Scan(c, func(m []byte, s float64) { seen[string(m)] = s })
		if c == 0 {
			break
		}
	}
	if len(seen) != 1000 || seen["m8"] != 1 {
		t.Fatalf("scan saw %d", len(seen))
	}
}

// TestZSetSearchIsLogarithmic counts the nodes a skiplist descent
// inspects on 100k elements: O(log n) means a few dozen, not thousands.
// (Timings are in BenchmarkZSetLogN.)
func TestZSetSearchIsLogarithmic(t *testing.T) {
	z := benchZSet(100000)
	if z.Encoding() != EncSkiplist {
		t.Fatal("expected a skiplist")
	}
	r := newRand(9)
	total, worst := 0, 0
	const probes = 2000
	for i := 0; i < probes; i++ {
		target := float64(r.IntN(100003))
		steps := 0
		z.big().zsl.firstWhere(func(x *zslNode) bool { steps++; return x.score >= target })
		rank := 1 + r.IntN(z.Len())
		if x := z.big().zsl.byRank(rank); x == nil {
			t.Fatal("byRank failed")
		}
		total += steps
		worst = max(worst, steps)
	}
	avg := float64(total) / probes
	t.Logf("level %d, average %.1f and worst %d nodes inspected per search", z.big().zsl.level, avg, worst)
	// log2(100000) ~ 17; a p=1/4 skiplist inspects about 2*log2(n) nodes.
	if avg > 60 || worst > 200 {
		t.Fatalf("search inspects too many nodes: avg %.1f worst %d", avg, worst)
	}
	// Rank and range by rank agree with a walk at a few points.
	for _, rank := range []int{1, 2, 50000, 99999, 100000} {
		x := z.big().zsl.byRank(rank)
		if got := z.big().zsl.rank(x.score, x.member); got != rank {
			t.Fatalf("rank(byRank(%d)) = %d", rank, got)
		}
	}
}
