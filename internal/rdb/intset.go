package rdb

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
)

// Intset layout: encoding (u32 LE: 2, 4 or 8 bytes per element), length
// (u32 LE), then the elements as little-endian signed integers in strictly
// ascending order. All elements share the widest width any of them needs.

// IntsetDecode validates an intset and returns its members in ascending order.
func IntsetDecode(b []byte) ([]int64, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("intset too short (%d bytes)", len(b))
	}
	enc := binary.LittleEndian.Uint32(b)
	n := binary.LittleEndian.Uint32(b[4:])
	if enc != 2 && enc != 4 && enc != 8 {
		return nil, fmt.Errorf("intset invalid encoding %d", enc)
	}
	if uint64(len(b)-8) != uint64(enc)*uint64(n) {
		return nil, fmt.Errorf("intset of %d x %d bytes does not fit blob of %d", n, enc, len(b))
	}
	out := make([]int64, n)
	p := b[8:]
	for i := range out {
		var v int64
		switch enc {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(p[2*i:])))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(p[4*i:])))
		default:
			v = int64(binary.LittleEndian.Uint64(p[8*i:]))
		}
		if i > 0 && v <= out[i-1] {
			return nil, fmt.Errorf("intset not strictly ascending at index %d", i)
		}
		out[i] = v
	}
	return out, nil
}

// intsetMembers decodes an intset into decimal member strings.
func intsetMembers(b []byte) ([][]byte, error) {
	vals, err := IntsetDecode(b)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i] = strconv.AppendInt(nil, v, 10)
	}
	return out, nil
}

// IntsetEncode encodes vals (any order, no duplicates) with the narrowest
// width that holds all of them, as a freshly built Redis intset would be.
func IntsetEncode(vals []int64) []byte {
	enc := 2
	for _, v := range vals {
		if v < -2147483648 || v > 2147483647 {
			enc = 8
			break
		}
		if v < -32768 || v > 32767 {
			enc = 4
		}
	}
	sorted := append([]int64(nil), vals...)
	sortInt64s(sorted)
	b := make([]byte, 8+enc*len(sorted))
	binary.LittleEndian.PutUint32(b, uint32(enc))
	binary.LittleEndian.PutUint32(b[4:], uint32(len(sorted)))
	p := b[8:]
	for i, v := range sorted {
		switch enc {
		case 2:
			binary.LittleEndian.PutUint16(p[2*i:], uint16(v))
		case 4:
			binary.LittleEndian.PutUint32(p[4*i:], uint32(v))
		default:
			binary.LittleEndian.PutUint64(p[8*i:], uint64(v))
		}
	}
	return b
}

func sortInt64s(s []int64) {
	// insertion sort for the common tiny case, otherwise the stdlib
	if len(s) <= 12 {
		for i := 1; i < len(s); i++ {
			for j := i; j > 0 && s[j] < s[j-1]; j-- {
				s[j], s[j-1] = s[j-1], s[j]
			}
		}
		return
	}
	slices.Sort(s)
}
