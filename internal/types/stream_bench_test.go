package types

import (
	"strconv"
	"testing"
)

func streamBenchFields() [][]byte {
	return [][]byte{[]byte("sensor"), []byte("temperature"), []byte("value"), []byte("23.5"), []byte("unit"), []byte("C")}
}

func BenchmarkStreamAdd(b *testing.B) {
	s := NewStream()
	f := streamBenchFields()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Add(StreamAddID{Auto: true}, f, int64(i/8), streamDefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.MemUsage())/float64(s.Length()), "mem-B/entry")
}

// BenchmarkStreamAddTrim is XADD ... MAXLEN ~ 10000 in steady state.
func BenchmarkStreamAddTrim(b *testing.B) {
	s := NewStream()
	f := streamBenchFields()
	tr := StreamTrimArgs{Strategy: StreamTrimMaxLen, MaxLen: 10000, Approx: true, Limit: StreamDefaultTrimLimit(100)}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Add(StreamAddID{Auto: true}, f, int64(i), streamDefaultLimits)
		s.Trim(tr)
	}
}

func streamBenchStream(n int) *Stream {
	s := NewStream()
	f := streamBenchFields()
	for i := 1; i <= n; i++ {
		s.Add(StreamAddID{ID: StreamID{uint64(i), 0}}, f, 0, streamDefaultLimits)
	}
	return s
}

// BenchmarkStreamRange10 is XRANGE start + COUNT 10 at random points of a
// 1M-entry stream.
func BenchmarkStreamRange10(b *testing.B) {
	const n = 1_000_000
	s := streamBenchStream(n)
	b.ReportAllocs()
	got := 0
	for i := 0; b.Loop(); i++ {
		start := StreamID{uint64(i*7919%n + 1), 0}
		s.Range(start, StreamMaxID(), 10, false, func(id StreamID, f [][]byte) bool {
			got += len(f)
			return true
		})
	}
	if got == 0 {
		b.Fatal("nothing read")
	}
}

// BenchmarkStreamReadGroup is XREADGROUP COUNT 10 ">" followed by XACK of
// what was delivered, cycling through a 1M-entry stream.
func BenchmarkStreamReadGroup(b *testing.B) {
	const n = 1_000_000
	s := streamBenchStream(n)
	g := s.CreateGroup("g", StreamID{}, 0)
	c, _ := s.TouchConsumer(g, "c", 0, true)
	ids := make([]StreamID, 0, 10)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ids = ids[:0]
		s.ReadGroupNewFunc(g, c, 10, false, int64(i), func(id StreamID, _ [][]byte) {
			ids = append(ids, id)
		})
		if len(ids) == 0 {
			s.SetGroupID(g, StreamID{}, 0)
			continue
		}
		s.Ack(g, ids...)
	}
}

// BenchmarkStreamPendingGrowth is XREADGROUP COUNT 10 without acks, so
// the PEL grows: measures B-tree inserts and their memory.
func BenchmarkStreamPendingGrowth(b *testing.B) {
	s := streamBenchStream(1_000_000)
	g := s.CreateGroup("g", StreamID{}, 0)
	cs := make([]*StreamConsumer, 4)
	for i := range cs {
		cs[i], _ = s.TouchConsumer(g, "c"+strconv.Itoa(i), 0, true)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n := 0
		s.ReadGroupNewFunc(g, cs[i%4], 10, false, int64(i), func(StreamID, [][]byte) { n++ })
		if n == 0 {
			b.StopTimer()
			s.DestroyGroup("g")
			g = s.CreateGroup("g", StreamID{}, 0)
			for i := range cs {
				cs[i], _ = s.TouchConsumer(g, "c"+strconv.Itoa(i), 0, true)
			}
			b.StartTimer()
		}
	}
}
