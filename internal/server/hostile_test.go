package server_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// heapInUse reports the process heap after a GC; the server runs in the
// test process, so growth caused by a hostile client shows here.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// healthy checks that another client still gets prompt answers.
func healthy(t *testing.T, addr string) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, ReadTimeout: 2 * time.Second})
	defer rdb.Close()
	start := time.Now()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("server not answering: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("PING took %v", d)
	}
}

func TestHostileInput(t *testing.T) {
	_, addr := servertest.Start(t)
	base := heapInUse()

	t.Run("oversized bulk", func(t *testing.T) {
		c, _ := net.Dial("tcp", addr)
		defer c.Close()
		c.Write([]byte("*1\r\n$600000000\r\n"))
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		out, _ := io.ReadAll(c)
		if string(out) != "-ERR Protocol error: invalid bulk length\r\n" {
			t.Fatalf("got %q", out)
		}
		healthy(t, addr)
	})
	t.Run("million element multibulk header", func(t *testing.T) {
		c, _ := net.Dial("tcp", addr)
		defer c.Close()
		// Announces a million arguments, sends two, then stalls: nothing
		// may be allocated for the rest.
		c.Write([]byte("*1000000\r\n$3\r\nSET\r\n$1\r\nk\r\n"))
		time.Sleep(100 * time.Millisecond)
		if grew := int64(heapInUse()) - int64(base); grew > 16<<20 {
			t.Fatalf("heap grew by %d bytes", grew)
		}
		healthy(t, addr)
	})
	t.Run("binary garbage", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 20; i++ {
			c, _ := net.Dial("tcp", addr)
			junk := make([]byte, 4096)
			for j := range junk {
				junk[j] = byte(r.Uint32())
			}
			c.Write(junk)
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			io.ReadAll(c)
			c.Close()
		}
		healthy(t, addr)
	})
	t.Run("endless inline line", func(t *testing.T) {
		c, _ := net.Dial("tcp", addr)
		defer c.Close()
		c.Write([]byte(strings.Repeat("a", 70000)))
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		out, _ := io.ReadAll(c)
		if string(out) != "-ERR Protocol error: too big inline request\r\n" {
			t.Fatalf("got %q", out)
		}
	})
	t.Run("slowloris", func(t *testing.T) {
		c, _ := net.Dial("tcp", addr)
		defer c.Close()
		req := "*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$5\r\nloris\r\n"
		for i := 0; i < len(req); i++ {
			c.Write([]byte{req[i]})
			if i%8 == 0 {
				healthy(t, addr) // others are served meanwhile
			}
			time.Sleep(5 * time.Millisecond)
		}
		buf := make([]byte, 5)
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "+OK\r\n" {
			t.Fatalf("slow request answered %q, %v", buf, err)
		}
	})
	t.Run("client that never reads", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		if err := rdb.Set(context.Background(), "big", strings.Repeat("x", 1<<20), 0).Err(); err != nil {
			t.Fatal(err)
		}
		c, _ := net.Dial("tcp", addr)
		defer c.Close()
		get := []byte("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n")
		c.SetWriteDeadline(time.Now().Add(3 * time.Second))
		// Ask for 1 GB of replies without reading any of them.
		for i := 0; i < 1000; i++ {
			if _, err := c.Write(get); err != nil {
				break // the server stopped reading from us: good
			}
		}
		time.Sleep(200 * time.Millisecond)
		if grew := int64(heapInUse()) - int64(base); grew > 64<<20 {
			t.Fatalf("heap grew by %d MB for a client that does not read", grew>>20)
		}
		healthy(t, addr)
	})
}
