package rdb

import (
	"encoding/binary"
	"testing"
)

func TestIntsetRoundTrip(t *testing.T) {
	cases := []struct {
		vals []int64
		enc  uint32
	}{
		{[]int64{3, 1, 2}, 2},
		{[]int64{-32768, 32767}, 2},
		{[]int64{32768, 1}, 4},
		{[]int64{-2147483648, 0}, 4},
		{[]int64{2147483648}, 8},
		{[]int64{-9223372036854775808, 9223372036854775807, 0}, 8},
		{nil, 2},
	}
	for _, c := range cases {
		b := IntsetEncode(c.vals)
		if binary.LittleEndian.Uint32(b) != c.enc {
			t.Errorf("%v: encoding %d", c.vals, binary.LittleEndian.Uint32(b))
		}
		got, err := IntsetDecode(b)
		if err != nil || len(got) != len(c.vals) {
			t.Fatalf("%v: %v %v", c.vals, got, err)
		}
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Errorf("%v not sorted: %v", c.vals, got)
			}
		}
	}
}

func TestIntsetRejectsCorruption(t *testing.T) {
	good := IntsetEncode([]int64{1, 2, 3})
	mut := func(f func(b []byte)) []byte { b := append([]byte(nil), good...); f(b); return b }
	for name, b := range map[string][]byte{
		"short":    good[:6],
		"encoding": mut(func(b []byte) { b[0] = 3 }),
		"length":   mut(func(b []byte) { b[4] = 4 }),
		"huge len": mut(func(b []byte) { b[7] = 0x80 }),
		"order":    mut(func(b []byte) { b[8], b[10] = 2, 1 }),
		"dup":      mut(func(b []byte) { b[10] = 1 }),
	} {
		if _, err := IntsetDecode(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
