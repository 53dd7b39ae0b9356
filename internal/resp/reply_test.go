package resp

import (
	"bufio"
	"strings"
	"testing"
)

func TestReadReply(t *testing.T) {
	tests := []struct {
		in   string
		kind Kind
		str  string
		n    int
	}{
		{"+OK\r\n", KindStatus, "OK", 0},
		{"-ERR bad\r\n", KindError, "ERR bad", 0},
		{":42\r\n", KindInt, "", 0},
		{"$3\r\nfoo\r\n", KindBulk, "foo", 0},
		{"$-1\r\n", KindNull, "", 0},
		{"*-1\r\n", KindNull, "", 0},
		{"_\r\n", KindNull, "", 0},
		{",1.5\r\n", KindDouble, "1.5", 0},
		{"#t\r\n", KindBool, "", 0},
		{"=7\r\ntxt:abc\r\n", KindVerbatim, "abc", 0},
		{"*2\r\n$1\r\na\r\n:1\r\n", KindArray, "", 2},
		{"%1\r\n$1\r\nk\r\n$1\r\nv\r\n", KindMap, "", 2},
		{"|1\r\n+a\r\n+b\r\n:5\r\n", KindInt, "", 0},
		{">2\r\n$10\r\ninvalidate\r\n_\r\n", KindPush, "", 2},
	}
	for _, tc := range tests {
		r, err := ReadReply(bufio.NewReader(strings.NewReader(tc.in)))
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if r.Kind != tc.kind || string(r.Str) != tc.str || len(r.Elems) != tc.n {
			t.Errorf("%q: got %+v", tc.in, r)
		}
	}
	for _, bad := range []string{"?x\r\n", ":x\r\n", "$5\r\nab\r\n", "+OK\n", "*99999999999\r\n"} {
		if _, err := ReadReply(bufio.NewReader(strings.NewReader(bad))); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzReadReply: no panic, no runaway allocation on arbitrary input.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "*2\r\n$1\r\na\r\n:1\r\n", "%1\r\n+a\r\n_\r\n", "|1\r\n+a\r\n+b\r\n:5\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = ReadReply(bufio.NewReader(strings.NewReader(string(in))))
	})
}
