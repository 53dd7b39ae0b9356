package server

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
)

// The latency monitor: events (slow commands, expire cycles, fsyncs...)
// longer than latency-monitor-threshold ms are sampled, one sample per
// second per event, the last 160 kept, as Redis does.

const latencyHistoryLen = 160

type latencySample struct {
	at int64 // unix seconds
	ms int64
}

type latencyEvent struct {
	samples []latencySample
	max     int64
}

type latencyMonitor struct {
	events map[string]*latencyEvent
}

// latencyAdd records an event that took ms milliseconds, when the
// monitor is on and the event passed the threshold.
func (s *Server) latencyAdd(event string, ms int64) {
	th := s.cfg.LatencyMonitorThreshold
	if th <= 0 || ms < th {
		return
	}
	if s.latency.events == nil {
		s.latency.events = map[string]*latencyEvent{}
	}
	ev := s.latency.events[event]
	if ev == nil {
		ev = &latencyEvent{}
		s.latency.events[event] = ev
	}
	now := time.Now().Unix()
	if ms > ev.max {
		ev.max = ms
	}
	if n := len(ev.samples); n > 0 && ev.samples[n-1].at == now {
		if ms > ev.samples[n-1].ms {
			ev.samples[n-1].ms = ms
		}
		return
	}
	ev.samples = append(ev.samples, latencySample{now, ms})
	if len(ev.samples) > latencyHistoryLen {
		ev.samples = ev.samples[len(ev.samples)-latencyHistoryLen:]
	}
}

func (s *Server) latencyNames() []string {
	names := make([]string, 0, len(s.latency.events))
	for n := range s.latency.events {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (s *Server) cmdLatencyLatest(ctx *command.Ctx) {
	names := s.latencyNames()
	ctx.W.ArrayLen(len(names))
	for _, n := range names {
		ev := s.latency.events[n]
		last := ev.samples[len(ev.samples)-1]
		ctx.W.ArrayLen(4)
		ctx.W.BulkString(n)
		ctx.W.Int(last.at)
		ctx.W.Int(last.ms)
		ctx.W.Int(ev.max)
	}
}

func (s *Server) cmdLatencyHistory(ctx *command.Ctx) {
	ev := s.latency.events[string(ctx.Args[2])]
	if ev == nil {
		ctx.W.ArrayLen(0)
		return
	}
	ctx.W.ArrayLen(len(ev.samples))
	for _, sm := range ev.samples {
		ctx.W.ArrayLen(2)
		ctx.W.Int(sm.at)
		ctx.W.Int(sm.ms)
	}
}

func (s *Server) cmdLatencyReset(ctx *command.Ctx) {
	if len(ctx.Args) == 2 {
		n := len(s.latency.events)
		s.latency.events = nil
		ctx.W.Int(int64(n))
		return
	}
	n := 0
	for _, a := range ctx.Args[2:] {
		if _, ok := s.latency.events[string(a)]; ok {
			delete(s.latency.events, string(a))
			n++
		}
	}
	ctx.W.Int(int64(n))
}

// cmdLatencyGraph draws the event's samples as columns of '#', scaled
// between the smallest and the largest sample.
func (s *Server) cmdLatencyGraph(ctx *command.Ctx) {
	name := string(ctx.Args[2])
	ev := s.latency.events[name]
	if ev == nil || len(ev.samples) == 0 {
		ctx.Error("ERR No samples available for event '" + name + "'")
		return
	}
	const height = 10
	lo, hi := ev.samples[0].ms, ev.samples[0].ms
	for _, sm := range ev.samples {
		lo, hi = min(lo, sm.ms), max(hi, sm.ms)
	}
	var b strings.Builder
	last := ev.samples[len(ev.samples)-1]
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", name, hi, lo, ev.max)
	b.WriteString(strings.Repeat("-", 80) + "\n")
	for row := height; row >= 1; row-- {
		for _, sm := range ev.samples {
			level := int64(height)
			if hi > lo {
				level = 1 + (sm.ms-lo)*(height-1)/(hi-lo)
			}
			if level >= int64(row) {
				b.WriteByte('#')
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	b.WriteString("\n")
	now := time.Now().Unix()
	for _, sm := range ev.samples {
		age := now - sm.at
		switch {
		case age < 60:
			b.WriteString(strconv.FormatInt(age, 10)[:1])
		default:
			b.WriteByte('m')
		}
	}
	fmt.Fprintf(&b, "\n(last sample %d seconds ago)\n", now-last.at)
	ctx.W.Verbatim("txt", b.String())
}

// cmdLatencyDoctor summarises the recorded events in plain words.
func (s *Server) cmdLatencyDoctor(ctx *command.Ctx) {
	var b strings.Builder
	names := s.latencyNames()
	switch {
	case s.cfg.LatencyMonitorThreshold <= 0:
		b.WriteString("Latency monitoring is off: set latency-monitor-threshold to a number of\n" +
			"milliseconds (CONFIG SET latency-monitor-threshold 100) to sample slow events.\n")
	case len(names) == 0:
		fmt.Fprintf(&b, "No event took %d ms or more since monitoring started or was last reset.\n", s.cfg.LatencyMonitorThreshold)
	default:
		b.WriteString("Latency report:\n\n")
		for i, n := range names {
			ev := s.latency.events[n]
			var sum int64
			for _, sm := range ev.samples {
				sum += sm.ms
			}
			fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %d ms, worst %d ms).\n",
				i+1, n, len(ev.samples), sum/int64(len(ev.samples)), ev.max)
			if advice := latencyAdvice[strings.SplitN(n, "-", 2)[0]]; advice != "" {
				b.WriteString("   " + advice + "\n")
			}
		}
	}
	ctx.W.Verbatim("txt", b.String())
}

var latencyAdvice = map[string]string{
	"command":  "Slow commands: look at SLOWLOG GET for which ones, and prefer O(1)/O(log n) commands or smaller values.",
	"fast":     "Even O(1) commands were slow: the machine may be overloaded or swapping.",
	"expire":   "Many keys expired at the same time: spread expiry times out.",
	"aof":      "Disk writes or fsyncs were slow: check the disk, or use appendfsync everysec.",
	"eviction": "Evicting keys took long: raise maxmemory or use smaller values.",
}

// cmdLatencyHistogram replies per-command cumulative latency counts in
// power-of-two microsecond buckets, as Redis 7.0 does.
func (s *Server) cmdLatencyHistogram(ctx *command.Ctx) {
	var cmds []*command.Command
	if len(ctx.Args) == 2 {
		for _, c := range s.sortedCommands() {
			if h := s.histFor(c, false); h != nil && h.total > 0 {
				cmds = append(cmds, c)
			}
		}
	} else {
		for _, a := range ctx.Args[2:] {
			if c := s.cmds.LookupName(string(a)); c != nil && s.histFor(c, false) != nil && s.histFor(c, false).total > 0 {
				cmds = append(cmds, c)
			}
		}
	}
	ctx.W.MapLen(len(cmds))
	for _, c := range cmds {
		h := s.histFor(c, false)
		ctx.W.BulkString(c.Name)
		ctx.W.MapLen(2)
		ctx.W.BulkString("calls")
		ctx.W.Int(h.total)
		ctx.W.BulkString("histogram_usec")
		type bucket struct{ upTo, n int64 }
		var bs []bucket
		var cum int64
		for i, n := range h.counts {
			if n == 0 {
				continue
			}
			cum += int64(n)
			up := int64(1)
			for float64(up) < histValue(i) {
				up <<= 1
			}
			if len(bs) > 0 && bs[len(bs)-1].upTo == up {
				bs[len(bs)-1].n = cum
			} else {
				bs = append(bs, bucket{up, cum})
			}
		}
		ctx.W.MapLen(len(bs))
		for _, b := range bs {
			ctx.W.Int(b.upTo)
			ctx.W.Int(b.n)
		}
	}
}

var latencyHelp = []string{
	"LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"DOCTOR",
	"    Explain the recorded latency events in plain words.",
	"GRAPH <event>",
	"    Draw the <event> samples as an ASCII chart.",
	"HISTORY <event>",
	"    Show the <event> samples as timestamp/latency pairs.",
	"LATEST",
	"    Show the latest sample of every event.",
	"RESET [<event> ...]",
	"    Drop the samples of the given events",
	"    (all events when none is named).",
	"HISTOGRAM [COMMAND ...]",
	"    Show cumulative latency distributions per command in power-of-two microsecond buckets.",
	"    Without command names, every command that ran is shown.",
	"HELP",
	"    Print this help.",
}

func (s *Server) cmdLatencyHelp(ctx *command.Ctx) { writeHelp(ctx, latencyHelp) }

// histFor returns the latency histogram of cmd, creating it when asked.
func (s *Server) histFor(cmd *command.Command, create bool) *histogram {
	if cmd.ID >= len(s.hists) {
		if !create {
			return nil
		}
		s.hists = append(s.hists, make([]*histogram, cmd.ID+1-len(s.hists))...)
	}
	h := s.hists[cmd.ID]
	if h == nil && create {
		h = &histogram{}
		s.hists[cmd.ID] = h
	}
	return h
}
