package command

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// The comparison tests talk to a reference redis-server 7.0 that they start
// themselves on a free loopback port. Without the binary they are skipped.

// refServer starts a reference server for the calling test on a free
// loopback port and stops it when the test ends, or skips the test when
// redis-server 7.0 is not installed.
func refServer(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("skipping comparison with Redis: redis-server not found on PATH (install Debian's redis-server 7.0)")
	}
	dir := t.TempDir()
	for attempt := 0; attempt < 3; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--logfile", "")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() {
			cmd.Process.Kill()
			<-exited
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		for i := 0; i < 100; i++ {
			select {
			case <-exited:
				i = 100 // died (port taken?): try another port
				continue
			default:
			}
			rc := &refConn{t: t}
			if err := rc.open(addr, 2); err == nil {
				v := rc.do("INFO", "server")
				rc.close()
				if !bytes.Contains(v, []byte("redis_version:7.0.")) {
					stop()
					t.Skip("skipping comparison with Redis: redis-server on PATH is not Redis 7.0")
				}
				t.Cleanup(stop)
				return addr
			}
			time.Sleep(50 * time.Millisecond)
		}
		stop()
	}
	t.Fatal("redis-server did not start")
	return ""
}

type refConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func (rc *refConn) open(addr string, proto int) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	rc.c, rc.r = c, bufio.NewReaderSize(c, 1<<16)
	if proto == 3 {
		rc.do("HELLO", "3")
	}
	return nil
}

func (rc *refConn) close() { rc.c.Close() }

// dialRef opens a connection to the reference server at addr speaking proto.
func dialRef(t *testing.T, addr string, proto int) *refConn {
	t.Helper()
	rc := &refConn{t: t}
	if err := rc.open(addr, proto); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rc.close)
	return rc
}

// do sends a command and returns the raw bytes of its reply.
func (rc *refConn) do(args ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	rc.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := rc.c.Write(b.Bytes()); err != nil {
		rc.t.Fatal(err)
	}
	v, err := readNode(rc.r)
	if err != nil {
		rc.t.Fatalf("reading reply to %q: %v", args, err)
	}
	return v.encode()
}

// respNode is a parsed reply that remembers its RESP type, so that re-encoding
// gives back the same bytes.
type respNode struct {
	kind  byte
	line  string // the header/body text for scalars; length for aggregates is derived
	data  string // bulk payload
	elems []*respNode
}

func readNode(r *bufio.Reader) (*respNode, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("bad line %q", line)
	}
	n := &respNode{kind: line[0], line: line[1 : len(line)-2]}
	switch n.kind {
	case '$', '=', '!':
		size, err := strconv.Atoi(n.line)
		if err != nil {
			return nil, err
		}
		if size < 0 {
			return n, nil
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		n.data = string(buf[:size])
	case '*', '~', '%', '>', '|':
		size, err := strconv.Atoi(n.line)
		if err != nil {
			return nil, err
		}
		if size < 0 {
			return n, nil
		}
		if n.kind == '%' || n.kind == '|' {
			size *= 2
		}
		for i := 0; i < size; i++ {
			e, err := readNode(r)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, e)
		}
	}
	return n, nil
}

func parseNode(t *testing.T, raw []byte) *respNode {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(raw))
	n, err := readNode(r)
	if err != nil {
		t.Fatalf("parsing %q: %v", raw, err)
	}
	if r.Buffered() != 0 {
		t.Fatalf("trailing bytes after reply in %q", raw)
	}
	return n
}

func (n *respNode) isAgg() bool { return strings.IndexByte("*~%>|", n.kind) >= 0 }

func (n *respNode) encode() []byte {
	var b bytes.Buffer
	n.encodeTo(&b)
	return b.Bytes()
}

func (n *respNode) encodeTo(b *bytes.Buffer) {
	b.WriteByte(n.kind)
	switch {
	case n.kind == '$' || n.kind == '=' || n.kind == '!':
		b.WriteString(n.line)
		b.WriteString("\r\n")
		if !strings.HasPrefix(n.line, "-") {
			b.WriteString(n.data)
			b.WriteString("\r\n")
		}
	case n.isAgg() && !strings.HasPrefix(n.line, "-"):
		size := len(n.elems)
		if n.kind == '%' || n.kind == '|' {
			size /= 2
		}
		b.WriteString(strconv.Itoa(size))
		b.WriteString("\r\n")
		for _, e := range n.elems {
			e.encodeTo(b)
		}
	default:
		b.WriteString(n.line)
		b.WriteString("\r\n")
	}
}

// text is the string value of a scalar respNode.
func (n *respNode) text() string {
	if n.kind == '$' {
		return n.data
	}
	return n.line
}

// dropPairs removes the key/value pairs named in keys from a map respNode (or
// a RESP2 flat array used as a map).
func (n *respNode) dropPairs(keys ...string) {
	var out []*respNode
	for i := 0; i+1 < len(n.elems); i += 2 {
		k := n.elems[i].text()
		drop := false
		for _, d := range keys {
			if k == d {
				drop = true
			}
		}
		if !drop {
			out = append(out, n.elems[i], n.elems[i+1])
		}
	}
	n.elems = out
}

// pairValue returns the value of key k in a map respNode, or nil.
func (n *respNode) pairValue(k string) *respNode {
	for i := 0; i+1 < len(n.elems); i += 2 {
		if n.elems[i].text() == k {
			return n.elems[i+1]
		}
	}
	return nil
}

// normInfo canonicalizes a COMMAND INFO entry: subcommands sorted by name
// (Redis lists them in hash-table order).
func normInfo(n *respNode) {
	if n.kind != '*' || len(n.elems) != 10 {
		return
	}
	subs := n.elems[9]
	for _, s := range subs.elems {
		normInfo(s)
	}
	sort.SliceStable(subs.elems, func(i, j int) bool {
		return subs.elems[i].elems[0].text() < subs.elems[j].elems[0].text()
	})
}

// normInfoList canonicalizes a COMMAND / COMMAND INFO reply; sortTop also
// sorts the top-level entries (when Redis lists every command).
func normInfoList(n *respNode, sortTop bool) {
	for _, e := range n.elems {
		normInfo(e)
	}
	if sortTop {
		sort.SliceStable(n.elems, func(i, j int) bool {
			return infoName(n.elems[i]) < infoName(n.elems[j])
		})
	}
}

func infoName(n *respNode) string {
	if len(n.elems) == 0 {
		return ""
	}
	return n.elems[0].text()
}

// normDocs canonicalizes one command's COMMAND DOCS map: the prose fields
// that differ by design (summary, complexity, history) are dropped and
// subcommands are sorted by name.
func normDocs(n *respNode) {
	n.dropPairs("summary", "complexity", "history")
	if subs := n.pairValue("subcommands"); subs != nil {
		normDocsMap(subs, true)
	}
}

// normDocsMap canonicalizes a name -> docs map.
func normDocsMap(n *respNode, sortKeys bool) {
	type pair struct{ k, v *respNode }
	var pairs []pair
	for i := 0; i+1 < len(n.elems); i += 2 {
		normDocs(n.elems[i+1])
		pairs = append(pairs, pair{n.elems[i], n.elems[i+1]})
	}
	if sortKeys {
		sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].k.text() < pairs[j].k.text() })
	}
	n.elems = n.elems[:0]
	for _, p := range pairs {
		n.elems = append(n.elems, p.k, p.v)
	}
}

// render runs fn against a resp.Writer for proto and returns the bytes.
func renderReply(proto int, fn func(w ReplyWriter)) []byte {
	w := resp.NewWriter(proto)
	fn(w)
	return append([]byte(nil), w.Bytes()...)
}

// diffReplies describes the first difference between two encoded replies.
func diffReplies(want, got []byte) string {
	wl := strings.Split(string(want), "\r\n")
	gl := strings.Split(string(got), "\r\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			lo := max(0, i-6)
			return fmt.Sprintf("first difference at line %d: redis %q, ours %q\ncontext (redis): %q\ncontext (ours):  %q",
				i, w, g, wl[lo:min(len(wl), i+3)], gl[lo:min(len(gl), i+3)])
		}
	}
	return "identical"
}

var testProtos = []int{2, 3}
