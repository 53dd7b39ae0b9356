package rdb

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
)

func lzfRoundTrip(t testing.TB, in []byte) {
	c, ok := LZFCompress(nil, in, len(in)+len(in)/32+16)
	if !ok {
		t.Fatalf("compress of %d bytes did not fit the generous limit", len(in))
	}
	out, err := LZFDecompress(nil, c, len(in))
	if err != nil {
		t.Fatalf("decompress: %v", err)
	}
	if !bytes.Equal(out, in) {
		t.Fatalf("round trip mismatch for %d bytes", len(in))
	}
}

func TestLZFRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	inputs := [][]byte{
		[]byte("a"), []byte("ab"), []byte("abc"), []byte("aaaa"),
		[]byte(strings.Repeat("a", 1000)),
		[]byte(strings.Repeat("abcdefgh", 5000)),
		[]byte(strings.Repeat("x", 300) + strings.Repeat("y", 300)),
	}
	for n := 0; n < 200; n++ {
		b := make([]byte, r.Intn(3000)+1)
		alpha := r.Intn(4) + 1 // small alphabets give many matches
		for i := range b {
			b[i] = byte('a' + r.Intn(alpha))
		}
		inputs = append(inputs, b)
		rb := make([]byte, r.Intn(500)+1)
		r.Read(rb)
		inputs = append(inputs, rb)
	}
	for _, in := range inputs {
		lzfRoundTrip(t, in)
	}
}

func TestLZFKnownOutput(t *testing.T) {
	// 21 times 'a': two literals (position 0 is never a match source), then
	// one back reference at distance 1 covering the remaining 19 bytes. This
	// is what redis-server stores for SET k aaaaaaaaaaaaaaaaaaaaa (the
	// round-trip test compares whole DUMP payloads).
	c, ok := LZFCompress(nil, bytes.Repeat([]byte("a"), 21), 17)
	if !ok {
		t.Fatal("not compressed")
	}
	if want := []byte{0x01, 'a', 'a', 0xe0, 0x0a, 0x00}; !bytes.Equal(c, want) {
		t.Fatalf("got %x want %x", c, want)
	}
	out, err := LZFDecompress(nil, c, 21)
	if err != nil || string(out) != strings.Repeat("a", 21) {
		t.Fatalf("decompress %q %v", out, err)
	}
}

func TestLZFIncompressibleAndLimits(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	b := make([]byte, 100)
	r.Read(b)
	if _, ok := LZFCompress(nil, b, len(b)-4); ok {
		t.Fatal("random data should not compress by 4 bytes")
	}
	if _, ok := LZFCompress(nil, nil, 10); ok {
		t.Fatal("empty input compressed")
	}
	// Output must never exceed the limit, whatever the limit.
	in := []byte(strings.Repeat("abcabcabd", 50))
	for lim := 1; lim < 200; lim++ {
		c, ok := LZFCompress(nil, in, lim)
		if ok && len(c) > lim {
			t.Fatalf("limit %d exceeded: %d", lim, len(c))
		}
		if ok {
			lzfRoundTrip(t, in)
		}
	}
	// appending to dst keeps the prefix
	c, ok := LZFCompress([]byte("prefix"), in, 400)
	if !ok || !bytes.HasPrefix(c, []byte("prefix")) {
		t.Fatal("dst prefix lost")
	}
}

func TestLZFDecompressRejectsCorruptInput(t *testing.T) {
	cases := []struct {
		in  []byte
		out int
	}{
		{[]byte{0x05, 'a'}, 6},             // literal run past input end
		{[]byte{0x00, 'a', 0x20, 0x05}, 4}, // back reference before start
		{[]byte{0x00, 'a', 0xe0}, 10},      // truncated long reference
		{[]byte{0x00, 'a', 0x20}, 4},       // truncated reference offset
		{[]byte{0x00, 'a'}, 2},             // too short output
		{[]byte{0x01, 'a', 'b'}, 1},        // output overflow
	}
	for i, c := range cases {
		if _, err := LZFDecompress(nil, c.in, c.out); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
}

func FuzzLZF(f *testing.F) {
	f.Add([]byte("hello hello hello hello"), 30)
	f.Add([]byte{0x00, 'a', 0xe0, 0x0b, 0x00}, 21)
	f.Add(bytes.Repeat([]byte{1, 2, 3}, 100), 10)
	f.Fuzz(func(t *testing.T, data []byte, outLen int) {
		// Arbitrary bytes as compressed input must never panic, and the
		// output size is bounded by the caller's limit.
		if outLen < 0 || outLen > 1<<16 {
			outLen = len(data) * 4
		}
		if out, err := LZFDecompress(nil, data, outLen); err == nil && len(out) != outLen {
			t.Fatalf("decompressed %d bytes, asked %d", len(out), outLen)
		}
		if len(data) == 0 {
			return
		}
		// Any input must round-trip.
		c, ok := LZFCompress(nil, data, len(data)+len(data)/32+16)
		if !ok {
			t.Fatalf("compress failed for %d bytes", len(data))
		}
		out, err := LZFDecompress(nil, c, len(data))
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("round trip failed: %v", err)
		}
		// With the limit Redis uses, output is either absent or fits.
		if c2, ok := LZFCompress(nil, data, len(data)-4); ok && len(c2) > len(data)-4 {
			t.Fatalf("limit exceeded")
		}
	})
}

func BenchmarkLZFCompress(b *testing.B) {
	in := []byte(strings.Repeat("line of a long compressible value 12345; ", 2000))
	b.SetBytes(int64(len(in)))
	var dst []byte
	for b.Loop() {
		dst, _ = LZFCompress(dst[:0], in, len(in)-4)
	}
}
