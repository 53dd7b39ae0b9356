package difftest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer accepts connections on a loopback port and hands each one
// to handle. It is closed when the test ends.
func fakeServer(t *testing.T, handle func(net.Conn)) Target {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return Target{Addr: l.Addr().String()}
}

// mutatingProxy forwards to target and rewrites "hello" to "HELLO" in
// everything the server sends back (same length, so framing stays valid).
func mutatingProxy(t *testing.T, target Target) Target {
	return fakeServer(t, func(c net.Conn) {
		up, err := net.Dial("tcp", target.Addr)
		if err != nil {
			return
		}
		defer up.Close()
		go func() {
			io.Copy(up, c)
			up.(*net.TCPConn).CloseWrite()
		}()
		buf := make([]byte, 64*1024)
		for {
			n, err := up.Read(buf)
			if n > 0 {
				c.Write(bytes.ReplaceAll(buf[:n], []byte("hello"), []byte("HELLO")))
			}
			if err != nil {
				return
			}
		}
	})
}

// TestHarnessFindsMismatches runs a script against redis-server and
// against the same server behind a proxy that alters some replies, and
// checks that exactly the altered steps are reported.
func TestHarnessFindsMismatches(t *testing.T) {
	t.Parallel()
	ref := StartReference(t)
	ours := mutatingProxy(t, ref)
	script := `PING
ECHO hello
SET k hello
GET k
!skip ECHO hello
!mask '(?i)hello' ECHO hello
!type ECHO hello
!raw "ECHO hello\r\nPING\r\n"
@b ECHO hello
@b !send ECHO hello
@b !recv
!sort MGET k k
!scan SCAN 0 COUNT 1
QUIT
ECHO hello
`
	steps, err := parseScript("self.txt", script)
	if err != nil {
		t.Fatal(err)
	}
	for _, proto := range []int{2, 3} {
		res, err := runPass(steps, proto, ref, ours, defaultTimeout)
		if err != nil {
			t.Fatal(err)
		}
		var lines []int
		for _, m := range res.mismatches {
			lines = append(lines, m.step.line)
		}
		want := []int{2, 4, 8, 9, 11, 12, 15}
		if len(lines) != len(want) {
			t.Fatalf("RESP%d: mismatches on lines %v, want %v", proto, lines, want)
		}
		for i := range want {
			if lines[i] != want[i] {
				t.Fatalf("RESP%d: mismatches on lines %v, want %v", proto, lines, want)
			}
		}
		msg := res.mismatches[0].String()
		if !strings.Contains(msg, `redis-server: "$5\r\nhello\r\n"`) || !strings.Contains(msg, `ours:         "$5\r\nHELLO\r\n"`) {
			t.Errorf("unexpected message:\n%s", msg)
		}
		if got := res.mismatches[4].String(); !strings.Contains(got, "reply of line 10") {
			t.Errorf("a !recv mismatch should name its !send line:\n%s", got)
		}
	}
}

// TestHarnessSameServer checks that a server compared with itself passes
// every feature of the script syntax.
func TestHarnessSameServer(t *testing.T) {
	t.Parallel()
	ref := StartReference(t)
	other := StartReference(t)
	script := `SET k v
!let id CLIENT ID
@b !let bid CLIENT ID
!mask '\b(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|multi-mem|tot-mem|rbs|rbp|obl|oll|omem)=\S*' CLIENT LIST ID ${id} ${bid}
@blk !send BLPOP list 0
!sleep 20
RPUSH list x
@blk !recv
!resp3 @blk GET k
!resp2 @blk GET k
@blk !close
@blk CLIENT GETNAME
MSET a 1 b 2 c 3 d 4 e 5 f 6 g 7 h 8 i 9 j 10 k 11 l 12
!scan SCAN 0 COUNT 2
!scan SCAN 0 MATCH ? COUNT 1
!sort KEYS *
!range -2 -2 TTL nokey
!raw "PING\r\n" "ECHO " "x"*10 "\r\n"
QUIT
GET k
`
	steps, err := parseScript("same.txt", script)
	if err != nil {
		t.Fatal(err)
	}
	for _, proto := range []int{2, 3} {
		res, err := runPass(steps, proto, ref, other, defaultTimeout)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range res.mismatches {
			t.Error(m.String())
		}
		if res.compared != 16 {
			t.Errorf("RESP%d: %d steps compared, want 16", proto, res.compared)
		}
	}
}

// TestHarnessGivesUpOnHangingServer checks that a server that stops
// answering costs a bounded time, is reported, and that the reference
// still runs the rest of the script.
func TestHarnessGivesUpOnHangingServer(t *testing.T) {
	t.Parallel()
	ref := StartReference(t)
	hanging := fakeServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			req, err := ReadReply(r)
			if err != nil {
				return
			}
			if bytes.Contains(req, []byte("FLUSHALL")) {
				c.Write([]byte("+OK\r\n"))
			}
		}
	})
	steps, err := parseScript("hang.txt", "PING\nPING\nPING\nPING\nSET after v\n")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := runPass(steps, 2, ref, hanging, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
	if n := len(res.mismatches); n != 4 {
		for _, m := range res.mismatches {
			t.Log(m.String())
		}
		t.Fatalf("got %d mismatches, want 3 timeouts and the giving-up note", n)
	}
	if !strings.Contains(res.mismatches[0].String(), "timeout") || !strings.Contains(res.mismatches[3].why, "redis-server only") {
		t.Errorf("unexpected reports: %s / %s", res.mismatches[0], res.mismatches[3].why)
	}
	// The reference ran the last line.
	ss := newSession("check", ref.Addr, 2, defaultTimeout)
	defer ss.closeAll()
	if o := ss.do(mustStep(t, "GET after")); string(o.raw) != "$1\r\nv\r\n" {
		t.Errorf("reference did not run the rest of the script: %s", o.show())
	}
}

// TestHarnessUnreachable checks the error when a server is not there.
func TestHarnessUnreachable(t *testing.T) {
	t.Parallel()
	// Port 1 is privileged and unused: nothing can answer there, unlike a
	// freed ephemeral port that a parallel test may bind again.
	addr := "127.0.0.1:1"
	steps, _ := parseScript("x.txt", "PING\n")
	if _, err := runPass(steps, 2, Target{Addr: addr}, Target{Addr: addr}, time.Second); err == nil || !strings.Contains(err.Error(), "cannot connect") {
		t.Errorf("err = %v", err)
	}
}
