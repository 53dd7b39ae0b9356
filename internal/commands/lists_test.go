package commands

import (
	"math"
	"strconv"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// listHooks records the hook calls list handlers make.
type listHooks struct {
	modified, ready, blocked int
	events                   []string
}

func (h *listHooks) KeyModified(*keyspace.DB, []byte) { h.modified++ }
func (h *listHooks) Notify(_ *keyspace.DB, _ command.NotifyClass, ev string, _ []byte) {
	h.events = append(h.events, ev)
}
func (h *listHooks) KeyReady(*keyspace.DB, []byte) { h.ready++ }
func (h *listHooks) Block(*command.Ctx, [][]byte, int64, command.TimeoutReply) {
	h.blocked++
}

// listRig runs list handlers directly on a keyspace, without a server.
type listRig struct {
	t     testing.TB
	table *command.Table
	ctx   command.Ctx
	hooks listHooks
	args  [][]byte
}

func newListRig(t testing.TB) *listRig {
	r := &listRig{t: t, table: command.NewTable()}
	registerLists(r.table)
	ks := keyspace.New(16)
	ks.SetNow(1_700_000_000_000)
	r.ctx = command.Ctx{
		W:        resp.NewWriter(2),
		DB:       ks.DB(0),
		KS:       ks,
		Hooks:    &r.hooks,
		Settings: &command.Settings{Limits: types.DefaultLimits()},
	}
	return r
}

// run executes one command and returns its raw reply.
func (r *listRig) run(args ...string) string {
	r.args = r.args[:0]
	for _, a := range args {
		r.args = append(r.args, []byte(a))
	}
	return r.exec(r.args)
}

func (r *listRig) exec(args [][]byte) string {
	r.execRaw(args)
	return string(r.ctx.W.Bytes())
}

// execRaw runs a command leaving its reply in the writer.
func (r *listRig) execRaw(args [][]byte) {
	cmd := r.table.Lookup(args)
	if cmd == nil {
		r.t.Fatalf("unknown command %q", args[0])
	}
	r.ctx.W.Reset()
	r.ctx.Reset(args, cmd)
	cmd.Handler(&r.ctx)
	r.ctx.KS.Settle()
}

func TestLongDoubleMillis(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"1", 1000}, {"0.5", 500}, {"1.5", 1500}, {"0.0001", 1}, {"1e-300", 1},
		{"0.001", 1}, {"0.0015", 2}, {"-0", 0}, {"-0.0009", 0}, {"-0.001", 0}, {"-0.0011", -1},
		{"-1.5", -1500}, {"0x1p-1", 500}, {"9.2233720368547e15", 9223372036854700000},
		{"9.3e15", math.MinInt64}, {"1e30", math.MinInt64}, {"inf", math.MinInt64},
		{"-inf", math.MinInt64},
	} {
		f, ok := parseLongDouble([]byte(tc.in))
		if !ok {
			t.Fatalf("parse %q failed", tc.in)
		}
		if got := longDoubleMillis(f); got != tc.want {
			t.Errorf("longDoubleMillis(%s) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestBlockTimeout(t *testing.T) {
	r := newListRig(t)
	now := r.ctx.Now()
	for _, tc := range []struct {
		in       string
		deadline int64
		err      string
	}{
		{"0", 0, ""}, {"0.0", 0, ""}, {"-0.0001", 0, ""}, {"2", now + 2000, ""},
		{"0.25", now + 250, ""}, {"1e-9", now + 1, ""},
		// Adding the clock would overflow: Redis's deadline wraps and never fires.
		{"9223372036854775", 0, ""},
		{"x", 0, errTimeoutNotFloat}, {"nan", 0, errTimeoutNotFloat}, {"", 0, errTimeoutNotFloat},
		{"-1", 0, errTimeoutNegative}, {"inf", 0, errTimeoutNegative},
		{"9223372036854775807", 0, errTimeoutNegative},
	} {
		r.ctx.W.Reset()
		r.ctx.Args = [][]byte{[]byte(tc.in)}
		d, ok := blockTimeout(&r.ctx, 0)
		reply := string(r.ctx.W.Bytes())
		if tc.err != "" {
			if ok || reply != "-"+tc.err+"\r\n" {
				t.Errorf("%q: ok=%v reply %q, want error %q", tc.in, ok, reply, tc.err)
			}
			continue
		}
		if !ok || d != tc.deadline {
			t.Errorf("%q: deadline %d ok=%v (reply %q), want %d", tc.in, d, ok, reply, tc.deadline)
		}
	}
}

// TestListHooks checks the bookkeeping handlers do beyond the reply.
func TestListHooks(t *testing.T) {
	r := newListRig(t)
	r.run("RPUSH", "l", "a", "b")
	if r.hooks.ready != 1 || r.hooks.modified != 1 || r.ctx.Changes() != 2 {
		t.Fatalf("RPUSH: ready=%d modified=%d dirty=%d", r.hooks.ready, r.hooks.modified, r.ctx.Changes())
	}
	r.hooks = listHooks{}
	if got := r.run("BLPOP", "missing", "0"); got != "" || r.hooks.blocked != 1 {
		t.Fatalf("BLPOP on a missing key replied %q, blocked %d", got, r.hooks.blocked)
	}
	r.ctx.InMulti = true
	if got := r.run("BLMOVE", "missing", "l", "LEFT", "LEFT", "0"); got != "$-1\r\n" {
		t.Fatalf("BLMOVE in MULTI = %q", got)
	}
	r.ctx.InMulti = false
	// Re-executed after a wake-up, a key of another type is skipped.
	str := r.ctx.DB.Add([]byte("s"))
	str.SetString([]byte("v"))
	r.hooks = listHooks{}
	r.ctx.W.Reset()
	args := [][]byte{[]byte("BLPOP"), []byte("s"), []byte("0")}
	r.ctx.Reset(args, r.table.Lookup(args))
	r.ctx.Reexec = true
	cmdBLPop(&r.ctx)
	if got := string(r.ctx.W.Bytes()); got != "" || r.hooks.blocked != 1 {
		t.Fatalf("re-executed BLPOP on a string replied %q, blocked %d", got, r.hooks.blocked)
	}
	r.hooks = listHooks{}
	r.run("LMOVE", "l", "l", "LEFT", "RIGHT")
	want := []string{"rpush", "lpop"}
	if len(r.hooks.events) != 2 || r.hooks.events[0] != want[0] || r.hooks.events[1] != want[1] {
		t.Fatalf("LMOVE events %v, want %v", r.hooks.events, want)
	}
	if got := r.run("LRANGE", "l", "0", "-1"); got != "*2\r\n$1\r\nb\r\n$1\r\na\r\n" {
		t.Fatalf("after rotation %q", got)
	}
}

// TestListAllocations keeps the hot paths free of allocations.
func TestListAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	r := newListRig(t)
	push := [][]byte{[]byte("RPUSH"), []byte("q"), []byte("value-1"), []byte("value-2")}
	pop := [][]byte{[]byte("LPOP"), []byte("q")}
	rng := [][]byte{[]byte("LRANGE"), []byte("q"), []byte("0"), []byte("10")}
	idx := [][]byte{[]byte("LINDEX"), []byte("q"), []byte("0")}
	for i := 0; i < 100; i++ {
		r.execRaw(push)
	}
	for _, tc := range []struct {
		name string
		args [][]byte
	}{{"RPUSH+LPOP", nil}, {"LRANGE", rng}, {"LINDEX", idx}} {
		n := testing.AllocsPerRun(200, func() {
			if tc.args == nil {
				r.execRaw(push)
				r.execRaw(pop)
				r.execRaw(pop)
				return
			}
			r.execRaw(tc.args)
		})
		if n > 0 {
			t.Errorf("%s: %.1f allocations per run", tc.name, n)
		}
	}
}

func BenchmarkListPushPop(b *testing.B) {
	r := newListRig(b)
	push := [][]byte{[]byte("LPUSH"), []byte("q"), []byte("payload-0123456789")}
	pop := [][]byte{[]byte("RPOP"), []byte("q")}
	for i := 0; i < 1000; i++ {
		r.execRaw(push)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.execRaw(push)
		r.execRaw(pop)
	}
}

func BenchmarkListRange100(b *testing.B) {
	r := newListRig(b)
	for i := 0; i < 1000; i++ {
		r.run("RPUSH", "q", "element-"+strconv.Itoa(i))
	}
	args := [][]byte{[]byte("LRANGE"), []byte("q"), []byte("100"), []byte("199")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.execRaw(args)
	}
}
