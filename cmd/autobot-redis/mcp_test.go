package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// startMCPHTTP runs `autobot-redis mcp --http` in process against addr
// and returns its endpoint.
func startMCPHTTP(t *testing.T, addr string, extra ...string) string {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan net.Addr, 1)
	done := make(chan int, 1)
	var stderr lockedBuffer
	args := append([]string{"-h", host, "-p", port, "--http", "127.0.0.1:0"}, extra...)
	go func() { done <- serveMCP(ctx, args, &stderr, func(a net.Addr) { got <- a }) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("mcp exit %d: %s", code, stderr.String())
		}
	})
	select {
	case a := <-got:
		return "http://" + a.String() + "/mcp"
	case code := <-done:
		t.Fatalf("mcp exited %d: %s", code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("mcp did not listen")
	}
	return ""
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestMCPCommandHTTP: the Go SDK's client over streamable HTTP lists the
// read-only tools and gets AutoBot's six databases from the schema table;
// cross-origin and DNS-rebinding requests are refused.
func TestMCPCommandHTTP(t *testing.T) {
	_, addr := servertest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: addr, DB: 4})
	c.SAdd(context.Background(), "ws:connections", "c1", "c2")
	c.Close()
	endpoint := startMCPHTTP(t, addr)

	ctx := context.Background()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test"}, nil).Connect(ctx, &sdk.StreamableClientTransport{Endpoint: endpoint}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	tl, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tl.Tools {
		names = append(names, tool.Name)
	}
	joined := strings.Join(names, " ")
	if !strings.Contains(joined, "autobot_redis_info") || strings.Contains(joined, "flushdb") {
		t.Errorf("tools without --allow-writes: %s", joined)
	}
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "autobot_redis_info", Arguments: map[string]any{"action": "databases", "database": 4}})
	if err != nil || res.IsError {
		t.Fatalf("call: %v %+v", err, res)
	}
	b, _ := json.Marshal(res.StructuredContent)
	var out struct {
		Databases []struct {
			DB       int      `json:"db"`
			Name     string   `json:"name"`
			Keys     int64    `json:"keys"`
			Patterns []string `json:"key_patterns"`
		} `json:"databases"`
	}
	json.Unmarshal(b, &out)
	if len(out.Databases) != 1 || out.Databases[0].Name != "ws" || out.Databases[0].Keys != 1 ||
		!strings.Contains(strings.Join(out.Databases[0].Patterns, " "), "ws:connections") {
		t.Errorf("databases for DB 4: %s", b)
	}

	for _, h := range []http.Header{{"Origin": {"http://evil.example"}}, {"Host": {"evil.example"}}} {
		req, _ := http.NewRequest("POST", endpoint, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		for k, v := range h {
			req.Header[k] = v
			if k == "Host" {
				req.Host = v[0]
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("request with %v: status %d, want 403", h, resp.StatusCode)
		}
	}
}

// TestMCPInspector drives `autobot-redis mcp` with the official MCP
// Inspector CLI, over stdio and over streamable HTTP, as an assistant's
// MCP client would. It needs node and `npm ci` in testdata/mcp-inspector.
func TestMCPInspector(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs node")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not found; apt-get install -y nodejs npm")
	}
	inspector, _ := filepath.Abs(filepath.Join("testdata", "mcp-inspector", "node_modules", ".bin", "mcp-inspector"))
	if _, err := os.Stat(inspector); err != nil {
		t.Skip("the MCP Inspector is not installed; run `npm ci --prefix cmd/autobot-redis/testdata/mcp-inspector`")
	}
	bin := filepath.Join(t.TempDir(), "autobot-redis")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	_, addr := servertest.Start(t)
	_, port, _ := net.SplitHostPort(addr)
	c := redis.NewClient(&redis.Options{Addr: addr})
	c.Set(context.Background(), "session:abc", "{}", time.Hour)
	c.Close()

	inspect := func(target []string, method ...string) map[string]any {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		args := append(append([]string{"--cli"}, target...), method...)
		cmd := exec.CommandContext(ctx, inspector, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("inspector %v: %v\n%s\n%s", args, err, stdout.String(), stderr.String())
		}
		var v map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &v); err != nil {
			t.Fatalf("inspector output: %v\n%s", err, stdout.String())
		}
		return v
	}
	check := func(transport string, target []string) {
		tools := inspect(target, "--method", "tools/list")
		b, _ := json.Marshal(tools)
		if !strings.Contains(string(b), `"name":"autobot_redis_info"`) || !strings.Contains(string(b), `"name":"autobot_redis_inspect_key"`) {
			t.Errorf("%s: tools/list: %s", transport, b)
		}
		res := inspect(target, "--method", "tools/call", "--tool-name", "autobot_redis_info", "--tool-arg", "action=databases", "--tool-arg", "database=0")
		b, _ = json.Marshal(res["structuredContent"])
		if !strings.Contains(string(b), `"name":"sessions"`) || !strings.Contains(string(b), `"keys":1`) || !strings.Contains(string(b), `"expiring_keys":1`) {
			t.Errorf("%s: autobot_redis_info databases: %s", transport, b)
		}
		res = inspect(target, "--method", "tools/call", "--tool-name", "autobot_redis_info", "--tool-arg", "action=bogus")
		if res["isError"] != true {
			t.Errorf("%s: a bad action is not an error: %v", transport, res)
		}
	}
	// Not -h: the inspector would take it for its own --help.
	check("stdio", []string{bin, "mcp", "-p", port})
	endpoint := startMCPHTTP(t, addr)
	check("http", []string{endpoint, "--transport", "http"})
}
