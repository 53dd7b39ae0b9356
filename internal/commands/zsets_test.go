package commands

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// The expected values follow redis-server 7.0.15: a timeout is parsed as
// a long double, multiplied by 1000 and rounded up (0.0001 times out at
// once; -0.001 and -0.0009 block forever, -0.0015 is negative).
func TestZTimeoutMs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ms   int64
		isOK bool
	}{
		{"0", 0, true},
		{"1", 1000, true},
		{"1.5", 1500, true},
		{"0.0001", 1, true},
		{"0.0009", 1, true},
		{"-0.001", 0, true},
		{"-1e-3", 0, true},
		{"-0.0009", 0, true},
		{"-0.002", -1, true},
		{"-0.0015", -1, true},
		{"-0.01", -10, true},
		{"-1", -1000, true},
		{"inf", math.MinInt64, true},
		{"-inf", math.MinInt64, true},
		{"1e300", math.MinInt64, true},
		{"9223372036854775807", math.MinInt64, true},
		{"9223372036854775", 9223372036854775000, true},
		{"0x10p-100", 1, true},
		{"", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"nan", 0, false},
		{"1e-5000", 0, false},
		{"1e-4940", 1, true},
		{"-1e-4940", 0, true},
		{"0.001", 1, true},
		{"0.0015", 2, true},
		{"2.5e-3", 3, true},
		{"x", 0, false},
	} {
		ms, ok := zTimeoutMs([]byte(tc.in))
		if ok != tc.isOK || ok && ms != tc.ms {
			t.Errorf("zTimeoutMs(%q) = %d, %v; want %d, %v", tc.in, ms, ok, tc.ms, tc.isOK)
		}
	}
}

// zHooks records the hook calls sorted set handlers make.
type zHooks struct {
	modified, ready, blocked int
	events                   []string
}

func (h *zHooks) KeyModified(*keyspace.DB, []byte) { h.modified++ }
func (h *zHooks) Notify(_ *keyspace.DB, _ command.NotifyClass, ev string, _ []byte) {
	h.events = append(h.events, ev)
}
func (h *zHooks) KeyReady(*keyspace.DB, []byte) { h.ready++ }
func (h *zHooks) Block(*command.Ctx, [][]byte, int64, command.TimeoutReply) {
	h.blocked++
}

// zRig runs sorted set handlers directly on a keyspace, without a server.
type zRig struct {
	t     testing.TB
	table *command.Table
	ctx   command.Ctx
	hooks zHooks
	args  [][]byte
}

func newZRig(t testing.TB) *zRig {
	r := &zRig{t: t, table: command.NewTable()}
	registerZSets(r.table)
	registerStrings(r.table)
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
func (r *zRig) run(args ...string) string {
	r.args = r.args[:0]
	for _, a := range args {
		r.args = append(r.args, []byte(a))
	}
	r.exec(r.args)
	return string(r.ctx.W.Bytes())
}

func (r *zRig) exec(args [][]byte) {
	cmd := r.table.Lookup(args)
	if cmd == nil {
		r.t.Fatalf("unknown command %q", args[0])
	}
	r.ctx.W.Reset()
	r.ctx.Reset(args, cmd)
	cmd.Handler(&r.ctx)
	r.ctx.KS.Settle()
}

// propagated renders what the last command asked to propagate ("" when
// it left it to the server: the command itself if it changed something).
func (r *zRig) propagated() string {
	props, override := r.ctx.Propagation()
	if !override {
		return ""
	}
	var parts []string
	for _, p := range props {
		var words []string
		for _, a := range p {
			words = append(words, string(a))
		}
		parts = append(parts, strings.Join(words, " "))
	}
	return strings.Join(parts, "; ")
}

func TestZSetHooks(t *testing.T) {
	r := newZRig(t)
	for _, tc := range []struct {
		cmd                 []string
		modified, ready     int
		dirty               int64
		events, propagation string
	}{
		{[]string{"ZADD", "z", "1", "a", "2", "b"}, 1, 1, 2, "zadd", ""},
		{[]string{"ZADD", "z", "1", "a"}, 0, 0, 0, "", ""},
		{[]string{"ZADD", "z", "CH", "5", "a", "3", "c"}, 1, 0, 2, "zadd", ""},
		{[]string{"ZADD", "z", "XX", "1", "nope"}, 0, 0, 0, "", ""},
		{[]string{"ZINCRBY", "z", "1", "a"}, 1, 0, 1, "zincr", ""},
		{[]string{"ZINCRBY", "z", "0", "a"}, 0, 0, 0, "", ""},
		{[]string{"ZADD", "z", "INCR", "NX", "1", "a"}, 0, 0, 0, "", ""},
		{[]string{"ZREM", "z", "nope"}, 0, 0, 0, "", ""},
		{[]string{"ZREM", "z", "b"}, 1, 0, 1, "zrem", ""},
		{[]string{"ZPOPMIN", "z", "0"}, 0, 0, 0, "", ""},
		{[]string{"ZPOPMIN", "z"}, 1, 0, 1, "zpopmin", ""},
		{[]string{"ZMPOP", "1", "z", "MAX", "COUNT", "9"}, 1, 0, 1, "zpopmax del", "ZPOPMAX z 1"},
		{[]string{"ZMPOP", "1", "z", "MAX"}, 0, 0, 0, "", ""},
		{[]string{"ZADD", "z", "1", "a", "2", "b", "3", "c"}, 1, 1, 3, "zadd", ""},
		{[]string{"BZPOPMAX", "none", "z", "0"}, 1, 0, 1, "zpopmax", "ZPOPMAX z"},
		{[]string{"BZMPOP", "0", "1", "z", "MIN", "COUNT", "5"}, 1, 0, 2, "zpopmin del", "ZPOPMIN z 2"},
		{[]string{"ZADD", "s", "1", "a", "2", "b"}, 1, 1, 2, "zadd", ""},
		{[]string{"ZRANGESTORE", "d", "s", "0", "0"}, 1, 1, 1, "zrangestore", ""},
		{[]string{"ZUNIONSTORE", "d", "1", "s"}, 1, 0, 1, "zunionstore", ""},
		{[]string{"ZINTERSTORE", "d", "2", "s", "none"}, 1, 0, 1, "del", ""},
		{[]string{"ZINTERSTORE", "d", "2", "s", "none"}, 0, 0, 0, "", ""},
		{[]string{"ZREMRANGEBYSCORE", "s", "5", "6"}, 0, 0, 0, "", ""},
		{[]string{"ZREMRANGEBYLEX", "s", "-", "+"}, 1, 0, 2, "zremrangebylex del", ""},
	} {
		r.hooks = zHooks{}
		r.run(tc.cmd...)
		if r.ctx.Blocked() {
			t.Errorf("%v blocked", tc.cmd)
			continue
		}
		if got := strings.Join(r.hooks.events, " "); got != tc.events {
			t.Errorf("%v: events %q, want %q", tc.cmd, got, tc.events)
		}
		if r.hooks.modified != tc.modified || r.hooks.ready != tc.ready || r.ctx.Changes() != tc.dirty {
			t.Errorf("%v: modified %d ready %d dirty %d, want %d %d %d", tc.cmd,
				r.hooks.modified, r.hooks.ready, r.ctx.Changes(), tc.modified, tc.ready, tc.dirty)
		}
		if got := r.propagated(); got != tc.propagation {
			t.Errorf("%v: propagates %q, want %q", tc.cmd, got, tc.propagation)
		}
	}
	// A blocking pop with nothing to serve parks the client (outside
	// MULTI) or answers as on timeout (inside).
	r.hooks = zHooks{}
	if out := r.run("BZPOPMIN", "none", "0"); out != "" || r.hooks.blocked != 1 {
		t.Errorf("BZPOPMIN on nothing: reply %q, blocked %d", out, r.hooks.blocked)
	}
	r.ctx.InMulti = true
	r.hooks = zHooks{}
	if out := r.run("BZMPOP", "0", "1", "none", "MIN"); out != "*-1\r\n" || r.hooks.blocked != 0 {
		t.Errorf("BZMPOP in MULTI: reply %q, blocked %d", out, r.hooks.blocked)
	}
	r.ctx.InMulti = false
}

// TestZSetReexecServesReadyKey: a woken blocking pop serves from the key
// that became ready and stays blocked when that key has nothing for it,
// even if another of its keys has elements.
func TestZSetReexecServesReadyKey(t *testing.T) {
	r := newZRig(t)
	r.run("ZADD", "k1", "1", "a")
	r.run("ZADD", "k2", "2", "b")
	r.run("SET", "k3", "x")
	for _, tc := range []struct {
		ready, want string
		blocked     bool
	}{
		{"k2", "*3\r\n$2\r\nk2\r\n$1\r\nb\r\n$1\r\n2\r\n", false},
		{"k3", "", true},      // another type: stays blocked, no error
		{"missing", "", true}, // deleted again before the client's turn
		{"k1", "*3\r\n$2\r\nk1\r\n$1\r\na\r\n$1\r\n1\r\n", false},
	} {
		args := [][]byte{[]byte("BZPOPMIN"), []byte("k3"), []byte("missing"), []byte("k1"), []byte("k2"), []byte("0")}
		cmd := r.table.Lookup(args)
		r.ctx.W.Reset()
		r.ctx.Reset(args, cmd)
		r.ctx.Reexec, r.ctx.ReadyKey = true, []byte(tc.ready)
		cmd.Handler(&r.ctx)
		r.ctx.KS.Settle()
		if got := string(r.ctx.W.Bytes()); got != tc.want || r.ctx.Blocked() != tc.blocked {
			t.Errorf("ready %s: reply %q blocked %v, want %q %v", tc.ready, got, r.ctx.Blocked(), tc.want, tc.blocked)
		}
	}
}

// TestZSetAllocations keeps the common commands free of per-command
// allocations beyond what the data itself needs.
func TestZSetAllocations(t *testing.T) {
	r := newZRig(t)
	for i := 0; i < 100; i++ {
		r.run("ZADD", "small", strconv.Itoa(i), "m"+strconv.Itoa(i))
		r.run("ZADD", "big", strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	for i := 100; i < 300; i++ {
		r.run("ZADD", "big", strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	for _, tc := range []struct {
		args []string
		max  float64 // all zero today; kept per case for commands that must allocate
	}{
		{[]string{"ZSCORE", "small", "m50"}, 0},
		{[]string{"ZSCORE", "big", "m250"}, 0},
		{[]string{"ZCARD", "big"}, 0},
		{[]string{"ZRANK", "big", "m250"}, 0},
		{[]string{"ZADD", "big", "7", "m7"}, 0},
		{[]string{"ZADD", "small", "7", "m7"}, 0},
		{[]string{"ZINCRBY", "big", "0", "m7"}, 0},
		{[]string{"ZMSCORE", "big", "m1", "m2", "nope"}, 0},
		{[]string{"ZRANGE", "big", "0", "9", "WITHSCORES"}, 0},
		{[]string{"ZRANGE", "small", "-10", "-1", "REV"}, 0},
		{[]string{"ZRANGEBYSCORE", "big", "(10", "+inf", "WITHSCORES", "LIMIT", "5", "10"}, 0},
		{[]string{"ZRANGE", "small", "[m1", "[m2", "BYLEX", "LIMIT", "0", "5"}, 0},
		{[]string{"ZCOUNT", "big", "10", "(200"}, 0},
		{[]string{"ZLEXCOUNT", "small", "[m1", "+"}, 0},
	} {
		args := make([][]byte, len(tc.args))
		for i, a := range tc.args {
			args[i] = []byte(a)
		}
		r.exec(args) // warm up the writer's buffer
		if n := testing.AllocsPerRun(100, func() { r.exec(args) }); n > tc.max {
			t.Errorf("%v: %.1f allocations per run, want at most %v", tc.args, n, tc.max)
		}
	}
}

func benchZ(b *testing.B, setup [][]string, args ...string) {
	r := newZRig(b)
	for _, s := range setup {
		r.run(s...)
	}
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.exec(argv)
	}
}

func zBigSetup(n int) [][]string {
	var setup [][]string
	for i := 0; i < n; i++ {
		setup = append(setup, []string{"ZADD", "z", strconv.Itoa(i), "member:" + strconv.Itoa(i)})
	}
	return setup
}

func BenchmarkZAddUpdateSkiplist(b *testing.B) {
	benchZ(b, zBigSetup(1000), "ZADD", "z", "500.5", "member:500")
}

func BenchmarkZScoreSkiplist(b *testing.B) {
	benchZ(b, zBigSetup(1000), "ZSCORE", "z", "member:500")
}

func BenchmarkZRange10Skiplist(b *testing.B) {
	benchZ(b, zBigSetup(1000), "ZRANGE", "z", "500", "509", "WITHSCORES")
}

func BenchmarkZRangeByScoreLimit(b *testing.B) {
	benchZ(b, zBigSetup(1000), "ZRANGEBYSCORE", "z", "(100", "+inf", "WITHSCORES", "LIMIT", "0", "10")
}

func BenchmarkZRangeListpack(b *testing.B) {
	benchZ(b, zBigSetup(100), "ZRANGE", "z", "0", "-1", "WITHSCORES")
}

func BenchmarkZUnion(b *testing.B) {
	setup := zBigSetup(1000)
	for i := 0; i < 1000; i += 2 {
		setup = append(setup, []string{"ZADD", "z2", strconv.Itoa(i), "member:" + strconv.Itoa(i)})
	}
	benchZ(b, setup, "ZUNION", "2", "z", "z2", "WITHSCORES")
}

func BenchmarkZInterCard(b *testing.B) {
	setup := zBigSetup(1000)
	for i := 0; i < 1000; i += 2 {
		setup = append(setup, []string{"ZADD", "z2", strconv.Itoa(i), "member:" + strconv.Itoa(i)})
	}
	benchZ(b, setup, "ZINTERCARD", "2", "z", "z2")
}

func TestZParseDouble(t *testing.T) {
	for _, tc := range []struct {
		in string
		v  float64
		ok bool
	}{
		{"0", 0, true}, {"-0", 0, true}, {"0.000", 0, true}, {"0e-400", 0, true}, {"0x0p-2000", 0, true},
		{"1e-400", 0, false}, {"-1e-400", 0, false}, {"0x1p-2000", 0, false}, {"0.0001e-400", 0, false},
		{"1e-310", 1e-310, true}, {"1.5", 1.5, true}, {"+5", 5, true}, {".5", .5, true}, {"5.", 5, true},
		{"0x10", 16, true}, {"0X1P-3", 0.125, true},
		{"inf", math.Inf(1), true}, {"-INF", math.Inf(-1), true}, {"+Infinity", math.Inf(1), true},
		{"1e400", 0, false}, {"-1e400", 0, false}, {"infinit", 0, false},
		{"nan", 0, false}, {"", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1_0", 0, false},
		{"1\x00", 0, false}, {"0b1", 0, false}, {"abc", 0, false},
	} {
		v, ok := zParseDouble([]byte(tc.in))
		if ok != tc.ok || ok && v != tc.v {
			t.Errorf("zParseDouble(%q) = %v, %v; want %v, %v", tc.in, v, ok, tc.v, tc.ok)
		}
	}
	if n := testing.AllocsPerRun(100, func() { zParseDouble([]byte("0")) }); n != 0 {
		t.Errorf("zParseDouble(\"0\") allocates %.0f times", n)
	}
}
