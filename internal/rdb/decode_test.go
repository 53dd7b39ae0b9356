package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func strVal(s string) *Value { return &Value{Kind: KindString, Str: []byte(s)} }

func listVal(items ...string) *Value { return &Value{Kind: KindList, List: bs(items...)} }

func setVal(items ...string) *Value { return &Value{Kind: KindSet, Set: bs(items...)} }

func hashVal(kv ...string) *Value {
	v := &Value{Kind: KindHash}
	for i := 0; i < len(kv); i += 2 {
		v.Hash = append(v.Hash, Field{[]byte(kv[i]), []byte(kv[i+1])})
	}
	return v
}

func zsetVal(pairs ...any) *Value {
	v := &Value{Kind: KindZSet}
	for i := 0; i < len(pairs); i += 2 {
		v.ZSet = append(v.ZSet, ZMember{[]byte(pairs[i].(string)), pairs[i+1].(float64)})
	}
	sortZSet(v.ZSet)
	return v
}

// checkKeys compares decoded keys with expectations through their digests
// (which are order-insensitive exactly where the types are unordered) and
// additionally checks list order and kinds.
func checkKeys(t *testing.T, got map[string]*Record, want map[string]*Value) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("decoded %d keys, want %d", len(got), len(want))
	}
	for k, wv := range want {
		r := got[k]
		if r == nil {
			t.Errorf("key %q missing", k)
			continue
		}
		if r.Value.Kind != wv.Kind || DigestValue(r.Value) != DigestValue(wv) {
			t.Errorf("key %q: got %+v, want %+v", k, r.Value, wv)
		}
	}
}

// crossCheckWithRedis loads the file into redis-server and compares DEBUG
// DIGEST-VALUE of every key with our decoding, validating both the fixture
// builders and the decoder against Redis's own reader.
func crossCheckWithRedis(t *testing.T, file []byte, got map[string]*Record) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Log("redis-server not on PATH; fixture not cross-checked against Redis")
		return
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fixture.rdb"), file, 0o644); err != nil {
		t.Fatal(err)
	}
	s := startRedis(t, dir, "fixture.rdb")
	dbs := map[int]bool{}
	for _, r := range got {
		dbs[r.DB] = true
	}
	total := 0
	for db := range dbs {
		s.must("SELECT", db)
		total += int(s.must("DBSIZE").(int64))
	}
	if total != len(got) {
		t.Errorf("redis loaded %d keys, we decoded %d\n%s", total, len(got), s.log())
	}
	for k, r := range got {
		s.must("SELECT", r.DB)
		want := strings.Trim(s.str("DEBUG", "DIGEST-VALUE", k), "[]")
		if d := DigestHex(DigestValueExpire(r.Value, r.Expire)); d != want {
			t.Errorf("key %q: our digest %s, redis %s", k, d, want)
		}
	}
	s.stop()
}

func legacyV6File() ([]byte, map[string]*Value) {
	lzfIn := []byte(strings.Repeat("compressible ", 10))
	lzfOut, _ := LZFCompress(nil, lzfIn, len(lzfIn)-4)
	lzfPayload := append(appendLen(appendLen([]byte{0xC3}, uint64(len(lzfOut))), uint64(len(lzfIn))), lzfOut...)

	f := newFixture(6).selectDB(0).
		key(TypeString, "s:raw", rawStr(nil, []byte("hello"))).
		key(TypeString, "s:int8", []byte{0xC0, 0x85}).
		key(TypeString, "s:int16", []byte{0xC1, 0x00, 0x80}).
		key(TypeString, "s:int32", []byte{0xC2, 0xff, 0xff, 0xff, 0x7f}).
		key(TypeString, "s:lzf", lzfPayload).
		expireSec(2000000000).key(TypeString, "s:expsec", rawStr(nil, []byte("x"))).
		expireMs(4102444800000).key(TypeString, "s:expms", rawStr(nil, []byte("y"))).
		key(TypeList, "l:plain", pStrings("a", "b", "c")).
		key(TypeListZiplist, "l:ziplist", pBlob(buildZiplist(bs("x", "1", "-70000", "9000000000", strings.Repeat("w", 300))))).
		key(TypeSet, "set:plain", pStrings("m1", "m2", "3")).
		key(TypeSetIntset, "set:intset", pBlob(IntsetEncode([]int64{5, -3, 100000}))).
		key(TypeZSet, "z:plain", append(append(append(append(appendLen(nil, 3),
			rawStr(nil, []byte("a"))...), pDoubleString(1.5)...),
			append(rawStr(nil, []byte("b")), pDoubleString(math.Inf(1))...)...),
			append(rawStr(nil, []byte("c")), pDoubleString(-2)...)...)).
		key(TypeZSetZiplist, "z:ziplist", pBlob(buildZiplist(bs("one", "1", "half", "0.5", "neg", "-3.25")))).
		key(TypeHash, "h:plain", pPairs("f1", "v1", "f2", "v2")).
		key(TypeHashZipmap, "h:zipmap", pBlob(buildZipmap([]Field{{[]byte("za"), []byte("1")}, {[]byte("zb"), []byte("two")}}, 2))).
		key(TypeHashZiplist, "h:ziplist", pBlob(buildZiplist(bs("k1", "v1", "k2", "12")))).
		selectDB(2).
		key(TypeString, "db2", rawStr(nil, []byte("two")))
	want := map[string]*Value{
		"s:raw": strVal("hello"), "s:int8": strVal("-123"), "s:int16": strVal("-32768"),
		"s:int32": strVal("2147483647"), "s:lzf": strVal(string(lzfIn)), "s:expsec": strVal("x"), "s:expms": strVal("y"),
		"l:plain":    listVal("a", "b", "c"),
		"l:ziplist":  listVal("x", "1", "-70000", "9000000000", strings.Repeat("w", 300)),
		"set:plain":  setVal("m1", "m2", "3"),
		"set:intset": setVal("-3", "5", "100000"),
		"z:plain":    zsetVal("a", 1.5, "b", math.Inf(1), "c", -2.0),
		"z:ziplist":  zsetVal("one", 1.0, "half", 0.5, "neg", -3.25),
		"h:plain":    hashVal("f1", "v1", "f2", "v2"),
		"h:zipmap":   hashVal("za", "1", "zb", "two"),
		"h:ziplist":  hashVal("k1", "v1", "k2", "12"),
		"db2":        strVal("two"),
	}
	return f.finish(true), want
}

func TestDecodeLegacyV6(t *testing.T) {
	file, want := legacyV6File()
	keys, all := decodeBytes(t, file)
	checkKeys(t, keys, want)
	if r := keys["s:expsec"]; !r.Expire || r.ExpireMs != 2000000000000 {
		t.Errorf("seconds expire: %+v", r.KeyMeta)
	}
	if r := keys["s:expms"]; !r.Expire || r.ExpireMs != 4102444800000 {
		t.Errorf("ms expire: %+v", r.KeyMeta)
	}
	if keys["s:raw"].Expire {
		t.Error("expire leaked to the next key")
	}
	if keys["db2"].DB != 2 || keys["s:raw"].DB != 0 {
		t.Error("SELECTDB not applied")
	}
	if got := keys["l:ziplist"].Value.List; string(got[2]) != "-70000" {
		t.Errorf("list order %q", got)
	}
	sel := 0
	for _, r := range all {
		if r.Type == RecordSelectDB {
			sel++
		}
	}
	if sel != 2 {
		t.Errorf("%d SELECTDB records", sel)
	}
	crossCheckWithRedis(t, file, keys)
}

func legacyV9File() ([]byte, map[string]*Value) {
	st := &Stream{
		Entries: []StreamEntry{
			{ID: StreamID{10, 1}, Fields: []Field{{[]byte("a"), []byte("1")}, {[]byte("b"), []byte("x")}}},
			{ID: StreamID{10, 2}, Fields: []Field{{[]byte("a"), []byte("2")}, {[]byte("b"), []byte("y")}}},
			{ID: StreamID{11, 0}, Fields: []Field{{[]byte("other"), []byte("z")}}},
		},
		Length: 3, LastID: StreamID{11, 0},
		Groups: []StreamGroup{{
			Name: []byte("g"), LastID: StreamID{10, 2},
			Pending:   []StreamPendingEntry{{ID: StreamID{10, 1}, DeliveryTime: 1700000000000, DeliveryCount: 2}},
			Consumers: []StreamConsumer{{Name: []byte("c1"), SeenTime: 1700000000001, Pending: []StreamID{{10, 1}}}},
		}},
	}
	ve := valueEncoder{opts: DefaultEncodeOptions()}
	ve.opts.Compression = false
	streamV1, err := ve.appendStream(nil, st, TypeStreamListpacks)
	if err != nil {
		panic(err)
	}
	ql := appendLen(nil, 2)
	ql = rawStr(ql, buildZiplist(bs("n1", "n2")))
	ql = rawStr(ql, buildZiplist(bs("3", "n4")))
	zset2 := appendLen(nil, 2)
	zset2 = binary.LittleEndian.AppendUint64(rawStr(zset2, []byte("hi")), math.Float64bits(2.5))
	zset2 = binary.LittleEndian.AppendUint64(rawStr(zset2, []byte("lo")), math.Float64bits(-1))
	f := newFixture(9).aux("redis-ver", "5.0.0").aux("redis-bits", "64").selectDB(0).
		raw(OpResizeDB, 3, 0).
		key(TypeListQuicklist, "l:quicklist", ql).
		key(TypeStreamListpacks, "stream:v1", streamV1).
		raw(OpIdle, 0x50, 0x00). // LRU idle 4096 seconds
		key(TypeZSet2, "z:zset2", zset2).
		raw(OpFreq, 7).
		key(TypeString, "lfu", rawStr(nil, []byte("v")))
	want := map[string]*Value{
		"l:quicklist": listVal("n1", "n2", "3", "n4"),
		"stream:v1":   {Kind: KindStream, Stream: st},
		"z:zset2":     zsetVal("hi", 2.5, "lo", -1.0),
		"lfu":         strVal("v"),
	}
	return f.finish(true), want
}

func TestDecodeLegacyV9(t *testing.T) {
	file, want := legacyV9File()
	keys, all := decodeBytes(t, file)
	checkKeys(t, keys, want)
	if r := keys["z:zset2"]; !r.HasIdle || r.Idle != 4096 || r.HasFreq {
		t.Errorf("idle: %+v", r.KeyMeta)
	}
	if r := keys["lfu"]; !r.HasFreq || r.Freq != 7 || r.HasIdle {
		t.Errorf("freq: %+v", r.KeyMeta)
	}
	var aux, resize int
	for _, r := range all {
		switch r.Type {
		case RecordAux:
			aux++
		case RecordResizeDB:
			resize++
			if r.DBSize != 3 || r.ExpiresSize != 0 {
				t.Errorf("resizedb %d %d", r.DBSize, r.ExpiresSize)
			}
		}
	}
	if aux != 2 || resize != 1 {
		t.Errorf("aux %d resize %d", aux, resize)
	}
	s := keys["stream:v1"].Value.Stream
	// v1 streams lack these fields; Redis 7 derives them on load.
	if s.FirstID != (StreamID{10, 1}) || s.EntriesAdded != 3 || s.MaxDeletedEntryID != (StreamID{}) {
		t.Errorf("derived stream metadata: %+v", s)
	}
	g := s.Groups[0]
	if g.EntriesRead != -1 || string(g.Pending[0].Consumer) != "c1" || g.Consumers[0].ActiveTime != -1 {
		t.Errorf("group: %+v", g)
	}
	crossCheckWithRedis(t, file, keys)
}

func TestDecodeV11Types(t *testing.T) {
	st := &Stream{
		Entries: []StreamEntry{{ID: StreamID{5, 5}, Fields: []Field{{[]byte("f"), []byte("v")}}}},
		Length:  1, LastID: StreamID{5, 5}, FirstID: StreamID{5, 5}, EntriesAdded: 1,
		Groups: []StreamGroup{{Name: []byte("g"), LastID: StreamID{5, 5}, EntriesRead: 1,
			Pending:   []StreamPendingEntry{{ID: StreamID{5, 5}, DeliveryTime: 99, DeliveryCount: 1}},
			Consumers: []StreamConsumer{{Name: []byte("c"), SeenTime: 100, ActiveTime: 101, Pending: []StreamID{{5, 5}}}},
		}},
	}
	ve := valueEncoder{opts: DefaultEncodeOptions()}
	streamV3, err := ve.appendStream(nil, st, TypeStreamListpacks3)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(11).selectDB(0).
		key(TypeSetListpack, "set:lp", pBlob(BuildListpack(bs("a", "1", "b")))).
		key(TypeStreamListpacks3, "stream:v3", streamV3).
		key(TypeHashListpack, "h:lp", pBlob(BuildListpack(bs("f", "v")))).
		key(TypeZSetListpack, "z:lp", pBlob(BuildListpack(bs("m", "1.5", "n", "-7")))).
		key(TypeListQuicklist2, "l:ql2", append(append(appendLen(nil, 2), quicklistNodePlain), append(rawStr(nil, []byte("plain")),
			append([]byte{quicklistNodePacked}, rawStr(nil, BuildListpack(bs("p1", "p2")))...)...)...))
	file := f.finish(true)
	keys, _ := decodeBytes(t, file)
	checkKeys(t, keys, map[string]*Value{
		"set:lp":    setVal("a", "1", "b"),
		"stream:v3": {Kind: KindStream, Stream: st},
		"h:lp":      hashVal("f", "v"),
		"z:lp":      zsetVal("m", 1.5, "n", -7.0),
		"l:ql2":     listVal("plain", "p1", "p2"),
	})
	if c := keys["stream:v3"].Value.Stream.Groups[0].Consumers[0]; c.ActiveTime != 101 || c.SeenTime != 100 {
		t.Errorf("consumer times %+v", c)
	}
}

func TestDecodeOldVersionWithoutChecksum(t *testing.T) {
	f := newFixture(3).selectDB(0).key(TypeString, "k", rawStr(nil, []byte("v")))
	file := f.finish(false) // v < 5: nothing after EOF
	keys, _ := decodeBytes(t, file)
	checkKeys(t, keys, map[string]*Value{"k": strVal("v")})
}

func TestDecodeChecksum(t *testing.T) {
	file, _ := legacyV6File()
	bad := append([]byte(nil), file...)
	bad[len(bad)-3] ^= 0xff
	err := DecodeAll(bytes.NewReader(bad), func(*Record) error { return nil })
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("corrupted checksum: %v", err)
	}
	d := NewDecoder(bytes.NewReader(bad))
	d.SkipChecksum = true
	for {
		if _, err := d.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("SkipChecksum: %v", err)
		}
	}
	// A zero checksum means checksumming was disabled when saving.
	zero := append([]byte(nil), file[:len(file)-8]...)
	zero = append(zero, make([]byte, 8)...)
	if err := DecodeAll(bytes.NewReader(zero), func(*Record) error { return nil }); err != nil {
		t.Fatalf("zero checksum: %v", err)
	}
	// A flipped byte in the body is caught by the checksum or by decoding.
	body := append([]byte(nil), file...)
	body[40] ^= 0x01
	if err := DecodeAll(bytes.NewReader(body), func(*Record) error { return nil }); err == nil {
		t.Fatal("corrupted body accepted")
	}
}

func TestDecodeTruncatedAnywhere(t *testing.T) {
	file, _ := legacyV9File()
	for n := 0; n < len(file); n++ {
		for _, r := range []io.Reader{bytes.NewReader(file[:n]), onlyReader{bytes.NewReader(file[:n])}} {
			err := DecodeAll(r, func(*Record) error { return nil })
			if err == nil {
				t.Fatalf("truncated at %d/%d: no error", n, len(file))
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	hdr := func(v int) *fixture { return newFixture(v).selectDB(0) }
	cases := map[string]struct {
		file []byte
		want string
		is   error
	}{
		"magic":        {[]byte("REDIX0010\xff"), "bad magic", nil},
		"version 12":   {newFixture(12).finish(true), "RDB version 12", ErrUnsupported},
		"version 0":    {newFixture(0).finish(true), "RDB version 0", ErrUnsupported},
		"module":       {hdr(10).key(TypeModule2, "m", appendLen(nil, 0x1234567890abcdef)).finish(true), "module value", ErrUnsupported},
		"module aux":   {hdr(10).raw(OpModuleAux, 0x05).finish(true), "module aux", ErrUnsupported},
		"function pre": {hdr(10).raw(OpFunctionPreGA).finish(true), "pre-GA", ErrUnsupported},
		"opcode":       {hdr(10).raw(200).finish(true), "unknown opcode", nil},
		"huge string":  {hdr(10).key(TypeString, "k", []byte{0x80, 0xff, 0xff, 0xff, 0xff}).finish(true), "exceeds", nil},
		"huge 64bit":   {hdr(10).key(TypeString, "k", []byte{0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}).finish(true), "exceeds", nil},
		"huge count":   {hdr(10).key(TypeList, "k", []byte{0x80, 0x7f, 0xff, 0xff, 0xff}).finish(true), "count", nil},
		"lzf ratio":    {hdr(10).key(TypeString, "k", []byte{0xC3, 0x02, 0x80, 0x7f, 0xff, 0xff, 0xff, 0x00, 'a'}).finish(true), "LZF", nil},
		"lzf corrupt":  {hdr(10).key(TypeString, "k", []byte{0xC3, 0x02, 0x05, 0x07, 'a'}).finish(true), "LZF", nil},
		"bad enc":      {hdr(10).key(TypeString, "k", []byte{0xC5}).finish(true), "string encoding", nil},
		"dup set":      {hdr(10).key(TypeSet, "k", pStrings("a", "a")).finish(true), "duplicate set member", nil},
		"dup hash":     {hdr(10).key(TypeHash, "k", pPairs("f", "1", "f", "2")).finish(true), "duplicate hash field", nil},
		"dup lp hash":  {hdr(10).key(TypeHashListpack, "k", pBlob(BuildListpack(bs("f", "1", "f", "2")))).finish(true), "duplicate hash field", nil},
		"odd hash":     {hdr(10).key(TypeHashListpack, "k", pBlob(BuildListpack(bs("f", "1", "g")))).finish(true), "odd number", nil},
		"nan score":    {hdr(10).key(TypeZSet, "k", append(rawStr(appendLen(nil, 1), []byte("m")), 253)).finish(true), "NaN", nil},
		"bad score":    {hdr(10).key(TypeZSetListpack, "k", pBlob(BuildListpack(bs("m", "abc")))).finish(true), "invalid score", nil},
		"ql container": {hdr(10).key(TypeListQuicklist2, "k", append(appendLen(nil, 1), 9, 1, 'x')).finish(true), "container", nil},
		"bad intset":   {hdr(10).key(TypeSetIntset, "k", pBlob([]byte{3, 0, 0, 0, 0, 0, 0, 0})).finish(true), "intset", nil},
		"selectdb":     {newFixture(10).raw(OpSelectDB, 0x81, 0xff, 0, 0, 0, 0, 0, 0, 0).finish(true), "SELECTDB", nil},
	}
	for name, c := range cases {
		err := DecodeAll(bytes.NewReader(c.file), func(*Record) error { return nil })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", name, err, c.want)
			continue
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: %v is not %v", name, err, c.is)
		}
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: not a *DecodeError: %T", name, err)
		} else if strings.HasPrefix(name, "dup") && string(de.Key) != "k" {
			t.Errorf("%s: error lacks key context: %v", name, err)
		}
	}
}

func TestDecodeSkipsEmptyKeys(t *testing.T) {
	f := newFixture(10).selectDB(0).
		key(TypeList, "empty", appendLen(nil, 0)).
		key(TypeHashListpack, "empty-lp", pBlob(BuildListpack(nil))).
		key(TypeString, "kept", rawStr(nil, nil))
	d := NewDecoder(bytes.NewReader(f.finish(true)))
	var got []string
	for {
		rec, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Type == RecordKey {
			got = append(got, string(rec.Key))
		}
	}
	if len(got) != 1 || got[0] != "kept" || d.EmptyKeysSkipped != 2 {
		t.Fatalf("got %v, skipped %d", got, d.EmptyKeysSkipped)
	}
}

func TestDecodeAllocationIsBoundedForHostileLengths(t *testing.T) {
	// A 4 GiB string length at the end of a tiny unsized input must fail on
	// EOF after allocating at most one chunk, not 4 GiB.
	f := newFixture(10).selectDB(0).key(TypeString, "k", []byte{0x80, 0xff, 0xff, 0xff, 0xf0, 'a', 'b'})
	allocs := testing.AllocsPerRun(5, func() {
		_ = DecodeAll(onlyReader{bytes.NewReader(f.b)}, func(*Record) error { return nil })
	})
	if allocs > 50 {
		t.Fatalf("%v allocations", allocs)
	}
	var ms runtimeMem
	before := ms.alloc()
	_ = DecodeAll(onlyReader{bytes.NewReader(f.b)}, func(*Record) error { return nil })
	if d := ms.alloc() - before; d > 8<<20 {
		t.Fatalf("allocated %d bytes for a hostile length", d)
	}
}

func fuzzSeedFiles() [][]byte {
	v6, _ := legacyV6File()
	v9, _ := legacyV9File()
	small := map[string]*Value{}
	for k, v := range sampleValues() {
		if d := EncodeDump(v); len(d) < 2048 {
			small[k] = v
		}
	}
	var buf bytes.Buffer
	e := NewEncoder(&buf, DefaultEncodeOptions())
	e.WriteHeader(Header{RedisVersion: "7.0.15", RedisBits: 64})
	e.SelectDB(0, uint64(len(small)), 1)
	for k, v := range small {
		e.WriteKey([]byte(k), v, KeyMeta{Expire: k == "str:int", ExpireMs: 5})
	}
	e.Close()
	return [][]byte{v6, v9, buf.Bytes()}
}

func FuzzDecodeFile(f *testing.F) {
	for _, s := range fuzzSeedFiles() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range []io.Reader{bytes.NewReader(data), onlyReader{bytes.NewReader(data)}} {
			d := NewDecoder(r)
			d.SkipChecksum = true // let the fuzzer reach past the trailer
			for {
				rec, err := d.Next()
				if err != nil {
					break
				}
				if rec.Type == RecordKey {
					// Whatever decodes must be encodable without panicking.
					_, _ = AppendValue(nil, rec.Value, DefaultEncodeOptions())
					_ = DigestValue(rec.Value)
				}
			}
		}
	})
}
