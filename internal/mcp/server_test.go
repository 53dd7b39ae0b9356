package mcp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/difftest"
)

var testDatabases = []Database{
	{0, "sessions", "Session management", []string{"session:*", "user:*"}},
	{2, "knowledge", "Knowledge base", []string{"kb:*", "document:*"}},
}

// session connects an SDK client to our MCP server in memory.
func session(t *testing.T, addr string, writes bool) *sdk.ClientSession {
	t.Helper()
	srv := New(Config{
		Client:      func(db int) (*redis.Client, error) { return redis.NewClient(&redis.Options{Addr: addr, DB: db}), nil },
		Addr:        addr,
		Databases:   testDatabases,
		AllowWrites: writes,
		Version:     "test",
	})
	st, ct := sdk.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func call(t *testing.T, cs *sdk.ClientSession, tool string, args map[string]any) (map[string]any, bool) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	var out map[string]any
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		json.Unmarshal(b, &out)
	}
	return out, res.IsError
}

func TestTools(t *testing.T) {
	ref := difftest.StartReference(t)
	ctx := context.Background()
	r0 := redis.NewClient(&redis.Options{Addr: ref.Addr})
	defer r0.Close()
	r0.Set(ctx, "session:user_1", `{"user_id":"1"}`, 3600e9)
	r0.HSet(ctx, "user:1", "name", "John")
	r2 := redis.NewClient(&redis.Options{Addr: ref.Addr, DB: 2})
	defer r2.Close()
	r2.SAdd(ctx, "kb:index:api", "doc_1")

	cs := session(t, ref.Addr, false)
	list, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, tl := range list.Tools {
		names[tl.Name] = true
		if !tl.Annotations.ReadOnlyHint {
			t.Errorf("%s lacks readOnlyHint", tl.Name)
		}
	}
	if !names["autobot_redis_info"] || names["autobot_redis_flushdb"] {
		t.Fatalf("tools: %v", names)
	}
	out, isErr := call(t, cs, "autobot_redis_info", map[string]any{"action": "databases"})
	if isErr {
		t.Fatalf("databases failed: %v", out)
	}
	dbs := out["databases"].([]any)
	first := dbs[0].(map[string]any)
	if len(dbs) != 2 || first["keys"].(float64) != 2 || first["expiring_keys"].(float64) != 1 || first["memory_bytes"].(float64) <= 0 {
		t.Fatalf("databases: %v", dbs)
	}
	for _, action := range []string{"info", "memory", "clients", "config"} {
		if out, isErr := call(t, cs, "autobot_redis_info", map[string]any{"action": action, "database": 0}); isErr {
			t.Fatalf("%s: %v", action, out)
		}
	}
	if _, isErr := call(t, cs, "autobot_redis_info", map[string]any{"action": "bogus"}); !isErr {
		t.Fatal("bad action accepted")
	}
	out, _ = call(t, cs, "autobot_redis_scan_keys", map[string]any{"database": 0, "pattern": "session:*"})
	if keys := out["keys"].([]any); len(keys) != 1 || keys[0].(map[string]any)["type"] != "string" {
		t.Fatalf("scan: %v", out)
	}
	out, _ = call(t, cs, "autobot_redis_inspect_key", map[string]any{"database": 0, "key": "user:1"})
	if out["type"] != "hash" || !strings.Contains(mustJSON(out["preview"]), "John") {
		t.Fatalf("inspect: %v", out)
	}
	if out, isErr := call(t, cs, "autobot_redis_health", map[string]any{}); isErr || out["report"].(map[string]any)["healthy"] != true {
		t.Fatalf("health: %v", out)
	}

	w := session(t, ref.Addr, true)
	if _, isErr := call(t, w, "autobot_redis_flushdb", map[string]any{"database": 2, "confirm": "yes"}); !isErr {
		t.Fatal("flushdb without the confirmation text was accepted")
	}
	if out, isErr := call(t, w, "autobot_redis_flushdb", map[string]any{"database": 2, "confirm": "FLUSHDB 2"}); isErr || out["deleted"].(float64) != 1 {
		t.Fatalf("flushdb: %v", out)
	}
	if _, isErr := call(t, w, "autobot_redis_delete_keys", map[string]any{"database": 0, "keys": []string{"user:1"}}); !isErr {
		t.Fatal("delete without confirm was accepted")
	}
	if out, isErr := call(t, w, "autobot_redis_delete_keys", map[string]any{"database": 0, "keys": []string{"user:1"}, "confirm": true}); isErr || out["deleted"].(float64) != 1 {
		t.Fatalf("delete: %v", out)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
