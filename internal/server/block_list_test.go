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

// Blocking list commands under concurrency, over raw TCP connections:
// FIFO service, timeout accuracy, clean-up after a blocked client goes
// away, bursts of pushes against many blocked clients, and what the
// commands propagate compared with redis-server's AOF.

// lconn is a minimal RESP2 client. Replies decode to string (simple and
// bulk strings), int64, nil (null bulk or array), []any, or lerr.
type lconn struct {
	t  testing.TB
	c  net.Conn
	rd *bufio.Reader
}

type lerr string

func ldial(t testing.TB, addr string) *lconn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &lconn{t: t, c: c, rd: bufio.NewReader(c)}
}

// send writes one command without reading its reply.
func (l *lconn) send(args ...string) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := l.c.Write(b.Bytes()); err != nil {
		l.t.Errorf("write %v: %v", args, err)
	}
}

// recv reads one reply, failing the test after wait.
func (l *lconn) recv(wait time.Duration) any {
	l.c.SetReadDeadline(time.Now().Add(wait))
	v, err := l.read()
	if err != nil {
		l.t.Errorf("read reply: %v", err)
		return lerr("read: " + err.Error())
	}
	return v
}

func (l *lconn) do(args ...string) any {
	l.send(args...)
	return l.recv(10 * time.Second)
}

func (l *lconn) read() (any, error) {
	line, err := l.rd.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, fmt.Errorf("empty line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return lerr(body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(l.rd, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = l.read(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected reply line %q", line)
}

// listBlockedClients reads blocked_clients from INFO clients.
func listBlockedClients(t testing.TB, admin *lconn) int {
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

// waitListBlocked waits until the server reports n blocked clients.
func waitListBlocked(t testing.TB, admin *lconn, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := listBlockedClients(t, admin)
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("blocked_clients = %d, want %d", got, n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func pair(key, val string) []any { return []any{key, val} }

// TestListBlockingFIFO checks that clients blocked on one key are served
// in the order they blocked, whatever command each one runs, and that
// one push of several elements serves several clients.
func TestListBlockingFIFO(t *testing.T) {
	_, addr := servertest.Start(t)
	admin := ldial(t, addr)
	const n = 6
	clients := make([]*lconn, n)
	cmds := [][]string{
		{"BLPOP", "q", "0"},
		{"BRPOP", "other", "q", "0"},
		{"BLMPOP", "0", "1", "q", "LEFT", "COUNT", "2"},
		{"BLMOVE", "q", "moved", "LEFT", "RIGHT", "0"},
		{"BRPOPLPUSH", "q", "moved", "10"},
		{"BLPOP", "q", "0"},
	}
	for i := range clients {
		clients[i] = ldial(t, addr)
		clients[i].send(cmds[i]...)
		waitListBlocked(t, admin, i+1) // one at a time, so the order is known
	}
	if got := admin.do("RPUSH", "q", "1", "2", "3", "4", "5", "6", "7"); got != int64(7) {
		t.Fatalf("rpush = %v", got)
	}
	want := []any{
		pair("q", "1"),
		pair("q", "7"),
		[]any{"q", []any{"2", "3"}},
		"4",
		"6",
		pair("q", "5"),
	}
	for i, c := range clients {
		if got := c.recv(5 * time.Second); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("client %d (%v) got %#v, want %#v", i, cmds[i], got, want[i])
		}
	}
	if got := admin.do("LRANGE", "moved", "0", "-1"); !reflect.DeepEqual(got, []any{"6", "4"}) {
		t.Errorf("moved = %#v", got)
	}
	if got := admin.do("EXISTS", "q"); got != int64(0) {
		t.Errorf("q still exists")
	}
	waitListBlocked(t, admin, 0)

	// One element at a time: each push serves exactly the oldest waiter,
	// including pushes made inside MULTI/EXEC.
	for i := range clients {
		clients[i].send("BLPOP", "one", "0")
		waitListBlocked(t, admin, i+1)
	}
	for i, c := range clients {
		v := strconv.Itoa(i)
		if i%2 == 0 {
			admin.do("LPUSH", "one", v)
		} else {
			admin.do("MULTI")
			admin.do("RPUSH", "one", v)
			if got := admin.do("EXEC"); !reflect.DeepEqual(got, []any{int64(1)}) {
				t.Fatalf("exec = %#v", got)
			}
		}
		if got := c.recv(5 * time.Second); !reflect.DeepEqual(got, pair("one", v)) {
			t.Errorf("client %d got %#v, want %s", i, got, v)
		}
	}
	waitListBlocked(t, admin, 0)
}

// TestListBlockingTimeouts checks fractional timeouts: each client is
// answered with a null array no sooner than its timeout and not much
// later, while other clients keep waiting.
func TestListBlockingTimeouts(t *testing.T) {
	_, addr := servertest.Start(t)
	admin := ldial(t, addr)
	timeouts := []float64{0.05, 0.15, 0.3, 0.5}
	var wg sync.WaitGroup
	errs := make(chan error, len(timeouts)+1)
	for _, tmo := range timeouts {
		wg.Add(1)
		go func(tmo float64) {
			defer wg.Done()
			c := ldial(t, addr)
			arg := strconv.FormatFloat(tmo, 'f', -1, 64)
			start := time.Now()
			c.send("BLPOP", "never", "never2", arg)
			got := c.recv(10 * time.Second)
			elapsed := time.Since(start)
			want := time.Duration(tmo * float64(time.Second))
			if got != nil {
				errs <- fmt.Errorf("timeout %s: got %#v, want null", arg, got)
			}
			// The server clock has millisecond resolution; allow 2 ms
			// below, and generous scheduling slack above (-race, 2 CPUs).
			if elapsed < want-2*time.Millisecond || elapsed > want+600*time.Millisecond {
				errs <- fmt.Errorf("timeout %s answered after %v", arg, elapsed)
			}
		}(tmo)
	}
	// A BLMOVE with a timeout also answers with a null array, as Redis
	// 7.0 does, and a long-timeout client is still served normally.
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := ldial(t, addr)
		start := time.Now()
		c.send("BLMOVE", "never", "dst", "LEFT", "LEFT", "0.1")
		if got := c.recv(10 * time.Second); got != nil {
			errs <- fmt.Errorf("blmove timeout got %#v", got)
		}
		if el := time.Since(start); el < 98*time.Millisecond {
			errs <- fmt.Errorf("blmove timed out early: %v", el)
		}
	}()
	late := ldial(t, addr)
	late.send("BLPOP", "later", "100")
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitListBlocked(t, admin, 1)
	admin.do("RPUSH", "later", "x")
	if got := late.recv(5 * time.Second); !reflect.DeepEqual(got, pair("later", "x")) {
		t.Errorf("late client got %#v", got)
	}
	waitListBlocked(t, admin, 0)
	// A sub-millisecond timeout is not "forever".
	c := ldial(t, addr)
	c.send("BRPOP", "never", "0.0001")
	if got := c.recv(2 * time.Second); got != nil {
		t.Errorf("tiny timeout got %#v", got)
	}
}

// TestListBlockingDisconnect closes blocked clients and checks that no
// registration is left behind: the blocked count returns to 0 and later
// pushes stay in the list instead of going to a dead client.
func TestListBlockingDisconnect(t *testing.T) {
	_, addr := servertest.Start(t)
	admin := ldial(t, addr)
	cmds := [][]string{
		{"BLPOP", "d1", "d2", "0"},
		{"BRPOP", "d1", "0"},
		{"BLMOVE", "d1", "d3", "LEFT", "RIGHT", "0"},
		{"BRPOPLPUSH", "d2", "d3", "0"},
		{"BLMPOP", "0", "2", "d1", "d2", "RIGHT", "COUNT", "3"},
		{"BLPOP", "d1", "100"},
	}
	var conns []*lconn
	for i, cmd := range cmds {
		c := ldial(t, addr)
		c.send(cmd...)
		conns = append(conns, c)
		waitListBlocked(t, admin, i+1)
	}
	for _, c := range conns {
		c.c.Close()
	}
	waitListBlocked(t, admin, 0)
	admin.do("RPUSH", "d1", "a", "b")
	admin.do("RPUSH", "d2", "c")
	if got := admin.do("LRANGE", "d1", "0", "-1"); !reflect.DeepEqual(got, []any{"a", "b"}) {
		t.Errorf("d1 = %#v", got)
	}
	if got := admin.do("LLEN", "d2"); got != int64(1) {
		t.Errorf("llen d2 = %#v", got)
	}
	if got := admin.do("EXISTS", "d3"); got != int64(0) {
		t.Errorf("d3 exists")
	}
	// A new waiter after the disconnects is served normally.
	c := ldial(t, addr)
	c.send("BLPOP", "d4", "0")
	waitListBlocked(t, admin, 1)
	admin.do("LPUSH", "d4", "z")
	if got := c.recv(5 * time.Second); !reflect.DeepEqual(got, pair("d4", "z")) {
		t.Errorf("got %#v", got)
	}
	// Closing while blocked and while a push races with the close.
	for i := 0; i < 20; i++ {
		c := ldial(t, addr)
		c.send("BLPOP", "race", "0")
		waitListBlocked(t, admin, 1)
		go c.c.Close()
		admin.do("RPUSH", "race", "v")
		waitListBlocked(t, admin, 0)
		// Either the element was served before the close or it is
		// still in the list; it is never lost or duplicated.
		n, _ := admin.do("LLEN", "race").(int64)
		if n > 1 {
			t.Fatalf("race list holds %d elements", n)
		}
		admin.do("DEL", "race")
	}
}

// TestListBlockingBurst runs producers pushing (sometimes in MULTI)
// against many blocked consumers, some of which move elements on to a
// second list other consumers wait on. Every element must arrive exactly
// once at the end of the chain.
func TestListBlockingBurst(t *testing.T) {
	_, addr := servertest.Start(t)
	admin := ldial(t, addr)
	const (
		producers  = 4
		perProd    = 300
		total      = producers * perProd
		movers     = 12
		perMover   = total / movers
		poppers    = 30
		perPopper  = total / poppers
		batchLimit = 7
	)
	var wg sync.WaitGroup
	moved := make(chan string, total)
	popped := make(chan string, total)
	errs := make(chan error, movers+poppers+producers)
	for i := 0; i < movers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := ldial(t, addr)
			for j := 0; j < perMover; j++ {
				var got any
				if (i+j)%2 == 0 {
					got = c.do("BLMOVE", "jobs", "stage2", "LEFT", "RIGHT", "0")
				} else {
					got = c.do("BRPOPLPUSH", "jobs", "stage2", "0")
				}
				s, ok := got.(string)
				if !ok {
					errs <- fmt.Errorf("mover %d got %#v", i, got)
					return
				}
				moved <- s
			}
		}(i)
	}
	for i := 0; i < poppers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := ldial(t, addr)
			for j := 0; j < perPopper; j++ {
				var got any
				switch (i + j) % 3 {
				case 0:
					got = c.do("BLPOP", "nothing", "stage2", "0")
				case 1:
					got = c.do("BRPOP", "stage2", "30")
				default:
					got = c.do("BLMPOP", "0", "2", "nothing", "stage2", "LEFT")
					if a, ok := got.([]any); ok && len(a) == 2 {
						if els, ok := a[1].([]any); ok && len(els) == 1 {
							got = []any{a[0], els[0]}
						}
					}
				}
				a, ok := got.([]any)
				if !ok || len(a) != 2 || a[0] != "stage2" {
					errs <- fmt.Errorf("popper %d got %#v", i, got)
					return
				}
				popped <- a[1].(string)
			}
		}(i)
	}
	// Let most consumers block before the burst starts.
	deadline := time.Now().Add(10 * time.Second)
	for listBlockedClients(t, admin) < movers+poppers && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	var pw sync.WaitGroup
	for p := 0; p < producers; p++ {
		pw.Add(1)
		go func(p int) {
			defer pw.Done()
			c := ldial(t, addr)
			for sent := 0; sent < perProd; {
				n := min(1+(sent+p)%batchLimit, perProd-sent)
				args := []string{"RPUSH", "jobs"}
				if (sent/7+p)%3 == 0 {
					args[0] = "LPUSH"
				}
				for k := 0; k < n; k++ {
					args = append(args, fmt.Sprintf("p%d-%d", p, sent+k))
				}
				if sent%5 == 0 {
					c.do("MULTI")
					c.do(args...)
					if got, ok := c.do("EXEC").([]any); !ok || len(got) != 1 {
						errs <- fmt.Errorf("producer %d exec got %#v", p, got)
						return
					}
				} else if got := c.do(args...); got == nil {
					errs <- fmt.Errorf("producer %d push failed", p)
					return
				}
				sent += n
			}
		}(p)
	}
	pw.Wait()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("consumers did not finish: %d moved, %d popped", len(moved), len(popped))
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	close(moved)
	close(popped)
	want := make([]string, 0, total)
	for p := 0; p < producers; p++ {
		for k := 0; k < perProd; k++ {
			want = append(want, fmt.Sprintf("p%d-%d", p, k))
		}
	}
	sort.Strings(want)
	for name, ch := range map[string]chan string{"moved": moved, "popped": popped} {
		var got []string
		for v := range ch {
			got = append(got, v)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %d elements, want %d (lost or duplicated)", name, len(got), len(want))
		}
	}
	if got := admin.do("EXISTS", "jobs", "stage2"); got != int64(0) {
		t.Errorf("lists left behind: %v", got)
	}
	waitListBlocked(t, admin, 0)
}

// listRecorder captures what the server propagates.
type listRecorder struct {
	mu   sync.Mutex
	cmds [][]string
}

func (r *listRecorder) Feed(db int, args [][]byte) {
	cmd := make([]string, len(args))
	for i, a := range args {
		cmd[i] = string(a)
	}
	r.mu.Lock()
	r.cmds = append(r.cmds, cmd)
	r.mu.Unlock()
}

func (r *listRecorder) all() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]string(nil), r.cmds...)
}

// listRefAOF starts redis-server with an AOF written on every command and
// returns its address and a reader of the commands the AOF holds.
func listRefAOF(t *testing.T) (string, func() [][]string) {
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
		"--appendonly", "yes", "--appendfsync", "always", "--dir", dir, "--daemonize", "no")
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
		fake := &lconn{t: t, rd: bufio.NewReader(bytes.NewReader(data))}
		var out [][]string
		for {
			if _, err := fake.rd.Peek(1); err != nil {
				return out
			}
			v, err := fake.read()
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

// TestListPropagationMatchesRedis runs one script, including clients that
// block and are served later, on redis-server with an AOF and on our
// server with a recorder, and compares what each propagated (SELECT,
// MULTI and EXEC left out).
func TestListPropagationMatchesRedis(t *testing.T) {
	refAddr, readAOF := listRefAOF(t)
	srv, addr := servertest.Start(t)
	rec := &listRecorder{}
	srv.AddPropagator(rec)

	type step struct {
		block []string // sent first on a second connection, which must block
		cmd   []string
	}
	c := func(args ...string) step { return step{cmd: args} }
	b := func(block []string, args ...string) step { return step{block: block, cmd: args} }
	script := []step{
		c("RPUSH", "l", "a", "b", "c", "d", "e"), c("LPUSH", "l", "z"), c("LPUSHX", "none", "x"),
		c("RPUSHX", "l", "f"), c("LPOP", "l"), c("RPOP", "l", "2"), c("LPOP", "l", "0"),
		c("LPOP", "none"), c("LSET", "l", "0", "A"), c("LINSERT", "l", "BEFORE", "A", "B"),
		c("LINSERT", "l", "AFTER", "nope", "x"), c("LREM", "l", "0", "nope"), c("LREM", "l", "1", "B"),
		c("LTRIM", "l", "0", "-1"), c("LTRIM", "l", "0", "1"), c("LMOVE", "l", "m", "left", "RIGHT"),
		c("RPOPLPUSH", "l", "m"), c("RPOPLPUSH", "none", "m"), c("RPUSH", "l", "1", "2", "3"),
		c("LMPOP", "2", "none", "l", "RIGHT", "COUNT", "10"), c("LMPOP", "1", "none", "LEFT"),
		c("RPUSH", "l", "1", "2", "3"),
		c("BLPOP", "none", "l", "0"), c("BRPOP", "l", "1.5"), c("BLMOVE", "l", "m", "Left", "left", "0"),
		c("BRPOPLPUSH", "m", "l", "0"), c("BLMPOP", "0", "1", "l", "LEFT", "COUNT", "5"),
		c("BLPOP", "none", "0.01"),
		b([]string{"BLPOP", "w1", "w2", "0"}, "RPUSH", "w2", "x", "y"),
		b([]string{"BRPOP", "w1", "0"}, "LPUSH", "w1", "x", "y"),
		b([]string{"BLMOVE", "w3", "w4", "RIGHT", "LEFT", "0"}, "RPUSH", "w3", "v"),
		b([]string{"BRPOPLPUSH", "w5", "w4", "0"}, "RPUSH", "w5", "v"),
		b([]string{"BLMPOP", "0", "2", "w6", "w7", "RIGHT", "COUNT", "5"}, "RPUSH", "w7", "1", "2"),
		b([]string{"BLMPOP", "0", "1", "w8", "LEFT", "COUNT", "2"}, "RPUSH", "w8", "1", "2", "3"),
		b([]string{"BLPOP", "w9", "0"}, "LMOVE", "w8", "w9", "LEFT", "LEFT"),
		c("MULTI"), c("RPUSH", "t", "1", "2"), c("BLPOP", "t", "0"), c("BLPOP", "none", "0"), c("EXEC"),
		c("DEL", "l", "m", "t", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9"),
	}
	run := func(addr string, wait func(*lconn, int)) {
		main, other, admin := ldial(t, addr), ldial(t, addr), ldial(t, addr)
		for _, s := range script {
			if s.block != nil {
				other.send(s.block...)
				wait(admin, 1)
			}
			main.do(s.cmd...)
			if s.block != nil {
				other.recv(5 * time.Second)
				wait(admin, 0)
			}
		}
	}
	run(refAddr, func(admin *lconn, n int) { waitListBlocked(t, admin, n) })
	run(addr, func(admin *lconn, n int) { waitListBlocked(t, admin, n) })

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
	want, got := filter(readAOF()), filter(rec.all())
	if len(want) < 30 {
		t.Fatalf("redis-server's AOF holds only %d commands: %q", len(want), want)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("propagation differs:\nredis-server:\n  %s\nours:\n  %s",
			strings.Join(want, "\n  "), strings.Join(got, "\n  "))
	}
}
