package rdb

import (
	"encoding/binary"
	"fmt"
)

// Zipmap (hashes before Redis 2.6): a count byte (254 = unknown), then
// key/value records, then 0xFF. Lengths are one byte below 254, or 254
// followed by a u32 LE. Every value is preceded by a "free" byte giving the
// number of unused bytes that follow the value.

func zipmapLen(zm []byte, p int) (n, next int, err error) {
	if p >= len(zm) {
		return 0, 0, fmt.Errorf("zipmap length at %d out of bounds", p)
	}
	if b := zm[p]; b < 254 {
		return int(b), p + 1, nil
	} else if b == 254 {
		if p+5 > len(zm) {
			return 0, 0, fmt.Errorf("zipmap length at %d overflows", p)
		}
		u := binary.LittleEndian.Uint32(zm[p+1:])
		if int64(u) > int64(len(zm)) {
			return 0, 0, fmt.Errorf("zipmap length %d at %d overflows", u, p)
		}
		return int(u), p + 5, nil
	}
	return 0, 0, fmt.Errorf("zipmap unexpected end marker at %d", p)
}

// ZipmapPairs decodes a zipmap into its field/value pairs.
func ZipmapPairs(zm []byte) ([]Field, error) {
	if len(zm) < 2 {
		return nil, fmt.Errorf("zipmap too short (%d bytes)", len(zm))
	}
	count := int(zm[0])
	var out []Field
	p := 1
	for {
		if p >= len(zm) {
			return nil, fmt.Errorf("zipmap missing end marker")
		}
		if zm[p] == 0xFF {
			break
		}
		kl, q, err := zipmapLen(zm, p)
		if err != nil {
			return nil, err
		}
		if q+kl > len(zm) {
			return nil, fmt.Errorf("zipmap key at %d overflows", q)
		}
		key := zm[q : q+kl : q+kl]
		vl, q2, err := zipmapLen(zm, q+kl)
		if err != nil {
			return nil, err
		}
		if q2 >= len(zm) {
			return nil, fmt.Errorf("zipmap free byte at %d out of bounds", q2)
		}
		free := int(zm[q2])
		vs := q2 + 1
		if vs+vl+free > len(zm) {
			return nil, fmt.Errorf("zipmap value at %d overflows", vs)
		}
		out = append(out, Field{Name: key, Value: zm[vs : vs+vl : vs+vl]})
		p = vs + vl + free
	}
	if p != len(zm)-1 {
		return nil, fmt.Errorf("zipmap end marker at %d before end", p)
	}
	if count < 254 && count != len(out) {
		return nil, fmt.Errorf("zipmap header count %d != %d pairs", count, len(out))
	}
	return out, nil
}
