package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobot-ai/autobot-redis/redismanager"
)

// TestDemo drives the example backend through all six stores over HTTP,
// on the embedded server.
func TestDemo(t *testing.T) {
	cfg := redismanager.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.HealthCheckInterval = 0
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m, err := redismanager.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	d, err := newDemo(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.handler())
	defer srv.Close()
	call := func(method, path string, body any, want int) map[string]any {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		if resp.Header.Get("X-RateLimit-Limit") == "" && !strings.HasPrefix(path, "/api/ws/connect") {
			t.Fatalf("%s %s: no rate-limit headers", method, path)
		}
		var out map[string]any
		if len(raw) > 0 && raw[0] == '{' {
			json.Unmarshal(raw, &out)
		}
		return out
	}
	// DB 0
	s := call("POST", "/api/sessions", map[string]any{"user_id": "123", "data": map[string]string{"lang": "en"}}, 201)
	sid := s["id"].(string)
	call("GET", "/api/sessions/"+sid, nil, 200)
	call("PUT", "/api/users/123", map[string]string{"name": "John Doe", "email": "john@example.com"}, 204)
	if u := call("GET", "/api/users/123", nil, 200); u["Email"] != "john@example.com" {
		t.Fatalf("user %v", u)
	}
	call("DELETE", "/api/sessions/"+sid, nil, 204)
	call("GET", "/api/sessions/"+sid, nil, 404)
	// DB 1
	cs := call("POST", "/api/chat/sessions", map[string]string{"user_id": "123", "title": "Hi"}, 201)
	cid := cs["id"].(string)
	call("POST", "/api/chat/sessions/"+cid+"/messages", map[string]string{"role": "user", "content": "How do I rotate the Redis password?"}, 201)
	call("POST", "/api/chat/sessions/"+cid+"/messages", map[string]string{"role": "assistant", "content": "Use ACL SETUSER and update the secret."}, 201)
	if h := call("GET", "/api/chat/sessions/"+cid+"/messages?limit=10", nil, 200); len(h["Messages"].([]any)) != 2 {
		t.Fatalf("history %v", h)
	}
	// DB 5 (and 2): a job indexes the conversation into the KB.
	job := call("POST", "/api/chat/sessions/"+cid+"/index", nil, 202)
	jid := job["ID"].(string)
	deadline := time.Now().Add(10 * time.Second)
	for call("GET", "/api/job/"+jid, nil, 200)["Status"] != "succeeded" {
		if time.Now().After(deadline) {
			t.Fatal("indexing job did not finish")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st := call("GET", "/api/jobs/demo/stats", nil, 200); st["Succeeded"].(float64) != 1 {
		t.Fatalf("stats %v", st)
	}
	// DB 2
	call("POST", "/api/kb/documents", map[string]any{"ID": "789", "Title": "API Documentation", "Tags": []string{"api"}, "Content": "Authenticate with a bearer token."}, 201)
	req, _ := http.NewRequest("GET", srv.URL+"/api/kb/search?q=rotate+redis+password&k=1", nil)
	for i, want := range []string{"MISS", "HIT"} { // DB 3 caches the search
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var res []map[string]any
		json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if resp.Header.Get("X-Cache") != want || len(res) != 1 || res[0]["DocID"] != "chat_"+cid {
			t.Fatalf("search %d: %s %v", i, resp.Header.Get("X-Cache"), res)
		}
	}
	resp, _ := http.Get(srv.URL + "/api/kb/tags?q=api+OR+chat")
	var ids []string
	json.NewDecoder(resp.Body).Decode(&ids)
	resp.Body.Close()
	if strings.Join(ids, ",") != "789,chat_"+cid {
		t.Fatalf("tags %v", ids)
	}
	// DB 4: an event stream receives a delivered message.
	sctx, scancel := context.WithCancel(ctx)
	defer scancel()
	sreq, _ := http.NewRequestWithContext(sctx, "GET", srv.URL+"/api/ws/connect?user_id=123", nil)
	sresp, err := http.DefaultClient.Do(sreq)
	if err != nil {
		t.Fatal(err)
	}
	defer sresp.Body.Close()
	lines := bufio.NewScanner(sresp.Body)
	lines.Scan() // event: connected
	lines.Scan() // data: {...}
	if !strings.Contains(lines.Text(), "connection_id") {
		t.Fatalf("stream start %q", lines.Text())
	}
	if r := call("POST", "/api/ws/send", map[string]any{"user_id": "123", "message": map[string]string{"text": "hello"}}, 200); r["delivered"].(float64) != 1 {
		t.Fatalf("send %v", r)
	}
	got := ""
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "data: ") {
			got = lines.Text()
			break
		}
	}
	if got != `data: {"text":"hello"}` {
		t.Fatalf("stream got %q", got)
	}
	// Health, cached for 5 s.
	if h := call("GET", "/api/system/health", nil, 200); h["Healthy"] != true {
		t.Fatalf("health %v", h)
	}
	// Rate limit on chat messages: 30 per minute (sliding window).
	for i := 0; i < 40; i++ {
		resp, _ := http.Post(srv.URL+"/api/chat/sessions/"+cid+"/messages", "application/json", strings.NewReader(`{"role":"user","content":"x"}`))
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			return
		}
	}
	t.Fatal("chat messages never rate limited")
}
