package commands_test

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// hsRecorder captures what the server propagates to the AOF and replicas.
type hsRecorder struct {
	mu   sync.Mutex
	cmds []string
}

func (p *hsRecorder) Feed(db int, args [][]byte) {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = string(a)
	}
	p.mu.Lock()
	p.cmds = append(p.cmds, strings.Join(parts, " "))
	p.mu.Unlock()
}

func (p *hsRecorder) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.cmds
	p.cmds = nil
	return out
}

// hsHarness is a server with a propagation recorder and a client.
type hsHarness struct {
	t   *testing.T
	rec *hsRecorder
	rdb *redis.Client
}

func hsStart(t *testing.T) *hsHarness {
	t.Helper()
	srv, addr := servertest.Start(t)
	rec := &hsRecorder{}
	srv.AddPropagator(rec)
	rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, ReadTimeout: 10 * time.Second, PoolSize: 1})
	t.Cleanup(func() { rdb.Close() })
	return &hsHarness{t: t, rec: rec, rdb: rdb}
}

func (h *hsHarness) do(args ...any) any {
	h.t.Helper()
	v, err := h.rdb.Do(context.Background(), args...).Result()
	if err != nil && err != redis.Nil {
		h.t.Fatalf("%v: %v", args, err)
	}
	return v
}

// expect checks what the commands since the last check propagated.
func (h *hsHarness) expect(step string, want ...string) {
	h.t.Helper()
	got := h.rec.take()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		h.t.Fatalf("%s propagated:\n  %s\nwant:\n  %s", step, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestSetPropagation checks that random set commands propagate their
// effect as Redis 7.0 does: SPOP as SREM of each popped member (in reply
// order), or as DEL when it pops the whole set; reads and no-ops
// propagate nothing.
func TestSetPropagation(t *testing.T) {
	h := hsStart(t)
	h.do("SADD", "s", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
	h.expect("SADD", "SADD s a b c d e f g h i j")
	h.do("SADD", "s", "a")
	h.expect("SADD existing")

	m := h.do("SPOP", "s").(string)
	h.expect("SPOP", "SREM s "+m)

	// Few pops out of many: one SREM per member, in reply order, wrapped
	// in MULTI/EXEC as Redis 7.0 writes them to the AOF.
	want := []string{"MULTI"}
	for _, x := range strs(h.do("SPOP", "s", 2)) {
		want = append(want, "SREM s "+x)
	}
	h.expect("SPOP 2", append(want, "EXEC")...)

	// Few survivors: the popped members are the old set's remainder.
	want = []string{"MULTI"}
	for _, x := range strs(h.do("SPOP", "s", 6)) {
		want = append(want, "SREM s "+x)
	}
	h.expect("SPOP 6 of 7", append(want, "EXEC")...)
	if n := h.do("SCARD", "s").(int64); n != 1 {
		t.Fatalf("SCARD after SPOP = %d", n)
	}
	h.do("SPOP", "s", 0)
	h.expect("SPOP 0")
	h.do("SPOP", "s", 5)
	h.expect("SPOP whole set", "DEL s")
	h.do("SPOP", "s")
	h.do("SPOP", "s", 3)
	h.expect("SPOP missing")

	h.do("SADD", "one", "x")
	h.do("SPOP", "one")
	h.expect("SPOP last member", "SADD one x", "SREM one x")

	h.do("SADD", "i", 1, 2, 3)
	h.do("SRANDMEMBER", "i")
	h.do("SRANDMEMBER", "i", -5)
	h.do("SMEMBERS", "i")
	h.do("SSCAN", "i", 0)
	h.expect("reads", "SADD i 1 2 3")

	h.do("SMOVE", "i", "j", 1)
	h.do("SMOVE", "i", "j", 9)
	h.expect("SMOVE", "SMOVE i j 1")
	h.do("SREM", "i", 9)
	h.expect("SREM nothing")

	h.do("SINTERSTORE", "d", "i", "j")
	h.expect("SINTERSTORE empty, no dst")
	h.do("SUNIONSTORE", "d", "i", "j")
	h.do("SINTERSTORE", "d", "i", "j")
	h.expect("STORE", "SUNIONSTORE d i j", "SINTERSTORE d i j")
}

// TestSetRandomDistinct checks SPOP and SRANDMEMBER counts return
// distinct members of the set through every pick strategy.
func TestSetRandomDistinct(t *testing.T) {
	h := hsStart(t)
	for _, members := range [][]any{
		{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
		{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t"},
	} {
		for _, count := range []int{1, 2, 5, 7, 10, 15, 19, 20, 30} {
			h.do("DEL", "s")
			h.do(append([]any{"SADD", "s"}, members...)...)
			got := strs(h.do("SRANDMEMBER", "s", count))
			checkDistinct(t, got, min(count, 20))
			popped := strs(h.do("SPOP", "s", count))
			checkDistinct(t, popped, min(count, 20))
			rest := []string{}
			if n := h.do("EXISTS", "s").(int64); n == 1 {
				rest = strs(h.do("SMEMBERS", "s"))
			}
			all := append(popped, rest...)
			sort.Strings(all)
			if len(all) != 20 {
				t.Fatalf("SPOP %d: popped %v and left %v", count, popped, rest)
			}
			checkDistinct(t, all, 20)
		}
	}
}

func checkDistinct(t *testing.T, got []string, n int) {
	t.Helper()
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g] {
			t.Fatalf("duplicate %q in %v", g, got)
		}
		seen[g] = true
	}
	if len(got) != n {
		t.Fatalf("got %d members, want %d: %v", len(got), n, got)
	}
}
