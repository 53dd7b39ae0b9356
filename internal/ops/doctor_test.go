package ops

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/difftest"
)

var testSchema = []SchemaDB{
	{Number: 0, Name: "sessions", Patterns: []string{"session:*", "user:*"}, TTLPatterns: []string{"session:*"}},
	{Number: 3, Name: "cache", Patterns: []string{"api:*", "cache:*"}, TTLPatterns: []string{"api:cache:*"}},
}

func TestDoctor(t *testing.T) {
	ref := difftest.StartReference(t)
	ctx := context.Background()
	c0, c3 := client(t, ref.Addr, 0), client(t, ref.Addr, 3)
	c0.Set(ctx, "session:a", "x", 0)                 // no TTL where one is expected
	c0.Set(ctx, "session:b", "x", time.Hour)         // fine
	c3.Set(ctx, "session:misplaced", "x", time.Hour) // belongs in DB 0
	c3.Set(ctx, "api:cache:/x", "x", time.Minute)
	c0.ConfigSet(ctx, "slowlog-log-slower-than", "0")
	c0.Get(ctx, "session:a")
	host, port, _ := strings.Cut(ref.Addr, ":")
	cf := &ConnFlags{Host: host, Timeout: 2 * time.Second}
	cf.Port = atoi(port)
	fs := Doctor(ctx, DoctorOptions{Conn: cf, Schema: testSchema, Hosts: []string{"localhost", "no-such-host.invalid"}})
	var text strings.Builder
	WriteFindings(&text, fs)
	out := text.String()
	for _, want := range []string{
		"answers PING",
		"no maxmemory is set",
		"1 sampled keys matching session:* in DB 0 have no TTL",
		"1 sampled keys in DB 3 (cache) match the patterns of DB 0",
		"slow commands",
		"does not resolve",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	if Worst(fs) != SevWarn {
		t.Errorf("worst severity %s", Worst(fs))
	}
	// A dead server is critical.
	dead := &ConnFlags{Host: "127.0.0.1", Port: 1, Timeout: time.Second}
	if fs := Doctor(ctx, DoctorOptions{Conn: dead, Hosts: []string{}}); Worst(fs) != SevCritical {
		t.Fatalf("dead server: %+v", fs)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
