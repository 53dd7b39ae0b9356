package commands

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortPartialMatchesFullSort checks that the partial quicksort leaves
// in lo..hi exactly what a full sort puts there, for a total order (where
// the result is unique) over many sizes and ranges.
func TestSortPartialMatchesFullSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cmp := func(a, b *sortItem) int {
		switch {
		case a.score < b.score:
			return -1
		case a.score > b.score:
			return 1
		}
		return bytes.Compare(a.elem, b.elem)
	}
	for iter := 0; iter < 3000; iter++ {
		n := 1 + r.IntN(120)
		v := make([]sortItem, n)
		for i := range v {
			v[i] = sortItem{elem: []byte(fmt.Sprint(r.IntN(50))), score: float64(r.IntN(10))}
		}
		full := slices.Clone(v)
		slices.SortStableFunc(full, func(a, b sortItem) int { return cmp(&a, &b) })
		lo := r.IntN(n)
		hi := lo + r.IntN(n-lo)
		order := make([]int32, n)
		for i := range order {
			order[i] = int32(i)
		}
		sortPartial(order, lo, hi, func(a, b int32) int { return cmp(&v[a], &v[b]) })
		for i := lo; i <= hi; i++ {
			got := &v[order[i]]
			if cmp(got, &full[i]) != 0 {
				t.Fatalf("n=%d range %d..%d: position %d holds %s/%g, want %s/%g",
					n, lo, hi, i, got.elem, got.score, full[i].elem, full[i].score)
			}
		}
	}
}

// TestSortParseScore checks the strtod rules SORT applies to weights.
func TestSortParseScore(t *testing.T) {
	for _, c := range []struct {
		in string
		v  float64
		ok bool
	}{
		{"1", 1, true}, {" 5", 5, true}, {"\t7", 7, true}, {"5 ", 0, false}, {"", 0, true},
		{"   ", 0, false}, {"0x10", 16, true}, {"1e", 0, false}, {"nan", 0, false},
		{".5", 0.5, true}, {"5.", 5, true}, {"+.5e1", 5, true}, {"1_0", 0, false},
		{"3\x00abc", 3, true}, {"\x00", 0, true}, {"inf", math.Inf(1), true},
		{"-INFINITY", math.Inf(-1), true}, {"infin", 0, false}, {"1e400", 0, false},
		{"-1e400", 0, false}, {"1e-400", 0, false}, {"0e-400", 0, true},
		{"1e-310", 0, false}, {"0x1p-1074", 0x1p-1074, true}, {"0x1.8p-1070", 0x1.8p-1070, true},
		{"2.2250738585072014e-308", 2.2250738585072014e-308, true},
		{"2.2250738585072011e-308", 0, false}, {"0x0p-5000", 0, true}, {"0x", 0, false},
	} {
		v, ok := sortParseScore([]byte(c.in))
		if ok != c.ok || ok && v != c.v {
			t.Errorf("sortParseScore(%q) = %g, %v; want %g, %v", c.in, v, ok, c.v, c.ok)
		}
	}
}
