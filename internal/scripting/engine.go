// Package scripting implements Redis 7.0's scripting on gopher-lua (a Lua
// 5.1 VM): EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT with the SHA1
// script cache; FUNCTION and FCALL with function libraries; and the Lua
// environment Redis gives scripts: redis.call and friends, the cjson,
// cmsgpack, struct and bit libraries, and the sandbox.
//
// Scripts run through server.ScriptRun, which executes each redis.call
// through the server's command pipeline under the server lock the calling
// command already holds, so a script is atomic.
package scripting

import (
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/server"
	lua "github.com/yuin/gopher-lua"
)

// Engine is the scripting subsystem of one server. All its methods run
// under the server lock (command handlers, or callers holding it).
type Engine struct {
	srv *server.Server

	eval    *luaEnv            // EVAL scripts
	scripts map[string]*script // lower-case SHA1 -> script
	// scriptsMem approximates the memory of the cached script bodies.
	scriptsMem int64

	fn        *luaEnv // function libraries
	functions *libSet

	// The script running now, for FUNCTION STATS and error texts.
	running *runningScript
	runInfo runningScript
}

// runningScript describes the script in execution.
type runningScript struct {
	name  string // function name, or the SHA1 of an EVAL script
	eval  bool
	args  [][]byte // the command that started it
	start time.Time
}

// Attach creates the scripting engine and registers its commands on srv.
// Call it before srv.Start.
func Attach(srv *server.Server) *Engine {
	e := &Engine{
		srv:       srv,
		scripts:   map[string]*script{},
		functions: newLibSet(),
	}
	e.eval = newLuaEnv(e, false)
	e.fn = newLuaEnv(e, true)
	e.register(srv.Commands())
	srv.SetScripting(e)
	return e
}

func (e *Engine) register(t *command.Table) {
	t.Register("eval", func(c *command.Ctx) { e.cmdEval(c, false, false) })
	t.Register("evalsha", func(c *command.Ctx) { e.cmdEval(c, true, false) })
	t.Register("eval_ro", func(c *command.Ctx) { e.cmdEval(c, false, true) })
	t.Register("evalsha_ro", func(c *command.Ctx) { e.cmdEval(c, true, true) })
	t.Register("script|load", e.cmdScriptLoad)
	t.Register("script|exists", e.cmdScriptExists)
	t.Register("script|flush", e.cmdScriptFlush)
	t.Register("script|kill", e.cmdScriptKill)
	t.Register("script|help", e.cmdScriptHelp)
	t.Register("script|debug", e.cmdScriptDebug)

	t.Register("fcall", func(c *command.Ctx) { e.cmdFcall(c, false) })
	t.Register("fcall_ro", func(c *command.Ctx) { e.cmdFcall(c, true) })
	t.Register("function|load", e.cmdFunctionLoad)
	t.Register("function|delete", e.cmdFunctionDelete)
	t.Register("function|flush", e.cmdFunctionFlush)
	t.Register("function|list", e.cmdFunctionList)
	t.Register("function|dump", e.cmdFunctionDump)
	t.Register("function|restore", e.cmdFunctionRestore)
	t.Register("function|stats", e.cmdFunctionStats)
	t.Register("function|kill", e.cmdFunctionKill)
	t.Register("function|help", e.cmdFunctionHelp)
}

// MemoryStats are the scripting figures of INFO memory.
type MemoryStats struct {
	LuaVM         int64 // used_memory_lua, used_memory_vm_eval
	ScriptsEval   int64 // used_memory_scripts_eval
	CachedScripts int   // number_of_cached_scripts
	Functions     int   // number_of_functions
	Libraries     int   // number_of_libraries
	FunctionsVM   int64 // used_memory_vm_functions
	FunctionsMem  int64 // used_memory_functions
}

// Memory returns the figures for INFO memory (call under the lock).
func (e *Engine) Memory() MemoryStats {
	return MemoryStats{
		LuaVM:         e.luaMemory(e.eval),
		ScriptsEval:   e.scriptsMem,
		CachedScripts: len(e.scripts),
		Functions:     len(e.functions.fns),
		Libraries:     len(e.functions.libs),
		FunctionsVM:   e.luaMemory(e.fn),
		FunctionsMem:  e.functionsMem(),
	}
}

// MemoryStats implements server.Scripting.
func (e *Engine) MemoryStats() server.ScriptingMemory {
	m := e.Memory()
	return server.ScriptingMemory{VMEval: m.LuaVM, ScriptsEval: m.ScriptsEval, CachedScripts: m.CachedScripts,
		Functions: m.Functions, Libraries: m.Libraries, VMFunctions: m.FunctionsVM, FunctionsMem: m.FunctionsMem}
}

// luaMemory estimates the memory a Lua state holds. gopher-lua values
// live on the Go heap, which has no per-state accounting; a fresh state is
// about the size of Redis's (32 KiB) and grows with what scripts keep.
func (e *Engine) luaMemory(env *luaEnv) int64 {
	if env == nil {
		return 0
	}
	n := int64(31 * 1024)
	if env == e.eval {
		n += int64(len(e.scripts)) * 1024
	} else {
		n += int64(len(e.functions.fns)) * 512
	}
	return n
}

func (e *Engine) libs() *libSet { return e.functions }

func (e *Engine) functionsMem() int64 {
	var n int64
	for _, lib := range e.functions.libs {
		n += int64(len(lib.name)+len(lib.code)) + 64
		for _, f := range lib.functions {
			n += int64(len(f.name)+len(f.desc)) + 64
		}
	}
	return n
}

// callScript runs fn, a compiled script or function, and writes its reply
// to ctx. It is the common part of EVAL and FCALL.
func (e *Engine) callScript(ctx *command.Ctx, env *luaEnv, fn *lua.LFunction, name string, flags scriptFlags, ro bool, keys, args [][]byte) {
	isEval := !env.funcs
	readOnly := ro || (!flags.has(flagEvalCompat) && flags.has(flagNoWrites))
	run := e.srv.BeginScript(ctx, readOnly, !isEval)
	defer run.End()
	if !flags.has(flagEvalCompat) && flags.has(flagAllowOOM) {
		run.SetAllowOOM()
	}
	rc := &env.rc
	rc.run, rc.resp = run, 2
	// ctx.Args stay valid while the command runs, which is as long as
	// FUNCTION STATS may show them.
	e.runInfo = runningScript{name: name, eval: isEval, args: ctx.Args}
	if !isEval {
		e.runInfo.start = time.Now() // for FUNCTION STATS
	}
	e.running = &e.runInfo
	env.cur = rc
	L := env.L
	if e.srv.ConfigLocked().BusyReplyThreshold > 0 {
		env.hook.start(func() error {
			if run.Check() {
				return errKilled
			}
			return nil
		})
	}
	defer func() {
		env.hook.stop()
		env.cur = nil
		rc.run = nil
		e.running = nil
	}()

	keyT := L.CreateTable(len(keys), 0)
	for i, k := range keys {
		keyT.RawSetInt(i+1, lua.LString(k))
	}
	argT := L.CreateTable(len(args), 0)
	for i, a := range args {
		argT.RawSetInt(i+1, lua.LString(a))
	}
	L.Push(fn)
	nargs := 0
	if isEval {
		env.globals.RawSetString("KEYS", keyT)
		env.globals.RawSetString("ARGV", argT)
	} else {
		L.Push(keyT)
		L.Push(argT)
		nargs = 2
	}
	err := L.PCall(nargs, 1, env.handler)
	if err != nil {
		e.replyScriptError(ctx, env, err, name)
		return
	}
	ret := L.Get(-1)
	L.Pop(1)
	luaToReply(ctx.W, ret, rc.resp)
}
