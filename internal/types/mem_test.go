package types

import (
	"fmt"
	"runtime"
	"testing"
)

func TestMemRoundClass(t *testing.T) {
	for _, tc := range []struct{ in, out int }{
		{1, 8}, {8, 8}, {9, 16}, {17, 24}, {33, 48}, {1025, 1152}, {32768, 32768}, {32769, 40960},
	} {
		if got := memRoundClass(tc.in); got != tc.out {
			t.Errorf("memRoundClass(%d) = %d, want %d", tc.in, got, tc.out)
		}
	}
	if memBytes(5) != 5 || memPtrs(600) != 640 {
		t.Error("tiny or header rule")
	}
}

// heapGrowth measures live heap bytes retained by build's result.
func heapGrowth(build func() any) (int64, any) {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&b)
	return int64(b.HeapAlloc) - int64(a.HeapAlloc), v
}

// TestMemUsageMatchesHeap compares MemUsage with what the Go heap really
// retains for structures of every encoding, allowing 10% either way.
func TestMemUsageMatchesHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	lim := defLimits()
	cases := []struct {
		name  string
		build func() (any, int64)
	}{
		{"hash listpack x5000", func() (any, int64) {
			hs := make([]*Hash, 5000)
			var m int64
			for i := range hs {
				hs[i] = NewHash()
				for j := 0; j < 20; j++ {
					hs[i].Set(lim, fmt.Appendf(nil, "field:%d", j), fmt.Appendf(nil, "value:%d", i))
				}
				m += hs[i].MemUsage()
			}
			return hs, m
		}},
		{"hash hashtable 100k", func() (any, int64) {
			h := NewHash()
			for j := 0; j < 100000; j++ {
				h.Set(lim, fmt.Appendf(nil, "field:%d", j), fmt.Appendf(nil, "value:%d", j))
			}
			return h, h.MemUsage()
		}},
		{"set intset x5000", func() (any, int64) {
			ss := make([]*Set, 5000)
			var m int64
			for i := range ss {
				ss[i] = NewSet()
				for j := 0; j < 50; j++ {
					ss[i].Add(lim, fmt.Appendf(nil, "%d", j*7))
				}
				m += ss[i].MemUsage()
			}
			return ss, m
		}},
		{"set hashtable 100k", func() (any, int64) {
			s := NewSet()
			for j := 0; j < 100000; j++ {
				s.Add(lim, fmt.Appendf(nil, "member:%d", j))
			}
			return s, s.MemUsage()
		}},
		{"zset listpack x5000", func() (any, int64) {
			zs := make([]*ZSet, 5000)
			var m int64
			for i := range zs {
				zs[i] = NewZSet()
				for j := 0; j < 20; j++ {
					zs[i].Add(lim, float64(j*31%17), fmt.Appendf(nil, "member:%d", j), 0)
				}
				m += zs[i].MemUsage()
			}
			return zs, m
		}},
		{"zset skiplist 100k", func() (any, int64) {
			z := NewZSet()
			for j := 0; j < 100000; j++ {
				z.Add(lim, float64(j*7919%100003), fmt.Appendf(nil, "member:%d", j), 0)
			}
			return z, z.MemUsage()
		}},
		{"list 1M", func() (any, int64) {
			l := NewList(-2)
			for j := 0; j < 1000000; j++ {
				l.PushBack(fmt.Appendf(nil, "item:%d", j))
			}
			return l, l.MemUsage()
		}},
		{"lists x20000", func() (any, int64) {
			ls := make([]*List, 20000)
			var m int64
			for i := range ls {
				ls[i] = NewList(-2)
				for j := 0; j < 5; j++ {
					ls[i].PushFront(fmt.Appendf(nil, "item:%d", j))
				}
				m += ls[i].MemUsage()
			}
			return ls, m
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var est int64
			real, v := heapGrowth(func() any {
				x, m := tc.build()
				est = m
				return x
			})
			runtime.KeepAlive(v)
			ratio := float64(est) / float64(real)
			t.Logf("estimated %d, heap %d, ratio %.3f", est, real, ratio)
			if ratio < 0.9 || ratio > 1.1 {
				t.Errorf("MemUsage off: estimated %d, heap grew %d (ratio %.2f)", est, real, ratio)
			}
		})
	}
}
