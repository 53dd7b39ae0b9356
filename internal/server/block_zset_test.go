package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// Blocking sorted set pops (BZPOPMIN, BZPOPMAX, BZMPOP) under
// concurrency, over raw TCP connections: FIFO service, timeouts, MULTI,
// clean-up after a blocked client goes away, many producers against many
// blocked consumers, and what is propagated compared with redis-server's
// AOF. The helpers are prefixed with z: other files of this package have
// their own.

// zconn is a minimal RESP2 client. Replies decode to string (simple and
// bulk strings), int64, nil (null bulk or array), []any, or zerr.
type zconn struct {
	t  testing.TB
	c  net.Conn
	rd *bufio.Reader
}

type zerr string

func zdial(t testing.TB, addr string) *zconn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &zconn{t: t, c: c, rd: bufio.NewReader(c)}
}

// send writes one command without reading its reply.
func (z *zconn) send(args ...string) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := z.c.Write(b.Bytes()); err != nil {
		z.t.Errorf("write %v: %v", args, err)
	}
}

// recv reads one reply, failing the test when none comes within wait.
func (z *zconn) recv(wait time.Duration) any {
	z.c.SetReadDeadline(time.Now().Add(wait))
	v, err := z.read()
	if err != nil {
		z.t.Errorf("read: %v", err)
		return nil
	}
	return v
}

func (z *zconn) do(args ...string) any {
	z.send(args...)
	return z.recv(5 * time.Second)
}

func (z *zconn) read() (any, error) {
	line, err := z.rd.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("bad line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return zerr(body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(z.rd, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		arr := make([]any, n)
		for i := range arr {
			if arr[i], err = z.read(); err != nil {
				return nil, err
			}
		}
		return arr, nil
	}
	return nil, fmt.Errorf("unknown reply type %q", line)
}

// zBlockedClients reads blocked_clients from INFO clients.
func zBlockedClients(t testing.TB, admin *zconn) int {
	t.Helper()
	info, _ := admin.do("INFO", "clients").(string)
	for _, ln := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(ln, "blocked_clients:"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	t.Fatalf("no blocked_clients in INFO clients: %q", info)
	return 0
}

// zWaitBlocked waits until exactly n clients are blocked.
func zWaitBlocked(t testing.TB, admin *zconn, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := zBlockedClients(t, admin)
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("blocked_clients = %d, want %d", got, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestZSetBlockingFIFO(t *testing.T) {
	_, addr := servertest.Start(t)
	admin := zdial(t, addr)
	const n = 6
	clients := make([]*zconn, n)
	for i := range clients {
		clients[i] = zdial(t, addr)
		if i%2 == 0 {
			clients[i].send("BZPOPMIN", "fk", "other", "0")
		} else {
			clients[i].send("BZMPOP", "0", "2", "other", "fk", "MIN")
		}
		zWaitBlocked(t, admin, i+1) // fixes the order in which they block
	}
	if got := admin.do("ZADD", "fk", "6", "f", "5", "e", "4", "d", "3", "c", "2", "b", "1", "a"); got != int64(6) {
		t.Fatalf("ZADD = %v", got)
	}
	for i, c := range clients {
		m := string(rune('a' + i))
		score := strconv.Itoa(i + 1)
		want := any([]any{"fk", m, score})
		if i%2 == 1 {
			want = []any{"fk", []any{[]any{m, score}}}
		}
		if got := c.recv(5 * time.Second); !reflect.DeepEqual(got, want) {
			t.Errorf("client %d got %#v, want %#v", i, got, want)
		}
	}
	zWaitBlocked(t, admin, 0)
	if got := admin.do("EXISTS", "fk"); got != int64(0) {
		t.Errorf("EXISTS fk = %v after every element was served", got)
	}

	// The first waiter takes as many as its COUNT allows; the next gets
	// what is left, the third waits for the next write.
	c1, c2, c3 := clients[0], clients[1], clients[2]
	c1.send("BZMPOP", "0", "1", "fk", "MAX", "COUNT", "2")
	zWaitBlocked(t, admin, 1)
	c2.send("BZPOPMAX", "fk", "0")
	zWaitBlocked(t, admin, 2)
	c3.send("BZPOPMIN", "fk", "0")
	zWaitBlocked(t, admin, 3)
	admin.do("ZADD", "fk", "1", "x", "2", "y", "3", "z")
	if got, want := c1.recv(5*time.Second), []any{"fk", []any{[]any{"z", "3"}, []any{"y", "2"}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("c1 got %#v, want %#v", got, want)
	}
	if got, want := c2.recv(5*time.Second), []any{"fk", "x", "1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("c2 got %#v, want %#v", got, want)
	}
	zWaitBlocked(t, admin, 1)
	admin.do("ZADD", "fk", "9", "late")
	if got, want := c3.recv(5*time.Second), []any{"fk", "late", "9"}; !reflect.DeepEqual(got, want) {
		t.Errorf("c3 got %#v, want %#v", got, want)
	}
	zWaitBlocked(t, admin, 0)
}

func TestZSetBlockingTimeouts(t *testing.T) {
	srv, addr := servertest.Start(t)
	rec := &zRecorder{}
	srv.AddPropagator(rec)
	admin := zdial(t, addr)

	// Many clients with different timeouts, all at once.
	timeouts := []string{"0.05", "0.1", "0.15", "0.2", "0.25", "0.3"}
	var wg sync.WaitGroup
	for i, to := range timeouts {
		wg.Add(1)
		go func(i int, to string) {
			defer wg.Done()
			c := zdial(t, addr)
			start := time.Now()
			var got any
			if i%2 == 0 {
				got = c.do("BZPOPMIN", "none", "none2", to)
			} else {
				got = c.do("BZMPOP", to, "1", "none", "MAX", "COUNT", "3")
			}
			elapsed := time.Since(start)
			want, _ := strconv.ParseFloat(to, 64)
			if got != nil {
				t.Errorf("timeout %s: got %#v, want a null array", to, got)
			}
			if elapsed < time.Duration(want*float64(time.Second))-5*time.Millisecond || elapsed > 3*time.Second {
				t.Errorf("timeout %s took %v", to, elapsed)
			}
			// The connection serves further commands normally.
			if got := c.do("PING"); got != "PONG" {
				t.Errorf("PING after timeout = %#v", got)
			}
		}(i, to)
	}
	wg.Wait()
	zWaitBlocked(t, admin, 0)

	// A tiny timeout rounds up to a millisecond rather than to "forever".
	c := zdial(t, addr)
	if got := c.do("BZPOPMIN", "none", "0.0001"); got != nil {
		t.Errorf("BZPOPMIN 0.0001 = %#v", got)
	}
	// Errors do not block.
	for _, args := range [][]string{
		{"BZPOPMIN", "none", "-1"}, {"BZPOPMIN", "none", "abc"}, {"BZPOPMIN", "none", "inf"},
		{"BZMPOP", "-0.5", "1", "none", "MIN"}, {"BZMPOP", "0", "0", "none", "MIN"},
	} {
		if _, ok := c.do(args...).(zerr); !ok {
			t.Errorf("%v did not fail", args)
		}
	}
	if cmds := rec.take(); len(cmds) != 0 {
		t.Errorf("timeouts and errors propagated %q", cmds)
	}
}

func TestZSetBlockingInMulti(t *testing.T) {
	_, addr := servertest.Start(t)
	c := zdial(t, addr)
	c.do("MULTI")
	c.do("BZPOPMIN", "none", "0")
	c.do("BZMPOP", "0", "1", "none", "MAX")
	c.do("ZADD", "k", "1", "a")
	c.do("BZPOPMAX", "none", "k", "0")
	start := time.Now()
	got := c.do("EXEC")
	want := []any{nil, nil, int64(1), []any{"k", "a", "1"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("EXEC = %#v, want %#v", got, want)
	}
	if time.Since(start) > time.Second {
		t.Errorf("EXEC blocked")
	}
}

func TestZSetBlockingDisconnect(t *testing.T) {
	_, addr := servertest.Start(t)
	admin := zdial(t, addr)
	gone := zdial(t, addr)
	gone.send("BZPOPMIN", "dk", "0")
	stays := zdial(t, addr)
	zWaitBlocked(t, admin, 1)
	gone.c.Close()
	zWaitBlocked(t, admin, 0)
	stays.send("BZMPOP", "0", "1", "dk", "MIN", "COUNT", "5")
	zWaitBlocked(t, admin, 1)
	admin.do("ZADD", "dk", "1", "a", "2", "b")
	if got, want := stays.recv(5*time.Second), []any{"dk", []any{[]any{"a", "1"}, []any{"b", "2"}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	// A client that disconnects never consumes anything.
	gone2 := zdial(t, addr)
	gone2.send("BZPOPMAX", "dk2", "0")
	zWaitBlocked(t, admin, 1)
	gone2.c.Close()
	zWaitBlocked(t, admin, 0)
	admin.do("ZADD", "dk2", "1", "a")
	if got := admin.do("ZCARD", "dk2"); got != int64(1) {
		t.Errorf("ZCARD dk2 = %v after the blocked client left", got)
	}
}

// TestZSetBlockingWrongTypeWhileBlocked: a key that turns into another
// type does not answer a blocked client (nor fail it); it is served once
// the key holds a sorted set again.
func TestZSetBlockingWrongTypeWhileBlocked(t *testing.T) {
	_, addr := servertest.Start(t)
	admin := zdial(t, addr)
	c := zdial(t, addr)
	c.send("BZPOPMIN", "wt", "0")
	zWaitBlocked(t, admin, 1)
	admin.do("SET", "wt", "string")
	admin.do("DEL", "wt")
	admin.do("SADD", "wt", "member")
	admin.do("DEL", "wt")
	zWaitBlocked(t, admin, 1)
	admin.do("ZADD", "wt", "5", "m")
	if got, want := c.recv(5*time.Second), []any{"wt", "m", "5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// TestZSetBlockingStress runs producers and blocked consumers against two
// keys at once: every element must be delivered exactly once.
func TestZSetBlockingStress(t *testing.T) {
	_, addr := servertest.Start(t)
	admin := zdial(t, addr)
	const producers, perProducer, consumers = 4, 250, 6
	total := producers * perProducer

	var mu sync.Mutex
	seen := map[string]int{}
	done := make(chan struct{})
	var cwg sync.WaitGroup
	for i := 0; i < consumers; i++ {
		cwg.Add(1)
		go func(i int) {
			defer cwg.Done()
			c := zdial(t, addr)
			for {
				select {
				case <-done:
					return
				default:
				}
				var got []string
				switch i % 3 {
				case 0:
					if r, ok := c.do("BZPOPMIN", "q1", "q2", "0.05").([]any); ok {
						got = append(got, r[1].(string))
					}
				case 1:
					if r, ok := c.do("BZPOPMAX", "q2", "q1", "0.05").([]any); ok {
						got = append(got, r[1].(string))
					}
				default:
					if r, ok := c.do("BZMPOP", "0.05", "2", "q1", "q2", "MIN", "COUNT", "3").([]any); ok {
						for _, p := range r[1].([]any) {
							got = append(got, p.([]any)[0].(string))
						}
					}
				}
				if len(got) > 0 {
					mu.Lock()
					for _, m := range got {
						seen[m]++
					}
					mu.Unlock()
				}
			}
		}(i)
	}
	var pwg sync.WaitGroup
	for p := 0; p < producers; p++ {
		pwg.Add(1)
		go func(p int) {
			defer pwg.Done()
			c := zdial(t, addr)
			for j := 0; j < perProducer; j++ {
				key := "q1"
				if j%2 == 1 {
					key = "q2"
				}
				m := fmt.Sprintf("p%d-%d", p, j)
				if got := c.do("ZADD", key, strconv.Itoa(j), m); got != int64(1) {
					t.Errorf("ZADD %s = %#v", m, got)
				}
			}
		}(p)
	}
	pwg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == total || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(done)
	cwg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != total {
		t.Errorf("consumed %d distinct members, want %d", len(seen), total)
	}
	for m, n := range seen {
		if n != 1 {
			t.Errorf("member %s delivered %d times", m, n)
		}
	}
	if got := admin.do("EXISTS", "q1", "q2"); got != int64(0) {
		t.Errorf("keys left behind: %v", got)
	}
	zWaitBlocked(t, admin, 0)
}

// zRecorder captures what the server propagates.
type zRecorder struct {
	mu   sync.Mutex
	cmds [][]string
}

func (r *zRecorder) Feed(db int, args [][]byte) {
	cmd := make([]string, len(args))
	for i, a := range args {
		cmd[i] = string(a)
	}
	r.mu.Lock()
	r.cmds = append(r.cmds, cmd)
	r.mu.Unlock()
}

func (r *zRecorder) take() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.cmds
	r.cmds = nil
	return out
}

// zRefAOF starts redis-server with an AOF written on every command and
// returns its address and a reader of the commands the AOF holds.
func zRefAOF(t *testing.T) (string, func() [][]string) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "yes", "--appendfsync", "always", "--dir", dir, "--daemonize", "no",
		"--logfile", filepath.Join(dir, "log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "127.0.0.1:" + port
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	read := func() [][]string {
		files, _ := filepath.Glob(filepath.Join(dir, "appendonlydir", "*.incr.aof"))
		if len(files) != 1 {
			t.Fatalf("AOF files: %v", files)
		}
		data, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		r := &zconn{t: t, rd: bufio.NewReader(bytes.NewReader(data))}
		var out [][]string
		for {
			if _, err := r.rd.Peek(1); err != nil {
				return out
			}
			v, err := r.read()
			if err != nil {
				t.Fatalf("AOF: %v", err)
			}
			arr := v.([]any)
			cmd := make([]string, len(arr))
			for i, a := range arr {
				cmd[i] = a.(string)
			}
			out = append(out, cmd)
		}
	}
	return addr, read
}

// TestZSetPropagationMatchesRedis runs one script, including clients that
// block and are served later, on redis-server with an AOF and on our
// server with a recorder, and compares what each propagated (SELECT,
// MULTI and EXEC left out).
func TestZSetPropagationMatchesRedis(t *testing.T) {
	refAddr, readAOF := zRefAOF(t)
	srv, addr := servertest.Start(t)
	rec := &zRecorder{}
	srv.AddPropagator(rec)

	type step struct {
		block []string // sent first on a second connection, which must block
		cmd   []string
	}
	c := func(args ...string) step { return step{cmd: args} }
	b := func(block []string, args ...string) step { return step{block: block, cmd: args} }
	script := []step{
		c("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"),
		c("ZADD", "z", "1", "a"), c("ZADD", "z", "XX", "1", "new"), c("ZADD", "z", "CH", "10", "a"),
		c("ZADD", "z", "INCR", "1", "a"), c("ZADD", "z", "NX", "INCR", "1", "a"), c("ZINCRBY", "z", "-1", "a"),
		c("ZREM", "z", "nope"), c("ZREM", "z", "a", "nope"),
		c("ZPOPMIN", "z"), c("ZPOPMAX", "z", "1"), c("ZPOPMIN", "z", "0"), c("ZPOPMIN", "none"),
		c("ZMPOP", "2", "none", "z", "MIN"), c("ZMPOP", "1", "z", "MAX", "COUNT", "10"), c("ZMPOP", "1", "none", "MAX"),
		c("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"),
		c("BZPOPMIN", "none", "z", "0"), c("BZPOPMAX", "z", "1.5"),
		c("BZMPOP", "0", "1", "z", "MIN", "COUNT", "5"), c("BZPOPMIN", "none", "0.01"),
		c("BZMPOP", "0.01", "1", "none", "MAX"),
		c("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"),
		c("ZREMRANGEBYRANK", "z", "0", "0"), c("ZREMRANGEBYSCORE", "z", "100", "200"),
		c("ZREMRANGEBYSCORE", "z", "2", "2"), c("ZREMRANGEBYLEX", "z", "-", "+"),
		c("ZADD", "s", "1", "a", "2", "b"), c("ZRANGESTORE", "d", "s", "0", "0"),
		c("ZRANGESTORE", "d", "s", "5", "6"), c("ZRANGESTORE", "d", "s", "5", "6"),
		c("ZUNIONSTORE", "d", "1", "s"), c("ZINTERSTORE", "d", "2", "s", "none"), c("ZDIFFSTORE", "d", "1", "s"),
		c("ZRANDMEMBER", "s", "-5"), c("ZRANGE", "s", "0", "-1"),
		b([]string{"BZPOPMIN", "w1", "w2", "0"}, "ZADD", "w2", "1", "x", "2", "y"),
		b([]string{"BZPOPMAX", "w1", "0"}, "ZADD", "w1", "1", "x", "2", "y"),
		b([]string{"BZMPOP", "0", "2", "w3", "w4", "MAX", "COUNT", "5"}, "ZADD", "w4", "1", "x", "2", "y"),
		b([]string{"BZMPOP", "0", "1", "w5", "MIN"}, "ZADD", "w5", "1", "x", "2", "y"),
		b([]string{"BZMPOP", "0", "1", "w6", "MIN", "COUNT", "2"}, "ZUNIONSTORE", "w6", "1", "s"),
		b([]string{"BZPOPMAX", "w7", "0"}, "ZINCRBY", "w7", "3", "m"),
		c("MULTI"), c("ZADD", "t", "1", "a", "2", "b"), c("BZPOPMIN", "t", "0"), c("BZPOPMIN", "none", "0"),
		c("BZMPOP", "0", "1", "t", "MAX", "COUNT", "3"), c("EXEC"),
		c("DEL", "z", "s", "d", "t", "w1", "w2", "w3", "w4", "w5", "w6", "w7"),
	}
	run := func(addr string) {
		main, other, admin := zdial(t, addr), zdial(t, addr), zdial(t, addr)
		for _, s := range script {
			if s.block != nil {
				other.send(s.block...)
				zWaitBlocked(t, admin, 1)
			}
			main.do(s.cmd...)
			if s.block != nil {
				other.recv(5 * time.Second)
				zWaitBlocked(t, admin, 0)
			}
		}
	}
	run(refAddr)
	run(addr)

	filter := func(cmds [][]string) []string {
		var out []string
		for _, c := range cmds {
			switch strings.ToUpper(c[0]) {
			case "SELECT", "MULTI", "EXEC":
				continue
			}
			out = append(out, strings.Join(c, " "))
		}
		return out
	}
	want, got := filter(readAOF()), filter(rec.take())
	if len(want) < 30 {
		t.Fatalf("redis-server's AOF holds only %d commands: %q", len(want), want)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("propagation differs:\nredis-server:\n  %s\nours:\n  %s",
			strings.Join(want, "\n  "), strings.Join(got, "\n  "))
	}
}

// TestZSetBlockingManyKeysFairness blocks many clients on overlapping
// pairs of keys and fills the keys from concurrent writers: each client
// must get exactly one element and nobody may be left blocked. Every key
// receives as many elements as it has waiters, so that holds whatever
// the order of service.
func TestZSetBlockingManyKeysFairness(t *testing.T) {
	_, addr := servertest.Start(t)
	admin := zdial(t, addr)
	const n = 20
	clients := make([]*zconn, n)
	for i := range clients {
		clients[i] = zdial(t, addr)
		k1, k2 := "mk"+strconv.Itoa(i%5), "mk"+strconv.Itoa((i+2)%5)
		clients[i].send("BZPOPMIN", k1, k2, "0")
	}
	zWaitBlocked(t, admin, n)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := zdial(t, addr)
			for j := 0; j < n/2; j++ {
				k := "mk" + strconv.Itoa((w+j)%5)
				c.do("ZADD", k, strconv.Itoa(j), fmt.Sprintf("w%d-%d", w, j))
			}
		}(w)
	}
	wg.Wait()
	var got []string
	for i, c := range clients {
		r, ok := c.recv(5 * time.Second).([]any)
		if !ok || len(r) != 3 {
			t.Fatalf("client %d got %#v", i, r)
		}
		got = append(got, r[1].(string))
	}
	sort.Strings(got)
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			t.Errorf("member %s delivered twice", got[i])
		}
	}
	zWaitBlocked(t, admin, 0)
	left := int64(0)
	for k := 0; k < 5; k++ {
		left += admin.do("ZCARD", "mk"+strconv.Itoa(k)).(int64)
	}
	if left != 2*n-n {
		t.Errorf("%d elements left, want %d", left, n)
	}
}
