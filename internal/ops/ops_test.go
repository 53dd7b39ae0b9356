package ops

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/difftest"
)

func client(t *testing.T, addr string, db int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DB: db})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestKeyPattern(t *testing.T) {
	for key, want := range map[string]string{
		"session:user_123":                         "session:user_*",
		"user:123":                                 "user:*",
		"chat:session_456:messages":                "chat:session_*:messages",
		"kb:doc_789:chunk_1":                       "kb:doc_*:chunk_*",
		"kb:index:api":                             "kb:index:api",
		"api:cache:/api/system/health":             "api:cache:*",
		"ws:connections":                           "ws:connections",
		"job:3f2a9c1e-8e4b-4a47-9f3c-1b2d3e4f5a6b": "job:*",
	} {
		if got := KeyPattern(key); got != want {
			t.Errorf("KeyPattern(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestHealthAndMemory(t *testing.T) {
	ref := difftest.StartReference(t)
	ctx := context.Background()
	c := client(t, ref.Addr, 0)
	for i := 0; i < 50; i++ {
		c.Set(ctx, "session:user_"+string(rune('a'+i%26))+strings.Repeat("x", i), strings.Repeat("v", 100), time.Hour)
		c.HSet(ctx, "user:"+strings.Repeat("1", i+1), "name", "n")
	}
	rep := Health(ctx, c, ref.Addr)
	if !rep.Healthy || rep.Keys["db0"] != 100 || rep.RDBStatus != "ok" {
		t.Fatalf("health: %+v", rep)
	}
	var buf bytes.Buffer
	rep.WriteText(&buf)
	if !strings.Contains(buf.String(), "healthy") {
		t.Fatalf("text: %s", buf.String())
	}
	mem, err := AnalyzeMemory(ctx, c, 0, MemoryOptions{Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !mem.Complete || mem.Sampled != 100 || len(mem.Top) != 3 || mem.TTLBuckets["no ttl"] != 50 || mem.TTLBuckets["< 1h"] != 50 {
		t.Fatalf("memory: %+v", mem)
	}
	patterns := map[string]int64{}
	for _, p := range mem.Patterns {
		patterns[p.Pattern] = p.Keys
	}
	if patterns["user:*"] != 50 {
		t.Fatalf("patterns: %v", patterns)
	}
	// A dead server is reported unhealthy, not as an error.
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer dead.Close()
	if Health(ctx, dead, "127.0.0.1:1").Healthy {
		t.Fatal("dead server reported healthy")
	}
}

// TestExportImportDB moves one logical database between two servers and
// checks content, TTLs, conflict handling and corruption detection.
func TestExportImportDB(t *testing.T) {
	src, dst := difftest.StartReference(t), difftest.StartReference(t)
	ctx := context.Background()
	s := client(t, src.Addr, 2)
	s.HSet(ctx, "kb:doc_1", "title", "API", "size", "1024")
	s.Set(ctx, "kb:doc_1:chunk_1", `{"content":"..."}`, 0)
	s.SAdd(ctx, "kb:index:api", "doc_1", "doc_2")
	s.Set(ctx, "kb:tmp", "x", time.Hour)
	s.RPush(ctx, "kb:list", "a", "b")
	client(t, src.Addr, 0).Set(ctx, "session:other-db", "must not be exported", 0)

	var file bytes.Buffer
	n, err := ExportDB(ctx, s, DumpMeta{DB: 2, Source: src.Addr}, &file, nil)
	if err != nil || n != 5 {
		t.Fatalf("export: %d, %v", n, err)
	}
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(file.Bytes())), nil }
	d := client(t, dst.Addr, 2)
	d.Set(ctx, "kb:doc_1:chunk_1", "old", 0)
	if _, err := ImportDB(ctx, d, open, RestoreOptions{}); err == nil || !strings.Contains(err.Error(), "already exist") {
		t.Fatalf("conflict not refused: %v", err)
	}
	res, err := ImportDB(ctx, d, open, RestoreOptions{DryRun: true})
	if err == nil || res.Existing != 1 {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	res, err = ImportDB(ctx, d, open, RestoreOptions{SkipExisting: true})
	if err != nil || res.Restored != 4 || res.Skipped != 1 {
		t.Fatalf("skip-existing: %+v %v", res, err)
	}
	if d.Get(ctx, "kb:doc_1:chunk_1").Val() != "old" {
		t.Fatal("skip-existing overwrote a key")
	}
	res, err = ImportDB(ctx, d, open, RestoreOptions{Replace: true})
	if err != nil || res.Restored != 5 {
		t.Fatalf("replace: %+v %v", res, err)
	}
	if d.Get(ctx, "kb:doc_1:chunk_1").Val() != `{"content":"..."}` || d.HGet(ctx, "kb:doc_1", "size").Val() != "1024" ||
		d.SCard(ctx, "kb:index:api").Val() != 2 || d.TTL(ctx, "kb:tmp").Val() < 59*time.Minute {
		t.Fatal("restored content differs")
	}
	if client(t, dst.Addr, 0).Exists(ctx, "session:other-db").Val() != 0 {
		t.Fatal("another database leaked into the export")
	}
	// Any flipped byte is detected before anything is written.
	for _, at := range []int{20, file.Len() / 2, file.Len() - 3} {
		bad := append([]byte(nil), file.Bytes()...)
		bad[at] ^= 0xff
		openBad := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(bad)), nil }
		if _, err := ImportDB(ctx, client(t, dst.Addr, 5), openBad, RestoreOptions{}); err == nil {
			t.Fatalf("corruption at byte %d not detected", at)
		}
	}
	if client(t, dst.Addr, 5).DBSize(ctx).Val() != 0 {
		t.Fatal("a corrupt file wrote keys")
	}
}
