package scripting

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The cmsgpack library (lua-cmsgpack 0.4.0 as bundled with Redis):
// MessagePack encoding of Lua values, and decoding of MessagePack streams.

const msgpackMaxNesting = 16

func openCmsgpack(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(mpPack))
	t.RawSetString("unpack", L.NewFunction(func(L *lua.LState) int { return mpUnpackFull(L, 0, 0) }))
	t.RawSetString("unpack_one", L.NewFunction(func(L *lua.LState) int {
		offset := int64(0)
		if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
			offset = cLong(checkNumber(L, 2, "unpack_one"))
		}
		L.SetTop(1)
		return mpUnpackFull(L, 1, offset)
	}))
	t.RawSetString("unpack_limit", L.NewFunction(func(L *lua.LState) int {
		limit := cLong(checkNumber(L, 2, "unpack_limit"))
		offset := int64(0)
		if L.GetTop() >= 3 && L.Get(3) != lua.LNil {
			offset = cLong(checkNumber(L, 3, "unpack_limit"))
		}
		L.SetTop(1)
		return mpUnpackFull(L, limit, offset)
	}))
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	return t
}

func mpPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		argError(L, 0, "pack", "MessagePack pack needs input.")
	}
	var out []byte
	for i := 1; i <= n; i++ {
		out = mpEncode(L, out, L.Get(i), 0)
	}
	L.Push(lua.LString(out))
	return 1
}

func mpEncode(L *lua.LState, b []byte, v lua.LValue, level int) []byte {
	if _, ok := v.(*lua.LTable); ok && level == msgpackMaxNesting {
		v = lua.LNil
	}
	switch v := v.(type) {
	case lua.LString:
		return mpBytes(b, string(v))
	case lua.LBool:
		if v {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		f := float64(v)
		if !math.IsInf(f, 0) && !math.IsNaN(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0 && float64(int64(f)) == f {
			return mpInt(b, int64(f))
		}
		return mpDouble(b, f)
	case *lua.LTable:
		if n, ok := mpIsArray(v); ok {
			b = mpArrayHeader(b, uint64(n))
			for j := 1; j <= n; j++ {
				b = mpEncode(L, b, L.GetTable(v, lua.LNumber(j)), level+1)
			}
			return b
		}
		count := 0
		k, _ := v.Next(lua.LNil)
		for k != lua.LNil {
			count++
			k, _ = v.Next(k)
		}
		b = mpMapHeader(b, uint64(count))
		k, val := v.Next(lua.LNil)
		for k != lua.LNil {
			b = mpEncode(L, b, k, level+1)
			b = mpEncode(L, b, val, level+1)
			k, val = v.Next(k)
		}
		return b
	}
	return append(b, 0xc0)
}

// mpIsArray is table_is_an_array: every key a positive integer that fits
// an int, and no gaps. It returns the length (Lua's # operator).
func mpIsArray(t *lua.LTable) (int, bool) {
	count, max := 0, 0
	k, _ := t.Next(lua.LNil)
	for k != lua.LNil {
		n, ok := k.(lua.LNumber)
		f := float64(n)
		if !ok || f <= 0 || f > math.MaxInt32 || math.Trunc(f) != f {
			return 0, false
		}
		if int(f) > max {
			max = int(f)
		}
		count++
		k, _ = t.Next(k)
	}
	if max != count {
		return 0, false
	}
	return t.Len(), true
}

func mpBytes(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= 0xff:
		b = append(b, 0xd9, byte(n))
	case n <= 0xffff:
		b = append(b, 0xda, byte(n>>8), byte(n))
	default:
		b = append(b, 0xdb)
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return append(b, s...)
}

func mpDouble(b []byte, d float64) []byte {
	f := float32(d)
	if float64(f) == d {
		b = append(b, 0xca)
		return binary.BigEndian.AppendUint32(b, math.Float32bits(f))
	}
	b = append(b, 0xcb)
	return binary.BigEndian.AppendUint64(b, math.Float64bits(d))
}

func mpInt(b []byte, n int64) []byte {
	if n >= 0 {
		switch {
		case n <= 127:
			return append(b, byte(n))
		case n <= 0xff:
			return append(b, 0xcc, byte(n))
		case n <= 0xffff:
			return append(b, 0xcd, byte(n>>8), byte(n))
		case n <= 0xffffffff:
			return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	}
	switch {
	case n >= -32:
		return append(b, byte(int8(n)))
	case n >= -128:
		return append(b, 0xd0, byte(n))
	case n >= -32768:
		return append(b, 0xd1, byte(n>>8), byte(n))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

func mpArrayHeader(b []byte, n uint64) []byte {
	switch {
	case n <= 15:
		return append(b, 0x90|byte(n))
	case n <= 65535:
		return append(b, 0xdc, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(n))
}

func mpMapHeader(b []byte, n uint64) []byte {
	switch {
	case n <= 15:
		return append(b, 0x80|byte(n))
	case n <= 65535:
		return append(b, 0xde, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdf), uint32(n))
}

// Decoding.

const (
	mpErrNone = iota
	mpErrEOF
	mpErrBadFmt
)

type mpCursor struct {
	L     *lua.LState
	b     []byte
	p     int
	err   int
	depth int
}

func (c *mpCursor) left() int { return len(c.b) - c.p }

func (c *mpCursor) need(n int) bool {
	if c.left() < n {
		c.err = mpErrEOF
		return false
	}
	return true
}

func mpUnpackFull(L *lua.LState, limit, offset int64) int {
	s := checkString(L, 1, "unpack")
	decodeAll := limit == 0 && offset == 0
	if offset < 0 || limit < 0 {
		L.RaiseError("Invalid request to unpack with offset of %d and limit of %d.", int32(offset), int32(len(s)))
	}
	if offset > int64(len(s)) {
		L.RaiseError("Start offset %d greater than input length %d.", int32(offset), int32(len(s)))
	}
	if decodeAll {
		limit = math.MaxInt32
	}
	c := &mpCursor{L: L, b: []byte(s), p: int(offset)}
	var vals []lua.LValue
	for cnt := int64(0); c.left() > 0 && cnt < limit; cnt++ {
		v := c.decode()
		switch c.err {
		case mpErrEOF:
			L.RaiseError("Missing bytes in input.")
		case mpErrBadFmt:
			L.RaiseError("Bad data format in input.")
		}
		if len(vals) >= luaMaxStack {
			L.RaiseError("too many return values at once; use unpack_one or unpack_limit instead.")
		}
		vals = append(vals, v)
	}
	n := len(vals)
	if !decodeAll {
		next := int64(-1)
		if c.left() != 0 {
			next = int64(c.p)
		}
		L.Push(lua.LNumber(next))
		n++
	}
	for _, v := range vals {
		L.Push(v)
	}
	return n
}

func (c *mpCursor) decode() lua.LValue {
	if !c.need(1) {
		return lua.LNil
	}
	b := c.b[c.p:]
	t := b[0]
	switch t {
	case 0xcc:
		if !c.need(2) {
			return lua.LNil
		}
		c.p += 2
		return lua.LNumber(b[1])
	case 0xd0:
		if !c.need(2) {
			return lua.LNil
		}
		c.p += 2
		return lua.LNumber(int8(b[1]))
	case 0xcd:
		if !c.need(3) {
			return lua.LNil
		}
		c.p += 3
		return lua.LNumber(binary.BigEndian.Uint16(b[1:]))
	case 0xd1:
		if !c.need(3) {
			return lua.LNil
		}
		c.p += 3
		return lua.LNumber(int16(binary.BigEndian.Uint16(b[1:])))
	case 0xce:
		if !c.need(5) {
			return lua.LNil
		}
		c.p += 5
		return lua.LNumber(binary.BigEndian.Uint32(b[1:]))
	case 0xd2:
		if !c.need(5) {
			return lua.LNil
		}
		c.p += 5
		return lua.LNumber(int32(binary.BigEndian.Uint32(b[1:])))
	case 0xcf, 0xd3:
		if !c.need(9) {
			return lua.LNil
		}
		c.p += 9
		// Both become lua_Integer (int64) before the conversion to a number.
		return lua.LNumber(int64(binary.BigEndian.Uint64(b[1:])))
	case 0xc0:
		c.p++
		return lua.LNil
	case 0xc3:
		c.p++
		return lua.LTrue
	case 0xc2:
		c.p++
		return lua.LFalse
	case 0xca:
		if !c.need(5) {
			return lua.LNil
		}
		c.p += 5
		return lua.LNumber(math.Float32frombits(binary.BigEndian.Uint32(b[1:])))
	case 0xcb:
		if !c.need(9) {
			return lua.LNil
		}
		c.p += 9
		return lua.LNumber(math.Float64frombits(binary.BigEndian.Uint64(b[1:])))
	case 0xd9:
		if !c.need(2) {
			return lua.LNil
		}
		return c.raw(2, int(b[1]))
	case 0xda:
		if !c.need(3) {
			return lua.LNil
		}
		return c.raw(3, int(binary.BigEndian.Uint16(b[1:])))
	case 0xdb:
		if !c.need(5) {
			return lua.LNil
		}
		return c.raw(5, int(binary.BigEndian.Uint32(b[1:])))
	case 0xdc:
		if !c.need(3) {
			return lua.LNil
		}
		c.p += 3
		return c.array(int(binary.BigEndian.Uint16(b[1:])))
	case 0xdd:
		if !c.need(5) {
			return lua.LNil
		}
		c.p += 5
		return c.array(int(binary.BigEndian.Uint32(b[1:])))
	case 0xde:
		if !c.need(3) {
			return lua.LNil
		}
		c.p += 3
		return c.hash(int(binary.BigEndian.Uint16(b[1:])))
	case 0xdf:
		if !c.need(5) {
			return lua.LNil
		}
		c.p += 5
		return c.hash(int(binary.BigEndian.Uint32(b[1:])))
	}
	switch {
	case t&0x80 == 0:
		c.p++
		return lua.LNumber(t)
	case t&0xe0 == 0xe0:
		c.p++
		return lua.LNumber(int8(t))
	case t&0xe0 == 0xa0:
		return c.raw(1, int(t&0x1f))
	case t&0xf0 == 0x90:
		c.p++
		return c.array(int(t & 0xf))
	case t&0xf0 == 0x80:
		c.p++
		return c.hash(int(t & 0xf))
	}
	c.err = mpErrBadFmt
	return lua.LNil
}

func (c *mpCursor) raw(hdr, n int) lua.LValue {
	if !c.need(hdr + n) {
		return lua.LNil
	}
	s := string(c.b[c.p+hdr : c.p+hdr+n])
	c.p += hdr + n
	return lua.LString(s)
}

// enter guards the Go stack against absurdly nested input (Redis would
// run out of Lua stack and fail the same way).
func (c *mpCursor) enter() bool {
	c.depth++
	if c.depth > luaMaxCStack {
		c.L.RaiseError("stack overflow (in function mp_decode_to_lua_array)")
	}
	return true
}

func (c *mpCursor) array(n int) lua.LValue {
	c.enter()
	defer func() { c.depth-- }()
	t := c.L.NewTable()
	for i := 1; i <= n; i++ {
		v := c.decode()
		if c.err != mpErrNone {
			return t
		}
		if v != lua.LNil {
			t.RawSetInt(i, v)
		}
	}
	return t
}

func (c *mpCursor) hash(n int) lua.LValue {
	c.enter()
	defer func() { c.depth-- }()
	t := c.L.NewTable()
	for i := 0; i < n; i++ {
		k := c.decode()
		if c.err != mpErrNone {
			return t
		}
		v := c.decode()
		if c.err != mpErrNone {
			return t
		}
		if k == lua.LNil {
			c.L.RaiseError("table index is nil")
		}
		if isNaN(k) {
			c.L.RaiseError("table index is NaN")
		}
		t.RawSet(k, v)
	}
	return t
}
