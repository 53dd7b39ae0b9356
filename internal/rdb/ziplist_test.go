package rdb

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// buildZiplist writes a ziplist the way Redis 6 would, from the format
// description; used to make legacy fixtures.
func buildZiplist(elems [][]byte) []byte {
	zl := make([]byte, zlHeaderSize)
	prev, last := 0, zlHeaderSize
	for _, e := range elems {
		start := len(zl)
		if prev < 254 {
			zl = append(zl, byte(prev))
		} else {
			zl = append(zl, 254)
			zl = binary.LittleEndian.AppendUint32(zl, uint32(prev))
		}
		v, isInt := ParseInt64Strict(e)
		if isInt && len(e) < 32 {
			switch {
			case v >= 0 && v <= 12:
				zl = append(zl, 0xF1+byte(v))
			case v >= -128 && v <= 127:
				zl = append(zl, 0xFE, byte(v))
			case v >= -32768 && v <= 32767:
				zl = binary.LittleEndian.AppendUint16(append(zl, 0xC0), uint16(v))
			case v >= -8388608 && v <= 8388607:
				zl = append(zl, 0xF0, byte(v), byte(v>>8), byte(v>>16))
			case v >= -2147483648 && v <= 2147483647:
				zl = binary.LittleEndian.AppendUint32(append(zl, 0xD0), uint32(v))
			default:
				zl = binary.LittleEndian.AppendUint64(append(zl, 0xE0), uint64(v))
			}
		} else {
			switch n := len(e); {
			case n <= 63:
				zl = append(zl, byte(n))
			case n <= 16383:
				zl = append(zl, 0x40|byte(n>>8), byte(n))
			default:
				zl = binary.BigEndian.AppendUint32(append(zl, 0x80), uint32(n))
			}
			zl = append(zl, e...)
		}
		prev, last = len(zl)-start, start
	}
	zl = append(zl, 0xFF)
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], uint32(last))
	n := len(elems)
	if n > 65535 {
		n = 65535
	}
	binary.LittleEndian.PutUint16(zl[8:], uint16(n))
	return zl
}

func TestZiplistDecode(t *testing.T) {
	elems := [][]byte{[]byte("a"), []byte("0"), []byte("12"), []byte("13"), []byte("-128"), []byte("200"),
		[]byte("-30000"), []byte("8000000"), []byte("-2000000000"), []byte("9000000000"),
		[]byte("-9223372036854775808"), []byte(""), []byte("007"), bytes.Repeat([]byte("z"), 300),
		bytes.Repeat([]byte("y"), 20000), []byte("after a big one")}
	zl := buildZiplist(elems)
	got, err := ZiplistEntries(zl)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(elems) {
		t.Fatalf("%d elements", len(got))
	}
	for i := range elems {
		if !bytes.Equal(got[i], elems[i]) {
			t.Errorf("element %d: %q", i, got[i])
		}
	}
	empty := buildZiplist(nil)
	if got, err := ZiplistEntries(empty); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v %v", got, err)
	}
}

func TestZiplistRejectsCorruption(t *testing.T) {
	good := buildZiplist([][]byte{[]byte("hello"), []byte("5"), []byte(strings.Repeat("q", 40))})
	mut := func(f func(b []byte)) []byte { b := append([]byte(nil), good...); f(b); return b }
	bad := map[string][]byte{
		"short":    good[:8],
		"zlbytes":  mut(func(b []byte) { b[0]++ }),
		"tail":     mut(func(b []byte) { b[4]++ }),
		"count":    mut(func(b []byte) { b[8] = 9 }),
		"prevlen":  mut(func(b []byte) { b[17] = 3 }),
		"encoding": mut(func(b []byte) { b[11] = 0xC8 }),
		"strlen":   mut(func(b []byte) { b[11] = 0x3f }),
		"end":      mut(func(b []byte) { b[len(b)-1] = 1 }),
	}
	for name, b := range bad {
		if _, err := ZiplistEntries(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
