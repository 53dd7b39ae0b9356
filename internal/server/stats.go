package server

import (
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// stats are the server-wide counters of INFO. Fields are guarded by the
// server lock except the atomics, which connection goroutines bump.
type stats struct {
	connections   int64
	rejectedConns int64
	commands      int64
	errorReplies  int64
	errorCodes    map[string]int64

	netIn, netOut atomic.Int64
	reads, writes atomic.Int64

	// Sampling for the instantaneous_* fields: a ring of per-interval rates.
	samples      [3]sampleRing
	lastSampleAt time.Time
	lastCommands int64
	lastNetIn    int64
	lastNetOut   int64

	peakMemory int64
}

const sampleCount = 16

type sampleRing struct {
	vals [sampleCount]float64
	idx  int
}

func (r *sampleRing) add(v float64) {
	r.vals[r.idx%sampleCount] = v
	r.idx++
}

func (r *sampleRing) avg() float64 {
	n := r.idx
	if n > sampleCount {
		n = sampleCount
	}
	if n == 0 {
		return 0
	}
	sum := 0.0
	for i := 0; i < n; i++ {
		sum += r.vals[i]
	}
	return sum / float64(n)
}

// sampleStats records the rates INFO reports as instantaneous, once per
// cron tick as Redis does (it averages the last 16 samples).
func (s *Server) sampleStats(now time.Time) {
	st := &s.stats
	if st.lastSampleAt.IsZero() {
		st.lastSampleAt = now
		st.lastCommands = st.commands
		st.lastNetIn, st.lastNetOut = st.netIn.Load(), st.netOut.Load()
		return
	}
	dt := now.Sub(st.lastSampleAt).Seconds()
	if dt < 0.1 {
		return
	}
	in, out := st.netIn.Load(), st.netOut.Load()
	st.samples[0].add(float64(st.commands-st.lastCommands) / dt)
	st.samples[1].add(float64(in-st.lastNetIn) / dt / 1024)
	st.samples[2].add(float64(out-st.lastNetOut) / dt / 1024)
	st.lastSampleAt, st.lastCommands, st.lastNetIn, st.lastNetOut = now, st.commands, in, out
	if m := s.usedMemory(); m > st.peakMemory {
		st.peakMemory = m
	}
}

// memSnapshot holds the Go runtime's view of the heap.
type memSnapshot struct {
	heapObjects  int64 // bytes in live and not yet swept objects
	heapInUse    int64 // bytes in in-use spans
	heapResident int64 // heap plus stacks, excluding memory returned to the OS
	goroutines   int64
	gcCycles     int64
}

func readRuntimeMemory() memSnapshot {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/os-stacks:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
		{Name: "/sched/goroutines:goroutines"},
		{Name: "/gc/cycles/total:gc-cycles"},
	}
	metrics.Read(samples)
	get := func(i int) int64 {
		if samples[i].Value.Kind() == metrics.KindUint64 {
			return int64(samples[i].Value.Uint64())
		}
		return 0
	}
	objects := get(0)
	inUse := objects + get(1)
	return memSnapshot{
		heapObjects:  objects,
		heapInUse:    inUse,
		heapResident: inUse + get(2) + get(3) + get(4),
		goroutines:   get(5),
		gcCycles:     get(6),
	}
}

// rssBytes reads the resident set size from /proc, as Redis does.
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// totalSystemMemory reads MemTotal from /proc/meminfo.
func totalSystemMemory() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "MemTotal:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// cpuTimes returns user and system CPU seconds of the process.
func cpuTimes() (user, sys float64) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime), tv(ru.Stime)
}

// clientsMemory is what client buffers hold: query and reply buffers.
func (s *Server) clientsMemory() int64 {
	var n int64
	for _, c := range s.clients {
		n += c.rbufCap.Load() + int64(cap(c.out.Bytes())) + clientStructSize
	}
	return n
}

// clientStructSize approximates one client's fixed footprint: the struct,
// its goroutine stack and its context.
const clientStructSize = 8 << 10

// usedMemory is INFO's used_memory: what the server accounts for keys and
// values, plus client buffers, plus the footprint measured at start-up.
func (s *Server) usedMemory() int64 {
	return s.startupMemory + s.ks.UsedMemory() + s.clientsMemory()
}
