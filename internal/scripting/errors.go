package scripting

import (
	"strings"

	"github.com/autobot-ai/autobot-redis/internal/command"
	lua "github.com/yuin/gopher-lua"
)

// Script errors. An error raised while a script runs reaches the error
// handler with the Lua stack still in place; like Redis's handler it turns
// the error into a table {err=..., source=..., line=...}, where source and
// line locate the Lua code that raised it (the caller, when a library
// function raised it). The command then replies
//
//	-<err> script: <sha1 or function name>, on <source>:<line>.

func (env *luaEnv) errorHandler(L *lua.LState) int {
	errv := L.Get(1)
	dbg, ok := L.GetStack(1)
	inLua := false // raised by the interpreter in a Lua function
	if ok {
		if _, err := L.GetInfo("Sl", dbg, nil); err != nil {
			ok = false
		} else if dbg.What != "G" {
			inLua = true
		} else {
			dbg, ok = L.GetStack(2)
			if ok {
				if _, err := L.GetInfo("Sl", dbg, nil); err != nil {
					ok = false
				}
			}
		}
	}
	if s, isStr := errv.(lua.LString); isStr && env.hook.stopped() == nil {
		if inLua {
			errv = lua.LString(translateRuntimeError(L, dbg, string(s)))
		} else if d1, ok1 := L.GetStack(1); ok1 && env.isGopherFn(L, d1) {
			errv = lua.LString(noValue(d1, string(s)))
		}
	}
	t, isTable := errv.(*lua.LTable)
	if stop := env.hook.stopped(); stop != nil {
		// The hook stopped the script: report why, not the VM's wording.
		t, isTable = errorTable(L, stop.Error(), false), true
	}
	if !isTable {
		t = L.CreateTable(0, 3)
		t.RawSetString("err", lua.LString("ERR "+luaMessage(tostringPlain(L, errv))))
	}
	if ok {
		src := dbg.Source
		line := dbg.CurrentLine
		if dbg.What == "G" {
			src, line = "=[C]", -1
		}
		t.RawSetString("source", lua.LString(env.sourceName(src)))
		t.RawSetString("line", lua.LNumber(line))
	}
	L.Push(t)
	return 1
}

// messageHandler is the error handler of pcall and of library loading:
// it only rewords runtime errors as Lua 5.1 does.
func (env *luaEnv) messageHandler(L *lua.LState) int {
	errv := L.Get(1)
	if s, ok := errv.(lua.LString); ok && env.hook.stopped() == nil {
		msg := string(s)
		if dbg, ok := L.GetStack(1); ok {
			if _, err := L.GetInfo("S", dbg, nil); err == nil {
				if dbg.What != "G" {
					msg = translateRuntimeError(L, dbg, msg)
				} else if env.isGopherFn(L, dbg) {
					msg = noValue(dbg, msg)
				}
			}
		}
		errv = lua.LString(luaMessage(msg))
	}
	L.Push(errv)
	return 1
}

// isGopherFn reports whether the frame runs one of gopher-lua's library
// functions.
func (env *luaEnv) isGopherFn(L *lua.LState, dbg *lua.Debug) bool {
	fn, err := L.GetInfo("f", dbg, nil)
	if err != nil {
		return false
	}
	f, ok := fn.(*lua.LFunction)
	return ok && env.gopherFns[f]
}

// sourceName maps a chunk's short name back to its source name.
func (env *luaEnv) sourceName(short string) string {
	if s, ok := env.sources[short]; ok {
		return s
	}
	return short
}

// tostringPlain is Lua's tostring without metamethods for numbers,
// strings, nil and booleans (the values errors usually carry).
func tostringPlain(L *lua.LState, v lua.LValue) string {
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return fmtNumber(float64(v))
	}
	return L.ToStringMeta(v).String()
}

// replyScriptError writes the reply for a script that raised an error.
func (e *Engine) replyScriptError(ctx *command.Ctx, env *luaEnv, err error, name string) {
	aerr, ok := err.(*lua.ApiError)
	var obj lua.LValue = lua.LString(err.Error())
	if ok {
		obj = aerr.Object
	}
	t, isTable := obj.(*lua.LTable)
	if s, ok := obj.(lua.LString); ok && !isTable {
		// The handler could not run (the error is a stack overflow, and
		// the full stack has no room for it): the position is in the
		// message, as Lua's handler would have found it.
		if prefix, _ := splitPosition(string(s)); prefix != "" {
			pos := strings.TrimSuffix(prefix, ": ")
			if i := strings.LastIndexByte(pos, ':'); i > 0 {
				ctx.Error("ERR " + luaMessage(string(s)) + " script: " + name + ", on " + env.sourceName(pos[:i]) + ":" + pos[i+1:] + ".")
				return
			}
		}
	}
	if !isTable {
		msg := "execution failure"
		if s, ok := obj.(lua.LString); ok {
			msg = string(s)
		}
		if len(msg) > 100 {
			msg = msg[:100]
		}
		ctx.Error("ERR Error running script " + name + ", " + msg)
		return
	}
	msg := ""
	if s, ok := t.RawGetString("err").(lua.LString); ok {
		msg = cstr(string(s))
	} else if n, ok := t.RawGetString("err").(lua.LNumber); ok {
		msg = fmtNumber(float64(n))
	}
	final := msg
	src, hasSrc := luaString(t.RawGetString("source"))
	line, hasLine := luaString(t.RawGetString("line"))
	if hasSrc && hasLine {
		final += " script: " + name + ", on " + src + ":" + line + "."
	}
	if final == "" {
		ctx.W.Raw([]byte("-\r\n"))
		return
	}
	ctx.Error(final)
}

// luaString is lua_isstring + lua_tostring: strings and numbers.
func luaString(v lua.LValue) (string, bool) {
	switch v := v.(type) {
	case lua.LString:
		return cstr(string(v)), true
	case lua.LNumber:
		return fmtNumber(float64(v)), true
	}
	return "", false
}
