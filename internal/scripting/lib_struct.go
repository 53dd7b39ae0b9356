package scripting

import (
	"encoding/binary"
	"math"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The struct library (Roberto Ierusalimschy's struct 0.3 as bundled with
// Redis): struct.pack, struct.unpack and struct.size, with the type sizes
// and alignment of the x86-64 build Redis ships (long and size_t are 8
// bytes, native order little-endian, maximum alignment 8).

const (
	structMaxIntSize = 32
	structMaxAlign   = 8
	structBig        = 0
	structLittle     = 1
)

func openStruct(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(structPack))
	t.RawSetString("unpack", L.NewFunction(structUnpack))
	t.RawSetString("size", L.NewFunction(structSize))
	return t
}

type structFmt struct {
	L      *lua.LState
	fname  string
	s      string
	i      int
	endian int
	align  int
}

func newStructFmt(L *lua.LState, fname string) *structFmt {
	return &structFmt{L: L, fname: fname, s: cstr(checkString(L, 1, fname)), endian: structLittle, align: 1}
}

func (f *structFmt) more() bool { return f.i < len(f.s) }

func (f *structFmt) next() byte {
	c := f.s[f.i]
	f.i++
	return c
}

// num reads an optional decimal number, df when there is none.
func (f *structFmt) num(df int) int {
	if f.i >= len(f.s) || !isDigit(f.s[f.i]) {
		return df
	}
	a := 0
	for f.i < len(f.s) && isDigit(f.s[f.i]) {
		d := int(f.s[f.i] - '0')
		if a > math.MaxInt32/10 || a*10 > math.MaxInt32-d {
			f.L.RaiseError("integral size overflow")
		}
		a = a*10 + d
		f.i++
	}
	return a
}

func (f *structFmt) optSize(opt byte) int {
	switch opt {
	case 'B', 'b':
		return 1
	case 'H', 'h':
		return 2
	case 'L', 'l', 'T', 'd':
		return 8
	case 'f':
		return 4
	case 'x':
		return 1
	case 'c':
		return f.num(1)
	case 'i', 'I':
		sz := f.num(4)
		if sz > structMaxIntSize {
			f.L.RaiseError("integral size %d is larger than limit of %d", sz, structMaxIntSize)
		}
		return sz
	}
	return 0
}

func (f *structFmt) toAlign(pos, opt, size int) int {
	if size == 0 || opt == 'c' {
		return 0
	}
	if size > f.align {
		size = f.align
	}
	return (size - (pos & (size - 1))) & (size - 1)
}

func (f *structFmt) control(opt byte) {
	switch opt {
	case ' ':
	case '>':
		f.endian = structBig
	case '<':
		f.endian = structLittle
	case '!':
		a := f.num(structMaxAlign)
		if a <= 0 || a&(a-1) != 0 {
			f.L.RaiseError("alignment %d is not a power of 2", a)
		}
		f.align = a
	default:
		argError(f.L, 1, f.fname, "invalid format option '"+string([]byte{opt})+"'")
	}
}

func structPack(L *lua.LState) int {
	f := newStructFmt(L, "pack")
	// Like the C code, mark the end of the arguments with a nil: a missing
	// argument is then reported as nil.
	L.Push(lua.LNil)
	arg := 2
	total := 0
	var out []byte
	for f.more() {
		opt := f.next()
		size := f.optSize(opt)
		pad := f.toAlign(total, int(opt), size)
		total += pad
		for ; pad > 0; pad-- {
			out = append(out, 0)
		}
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			n := checkNumber(L, arg, "pack")
			arg++
			var v uint64
			if n < 0 {
				v = uint64(cLong(n))
			} else if n >= 18446744073709551616.0 || math.IsNaN(n) {
				v = 1 << 63
			} else {
				v = uint64(n)
			}
			buf := make([]byte, size)
			if f.endian == structLittle {
				for i := 0; i < size; i++ {
					buf[i] = byte(v)
					v >>= 8
				}
			} else {
				for i := size - 1; i >= 0; i-- {
					buf[i] = byte(v)
					v >>= 8
				}
			}
			out = append(out, buf...)
		case 'x':
			out = append(out, 0)
		case 'f':
			n := checkNumber(L, arg, "pack")
			arg++
			bits := math.Float32bits(float32(n))
			if f.endian == structLittle {
				out = binary.LittleEndian.AppendUint32(out, bits)
			} else {
				out = binary.BigEndian.AppendUint32(out, bits)
			}
		case 'd':
			n := checkNumber(L, arg, "pack")
			arg++
			bits := math.Float64bits(n)
			if f.endian == structLittle {
				out = binary.LittleEndian.AppendUint64(out, bits)
			} else {
				out = binary.BigEndian.AppendUint64(out, bits)
			}
		case 'c', 's':
			s := checkString(L, arg, "pack")
			arg++
			if size == 0 {
				size = len(s)
			}
			if len(s) < size {
				argError(L, arg, "pack", "string too short")
			}
			out = append(out, s[:size]...)
			if opt == 's' {
				out = append(out, 0)
				size++
			}
		default:
			f.control(opt)
		}
		total += size
	}
	L.Push(lua.LString(out))
	return 1
}

func structInteger(b []byte, endian int, signed bool) float64 {
	var l uint64
	size := len(b)
	if endian == structBig {
		for i := 0; i < size; i++ {
			l = l<<8 | uint64(b[i])
		}
	} else {
		for i := size - 1; i >= 0; i-- {
			l = l<<8 | uint64(b[i])
		}
	}
	if !signed {
		return float64(l)
	}
	// x86 masks shift counts to 6 bits, which is what the C code gets
	// for sizes above 8.
	mask := ^uint64(0) << (uint(size*8-1) & 63)
	if l&mask != 0 {
		l |= mask
	}
	return float64(int64(l))
}

func structUnpack(L *lua.LState) int {
	f := newStructFmt(L, "unpack")
	data := checkString(L, 2, "unpack")
	ld := len(data)
	pos := 1
	if L.GetTop() >= 3 && L.Get(3) != lua.LNil {
		pos = int(cLong(checkNumber(L, 3, "unpack")))
	}
	if pos == 0 {
		argError(L, 3, "unpack", "offset must be 1 or greater")
	}
	// size_t arithmetic: a negative offset is a huge one.
	upos := uint64(int64(pos)) - 1
	n := 0
	for f.more() {
		opt := f.next()
		size := f.optSize(opt)
		upos += uint64(f.toAlign(int(upos), int(opt), size))
		if uint64(size) > uint64(ld) || upos > uint64(ld-size) {
			argError(L, 2, "unpack", "data string too short")
		}
		p := int(upos)
		switch opt {
		case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
			signed := opt >= 'a' && opt <= 'z'
			L.Push(lua.LNumber(structInteger([]byte(data[p:p+size]), f.endian, signed)))
			n++
		case 'x':
		case 'f':
			b := []byte(data[p : p+4])
			var bits uint32
			if f.endian == structLittle {
				bits = binary.LittleEndian.Uint32(b)
			} else {
				bits = binary.BigEndian.Uint32(b)
			}
			L.Push(lua.LNumber(math.Float32frombits(bits)))
			n++
		case 'd':
			b := []byte(data[p : p+8])
			var bits uint64
			if f.endian == structLittle {
				bits = binary.LittleEndian.Uint64(b)
			} else {
				bits = binary.BigEndian.Uint64(b)
			}
			L.Push(lua.LNumber(math.Float64frombits(bits)))
			n++
		case 'c':
			if size == 0 {
				if n == 0 || !isNumberLike(L.Get(-1)) {
					L.RaiseError("format 'c0' needs a previous size")
				}
				size = int(luaToNumber(L.Get(-1)))
				L.Pop(1)
				n--
				if size < 0 || size > ld || p > ld-size {
					argError(L, 2, "unpack", "data string too short")
				}
			}
			L.Push(lua.LString(data[p : p+size]))
			n++
		case 's':
			e := strings.IndexByte(data[p:], 0)
			if e < 0 {
				L.RaiseError("unfinished string in data")
			}
			size = e + 1
			L.Push(lua.LString(data[p : p+e]))
			n++
		default:
			f.control(opt)
		}
		upos += uint64(size)
	}
	L.Push(lua.LNumber(float64(upos + 1)))
	return n + 1
}

func structSize(L *lua.LState) int {
	f := newStructFmt(L, "size")
	pos := 0
	for f.more() {
		opt := f.next()
		size := f.optSize(opt)
		pos += f.toAlign(pos, int(opt), size)
		if opt == 's' {
			argError(L, 1, "size", "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			argError(L, 1, "size", "option 'c0' has no fixed size")
		}
		if !isAlnum(opt) {
			f.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos))
	return 1
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
