package scripting

import (
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Base library adjustments: Lua 5.1 semantics where gopher-lua differs
// (number formatting, error, load), Redis's pcall, and the functions that
// must see through read-only proxies.

func (env *luaEnv) installBase() {
	L := env.L
	g := env.globals
	orig := func(name string) lua.LGFunction {
		if f, ok := g.RawGetString(name).(*lua.LFunction); ok && f.IsG {
			return f.GFunction
		}
		return nil
	}
	set := func(name string, fn lua.LGFunction) { g.RawSetString(name, L.NewFunction(fn)) }

	set("pcall", env.basePcall)
	set("error", baseError)
	set("tostring", baseTostring)
	set("loadstring", env.baseLoadstring)
	set("load", env.baseLoad)
	set("gcinfo", func(L *lua.LState) int {
		L.Push(lua.LNumber(env.e.luaMemory(env) / 1024))
		return 1
	})

	// Functions that bypass metatables must not bypass the sandbox.
	set("setmetatable", func(L *lua.LState) int {
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			argError(L, 1, "setmetatable", "table expected, got "+luaTypeName(L, 1))
		}
		if _, isProxy := env.ro[t]; isProxy {
			raiseNoPos(L, errReadonly)
		}
		mt := L.Get(2)
		if _, isTable := mt.(*lua.LTable); !isTable && mt != lua.LNil {
			argError(L, 2, "setmetatable", "nil or table expected")
		}
		if L.GetMetaField(t, "__metatable") != lua.LNil {
			L.RaiseError("cannot change a protected metatable")
		}
		t.Metatable = mt
		L.SetTop(1)
		return 1
	})
	rawset := orig("rawset")
	set("rawset", func(L *lua.LState) int {
		if _, isProxy := env.ro[asTable(L.Get(1))]; isProxy {
			raiseNoPos(L, errReadonly)
		}
		return rawset(L)
	})
	for _, name := range []string{"rawget", "next", "unpack"} {
		set(name, env.seeThrough(orig(name), 1))
	}
	set("tonumber", baseTonumber)
	// ipairs iterates with rawgeti, through proxies too.
	ipairsAux := L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		i := L.CheckInt(2) + 1
		v := t.RawGetInt(i)
		if v == lua.LNil {
			return 0
		}
		L.Push(lua.LNumber(i))
		L.Push(v)
		return 2
	})
	set("ipairs", func(L *lua.LState) int {
		t := env.checkTable(L, 1, "ipairs")
		if r, ok := env.ro[t]; ok {
			t = r
		}
		L.Push(ipairsAux)
		L.Push(t)
		L.Push(lua.LNumber(0))
		return 3
	})
	// pairs is a closure over next in gopher-lua; rebuild it on ours.
	next := g.RawGetString("next")
	g.RawSetString("pairs", L.NewFunction(func(L *lua.LState) int {
		t := env.checkTable(L, 1, "pairs")
		if r, ok := env.ro[t]; ok {
			t = r
		}
		L.Push(next)
		L.Push(t)
		L.Push(lua.LNil)
		return 3
	}))
}

// baseTonumber is Lua 5.1's tonumber: strtod for base 10, strtoul for
// the other bases.
func baseTonumber(L *lua.LState) int {
	base := 10
	if L.Get(2) != lua.LNil {
		base = checkInt(L, 2, "tonumber")
	}
	if base == 10 {
		if L.GetTop() < 1 {
			argError(L, 1, "tonumber", "value expected")
		}
		v := L.Get(1)
		switch v := v.(type) {
		case lua.LNumber:
			L.Push(v)
			return 1
		case lua.LString:
			if f, ok := str2number(string(v)); ok {
				L.Push(lua.LNumber(f))
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}
	s := checkString(L, 1, "tonumber")
	if base < 2 || base > 36 {
		argError(L, 2, "tonumber", "base out of range")
	}
	if n, ok := strtoul(cstr(s), base); ok {
		L.Push(lua.LNumber(float64(n)))
		return 1
	}
	L.Push(lua.LNil)
	return 1
}

// strtoul is C's strtoul over the whole string (trailing whitespace
// allowed): optional sign (a minus wraps), optional 0x for base 16.
func strtoul(s string, base int) (uint64, bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if base == 16 && i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && hexVal(s[i+2]) >= 0 {
		i += 2
	}
	start := i
	var n uint64
	overflow := false
	for i < len(s) {
		d := digitVal(s[i])
		if d < 0 || d >= base {
			break
		}
		if n > (math.MaxUint64-uint64(d))/uint64(base) {
			overflow = true
		}
		n = n*uint64(base) + uint64(d)
		i++
	}
	if i == start {
		return 0, false
	}
	for ; i < len(s); i++ {
		if !isCSpace(s[i]) {
			return 0, false
		}
	}
	if overflow {
		n = math.MaxUint64
	} else if neg {
		n = -n
	}
	return n, true
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// installLibraries wraps the table library for proxies and replaces the
// parts of string and math whose behaviour Redis defines (string.format's
// C formatting, the deterministic math.random), then adds Redis's extra
// libraries.
func (env *luaEnv) installLibraries() {
	L := env.L
	g := env.globals
	if t, ok := g.RawGetString("table").(*lua.LTable); ok {
		for _, name := range []string{"insert", "remove", "sort"} {
			if f, ok := t.RawGetString(name).(*lua.LFunction); ok && f.IsG {
				fn := f.GFunction
				t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
					if _, isProxy := env.ro[asTable(L.Get(1))]; isProxy {
						raiseNoPos(L, errReadonly)
					}
					return fn(L)
				}))
			}
		}
		for _, name := range []string{"concat", "getn", "maxn", "foreach", "foreachi"} {
			if f, ok := t.RawGetString(name).(*lua.LFunction); ok && f.IsG {
				t.RawSetString(name, L.NewFunction(env.seeThrough(f.GFunction, 1)))
			}
		}
		t.RawSetString("setn", L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("'setn' is obsolete")
			return 0
		}))
		if t.RawGetString("foreach") == lua.LNil {
			t.RawSetString("foreach", L.NewFunction(env.tableForeach))
			t.RawSetString("foreachi", L.NewFunction(env.tableForeachi))
		}
	}
	if s, ok := g.RawGetString("string").(*lua.LTable); ok {
		s.RawSetString("__index", lua.LNil)
		s.RawSetString("format", L.NewFunction(strFormat))
		s.RawSetString("rep", L.NewFunction(strRep))
		if s.RawGetString("gfind") == lua.LNil {
			s.RawSetString("gfind", s.RawGetString("gmatch"))
		}
	}
	if m, ok := g.RawGetString("math").(*lua.LTable); ok {
		m.RawSetString("random", L.NewFunction(env.mathRandom))
		m.RawSetString("randomseed", L.NewFunction(env.mathRandomseed))
	}
	g.RawSetString("cjson", openCjson(L))
	g.RawSetString("struct", openStruct(L))
	g.RawSetString("cmsgpack", openCmsgpack(L))
	g.RawSetString("bit", openBit(L))
}

func checkFunction(L *lua.LState, i int, fname string) *lua.LFunction {
	f, ok := L.Get(i).(*lua.LFunction)
	if !ok {
		argError(L, i, fname, "function expected, got "+luaTypeName(L, i))
	}
	return f
}

func asTable(v lua.LValue) *lua.LTable {
	t, _ := v.(*lua.LTable)
	return t
}

// seeThrough returns fn with argument i replaced by the real table when it
// is a read-only proxy.
func (env *luaEnv) seeThrough(fn lua.LGFunction, i int) lua.LGFunction {
	return func(L *lua.LState) int {
		if t, ok := L.Get(i).(*lua.LTable); ok {
			if r, ok := env.ro[t]; ok {
				L.Replace(i, r)
			}
		}
		return fn(L)
	}
}

// Lua 5.1's table.foreach and table.foreachi (deprecated, still present).
func (env *luaEnv) tableForeach(L *lua.LState) int {
	t := env.checkTable(L, 1, "foreach")
	if r, ok := env.ro[t]; ok {
		t = r
	}
	f := checkFunction(L, 2, "foreach")
	k, v := t.Next(lua.LNil)
	for k != lua.LNil {
		L.Push(f)
		L.Push(k)
		L.Push(v)
		L.Call(2, 1)
		if r := L.Get(-1); r != lua.LNil {
			return 1
		}
		L.Pop(1)
		k, v = t.Next(k)
	}
	return 0
}

func (env *luaEnv) tableForeachi(L *lua.LState) int {
	t := env.checkTable(L, 1, "foreachi")
	if r, ok := env.ro[t]; ok {
		t = r
	}
	f := checkFunction(L, 2, "foreachi")
	n := t.Len()
	for i := 1; i <= n; i++ {
		L.Push(f)
		L.Push(lua.LNumber(i))
		L.Push(t.RawGetInt(i))
		L.Call(2, 1)
		if r := L.Get(-1); r != lua.LNil {
			return 1
		}
		L.Pop(1)
	}
	return 0
}

// basePcall is Redis's pcall: like Lua's, except that an error raised as
// a Redis error table ({err="..."}) is returned as its message string, as
// scripts written for Redis before 7.0 expect.
func (env *luaEnv) basePcall(L *lua.LState) int {
	if L.GetTop() == 0 {
		// Redis's pcall calls the value below its arguments: nothing.
		L.Push(lua.LNil)
		return 1
	}
	v := L.Get(1)
	if v.Type() != lua.LTFunction && L.GetMetaField(v, "__call").Type() != lua.LTFunction {
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a " + v.Type().String() + " value"))
		return 2
	}
	nargs := L.GetTop() - 1
	err := L.PCall(nargs, lua.MultRet, env.msgh)
	if err == nil {
		L.Insert(lua.LTrue, 1)
		return L.GetTop()
	}
	var obj lua.LValue = lua.LString(err.Error())
	if aerr, ok := err.(*lua.ApiError); ok {
		obj = aerr.Object
	}
	if t, ok := obj.(*lua.LTable); ok {
		if s, ok := t.RawGetString("err").(lua.LString); ok {
			obj = s
		}
	}
	L.Push(lua.LFalse)
	L.Push(obj)
	return 2
}

// baseError is Lua 5.1's error(): a string (or number) message gets the
// position of the function at the given level; anything else, nil
// included, is raised as is.
func baseError(L *lua.LState) int {
	obj := L.Get(1)
	level := 1
	if L.Get(2) != lua.LNil {
		level = checkInt(L, 2, "error")
	}
	switch v := obj.(type) {
	case lua.LString:
		if level > 0 {
			obj = lua.LString(luaWhere(L, level) + string(v))
		}
	case lua.LNumber:
		if level > 0 {
			obj = lua.LString(luaWhere(L, level) + fmtNumber(float64(v)))
		}
	}
	L.Error(obj, 0)
	return 0
}

// luaWhere is luaL_where: "chunk:line: " for a Lua function at the given
// stack level (0 is the running function), "" otherwise.
func luaWhere(L *lua.LState, level int) string {
	dbg, ok := L.GetStack(level)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", dbg, nil); err != nil {
		return ""
	}
	if dbg.What == "G" || dbg.CurrentLine <= 0 {
		return ""
	}
	return dbg.Source + ":" + itoa(dbg.CurrentLine) + ": "
}

// baseTostring formats numbers like Lua 5.1 (%.14g).
func baseTostring(L *lua.LState) int {
	if L.GetTop() < 1 {
		argError(L, 1, "tostring", "value expected")
	}
	v := L.Get(1)
	if n, ok := v.(lua.LNumber); ok {
		L.Push(lua.LString(fmtNumber(float64(n))))
		return 1
	}
	L.Push(L.ToStringMeta(v))
	return 1
}

// baseLoadstring is Lua 5.1's loadstring: the chunk is named after its
// text (or the given name), which error messages show as [string "..."].
func (env *luaEnv) baseLoadstring(L *lua.LState) int {
	src := checkString(L, 1, "loadstring")
	name := src
	if L.Get(2) != lua.LNil {
		name = checkString(L, 2, "loadstring")
	}
	return env.loadChunk(L, src, name)
}

// baseLoad is Lua 5.1's load: the chunk comes from calling a reader
// function until it returns nil or "".
func (env *luaEnv) baseLoad(L *lua.LState) int {
	fn := checkFunction(L, 1, "load")
	name := "=(load)"
	if L.Get(2) != lua.LNil {
		name = checkString(L, 2, "load")
	}
	var b strings.Builder
	for {
		L.Push(fn)
		L.Call(0, 1)
		piece := L.Get(-1)
		L.Pop(1)
		if piece == lua.LNil {
			break
		}
		s, ok := piece.(lua.LString)
		if !ok {
			if n, isNum := piece.(lua.LNumber); isNum {
				s = lua.LString(fmtNumber(float64(n)))
			} else {
				L.RaiseError("reader function must return a string")
			}
		}
		if len(s) == 0 {
			break
		}
		b.WriteString(string(s))
	}
	return env.loadChunk(L, b.String(), name)
}

func (env *luaEnv) loadChunk(L *lua.LState, src, chunkname string) int {
	short := chunkID(chunkname)
	if len(env.sources) < 256 {
		env.sources[short] = chunkname
	}
	proto, err := compileLua(src, short, 1)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	fn := L.NewFunctionFromProto(proto)
	fn.Env = env.env
	L.Push(fn)
	return 1
}

// chunkID is luaO_chunkid: how Lua 5.1 names a chunk in messages. The
// reference server's Lua (Debian's) has LUA_IDSIZE 80.
func chunkID(source string) string {
	const idsize = 80
	source = cstr(source)
	switch {
	case strings.HasPrefix(source, "="):
		s := source[1:]
		if len(s) > idsize-1 {
			s = s[:idsize-1]
		}
		return s
	case strings.HasPrefix(source, "@"):
		s := source[1:]
		room := idsize - len(" '...' ") - 1
		if len(s) > room {
			return "..." + s[len(s)-room:]
		}
		return s
	}
	room := idsize - len(` [string "..."] `) - 1
	n := strings.IndexAny(source, "\r\n")
	if n < 0 {
		n = len(source)
	}
	if n > room {
		n = room
	}
	if n < len(source) {
		return `[string "` + source[:n] + `..."]`
	}
	return `[string "` + source + `"]`
}
