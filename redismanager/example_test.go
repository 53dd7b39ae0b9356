package redismanager_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/autobot-ai/autobot-redis/redismanager"
)

// The README's example: one Manager, the six stores.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	cfg := redismanager.DefaultConfig() // or redismanager.LoadConfig(): AUTOBOT_REDIS_* variables
	cfg.DataDir = dir
	var api http.Handler = http.NotFoundHandler()
	limits := redismanager.RateLimitOptions{Default: redismanager.RateLimit{Limit: 600, Window: time.Minute}}
	routes := redismanager.CacheOptions{Routes: []redismanager.CacheRoute{{Prefix: "/api/kb/", TTL: 30 * time.Second}}}

	m, err := redismanager.Open(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	sess, _ := m.Sessions().Create(ctx, "123", map[string]any{"theme": "dark"})
	chat, _ := m.Chat().CreateSession(ctx, redismanager.ChatSession{UserID: "123"})
	m.Chat().Append(ctx, chat.ID, redismanager.Message{Role: "user", Content: "Hello"})
	hits, _ := m.KB().Search(ctx, "reset my password", redismanager.SearchOptions{Limit: 5})
	api = m.RateLimiter().Middleware(limits)(m.Cache().Middleware(routes)(api))
	m.WebSockets().Register(ctx, redismanager.Connection{UserID: "123"})
	job, _ := m.Jobs().Enqueue(ctx, "emails", []byte(`{"to":"john@example.com"}`), redismanager.EnqueueOptions{})

	got, _ := m.Sessions().Get(ctx, sess.ID)
	fmt.Println(got.Data["theme"], len(hits), job.Status, api != nil)
	// Output: dark 0 queued true
}

// Reading the configuration from the environment and a file.
func ExampleLoadConfig() {
	os.Setenv("AUTOBOT_REDIS_ADDR", "redis://:secret@localhost:6380")
	os.Setenv("AUTOBOT_REDIS_SOCKET_TIMEOUT", "2")
	defer os.Unsetenv("AUTOBOT_REDIS_ADDR")
	defer os.Unsetenv("AUTOBOT_REDIS_SOCKET_TIMEOUT")
	cfg, err := redismanager.LoadConfig()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Addr, cfg.SocketTimeout, cfg.HealthCheckInterval)
	// Output: redis://:secret@localhost:6380 2s 30s
}
