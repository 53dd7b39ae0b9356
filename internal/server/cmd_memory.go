package server

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// MEMORY USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE. Figures come from the
// keyspace's incremental accounting and from the Go runtime, never from
// walking the data.

func (s *Server) registerMemoryCommands() {
	for name, h := range map[string]command.Handler{
		"memory|usage": s.cmdMemoryUsage, "memory|stats": s.cmdMemoryStats,
		"memory|doctor": s.cmdMemoryDoctor, "memory|malloc-stats": s.cmdMemoryMallocStats,
		"memory|purge": s.cmdMemoryPurge, "memory|help": s.cmdMemoryHelp,
	} {
		s.cmds.Register(name, h)
	}
}

func (s *Server) cmdMemoryUsage(ctx *command.Ctx) {
	args := ctx.Args
	for i := 3; i < len(args); i++ {
		if resp.EqualFold(args[i], "samples") && i+1 < len(args) {
			if _, ok := resp.ParseInt(args[i+1]); !ok {
				ctx.Error(command.ErrNotInt)
				return
			}
			// Our accounting is exact and O(1): sampling changes nothing.
			i++
			continue
		}
		ctx.SyntaxError()
		return
	}
	n := ctx.DB.KeyMemory(args[2])
	if n < 0 {
		ctx.W.Null()
		return
	}
	ctx.W.Int(n)
}

func (s *Server) cmdMemoryStats(ctx *command.Ctx) {
	used := s.usedMemory()
	if used > s.stats.peakMemory {
		s.stats.peakMemory = used
	}
	rss := rssBytes()
	rt := readRuntimeMemory()
	clients := s.clientsMemory()
	overhead := s.startupMemory + clients
	keys := int64(0)
	var dbs []int
	for i := 0; i < s.ks.NumDBs(); i++ {
		if n := s.ks.DB(i).Len(); n > 0 {
			keys += int64(n)
			dbs = append(dbs, i)
		}
	}
	dataset := used - overhead
	if dataset < 0 {
		dataset = 0
	}
	perKey := int64(0)
	if keys > 0 {
		perKey = (used - s.startupMemory) / keys
	}
	w := ctx.W
	w.MapLen(27 + len(dbs))
	kv := func(name string, v int64) {
		w.BulkString(name)
		w.Int(v)
	}
	kd := func(name string, v float64) {
		w.BulkString(name)
		w.Double(v)
	}
	kv("peak.allocated", s.stats.peakMemory)
	kv("total.allocated", used)
	kv("startup.allocated", s.startupMemory)
	kv("replication.backlog", 0)
	kv("clients.slaves", 0)
	kv("clients.normal", clients)
	kv("cluster.links", 0)
	kv("aof.buffer", 0)
	kv("lua.caches", 0)
	kv("functions.caches", 0)
	for _, i := range dbs {
		db := s.ks.DB(i)
		w.BulkString(fmt.Sprintf("db.%d", i))
		w.MapLen(3)
		kv("overhead.hashtable.main", db.TableOverhead(false))
		kv("overhead.hashtable.expires", db.TableOverhead(true))
		kv("overhead.hashtable.slot-to-keys", 0)
	}
	kv("overhead.total", overhead)
	kv("keys.count", keys)
	kv("keys.bytes-per-key", perKey)
	kv("dataset.bytes", dataset)
	kd("dataset.percentage", 100*ratio(dataset, used-s.startupMemory))
	kd("peak.percentage", 100*ratio(used, s.stats.peakMemory))
	kv("allocator.allocated", rt.heapObjects)
	kv("allocator.active", rt.heapInUse)
	kv("allocator.resident", rt.heapResident)
	kd("allocator-fragmentation.ratio", ratio(rt.heapInUse, rt.heapObjects))
	kv("allocator-fragmentation.bytes", rt.heapInUse-rt.heapObjects)
	kd("allocator.rss-ratio", ratio(rt.heapResident, rt.heapInUse))
	kv("allocator.rss-bytes", rt.heapResident-rt.heapInUse)
	kd("rss-overhead.ratio", ratio(rss, rt.heapResident))
	kv("rss-overhead.bytes", rss-rt.heapResident)
	kd("fragmentation", ratio(rss, used))
	kv("fragmentation.bytes", rss-used)
}

// cmdMemoryDoctor looks for the problems an operator can act on and
// explains them in plain words.
func (s *Server) cmdMemoryDoctor(ctx *command.Ctx) {
	used := s.usedMemory()
	rss := rssBytes()
	var keys int64
	for i := 0; i < s.ks.NumDBs(); i++ {
		keys += int64(s.ks.DB(i).Len())
	}
	var findings []string
	if used < 5<<20 {
		ctx.W.Verbatim("txt", "The dataset is very small (under 5 MB), so there is nothing meaningful to diagnose yet.\n")
		return
	}
	if max := int64(s.cfg.MaxMemory); max == 0 {
		findings = append(findings, fmt.Sprintf("No maxmemory is set: the dataset (%s) can grow until the machine runs out of memory. Set maxmemory and a maxmemory-policy suited to the data (allkeys-lru for caches, noeviction for data that must not be lost).", bytesToHuman(used)))
	} else if used > max*9/10 {
		findings = append(findings, fmt.Sprintf("Memory use (%s) is above 90%% of maxmemory (%s) with policy %s.", bytesToHuman(used), bytesToHuman(max), s.cfg.MaxMemoryPolicy))
	}
	if peak := s.stats.peakMemory; peak > used*3/2 {
		findings = append(findings, fmt.Sprintf("The peak (%s) is much higher than the current use (%s): memory freed since then may still be held by the process; MEMORY PURGE returns it to the system.", bytesToHuman(peak), bytesToHuman(used)))
	}
	if rss > 0 && float64(rss)/float64(used) > 1.5 {
		findings = append(findings, fmt.Sprintf("Resident memory (%s) is %.2f times the accounted memory (%s): the Go heap keeps room for garbage collection; MEMORY PURGE and a lower GOGC reduce it.", bytesToHuman(rss), float64(rss)/float64(used), bytesToHuman(used)))
	}
	if keys > 0 && (used-s.startupMemory)/keys > 64<<10 {
		findings = append(findings, "Keys are large on average (over 64 KB each): big values make commands and eviction slow; consider splitting them.")
	}
	if len(findings) == 0 {
		ctx.W.Verbatim("txt", "No memory problems found.\n")
		return
	}
	var b strings.Builder
	b.WriteString("Memory report:\n\n")
	for i, f := range findings {
		fmt.Fprintf(&b, " * %d. %s\n", i+1, f)
	}
	ctx.W.Verbatim("txt", b.String())
}

// cmdMemoryMallocStats reports the Go runtime's allocator figures: Go has
// no jemalloc, so these are the equivalent numbers it keeps.
func (s *Server) cmdMemoryMallocStats(ctx *command.Ctx) {
	descs := metrics.All()
	samples := make([]metrics.Sample, 0, len(descs))
	for _, d := range descs {
		if strings.HasPrefix(d.Name, "/memory/") || strings.HasPrefix(d.Name, "/gc/") {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(samples)
	var b strings.Builder
	fmt.Fprintf(&b, "___ Begin Go runtime memory statistics (%s) ___\n", runtime.Version())
	for _, sm := range samples {
		switch sm.Value.Kind() {
		case metrics.KindUint64:
			fmt.Fprintf(&b, "%s: %d\n", sm.Name, sm.Value.Uint64())
		case metrics.KindFloat64:
			fmt.Fprintf(&b, "%s: %g\n", sm.Name, sm.Value.Float64())
		}
	}
	b.WriteString("___ End Go runtime memory statistics ___\n")
	ctx.W.Verbatim("txt", b.String())
}

// cmdMemoryPurge runs a garbage collection and returns free memory to the
// operating system, the closest Go equivalent of jemalloc's purge.
func (s *Server) cmdMemoryPurge(ctx *command.Ctx) {
	debug.FreeOSMemory()
	ctx.W.OK()
}

var memoryHelp = []string{
	"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"DOCTOR",
	"    Look for memory problems and explain them.",
	"MALLOC-STATS",
	"    Show the memory allocator's own statistics (here: the Go runtime's).",
	"PURGE",
	"    Collect garbage and hand free memory back to the operating system.",
	"STATS",
	"    Show how the server's memory is used.",
	"USAGE <key> [SAMPLES <count>]",
	"    Show the bytes <key> and its value take. Our figure is exact, so",
	"    SAMPLES is accepted but changes nothing.",
	"HELP",
	"    Print this help.",
}

func (s *Server) cmdMemoryHelp(ctx *command.Ctx) { writeHelp(ctx, memoryHelp) }
