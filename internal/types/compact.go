package types

import (
	"math"
	"unsafe"
)

// Compact ("listpack-like") storage.
//
// A small hash, a small sorted set and an intset each keep all their
// elements in one pointer-free byte buffer, as Redis keeps them in one
// listpack or intset allocation: strings are length-prefixed (a uvarint,
// one byte for anything up to 127 bytes), so a small collection costs its
// data plus a byte or two per element, with no per-element allocation and
// nothing for the garbage collector to scan. Lookups by content scan the
// buffer, as in Redis, which is why these encodings are limited to small
// sizes. (A sorted set's buffer also carries an index of its elements'
// offsets, which its rank and score searches need; see zset.go.)
//
// The buffer is described by a 20-byte header instead of a 24-byte slice
// plus separate fields, which keeps the Hash, Set and ZSet structs at 24
// bytes (a 24-byte size class): with 100k small hashes every word counts.
// The same pointer word holds the large encoding's state once a value has
// converted, so a compact value pays nothing for the encoding it does not
// use and a large one pays a single pointer.
type packed struct {
	// p is the buffer (a pointer-free allocation of c bytes) or, when c
	// is bigEnc, the large encoding's state (a pointer to a struct the
	// owner knows the type of). The garbage collector traces it either
	// way: it scans the pointed-to object by that object's own type.
	p unsafe.Pointer
	n uint32 // bytes in use
	c uint32 // bytes allocated, or bigEnc
	k uint32 // element count (the owner defines what an element is)
}

// bigEnc marks a packed header whose pointer is the large encoding's
// state. Buffers never come close: they are limited to
// listpackMaxSafeSize (plus one element) or to maxIntsetBytes, plus
// growth headroom.
const bigEnc = math.MaxUint32

func (b *packed) isBig() bool { return b.c == bigEnc }

// setBig switches to the large encoding, dropping the buffer.
func (b *packed) setBig(state unsafe.Pointer) {
	*b = packed{p: state, c: bigEnc}
}

// buf returns the bytes in use. The slice's capacity is the whole
// allocation, so appending within it writes into the buffer's free tail.
func (b *packed) buf() []byte {
	return unsafe.Slice((*byte)(b.p), b.c)[:b.n]
}

// mem is the heap cost of the buffer.
func (b *packed) mem() int64 {
	if b.isBig() {
		return 0
	}
	return memBytes(int(b.c))
}

// packedCap is the capacity allocated for need bytes when a buffer
// grows: the allocator's size class, which it would hand out anyway, and
// above 256 bytes an eighth more. Redis reallocates a listpack or intset
// to its exact size on every insert, and jemalloc grows it in place
// within its size class (up to 25% apart); a Go buffer always moves, so
// the eighth keeps growth geometric (few copies when a set is built one
// element at a time) for about the slack jemalloc's classes leave.
// Small buffers, the many small hashes of a typical keyspace among
// them, stay exact.
//
// Tiny buffers are rounded up to a multiple of 8 bytes: the allocator
// aligns a tiny object by its size, and intsets and the sorted set's
// index are read as arrays of integers.
func packedCap(need int) int {
	switch {
	case need > 256:
		need += need / 8
	case need < memTinySize:
		return (need + 7) &^ 7
	}
	return memCapBytes(need)
}

// exactCap is packedCap without growth headroom, for buffers built
// whole.
func exactCap(n int) int {
	if n < memTinySize {
		return (n + 7) &^ 7
	}
	return memCapBytes(n)
}

// realloc moves the buffer to a new allocation of capacity c (>= n).
func (b *packed) realloc(c int) {
	if c == 0 {
		b.p, b.c = nil, 0
		return
	}
	nb := make([]byte, c)
	copy(nb, b.buf())
	b.adopt(nb)
}

// adopt makes the whole of nb the buffer (its length is the capacity).
func (b *packed) adopt(nb []byte) {
	if len(nb) == 0 {
		b.p, b.c = nil, 0
		return
	}
	b.p, b.c = unsafe.Pointer(&nb[0]), uint32(len(nb))
}

// open makes a gap of size bytes at offset pos (0 <= pos <= n), growing
// the buffer to the next size class when needed, and returns the whole
// buffer including the gap.
func (b *packed) open(pos, size int) []byte {
	n := int(b.n)
	if n+size > int(b.c) {
		b.realloc(packedCap(n + size))
	}
	buf := unsafe.Slice((*byte)(b.p), b.c)[:n+size]
	copy(buf[pos+size:], buf[pos:n])
	b.n = uint32(n + size)
	return buf
}

// cut removes bytes [pos, pos+size). It never reallocates, so offsets
// before pos stay valid; callers call fit once the operation is over.
func (b *packed) cut(pos, size int) {
	buf := b.buf()
	copy(buf[pos:], buf[pos+size:])
	b.n -= uint32(size)
}

// fit gives memory back after deletions, as a listpack is reallocated
// smaller: the buffer moves to the size class of its contents when that
// saves a quarter or more (the margin keeps alternating adds and deletes
// from reallocating every time).
func (b *packed) fit() {
	if b.n == 0 {
		b.realloc(0)
		return
	}
	if c := packedCap(int(b.n)); c <= int(b.c)-int(b.c)/4 {
		b.realloc(c)
	}
}

// clone returns a copy with an exactly sized buffer.
func (b *packed) clone() packed {
	c := *b
	nb := make([]byte, exactCap(int(b.n)))
	copy(nb, b.buf())
	c.adopt(nb)
	return c
}

// uvarintLen is the size of the uvarint encoding of v.
func uvarintLen(v uint64) int {
	k := 1
	for v >= 0x80 {
		v >>= 7
		k++
	}
	return k
}

// putUvarint writes v at dst[0:] and returns the number of bytes written.
func putUvarint(dst []byte, v uint64) int {
	i := 0
	for v >= 0x80 {
		dst[i] = byte(v) | 0x80
		v >>= 7
		i++
	}
	dst[i] = byte(v)
	return i + 1
}

// uvarintAt decodes the uvarint at b[off:] and returns it with the offset
// that follows it. The one-byte case, by far the most common, is inlined.
func uvarintAt(b []byte, off int) (v uint64, next int) {
	if c := b[off]; c < 0x80 {
		return uint64(c), off + 1
	}
	return uvarintSlow(b, off)
}

func uvarintSlow(b []byte, off int) (v uint64, next int) {
	var shift uint
	for {
		c := b[off]
		off++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, off
		}
		shift += 7
	}
}

// strAt decodes the length-prefixed string at b[off:] and returns it
// (capacity-limited, so that an append by the caller cannot scribble over
// the next element) with the offset that follows it.
func strAt(b []byte, off int) (s []byte, next int) {
	l, st := uvarintAt(b, off)
	e := st + int(l)
	return b[st:e:e], e
}

// List node entries.
//
// A list node stores its elements in one buffer as
//
//	uvarint(len) bytes reverse-uvarint(len)
//
// The trailing copy of the length lets a node be walked from either end,
// which LINDEX/LRANGE with negative indexes and LREM with a negative
// count need, and lets the node grow at both ends without moving data.

// lenSize is the number of bytes of the varint encoding of n.
func lenSize(n int) int {
	k := 1
	for n >= 0x80 {
		n >>= 7
		k++
	}
	return k
}

// entrySize is the encoded size of an element of n bytes.
func entrySize(n int) int { return n + 2*lenSize(n) }

// putEntry encodes s at dst[0:] (dst must be large enough) and returns the
// number of bytes written.
func putEntry(dst []byte, s []byte) int {
	n := len(s)
	k := lenSize(n)
	v := n
	for i := 0; i < k; i++ {
		c := byte(v & 0x7f)
		v >>= 7
		if i < k-1 {
			c |= 0x80
		}
		dst[i] = c
		// The trailer holds the same bytes in reverse so that reading
		// backwards meets the low-order group first.
		dst[k+n+k-1-i] = c
	}
	copy(dst[k:], s)
	return n + 2*k
}

// entryAt decodes the entry starting at off and returns its data and the
// offset of the next entry.
func entryAt(buf []byte, off int) (data []byte, next int) {
	n, shift, k := 0, uint(0), 0
	for {
		c := buf[off+k]
		n |= int(c&0x7f) << shift
		k++
		if c < 0x80 {
			break
		}
		shift += 7
	}
	s := off + k
	return buf[s : s+n : s+n], s + n + k
}

// entryBefore decodes the entry that ends at end and returns its data and
// its start offset.
func entryBefore(buf []byte, end int) (data []byte, start int) {
	n, shift, k := 0, uint(0), 0
	for {
		c := buf[end-1-k]
		n |= int(c&0x7f) << shift
		k++
		if c < 0x80 {
			break
		}
		shift += 7
	}
	e := end - k
	return buf[e-n : e : e], e - n - k
}

// lpEntrySize is the size a Redis listpack gives an element: integers in
// canonical form take 1-9 bytes, strings a 1, 2 or 5 byte header, plus a
// 1-5 byte back-length. Quicklist nodes are filled against this measure so
// they split where Redis's would.
func lpEntrySize(s []byte) int {
	var l int
	if v, ok := ParseInt64(s); ok {
		switch {
		case v >= 0 && v <= 127:
			l = 1
		case v >= -4096 && v <= 4095:
			l = 2
		case v >= -32768 && v <= 32767:
			l = 3
		case v >= -8388608 && v <= 8388607:
			l = 4
		case v >= -2147483648 && v <= 2147483647:
			l = 5
		default:
			l = 9
		}
	} else {
		switch n := len(s); {
		case n < 64:
			l = 1 + n
		case n < 4096:
			l = 2 + n
		default:
			l = 5 + n
		}
	}
	switch {
	case l <= 127:
		return l + 1
	case l < 16383:
		return l + 2
	case l < 2097151:
		return l + 3
	case l < 268435455:
		return l + 4
	}
	return l + 5
}

// lpHeaderBytes is a listpack's fixed overhead: 6-byte header, 1-byte end.
const lpHeaderBytes = 7
