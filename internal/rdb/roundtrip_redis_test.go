package rdb

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The encoding knobs used on the reference server; our encoder gets the same.
var refConfig = [][2]string{
	{"hash-max-listpack-entries", "16"},
	{"hash-max-listpack-value", "32"},
	{"zset-max-listpack-entries", "16"},
	{"zset-max-listpack-value", "32"},
	{"set-max-intset-entries", "32"},
	{"list-max-listpack-size", "-2"},
	{"stream-node-max-entries", "20"},
	{"stream-node-max-bytes", "4096"},
}

func refEncodeOptions() EncodeOptions {
	o := DefaultEncodeOptions()
	o.HashMaxListpackEntries, o.HashMaxListpackValue = 16, 32
	o.ZSetMaxListpackEntries, o.ZSetMaxListpackValue = 16, 32
	o.SetMaxIntsetEntries = 32
	o.StreamNodeMaxEntries, o.StreamNodeMaxBytes = 20, 4096
	return o
}

func refConfigArgs() []string {
	var a []string
	for _, kv := range refConfig {
		a = append(a, "--"+kv[0], kv[1])
	}
	return a
}

const farFuture = int64(4102444800000) // 2100-01-01

type keyInfo struct {
	db        int
	key       string
	dump      []byte
	digest    string
	encoding  string
	pexpire   string
	xinfo     string
	tombstone bool // stream with deleted entries: Redis keeps tombstones we drop
}

// populate fills the server with every type in small and large encodings.
func populate(t *testing.T, s *redisServer) {
	r := rand.New(rand.NewSource(42))
	rnd := func(n int) []byte { b := make([]byte, n); r.Read(b); return b }

	// strings
	s.must("SET", "str:empty", "")
	s.must("SET", "str:bin", []byte("\x00\x01\xff\r\n\x00binary"))
	for _, v := range []string{"0", "-1", "1", "127", "128", "-128", "-129", "255", "256", "32767", "32768",
		"-32768", "-32769", "65535", "65536", "2147483647", "2147483648", "-2147483648", "-2147483649",
		"4294967296", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
		"007", "+5", "1.5", " 1", "-0", "12345678901", "1234567890"} {
		s.must("SET", "str:int:"+v, v)
	}
	s.must("SET", "str:21", strings.Repeat("a", 21))
	s.must("SET", "str:20", strings.Repeat("a", 20))
	s.must("SET", "str:text", strings.Repeat("hello world, redis rdb! ", 8))
	s.must("SET", "str:rnd25", rnd(25))
	s.must("SET", "str:big:random", rnd(1_500_000))
	var big bytes.Buffer
	for i := 0; big.Len() < 2_100_000; i++ {
		fmt.Fprintf(&big, "line %d of a long compressible value; ", i)
	}
	s.must("SET", "str:big:text", big.Bytes())
	s.must("SET", []byte("key\x00with\xffbinary"), "v")
	s.must("SET", "str:expiring", "x")
	s.must("PEXPIREAT", "str:expiring", farFuture)

	// lists
	s.must("RPUSH", "list:small", "a", "1", "-1", "300", "70000", "-70000", "5000000000", "", []byte("\x00\xff"), "0", "-4096", "4095", "4096")
	args := []any{"RPUSH", "list:big"}
	for i := 0; i < 3000; i++ {
		args = append(args, fmt.Sprintf("element-%d", i))
	}
	s.must(args...)
	args = []any{"RPUSH", "list:bigelems"}
	for i := 0; i < 12; i++ {
		args = append(args, bytes.Repeat([]byte{byte('a' + i)}, 3000+i*700))
	}
	s.must(args...)
	args = []any{"RPUSH", "list:ints"}
	for i := -600; i < 600; i += 3 {
		args = append(args, strconv.Itoa(i*i*i))
	}
	s.must(args...)
	s.must("LPUSH", "list:expiring", "z")
	s.must("PEXPIREAT", "list:expiring", farFuture)

	// sets
	s.must("SADD", "set:intset16", "1", "2", "3", "-5", "300")
	s.must("SADD", "set:intset32", "1", "70000", "-70000")
	s.must("SADD", "set:intset64", "1", "9223372036854775807", "-9223372036854775808")
	s.must("SADD", "set:small:str", "a", "b", "c", "1")
	args = []any{"SADD", "set:big:ints"}
	for i := 0; i < 200; i++ {
		args = append(args, strconv.Itoa(i*7))
	}
	s.must(args...)
	args = []any{"SADD", "set:big:str"}
	for i := 0; i < 200; i++ {
		args = append(args, fmt.Sprintf("member:%d", i))
	}
	s.must(args...)

	// zsets
	s.must("ZADD", "zset:small", "1", "one", "1.5", "onehalf", "-2.25", "neg", "inf", "pinf", "-inf", "ninf",
		"0.1", "tenth", "1e20", "big", "3.141592653589793", "pi", "12345678901234567890", "huge", "0", "zero", "1", "1",
		"1e17", "e17", "4611686018427387904", "p62", "4611686018427388928", "p62b", "-0", "negzero", "-4611686018427387904", "n62")
	args = []any{"ZADD", "zset:big"}
	for i := 0; i < 200; i++ {
		args = append(args, strconv.FormatFloat(float64(i)*1.1, 'g', -1, 64), fmt.Sprintf("m%d", i))
	}
	s.must(args...)
	s.must("ZADD", "zset:longmember", "5", strings.Repeat("x", 40), "6", "short")
	s.must("ZADD", "zset:expiring", "1", "a")
	s.must("PEXPIREAT", "zset:expiring", farFuture)

	// hashes
	s.must("HSET", "hash:small", "f1", "v1", "n", "123", "empty", "", "neg", "-5", "bin", []byte("\x00\x01"))
	args = []any{"HSET", "hash:big"}
	for i := 0; i < 200; i++ {
		args = append(args, fmt.Sprintf("field%d", i), fmt.Sprintf("value%d", i*i))
	}
	s.must(args...)
	s.must("HSET", "hash:longval", "f", strings.Repeat("v", 100))

	// streams
	for i := 1; i <= 5; i++ {
		s.must("XADD", "stream:simple", fmt.Sprintf("%d-1", i*1000), "field", fmt.Sprintf("value%d", i), "n", i)
	}
	for i := 0; i < 130; i++ {
		if i%17 == 5 {
			s.must("XADD", "stream:big", fmt.Sprintf("1700000000000-%d", i), "other", "shape", "x", i)
			continue
		}
		s.must("XADD", "stream:big", fmt.Sprintf("1700000000000-%d", i), "name", fmt.Sprintf("n%d", i), "payload", strings.Repeat("p", i%50))
	}
	for i := 0; i < 30; i++ { // node splits driven by stream-node-max-bytes
		s.must("XADD", "stream:fat", "*", "blob", strings.Repeat(string(rune('a'+i%26)), 300+i*13), "i", i)
	}
	for i := 0; i < 40; i++ {
		s.must("XADD", "stream:groups", fmt.Sprintf("%d-0", 100+i), "k", i, "v", fmt.Sprintf("val%d", i))
	}
	s.must("XGROUP", "CREATE", "stream:groups", "g1", "0")
	s.must("XGROUP", "CREATE", "stream:groups", "g2", "$")
	s.must("XGROUP", "CREATE", "stream:groups", "123", "0") // numeric group name
	s.must("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "5", "STREAMS", "stream:groups", ">")
	s.must("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "stream:groups", ">")
	s.must("XREADGROUP", "GROUP", "123", "42", "COUNT", "2", "STREAMS", "stream:groups", ">")
	s.must("XACK", "stream:groups", "g1", "101-0")
	s.must("XCLAIM", "stream:groups", "g1", "bob", "0", "100-0")
	s.must("XGROUP", "CREATECONSUMER", "stream:groups", "g2", "idle")
	// deletions and tombstones
	for i := 0; i < 30; i++ {
		s.must("XADD", "stream:deleted", fmt.Sprintf("5-%d", i), "a", i)
	}
	s.must("XDEL", "stream:deleted", "5-0", "5-7", "5-29")
	s.must("XGROUP", "CREATE", "stream:deleted", "grp", "0")
	s.must("XREADGROUP", "GROUP", "grp", "c", "COUNT", "4", "STREAMS", "stream:deleted", ">")
	s.must("XADD", "stream:emptied", "7-7", "a", "b")
	s.must("XDEL", "stream:emptied", "7-7")
	s.must("XGROUP", "CREATE", "stream:onlygroup", "g", "$", "MKSTREAM")
	s.must("XADD", "stream:expiring", "1-1", "a", "b")
	s.must("PEXPIREAT", "stream:expiring", farFuture)

	// a second database
	s.must("SELECT", "3")
	s.must("SET", "db3:str", "in db three")
	s.must("HSET", "db3:hash", "a", "1")
	s.must("PEXPIREAT", "db3:hash", farFuture)
	s.must("SELECT", "0")

	s.must("FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 1 end)")
}

// snapshot records what the server says about every key.
func snapshot(t *testing.T, s *redisServer, dbs []int) map[string]*keyInfo {
	out := map[string]*keyInfo{}
	for _, db := range dbs {
		s.must("SELECT", db)
		keys := s.must("KEYS", "*").([]any)
		for _, k := range keys {
			key := string(k.([]byte))
			ki := &keyInfo{db: db, key: key}
			ki.dump = s.must("DUMP", key).([]byte)
			ki.digest = s.str("DEBUG", "DIGEST-VALUE", key)
			ki.digest = strings.Trim(ki.digest, "[]")
			ki.encoding = s.str("OBJECT", "ENCODING", key)
			ki.pexpire = s.str("PEXPIRETIME", key)
			if s.str("TYPE", key) == "stream" {
				ki.xinfo = s.str("XINFO", "STREAM", key, "FULL")
				ki.tombstone = strings.Contains(key, "deleted") || strings.Contains(key, "emptied")
			}
			out[fmt.Sprintf("%d/%s", db, key)] = ki
		}
	}
	s.must("SELECT", 0)
	return out
}

type decodedKey struct {
	db   int
	key  []byte
	val  *Value
	meta KeyMeta
}

func decodeFile(t *testing.T, path string) ([]decodedKey, []*Record, *Decoder) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := NewDecoder(f)
	var keys []decodedKey
	var other []*Record
	for {
		rec, err := d.Next()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("decode %s: %v", path, err)
		}
		if rec.Type == RecordKey {
			keys = append(keys, decodedKey{rec.DB, rec.Key, rec.Value, rec.KeyMeta})
		} else {
			c := *rec
			other = append(other, &c)
		}
	}
	return keys, other, d
}

func TestRoundTripAgainstRedis(t *testing.T) {
	requireRedis(t)
	dirA := t.TempDir()
	a := startRedis(t, dirA, "a.rdb")
	for _, kv := range refConfig {
		a.must("CONFIG", "SET", kv[0], kv[1])
	}
	populate(t, a)
	infoA := snapshot(t, a, []int{0, 3})
	digestA := a.str("DEBUG", "DIGEST")
	a.must("SAVE")

	// 1. Decode Redis's file and compare every value through its digest.
	keys, others, dec := decodeFile(t, filepath.Join(dirA, "a.rdb"))
	if dec.Version() != 10 {
		t.Errorf("version %d", dec.Version())
	}
	if len(keys) != len(infoA) {
		t.Errorf("decoded %d keys, server has %d", len(keys), len(infoA))
	}
	var fnCode []byte
	aux := map[string]string{}
	for _, r := range others {
		switch r.Type {
		case RecordFunction:
			fnCode = r.Function
		case RecordAux:
			aux[string(r.AuxKey)] = string(r.AuxValue)
		}
	}
	if !bytes.HasPrefix(fnCode, []byte("#!lua name=mylib")) {
		t.Errorf("function library not decoded: %q", fnCode)
	}
	if aux["redis-ver"] != "7.0.15" || aux["redis-bits"] != "64" {
		t.Errorf("aux fields %v", aux)
	}
	var dd DatasetDigest
	lastDB := -1
	sameDump := map[string]int{}
	for _, k := range keys {
		id := fmt.Sprintf("%d/%s", k.db, k.key)
		ki := infoA[id]
		if ki == nil {
			t.Errorf("decoded unknown key %s", id)
			continue
		}
		if k.db != lastDB {
			dd.BeginDB(k.db)
			lastDB = k.db
		}
		dd.AddKey(k.key, k.val, k.meta.Expire)
		if got := DigestHex(DigestValueExpire(k.val, k.meta.Expire)); got != ki.digest {
			t.Errorf("%s (%s): digest %s, redis %s", id, ki.encoding, got, ki.digest)
		}
		wantExp := ki.pexpire != "-1"
		if k.meta.Expire != wantExp || (wantExp && strconv.FormatInt(k.meta.ExpireMs, 10) != ki.pexpire) {
			t.Errorf("%s: expire %v %d, redis %s", id, k.meta.Expire, k.meta.ExpireMs, ki.pexpire)
		}
		// Redis's own DUMP must decode to the same value.
		dv, err := DecodeDump(ki.dump)
		if err != nil {
			t.Errorf("%s: DecodeDump: %v", id, err)
		} else if got := DigestHex(DigestValueExpire(dv, k.meta.Expire)); got != ki.digest {
			t.Errorf("%s: DUMP digest %s, redis %s", id, got, ki.digest)
		}
		// Our DUMP of the decoded value equals Redis's, except for streams
		// whose tombstones we do not model.
		ours, err := AppendDump(nil, k.val, refEncodeOptions())
		if err != nil {
			t.Errorf("%s: AppendDump: %v", id, err)
		} else if !ki.tombstone && bytes.Equal(ours, ki.dump) {
			sameDump[ki.encoding]++
		} else if !ki.tombstone {
			t.Errorf("%s (%s): our DUMP differs from Redis's (%d vs %d bytes)\n ours %x\n redis %x", id, ki.encoding,
				len(ours), len(ki.dump), head(ours), head(ki.dump))
		}
	}
	t.Logf("keys whose DUMP we reproduce byte for byte, by encoding: %v", sameDump)
	for _, enc := range []string{"int", "embstr", "raw", "quicklist", "intset", "listpack", "hashtable", "skiplist", "stream"} {
		if sameDump[enc] == 0 {
			t.Errorf("no %s-encoded key was compared byte for byte", enc)
		}
	}
	if got := DigestHex(dd.Sum()); got != digestA {
		t.Errorf("dataset digest %s, redis %s", got, digestA)
	}
	checkValues(t, keys)

	// 2. Encode what we decoded into a new file and load it into a fresh server.
	dirB := t.TempDir()
	f, err := os.Create(filepath.Join(dirB, "b.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	enc := NewEncoder(f, refEncodeOptions())
	must(t, enc.WriteHeader(Header{RedisVersion: "7.0.15", RedisBits: 64, Ctime: 1700000000, UsedMem: 1 << 20}))
	must(t, enc.WriteFunction(fnCode))
	byDB := map[int][]decodedKey{}
	for _, k := range keys {
		byDB[k.db] = append(byDB[k.db], k)
	}
	dbs := []int{}
	for db := range byDB {
		dbs = append(dbs, db)
	}
	sort.Ints(dbs)
	for _, db := range dbs {
		var exp uint64
		for _, k := range byDB[db] {
			if k.meta.Expire {
				exp++
			}
		}
		must(t, enc.SelectDB(db, uint64(len(byDB[db])), exp))
		for _, k := range byDB[db] {
			must(t, enc.WriteKey(k.key, k.val, k.meta))
		}
	}
	must(t, enc.Close())
	f.Close()

	// The loading server needs the same knobs before it reads the file.
	b := startRedis(t, dirB, "b.rdb", refConfigArgs()...)
	infoB := snapshot(t, b, []int{0, 3})
	if len(infoB) != len(infoA) {
		t.Errorf("server B loaded %d keys, A had %d\n%s", len(infoB), len(infoA), b.log())
	}
	for id, ka := range infoA {
		kb := infoB[id]
		if kb == nil {
			t.Errorf("%s missing after reload", id)
			continue
		}
		if ka.digest != kb.digest {
			t.Errorf("%s: digest after reload %s, before %s", id, kb.digest, ka.digest)
		}
		if ka.encoding != kb.encoding {
			t.Errorf("%s: encoding after reload %s, before %s", id, kb.encoding, ka.encoding)
		}
		if ka.pexpire != kb.pexpire {
			t.Errorf("%s: expire after reload %s, before %s", id, kb.pexpire, ka.pexpire)
		}
		if ka.xinfo != kb.xinfo && !ka.tombstone {
			t.Errorf("%s: XINFO FULL differs\n A %s\n B %s", id, ka.xinfo, kb.xinfo)
		}
	}
	if got := b.str("DEBUG", "DIGEST"); got != digestA {
		t.Errorf("DEBUG DIGEST after reload %s, before %s", got, digestA)
	}
	if got := b.str("FUNCTION", "LIST"); !strings.Contains(got, "myfunc") {
		t.Errorf("function not restored: %s", got)
	}
	// Deterministic layouts: what B dumps must be what we wrote.
	b.must("SELECT", 0)
	sameB := 0
	defer func() { t.Logf("reloaded server's DUMP equals ours for %d keys", sameB) }()
	for _, k := range keys {
		if k.db != 0 {
			continue
		}
		id := fmt.Sprintf("%d/%s", k.db, k.key)
		ours := EncodeDumpWith(t, k.val)
		kb := infoB[id]
		if kb == nil {
			continue
		}
		if (kb.encoding == "hashtable") && (k.val.Kind == KindSet || k.val.Kind == KindHash) {
			continue // dict iteration order is seeded per process
		}
		if !bytes.Equal(ours, kb.dump) {
			t.Errorf("%s (%s): B's DUMP differs from ours", id, kb.encoding)
		} else {
			sameB++
		}
		// RESTORE of our payload must give the same digest.
		rk := append([]byte("restored:"), k.key...)
		if _, err := b.client.do("RESTORE", rk, 0, ours); err != nil {
			t.Errorf("%s: RESTORE: %v", id, err)
			continue
		}
		if got := strings.Trim(b.str("DEBUG", "DIGEST-VALUE", rk), "[]"); got != DigestHex(DigestValue(k.val)) {
			t.Errorf("%s: restored digest %s", id, got)
		}
	}
	// RESTORE error semantics for a corrupted payload.
	bad := append([]byte(nil), infoA["0/str:text"].dump...)
	bad[len(bad)-1] ^= 1
	if _, err := b.client.do("RESTORE", "badkey", 0, bad); err == nil || err.Error() != ErrDumpPayload.Error() {
		t.Errorf("redis RESTORE of bad payload: %v", err)
	}
	if _, err := DecodeDump(bad); err != ErrDumpPayload {
		t.Errorf("DecodeDump of bad payload: %v", err)
	}
}

func EncodeDumpWith(t *testing.T, v *Value) []byte {
	b, err := AppendDump(nil, v, refEncodeOptions())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func head(b []byte) []byte {
	if len(b) > 96 {
		return b[:96]
	}
	return b
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkValues asserts a few decoded values directly, beyond digests.
func checkValues(t *testing.T, keys []decodedKey) {
	get := func(name string) *Value {
		for _, k := range keys {
			if string(k.key) == name {
				return k.val
			}
		}
		t.Fatalf("key %s not decoded", name)
		return nil
	}
	for _, v := range []string{"-9223372036854775808", "007", "-0", "2147483648", "-129"} {
		if got := get("str:int:" + v); string(got.Str) != v {
			t.Errorf("str:int:%s decoded as %q", v, got.Str)
		}
	}
	if got := get("str:empty"); got.Kind != KindString || len(got.Str) != 0 {
		t.Errorf("empty string: %+v", got)
	}
	if got := get("str:big:random"); len(got.Str) != 1_500_000 {
		t.Errorf("big string length %d", len(got.Str))
	}
	l := get("list:big")
	if len(l.List) != 3000 || string(l.List[2999]) != "element-2999" {
		t.Errorf("list:big decoded wrong (%d)", len(l.List))
	}
	ls := get("list:small")
	if string(ls.List[6]) != "5000000000" || string(ls.List[8]) != "\x00\xff" {
		t.Errorf("list:small %q", ls.List)
	}
	zs := get("zset:small")
	if zs.ZSet[0].Score != negInf || string(zs.ZSet[len(zs.ZSet)-1].Member) != "pinf" {
		t.Errorf("zset order %v", zs.ZSet)
	}
	st := get("stream:groups").Stream
	if len(st.Entries) != 40 || len(st.Groups) != 3 || st.EntriesAdded != 40 {
		t.Errorf("stream:groups: %d entries %d groups", len(st.Entries), len(st.Groups))
	}
	for _, g := range st.Groups {
		if string(g.Name) == "g1" {
			if len(g.Pending) != 7 || len(g.Consumers) != 2 || g.EntriesRead != 8 {
				t.Errorf("g1: %d pending, %d consumers, read %d", len(g.Pending), len(g.Consumers), g.EntriesRead)
			}
		}
	}
	sd := get("stream:deleted").Stream
	if len(sd.Entries) != 27 || sd.MaxDeletedEntryID != (StreamID{5, 29}) || sd.EntriesAdded != 30 {
		t.Errorf("stream:deleted: %d entries, maxdel %v, added %d", len(sd.Entries), sd.MaxDeletedEntryID, sd.EntriesAdded)
	}
	se := get("stream:emptied").Stream
	if len(se.Entries) != 0 || se.LastID != (StreamID{7, 7}) {
		t.Errorf("stream:emptied: %+v", se)
	}
}
