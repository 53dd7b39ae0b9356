package scripting

import (
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The cjson library (lua-cjson 2.1.0 as bundled with Redis): JSON encoding
// and decoding with its configuration functions. JSON null decodes to
// cjson.null, a userdata that converts back to null.

type cjsonConfig struct {
	sparseConvert    bool
	sparseRatio      int
	sparseSafe       int
	encodeMaxDepth   int
	decodeMaxDepth   int
	encodeInvalid    int // 0 off, 1 on, 2 null
	decodeInvalid    bool
	encodeKeepBuffer bool
	encodePrecision  int
}

func newCjsonConfig() *cjsonConfig {
	return &cjsonConfig{
		sparseRatio:      2,
		sparseSafe:       10,
		encodeMaxDepth:   1000,
		decodeMaxDepth:   1000,
		decodeInvalid:    true,
		encodeKeepBuffer: true,
		encodePrecision:  14,
	}
}

// cjsonNull is cjson.null (Redis: a NULL light userdata). One value per
// Lua state, so scripts can compare against it.
func openCjson(L *lua.LState) *lua.LTable {
	return openCjsonWith(L, L.NewUserData())
}

func openCjsonWith(L *lua.LState, null *lua.LUserData) *lua.LTable {
	cfg := newCjsonConfig()
	t := L.NewTable()
	reg := func(name string, fn func(L *lua.LState, cfg *cjsonConfig, null *lua.LUserData) int) {
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int { return fn(L, cfg, null) }))
	}
	reg("encode", cjsonEncode)
	reg("decode", cjsonDecode)
	reg("encode_sparse_array", cjsonCfgSparse)
	reg("encode_max_depth", func(L *lua.LState, cfg *cjsonConfig, _ *lua.LUserData) int {
		cjsonArgInit(L, 1, "encode_max_depth")
		return cjsonIntOption(L, 1, "encode_max_depth", &cfg.encodeMaxDepth, 1, math.MaxInt32)
	})
	reg("decode_max_depth", func(L *lua.LState, cfg *cjsonConfig, _ *lua.LUserData) int {
		cjsonArgInit(L, 1, "decode_max_depth")
		return cjsonIntOption(L, 1, "decode_max_depth", &cfg.decodeMaxDepth, 1, math.MaxInt32)
	})
	reg("encode_number_precision", func(L *lua.LState, cfg *cjsonConfig, _ *lua.LUserData) int {
		cjsonArgInit(L, 1, "encode_number_precision")
		return cjsonIntOption(L, 1, "encode_number_precision", &cfg.encodePrecision, 1, 14)
	})
	reg("encode_keep_buffer", func(L *lua.LState, cfg *cjsonConfig, _ *lua.LUserData) int {
		cjsonArgInit(L, 1, "encode_keep_buffer")
		v := 0
		if cfg.encodeKeepBuffer {
			v = 1
		}
		n := cjsonEnumOption(L, 1, "encode_keep_buffer", &v, nil)
		cfg.encodeKeepBuffer = v != 0
		return n
	})
	reg("encode_invalid_numbers", func(L *lua.LState, cfg *cjsonConfig, _ *lua.LUserData) int {
		cjsonArgInit(L, 1, "encode_invalid_numbers")
		return cjsonEnumOption(L, 1, "encode_invalid_numbers", &cfg.encodeInvalid, []string{"off", "on", "null"})
	})
	reg("decode_invalid_numbers", func(L *lua.LState, cfg *cjsonConfig, _ *lua.LUserData) int {
		cjsonArgInit(L, 1, "decode_invalid_numbers")
		v := 0
		if cfg.decodeInvalid {
			v = 1
		}
		n := cjsonEnumOption(L, 1, "decode_invalid_numbers", &v, nil)
		cfg.decodeInvalid = v != 0
		return n
	})
	t.RawSetString("new", L.NewFunction(func(L *lua.LState) int {
		L.Push(openCjsonWith(L, null))
		return 1
	}))
	t.RawSetString("null", null)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	return t
}

func cjsonArgInit(L *lua.LState, args int, fname string) {
	if L.GetTop() > args {
		argError(L, args+1, fname, "found too many arguments")
	}
}

func cjsonIntOption(L *lua.LState, idx int, fname string, setting *int, lo, hi int) int {
	if v := L.Get(idx); v != lua.LNil {
		n := int(cLong(checkNumber(L, idx, fname)))
		if n < lo || n > hi {
			argError(L, 1, fname, "expected integer between "+itoa(lo)+" and "+itoa(hi))
		}
		*setting = n
	}
	L.Push(lua.LNumber(*setting))
	return 1
}

// cjsonEnumOption handles on/off options (options nil) and the
// off/on/null one; booleans are accepted for on and off.
func cjsonEnumOption(L *lua.LState, idx int, fname string, setting *int, options []string) int {
	if options == nil {
		options = []string{"off", "on"}
	}
	if v := L.Get(idx); v != lua.LNil {
		if b, ok := v.(lua.LBool); ok {
			*setting = 0
			if b {
				*setting = 1
			}
		} else {
			s := checkString(L, idx, fname)
			found := false
			for i, o := range options {
				if s == o {
					*setting, found = i, true
					break
				}
			}
			if !found {
				argError(L, idx, fname, "invalid option '"+cstr(s)+"'")
			}
		}
	}
	if *setting == 0 || *setting == 1 {
		L.Push(lua.LBool(*setting == 1))
	} else {
		L.Push(lua.LString(options[*setting]))
	}
	return 1
}

func cjsonCfgSparse(L *lua.LState, cfg *cjsonConfig, _ *lua.LUserData) int {
	cjsonArgInit(L, 3, "encode_sparse_array")
	v := 0
	if cfg.sparseConvert {
		v = 1
	}
	cjsonEnumOption(L, 1, "encode_sparse_array", &v, nil)
	cfg.sparseConvert = v != 0
	cjsonIntOption(L, 2, "encode_sparse_array", &cfg.sparseRatio, 0, math.MaxInt32)
	cjsonIntOption(L, 3, "encode_sparse_array", &cfg.sparseSafe, 0, math.MaxInt32)
	return 3
}

// JSON escapes for the bytes lua-cjson escapes.
var cjsonEscapes = func() [256]string {
	var t [256]string
	for i := 0; i < 32; i++ {
		t[i] = "\\u00" + string("0123456789abcdef"[i>>4]) + string("0123456789abcdef"[i&15])
	}
	t['\b'], t['\t'], t['\n'], t['\f'], t['\r'] = "\\b", "\\t", "\\n", "\\f", "\\r"
	t['"'], t['\\'], t['/'] = "\\\"", "\\\\", "\\/"
	t[127] = "\\u007f"
	return t
}()

type cjsonEncoder struct {
	L    *lua.LState
	cfg  *cjsonConfig
	null *lua.LUserData
	out  []byte
}

func cjsonEncode(L *lua.LState, cfg *cjsonConfig, null *lua.LUserData) int {
	if L.GetTop() != 1 {
		argError(L, 1, "encode", "expected 1 argument")
	}
	e := &cjsonEncoder{L: L, cfg: cfg, null: null}
	e.value(L.Get(1), 0)
	L.Push(lua.LString(e.out))
	return 1
}

func (e *cjsonEncoder) fail(v lua.LValue, reason string) {
	e.L.RaiseError("Cannot serialise %s: %s", typeName(v), reason)
}

func (e *cjsonEncoder) str(s string) {
	e.out = append(e.out, '"')
	for i := 0; i < len(s); i++ {
		if esc := cjsonEscapes[s[i]]; esc != "" {
			e.out = append(e.out, esc...)
		} else {
			e.out = append(e.out, s[i])
		}
	}
	e.out = append(e.out, '"')
}

func (e *cjsonEncoder) number(v lua.LNumber) {
	f := float64(v)
	switch e.cfg.encodeInvalid {
	case 0:
		if math.IsInf(f, 0) || math.IsNaN(f) {
			e.fail(v, "must not be NaN or Inf")
		}
	case 1:
		if math.IsNaN(f) {
			e.out = append(e.out, "nan"...)
			return
		}
	default:
		if math.IsInf(f, 0) || math.IsNaN(f) {
			e.out = append(e.out, "null"...)
			return
		}
	}
	e.out = appendG(e.out, f, e.cfg.encodePrecision)
}

func (e *cjsonEncoder) value(v lua.LValue, depth int) {
	switch v := v.(type) {
	case lua.LString:
		e.str(string(v))
	case lua.LNumber:
		e.number(v)
	case lua.LBool:
		if v {
			e.out = append(e.out, "true"...)
		} else {
			e.out = append(e.out, "false"...)
		}
	case *lua.LTable:
		depth++
		if depth > e.cfg.encodeMaxDepth || depth > luaMaxCStack {
			e.L.RaiseError("Cannot serialise, excessive nesting (%d)", depth)
		}
		if n := e.arrayLength(v); n > 0 {
			e.out = append(e.out, '[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					e.out = append(e.out, ',')
				}
				e.value(v.RawGetInt(i), depth)
			}
			e.out = append(e.out, ']')
			return
		}
		e.out = append(e.out, '{')
		first := true
		k, val := v.Next(lua.LNil)
		for k != lua.LNil {
			if !first {
				e.out = append(e.out, ',')
			}
			first = false
			switch k := k.(type) {
			case lua.LNumber:
				e.out = append(e.out, '"')
				e.number(k)
				e.out = append(e.out, '"', ':')
			case lua.LString:
				e.str(string(k))
				e.out = append(e.out, ':')
			default:
				e.fail(k, "table key must be a number or string")
			}
			e.value(val, depth)
			k, val = v.Next(k)
		}
		e.out = append(e.out, '}')
	case *lua.LNilType:
		e.out = append(e.out, "null"...)
	case *lua.LUserData:
		if v == e.null {
			e.out = append(e.out, "null"...)
			return
		}
		e.fail(v, "type not supported")
	default:
		e.fail(v, "type not supported")
	}
}

// luaMaxCStack is Lua 5.1's LUAI_MAXCSTACK, the stack limit checked by
// lua_checkstack (cjson stops nesting there too).
const luaMaxCStack = 8000

// arrayLength is lua_array_length: the highest index when every key is
// a positive integer (-1 otherwise), checking for sparse arrays.
func (e *cjsonEncoder) arrayLength(t *lua.LTable) int {
	max, items := 0, 0
	k, _ := t.Next(lua.LNil)
	for k != lua.LNil {
		n, ok := k.(lua.LNumber)
		f := float64(n)
		if !ok || f == 0 || math.Floor(f) != f || f < 1 {
			return -1
		}
		if f > float64(max) {
			if f > math.MaxInt32 {
				max = math.MaxInt32
			} else {
				max = int(f)
			}
		}
		items++
		k, _ = t.Next(k)
	}
	cfg := e.cfg
	if cfg.sparseRatio > 0 && max > items*cfg.sparseRatio && max > cfg.sparseSafe {
		if !cfg.sparseConvert {
			e.fail(t, "excessively sparse array")
		}
		return -1
	}
	return max
}

// Decoding.

type cjsonTokType int

const (
	tObjBegin cjsonTokType = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tWhitespace
	tError
	tUnknown
)

var cjsonTokNames = [...]string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",
	"T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_WHITESPACE", "T_ERROR", "T_UNKNOWN"}

type cjsonToken struct {
	typ   cjsonTokType
	index int
	str   string // string value, or the error text for tError
	num   float64
	b     bool
}

type cjsonDecoder struct {
	L     *lua.LState
	cfg   *cjsonConfig
	null  *lua.LUserData
	data  string
	p     int
	depth int
}

// at returns the byte at i, or 0 past the end (the C code reads the
// string's terminating NUL).
func (d *cjsonDecoder) at(i int) byte {
	if i < len(d.data) {
		return d.data[i]
	}
	return 0
}

func cjsonDecode(L *lua.LState, cfg *cjsonConfig, null *lua.LUserData) int {
	if L.GetTop() != 1 {
		argError(L, 1, "decode", "expected 1 argument")
	}
	data := checkString(L, 1, "decode")
	if len(data) >= 2 && (data[0] == 0 || data[1] == 0) {
		L.RaiseError("JSON parser does not support UTF-16 or UTF-32")
	}
	d := &cjsonDecoder{L: L, cfg: cfg, null: null, data: data}
	var tok cjsonToken
	d.next(&tok)
	v := d.value(&tok)
	d.next(&tok)
	if tok.typ != tEnd {
		d.fail("the end", &tok)
	}
	L.Push(v)
	return 1
}

func (d *cjsonDecoder) fail(exp string, tok *cjsonToken) {
	found := cjsonTokNames[tok.typ]
	if tok.typ == tError {
		found = tok.str
	}
	d.L.RaiseError("Expected %s but found %s at character %d", exp, found, tok.index+1)
}

func (d *cjsonDecoder) setError(tok *cjsonToken, msg string) {
	tok.typ = tError
	tok.index = d.p
	tok.str = msg
}

func cjsonCharToken(c byte) cjsonTokType {
	switch c {
	case '{':
		return tObjBegin
	case '}':
		return tObjEnd
	case '[':
		return tArrBegin
	case ']':
		return tArrEnd
	case ',':
		return tComma
	case ':':
		return tColon
	case 0:
		return tEnd
	case ' ', '\t', '\n', '\r':
		return tWhitespace
	case 'f', 'i', 'I', 'n', 'N', 't', '"', '+', '-':
		return tUnknown
	}
	if c >= '0' && c <= '9' {
		return tUnknown
	}
	return tError
}

func (d *cjsonDecoder) next(tok *cjsonToken) {
	var c byte
	for {
		c = d.at(d.p)
		tok.typ = cjsonCharToken(c)
		if tok.typ != tWhitespace {
			break
		}
		d.p++
	}
	tok.index = d.p
	switch tok.typ {
	case tError:
		d.setError(tok, "invalid token")
		return
	case tEnd:
		return
	case tUnknown:
	default:
		d.p++
		return
	}
	rest := d.data[d.p:]
	switch {
	case c == '"':
		d.string(tok)
	case c == '-' || c >= '0' && c <= '9':
		if !d.cfg.decodeInvalid && d.invalidNumber() {
			d.setError(tok, "invalid number")
			return
		}
		d.number(tok)
	case strings.HasPrefix(rest, "true"):
		tok.typ, tok.b = tBoolean, true
		d.p += 4
	case strings.HasPrefix(rest, "false"):
		tok.typ, tok.b = tBoolean, false
		d.p += 5
	case strings.HasPrefix(rest, "null"):
		tok.typ = tNull
		d.p += 4
	case d.cfg.decodeInvalid && d.invalidNumber():
		d.number(tok)
	default:
		d.setError(tok, "invalid token")
	}
}

// invalidNumber is json_is_invalid_number: numbers strtod accepts that
// JSON does not (leading +, hex, leading zeros, inf, nan).
func (d *cjsonDecoder) invalidNumber() bool {
	p := d.p
	if d.at(p) == '+' {
		return true
	}
	if d.at(p) == '-' {
		p++
	}
	if d.at(p) == '0' {
		c2 := d.at(p + 1)
		return c2|0x20 == 'x' || c2 >= '0' && c2 <= '9'
	}
	if d.at(p) <= '9' {
		return false
	}
	rest := strings.ToLower(d.data[p:min(len(d.data), p+3)])
	return rest == "inf" || rest == "nan"
}

func (d *cjsonDecoder) number(tok *cjsonToken) {
	tok.typ = tNumber
	// strtod stops at a NUL byte like the C string it reads.
	s := cstr(d.data[d.p:])
	f, n := strtod(s)
	if n == 0 {
		d.setError(tok, "invalid number")
		return
	}
	tok.num = f
	d.p += n
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return int(c|0x20-'a') + 10
	}
	return -1
}

func (d *cjsonDecoder) hex4(at int) int {
	v := 0
	for i := 0; i < 4; i++ {
		h := hexVal(d.at(at + i))
		if h < 0 {
			return -1
		}
		v = v<<4 | h
	}
	return v
}

func (d *cjsonDecoder) string(tok *cjsonToken) {
	d.p++ // opening quote
	var b []byte
	for {
		c := d.at(d.p)
		if c == '"' {
			break
		}
		if c == 0 {
			d.setError(tok, "unexpected end of string")
			return
		}
		if c == '\\' {
			esc := d.at(d.p + 1)
			switch esc {
			case '"', '\\', '/':
				c = esc
			case 'b':
				c = '\b'
			case 't':
				c = '\t'
			case 'n':
				c = '\n'
			case 'f':
				c = '\f'
			case 'r':
				c = '\r'
			case 'u':
				var ok bool
				if b, ok = d.unicodeEscape(b); ok {
					continue
				}
				d.setError(tok, "invalid unicode escape code")
				return
			default:
				d.setError(tok, "invalid escape code")
				return
			}
			d.p++
		}
		b = append(b, c)
		d.p++
	}
	d.p++ // closing quote
	tok.typ = tString
	tok.str = string(b)
}

func (d *cjsonDecoder) unicodeEscape(b []byte) ([]byte, bool) {
	cp := d.hex4(d.p + 2)
	if cp < 0 {
		return b, false
	}
	n := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 {
			return b, false
		}
		if d.at(d.p+6) != '\\' || d.at(d.p+7) != 'u' {
			return b, false
		}
		lo := d.hex4(d.p + 8)
		if lo < 0 || lo&0xFC00 != 0xDC00 {
			return b, false
		}
		cp = (cp&0x3FF)<<10 | lo&0x3FF + 0x10000
		n = 12
	}
	switch {
	case cp <= 0x7F:
		b = append(b, byte(cp))
	case cp <= 0x7FF:
		b = append(b, byte(cp>>6|0xC0), byte(cp&0x3F|0x80))
	case cp <= 0xFFFF:
		b = append(b, byte(cp>>12|0xE0), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	default:
		b = append(b, byte(cp>>18|0xF0), byte(cp>>12&0x3F|0x80), byte(cp>>6&0x3F|0x80), byte(cp&0x3F|0x80))
	}
	d.p += n
	return b, true
}

func (d *cjsonDecoder) descend() {
	d.depth++
	if d.depth > d.cfg.decodeMaxDepth || d.depth > luaMaxCStack {
		d.L.RaiseError("Found too many nested data structures (%d) at character %d", d.depth, d.p)
	}
}

func (d *cjsonDecoder) value(tok *cjsonToken) lua.LValue {
	switch tok.typ {
	case tString:
		return lua.LString(tok.str)
	case tNumber:
		return lua.LNumber(tok.num)
	case tBoolean:
		return lua.LBool(tok.b)
	case tObjBegin:
		return d.object()
	case tArrBegin:
		return d.array()
	case tNull:
		return d.null
	}
	d.fail("value", tok)
	return lua.LNil
}

func (d *cjsonDecoder) object() lua.LValue {
	d.descend()
	t := d.L.NewTable()
	var tok cjsonToken
	d.next(&tok)
	if tok.typ == tObjEnd {
		d.depth--
		return t
	}
	for {
		if tok.typ != tString {
			d.fail("object key string", &tok)
		}
		key := tok.str
		d.next(&tok)
		if tok.typ != tColon {
			d.fail("colon", &tok)
		}
		d.next(&tok)
		t.RawSetString(key, d.value(&tok))
		d.next(&tok)
		if tok.typ == tObjEnd {
			d.depth--
			return t
		}
		if tok.typ != tComma {
			d.fail("comma or object end", &tok)
		}
		d.next(&tok)
	}
}

func (d *cjsonDecoder) array() lua.LValue {
	d.descend()
	t := d.L.NewTable()
	var tok cjsonToken
	d.next(&tok)
	if tok.typ == tArrEnd {
		d.depth--
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, d.value(&tok))
		d.next(&tok)
		if tok.typ == tArrEnd {
			d.depth--
			return t
		}
		if tok.typ != tComma {
			d.fail("comma or array end", &tok)
		}
		d.next(&tok)
	}
}
