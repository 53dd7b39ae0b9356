package server

import (
	"math"
	"math/bits"
	"strconv"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// SLOWLOG: commands that ran longer than slowlog-log-slower-than
// microseconds, newest first, at most slowlog-max-len of them.

const (
	slowlogMaxArgs   = 32  // SLOWLOG_ENTRY_MAX_ARGC
	slowlogMaxArgLen = 128 // SLOWLOG_ENTRY_MAX_STRING
	redactedArgument = "(redacted)"
)

type slowlogEntry struct {
	id       int64
	at       int64 // unix seconds
	duration int64 // microseconds
	args     [][]byte
	addr     string
	name     string
}

type slowlog struct {
	entries []slowlogEntry // newest last
	nextID  int64
}

// record keeps the command when it was slow enough. It copies and trims
// the arguments the way Redis does so a huge value cannot bloat the log.
func (s *Server) slowlogRecord(c *client, args [][]byte, redact []int, dur time.Duration) {
	threshold := s.cfg.SlowlogLogSlowerThan
	if threshold < 0 || dur.Microseconds() < threshold || s.cfg.SlowlogMaxLen <= 0 {
		return
	}
	n := len(args)
	if n > slowlogMaxArgs {
		n = slowlogMaxArgs
	}
	kept := make([][]byte, n)
	for i := 0; i < n; i++ {
		a := args[i]
		switch {
		case i == slowlogMaxArgs-1 && len(args) > slowlogMaxArgs:
			a = []byte("... (" + strconv.Itoa(len(args)-slowlogMaxArgs+1) + " more arguments)")
		case isRedacted(redact, i):
			a = []byte(redactedArgument)
		case len(a) > slowlogMaxArgLen:
			a = append(append([]byte(nil), a[:slowlogMaxArgLen]...),
				"... ("+strconv.Itoa(len(a)-slowlogMaxArgLen)+" more bytes)"...)
		default:
			a = append([]byte(nil), a...)
		}
		kept[i] = a
	}
	sl := &s.slowlog
	sl.entries = append(sl.entries, slowlogEntry{
		id: sl.nextID, at: time.Now().Unix(), duration: dur.Microseconds(),
		args: kept, addr: c.addr, name: c.name,
	})
	sl.nextID++
	if over := len(sl.entries) - int(s.cfg.SlowlogMaxLen); over > 0 {
		sl.entries = append(sl.entries[:0], sl.entries[over:]...)
	}
}

func isRedacted(redact []int, i int) bool {
	for _, r := range redact {
		if r == i {
			return true
		}
	}
	return false
}

// redactedArgs returns the argument positions Redis hides from SLOWLOG
// and MONITOR because they carry secrets.
func redactedArgs(cmd *command.Command, args [][]byte) []int {
	var out []int
	switch cmd.Name {
	case "auth":
		for i := 1; i < len(args); i++ {
			out = append(out, i)
		}
	case "hello":
		for i := 2; i+2 < len(args); i++ {
			if resp.EqualFold(args[i], "auth") {
				out = append(out, i+1, i+2)
				i += 2
			}
		}
	case "migrate":
		for i := 6; i+1 < len(args); i++ {
			if resp.EqualFold(args[i], "auth") {
				out = append(out, i+1)
				i++
			} else if resp.EqualFold(args[i], "auth2") && i+2 < len(args) {
				out = append(out, i+1, i+2)
				i += 2
			}
		}
	case "config|set":
		for i := 2; i+1 < len(args); i += 2 {
			if resp.EqualFold(args[i], "requirepass") || resp.EqualFold(args[i], "masterauth") || resp.EqualFold(args[i], "masteruser") {
				out = append(out, i+1)
			}
		}
	case "acl|setuser":
		// The user name and every rule: rules can carry passwords.
		for i := 2; i < len(args); i++ {
			out = append(out, i)
		}
	}
	return out
}

func (s *Server) cmdSlowlogGet(ctx *command.Ctx) {
	count := int64(10)
	if len(ctx.Args) > 3 {
		subcommandSyntaxError(ctx)
		return
	}
	if len(ctx.Args) == 3 {
		n, ok := resp.ParseInt(ctx.Args[2])
		if !ok || n < -1 {
			ctx.Error("ERR count should be greater than or equal to -1")
			return
		}
		count = n
	}
	entries := s.slowlog.entries
	if count == -1 || count > int64(len(entries)) {
		count = int64(len(entries))
	}
	w := ctx.W
	w.ArrayLen(int(count))
	for i := 0; i < int(count); i++ {
		e := entries[len(entries)-1-i]
		w.ArrayLen(6)
		w.Int(e.id)
		w.Int(e.at)
		w.Int(e.duration)
		w.BulkArray(e.args)
		w.BulkString(e.addr)
		w.BulkString(e.name)
	}
}

func (s *Server) cmdSlowlogLen(ctx *command.Ctx) { ctx.W.Int(int64(len(s.slowlog.entries))) }

func (s *Server) cmdSlowlogReset(ctx *command.Ctx) {
	s.slowlog.entries = nil
	ctx.W.OK()
}

var slowlogHelp = []string{
	"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"GET [<count>]",
	"    Show the <count> most recent entries (10 by default, -1 for all).",
	"    Each entry holds:",
	"    an id, a unix timestamp, the duration in microseconds, the arguments,",
	"    the client's address and the client's name",
	"LEN",
	"    Show how many entries the slow log holds.",
	"RESET",
	"    Empty the slow log.",
	"HELP",
	"    Print this help.",
}

func (s *Server) cmdSlowlogHelp(ctx *command.Ctx) { writeHelp(ctx, slowlogHelp) }

func writeHelp(ctx *command.Ctx, lines []string) {
	ctx.W.ArrayLen(len(lines))
	for _, l := range lines {
		ctx.W.Status(l)
	}
}

// Command latency histograms (INFO latencystats, LATENCY HISTOGRAM).
// Buckets are powers of two of microseconds, each split into 16 linear
// sub-buckets, which gives about 6% precision from 1 µs to hours.

const (
	histSub     = 16
	histBuckets = 40 * histSub
)

type histogram struct {
	counts [histBuckets]uint32
	total  int64
}

func histIndex(us int64) int {
	if us < histSub {
		if us < 0 {
			us = 0
		}
		return int(us)
	}
	exp := 63 - bits.LeadingZeros64(uint64(us)) // floor(log2)
	shift := exp - 4                            // keep 4 bits below the top one
	sub := int(us>>uint(shift)) - histSub       // 0..15
	idx := (exp-3)*histSub + sub
	if idx >= histBuckets {
		idx = histBuckets - 1
	}
	return idx
}

// histValue is the upper bound in microseconds of bucket idx.
func histValue(idx int) float64 {
	if idx < histSub {
		return float64(idx)
	}
	exp := idx/histSub + 3
	sub := idx % histSub
	return float64(int64(histSub+sub+1) << uint(exp-4))
}

func (h *histogram) record(us int64) {
	h.counts[histIndex(us)]++
	h.total++
}

// percentile returns the value below which p percent of samples fall.
func (h *histogram) percentile(p float64) float64 {
	if h.total == 0 {
		return 0
	}
	want := int64(math.Ceil(p / 100 * float64(h.total)))
	if want < 1 {
		want = 1
	}
	var seen int64
	for i, n := range h.counts {
		seen += int64(n)
		if seen >= want {
			return histValue(i)
		}
	}
	return histValue(histBuckets - 1)
}
