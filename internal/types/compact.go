package types

import (
	"bytes"
	"slices"
)

// Compact ("listpack-like") containers.
//
// Small hashes and sorted sets live in a blobs vector: all strings back to
// back in one pointer-free buffer plus a uint32 end offset per string. It
// is as dense as a listpack for the sizes the thresholds allow (about 4
// bytes of overhead per string instead of 2), gives O(1) access by index
// (which makes rank arithmetic trivial), and costs the garbage collector
// nothing to scan. Lookups by content are linear, as in Redis, which is
// why these encodings are limited to small sizes.
type blobs struct {
	buf  []byte
	ends []uint32 // ends[i] is the offset one past string i
}

func (b *blobs) n() int { return len(b.ends) }

func (b *blobs) start(i int) int {
	if i == 0 {
		return 0
	}
	return int(b.ends[i-1])
}

// at returns string i; the result is capacity-limited so an append by the
// caller cannot scribble over the next string.
func (b *blobs) at(i int) []byte {
	s, e := b.start(i), int(b.ends[i])
	return b.buf[s:e:e]
}

func (b *blobs) strlen(i int) int { return int(b.ends[i]) - b.start(i) }

// bytes is the size of the string data.
func (b *blobs) bytes() int { return len(b.buf) }

// mem is the heap cost of the two backing arrays.
func (b *blobs) mem() int64 { return memBytes(cap(b.buf)) + memBytes(4*cap(b.ends)) }

// find returns the first index i >= from, stepping by step, whose string
// equals s, or -1.
func (b *blobs) find(s []byte, from, step int) int {
	for i := from; i < len(b.ends); i += step {
		st := b.start(i)
		if int(b.ends[i])-st == len(s) && bytes.Equal(b.buf[st:b.ends[i]], s) {
			return i
		}
	}
	return -1
}

// insert puts s before string i (i == n() appends). s must not alias the
// buffer.
func (b *blobs) insert(i int, s []byte) {
	st := b.start(i)
	n := len(s)
	old := len(b.buf)
	b.buf = slices.Grow(b.buf, n)[:old+n]
	copy(b.buf[st+n:], b.buf[st:old])
	copy(b.buf[st:], s)
	b.ends = slices.Insert(b.ends, i, uint32(st))
	for k := i; k < len(b.ends); k++ {
		b.ends[k] += uint32(n)
	}
}

// append adds s at the end (s must not alias the buffer).
func (b *blobs) append(s []byte) {
	b.buf = append(b.buf, s...)
	b.ends = append(b.ends, uint32(len(b.buf)))
}

// replace overwrites string i with s, moving the tail when the length
// changes. s must not alias the buffer.
func (b *blobs) replace(i int, s []byte) {
	st, e := b.start(i), int(b.ends[i])
	d := len(s) - (e - st)
	switch {
	case d > 0:
		old := len(b.buf)
		b.buf = slices.Grow(b.buf, d)[:old+d]
		copy(b.buf[e+d:], b.buf[e:old])
	case d < 0:
		copy(b.buf[e+d:], b.buf[e:])
		b.buf = b.buf[:len(b.buf)+d]
	}
	copy(b.buf[st:], s)
	if d != 0 {
		for k := i; k < len(b.ends); k++ {
			b.ends[k] = uint32(int(b.ends[k]) + d)
		}
	}
}

// remove deletes strings [i, j).
func (b *blobs) remove(i, j int) {
	if i >= j {
		return
	}
	st, e := b.start(i), int(b.ends[j-1])
	d := e - st
	copy(b.buf[st:], b.buf[e:])
	b.buf = b.buf[:len(b.buf)-d]
	b.ends = slices.Delete(b.ends, i, j)
	for k := i; k < len(b.ends); k++ {
		b.ends[k] -= uint32(d)
	}
	b.shrink()
}

// shrink gives memory back after large deletions, as a listpack does when
// it is reallocated smaller.
func (b *blobs) shrink() {
	if c := cap(b.buf); c > 256 && len(b.buf) < c/4 {
		b.buf = append(make([]byte, 0, memCapBytes(2*len(b.buf))), b.buf...)
	}
	if c := cap(b.ends); c > 64 && len(b.ends) < c/4 {
		b.ends = append(make([]uint32, 0, 2*len(b.ends)), b.ends...)
	}
}

// clone returns a deep copy with tight capacities.
func (b *blobs) clone() blobs {
	return blobs{buf: slices.Clone(b.buf), ends: slices.Clone(b.ends)}
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
