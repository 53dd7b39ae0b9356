package rdb

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// buildZipmap writes a zipmap (Redis <= 2.4 small hash) from the format
// description; free adds that many unused bytes after every value, as a
// zipmap that had values shrink in place would carry.
func buildZipmap(pairs []Field, free int) []byte {
	zm := []byte{byte(min(len(pairs), 254))}
	appendLen := func(n int) {
		if n < 254 {
			zm = append(zm, byte(n))
		} else {
			zm = binary.LittleEndian.AppendUint32(append(zm, 254), uint32(n))
		}
	}
	for _, p := range pairs {
		appendLen(len(p.Name))
		zm = append(zm, p.Name...)
		appendLen(len(p.Value))
		zm = append(zm, byte(free))
		zm = append(zm, p.Value...)
		zm = append(zm, make([]byte, free)...)
	}
	return append(zm, 0xFF)
}

func TestZipmapDecode(t *testing.T) {
	pairs := []Field{
		{[]byte("a"), []byte("1")},
		{[]byte("long"), bytes.Repeat([]byte("v"), 300)},
		{[]byte(""), []byte("")},
	}
	for _, free := range []int{0, 3} {
		got, err := ZipmapPairs(buildZipmap(pairs, free))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(pairs) {
			t.Fatalf("%d pairs", len(got))
		}
		for i := range pairs {
			if !bytes.Equal(got[i].Name, pairs[i].Name) || !bytes.Equal(got[i].Value, pairs[i].Value) {
				t.Errorf("pair %d: %q", i, got[i])
			}
		}
	}
	good := buildZipmap(pairs[:1], 0)
	for name, b := range map[string][]byte{
		"short":  good[:1],
		"no end": good[:len(good)-1],
		"count":  append([]byte{5}, good[1:]...),
		"keylen": {1, 200, 'a', 0xFF},
		"free":   {1, 1, 'a', 1, 9, 'b', 0xFF},
		"trail":  append(append([]byte(nil), good...), 0),
	} {
		if _, err := ZipmapPairs(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
