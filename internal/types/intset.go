package types

import (
	"math/bits"
	"slices"
	"unsafe"
)

// The "intset" encoding of a set: distinct integers kept sorted in a
// packed buffer, so membership is a binary search and iteration is
// ascending, which is the order SMEMBERS shows for such sets in Redis.
//
// As in Redis, every element has the width of the widest one: 2, 4 or 8
// bytes, starting at 2 and widened for all elements when a value does
// not fit, never narrowed. The packed header's k is the width; the count
// is n/k. The buffer is read as an []int16, []int32 or []int64 in native
// byte order (it never leaves memory, and packedCap keeps it aligned),
// so searches run on plain typed slices.

func intWidth(v int64) uint32 {
	switch {
	case v >= -1<<15 && v < 1<<15:
		return 2
	case v >= -1<<31 && v < 1<<31:
		return 4
	}
	return 8
}

func is16(b *packed) []int16 { return unsafe.Slice((*int16)(b.p), b.n>>1) }
func is32(b *packed) []int32 { return unsafe.Slice((*int32)(b.p), b.n>>2) }
func is64(b *packed) []int64 { return unsafe.Slice((*int64)(b.p), b.n>>3) }

// isLen returns the number of elements (a shift: the width is a power
// of two, and a division would show in SADD's profile).
func isLen(b *packed) int { return int(b.n >> bits.TrailingZeros32(b.k)) }

// isAt returns element i.
func isAt(b *packed, i int) int64 {
	switch b.k {
	case 2:
		return int64(is16(b)[i])
	case 4:
		return int64(is32(b)[i])
	}
	return is64(b)[i]
}

// isFind returns the index where v is or would be inserted, and whether
// it is present. v must fit the current width.
func isFind(b *packed, v int64) (int, bool) {
	switch b.k {
	case 2:
		return isSearch(is16(b), int16(v))
	case 4:
		return isSearch(is32(b), int32(v))
	}
	return isSearch(is64(b), v)
}

// isSearch is a binary search that first checks the ends, as Redis's
// intsetSearch does: members that arrive in increasing order (ids, for
// instance) are appended without a search.
func isSearch[T int16 | int32 | int64](s []T, v T) (int, bool) {
	if n := len(s); n == 0 || v > s[n-1] {
		return n, false
	} else if v < s[0] {
		return 0, false
	}
	return slices.BinarySearch(s, v)
}

func isContains(b *packed, v int64) bool {
	if intWidth(v) > b.k {
		return false
	}
	_, ok := isFind(b, v)
	return ok
}

// isUpgrade re-encodes every element with width w.
func isUpgrade(b *packed, w uint32) {
	n := isLen(b)
	nb := packed{k: w}
	nb.realloc(packedCap(n * int(w)))
	nb.n = uint32(n * int(w))
	for i := 0; i < n; i++ {
		isSet(&nb, i, isAt(b, i))
	}
	*b = nb
}

// isSet overwrites element i (v must fit the width).
func isSet(b *packed, i int, v int64) {
	switch b.k {
	case 2:
		is16(b)[i] = int16(v)
	case 4:
		is32(b)[i] = int32(v)
	default:
		is64(b)[i] = v
	}
}

// isAdd inserts v and reports whether it was absent.
func isAdd(b *packed, v int64) bool {
	if w := intWidth(v); w > b.k {
		isUpgrade(b, w)
	}
	i, ok := isFind(b, v)
	if ok {
		return false
	}
	w := int(b.k)
	b.open(i*w, w)
	isSet(b, i, v)
	return true
}

// isRemove deletes v and reports whether it was present.
func isRemove(b *packed, v int64) bool {
	if intWidth(v) > b.k {
		return false
	}
	i, ok := isFind(b, v)
	if !ok {
		return false
	}
	isDeleteAt(b, i)
	return true
}

func isDeleteAt(b *packed, i int) {
	b.cut(i*int(b.k), int(b.k))
	b.fit()
}
