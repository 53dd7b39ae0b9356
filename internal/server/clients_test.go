package server_test

import (
	"context"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// TestGoRedis drives the server with go-redis v9, which speaks RESP3 by
// default (HELLO 3) and pipelines, as AutoBot's Go services will.
func TestGoRedis(t *testing.T) {
	_, addr := servertest.Start(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
		defer rdb.Close()
		if err := rdb.FlushAll(ctx).Err(); err != nil {
			t.Fatalf("resp%d flushall: %v", proto, err)
		}
		if err := rdb.Set(ctx, "session:user_123", `{"user_id": "123"}`, 0).Err(); err != nil {
			t.Fatal(err)
		}
		if v, err := rdb.Get(ctx, "session:user_123").Result(); err != nil || v != `{"user_id": "123"}` {
			t.Fatalf("resp%d get = %q, %v", proto, v, err)
		}
		if ok, err := rdb.Expire(ctx, "session:user_123", 86400*time.Second).Result(); err != nil || !ok {
			t.Fatalf("expire = %v, %v", ok, err)
		}
		if ttl := rdb.TTL(ctx, "session:user_123").Val(); ttl < 86399*time.Second {
			t.Fatalf("ttl = %v", ttl)
		}
		if _, err := rdb.Get(ctx, "missing").Result(); err != redis.Nil {
			t.Fatalf("missing key: %v, want redis.Nil", err)
		}
		if err := rdb.Set(ctx, "api:cache:/api/system/health", `{"status": "healthy"}`, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		// A pipeline: one write, many replies.
		pipe := rdb.Pipeline()
		incrs := make([]*redis.IntCmd, 100)
		for i := range incrs {
			incrs[i] = pipe.Incr(ctx, "counter")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i, c := range incrs {
			if c.Val() != int64(i+1) {
				t.Fatalf("pipelined incr %d = %d", i, c.Val())
			}
		}
		if f, err := rdb.IncrByFloat(ctx, "f", 10.5).Result(); err != nil || f != 10.5 {
			t.Fatalf("incrbyfloat = %v, %v", f, err)
		}
		if err := rdb.Do(ctx, "NOSUCHCOMMAND").Err(); err == nil || !strings.Contains(err.Error(), "unknown command") {
			t.Fatalf("unknown command error = %v", err)
		}
		n, err := rdb.DBSize(ctx).Result()
		if err != nil || n != 4 {
			t.Fatalf("dbsize = %d, %v", n, err)
		}
		info, err := rdb.Info(ctx, "keyspace").Result()
		if err != nil || !strings.Contains(info, "db0:keys=4,expires=2") {
			t.Fatalf("info keyspace = %q, %v", info, err)
		}
	}
}

// TestGoRedisConcurrentAtomicity checks that concurrent INCRs from many
// connections are neither lost nor doubled, under -race.
func TestGoRedisConcurrentAtomicity(t *testing.T) {
	_, addr := servertest.Start(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 32})
	defer rdb.Close()
	const workers, each = 16, 200
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := rdb.Incr(ctx, "n").Err(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if v := rdb.Get(ctx, "n").Val(); v != "3200" {
		t.Fatalf("n = %s, want 3200", v)
	}
}

// TestRedisCLI runs the seed's string, key and server lines through
// Debian's redis-cli against our server.
func TestRedisCLI(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not found; install Debian's redis-tools to run this test")
	}
	_, addr := servertest.Start(t)
	host, port, _ := strings.Cut(addr, ":")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(cli, append([]string{"-h", host, "-p", port}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"ping"}, "PONG"},
		{[]string{"SET", "session:user_123", `{"user_id": "123", "created": "2024-01-01T00:00:00Z"}`}, "OK"},
		{[]string{"EXPIRE", "session:user_123", "86400"}, "1"},
		{[]string{"SET", "api:cache:/api/system/health", `{"status": "healthy", "timestamp": "..."}`, "EX", "60"}, "OK"},
		{[]string{"-n", "0", "dbsize"}, "2"},
		{[]string{"-n", "3", "SET", "api:x", "1"}, "OK"},
		{[]string{"-n", "3", "dbsize"}, "1"},
		{[]string{"-n", "3", "flushdb"}, "OK"},
		{[]string{"-n", "3", "dbsize"}, "0"},
		{[]string{"GET", "session:user_123"}, `{"user_id": "123", "created": "2024-01-01T00:00:00Z"}`},
		{[]string{"INCR", "api:ratelimit:user_123:/api/chat/send", "EX", "3600"}, "ERR wrong number of arguments for 'incr' command"},
		// The seed's data structure lines.
		{[]string{"HSET", "user:123", "name", "John Doe", "email", "john@example.com", "last_active", "2024-01-01T00:00:00Z"}, "3"},
		{[]string{"-n", "1", "SET", "chat:session_456", `{"id": "456", "user_id": "123"}`}, "OK"},
		{[]string{"-n", "1", "LPUSH", "chat:session_456:messages", `{"role": "user", "content": "Hello"}`}, "1"},
		{[]string{"-n", "1", "LPUSH", "chat:session_456:messages", `{"role": "assistant", "content": "Hi there!"}`}, "2"},
		{[]string{"-n", "2", "HSET", "kb:doc_789", "title", "API Documentation", "type", "markdown", "size", "1024", "indexed", "true"}, "4"},
		{[]string{"-n", "2", "SADD", "kb:index:api", "doc_789", "doc_790"}, "2"},
		{[]string{"-n", "2", "SADD", "kb:index:documentation", "doc_789", "doc_791"}, "2"},
		{[]string{"-n", "4", "HSET", "ws:connections", "conn_abc123", `{"user_id": "123"}`}, "1"},
		{[]string{"-n", "4", "SET", "ws:user_123:connection", "conn_abc123", "EX", "7200"}, "OK"},
		{[]string{"-n", "1", "LRANGE", "chat:session_456:messages", "0", "0"}, `{"role": "assistant", "content": "Hi there!"}`},
	}
	for _, c := range cases {
		if got := run(c.args...); got != c.want {
			t.Errorf("redis-cli %q = %q, want %q", c.args, got, c.want)
		}
	}
	if got := run("info", "server"); !strings.Contains(got, "redis_version:7.0.15") || !strings.Contains(got, "tcp_port:"+port) {
		t.Errorf("info server lacks version or port:\n%s", got)
	}
	if got := run("info", "keyspace"); !strings.Contains(got, "db0:keys=3,expires=2") || !strings.Contains(got, "db2:keys=3,expires=0") {
		t.Errorf("info keyspace = %q", got)
	}
	// Interactive-style use: redis-cli reads commands from stdin.
	cmd := exec.Command(cli, "-h", host, "-p", port)
	cmd.Stdin = strings.NewReader("SET a 1\nINCR a\nGET a\n")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Fields(string(out))[2] != "2" {
		t.Errorf("stdin mode: %q, %v", out, err)
	}
}
