package rdb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestObjectTypeThresholds(t *testing.T) {
	o := DefaultEncodeOptions()
	o.SetMaxIntsetEntries, o.HashMaxListpackEntries, o.HashMaxListpackValue = 3, 2, 4
	o.ZSetMaxListpackEntries, o.ZSetMaxListpackValue = 2, 4
	ve := valueEncoder{opts: o}
	cases := []struct {
		v    *Value
		want byte
	}{
		{strVal("x"), TypeString},
		{listVal("x"), TypeListQuicklist2},
		{setVal("1", "2", "3"), TypeSetIntset},
		{setVal("1", "2", "3", "4"), TypeSet},
		{setVal("1", "01"), TypeSet},
		{setVal("-9223372036854775808"), TypeSetIntset},
		{setVal("9223372036854775808"), TypeSet},
		{hashVal("a", "1", "b", "2"), TypeHashListpack},
		{hashVal("a", "1", "b", "2", "c", "3"), TypeHash},
		{hashVal("abcd", "1234"), TypeHashListpack},
		{hashVal("abcde", "1"), TypeHash},
		{hashVal("a", "12345"), TypeHash},
		{zsetVal("a", 1.0, "b", 2.0), TypeZSetListpack},
		{zsetVal("a", 1.0, "b", 2.0, "c", 3.0), TypeZSet2},
		{zsetVal("abcde", 1.0), TypeZSet2},
		{&Value{Kind: KindStream, Stream: &Stream{}}, TypeStreamListpacks2},
	}
	for i, c := range cases {
		got, err := ve.objectType(c.v)
		if err != nil || got != c.want {
			t.Errorf("case %d: type %d (%v), want %d", i, got, err, c.want)
		}
	}
}

func TestStringEncodings(t *testing.T) {
	ve := valueEncoder{opts: DefaultEncodeOptions()}
	cases := map[string]string{
		"0": "c000", "-128": "c080", "127": "c07f", "128": "c18000", "-32768": "c10080", "32768": "c200800000",
		"2147483647": "c2ffffff7f", "-2147483648": "c200000080",
		"2147483648": "0a" + fmt.Sprintf("%x", "2147483648"), "007": "03303037", "": "00",
		"12345678901": "0b" + fmt.Sprintf("%x", "12345678901"),
	}
	for s, want := range cases {
		if got := fmt.Sprintf("%x", ve.appendString(nil, []byte(s))); got != want {
			t.Errorf("%q: %s want %s", s, got, want)
		}
	}
	// 20 bytes are never compressed, 21 compressible bytes are.
	if b := ve.appendString(nil, bytes.Repeat([]byte("a"), 20)); b[0] != 20 {
		t.Errorf("20 bytes: %x", b)
	}
	if b := ve.appendString(nil, bytes.Repeat([]byte("a"), 21)); b[0] != 0xC3 {
		t.Errorf("21 bytes: %x", b)
	}
	ve.opts.Compression = false
	if b := ve.appendString(nil, bytes.Repeat([]byte("a"), 100)); b[0] != 0x40 || b[1] != 100 {
		t.Errorf("compression off: %x", b[:2])
	}
}

func TestAppendLen(t *testing.T) {
	for n, want := range map[uint64]string{0: "00", 63: "3f", 64: "4040", 16383: "7fff", 16384: "8000004000",
		math.MaxUint32: "80ffffffff", math.MaxUint32 + 1: "810000000100000000"} {
		if got := fmt.Sprintf("%x", appendLen(nil, n)); got != want {
			t.Errorf("%d: %s want %s", n, got, want)
		}
		rd := newBytesReader(appendLen(nil, n))
		if v, err := rd.readPlainLen(); err != nil || v != n {
			t.Errorf("%d decodes as %d %v", n, v, err)
		}
	}
}

func TestQuicklistNodes(t *testing.T) {
	nodesOf := func(o EncodeOptions, items [][]byte) (plain, packed int, lens []int) {
		ve := valueEncoder{opts: o}
		ve.opts.Compression = false
		b := ve.appendQuicklist(nil, items)
		rd := newBytesReader(b)
		n, _ := rd.readPlainLen()
		for i := 0; i < int(n); i++ {
			c, _ := rd.readPlainLen()
			blob, _ := rd.readString()
			if c == quicklistNodePlain {
				plain++
				lens = append(lens, 1)
			} else {
				packed++
				e, err := ListpackEntries(blob)
				if err != nil {
					t.Fatal(err)
				}
				lens = append(lens, len(e))
			}
		}
		return
	}
	o := DefaultEncodeOptions()
	o.ListMaxListpackSize = 5 // count based
	items := bs("a", "b", "c", "d", "e", "f", "g")
	if _, packed, lens := nodesOf(o, items); packed != 2 || lens[0] != 5 {
		t.Errorf("fill 5: %v", lens)
	}
	o.ListPackedThreshold = 10
	items = append(items, []byte("this is a long element"))
	items = append(items, []byte("h"))
	if plain, _, lens := nodesOf(o, items); plain != 1 || len(lens) != 4 {
		t.Errorf("plain threshold: %v", lens)
	}
	o = DefaultEncodeOptions()
	o.ListMaxListpackSize = -1 // 4 KiB nodes
	var many [][]byte
	for i := 0; i < 1000; i++ {
		many = append(many, []byte(fmt.Sprintf("item-%04d", i)))
	}
	_, packed, _ := nodesOf(o, many)
	if packed < 2 {
		t.Errorf("4 KiB fill produced %d nodes", packed)
	}
	// decoding gives the same list back
	v, err := DecodeDump(EncodeDump(&Value{Kind: KindList, List: many}))
	if err != nil || len(v.List) != 1000 || string(v.List[999]) != "item-0999" {
		t.Fatalf("round trip: %v", err)
	}
}

func encodeFile(t *testing.T, o EncodeOptions, keys map[string]*Value, meta map[string]KeyMeta) []byte {
	var buf bytes.Buffer
	e := NewEncoder(&buf, o)
	must(t, e.WriteHeader(Header{RedisVersion: "7.0.15", RedisBits: 64, Ctime: 1, UsedMem: 2,
		Extra: []Field{{[]byte("repl-id"), []byte("abc")}}}))
	must(t, e.WriteFunction([]byte("#!lua name=x\nredis.register_function('f', function() return 1 end)")))
	must(t, e.SelectDB(0, uint64(len(keys)), 0))
	for k, v := range keys {
		must(t, e.WriteKey([]byte(k), v, meta[k]))
	}
	must(t, e.Close())
	return buf.Bytes()
}

func TestEncoderRoundTrip(t *testing.T) {
	keys := sampleValues()
	meta := map[string]KeyMeta{
		"str:int":  {Expire: true, ExpireMs: 1234567890123},
		"list:big": {HasIdle: true, Idle: 99},
		"hash:big": {HasFreq: true, Freq: 200},
	}
	for _, checksum := range []bool{true, false} {
		o := DefaultEncodeOptions()
		o.Checksum = checksum
		file := encodeFile(t, o, keys, meta)
		if !bytes.HasPrefix(file, []byte("REDIS0010")) {
			t.Fatalf("header %q", file[:9])
		}
		tail := file[len(file)-8:]
		if !checksum && !bytes.Equal(tail, make([]byte, 8)) {
			t.Errorf("checksum disabled but written: %x", tail)
		}
		got, all := decodeBytes(t, file)
		checkKeys(t, got, keys)
		for k, m := range meta {
			if got[k].KeyMeta != m {
				t.Errorf("%s: meta %+v want %+v", k, got[k].KeyMeta, m)
			}
		}
		aux := map[string]string{}
		fn := 0
		for _, r := range all {
			if r.Type == RecordAux {
				aux[string(r.AuxKey)] = string(r.AuxValue)
			}
			if r.Type == RecordFunction {
				fn++
			}
		}
		if aux["redis-ver"] != "7.0.15" || aux["redis-bits"] != "64" || aux["repl-id"] != "abc" || aux["aof-base"] != "0" || fn != 1 {
			t.Errorf("aux %v, functions %d", aux, fn)
		}
	}
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestEncoderErrors(t *testing.T) {
	e := NewEncoder(&failingWriter{n: 10}, DefaultEncodeOptions())
	must(t, e.WriteHeader(Header{RedisVersion: "7.0.15"})) // buffered
	big := strVal(strings.Repeat("x", 1<<20))
	big.Str[0] = 'y'
	var err error
	for i := 0; i < 3 && err == nil; i++ {
		err = e.WriteKey([]byte("k"+strconv.Itoa(i)), big, KeyMeta{})
	}
	if err == nil {
		err = e.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("write error not reported: %v", err)
	}
	e = NewEncoder(io.Discard, DefaultEncodeOptions())
	if err := e.WriteKey([]byte("m"), &Value{Kind: KindModule}, KeyMeta{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("module: %v", err)
	}
	if err := e.WriteKey([]byte("z"), zsetVal("a", math.NaN()), KeyMeta{}); err == nil {
		t.Error("NaN score accepted")
	}
	if err := e.WriteKey([]byte("s"), setVal("1", "1"), KeyMeta{}); err == nil {
		t.Error("duplicate intset member accepted")
	}
}

func TestEncoderSortsZSetCopy(t *testing.T) {
	v := &Value{Kind: KindZSet, ZSet: []ZMember{{[]byte("b"), 2}, {[]byte("a"), 1}}}
	d := EncodeDump(v)
	if string(v.ZSet[0].Member) != "b" {
		t.Error("encoder reordered the caller's slice")
	}
	got, err := DecodeDump(d)
	if err != nil || string(got.ZSet[0].Member) != "a" {
		t.Fatalf("%v %v", got, err)
	}
}
