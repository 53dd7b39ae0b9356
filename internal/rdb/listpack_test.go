package rdb

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
)

func TestParseInt64Strict(t *testing.T) {
	ok := []string{"0", "1", "-1", "9223372036854775807", "-9223372036854775808", "42", "-4096"}
	bad := []string{"", "-", "00", "01", "-0", "+1", " 1", "1 ", "1.0", "9223372036854775808",
		"-9223372036854775809", "18446744073709551616", "abc", "1a", "99999999999999999999"}
	for _, s := range ok {
		v, good := ParseInt64Strict([]byte(s))
		if !good || strconv.FormatInt(v, 10) != s {
			t.Errorf("%q: %d %v", s, v, good)
		}
	}
	for _, s := range bad {
		if _, good := ParseInt64Strict([]byte(s)); good {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestListpackIntegerEncodings(t *testing.T) {
	cases := []struct {
		v    int64
		size int // encoding + data
		enc  byte
	}{
		{0, 1, 0x00}, {127, 1, 0x7f}, {128, 2, 0xC0}, {-1, 2, 0xDF}, {4095, 2, 0xCF}, {-4096, 2, 0xD0},
		{4096, 3, 0xF1}, {-32768, 3, 0xF1}, {32768, 4, 0xF2}, {-8388608, 4, 0xF2},
		{8388608, 5, 0xF3}, {-2147483648, 5, 0xF3}, {2147483648, 9, 0xF4}, {-9223372036854775808, 9, 0xF4},
	}
	for _, c := range cases {
		b := lpAppendInt(nil, c.v)
		if len(b) != c.size+1 || b[0] != c.enc || b[len(b)-1] != byte(c.size) {
			t.Errorf("%d encoded as %x", c.v, b)
		}
		lp := BuildListpack([][]byte{[]byte(strconv.FormatInt(c.v, 10))})
		got, err := ListpackEntries(lp)
		if err != nil || len(got) != 1 || string(got[0]) != strconv.FormatInt(c.v, 10) {
			t.Errorf("%d round trip: %q %v", c.v, got, err)
		}
		if lpIntEntrySize(c.v) != len(b) {
			t.Errorf("%d: size %d != %d", c.v, lpIntEntrySize(c.v), len(b))
		}
	}
}

func TestListpackStringsAndBacklen(t *testing.T) {
	var elems [][]byte
	for _, n := range []int{0, 1, 63, 64, 126, 127, 128, 4095, 4096, 16380, 16383, 16384, 70000} {
		elems = append(elems, bytes.Repeat([]byte{'s'}, n))
	}
	elems = append(elems, []byte("007"), []byte("-0"), []byte("12"), []byte("\x00\xff"))
	lp := BuildListpack(elems)
	if int(binary.LittleEndian.Uint32(lp)) != len(lp) || binary.LittleEndian.Uint16(lp[4:]) != uint16(len(elems)) {
		t.Fatalf("bad header")
	}
	got, err := ListpackEntries(lp)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(elems) {
		t.Fatalf("%d elements", len(got))
	}
	for i := range elems {
		if !bytes.Equal(got[i], elems[i]) {
			t.Errorf("element %d differs", i)
		}
		if lpEntrySize(elems[i]) != len(lpAppendString(nil, elems[i])) {
			t.Errorf("element %d: size estimate wrong", i)
		}
	}
	// back-lengths decode when read from the right
	for _, l := range []int{1, 127, 128, 16382, 16383, 2097150, 2097151, 268435454, 268435455} {
		b := lpAppendBacklen(nil, l)
		if len(b) != lpBacklenSize(l) {
			t.Fatalf("backlen %d size", l)
		}
		v, shift := 0, 0
		for i := len(b) - 1; i >= 0; i-- {
			v |= int(b[i]&127) << shift
			shift += 7
			if b[i]&128 == 0 {
				break
			}
		}
		if v != l {
			t.Errorf("backlen %d decodes as %d", l, v)
		}
	}
}

func TestListpackRejectsCorruption(t *testing.T) {
	good := BuildListpack([][]byte{[]byte("hello"), []byte("1234"), []byte(strings.Repeat("x", 100))})
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	bad := map[string][]byte{
		"short":         good[:5],
		"total":         mut(func(b []byte) []byte { b[0]++; return b }),
		"no terminator": mut(func(b []byte) []byte { b[len(b)-1] = 0; return b }),
		"count":         mut(func(b []byte) []byte { b[4] = 7; return b }),
		"backlen":       mut(func(b []byte) []byte { b[12] ^= 0x40; return b }),
		"strlen":        mut(func(b []byte) []byte { b[6] = 0xBF; return b }),
		"bad enc":       mut(func(b []byte) []byte { b[6] = 0xF8; return b }),
		"early end":     mut(func(b []byte) []byte { b[6] = 0xFF; return b }),
	}
	for name, b := range bad {
		if _, err := ListpackEntries(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// unknown count (65535) is accepted
	u := append([]byte(nil), good...)
	binary.LittleEndian.PutUint16(u[4:], 65535)
	if _, err := ListpackEntries(u); err != nil {
		t.Errorf("unknown count: %v", err)
	}
}

func TestListpackBuilder(t *testing.T) {
	b := NewListpackBuilder(nil)
	b.AppendInt(-5)
	b.AppendString([]byte("x"))
	if b.Len() != 2 || b.Size() != 6+3+3+1 {
		t.Fatalf("len %d size %d", b.Len(), b.Size())
	}
	lp := b.Finish()
	if len(lp) != 13 {
		t.Fatalf("finished size %d", len(lp))
	}
	got, _ := ListpackEntries(lp)
	if string(got[0]) != "-5" || string(got[1]) != "x" {
		t.Fatalf("%q", got)
	}
}
