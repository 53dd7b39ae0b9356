package rdb

import (
	"math/rand"
	"testing"
)

func TestCRC64Vector(t *testing.T) {
	if got := CRC64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64(123456789) = %#x", got)
	}
	if got := CRC64(0, nil); got != 0 {
		t.Fatalf("crc64(empty) = %#x", got)
	}
}

// bitwiseCRC is the one-bit-at-a-time definition; the table version must agree.
func bitwiseCRC(crc uint64, p []byte) uint64 {
	for _, b := range p {
		crc ^= uint64(b)
		for i := 0; i < 8; i++ {
			if crc&1 == 1 {
				crc = crc>>1 ^ crc64JonesReflected
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

func TestCRC64MatchesBitwiseAndIsIncremental(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for n := 0; n < 300; n++ {
		p := make([]byte, n)
		r.Read(p)
		want := bitwiseCRC(0, p)
		if got := CRC64(0, p); got != want {
			t.Fatalf("len %d: got %#x want %#x", n, got, want)
		}
		split := n / 3
		if got := CRC64(CRC64(0, p[:split]), p[split:]); got != want {
			t.Fatalf("len %d: incremental mismatch", n)
		}
	}
}

func BenchmarkCRC64(b *testing.B) {
	p := make([]byte, 64<<10)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		CRC64(0, p)
	}
}
