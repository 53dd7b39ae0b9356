package rdb

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// Listpack layout: total-bytes (u32 LE), element-count (u16 LE, 65535 when
// unknown), entries, 0xFF. Each entry is encoding+data followed by a "backlen"
// that stores the size of encoding+data in 1..5 bytes so the list can be
// walked backwards. Integers use the smallest of several encodings.

const (
	lpHeaderSize = 6
	lpEOF        = 0xFF
)

// lpElem is one decoded listpack element: either a string (a slice of the
// listpack, capacity-limited) or an integer.
type lpElem struct {
	s     []byte
	v     int64
	isInt bool
}

// bytes returns the element as Redis would return it to a client: integers
// are rendered in decimal.
func (e lpElem) bytes() []byte {
	if e.isInt {
		return strconv.AppendInt(nil, e.v, 10)
	}
	return e.s
}

// lpBacklenSize is how many bytes the back-length of an entry of size l takes.
func lpBacklenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

func lpAppendBacklen(dst []byte, l int) []byte {
	n := lpBacklenSize(l)
	// The first byte carries the most significant bits without a continuation
	// flag; the following ones carry 7 bits each with bit 7 set, so a reader
	// walking backwards stops at the first byte without the flag.
	for i := n - 1; i >= 0; i-- {
		b := byte(l >> (7 * uint(i)) & 127)
		if i != n-1 {
			b |= 128
		}
		dst = append(dst, b)
	}
	return dst
}

// lpIter walks a listpack validating each entry, including its back-length,
// so later code can trust the slices it gets.
type lpIter struct {
	lp    []byte
	p     int
	seen  int
	count int // header count, -1 when unknown
}

func newLPIter(lp []byte) (*lpIter, error) {
	if len(lp) < lpHeaderSize+1 {
		return nil, fmt.Errorf("listpack too short (%d bytes)", len(lp))
	}
	if tot := binary.LittleEndian.Uint32(lp); int64(tot) != int64(len(lp)) {
		return nil, fmt.Errorf("listpack header size %d != blob size %d", tot, len(lp))
	}
	if lp[len(lp)-1] != lpEOF {
		return nil, fmt.Errorf("listpack not terminated by 0xFF")
	}
	it := &lpIter{lp: lp, p: lpHeaderSize, count: int(binary.LittleEndian.Uint16(lp[4:]))}
	if it.count == 65535 {
		it.count = -1
	}
	return it, nil
}

// next returns the next element; ok is false at the terminator, where the
// header count (if known) is checked against the number of entries seen.
func (it *lpIter) next() (e lpElem, ok bool, err error) {
	lp := it.lp
	p := it.p
	if p >= len(lp) {
		return e, false, fmt.Errorf("listpack entry at %d out of bounds", p)
	}
	b := lp[p]
	var size int // encoding + data
	switch {
	case b == lpEOF:
		if p != len(lp)-1 {
			return e, false, fmt.Errorf("listpack terminator at %d before end %d", p, len(lp)-1)
		}
		if it.count >= 0 && it.count != it.seen {
			return e, false, fmt.Errorf("listpack header count %d != %d entries", it.count, it.seen)
		}
		return e, false, nil
	case b&0x80 == 0:
		e.v, e.isInt, size = int64(b&0x7f), true, 1
	case b&0xC0 == 0x80:
		n := int(b & 0x3f)
		size = 1 + n
		if p+size > len(lp) {
			return e, false, fmt.Errorf("listpack string at %d overflows", p)
		}
		e.s = lp[p+1 : p+size : p+size]
	case b&0xE0 == 0xC0:
		if p+2 > len(lp) {
			return e, false, fmt.Errorf("listpack int at %d overflows", p)
		}
		u := int64(b&0x1f)<<8 | int64(lp[p+1])
		if u >= 1<<12 {
			u -= 1 << 13
		}
		e.v, e.isInt, size = u, true, 2
	case b&0xF0 == 0xE0:
		if p+2 > len(lp) {
			return e, false, fmt.Errorf("listpack string header at %d overflows", p)
		}
		n := int(b&0x0f)<<8 | int(lp[p+1])
		size = 2 + n
		if p+size > len(lp) {
			return e, false, fmt.Errorf("listpack string at %d overflows", p)
		}
		e.s = lp[p+2 : p+size : p+size]
	case b == 0xF0:
		if p+5 > len(lp) {
			return e, false, fmt.Errorf("listpack string header at %d overflows", p)
		}
		n := binary.LittleEndian.Uint32(lp[p+1:])
		if int64(n) > int64(len(lp)-p-5) {
			return e, false, fmt.Errorf("listpack string at %d overflows", p)
		}
		size = 5 + int(n)
		e.s = lp[p+5 : p+size : p+size]
	case b >= 0xF1 && b <= 0xF4:
		w := int(b-0xF0) + 1 // 0xF1..0xF3 hold 2..4 bytes
		if b == 0xF4 {
			w = 8
		}
		size = 1 + w
		if p+size > len(lp) {
			return e, false, fmt.Errorf("listpack int at %d overflows", p)
		}
		var u uint64
		for i := w - 1; i >= 0; i-- {
			u = u<<8 | uint64(lp[p+1+i])
		}
		shift := uint(64 - 8*w)
		e.v, e.isInt = int64(u<<shift)>>shift, true
	default:
		return e, false, fmt.Errorf("listpack invalid encoding byte %#x at %d", b, p)
	}
	bl := lpBacklenSize(size)
	if p+size+bl > len(lp)-1 {
		return e, false, fmt.Errorf("listpack entry at %d overflows", p)
	}
	var want [5]byte
	if string(lpAppendBacklen(want[:0], size)) != string(lp[p+size:p+size+bl]) {
		return e, false, fmt.Errorf("listpack bad back-length at %d", p+size)
	}
	it.p = p + size + bl
	it.seen++
	return e, true, nil
}

// ListpackEntries decodes a listpack into its elements; integers are rendered
// in decimal, as Redis returns them to clients.
func ListpackEntries(lp []byte) ([][]byte, error) {
	it, err := newLPIter(lp)
	if err != nil {
		return nil, err
	}
	// Every entry takes at least two bytes, which bounds the allocation.
	out := make([][]byte, 0, min(it.count+1, (len(lp)-7)/2+1))
	for {
		e, ok, err := it.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, e.bytes())
	}
}

// ParseInt64Strict parses s as a canonical decimal int64: no sign other than
// a leading '-', no leading zeros, no spaces, no "-0". This is the test Redis
// applies before storing a string as an integer (string2ll / lpStringToInt64),
// so it decides every int-vs-string encoding choice in the formats.
func ParseInt64Strict(s []byte) (int64, bool) {
	n := len(s)
	if n == 0 || n > 20 {
		return 0, false
	}
	if n == 1 && s[0] == '0' {
		return 0, true
	}
	neg := false
	i := 0
	if s[0] == '-' {
		neg = true
		i = 1
		if n == 1 {
			return 0, false
		}
	}
	if s[i] < '1' || s[i] > '9' {
		return 0, false
	}
	var u uint64
	for ; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if u > (1<<64-1)/10 {
			return 0, false
		}
		u *= 10
		if u > 1<<64-1-d {
			return 0, false
		}
		u += d
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true // -(1<<63) wraps to itself, which is correct
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// lpIntSize is the encoded size (encoding+data) of integer v.
func lpIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= -32768 && v <= 32767:
		return 3
	case v >= -8388608 && v <= 8388607:
		return 4
	case v >= -2147483648 && v <= 2147483647:
		return 5
	}
	return 9
}

func lpStrHeaderSize(n int) int {
	switch {
	case n < 64:
		return 1
	case n < 4096:
		return 2
	}
	return 5
}

// lpEntrySize is the full size (including back-length) of s once appended.
func lpEntrySize(s []byte) int {
	var l int
	if v, ok := ParseInt64Strict(s); ok {
		l = lpIntSize(v)
	} else {
		l = lpStrHeaderSize(len(s)) + len(s)
	}
	return l + lpBacklenSize(l)
}

func lpIntEntrySize(v int64) int {
	l := lpIntSize(v)
	return l + lpBacklenSize(l)
}

func lpAppendInt(dst []byte, v int64) []byte {
	l := lpIntSize(v)
	switch l {
	case 1:
		dst = append(dst, byte(v))
	case 2:
		u := uint64(v) & 0x1fff
		dst = append(dst, 0xC0|byte(u>>8), byte(u))
	default:
		enc := byte(0xF4)
		if l < 9 {
			enc = 0xF0 + byte(l-2) // sizes 3,4,5 map to 0xF1,0xF2,0xF3
		}
		dst = append(dst, enc)
		for i := 0; i < l-1; i++ {
			dst = append(dst, byte(uint64(v)>>(8*uint(i))))
		}
	}
	return lpAppendBacklen(dst, l)
}

// lpAppendString appends s, encoded as an integer when it is a canonical
// integer, exactly as Redis's lpAppend does.
func lpAppendString(dst []byte, s []byte) []byte {
	if v, ok := ParseInt64Strict(s); ok {
		return lpAppendInt(dst, v)
	}
	n := len(s)
	switch {
	case n < 64:
		dst = append(dst, 0x80|byte(n))
	case n < 4096:
		dst = append(dst, 0xE0|byte(n>>8), byte(n))
	default:
		dst = append(dst, 0xF0, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	dst = append(dst, s...)
	return lpAppendBacklen(dst, lpStrHeaderSize(n)+n)
}

// ListpackBuilder assembles a listpack. Start with NewListpackBuilder, append
// elements, then call Finish.
type ListpackBuilder struct {
	buf   []byte
	count int
}

// NewListpackBuilder starts a listpack in buf (which is reset and reused).
func NewListpackBuilder(buf []byte) *ListpackBuilder {
	b := &ListpackBuilder{}
	b.Reset(buf)
	return b
}

// Reset starts a new listpack reusing buf's storage.
func (b *ListpackBuilder) Reset(buf []byte) {
	b.buf = append(buf[:0], 0, 0, 0, 0, 0, 0)
	b.count = 0
}

// AppendString appends a string element (integer-encoded when canonical).
func (b *ListpackBuilder) AppendString(s []byte) {
	b.buf = lpAppendString(b.buf, s)
	b.count++
}

// AppendInt appends an integer element.
func (b *ListpackBuilder) AppendInt(v int64) {
	b.buf = lpAppendInt(b.buf, v)
	b.count++
}

// Size is the size the listpack would have if finished now.
func (b *ListpackBuilder) Size() int { return len(b.buf) + 1 }

// Len is the number of elements appended so far.
func (b *ListpackBuilder) Len() int { return b.count }

// Finish writes the header and terminator and returns the listpack. The
// returned slice aliases the builder's buffer until the next Reset.
func (b *ListpackBuilder) Finish() []byte {
	b.buf = append(b.buf, lpEOF)
	binary.LittleEndian.PutUint32(b.buf, uint32(len(b.buf)))
	c := b.count
	if c > 65535 {
		c = 65535
	}
	binary.LittleEndian.PutUint16(b.buf[4:], uint16(c))
	return b.buf
}

// BuildListpack encodes elems as a listpack.
func BuildListpack(elems [][]byte) []byte {
	b := NewListpackBuilder(nil)
	for _, e := range elems {
		b.AppendString(e)
	}
	return b.Finish()
}
