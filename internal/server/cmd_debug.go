package server

import (
	"strconv"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// DEBUG. Redis gates it behind enable-debug-command (the pipeline checks
// the command's protected flag). DEBUG ASSERT, SEGFAULT and friends, which
// crash a real server, are deliberately absent: DEBUG DIGEST is the
// integrity check, and nothing reachable here takes the server down.

func (s *Server) registerDebug() {
	s.AddDebugSubcommand("sleep", s.debugSleep)
	s.AddDebugSubcommand("set-active-expire", s.debugSetActiveExpire)
	s.AddDebugSubcommand("help", s.debugHelp)
	s.AddDebugSubcommand("populate", s.debugPopulate)
}

func (s *Server) cmdDebug(ctx *command.Ctx) {
	name := strings.ToLower(string(ctx.Args[1]))
	if h := s.debugSubs[name]; h != nil {
		h(ctx)
		return
	}
	ctx.Error("ERR Unknown subcommand or wrong number of arguments for '" + cString128(ctx.Args[1]) + "'. Try DEBUG HELP.")
}

func cString128(b []byte) string {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	if len(b) > 128 {
		b = b[:128]
	}
	return string(b)
}

func debugArity(ctx *command.Ctx, n int) bool {
	if len(ctx.Args) != n {
		ctx.Error("ERR Unknown subcommand or wrong number of arguments for '" + cString128(ctx.Args[1]) + "'. Try DEBUG HELP.")
		return false
	}
	return true
}

// debugSleep blocks the whole server, which is its purpose (testing
// timeouts and latency monitoring): it sleeps with the lock held.
func (s *Server) debugSleep(ctx *command.Ctx) {
	if !debugArity(ctx, 3) {
		return
	}
	secs, err := strconv.ParseFloat(string(ctx.Args[2]), 64)
	if err != nil || secs < 0 {
		secs = 0
	}
	time.Sleep(time.Duration(secs * float64(time.Second)))
	ctx.W.OK()
}

func (s *Server) debugSetActiveExpire(ctx *command.Ctx) {
	if !debugArity(ctx, 3) {
		return
	}
	n, ok := resp.ParseInt(ctx.Args[2])
	if !ok {
		ctx.Error(command.ErrNotInt)
		return
	}
	s.ks.SetActiveExpire(n != 0)
	ctx.W.OK()
}

// debugPopulate creates count keys "<prefix>:<n>" holding "value:<n>",
// padded with zero bytes or cut to size when given, skipping keys that
// exist: the quick way to load test data.
func (s *Server) debugPopulate(ctx *command.Ctx) {
	if len(ctx.Args) < 3 || len(ctx.Args) > 5 {
		debugArity(ctx, 0)
		return
	}
	count, ok := resp.ParseInt(ctx.Args[2])
	if !ok || count < 0 {
		ctx.Error("ERR value is out of range, must be positive")
		return
	}
	prefix := "key"
	if len(ctx.Args) >= 4 {
		prefix = string(ctx.Args[3])
	}
	size := int64(-1)
	if len(ctx.Args) == 5 {
		n, ok := resp.ParseInt(ctx.Args[4])
		if !ok || n < 0 {
			ctx.Error("ERR value is out of range, must be positive")
			return
		}
		size = n
	}
	db := ctx.DB
	key := []byte(prefix + ":")
	base := len(key)
	for i := int64(0); i < count; i++ {
		key = strconv.AppendInt(key[:base], i, 10)
		if db.Exists(key) {
			continue
		}
		val := []byte("value:" + strconv.FormatInt(i, 10))
		if size >= 0 {
			if int64(len(val)) > size {
				val = val[:size]
			} else {
				val = append(val, make([]byte, size-int64(len(val)))...)
			}
		}
		db.Add(key).SetStringOwned(val)
		// Settle as we go so accounting stays bounded for huge counts.
		if i%1024 == 0 {
			s.ks.Settle()
		}
	}
	ctx.Dirty(count)
	ctx.NoPropagate()
	ctx.W.OK()
}

var debugHelp = []string{
	"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"DIGEST",
	"    Output a hex signature of the whole dataset (compare it across servers).",
	"DIGEST-VALUE <key> [<key> ...]",
	"    Output a hex signature of each key's value.",
	"OBJECT <key>",
	"    Show low-level information about the key and its value.",
	"POPULATE <count> [<prefix>] [<size>]",
	"    Create <count> keys named <prefix>:<n> (prefix 'key' by default) holding",
	"    'value:<n>', padded or cut to <size> bytes when given.",
	"RELOAD",
	"    Save the dataset to the RDB file, empty memory and load it back.",
	"SET-ACTIVE-EXPIRE <0|1>",
	"    Turn the active expire cycle off or on (lazy expiry always works).",
	"SLEEP <seconds>",
	"    Block the server for <seconds>; decimals are allowed.",
	"HELP",
	"    Print this help.",
}

func (s *Server) debugHelp(ctx *command.Ctx) {
	ctx.W.ArrayLen(len(debugHelp))
	for _, l := range debugHelp {
		ctx.W.Status(l)
	}
}
