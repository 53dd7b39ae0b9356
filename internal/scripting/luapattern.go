package scripting

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1 patterns: string.find, string.match, string.gmatch and
// string.gsub with the matcher of Lua's lstrlib (gopher-lua's differs:
// no %f frontiers, other errors, other handling of init positions). The
// pattern is a C string (it ends at a NUL byte); the subject may hold any
// byte. Character classes follow the C locale.

const (
	capUnfinished = -1
	capPosition   = -2
	maxCaptures   = 32
	patSpecials   = "^$*+?.([%-"
)

type capture struct {
	init int
	len  int
}

type matchState struct {
	L     *lua.LState
	src   string
	pat   string
	level int
	cap   [maxCaptures]capture
	depth int
}

// pc returns the pattern byte at i, or 0 past its end.
func (ms *matchState) pc(i int) byte {
	if i < len(ms.pat) {
		return ms.pat[i]
	}
	return 0
}

func (ms *matchState) sc(i int) int {
	if i < len(ms.src) {
		return int(ms.src[i])
	}
	return 0
}

func (ms *matchState) checkCapture(l int) int {
	l -= '1'
	if l < 0 || l >= ms.level || ms.cap[l].len == capUnfinished {
		ms.L.RaiseError("invalid capture index")
	}
	return l
}

func (ms *matchState) captureToClose() int {
	for level := ms.level - 1; level >= 0; level-- {
		if ms.cap[level].len == capUnfinished {
			return level
		}
	}
	ms.L.RaiseError("invalid pattern capture")
	return 0
}

func (ms *matchState) classEnd(p int) int {
	c := ms.pc(p)
	p++
	switch c {
	case '%':
		if ms.pc(p) == 0 {
			ms.L.RaiseError("%s", "malformed pattern (ends with '%')")
		}
		return p + 1
	case '[':
		if ms.pc(p) == '^' {
			p++
		}
		for {
			if ms.pc(p) == 0 {
				ms.L.RaiseError("malformed pattern (missing ']')")
			}
			c := ms.pc(p)
			p++
			if c == '%' && ms.pc(p) != 0 {
				p++
			}
			if ms.pc(p) == ']' {
				break
			}
		}
		return p + 1
	}
	return p
}

func cIsAlpha(c int) bool  { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func cIsDigit(c int) bool  { return c >= '0' && c <= '9' }
func cIsLower(c int) bool  { return c >= 'a' && c <= 'z' }
func cIsUpper(c int) bool  { return c >= 'A' && c <= 'Z' }
func cIsSpace(c int) bool  { return c == ' ' || c >= 9 && c <= 13 }
func cIsCntrl(c int) bool  { return c < 32 || c == 127 }
func cIsXDigit(c int) bool { return cIsDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func cIsPunct(c int) bool {
	return c > 32 && c < 127 && !cIsAlpha(c) && !cIsDigit(c)
}

func matchClass(c, cl int) bool {
	var res bool
	lower := cl
	if cIsUpper(cl) {
		lower = cl + 'a' - 'A'
	}
	switch lower {
	case 'a':
		res = cIsAlpha(c)
	case 'c':
		res = cIsCntrl(c)
	case 'd':
		res = cIsDigit(c)
	case 'l':
		res = cIsLower(c)
	case 'p':
		res = cIsPunct(c)
	case 's':
		res = cIsSpace(c)
	case 'u':
		res = cIsUpper(c)
	case 'w':
		res = cIsAlpha(c) || cIsDigit(c)
	case 'x':
		res = cIsXDigit(c)
	case 'z':
		res = c == 0
	default:
		return cl == c
	}
	if cIsUpper(cl) {
		res = !res
	}
	return res
}

// matchBracketClass: p points at '[', ec at the closing ']'.
func (ms *matchState) matchBracketClass(c, p, ec int) bool {
	sig := true
	if ms.pc(p+1) == '^' {
		sig = false
		p++
	}
	for p++; p < ec; p++ {
		if ms.pc(p) == '%' {
			p++
			if matchClass(c, int(ms.pc(p))) {
				return sig
			}
		} else if ms.pc(p+1) == '-' && p+2 < ec {
			p += 2
			if int(ms.pc(p-2)) <= c && c <= int(ms.pc(p)) {
				return sig
			}
		} else if int(ms.pc(p)) == c {
			return sig
		}
	}
	return !sig
}

func (ms *matchState) singleMatch(c, p, ep int) bool {
	switch ms.pc(p) {
	case '.':
		return true
	case '%':
		return matchClass(c, int(ms.pc(p+1)))
	case '[':
		return ms.matchBracketClass(c, p, ep-1)
	}
	return int(ms.pc(p)) == c
}

func (ms *matchState) matchBalance(s, p int) int {
	if ms.pc(p) == 0 || ms.pc(p+1) == 0 {
		ms.L.RaiseError("unbalanced pattern")
	}
	if s >= len(ms.src) || ms.src[s] != ms.pc(p) {
		return -1
	}
	b, e := ms.pc(p), ms.pc(p+1)
	cont := 1
	for s++; s < len(ms.src); s++ {
		if ms.src[s] == e {
			cont--
			if cont == 0 {
				return s + 1
			}
		} else if ms.src[s] == b {
			cont++
		}
	}
	return -1
}

func (ms *matchState) maxExpand(s, p, ep int) int {
	i := 0
	for s+i < len(ms.src) && ms.singleMatch(int(ms.src[s+i]), p, ep) {
		i++
	}
	for ; i >= 0; i-- {
		if res := ms.match(s+i, ep+1); res >= 0 {
			return res
		}
	}
	return -1
}

func (ms *matchState) minExpand(s, p, ep int) int {
	for {
		if res := ms.match(s, ep+1); res >= 0 {
			return res
		}
		if s < len(ms.src) && ms.singleMatch(int(ms.src[s]), p, ep) {
			s++
		} else {
			return -1
		}
	}
}

func (ms *matchState) startCapture(s, p, what int) int {
	level := ms.level
	if level >= maxCaptures {
		ms.L.RaiseError("too many captures")
	}
	ms.cap[level] = capture{init: s, len: what}
	ms.level = level + 1
	res := ms.match(s, p)
	if res < 0 {
		ms.level--
	}
	return res
}

func (ms *matchState) endCapture(s, p int) int {
	l := ms.captureToClose()
	ms.cap[l].len = s - ms.cap[l].init
	res := ms.match(s, p)
	if res < 0 {
		ms.cap[l].len = capUnfinished
	}
	return res
}

func (ms *matchState) matchCapture(s, l int) int {
	l = ms.checkCapture(l)
	n := ms.cap[l].len
	if len(ms.src)-s >= n && ms.src[ms.cap[l].init:ms.cap[l].init+n] == ms.src[s:s+n] {
		return s + n
	}
	return -1
}

// maxMatchDepth guards the Go stack; Lua 5.1 has no limit and would run
// out of C stack on such patterns.
const maxMatchDepth = 200000

// match returns the end of the match of pattern p at subject position s,
// or -1.
func (ms *matchState) match(s, p int) int {
	ms.depth++
	defer func() { ms.depth-- }()
	if ms.depth > maxMatchDepth {
		ms.L.RaiseError("pattern too complex")
	}
	for {
		switch ms.pc(p) {
		case '(':
			if ms.pc(p+1) == ')' {
				return ms.startCapture(s, p+2, capPosition)
			}
			return ms.startCapture(s, p+1, capUnfinished)
		case ')':
			return ms.endCapture(s, p+1)
		case 0:
			return s
		case '$':
			if ms.pc(p+1) == 0 {
				if s == len(ms.src) {
					return s
				}
				return -1
			}
		case '%':
			switch ms.pc(p + 1) {
			case 'b':
				s = ms.matchBalance(s, p+2)
				if s < 0 {
					return -1
				}
				p += 4
				continue
			case 'f':
				p += 2
				if ms.pc(p) != '[' {
					ms.L.RaiseError("%s", "missing '[' after '%f' in pattern")
				}
				ep := ms.classEnd(p)
				prev := 0
				if s > 0 {
					prev = int(ms.src[s-1])
				}
				if ms.matchBracketClass(prev, p, ep-1) || !ms.matchBracketClass(ms.sc(s), p, ep-1) {
					return -1
				}
				p = ep
				continue
			default:
				if c := ms.pc(p + 1); c >= '0' && c <= '9' {
					s = ms.matchCapture(s, int(c))
					if s < 0 {
						return -1
					}
					p += 2
					continue
				}
			}
		}
		// A single-character item, possibly repeated.
		ep := ms.classEnd(p)
		m := s < len(ms.src) && ms.singleMatch(int(ms.src[s]), p, ep)
		switch ms.pc(ep) {
		case '?':
			if m {
				if res := ms.match(s+1, ep+1); res >= 0 {
					return res
				}
			}
			p = ep + 1
			continue
		case '*':
			return ms.maxExpand(s, p, ep)
		case '+':
			if m {
				return ms.maxExpand(s+1, p, ep)
			}
			return -1
		case '-':
			return ms.minExpand(s, p, ep)
		}
		if !m {
			return -1
		}
		s++
		p = ep
	}
}

// capture i of a match [s, e).
func (ms *matchState) oneCapture(i, s, e int) lua.LValue {
	if i >= ms.level {
		if i == 0 {
			return lua.LString(ms.src[s:e])
		}
		ms.L.RaiseError("invalid capture index")
	}
	c := ms.cap[i]
	switch c.len {
	case capUnfinished:
		ms.L.RaiseError("unfinished capture")
	case capPosition:
		return lua.LNumber(c.init + 1)
	}
	return lua.LString(ms.src[c.init : c.init+c.len])
}

// pushCaptures pushes the captures (the whole match when there are none
// and whole is true) and returns how many.
func (ms *matchState) pushCaptures(s, e int, whole bool) int {
	n := ms.level
	if n == 0 && whole {
		n = 1
	}
	for i := 0; i < n; i++ {
		ms.L.Push(ms.oneCapture(i, s, e))
	}
	return n
}

// posRelat is posrelat: negative positions count from the end.
func posRelat(pos int64, n int) int64 {
	if pos < 0 {
		pos += int64(n) + 1
	}
	if pos < 0 {
		return 0
	}
	return pos
}

func optInteger(L *lua.LState, i int, def int64, fname string) int64 {
	if v := L.Get(i); v == lua.LNil {
		return def
	}
	return cLong(checkNumber(L, i, fname))
}

func strFindAux(L *lua.LState, find bool) int {
	fname := "match"
	if find {
		fname = "find"
	}
	s := checkString(L, 1, fname)
	p := checkString(L, 2, fname)
	init := posRelat(optInteger(L, 3, 1, fname), len(s)) - 1
	if init < 0 {
		init = 0
	} else if init > int64(len(s)) {
		init = int64(len(s))
	}
	if find && (lua.LVAsBool(L.Get(4)) || !strings.ContainsAny(cstr(p), patSpecials)) {
		if i := strings.Index(s[init:], p); i >= 0 {
			start := int(init) + i
			L.Push(lua.LNumber(start + 1))
			L.Push(lua.LNumber(start + len(p)))
			return 2
		}
		L.Push(lua.LNil)
		return 1
	}
	pat := cstr(p)
	anchor := strings.HasPrefix(pat, "^")
	if anchor {
		pat = pat[1:]
	}
	ms := &matchState{L: L, src: s, pat: pat}
	for s1 := int(init); ; s1++ {
		ms.level = 0
		if e := ms.match(s1, 0); e >= 0 {
			if find {
				L.Push(lua.LNumber(s1 + 1))
				L.Push(lua.LNumber(e))
				return ms.pushCaptures(0, 0, false) + 2
			}
			return ms.pushCaptures(s1, e, true)
		}
		if s1 >= len(s) || anchor {
			break
		}
	}
	L.Push(lua.LNil)
	return 1
}

func strFind(L *lua.LState) int  { return strFindAux(L, true) }
func strMatch(L *lua.LState) int { return strFindAux(L, false) }

func strGmatch(L *lua.LState) int {
	s := checkString(L, 1, "gmatch")
	p := cstr(checkString(L, 2, "gmatch"))
	pos := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		ms := &matchState{L: L, src: s, pat: p}
		for src := pos; src <= len(s); src++ {
			ms.level = 0
			if e := ms.match(src, 0); e >= 0 {
				pos = e
				if e == src {
					pos++
				}
				return ms.pushCaptures(src, e, true)
			}
		}
		return 0
	}))
	return 1
}

func strGsub(L *lua.LState) int {
	src := checkString(L, 1, "gsub")
	pat := cstr(checkString(L, 2, "gsub"))
	repl := L.Get(3)
	maxS := int64(len(src) + 1)
	if L.Get(4) != lua.LNil {
		maxS = int64(int32(cLong(checkNumber(L, 4, "gsub"))))
	}
	switch repl.(type) {
	case lua.LNumber, lua.LString, *lua.LFunction, *lua.LTable:
	default:
		argError(L, 3, "gsub", "string/function/table expected")
	}
	anchor := strings.HasPrefix(pat, "^")
	if anchor {
		pat = pat[1:]
	}
	ms := &matchState{L: L, src: src, pat: pat}
	var b []byte
	n := int64(0)
	s := 0
	for n < maxS {
		ms.level = 0
		e := ms.match(s, 0)
		if e >= 0 {
			n++
			b = ms.addValue(b, repl, s, e)
		}
		if e >= 0 && e > s {
			s = e
		} else if s < len(src) {
			b = append(b, src[s])
			s++
		} else {
			break
		}
		if anchor {
			break
		}
	}
	b = append(b, src[s:]...)
	L.Push(lua.LString(b))
	L.Push(lua.LNumber(n))
	return 2
}

func (ms *matchState) addValue(b []byte, repl lua.LValue, s, e int) []byte {
	L := ms.L
	var v lua.LValue
	switch r := repl.(type) {
	case lua.LNumber, lua.LString:
		news := lua.LVAsString(r)
		if n, ok := r.(lua.LNumber); ok {
			news = fmtNumber(float64(n))
		}
		for i := 0; i < len(news); i++ {
			if news[i] != '%' {
				b = append(b, news[i])
				continue
			}
			i++
			var c byte
			if i < len(news) {
				c = news[i]
			}
			switch {
			case c < '0' || c > '9':
				b = append(b, c)
			case c == '0':
				b = append(b, ms.src[s:e]...)
			default:
				cv := ms.oneCapture(int(c-'1'), s, e)
				b = append(b, tostringPlain(L, cv)...)
			}
		}
		return b
	case *lua.LFunction:
		top := L.GetTop()
		L.Push(r)
		nc := ms.pushCaptures(s, e, true)
		L.Call(nc, 1)
		v = L.Get(-1)
		L.SetTop(top)
	case *lua.LTable:
		v = L.GetTable(r, ms.oneCapture(0, s, e))
	}
	switch x := v.(type) {
	case lua.LString:
		return append(b, x...)
	case lua.LNumber:
		return append(b, fmtNumber(float64(x))...)
	}
	if !lua.LVAsBool(v) {
		return append(b, ms.src[s:e]...)
	}
	L.RaiseError("invalid replacement value (a %s)", typeName(v))
	return b
}
