package console

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

const testPassword = "console-test-pass"

var testDatabases = []Database{
	{0, "sessions", "Session management", []string{"session:*", "user:*"}},
	{1, "chat", "Chat history", []string{"chat:*", "message:*"}},
	{2, "knowledge", "Knowledge base", []string{"kb:*", "document:*"}},
	{3, "cache", "API cache", []string{"api:*", "cache:*"}},
	{4, "websocket", "WebSocket state", []string{"ws:*", "connection:*"}},
	{5, "jobs", "Background jobs", []string{"job:*", "queue:*"}},
}

// startOurs starts our server (in-process) with a password.
func startOurs(t testing.TB, configure ...func(*config.Config)) string {
	t.Helper()
	_, addr := servertest.Start(t, append([]func(*config.Config){func(c *config.Config) { c.RequirePass = testPassword }}, configure...)...)
	return addr
}

// startConsole serves a console for addr on a loopback port until the
// test ends and returns its base URL.
func startConsole(t testing.TB, addr string, tweak ...func(*Config)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{RedisAddr: addr, Databases: testDatabases, Version: "test", SampleInterval: time.Second}
	for _, f := range tweak {
		f(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Serve(ctx, l, cfg, "", "")
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + l.Addr().String()
}

// admin is a go-redis client with the password, for setting up data.
func admin(t testing.TB, addr string, db int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Password: testPassword, DB: db, Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

// addReadOnlyUser creates the ACL user "reader" (+@read ~*), or returns
// why it could not (a server without ACL).
func addReadOnlyUser(ctx context.Context, c *redis.Client) error {
	return c.Do(ctx, "ACL", "SETUSER", "reader", "reset", "on", ">reader-pass", "~*", "&*", "+@read").Err()
}

// seed fills the six AutoBot databases with data shaped like the
// platform's (see the Redis document's data structures).
func seed(t testing.TB, addr string) {
	t.Helper()
	ctx := context.Background()
	c := func(db int) *redis.Client { return admin(t, addr, db) }
	must := func(err error) {
		t.Helper()
		if err != nil && err != redis.Nil {
			t.Fatal(err)
		}
	}
	// Slow log entries, then back to the default threshold.
	must(c(0).ConfigSet(ctx, "slowlog-log-slower-than", "0").Err())

	s := c(0).Pipeline()
	names := []string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Ken Thompson", "Margaret Hamilton", "Donald Knuth"}
	for i := 0; i < 40; i++ {
		id := 1000 + i
		s.HSet(ctx, fmt.Sprintf("user:%d", id), "name", names[i%len(names)], "email", fmt.Sprintf("user%d@example.com", id),
			"role", []string{"admin", "member", "member", "viewer"}[i%4], "last_active", "2024-06-01T12:00:00Z")
		s.Set(ctx, fmt.Sprintf("session:user_%d", id),
			fmt.Sprintf(`{"user_id":"%d","created":"2024-06-01T10:00:00Z","ip":"10.0.0.%d","agent":{"name":"autobot-web","version":"2.4.1"},"scopes":["chat","kb:read"]}`, id, i+2),
			time.Duration(3600*(i%12+1))*time.Second)
	}
	s.Set(ctx, "session:ro-test", `{"user_id":"42","note":"the read-only user must not delete this"}`, 0)
	_, err := s.Exec(ctx)
	must(err)

	s = c(1).Pipeline()
	for i := 0; i < 12; i++ {
		sid := 450 + i
		s.Set(ctx, fmt.Sprintf("chat:session_%d", sid), fmt.Sprintf(`{"id":"%d","user_id":"%d","created":"2024-06-01T10:00:00Z","title":"Conversation %d"}`, sid, 1000+i, i), 0)
		for j := 0; j < 6+i; j++ {
			role := []string{"user", "assistant"}[j%2]
			s.RPush(ctx, fmt.Sprintf("chat:session_%d:messages", sid), fmt.Sprintf(`{"role":"%s","content":"message %d of session %d","timestamp":"2024-06-01T10:%02d:00Z"}`, role, j, sid, j))
		}
		s.HSet(ctx, fmt.Sprintf("message:%d", 9000+i), "session", sid, "tokens", 120+i*7, "model", "autobot-large")
	}
	_, err = s.Exec(ctx)
	must(err)

	s = c(2).Pipeline()
	for i := 0; i < 20; i++ {
		doc := 780 + i
		s.HSet(ctx, fmt.Sprintf("kb:doc_%d", doc), "title", fmt.Sprintf("Document %d", doc), "type", "markdown", "size", 1024*(i+1), "indexed", "true")
		for j := 1; j <= 3; j++ {
			s.Set(ctx, fmt.Sprintf("kb:doc_%d:chunk_%d", doc, j), fmt.Sprintf(`{"content":"%s","embedding":[0.12,0.53,0.91,0.04],"metadata":{"doc":%d,"chunk":%d}}`, strings.Repeat("lorem ipsum ", 10*j), doc, j), 0)
		}
	}
	s.SAdd(ctx, "kb:index:api", "doc_780", "doc_781", "doc_785")
	s.SAdd(ctx, "kb:index:documentation", "doc_780", "doc_790", "doc_791", "doc_799")
	s.ZAdd(ctx, "document:popularity", redis.Z{Score: 42, Member: "doc_780"}, redis.Z{Score: 17, Member: "doc_781"}, redis.Z{Score: 93, Member: "doc_790"})
	_, err = s.Exec(ctx)
	must(err)

	s = c(3).Pipeline()
	for _, p := range []string{"/api/system/health", "/api/chat/history", "/api/kb/search?q=redis", "/api/users/me"} {
		s.Set(ctx, "api:cache:"+p, `{"status":"healthy","timestamp":"2024-06-01T12:00:00Z"}`, 60*time.Second)
	}
	for i := 0; i < 15; i++ {
		s.Set(ctx, fmt.Sprintf("api:ratelimit:user_%d:/api/chat/send", 1000+i), i*3, time.Hour)
		s.Set(ctx, fmt.Sprintf("cache:embedding:%08x", 0xabc000+i), strings.Repeat("x", 200+i*40), 24*time.Hour)
	}
	_, err = s.Exec(ctx)
	must(err)

	s = c(4).Pipeline()
	for i := 0; i < 8; i++ {
		conn := fmt.Sprintf("conn_abc%03d", i)
		s.HSet(ctx, "ws:connections", conn, fmt.Sprintf(`{"user_id":"%d","session_id":"%d","connected":"2024-06-01T12:00:00Z"}`, 1000+i, 450+i))
		s.Set(ctx, fmt.Sprintf("ws:user_%d:connection", 1000+i), conn, 2*time.Hour)
		s.HSet(ctx, "connection:"+conn, "ip", fmt.Sprintf("10.0.1.%d", i), "since", "2024-06-01T12:00:00Z")
	}
	_, err = s.Exec(ctx)
	must(err)

	s = c(5).Pipeline()
	for i := 0; i < 10; i++ {
		id := fmt.Sprintf("job:%d", 5000+i)
		s.HSet(ctx, id, "type", []string{"index_document", "send_email", "summarize_chat"}[i%3], "status", []string{"queued", "running", "done"}[i%3], "attempts", i%2)
		s.RPush(ctx, "queue:default", id)
		s.ZAdd(ctx, "queue:scheduled", redis.Z{Score: float64(1717243200 + i*60), Member: id})
		s.XAdd(ctx, &redis.XAddArgs{Stream: "queue:events", Values: []string{"job", id, "event", "enqueued"}})
	}
	_, err = s.Exec(ctx)
	must(err)
	must(c(0).ConfigSet(ctx, "slowlog-log-slower-than", "10000").Err())
}
