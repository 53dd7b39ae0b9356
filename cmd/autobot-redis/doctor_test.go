package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/ops"
	"github.com/autobot-ai/autobot-redis/internal/servertest"
	"github.com/autobot-ai/autobot-redis/redismanager"
)

// TestSchemaGlobs: every layout of the data layer's schema yields a glob
// that matches the keys it describes, and every layout the doctor expects
// to expire is one the schema has.
func TestSchemaGlobs(t *testing.T) {
	for _, tc := range []struct{ layout, glob, key string }{
		{"session:<id>", "session:*", "session:abc"},
		{"chat:session_<id>:messages", "chat:session_*:messages", "chat:session_42:messages"},
		{"kb:doc_<id>:chunk_<n>", "kb:doc_*:chunk_*", "kb:doc_1:chunk_7"},
		{"api:cache:<request...>", "api:cache:*", "api:cache:/v1/chat?q=1"},
		{"ws:connections", "ws:connections", "ws:connections"},
		{"queue:<name>:lease:<worker>", "queue:*:lease:*", "queue:default:lease:w1"},
		{"bad<layout", "bad<layout", "bad<layout"},
	} {
		g := layoutGlob(tc.layout)
		if g != tc.glob {
			t.Errorf("layoutGlob(%q) = %q, want %q", tc.layout, g, tc.glob)
		}
		if !keyspace.MatchString(g, tc.key, false) {
			t.Errorf("%q does not match %q", g, tc.key)
		}
	}
	known := map[string]bool{}
	for _, s := range redismanager.Schema() {
		for _, l := range s.Keys {
			known[l] = true
		}
	}
	expiring := 0
	for l := range known {
		if mustExpire(l) {
			expiring++
		}
	}
	if expiring != 5 {
		t.Errorf("%d schema layouts must expire, want 5: the schema and mustExpire drifted apart", expiring)
	}
	if n := len(doctorSchema()); n != 6 {
		t.Errorf("doctor schema has %d databases", n)
	}
	if n, m := len(mcpDatabases()), len(consoleDatabases()); n != 6 || m != 6 {
		t.Errorf("mcp %d, console %d databases", n, m)
	}
}

// TestDoctorCommand runs `autobot-redis doctor` against a server with a
// misplaced key and a session without TTL, and checks findings and exit
// codes.
func TestDoctorCommand(t *testing.T) {
	_, addr := servertest.Start(t)
	host, port, _ := net.SplitHostPort(addr)
	ctx := context.Background()
	for db, kv := range map[int][2]string{0: {"session:s1", "no ttl"}, 1: {"kb:doc_9", "wrong database"}} {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db})
		if err := c.Set(ctx, kv[0], kv[1], 0).Err(); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	c := redis.NewClient(&redis.Options{Addr: addr, DB: 3})
	c.Set(ctx, "api:cache:/ok", "fine", time.Hour)
	c.Close()

	var out, errb bytes.Buffer
	code := run([]string{"doctor", "-h", host, "-p", port, "--hosts", "-", "--json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("doctor exit %d (warnings only must exit 0): %s", code, errb.String())
	}
	var fs []ops.Finding
	if err := json.Unmarshal(out.Bytes(), &fs); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, out.String())
	}
	var sawTTL, sawPlace bool
	for _, f := range fs {
		switch {
		case f.Check == "expiry db0" && strings.Contains(f.Diagnosis, "session:*"):
			sawTTL = true
		case f.Check == "schema db1" && strings.Contains(f.Diagnosis, "DB 2"):
			sawPlace = true
		case f.Check == "expiry db3":
			t.Errorf("a cache key with a TTL was reported: %+v", f)
		}
	}
	if !sawTTL || !sawPlace {
		t.Errorf("missing findings (ttl %v, placement %v):\n%s", sawTTL, sawPlace, out.String())
	}
	if code := run([]string{"doctor", "-h", host, "-p", port, "--hosts", "-", "--strict"}, &out, &errb); code != 1 {
		t.Errorf("--strict with warnings: exit %d, want 1", code)
	}
	// A server that is not there is critical.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	_, deadPort, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	out.Reset()
	if code := run([]string{"doctor", "-p", deadPort, "--hosts", "-", "--timeout", "500ms"}, &out, &errb); code != 1 {
		t.Errorf("no server: exit %d, want 1\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "CRIT") {
		t.Errorf("no critical finding for a dead server:\n%s", out.String())
	}
	if code := run([]string{"doctor", "extra"}, &out, &errb); code != 2 {
		t.Errorf("stray argument: exit %d, want 2", code)
	}
}
