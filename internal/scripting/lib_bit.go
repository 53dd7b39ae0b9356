package scripting

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The bit library (LuaBitOp 1.0 as bundled with Redis): 32-bit bitwise
// operations on Lua numbers, results as signed 32-bit integers.

func openBit(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	reg := func(name string, fn lua.LGFunction) { t.RawSetString(name, L.NewFunction(fn)) }
	reg("tobit", func(L *lua.LState) int { return bret(L, bitArg(L, 1, "tobit")) })
	reg("bnot", func(L *lua.LState) int { return bret(L, ^bitArg(L, 1, "bnot")) })
	bitOp := func(name string, op func(a, b uint32) uint32) {
		reg(name, func(L *lua.LState) int {
			b := bitArg(L, 1, name)
			for i := L.GetTop(); i > 1; i-- {
				b = op(b, bitArg(L, i, name))
			}
			return bret(L, b)
		})
	}
	bitOp("band", func(a, b uint32) uint32 { return a & b })
	bitOp("bor", func(a, b uint32) uint32 { return a | b })
	bitOp("bxor", func(a, b uint32) uint32 { return a ^ b })
	shift := func(name string, op func(b, n uint32) uint32) {
		reg(name, func(L *lua.LState) int {
			b := bitArg(L, 1, name)
			n := bitArg(L, 2, name) & 31
			return bret(L, op(b, n))
		})
	}
	shift("lshift", func(b, n uint32) uint32 { return b << n })
	shift("rshift", func(b, n uint32) uint32 { return b >> n })
	shift("arshift", func(b, n uint32) uint32 { return uint32(int32(b) >> n) })
	shift("rol", func(b, n uint32) uint32 { return b<<n | b>>((32-n)&31) })
	shift("ror", func(b, n uint32) uint32 { return b<<((32-n)&31) | b>>n })
	reg("bswap", func(L *lua.LState) int {
		b := bitArg(L, 1, "bswap")
		return bret(L, b>>24|(b>>8)&0xff00|(b&0xff00)<<8|b<<24)
	})
	reg("tohex", func(L *lua.LState) int {
		b := bitArg(L, 1, "tohex")
		n := int32(8)
		if L.GetTop() >= 2 {
			n = int32(bitArg(L, 2, "tohex"))
		}
		digits := "0123456789abcdef"
		if n < 0 {
			n = -n
			digits = "0123456789ABCDEF"
		}
		if n > 8 {
			n = 8
		}
		if n < 0 {
			n = 0
		}
		buf := make([]byte, n)
		for i := int(n) - 1; i >= 0; i-- {
			buf[i] = digits[b&15]
			b >>= 4
		}
		L.Push(lua.LString(buf))
		return 1
	})
	return t
}

// bitArg normalizes argument i to 32 bits the way LuaBitOp does: adding
// 2^52+2^51 to the double and keeping the low word of its representation,
// which wraps any number modulo 2^32.
func bitArg(L *lua.LState, i int, fname string) uint32 {
	v := L.Get(i)
	f := luaToNumber(v)
	b := uint32(math.Float64bits(f + 6755399441055744.0))
	if b == 0 && !isNumberLike(v) {
		argError(L, i, fname, "number expected, got "+luaTypeName(L, i))
	}
	return b
}

func bret(L *lua.LState, b uint32) int {
	L.Push(lua.LNumber(int32(b)))
	return 1
}

// isNumberLike is lua_isnumber: numbers and numeric strings.
func isNumberLike(v lua.LValue) bool {
	switch v := v.(type) {
	case lua.LNumber:
		return true
	case lua.LString:
		_, ok := str2number(string(v))
		return ok
	}
	return false
}

// luaTypeName is luaL_typename, "no value" past the last argument.
func luaTypeName(L *lua.LState, i int) string {
	if i > L.GetTop() {
		return "no value"
	}
	return typeName(L.Get(i))
}
