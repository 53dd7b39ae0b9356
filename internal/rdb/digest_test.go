package rdb

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestDigestOrderSemantics(t *testing.T) {
	// unordered types: member order does not matter
	if DigestValue(setVal("a", "b", "c")) != DigestValue(setVal("c", "a", "b")) {
		t.Error("set digest depends on order")
	}
	if DigestValue(hashVal("a", "1", "b", "2")) != DigestValue(hashVal("b", "2", "a", "1")) {
		t.Error("hash digest depends on order")
	}
	// lists are ordered
	if DigestValue(listVal("a", "b")) == DigestValue(listVal("b", "a")) {
		t.Error("list digest ignores order")
	}
	// hash pairs are bound together: swapping values changes the digest
	if DigestValue(hashVal("a", "1", "b", "2")) == DigestValue(hashVal("a", "2", "b", "1")) {
		t.Error("hash digest does not bind values to fields")
	}
	// the type tag is hashed: a one-element list is not a string
	if DigestValue(listVal("x")) == DigestValue(strVal("x")) {
		t.Error("type not part of digest")
	}
	if DigestValueExpire(strVal("x"), true) == DigestValue(strVal("x")) {
		t.Error("expire not part of digest")
	}
	var dd DatasetDigest
	if dd.Sum() != [20]byte{} {
		t.Error("empty dataset digest must be zero")
	}
	// keys within a db combine commutatively
	var d1, d2 DatasetDigest
	d1.BeginDB(0)
	d1.AddKey([]byte("k1"), strVal("a"), false)
	d1.AddKey([]byte("k2"), strVal("b"), true)
	d2.BeginDB(0)
	d2.AddKey([]byte("k2"), strVal("b"), true)
	d2.AddKey([]byte("k1"), strVal("a"), false)
	if d1.Sum() != d2.Sum() {
		t.Error("key order changes dataset digest")
	}
	var d3 DatasetDigest
	d3.BeginDB(1)
	d3.AddKey([]byte("k1"), strVal("a"), false)
	d3.AddKey([]byte("k2"), strVal("b"), true)
	if d3.Sum() == d1.Sum() {
		t.Error("db number not part of dataset digest")
	}
}

func TestAppendG17(t *testing.T) {
	// The strings C's printf("%.17g") produces for these doubles.
	cases := map[float64]string{
		1: "1", 0.1: "0.10000000000000001", 1.5: "1.5", -2.25: "-2.25", 1e20: "1e+20",
		1e16: "10000000000000000", 1e17: "1e+17", 1.0000000000000001e-05: "1.0000000000000001e-05",
		0.0001: "0.0001", 123456789012345678: "1.2345678901234568e+17", math.Inf(1): "inf",
		math.Inf(-1): "-inf", 5e-324: "4.9406564584124654e-324", math.MaxFloat64: "1.7976931348623157e+308",
	}
	for f, want := range cases {
		if got := string(appendG17(nil, f)); got != want {
			t.Errorf("%v: %q want %q", f, got, want)
		}
	}
	for f, want := range map[float64]string{1: "\x01", 1e17: "\xf4", 4611686018427387904: "\xf4", 4611686018427387905 * 2: "\x96",
		0.5: "\x83", math.Inf(1): "\x83"} {
		var b ListpackBuilder
		b.Reset(nil)
		lpAppendScore(&b, f, nil)
		if got := b.Finish()[6]; string([]byte{got}) != want {
			t.Errorf("score %v: first byte %x, want %q", f, got, want)
		}
	}
	var b ListpackBuilder
	b.Reset(nil)
	lpAppendScore(&b, math.Copysign(0, -1), nil)
	if lp := b.Finish(); lp[6] != 0 {
		t.Errorf("-0 must be stored as integer 0, got %x", lp)
	}
}

// TestDigestAgainstRedis checks DEBUG DIGEST-VALUE for values whose digest
// depends on number formatting and encodings.
func TestDigestAgainstRedis(t *testing.T) {
	requireRedis(t)
	s := startRedis(t, t.TempDir(), "unused.rdb")
	scores := []float64{0, math.Copysign(0, -1), 0.1, 1e-5, 1.5, 1e300, -1e-300, 5e-324, 4503599627370496, 9007199254740993,
		123456789.123456789, math.Inf(1), math.Inf(-1), 1.0 / 3, 2.5e15}
	small := &Value{Kind: KindZSet}
	args := []any{"ZADD", "z"}
	for i, sc := range scores {
		m := "m" + strconv.Itoa(i)
		args = append(args, strconv.FormatFloat(sc, 'g', -1, 64), m)
		small.ZSet = append(small.ZSet, ZMember{[]byte(m), sc})
	}
	s.must(args...)
	s.must("CONFIG", "SET", "zset-max-listpack-entries", "0")
	args[1] = "zbig"
	s.must(args...)
	// A listpack stores -0 as the integer 0, so the small encoding digests
	// it as "0" while the skiplist keeps "-0". Decoding the listpack yields
	// +0, so the model carries the right sign for each encoding.
	lp := &Value{Kind: KindZSet, ZSet: append([]ZMember(nil), small.ZSet...)}
	lp.ZSet[1].Score = 0
	for k, v := range map[string]*Value{"z": lp, "zbig": small} {
		want := strings.Trim(s.str("DEBUG", "DIGEST-VALUE", k), "[]")
		if got := DigestHex(DigestValue(v)); got != want {
			t.Errorf("%s (%s): %s, redis %s", k, s.str("OBJECT", "ENCODING", k), got, want)
		}
	}
	s.must("XADD", "st", "1-1", "f", "v")
	s.must("XADD", "st", "18446744073709551615-18446744073709551615", "a", "1", "b", "2")
	st := &Value{Kind: KindStream, Stream: &Stream{Entries: []StreamEntry{
		{ID: StreamID{1, 1}, Fields: []Field{{[]byte("f"), []byte("v")}}},
		{ID: StreamID{math.MaxUint64, math.MaxUint64}, Fields: []Field{{[]byte("a"), []byte("1")}, {[]byte("b"), []byte("2")}}},
	}}}
	if got, want := DigestHex(DigestValue(st)), strings.Trim(s.str("DEBUG", "DIGEST-VALUE", "st"), "[]"); got != want {
		t.Errorf("stream: %s, redis %s", got, want)
	}
	// dataset digest over two databases with an expire
	s.must("FLUSHALL")
	s.must("SET", "a", "1")
	s.must("SELECT", 5)
	s.must("RPUSH", "l", "x", "y")
	s.must("PEXPIRE", "l", 100000000)
	var dd DatasetDigest
	dd.BeginDB(0)
	dd.AddKey([]byte("a"), strVal("1"), false)
	dd.BeginDB(5)
	dd.AddKey([]byte("l"), listVal("x", "y"), true)
	if got, want := DigestHex(dd.Sum()), s.str("DEBUG", "DIGEST"); got != want {
		t.Errorf("DEBUG DIGEST %s, redis %s", got, want)
	}
	s.must("FLUSHALL")
	if got := s.str("DEBUG", "DIGEST"); got != strings.Repeat("0", 40) {
		t.Errorf("empty: %s", got)
	}
}
