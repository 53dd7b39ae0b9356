package scripting

import (
	"math"
	"strconv"
	"strings"

	"github.com/autobot-ai/autobot-redis/internal/resp"
	lua "github.com/yuin/gopher-lua"
)

// Conversions between Redis replies and Lua values, as Redis 7.0 defines
// them (see the EVAL documentation's "Conversion between Lua and Redis
// data types").

// errorTable builds the table Redis uses for errors in Lua, {err="CODE
// msg"}. buf is either "-CODE msg" (an error reply, or a text that has its
// own code) or a bare message, which gets the generic ERR code. Trailing
// newlines are dropped, and the text stops at a NUL byte as C strings do.
func errorTable(L *lua.LState, buf string, ignoreStats bool) *lua.LTable {
	buf = cstr(buf)
	code, msg := "ERR", buf
	if strings.HasPrefix(buf, "-") {
		rest := buf[1:]
		if i := strings.IndexByte(rest, ' '); i >= 0 {
			code, msg = rest[:i], rest[i+1:]
		} else {
			msg = rest
		}
	}
	msg = strings.Trim(msg, "\r\n")
	t := L.CreateTable(0, 2)
	t.RawSetString("err", lua.LString(code+" "+msg))
	if ignoreStats {
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
	}
	return t
}

// serverError turns an error text from ScriptRun.Call into errorTable's
// input: texts that start with an error code (all capitals, as "OOM ..."
// or "NOPERM ...") keep it, the others get ERR.
func serverError(text string) string {
	word, _, _ := strings.Cut(text, " ")
	if len(word) >= 2 {
		upper := true
		for i := 0; i < len(word); i++ {
			if word[i] < 'A' || word[i] > 'Z' {
				upper = false
				break
			}
		}
		if upper {
			return "-" + text
		}
	}
	return text
}

// replyToLua converts one RESP2/RESP3 reply produced by the server into a
// Lua value: integers become numbers, bulk strings strings, nulls false
// (RESP2) or nil (RESP3 null), status replies {ok=...}, errors {err=...},
// arrays tables, and the RESP3 types their documented tables.
func replyToLua(L *lua.LState, b []byte) (lua.LValue, bool) {
	p := replyParser{L: L, b: b}
	v, ok := p.value(0)
	return v, ok
}

type replyParser struct {
	L *lua.LState
	b []byte
	i int
}

// line returns the rest of the current line (after the type byte) and
// moves past its CRLF.
func (p *replyParser) line() ([]byte, bool) {
	start := p.i
	for p.i+1 < len(p.b) {
		if p.b[p.i] == '\r' && p.b[p.i+1] == '\n' {
			l := p.b[start:p.i]
			p.i += 2
			return l, true
		}
		p.i++
	}
	return nil, false
}

func (p *replyParser) length() (int, bool) {
	l, ok := p.line()
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(string(l))
	return n, err == nil
}

func (p *replyParser) blob(n int) ([]byte, bool) {
	if n < 0 || p.i+n+2 > len(p.b) {
		return nil, false
	}
	s := p.b[p.i : p.i+n]
	p.i += n + 2
	return s, true
}

// maxReplyDepth bounds nesting in replies (server replies are shallow; this
// only guards against malformed input).
const maxReplyDepth = 1000

func (p *replyParser) value(depth int) (lua.LValue, bool) {
	if p.i >= len(p.b) || depth > maxReplyDepth {
		return lua.LNil, false
	}
	L := p.L
	t := p.b[p.i]
	p.i++
	switch t {
	case ':':
		l, ok := p.line()
		if !ok {
			return lua.LNil, false
		}
		n, err := strconv.ParseInt(string(l), 10, 64)
		return lua.LNumber(n), err == nil
	case '$':
		n, ok := p.length()
		if !ok {
			return lua.LNil, false
		}
		if n < 0 {
			return lua.LFalse, true
		}
		s, ok := p.blob(n)
		return lua.LString(s), ok
	case '+':
		l, ok := p.line()
		tb := L.CreateTable(0, 1)
		tb.RawSetString("ok", lua.LString(l))
		return tb, ok
	case '-':
		l, ok := p.line()
		return errorTable(L, "-"+string(l), true), ok
	case '!':
		n, ok := p.length()
		if !ok {
			return lua.LNil, false
		}
		s, ok := p.blob(n)
		return errorTable(L, "-"+string(s), true), ok
	case '*', '~', '>':
		n, ok := p.length()
		if !ok {
			return lua.LNil, false
		}
		if n < 0 {
			return lua.LFalse, true
		}
		if t == '~' {
			set := L.CreateTable(0, n)
			for j := 0; j < n; j++ {
				v, ok := p.value(depth + 1)
				if !ok {
					return lua.LNil, false
				}
				if v != lua.LNil {
					set.RawSet(v, lua.LTrue)
				}
			}
			tb := L.CreateTable(0, 1)
			tb.RawSetString("set", set)
			return tb, true
		}
		tb := L.CreateTable(n, 0)
		for j := 1; j <= n; j++ {
			v, ok := p.value(depth + 1)
			if !ok {
				return lua.LNil, false
			}
			if v != lua.LNil {
				tb.RawSetInt(j, v)
			}
		}
		return tb, true
	case '%':
		n, ok := p.length()
		if !ok {
			return lua.LNil, false
		}
		m := L.CreateTable(0, n)
		for j := 0; j < n; j++ {
			k, ok := p.value(depth + 1)
			if !ok {
				return lua.LNil, false
			}
			v, ok := p.value(depth + 1)
			if !ok {
				return lua.LNil, false
			}
			if k != lua.LNil && !isNaN(k) {
				m.RawSet(k, v)
			}
		}
		tb := L.CreateTable(0, 1)
		tb.RawSetString("map", m)
		return tb, true
	case '|':
		// Attributes are not shown to scripts: skip them.
		n, ok := p.length()
		if !ok {
			return lua.LNil, false
		}
		for j := 0; j < 2*n; j++ {
			if _, ok := p.value(depth + 1); !ok {
				return lua.LNil, false
			}
		}
		return p.value(depth)
	case '_':
		_, ok := p.line()
		return lua.LNil, ok
	case '#':
		l, ok := p.line()
		return lua.LBool(len(l) == 1 && l[0] == 't'), ok
	case ',':
		l, ok := p.line()
		if !ok {
			return lua.LNil, false
		}
		f, ok := parseRespDouble(string(l))
		tb := L.CreateTable(0, 1)
		tb.RawSetString("double", lua.LNumber(f))
		return tb, ok
	case '(':
		l, ok := p.line()
		tb := L.CreateTable(0, 1)
		tb.RawSetString("big_number", lua.LString(l))
		return tb, ok
	case '=':
		n, ok := p.length()
		if !ok {
			return lua.LNil, false
		}
		s, ok := p.blob(n)
		if !ok || len(s) < 4 {
			return lua.LNil, false
		}
		vs := L.CreateTable(0, 2)
		vs.RawSetString("string", lua.LString(s[4:]))
		vs.RawSetString("format", lua.LString(s[:3]))
		tb := L.CreateTable(0, 1)
		tb.RawSetString("verbatim_string", vs)
		return tb, true
	}
	return lua.LNil, false
}

func isNaN(v lua.LValue) bool {
	n, ok := v.(lua.LNumber)
	return ok && math.IsNaN(float64(n))
}

func parseRespDouble(s string) (float64, bool) {
	switch s {
	case "inf":
		return math.Inf(1), true
	case "-inf":
		return math.Inf(-1), true
	case "nan":
		return math.NaN(), true
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// The conversion of the script's return value keeps the values it walks
// on the Lua stack, as Redis's does; deep (or cyclic) tables make it run
// out of stack (lua_checkstack fails past LUAI_MAXCSTACK slots), where
// Redis answers "reached lua stack limit" for the value. slots counts the
// stack slots in use the way Redis's conversion uses them.
const replyBaseSlots = 2 // the error handler and the returned value

// luaToReply writes v as the script's reply. scriptResp is the protocol
// the script selected with redis.setresp (it decides how booleans map);
// the writer speaks the caller's protocol.
func luaToReply(w *resp.Writer, v lua.LValue, scriptResp int) {
	c := replyConv{w: w, resp: scriptResp}
	c.write(v, replyBaseSlots)
}

type replyConv struct {
	w    *resp.Writer
	resp int
}

func (c *replyConv) write(v lua.LValue, slots int) {
	w := c.w
	if slots+4 > luaMaxCStack {
		w.Error("ERR reached lua stack limit")
		return
	}
	switch v := v.(type) {
	case lua.LString:
		w.BulkString(string(v))
	case lua.LBool:
		if c.resp == 2 {
			if v {
				w.Int(1)
			} else {
				w.Null()
			}
		} else {
			w.Bool(bool(v))
		}
	case lua.LNumber:
		w.Int(cLong(float64(v)))
	case *lua.LTable:
		c.table(v, slots)
	default:
		w.Null()
	}
}

func (c *replyConv) table(t *lua.LTable, slots int) {
	w := c.w
	if e, ok := t.RawGetString("err").(lua.LString); ok {
		w.Error(strings.TrimRight(cstr(string(e)), "\r\n"))
		return
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		w.Status(mapCRLF(cstr(string(s))))
		return
	}
	if d, ok := t.RawGetString("double").(lua.LNumber); ok {
		f := float64(d)
		if math.IsNaN(f) {
			// printf spells NaN with its sign ("-nan" for 0/0 on x86).
			s := appendG(nil, f, 17)
			if w.Proto() == 3 {
				w.Raw(append(append([]byte{','}, s...), '\r', '\n'))
			} else {
				w.Bulk(s)
			}
			return
		}
		w.Double(f)
		return
	}
	if b, ok := t.RawGetString("big_number").(lua.LString); ok {
		w.BigNumber(mapCRLF(string(b)))
		return
	}
	if vs, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		if f, ok := vs.RawGetString("format").(lua.LString); ok {
			if s, ok := vs.RawGetString("string").(lua.LString); ok {
				format := []byte("   ")
				fs := cstr(string(f))
				for i := 0; i < 3 && i < len(fs); i++ {
					format[i] = fs[i]
				}
				w.Verbatim(string(format), string(s))
				return
			}
		}
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		d := w.Defer()
		n := 0
		k, v := m.Next(lua.LNil)
		for k != lua.LNil {
			// Stack: map, key, value, and a copy of the key.
			c.write(k, slots+4)
			c.write(v, slots+3)
			n++
			k, v = m.Next(k)
		}
		w.SetMapLen(d, n)
		return
	}
	if s, ok := t.RawGetString("set").(*lua.LTable); ok {
		d := w.Defer()
		n := 0
		k, _ := s.Next(lua.LNil)
		for k != lua.LNil {
			// Stack: set, key, and a copy of the key.
			c.write(k, slots+3)
			n++
			k, _ = s.Next(k)
		}
		w.SetSetLen(d, n)
		return
	}
	// An array: elements 1, 2, ... up to the first nil.
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	w.ArrayLen(n)
	for i := 1; i <= n; i++ {
		c.write(t.RawGetInt(i), slots+1)
	}
}

// mapCRLF replaces CR and LF with spaces so a status line stays one line.
func mapCRLF(s string) string {
	if strings.IndexAny(s, "\r\n") < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}
