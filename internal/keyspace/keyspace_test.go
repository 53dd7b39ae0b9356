package keyspace

import (
	"strconv"
	"testing"
	"unsafe"

	"github.com/autobot-ai/autobot-redis/internal/dict"
)

// recount recomputes the memory accounting from scratch; the incremental
// figures must always equal it.
func (ks *Keyspace) recount(t *testing.T) {
	t.Helper()
	var total int64
	for _, db := range ks.dbs {
		var n int64
		db.keys.Range(func(e *entry) bool {
			n += keyMem(e.Key, &e.Value)
			return true
		})
		if n != db.used {
			t.Fatalf("db %d: accounted %d bytes, recount %d", db.id, db.used, n)
		}
		total += n
	}
	if total != ks.used {
		t.Fatalf("keyspace: accounted %d, recount %d", ks.used, total)
	}
}

func TestStringObjects(t *testing.T) {
	ks := New(2)
	db := ks.DB(0)
	cases := []struct {
		val string
		enc Encoding
	}{
		{"123", EncInt}, {"-9223372036854775808", EncInt}, {"007", EncEmbstr},
		{"hello", EncEmbstr}, {string(make([]byte, 44)), EncEmbstr}, {string(make([]byte, 45)), EncRaw}, {"", EncEmbstr},
	}
	for i, c := range cases {
		key := []byte("k" + strconv.Itoa(i))
		db.Set(key, false).SetString([]byte(c.val))
		ks.Settle()
		o := db.Lookup(key)
		if string(o.Bytes()) != c.val || o.Encoding() != c.enc || o.Type() != TypeString {
			t.Errorf("%q: got %q enc %v", c.val, o.Bytes(), o.Encoding())
		}
	}
	o := db.Set([]byte("ctr"), false)
	o.SetInt(41)
	o.SetInt(42)
	ks.Settle()
	if got := string(db.Lookup([]byte("ctr")).Bytes()); got != "42" {
		t.Fatalf("SetInt: %q", got)
	}
	if !ks.IsSharedInteger(db.Lookup([]byte("ctr"))) {
		t.Fatal("42 should be a shared integer")
	}
	ks.recount(t)
}

func TestExpiryAndLookups(t *testing.T) {
	ks := New(1)
	db := ks.DB(0)
	ks.SetNow(1000)
	db.Set([]byte("a"), false).SetString([]byte("1"))
	db.SetExpire([]byte("a"), 2000)
	if db.TTL([]byte("a")) != 2000 || db.ExpiresLen() != 1 {
		t.Fatal("expire not set")
	}
	// SET without KEEPTTL clears the TTL, with it keeps it.
	db.Set([]byte("a"), true).SetString([]byte("2"))
	if db.TTL([]byte("a")) != 2000 {
		t.Fatal("KEEPTTL lost the ttl")
	}
	db.Set([]byte("a"), false).SetString([]byte("3"))
	if db.TTL([]byte("a")) != -1 || db.ExpiresLen() != 0 {
		t.Fatal("SET kept the ttl")
	}
	db.SetExpire([]byte("a"), 1500)
	ks.Settle()
	ks.SetNow(1500)
	if db.LookupRead([]byte("a")) != nil || db.Len() != 0 {
		t.Fatal("expired key still visible")
	}
	if ks.Stats().ExpiredKeys != 1 || ks.Stats().Misses != 1 {
		t.Fatalf("stats %+v", ks.Stats())
	}
	ks.recount(t)
}

func TestActiveExpire(t *testing.T) {
	ks := New(2)
	ks.SetNow(1000)
	for i := 0; i < 5000; i++ {
		db := ks.DB(i % 2)
		k := []byte("k" + strconv.Itoa(i))
		db.Set(k, false).SetString([]byte("v"))
		db.SetExpire(k, 1500)
	}
	ks.Settle()
	ks.SetNow(2000)
	for i := 0; i < 1000; i++ {
		if _, more := ks.ActiveExpireCycle(1 << 30); !more && ks.DB(0).Len()+ks.DB(1).Len() == 0 {
			break
		}
	}
	if n := ks.DB(0).Len() + ks.DB(1).Len(); n != 0 {
		t.Fatalf("%d keys left after active expiry", n)
	}
	ks.recount(t)
}

func TestRenameMoveSwapFlush(t *testing.T) {
	ks := New(2)
	d0, d1 := ks.DB(0), ks.DB(1)
	d0.Set([]byte("a"), false).SetString([]byte("1"))
	d0.SetExpire([]byte("a"), 1<<50)
	if !d0.Rename([]byte("a"), []byte("b")) || d0.Exists([]byte("a")) || d0.TTL([]byte("b")) != 1<<50 {
		t.Fatal("rename")
	}
	if !d0.MoveTo([]byte("b"), d1, []byte("b")) || d0.Len() != 0 || d1.TTL([]byte("b")) != 1<<50 {
		t.Fatal("move")
	}
	ks.Settle()
	ks.recount(t)
	d0.Swap(d1)
	if d0.Len() != 1 || d1.Len() != 0 {
		t.Fatal("swap")
	}
	ks.recount(t)
	d0.Flush()
	if ks.UsedMemory() != 0 {
		t.Fatalf("used after flush %d", ks.UsedMemory())
	}
	ks.recount(t)
}

type recordingPreserver struct{ seen map[string]string }

func (p *recordingPreserver) Preserve(db *DB, key string, o *Object, expireAt int64) {
	p.seen[key] = string(o.Bytes())
}

// TestSnapshotPreserve: once a snapshot starts, the first write to an old
// value hands the old value over, exactly once.
func TestSnapshotPreserve(t *testing.T) {
	ks := New(1)
	db := ks.DB(0)
	db.Set([]byte("a"), false).SetString([]byte("old"))
	db.Set([]byte("b"), false).SetString([]byte("old-b"))
	ks.Settle()
	p := &recordingPreserver{seen: map[string]string{}}
	ks.BeginSnapshot(p)
	db.LookupWrite([]byte("a")).SetString([]byte("new"))
	db.LookupWrite([]byte("a")).SetString([]byte("newer"))
	db.Delete([]byte("b"))
	db.Set([]byte("c"), false).SetString([]byte("fresh"))
	ks.Settle()
	ks.EndSnapshot()
	if len(p.seen) != 2 || p.seen["a"] != "old" || p.seen["b"] != "old-b" {
		t.Fatalf("preserved %v", p.seen)
	}
	ks.recount(t)
}

func TestMatch(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"*", "", false}, {"h?llo", "hello", true}, {"h*o", "hello", true}, {"h[ae]llo", "hallo", true},
		{"h[^e]llo", "hello", false}, {"h[a-b]llo", "hbllo", true}, {"h[b-a]llo", "hbllo", true},
		{`h\*llo`, "h*llo", true}, {`h\*llo`, "hello", false}, {"h[!e]llo", "h!llo", true},
		{"a[", "a[", false}, {"a[b", "ab", true}, {"*a*b*c*", "xaybzc", true},
		{"user:*", "user:1", true}, {"user:*", "session:1", false},
	}
	for _, c := range cases {
		if got := MatchString(c.pat, c.s, false); got != c.want {
			t.Errorf("Match(%q, %q) = %v", c.pat, c.s, got)
		}
	}
	// A pathological pattern finishes quickly thanks to skipLonger.
	long := make([]byte, 0, 100)
	for i := 0; i < 30; i++ {
		long = append(long, "a*"...)
	}
	if MatchString(string(long)+"b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false) {
		t.Fatal("pathological pattern matched")
	}
}

// TestEntryLayout pins the sizes the memory accounting and the inline keys
// rely on: a 48-byte entry, which with dict.InlineKeyMax key bytes fills
// the allocator's 64-byte size class.
func TestEntryLayout(t *testing.T) {
	if got := unsafe.Sizeof(entry{}); got != entryOverhead {
		t.Fatalf("entry is %d bytes, accounting assumes %d", got, entryOverhead)
	}
	if entryOverhead+dict.InlineKeyMax != 64 {
		t.Fatalf("entry plus inline key is %d bytes, not a 64-byte size class", entryOverhead+dict.InlineKeyMax)
	}
}
