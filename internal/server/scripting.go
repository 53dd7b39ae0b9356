package server

import (
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// Support for scripting (EVAL, FCALL), which lives in its own package and
// reaches the server only through ScriptRun. A script runs atomically:
// the caller's goroutine holds the server lock for the whole script, and
// redis.call re-enters the execution pipeline without re-taking it.
//
// A script that runs longer than busy-reply-threshold becomes "busy": from
// then on, at each check, it releases the lock for a moment so other
// clients are answered -BUSY (only commands flagged allow-busy, such as
// SCRIPT KILL and SHUTDOWN NOSAVE, run), which keeps atomicity while
// letting an operator stop it.

// ScriptRun is one script execution.
type ScriptRun struct {
	s        *Server
	caller   *client
	readOnly bool
	function bool // FCALL (the BUSY text and the kill command differ)
	start    time.Time
	ctx      command.Ctx
	w        resp.Writer
	db       *keyspace.DB
	wrote    bool
	wrap     *multiPropagation
	saved    []Propagator
	allowOOM bool // the script declared allow-oom
	aborted  bool // stopped by a shutdown: its effects are not propagated
}

// Errors a script can get from Call, with Redis 7.0's texts (without the
// "ERR " prefix the Lua layer adds where Redis does).
const (
	ScriptErrUnknownCommand = "Unknown Redis command called from script"
	ScriptErrArity          = "Wrong number of args calling Redis command from script"
	ScriptErrNoScript       = "This Redis command is not allowed from script"
	ScriptErrReadOnly       = "Write commands are not allowed from read-only scripts."
)

// ErrScriptKilled is what Check returns once SCRIPT/FUNCTION KILL was
// accepted for the running script.
const ErrScriptKilled = "ERR Script killed by user with SCRIPT KILL..."

// BeginScript starts a script on behalf of the command running in ctx
// (EVAL, FCALL...). readOnly refuses write commands (EVAL_RO, FCALL_RO,
// no-writes functions). The caller must call End.
func (s *Server) BeginScript(ctx *command.Ctx, readOnly, function bool) *ScriptRun {
	c := ctx.Client.(*client)
	r := &ScriptRun{s: s, caller: c, readOnly: readOnly, function: function, start: time.Now(), db: ctx.DB}
	r.ctx.KS = s.ks
	r.ctx.Client = c
	r.ctx.Hooks = s
	r.ctx.Settings = &s.settings
	r.ctx.InScript = true
	r.ctx.W = &r.w
	// Effects propagate as one MULTI/EXEC block, like a transaction.
	r.wrap = &multiPropagation{s: s}
	r.saved = s.propagators
	if len(r.saved) > 0 {
		s.propagators = []Propagator{r.wrap}
	}
	s.script = r
	return r
}

// DB returns the database the script is working on (SELECT in a script
// changes it for the script only).
func (r *ScriptRun) DB() *keyspace.DB { return r.db }

// Wrote reports whether the script has called a write command (a script
// that wrote cannot be killed, only SHUTDOWN NOSAVE stops the server).
func (r *ScriptRun) Wrote() bool { return r.wrote }

// Call runs one command from the script (redis.call / redis.pcall) and
// returns its RESP reply encoded in protocol proto (2 or 3). When the
// command is refused before running, errText is set instead (without an
// error code when Redis's text has none; the Lua layer formats it).
func (r *ScriptRun) Call(args [][]byte, proto int) (reply []byte, errText string) {
	s := r.s
	if len(args) == 0 {
		return nil, ScriptErrArity
	}
	cmd := s.cmds.Lookup(args)
	if cmd == nil {
		return nil, ScriptErrUnknownCommand
	}
	if !cmd.ArityOK(len(args)) {
		return nil, ScriptErrArity
	}
	if cmd.Flags&command.FlagNoScript != 0 {
		return nil, ScriptErrNoScript
	}
	if cmd.Flags&(command.FlagWrite|command.FlagMayReplicate) != 0 && r.readOnly {
		// As in Redis, may-replicate commands (PUBLISH...) count as writes.
		return nil, ScriptErrReadOnly
	}
	for _, check := range s.scriptChecks {
		if msg := check(r.caller, cmd, args); msg != "" {
			return nil, msg
		}
	}
	if cmd.Flags&command.FlagWrite != 0 && cmd.Flags&command.FlagDenyOOM != 0 && !r.wrote && !r.allowOOM &&
		s.cfg.MaxMemory != 0 && s.checkOOM(cmd, false, 0) {
		return nil, errOOM
	}
	if cmd.Flags&command.FlagWrite != 0 {
		// As in Redis, calling a write command makes the script
		// unkillable even if the command changed nothing.
		r.wrote = true
	}
	r.w.SetProto(proto)
	r.w.Reset()
	ctx := &r.ctx
	ctx.Reset(args, cmd)
	ctx.DB = r.db
	prev := s.curClient
	s.curClient = r.caller
	callerDB := r.caller.db
	start := time.Now()
	cmd.Handler(ctx)
	dur := time.Since(start)
	s.curClient = prev
	s.ks.Settle()
	// SELECT inside the script changes the script's database only.
	r.db = ctx.DB
	r.caller.db = callerDB
	if ctx.Changes() > 0 {
		r.wrote = true
		s.dirty += ctx.Changes()
	}
	s.propagate(ctx)
	st := &cmd.Stats
	st.Calls++
	st.Microseconds += dur.Microseconds()
	s.stats.commands++
	out := r.w.Bytes()
	if len(out) > 0 && out[0] == '-' {
		st.Failed++
	}
	if len(s.monitors) > 0 && cmd.Flags&(command.FlagSkipMonitor|command.FlagAdmin) == 0 {
		s.feedMonitors(r.db.ID(), "lua", args, redactedArgs(cmd, args))
	}
	if s.cfg.LatencyTracking {
		s.histFor(cmd, true).record(dur.Microseconds())
	}
	return out, ""
}

// SetAllowOOM lets the script's commands run over maxmemory (the script
// declared the allow-oom flag).
func (r *ScriptRun) SetAllowOOM() { r.allowOOM = true }

// Permitted reports whether args name a known command (known) and whether
// the script's caller may run it there (redis.acl_check_cmd): the ACL
// check alone, without logging a denial, as in Redis.
func (r *ScriptRun) Permitted(args [][]byte) (known, allowed bool) {
	cmd := r.s.cmds.Lookup(args)
	if cmd == nil {
		return false, false
	}
	return true, r.s.ACLPermitted(r.caller, cmd, args)
}

// FeedMonitors shows the command running in ctx to MONITOR clients now.
// EVAL, EVALSHA and FCALL are flagged skip_monitor and, as in Redis, feed
// MONITOR themselves before they run, so that the script appears before
// the commands it calls.
func (s *Server) FeedMonitors(ctx *command.Ctx) {
	if len(s.monitors) == 0 {
		return
	}
	c := ctx.Client.(*client)
	s.feedMonitors(ctx.DB.ID(), c.addr, ctx.Args, nil)
}

// OverMaxmemory reports whether used memory is over maxmemory once
// eviction has done what it can (the pipeline's OOM condition), for
// commands whose write/deny-oom nature depends on their arguments (EVAL
// and FCALL of scripts that declare flags).
func (s *Server) OverMaxmemory() bool {
	max := int64(s.cfg.MaxMemory)
	if max == 0 || s.usedMemory() <= max {
		return false
	}
	s.performEvictions(max)
	return s.usedMemory() > max
}

// Check is called by the scripting engine every so often while the script
// runs. Past busy-reply-threshold it lets other clients be answered BUSY,
// and it reports a pending SCRIPT KILL / FUNCTION KILL (killed = true).
func (r *ScriptRun) Check() (killed bool) {
	s := r.s
	th := time.Duration(s.cfg.BusyReplyThreshold) * time.Millisecond
	if th <= 0 || time.Since(r.start) < th {
		return false
	}
	if !s.busy {
		s.busy = true
		s.log.warning("Slow script detected: still in execution after %d milliseconds. You can try killing the script using the %s KILL command.",
			time.Since(r.start).Milliseconds(), r.killCommand())
	}
	// Let waiting clients in; they are refused BUSY unless allow-busy.
	s.mu.Unlock()
	time.Sleep(time.Millisecond)
	s.mu.Lock()
	select {
	case <-s.shutdownCh:
		// SHUTDOWN NOSAVE while the script runs: stop it so the server
		// can exit, as Redis exits without finishing it.
		r.aborted = true
		return true
	default:
	}
	if s.killScript {
		s.killScript = false
		return true
	}
	return false
}

func (r *ScriptRun) killCommand() string {
	if r.function {
		return "FUNCTION"
	}
	return "SCRIPT"
}

// End finishes the script: its effects propagate as one block.
func (r *ScriptRun) End() {
	s := r.s
	s.propagators = r.saved
	if !r.aborted {
		r.wrap.flush(r.saved)
	}
	s.script = nil
	s.busy = false
	s.killScript = false
}

// busyReject is the pipeline's check while a script is busy.
func (s *Server) busyReject(cmd *command.Command) string {
	if cmd.Flags&command.FlagAllowBusy != 0 {
		return ""
	}
	if s.script != nil && s.script.function {
		return "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	}
	return "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
}

// KillScript implements SCRIPT KILL / FUNCTION KILL: function tells which
// command asked. It returns the error reply, or "" when the kill was
// scheduled. The checks and texts are Redis 7.0's, in its order.
func (s *Server) KillScript(function bool) string {
	r := s.script
	if r == nil || !s.busy {
		return "NOTBUSY No scripts in execution right now."
	}
	if r.wrote {
		return "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	}
	if !function && r.function {
		return "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	}
	if function && !r.function {
		return "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	}
	s.killScript = true
	return ""
}

// AddScriptCheck adds a check applied to each command a script calls
// (the ACL layer registers its permission check here too).
func (s *Server) AddScriptCheck(check CommandCheck) { s.scriptChecks = append(s.scriptChecks, check) }
