package types

import (
	"fmt"
	"strconv"
	"testing"
)

func benchKeys(n int, prefix string) [][]byte {
	ks := make([][]byte, n)
	for i := range ks {
		ks[i] = fmt.Appendf(nil, "%s%d", prefix, i)
	}
	return ks
}

func BenchmarkHashSetSmall(b *testing.B) {
	lim := defLimits()
	ks := benchKeys(20, "field:")
	h := NewHash()
	val := []byte("value-123")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Set(lim, ks[i%len(ks)], val)
	}
}

func BenchmarkHashGetSmall(b *testing.B) {
	lim := defLimits()
	ks := benchKeys(20, "field:")
	h := NewHash()
	for _, k := range ks {
		h.Set(lim, k, []byte("value-123"))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Get(ks[i%len(ks)])
	}
}

func BenchmarkHashSetLarge(b *testing.B) {
	lim := defLimits()
	ks := benchKeys(100000, "field:")
	h := NewHash()
	val := []byte("value-123")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Set(lim, ks[i%len(ks)], val)
	}
}

func BenchmarkHashGetLarge(b *testing.B) {
	lim := defLimits()
	ks := benchKeys(100000, "field:")
	h := NewHash()
	for _, k := range ks {
		h.Set(lim, k, []byte("value-123"))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Get(ks[i%len(ks)])
	}
}

func BenchmarkSAddInts(b *testing.B) {
	lim := defLimits()
	ks := benchKeys(512, "")
	b.ReportAllocs()
	s := NewSet()
	for i := 0; b.Loop(); i++ {
		if i%len(ks) == 0 {
			s = NewSet()
		}
		s.Add(lim, ks[i%len(ks)][:len(ks[i%len(ks)])])
	}
}

func BenchmarkSAddStrings(b *testing.B) {
	lim := defLimits()
	ks := benchKeys(100000, "member:")
	s := NewSet()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Add(lim, ks[i%len(ks)])
	}
}

func BenchmarkSIsMember(b *testing.B) {
	lim := defLimits()
	ks := benchKeys(100000, "member:")
	s := NewSet()
	for _, k := range ks {
		s.Add(lim, k)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.IsMember(ks[i%len(ks)])
	}
}

func BenchmarkZAddSmall(b *testing.B) {
	lim := defLimits()
	ks := benchKeys(100, "member:")
	z := NewZSet()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		z.Add(lim, float64(i%1000), ks[i%len(ks)], 0)
	}
}

func BenchmarkZAddLarge(b *testing.B) {
	lim := defLimits()
	ks := benchKeys(100000, "member:")
	z := NewZSet()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		z.Add(lim, float64((i*7919)%100003), ks[i%len(ks)], 0)
	}
}

func benchZSet(n int) *ZSet {
	lim := defLimits()
	z := NewZSet()
	for i := 0; i < n; i++ {
		z.Add(lim, float64((i*7919)%100003), fmt.Appendf(nil, "member:%d", i), 0)
	}
	return z
}

// BenchmarkZSetLogN shows rank and range queries growing logarithmically:
// the ns/op of each query should rise by a roughly constant step per
// tenfold size increase.
func BenchmarkZSetLogN(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000, 1000000} {
		z := benchZSet(n)
		members := benchKeys(n, "member:")
		b.Run("Rank/"+strconv.Itoa(n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				z.Rank(members[(i*31)%n], false)
			}
		})
		b.Run("RangeByRank10/"+strconv.Itoa(n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				s := int64((i * 7) % (n - 10))
				z.RangeByRank(s, s+9, false, func([]byte, float64) bool { return true })
			}
		})
		b.Run("CountByScore/"+strconv.Itoa(n), func(b *testing.B) {
			r := ScoreRange{Min: 1000, Max: 50000}
			for b.Loop() {
				z.CountByScore(r)
			}
		})
		b.Run("RangeByScoreLimit/"+strconv.Itoa(n), func(b *testing.B) {
			r := ScoreRange{Min: 1000, Max: 90000}
			for b.Loop() {
				z.RangeByScore(r, false, 100, 10, func([]byte, float64) bool { return true })
			}
		})
	}
}

func BenchmarkZRange100(b *testing.B) {
	z := benchZSet(100000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s := int64((i * 7) % 99000)
		z.RangeByRank(s, s+99, false, func([]byte, float64) bool { return true })
	}
}

func BenchmarkLPushRPop(b *testing.B) {
	l := NewList(-2)
	v := []byte("some-list-element")
	for i := 0; i < 1000; i++ {
		l.PushFront(v)
	}
	b.ReportAllocs()
	for b.Loop() {
		l.PushFront(v)
		l.PopBack()
	}
}

func BenchmarkRPush(b *testing.B) {
	l := NewList(-2)
	v := []byte("some-list-element")
	b.ReportAllocs()
	for b.Loop() {
		l.PushBack(v)
	}
}

func BenchmarkLRange100(b *testing.B) {
	l := NewList(-2)
	for i := 0; i < 10000; i++ {
		l.PushBack(fmt.Appendf(nil, "element:%d", i))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s := int64((i * 97) % 9900)
		l.Range(s, s+99, func([]byte) bool { return true })
	}
}

func BenchmarkLIndexMiddle(b *testing.B) {
	l := NewList(-2)
	for i := 0; i < 100000; i++ {
		l.PushBack(fmt.Appendf(nil, "element:%d", i))
	}
	b.ReportAllocs()
	for b.Loop() {
		l.Index(50000)
	}
}
