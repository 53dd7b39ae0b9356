package persist_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// fillDataset writes the same deterministic dataset to any server: every
// type in its compact and large encodings, binary, empty, tiny and large
// (multi-megabyte, compressible and not) values, expiries, several
// databases, and streams with deletions, consumer groups, pending entries
// owned by several consumers, an idle consumer and an empty stream.
func fillDataset(t testing.TB, c *redis.Client) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	bin := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return string(b)
	}
	p := c.Pipeline()
	cmd := func(args ...any) { p.Do(bg, args...) }
	flush := func() {
		t.Helper()
		cmds, err := p.Exec(bg)
		if err != nil {
			for _, c := range cmds {
				if c.Err() != nil {
					t.Fatalf("%v: %v", c.Args(), c.Err())
				}
			}
			t.Fatal(err)
		}
	}
	cmd("SELECT", 0)
	// Strings.
	cmd("SET", "str:empty", "")
	cmd("SET", "str:tiny", "x")
	cmd("SET", "str:int", "12345")
	cmd("SET", "str:negint", "-9223372036854775808")
	cmd("SET", "str:bigint", "99999999999999999999")
	cmd("SET", "str:leadingzero", "007")
	cmd("SET", "str:binary", "\x00\r\n\xff"+bin(100))
	cmd("SET", "str:compressible", strings.Repeat("abcdefgh", 4096))
	cmd("SET", "str:large", bin(3<<20))
	cmd("SET", "str:utf8", "héllo wörld ✓")
	cmd("SET", bin(40), "binary key")
	cmd("SET", "str:expiring", "soon", "PX", 86400000)
	cmd("PEXPIREAT", "str:int", 4102444800123)
	cmd("INCRBYFLOAT", "str:float", "3.14159")
	for i := 0; i < 300; i++ {
		cmd("SET", fmt.Sprintf("k:%d", i), fmt.Sprintf("value-%d", i))
	}
	// Lists.
	cmd("RPUSH", "list:small", "a", "b", "1", "-2", "")
	for i := 0; i < 2000; i++ {
		cmd("RPUSH", "list:large", fmt.Sprintf("element-%d-%s", i, strings.Repeat("z", i%50)))
	}
	cmd("RPUSH", "list:bigelems", bin(20000), "small", strings.Repeat("q", 70000))
	cmd("LPUSH", "list:ints", 1, 2, 3, 100000, -7, 1<<40)
	// Sets.
	cmd("SADD", "set:intset", 1, 2, 3, -100, 1<<33)
	for i := 0; i < 600; i++ {
		cmd("SADD", "set:bigints", i*3)
	}
	cmd("SADD", "set:strings", "a", "b", "c", bin(30))
	for i := 0; i < 1000; i++ {
		cmd("SADD", "set:large", fmt.Sprintf("member-%d", i))
	}
	// Sorted sets.
	cmd("ZADD", "zset:small", 1, "a", 2.5, "b", -3, "c", "inf", "d", "-inf", "e", 0, "zero")
	for i := 0; i < 300; i++ {
		cmd("ZADD", "zset:large", float64(i)/7, fmt.Sprintf("m%d", i))
	}
	cmd("ZADD", "zset:longmember", 1, strings.Repeat("L", 100), 2, "short")
	// Hashes.
	cmd("HSET", "hash:small", "f1", "v1", "f2", "2", "empty", "", "bin", bin(20))
	for i := 0; i < 300; i++ {
		cmd("HSET", "hash:large", fmt.Sprintf("field%d", i), fmt.Sprintf("value%d", i))
	}
	cmd("HSET", "hash:longvalue", "f", strings.Repeat("v", 200), "g", "h")
	cmd("PEXPIREAT", "hash:small", 4102444800999)
	flush()

	// Streams.
	for i := 1; i <= 250; i++ {
		cmd("XADD", "stream:big", fmt.Sprintf("%d-%d", 1700000000000+i/3, i%3), "field", fmt.Sprintf("v%d", i), "n", i)
	}
	cmd("XDEL", "stream:big", "1700000000005-1", "1700000000010-0")
	cmd("XADD", "stream:small", "1-1", "a", "1")
	cmd("XADD", "stream:small", "2-0", "a", "2", "b", "3")
	cmd("XADD", "stream:small", "3-0", "different", "fields")
	cmd("XGROUP", "CREATE", "stream:big", "g1", "0")
	cmd("XGROUP", "CREATE", "stream:big", "g2", "$")
	cmd("XGROUP", "CREATE", "stream:big", "g3", "1700000000020-0", "ENTRIESREAD", 55)
	cmd("XGROUP", "CREATECONSUMER", "stream:big", "g1", "idle-consumer")
	flush()
	cmd("XREADGROUP", "GROUP", "g1", "alice", "COUNT", 10, "STREAMS", "stream:big", ">")
	cmd("XREADGROUP", "GROUP", "g1", "bob", "COUNT", 5, "STREAMS", "stream:big", ">")
	cmd("XACK", "stream:big", "g1", "1700000000001-1", "1700000000002-0")
	cmd("XCLAIM", "stream:big", "g1", "carol", 0, "1700000000003-0", "TIME", 1700000000000, "RETRYCOUNT", 7)
	cmd("XADD", "stream:empty", "5-5", "x", "y")
	cmd("XDEL", "stream:empty", "5-5")
	cmd("XGROUP", "CREATE", "stream:empty", "eg", "$")
	cmd("XADD", "stream:mkstream", "MAXLEN", 0, "9-9", "a", "b")
	cmd("PEXPIREAT", "stream:small", 4102444800555)
	flush()

	// Other databases.
	cmd("SELECT", 1)
	cmd("SET", "db1:key", "in db 1")
	cmd("RPUSH", "db1:list", "x")
	cmd("SELECT", 9)
	for i := 0; i < 100; i++ {
		cmd("HSET", fmt.Sprintf("db9:h%d", i), "a", i)
	}
	cmd("SELECT", 15)
	cmd("SET", "last-db", "15")
	cmd("SELECT", 0)
	flush()
}
