package scripting

import (
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1 library functions whose gopher-lua versions behave or word
// their errors differently: string matching, table.insert/remove/concat,
// select, assert, math.max/min, collectgarbage, and a few details.

func (env *luaEnv) installStd() {
	L := env.L
	g := env.globals
	fn := func(t *lua.LTable, name string, f lua.LGFunction) { t.RawSetString(name, L.NewFunction(f)) }
	if s, ok := g.RawGetString("string").(*lua.LTable); ok {
		fn(s, "find", strFind)
		fn(s, "match", strMatch)
		fn(s, "gmatch", strGmatch)
		fn(s, "gfind", strGmatch)
		fn(s, "gsub", strGsub)
		fn(s, "char", strChar)
	}
	if t, ok := g.RawGetString("table").(*lua.LTable); ok {
		fn(t, "insert", env.tableInsert)
		fn(t, "remove", env.tableRemove)
		fn(t, "concat", env.tableConcat)
	}
	if m, ok := g.RawGetString("math").(*lua.LTable); ok {
		m.RawSetString("huge", lua.LNumber(math.Inf(1)))
		fn(m, "max", func(L *lua.LState) int { return mathMinMax(L, "max", func(a, b float64) bool { return a > b }) })
		fn(m, "min", func(L *lua.LState) int { return mathMinMax(L, "min", func(a, b float64) bool { return a < b }) })
		// glibc returns a negative NaN for these out of their domain.
		for _, name := range []string{"log", "log10", "sqrt"} {
			if f, ok := m.RawGetString(name).(*lua.LFunction); ok && f.IsG {
				orig := f.GFunction
				fn(m, name, func(L *lua.LState) int {
					x := checkNumber(L, 1, name)
					if x < 0 {
						L.Push(lua.LNumber(math.Copysign(math.NaN(), -1)))
						return 1
					}
					return orig(L)
				})
			}
		}
	}
	if co, ok := g.RawGetString("coroutine").(*lua.LTable); ok {
		if f, ok := co.RawGetString("yield").(*lua.LFunction); ok && f.IsG {
			orig := f.GFunction
			fn(co, "yield", func(L *lua.LState) int {
				if L.Parent == nil {
					raiseNoPos(L, "attempt to yield across metamethod/C-call boundary")
				}
				return orig(L)
			})
		}
	}
	set := func(name string, f lua.LGFunction) { g.RawSetString(name, L.NewFunction(f)) }
	set("select", baseSelect)
	set("assert", baseAssert)
	set("collectgarbage", func(L *lua.LState) int {
		opt := "collect"
		if L.Get(1) != lua.LNil {
			opt = checkString(L, 1, "collectgarbage")
		}
		switch opt {
		case "count":
			L.Push(lua.LNumber(float64(env.e.luaMemory(env)) / 1024))
		case "step":
			L.Push(lua.LFalse)
		case "stop", "restart", "collect", "setpause", "setstepmul":
			L.Push(lua.LNumber(0))
		default:
			argError(L, 1, "collectgarbage", "invalid option '"+cstr(opt)+"'")
		}
		return 1
	})
}

func strChar(L *lua.LState) int {
	n := L.GetTop()
	b := make([]byte, n)
	for i := 1; i <= n; i++ {
		c := checkInt(L, i, "char")
		if c < 0 || c > 255 {
			argError(L, i, "char", "invalid value")
		}
		b[i-1] = byte(c)
	}
	L.Push(lua.LString(b))
	return 1
}

func (env *luaEnv) checkTable(L *lua.LState, i int, fname string) *lua.LTable {
	t, ok := L.Get(i).(*lua.LTable)
	if !ok {
		argError(L, i, fname, "table expected, got "+luaTypeName(L, i))
	}
	return t
}

func (env *luaEnv) tableInsert(L *lua.LState) int {
	t := env.checkTable(L, 1, "insert")
	if _, isProxy := env.ro[t]; isProxy {
		raiseNoPos(L, errReadonly)
	}
	e := t.Len() + 1
	var pos int
	switch L.GetTop() {
	case 2:
		pos = e
	case 3:
		pos = checkInt(L, 2, "insert")
		if pos > e {
			e = pos
		}
		for i := e; i > pos; i-- {
			t.RawSetInt(i, t.RawGetInt(i-1))
		}
	default:
		L.RaiseError("wrong number of arguments to 'insert'")
	}
	t.RawSetInt(pos, L.Get(L.GetTop()))
	return 0
}

func (env *luaEnv) tableRemove(L *lua.LState) int {
	t := env.checkTable(L, 1, "remove")
	if _, isProxy := env.ro[t]; isProxy {
		raiseNoPos(L, errReadonly)
	}
	e := t.Len()
	pos := e
	if L.Get(2) != lua.LNil {
		pos = checkInt(L, 2, "remove")
	}
	if e == 0 {
		return 0
	}
	if pos < 1 || pos > e {
		return 0
	}
	v := t.RawGetInt(pos)
	for ; pos < e; pos++ {
		t.RawSetInt(pos, t.RawGetInt(pos+1))
	}
	t.RawSetInt(e, lua.LNil)
	L.Push(v)
	return 1
}

func (env *luaEnv) tableConcat(L *lua.LState) int {
	sep := ""
	if L.Get(2) != lua.LNil {
		sep = checkString(L, 2, "concat")
	}
	t := env.checkTable(L, 1, "concat")
	if r, ok := env.ro[t]; ok {
		t = r
	}
	i := 1
	if L.Get(3) != lua.LNil {
		i = checkInt(L, 3, "concat")
	}
	last := t.Len()
	if L.Get(4) != lua.LNil {
		last = checkInt(L, 4, "concat")
	}
	var b strings.Builder
	for ; i <= last; i++ {
		switch v := t.RawGetInt(i).(type) {
		case lua.LString:
			b.WriteString(string(v))
		case lua.LNumber:
			b.WriteString(fmtNumber(float64(v)))
		default:
			L.RaiseError("invalid value (%s) at index %d in table for 'concat'", typeName(v), i)
		}
		if i != last {
			b.WriteString(sep)
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}

func baseSelect(L *lua.LState) int {
	n := L.GetTop()
	if s, ok := L.Get(1).(lua.LString); ok && len(s) > 0 && s[0] == '#' {
		L.Push(lua.LNumber(n - 1))
		return 1
	}
	i := checkInt(L, 1, "select")
	if i < 0 {
		i = n + i
	} else if i > n {
		i = n
	}
	if i < 1 {
		argError(L, 1, "select", "index out of range")
	}
	return n - i
}

func baseAssert(L *lua.LState) int {
	if L.GetTop() < 1 {
		argError(L, 1, "assert", "value expected")
	}
	if !lua.LVAsBool(L.Get(1)) {
		msg := "assertion failed!"
		if L.GetTop() >= 2 {
			msg = checkString(L, 2, "assert")
		}
		L.RaiseError("%s", msg)
	}
	return L.GetTop()
}

func mathMinMax(L *lua.LState, fname string, better func(a, b float64) bool) int {
	n := L.GetTop()
	best := checkNumber(L, 1, fname)
	for i := 2; i <= n; i++ {
		if v := checkNumber(L, i, fname); better(v, best) {
			best = v
		}
	}
	L.Push(lua.LNumber(best))
	return 1
}
