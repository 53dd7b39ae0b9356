package scripting

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// luaEnv is one Lua interpreter dressed as Redis 7.0 dresses its own: the
// libraries Redis loads, the redis.* API, and the sandbox. Like Redis, the
// engine keeps two of them: one for EVAL scripts and one for function
// libraries, so that neither can see the other's state.
//
// The sandbox. Redis 7.0 marks the global table and every table reachable
// from it read-only (a patch to its Lua), and gives the global table a
// metatable whose __index raises an error for unknown names. gopher-lua has
// no read-only tables, so each protected table is shown to scripts through
// an empty proxy whose metatable forwards reads to the real table and
// rejects writes. The functions that bypass metatables (rawset, rawget,
// next, setmetatable, table.insert...) are replaced by versions that see
// through the proxies, so scripts observe the same behaviour.
type luaEnv struct {
	e     *Engine
	L     *lua.LState
	funcs bool // the function engine (FCALL) rather than EVAL

	globals *lua.LTable // the real global table
	env     *lua.LTable // the read-only proxy scripts see as _G
	envMeta *lua.LTable // env's metatable (FUNCTION LOAD swaps its __index)
	libAPI  *lua.LTable // function engine: what FUNCTION LOAD code may see

	// gopherFns are gopher-lua's library functions.
	gopherFns map[*lua.LFunction]bool

	// ro maps each read-only proxy to the table it stands for.
	ro map[*lua.LTable]*lua.LTable

	handler   *lua.LFunction // error handler: adds source and line
	msgh      *lua.LFunction // pcall's error handler: rewords messages
	readonlyF *lua.LFunction // __newindex of the proxies

	// sources maps the short chunk names used in messages to the names
	// Redis reports as "source" ("user_script" -> "@user_script").
	sources map[string]string

	cur  *runCtx  // the script being run, nil between runs
	rc   runCtx   // reused for every run
	load *loadCtx // FUNCTION LOAD in progress
	hook *hook    // instruction hook (busy scripts, kill, load timeout)
	rnd  lrand48  // math.random's generator
}

const (
	evalChunk     = "user_script"
	functionChunk = "user_function"
)

// errReadonly is raised by any attempt to change a protected table.
const errReadonly = "Attempt to modify a readonly table"

func newLuaEnv(e *Engine, funcs bool) *luaEnv {
	L := lua.NewState(lua.Options{
		SkipOpenLibs: true,
		// Lua 5.1 allows 20000 nested Lua calls (LUAI_MAXCALLS).
		CallStackSize:   luaMaxCalls,
		RegistrySize:    1024,
		RegistryMaxSize: luaMaxStack,
	})
	env := &luaEnv{
		e:       e,
		L:       L,
		funcs:   funcs,
		ro:      map[*lua.LTable]*lua.LTable{},
		sources: map[string]string{evalChunk: "@" + evalChunk, functionChunk: "@" + functionChunk},
		hook:    &hook{},
	}
	env.rnd.seed(0)
	env.hook.env = env
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{"", lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	g := L.G.Global
	env.globals = g
	// Remember gopher-lua's own library functions: their argument errors
	// need rewording (see noValue).
	env.gopherFns = map[*lua.LFunction]bool{}
	g.ForEach(func(_, v lua.LValue) {
		switch v := v.(type) {
		case *lua.LFunction:
			env.gopherFns[v] = true
		case *lua.LTable:
			v.ForEach(func(_, f lua.LValue) {
				if f, ok := f.(*lua.LFunction); ok {
					env.gopherFns[f] = true
				}
			})
		}
	})
	// Lua 5.1 base functions Redis does not expose, and gopher-lua extras.
	for _, name := range []string{"dofile", "loadfile", "print", "module", "require", "_printregs", "_GOPHER_LUA_VERSION",
		"getfenv", "setfenv", "newproxy"} {
		g.RawSetString(name, lua.LNil)
	}
	env.readonlyF = L.NewFunction(luaReadonlyError)
	env.installBase()
	env.installLibraries()
	env.installStd()
	env.installRedisAPI()

	// Protect everything reachable from the globals, then the globals.
	for _, name := range []string{"string", "table", "math", "coroutine", "redis", "cjson", "struct", "cmsgpack", "bit"} {
		if t, ok := g.RawGetString(name).(*lua.LTable); ok {
			g.RawSetString(name, env.protect(t))
		}
	}
	// String methods ("x"):upper() go through the string metatable.
	if mt, ok := L.GetMetatable(lua.LString("")).(*lua.LTable); ok {
		mt.RawSetString("__index", g.RawGetString("string"))
	}
	missing := L.NewTable()
	missing.RawSetString("__index", L.NewFunction(luaMissingGlobal))
	g.Metatable = missing

	env.env = env.protect(g)
	env.envMeta = env.env.Metatable.(*lua.LTable)
	g.RawSetString("_G", env.env)
	L.Env = env.env
	env.handler = L.NewFunction(env.errorHandler)
	env.msgh = L.NewFunction(env.messageHandler)
	if !funcs {
		// Redis keeps its EVAL error handler in a global.
		g.RawSetString("__redis__err__handler", env.handler)
	}
	if funcs {
		env.libAPI = env.newLibraryAPI()
	}
	return env
}

// Limits matching Lua 5.1's: nested calls, and the stack size beyond which
// lua_checkstack fails (LUAI_MAXCSTACK), used by unpack and the reply
// conversions.
const (
	luaMaxCalls = 19999
	luaMaxStack = 1 << 20
)

// protect returns the read-only proxy of t.
func (env *luaEnv) protect(t *lua.LTable) *lua.LTable {
	L := env.L
	p := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", env.readonlyF)
	// getmetatable(proxy) shows what Redis shows: a metatable, itself
	// read-only.
	shown := L.NewTable()
	if t.Metatable != lua.LNil {
		if m, ok := t.Metatable.(*lua.LTable); ok {
			shown = m
		}
	}
	sp := L.NewTable()
	smt := L.NewTable()
	smt.RawSetString("__index", shown)
	smt.RawSetString("__newindex", env.readonlyF)
	sp.Metatable = smt
	env.ro[sp] = shown
	mt.RawSetString("__metatable", sp)
	p.Metatable = mt
	env.ro[p] = t
	return p
}

// real returns the table a value stands for when it is a read-only proxy.
func (env *luaEnv) real(v lua.LValue) (*lua.LTable, bool) {
	t, ok := v.(*lua.LTable)
	if !ok {
		return nil, false
	}
	if r, ok := env.ro[t]; ok {
		return r, true
	}
	return t, false
}

func luaReadonlyError(L *lua.LState) int {
	L.RaiseError(errReadonly)
	return 0
}

// luaMissingGlobal is the globals' __index: reading an unknown global is
// an error in Redis.
func luaMissingGlobal(L *lua.LState) int {
	if L.GetTop() != 2 {
		L.RaiseError("Wrong number of arguments to luaProtectedTableError")
	}
	k := L.Get(2)
	var name string
	switch k := k.(type) {
	case lua.LString:
		name = cstr(string(k))
	case lua.LNumber:
		name = fmtNumber(float64(k))
	default:
		L.RaiseError("Second argument to luaProtectedTableError must be a string or number")
	}
	L.RaiseError("Script attempted to access nonexistent global variable '%s'", name)
	return 0
}

// cstr cuts s at its first NUL byte, as C string formatting does.
func cstr(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// raiseNoPos raises msg without position information, as errors raised by
// C functions inside the Lua core (not through luaL_error) look.
func raiseNoPos(L *lua.LState, msg string) {
	L.Error(lua.LString(msg), 0)
}

// newLibraryAPI builds the globals FUNCTION LOAD code runs with: only a
// reduced redis table (register_function, log, versions).
func (env *luaEnv) newLibraryAPI() *lua.LTable {
	L := env.L
	api := L.NewTable()
	r := L.NewTable()
	r.RawSetString("register_function", L.NewFunction(env.registerFunction))
	env.registerLog(r)
	registerVersion(r)
	errMeta := L.NewTable()
	errMeta.RawSetString("__index", L.NewFunction(luaMissingGlobal))
	r.Metatable = errMeta
	api.RawSetString("redis", env.protect(r))
	api.Metatable = errMeta
	return env.protect(api)
}

// withLibraryAPI runs fn with the library API as the scripts' globals.
func (env *luaEnv) withLibraryAPI(fn func()) {
	env.envMeta.RawSetString("__index", env.ro[env.libAPI])
	defer env.envMeta.RawSetString("__index", env.globals)
	fn()
}
