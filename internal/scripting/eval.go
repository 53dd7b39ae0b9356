package scripting

import (
	"strings"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/resp"
	lua "github.com/yuin/gopher-lua"
)

// EVAL, EVALSHA and SCRIPT.

// scriptFlags are the flags a script declares in its shebang line (EVAL)
// or a function at registration.
type scriptFlags uint8

const (
	flagNoWrites scriptFlags = 1 << iota
	flagAllowOOM
	flagAllowStale
	flagNoCluster
	flagAllowCrossSlot
	// flagEvalCompat marks an EVAL script without a shebang line, which
	// keeps the pre-7.0 behaviour (its commands decide, not declared flags).
	flagEvalCompat
)

func (f scriptFlags) has(g scriptFlags) bool { return f&g != 0 }

// scriptFlagNames lists the flags in Redis's order (FUNCTION LIST shows
// them in this order).
var scriptFlagNames = []struct {
	flag scriptFlags
	name string
}{
	{flagNoWrites, "no-writes"},
	{flagAllowOOM, "allow-oom"},
	{flagAllowStale, "allow-stale"},
	{flagNoCluster, "no-cluster"},
	{flagAllowCrossSlot, "allow-cross-slot-keys"},
}

// script is one cached EVAL script.
type script struct {
	sha   string
	body  string
	fn    *lua.LFunction
	flags scriptFlags
}

const errNoScript = "NOSCRIPT No matching script. Please use EVAL."

// parseShebang reads an EVAL script's "#!lua flags=..." line. It returns
// the flags and the length of the line (without its newline, which stays
// in the code so line numbers do not move).
func parseShebang(body string) (scriptFlags, int, string) {
	if !strings.HasPrefix(body, "#!") {
		return flagEvalCompat, 0, ""
	}
	end := strings.IndexByte(body, '\n')
	if end < 0 {
		return 0, 0, "Invalid script shebang"
	}
	parts, err := resp.SplitArgs([]byte(body[:end]), nil)
	if err != nil || len(parts) == 0 {
		return 0, 0, "Invalid engine in script shebang"
	}
	if string(parts[0]) != "#!lua" {
		return 0, 0, "Unexpected engine in script shebang: " + cstr(string(parts[0]))
	}
	var flags scriptFlags
	for _, p := range parts[1:] {
		opt := string(p)
		if !strings.HasPrefix(opt, "flags=") {
			return 0, 0, "Unknown lua shebang option: " + cstr(opt)
		}
		list := opt[len("flags="):]
		if list == "" {
			continue
		}
		for _, name := range strings.Split(list, ",") {
			found := false
			for _, f := range scriptFlagNames {
				if name == f.name {
					flags |= f.flag
					found = true
					break
				}
			}
			if !found {
				return 0, 0, "Unexpected flag in script shebang: " + cstr(name)
			}
		}
	}
	return flags, end, ""
}

// lookupScript finds a cached script by SHA1 (any case).
func (e *Engine) lookupScript(sha []byte) *script {
	if len(sha) != 40 {
		return nil
	}
	var buf [40]byte
	for i, c := range sha {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return e.scripts[string(buf[:])]
}

// createScript compiles body and caches it, or returns the cached one.
// errText is the complete error reply on failure.
func (e *Engine) createScript(body []byte) (sha string, s *script, errText string) {
	sha = sha1hex(string(body))
	if s := e.scripts[sha]; s != nil {
		return sha, s, ""
	}
	src := string(body)
	flags, skip, perr := parseShebang(src)
	if perr != "" {
		return "", nil, "ERR " + perr
	}
	proto, err := compileLua(src[skip:], evalChunk, 0)
	if err != nil {
		return "", nil, "ERR Error compiling script (new function): " + err.Error()
	}
	fn := e.eval.L.NewFunctionFromProto(proto)
	fn.Env = e.eval.env
	s = &script{sha: sha, body: src, fn: fn, flags: flags}
	e.scripts[sha] = s
	e.scriptsMem += int64(len(src)) + 40 + 64
	return sha, s, ""
}

// cmdEval serves EVAL, EVALSHA, EVAL_RO and EVALSHA_RO.
func (e *Engine) cmdEval(ctx *command.Ctx, bySHA, ro bool) {
	e.srv.FeedMonitors(ctx)
	var s *script
	if bySHA {
		if len(ctx.Args[1]) != 40 {
			ctx.Error(errNoScript)
			return
		}
	}
	numkeys, ok := resp.ParseInt(ctx.Args[2])
	if !ok {
		ctx.Error(command.ErrNotInt)
		return
	}
	nargs := int64(len(ctx.Args) - 3)
	if numkeys > nargs {
		ctx.Error("ERR Number of keys can't be greater than number of args")
		return
	}
	if numkeys < 0 {
		ctx.Error("ERR Number of keys can't be negative")
		return
	}
	var sha string
	if bySHA {
		s = e.lookupScript(ctx.Args[1])
		if s == nil {
			ctx.Error(errNoScript)
			return
		}
		sha = s.sha
	} else {
		var errText string
		sha, s, errText = e.createScript(ctx.Args[1])
		if s == nil {
			ctx.Error(errText)
			return
		}
	}
	if !e.prepareRun(ctx, s.flags, ro) {
		return
	}
	keys := ctx.Args[3 : 3+numkeys]
	args := ctx.Args[3+numkeys:]
	e.callScript(ctx, e.eval, s.fn, sha, s.flags, ro, keys, args)
}

// prepareRun applies the checks Redis makes before running a script that
// declared flags (scriptPrepareForRun), replying and returning false when
// the script may not run.
func (e *Engine) prepareRun(ctx *command.Ctx, flags scriptFlags, ro bool) bool {
	if flags.has(flagEvalCompat) {
		return true
	}
	if !flags.has(flagNoWrites) {
		if ro {
			ctx.Error("ERR Can not execute a script with write flag using *_ro command.")
			return false
		}
		// The command counts as a deny-oom write (Redis derives EVAL's
		// flags from the script's), so it is refused over maxmemory.
		if !flags.has(flagAllowOOM) && e.srv.OverMaxmemory() {
			ctx.Error("OOM command not allowed when used memory > 'maxmemory'.")
			return false
		}
	}
	return true
}

func (e *Engine) cmdScriptLoad(ctx *command.Ctx) {
	sha, s, errText := e.createScript(ctx.Args[2])
	if s == nil {
		ctx.Error(errText)
		return
	}
	ctx.W.BulkString(sha)
}

func (e *Engine) cmdScriptExists(ctx *command.Ctx) {
	ctx.W.ArrayLen(len(ctx.Args) - 2)
	for _, sha := range ctx.Args[2:] {
		if e.lookupScript(sha) != nil {
			ctx.W.Int(1)
		} else {
			ctx.W.Int(0)
		}
	}
}

func (e *Engine) cmdScriptFlush(ctx *command.Ctx) {
	switch {
	case len(ctx.Args) == 2:
	case len(ctx.Args) == 3 && (ctx.Is(2, "sync") || ctx.Is(2, "async")):
	default:
		ctx.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
		return
	}
	e.FlushScripts()
	ctx.W.OK()
}

// FlushScripts empties the script cache and starts a fresh Lua state for
// EVAL (SCRIPT FLUSH).
func (e *Engine) FlushScripts() {
	e.scripts = map[string]*script{}
	e.scriptsMem = 0
	e.eval.L.Close()
	e.eval = newLuaEnv(e, false)
}

func (e *Engine) cmdScriptKill(ctx *command.Ctx) {
	e.kill(ctx, false)
}

// kill implements SCRIPT KILL (function=false) and FUNCTION KILL.
func (e *Engine) kill(ctx *command.Ctx, function bool) {
	if msg := e.srv.KillScript(function); msg != "" {
		ctx.Error(msg)
		return
	}
	ctx.W.OK()
}

var scriptHelp = []string{
	"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"DEBUG (YES|SYNC|NO)",
	"    Set the debug mode for subsequent scripts executed.",
	"EXISTS <sha1> [<sha1> ...]",
	"    Return information about the existence of the scripts in the script cache.",
	"FLUSH [ASYNC|SYNC]",
	"    Flush the Lua scripts cache. Very dangerous on replicas.",
	"    When called without the optional mode argument, the behavior is determined by the",
	"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
	"    * ASYNC: Asynchronously flush the scripts cache.",
	"    * SYNC: Synchronously flush the scripts cache.",
	"KILL",
	"    Kill the currently executing Lua script.",
	"LOAD <script>",
	"    Load a script into the scripts cache without executing it.",
	"HELP",
	"    Prints this help.",
}

func (e *Engine) cmdScriptHelp(ctx *command.Ctx) { writeHelp(ctx, scriptHelp) }

func writeHelp(ctx *command.Ctx, lines []string) {
	ctx.W.ArrayLen(len(lines))
	for _, l := range lines {
		ctx.W.Status(l)
	}
}

// cmdScriptDebug: the Lua debugger (LDB) is not implemented; turning it
// off is accepted, turning it on is refused.
func (e *Engine) cmdScriptDebug(ctx *command.Ctx) {
	switch {
	case ctx.Is(2, "no"):
		ctx.W.OK()
	case ctx.Is(2, "yes"), ctx.Is(2, "sync"):
		ctx.Error("ERR SCRIPT DEBUG is not supported by this server")
	default:
		ctx.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO")
	}
}
