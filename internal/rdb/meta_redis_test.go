package rdb

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRedisKeyMetaAndSaveOptions covers the LRU/LFU opcodes and files saved
// with compression and checksums disabled, in both directions.
func TestRedisKeyMetaAndSaveOptions(t *testing.T) {
	requireRedis(t)
	dir := t.TempDir()
	s := startRedis(t, dir, "m.rdb")
	s.must("SET", "a", "1")
	s.must("RPUSH", "l", "x")
	s.must("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
	for i := 0; i < 50; i++ {
		s.must("GET", "a")
	}
	freq := s.str("OBJECT", "FREQ", "a")
	s.must("SAVE")
	keys, _, _ := decodeFile(t, filepath.Join(dir, "m.rdb"))
	for _, k := range keys {
		if !k.meta.HasFreq || k.meta.HasIdle {
			t.Errorf("%s: LFU meta %+v", k.key, k.meta)
		}
		if string(k.key) == "a" && strings.TrimSpace(freq) != strconv.Itoa(int(k.meta.Freq)) {
			t.Errorf("freq %d, OBJECT FREQ %s", k.meta.Freq, freq)
		}
	}
	s.must("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
	s.must("SAVE")
	keys, _, _ = decodeFile(t, filepath.Join(dir, "m.rdb"))
	for _, k := range keys {
		if !k.meta.HasIdle || k.meta.HasFreq {
			t.Errorf("%s: LRU meta %+v", k.key, k.meta)
		}
	}
	s.stop()
	s = startRedis(t, dir, "m.rdb", "--rdbchecksum", "no", "--rdbcompression", "no")
	long := strings.Repeat("compress me ", 50)
	s.must("SET", "long", long)
	s.must("SAVE")
	raw, err := os.ReadFile(filepath.Join(dir, "m.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw[len(raw)-8:], make([]byte, 8)) {
		t.Errorf("expected a zero checksum, got %x", raw[len(raw)-8:])
	}
	if !bytes.Contains(raw, []byte(long)) {
		t.Error("rdbcompression no should store the string raw")
	}
	keys, _, _ = decodeFile(t, filepath.Join(dir, "m.rdb"))
	if len(keys) != 3 {
		t.Errorf("%d keys", len(keys))
	}
	s.stop()

	// Our LFU/LRU metadata is honoured by Redis on load.
	dir2 := t.TempDir()
	for _, policy := range []string{"allkeys-lfu", "allkeys-lru"} {
		f, err := os.Create(filepath.Join(dir2, policy+".rdb"))
		if err != nil {
			t.Fatal(err)
		}
		e := NewEncoder(f, DefaultEncodeOptions())
		must(t, e.WriteHeader(Header{RedisVersion: "7.0.15", RedisBits: 64}))
		must(t, e.SelectDB(0, 1, 0))
		m := KeyMeta{HasFreq: true, Freq: 77}
		if policy == "allkeys-lru" {
			m = KeyMeta{HasIdle: true, Idle: 5000}
		}
		must(t, e.WriteKey([]byte("k"), strVal("v"), m))
		must(t, e.Close())
		f.Close()
		r := startRedis(t, dir2, policy+".rdb", "--maxmemory-policy", policy)
		if policy == "allkeys-lfu" {
			if got := r.str("OBJECT", "FREQ", "k"); got != "77" {
				t.Errorf("OBJECT FREQ after load: %s", got)
			}
		} else if got := r.str("OBJECT", "IDLETIME", "k"); got < "5000" || len(got) != 4 {
			t.Errorf("OBJECT IDLETIME after load: %s", got)
		}
		r.stop()
	}
}
