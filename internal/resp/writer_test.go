package resp

import (
	"math"
	"testing"
)

func TestWriterProtocols(t *testing.T) {
	tests := []struct {
		name   string
		write  func(w *Writer)
		r2, r3 string
	}{
		{"null", func(w *Writer) { w.Null() }, "$-1\r\n", "_\r\n"},
		{"nullarray", func(w *Writer) { w.NullArray() }, "*-1\r\n", "_\r\n"},
		{"map", func(w *Writer) { w.MapLen(1); w.BulkString("a"); w.Int(1) }, "*2\r\n$1\r\na\r\n:1\r\n", "%1\r\n$1\r\na\r\n:1\r\n"},
		{"set", func(w *Writer) { w.SetLen(0) }, "*0\r\n", "~0\r\n"},
		{"double", func(w *Writer) { w.Double(1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double17", func(w *Writer) { w.Double(0.1) }, "$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n"},
		{"inf", func(w *Writer) { w.Double(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"bool", func(w *Writer) { w.Bool(true) }, ":1\r\n", "#t\r\n"},
		{"bignum", func(w *Writer) { w.BigNumber("123") }, "$3\r\n123\r\n", "(123\r\n"},
		{"verbatim", func(w *Writer) { w.Verbatim("txt", "hi") }, "$2\r\nhi\r\n", "=6\r\ntxt:hi\r\n"},
		{"push", func(w *Writer) { w.PushLen(2) }, "*2\r\n", ">2\r\n"},
		{"error", func(w *Writer) { w.Error("ERR bad\r\nthing") }, "-ERR bad  thing\r\n", "-ERR bad  thing\r\n"},
		{"deferred", func(w *Writer) {
			d := w.Defer()
			for i := 0; i < 40; i++ {
				w.Int(int64(i % 2))
			}
			w.SetArrayLen(d, 40)
		}, "*40\r\n" + repeat(":0\r\n:1\r\n", 20), "*40\r\n" + repeat(":0\r\n:1\r\n", 20)},
	}
	for _, tc := range tests {
		for _, proto := range []int{2, 3} {
			w := NewWriter(proto)
			tc.write(w)
			want := tc.r2
			if proto == 3 {
				want = tc.r3
			}
			if got := string(w.Bytes()); got != want {
				t.Errorf("%s/resp%d: got %q want %q", tc.name, proto, got, want)
			}
		}
	}
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}

func BenchmarkWriterBulk(b *testing.B) {
	w := NewWriter(2)
	v := []byte("hello world")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w.Reset()
		w.Bulk(v)
	}
}

func BenchmarkParse(b *testing.B) {
	in := []byte("*3\r\n$3\r\nSET\r\n$16\r\nkey:000000012345\r\n$3\r\nxxx\r\n")
	var dst [][]byte
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		dst, _, _, _ = Parse(in, dst[:0], Limits{})
	}
}
