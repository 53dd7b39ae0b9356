package commands

import (
	"strconv"
	"strings"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// Handler-level tests of the stream commands: what they ask of the
// server (propagation, blocking, readiness) and their allocations. The
// replies themselves are checked against redis-server by the difftest
// files streams*.txt.

type streamHooks struct {
	quiet   bool // benchmarks: record nothing
	ready   []string
	blocked [][]string
	events  []string
}

func (h *streamHooks) KeyModified(*keyspace.DB, []byte) {}
func (h *streamHooks) Notify(_ *keyspace.DB, _ command.NotifyClass, event string, key []byte) {
	if !h.quiet {
		h.events = append(h.events, event+" "+string(key))
	}
}
func (h *streamHooks) KeyReady(_ *keyspace.DB, key []byte) {
	if !h.quiet {
		h.ready = append(h.ready, string(key))
	}
}
func (h *streamHooks) Block(c *command.Ctx, keys [][]byte, _ int64, _ command.TimeoutReply) {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = string(a)
	}
	h.blocked = append(h.blocked, args)
}

type streamClient struct{}

func (streamClient) ID() int64                { return 1 }
func (streamClient) Proto() int               { return 2 }
func (streamClient) SelectDB(db *keyspace.DB) {}

type streamEnv struct {
	// reexec makes the next command run as a blocked command woken up.
	reexec bool
	t      *command.Table
	ks     *keyspace.Keyspace
	hooks  *streamHooks
	ctx    command.Ctx
	w      *resp.Writer
}

func newStreamEnv() *streamEnv {
	e := &streamEnv{t: command.NewTable(), ks: keyspace.New(1), hooks: &streamHooks{}, w: resp.NewWriter(2)}
	registerStreams(e.t)
	e.ctx = command.Ctx{
		W: e.w, DB: e.ks.DB(0), KS: e.ks, Client: streamClient{}, Hooks: e.hooks,
		Settings: &command.Settings{
			Limits:     types.DefaultLimits(),
			StreamNode: types.StreamNodeLimits{MaxBytes: types.StreamDefaultNodeMaxBytes, MaxEntries: types.StreamDefaultNodeMaxEntries},
		},
	}
	return e
}

// exec runs one command, leaving its reply in e.w.
func (e *streamEnv) exec(args [][]byte) {
	cmd := e.t.Lookup(args)
	e.w.Reset()
	e.ctx.Reset(args, cmd)
	e.ctx.Reexec, e.reexec = e.reexec, false
	cmd.Handler(&e.ctx)
}

// run executes one command and returns its reply and what it propagated
// (nil when it propagates itself as sent, or nothing).
func (e *streamEnv) run(args ...string) (string, []string) {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	return e.runBytes(b)
}

func (e *streamEnv) runBytes(args [][]byte) (string, []string) {
	e.exec(args)
	props, override := e.ctx.Propagation()
	var out []string
	if override {
		out = []string{}
		for _, p := range props {
			parts := make([]string, len(p))
			for i, a := range p {
				parts[i] = string(a)
			}
			out = append(out, strings.Join(parts, " "))
		}
	}
	return string(e.w.Bytes()), out
}

func TestXAddPropagatesGeneratedID(t *testing.T) {
	e := newStreamEnv()
	e.ks.SetNow(1700000000000)
	reply, prop := e.run("XADD", "s", "*", "f", "v")
	if reply != "$15\r\n1700000000000-0\r\n" || len(prop) != 1 || prop[0] != "XADD s 1700000000000-0 f v" {
		t.Fatalf("XADD * = %q, propagated %q", reply, prop)
	}
	_, prop = e.run("XADD", "s", "1700000000000-*", "f", "v")
	if len(prop) != 1 || prop[0] != "XADD s 1700000000000-1 f v" {
		t.Fatalf("XADD ms-* propagated %q", prop)
	}
	if _, prop = e.run("XADD", "s", "1700000000001-0", "f", "v"); prop != nil {
		t.Fatalf("XADD with an explicit ID propagated %q, want itself", prop)
	}
	_, prop = e.run("XADD", "s", "MAXLEN", "~", "2", "*", "f", "v")
	if len(prop) != 1 || prop[0] != "XADD s MAXLEN = 4 1700000000001-1 f v" {
		t.Fatalf("XADD MAXLEN ~ propagated %q", prop)
	}
	if len(e.hooks.ready) != 4 || e.hooks.ready[0] != "s" {
		t.Fatalf("ready keys %q, want s signalled by every XADD", e.hooks.ready)
	}
}

func TestXReadPinsDollarWhenBlocking(t *testing.T) {
	e := newStreamEnv()
	e.run("XADD", "a", "5-5", "f", "v")
	reply, _ := e.run("XREAD", "BLOCK", "0", "STREAMS", "a", "b", "c", "$", "$", "7-7")
	if reply != "" || len(e.hooks.blocked) != 1 {
		t.Fatalf("XREAD BLOCK replied %q, blocked %v", reply, e.hooks.blocked)
	}
	want := "XREAD BLOCK 0 STREAMS a b c 5-5 0-0 7-7"
	if got := strings.Join(e.hooks.blocked[0], " "); got != want {
		t.Fatalf("blocked with %q, want %q", got, want)
	}
	// In MULTI the same read answers as if it timed out.
	e.ctx.InMulti = true
	reply, _ = e.run("XREAD", "BLOCK", "0", "STREAMS", "a", "$")
	e.ctx.InMulti = false
	if reply != "*-1\r\n" || len(e.hooks.blocked) != 1 {
		t.Fatalf("XREAD BLOCK in MULTI = %q", reply)
	}
}

func TestXReadServesBlockedClient(t *testing.T) {
	e := newStreamEnv()
	e.run("XADD", "a", "1-1", "f", "v")
	e.run("XGROUP", "CREATE", "a", "g", "$")
	// A re-run serves the first key whose last ID moved, even if its new
	// entries were deleted since (Redis replies an empty list then).
	e.run("XADD", "a", "2-1", "f", "v")
	e.run("XDEL", "a", "2-1")
	e.reexec = true
	reply, _ := e.run("XREAD", "BLOCK", "0", "STREAMS", "a", "1-1")
	if reply != "*1\r\n*2\r\n$1\r\na\r\n*0\r\n" {
		t.Fatalf("woken XREAD = %q", reply)
	}
	e.reexec = true
	reply, prop := e.run("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "a", ">")
	if reply != "*1\r\n*2\r\n$1\r\na\r\n*0\r\n" || len(prop) != 0 {
		t.Fatalf("woken XREADGROUP = %q, propagated %q", reply, prop)
	}
	e.run("XGROUP", "DESTROY", "a", "g")
	e.reexec = true
	reply, _ = e.run("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "a", ">")
	if reply != "-NOGROUP the consumer group this client was blocked on no longer exists\r\n" {
		t.Fatalf("woken XREADGROUP without its group = %q", reply)
	}
	e.reexec = true
	reply, _ = e.run("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "missing", ">")
	if reply != "-UNBLOCKED the stream key no longer exists\r\n" {
		t.Fatalf("woken XREADGROUP without its stream = %q", reply)
	}
	// Nothing new: the client stays blocked.
	before := len(e.hooks.blocked)
	e.reexec = true
	reply, _ = e.run("XREAD", "BLOCK", "0", "STREAMS", "a", "9-9")
	if reply != "" || len(e.hooks.blocked) != before+1 {
		t.Fatalf("XREAD re-run with nothing new = %q", reply)
	}
}

func TestStreamErrorsAsCStrings(t *testing.T) {
	e := newStreamEnv()
	reply, _ := e.runBytes([][]byte{[]byte("XPENDING"), []byte("k\x00ey"), []byte("g\r\nx")})
	if reply != "-NOGROUP No such key 'k' or consumer group 'g  x'\r\n" {
		t.Fatalf("reply = %q", reply)
	}
}

// BenchmarkXAdd measures the common write: XADD with a generated ID.
func BenchmarkXAdd(b *testing.B) {
	e := newStreamEnv()
	args := [][]byte{[]byte("XADD"), []byte("s"), []byte("*"), []byte("field"), []byte("value")}
	e.hooks.quiet = true
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e.exec(args)
	}
}

// BenchmarkXAddCapped is XADD with approximate trimming, as capped
// streams use it.
func BenchmarkXAddCapped(b *testing.B) {
	e := newStreamEnv()
	args := [][]byte{[]byte("XADD"), []byte("s"), []byte("MAXLEN"), []byte("~"), []byte("1000"), []byte("*"), []byte("field"), []byte("value")}
	e.hooks.quiet = true
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e.exec(args)
	}
}

func BenchmarkXRange10(b *testing.B) {
	e := newStreamEnv()
	for i := 1; i <= 1000; i++ {
		e.run("XADD", "s", strconv.Itoa(i)+"-1", "field", "value")
	}
	args := [][]byte{[]byte("XRANGE"), []byte("s"), []byte("500"), []byte("+"), []byte("COUNT"), []byte("10")}
	e.hooks.quiet = true
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e.exec(args)
	}
}

// BenchmarkXReadGroupAck is a consumer loop: read one new entry, ack it.
func BenchmarkXReadGroupAck(b *testing.B) {
	e := newStreamEnv()
	e.run("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
	for i := 1; i <= b.N; i++ {
		e.run("XADD", "s", strconv.Itoa(i)+"-1", "field", "value")
	}
	read := [][]byte{[]byte("XREADGROUP"), []byte("GROUP"), []byte("g"), []byte("worker"), []byte("COUNT"), []byte("1"), []byte("STREAMS"), []byte("s"), []byte(">")}
	ack := [][]byte{[]byte("XACK"), []byte("s"), []byte("g"), nil}
	var idBuf [64]byte
	e.hooks.quiet = true
	b.ReportAllocs()
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		e.exec(read)
		ack[3] = append(strconv.AppendInt(idBuf[:0], int64(i), 10), "-1"...)
		e.exec(ack)
	}
}
