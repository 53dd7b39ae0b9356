package difftest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Target is a server the harness talks to.
type Target struct {
	Addr string // host:port
}

const (
	// defaultTimeout bounds connecting, one reply, and a whole !raw step.
	defaultTimeout = 5 * time.Second
	maxTimeouts    = 3      // ours is given up on after this many timeouts in a pass
	maxScanCalls   = 100000 // bound on the calls one !scan makes
)

// RunDir runs every testdata file matching glob (sorted by name) as a
// subtest named after the file. See RunFile.
func RunDir(t *testing.T, ref, ours Target, glob string) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil {
		t.Fatalf("bad glob %q: %v", glob, err)
	}
	if len(files) == 0 {
		t.Fatalf("no testdata files match %q", glob)
	}
	sort.Strings(files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			RunFile(t, ref, ours, f)
		})
	}
}

// RunFile runs the testdata file at path twice, as subtests RESP2 and
// RESP3, against the reference and the server under test, and reports
// every step whose replies differ. Before each pass both servers are
// flushed with FLUSHALL; every connection of a pass is new, starts on DB 0
// and, in the RESP3 pass, first sends HELLO 3.
func RunFile(t *testing.T, ref, ours Target, path string) {
	t.Helper()
	steps, err := parseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			res, err := runPass(steps, proto, ref, ours, defaultTimeout)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range res.mismatches {
				t.Error(m.String())
			}
			t.Logf("%s [RESP%d]: %d of %d compared steps differ", path, proto, len(res.mismatches), res.compared)
		})
	}
}

// mismatch is one step on which the two servers disagree.
type mismatch struct {
	step      *step
	proto     int
	why       string
	ref, ours outcome
	refNorm   string
	oursNorm  string
}

func (m mismatch) String() string {
	var b strings.Builder
	s := m.step
	fmt.Fprintf(&b, "%s [RESP%d] %s", s.where(), m.proto, s.text)
	if s.kind == kindRecv {
		fmt.Fprintf(&b, "\n  (reply of line %d: %s)", s.sendAt.line, s.sendAt.text)
	}
	fmt.Fprintf(&b, "\n  redis-server: %s", m.ref.show())
	fmt.Fprintf(&b, "\n  ours:         %s", m.ours.show())
	if m.why != "" && m.why != "replies differ" {
		fmt.Fprintf(&b, "\n  %s", m.why)
	}
	if m.refNorm != "" || m.oursNorm != "" {
		fmt.Fprintf(&b, "\n  redis-server compared as: %s", quote([]byte(m.refNorm)))
		fmt.Fprintf(&b, "\n  ours compared as:         %s", quote([]byte(m.oursNorm)))
	}
	return b.String()
}

type passResult struct {
	mismatches []mismatch
	compared   int
}

// runPass runs the steps once under one protocol version.
func runPass(steps []*step, proto int, ref, ours Target, timeout time.Duration) (passResult, error) {
	var res passResult
	rs := newSession("redis-server", ref.Addr, proto, timeout)
	us := newSession("ours", ours.Addr, proto, timeout)
	defer rs.closeAll()
	defer us.closeAll()
	for _, sess := range []*session{rs, us} {
		if err := sess.flushAll(); err != nil {
			return res, err
		}
	}
	gaveUp := false
	for _, s := range steps {
		if s.proto != 0 && s.proto != proto {
			continue
		}
		if s.kind == kindSleep {
			time.Sleep(time.Duration(s.sleep) * time.Millisecond)
			continue
		}
		ro := rs.do(s)
		if gaveUp {
			// Keep the reference's state in step with the script (later
			// lines may undo settings) without waiting on ours.
			continue
		}
		oo := us.do(s)
		if s.kind == kindSend || s.kind == kindClose {
			// Nothing to compare unless a connection failed.
			if ro.note == "" && oo.note == "" {
				continue
			}
		} else if !s.skip {
			res.compared++
		}
		if why, rn, on := verdict(s, ro, oo); why != "" {
			res.mismatches = append(res.mismatches, mismatch{step: s, proto: proto, why: why, ref: ro, ours: oo, refNorm: rn, oursNorm: on})
		}
		if rs.timeouts >= maxTimeouts {
			return res, fmt.Errorf("%s: redis-server timed out %d times; stopping", s.where(), rs.timeouts)
		}
		if us.timeouts >= maxTimeouts {
			res.mismatches = append(res.mismatches, mismatch{step: s, proto: proto,
				why: fmt.Sprintf("ours timed out %d times; the rest of this pass runs on redis-server only", us.timeouts),
				ref: ro, ours: oo})
			gaveUp = true
			us.closeAll()
		}
	}
	return res, nil
}

// session is the state of one target during one pass.
type session struct {
	name     string
	addr     string
	proto    int
	conns    map[string]*conn
	vars     map[string]string
	timeout  time.Duration
	timeouts int
}

type conn struct {
	nc      net.Conn
	r       *bufio.Reader
	pending []outcome // failures of !send steps, consumed by !recv
}

func newSession(name, addr string, proto int, timeout time.Duration) *session {
	return &session{name: name, addr: addr, proto: proto, conns: map[string]*conn{}, vars: map[string]string{}, timeout: timeout}
}

func (ss *session) closeAll() {
	for name, c := range ss.conns {
		c.nc.Close()
		delete(ss.conns, name)
	}
}

func (ss *session) flushAll() error {
	nc, err := net.DialTimeout("tcp", ss.addr, ss.timeout)
	if err != nil {
		return fmt.Errorf("%s: cannot connect to %s: %v", ss.name, ss.addr, err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(ss.timeout))
	if _, err := nc.Write(encodeCommand([]string{"FLUSHALL"})); err != nil {
		return fmt.Errorf("%s: FLUSHALL: %v", ss.name, err)
	}
	reply, err := ReadReply(bufio.NewReader(nc))
	if err != nil || string(reply) != "+OK\r\n" {
		return fmt.Errorf("%s: FLUSHALL before the pass failed: %s %v", ss.name, quote(reply), err)
	}
	return nil
}

// get returns the named connection, opening it (and sending HELLO 3 in a
// RESP3 pass) if needed. A failure is returned as a note.
func (ss *session) get(name string) (*conn, outcome) {
	if c := ss.conns[name]; c != nil {
		return c, outcome{}
	}
	nc, err := net.DialTimeout("tcp", ss.addr, ss.timeout)
	if err != nil {
		return nil, outcome{note: "cannot connect: " + err.Error()}
	}
	c := &conn{nc: nc, r: bufio.NewReaderSize(nc, 64*1024)}
	ss.conns[name] = c
	if ss.proto == 3 {
		o := ss.roundTrip(name, c, []string{"HELLO", "3"})
		if o.note != "" || len(o.raw) == 0 || o.raw[0] != '%' {
			o.note = strings.TrimSpace("HELLO 3 when opening the connection failed " + o.note)
			return c, o
		}
	}
	return c, outcome{}
}

func (ss *session) drop(name string) {
	if c := ss.conns[name]; c != nil {
		c.nc.Close()
		delete(ss.conns, name)
	}
}

// read reads one reply from a connection. A connection that closes or
// times out is dropped, so the next step on it opens a new one.
func (ss *session) read(name string, c *conn) outcome {
	c.nc.SetReadDeadline(time.Now().Add(ss.timeout))
	raw, err := ReadReply(c.r)
	if err == nil {
		return outcome{raw: raw}
	}
	ss.drop(name)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		ss.timeouts++
		return outcome{raw: raw, note: fmt.Sprintf("timeout: no complete reply within %v", ss.timeout)}
	}
	if isClosed(err) {
		return outcome{raw: raw, note: "connection closed"}
	}
	return outcome{raw: raw, note: "bad reply: " + err.Error()}
}

func (ss *session) write(name string, c *conn, args []string) outcome {
	c.nc.SetWriteDeadline(time.Now().Add(ss.timeout))
	if _, err := c.nc.Write(encodeCommand(args)); err != nil {
		ss.drop(name)
		return outcome{note: "connection closed"}
	}
	return outcome{}
}

func (ss *session) roundTrip(name string, c *conn, args []string) outcome {
	if o := ss.write(name, c, args); o.note != "" {
		return o
	}
	return ss.read(name, c)
}

func (ss *session) expand(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		if strings.Contains(w, "${") {
			w = varRefRe.ReplaceAllStringFunc(w, func(m string) string {
				return ss.vars[m[2:len(m)-1]]
			})
		}
		out[i] = w
	}
	return out
}

// do runs one step and returns what this target did.
func (ss *session) do(s *step) outcome {
	var o outcome
	switch s.kind {
	case kindClose:
		ss.drop(s.conn)
		return outcome{}
	case kindRaw:
		return ss.raw([]byte(strings.Join(ss.expand(s.raw), "")))
	case kindSend:
		c, o := ss.get(s.conn)
		if o.note != "" {
			ss.drop(s.conn)
			return o
		}
		o = ss.write(s.conn, c, ss.expand(s.args))
		if o.note == "" {
			c.pending = append(c.pending, o)
		}
		return o
	case kindRecv:
		c := ss.conns[s.conn]
		if c == nil || len(c.pending) == 0 {
			return outcome{note: "connection closed"}
		}
		c.pending = c.pending[1:]
		o = ss.read(s.conn, c)
	case kindPush:
		c := ss.conns[s.conn]
		if c == nil {
			return outcome{note: "connection closed"}
		}
		o = ss.read(s.conn, c)
	case kindCmd:
		c, o0 := ss.get(s.conn)
		if o0.note != "" {
			ss.drop(s.conn)
			return o0
		}
		args := ss.expand(s.args)
		if s.scan {
			o = ss.scanAll(s.conn, c, args)
		} else {
			o = ss.roundTrip(s.conn, c, args)
		}
		if o.note == "" && strings.EqualFold(args[0], "QUIT") {
			// The server closes the connection after replying; the next
			// step on this connection opens a new one.
			ss.drop(s.conn)
		}
	}
	if s.let != "" {
		ss.vars[s.let] = scalarText(o.raw)
	}
	return o
}

// scalarText is what !let stores: the text of a scalar reply, or the raw
// bytes of anything else.
func scalarText(raw []byte) string {
	v, err := parseValue(raw)
	if err != nil || v.isAggregate() || v.null {
		return string(raw)
	}
	return v.str
}

// scanAll runs a SCAN-family command until the cursor returns to 0 and
// returns one array of all elements (pairs for HSCAN and ZSCAN), sorted
// and without duplicates, so that the comparison does not depend on
// cursor values or on how elements are spread over the calls.
func (ss *session) scanAll(name string, c *conn, args []string) outcome {
	idx, _ := scanCursorIndex(args)
	pairs := strings.EqualFold(args[0], "HSCAN") || strings.EqualFold(args[0], "ZSCAN")
	seen := map[string]bool{}
	var items []string
	args = append([]string(nil), args...)
	for calls := 0; ; calls++ {
		if calls == maxScanCalls {
			return outcome{note: fmt.Sprintf("!scan: cursor not back to 0 after %d calls", calls)}
		}
		o := ss.roundTrip(name, c, args)
		if o.note != "" {
			return o
		}
		v, err := parseValue(o.raw)
		if err != nil || v.typ != '*' || len(v.elems) != 2 || v.elems[1].isAggregate() == false || v.elems[0].isAggregate() {
			if calls == 0 {
				return o // an error reply or such: compare it as it is
			}
			return outcome{raw: o.raw, note: "!scan: unexpected reply in the middle of a scan"}
		}
		els := v.elems[1].elems
		step := 1
		if pairs {
			step = 2
		}
		for i := 0; i+step <= len(els); i += step {
			var item []byte
			if pairs {
				item = (&value{typ: '*', elems: els[i : i+2]}).bytes()
			} else {
				item = els[i].bytes()
			}
			if !seen[string(item)] {
				seen[string(item)] = true
				items = append(items, string(item))
			}
		}
		if v.elems[0].str == "0" {
			break
		}
		args[idx] = v.elems[0].str
	}
	sort.Strings(items)
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(items)) + "\r\n")
	for _, it := range items {
		b.WriteString(it)
	}
	return outcome{raw: []byte(b.String())}
}

// raw sends exact bytes on a new connection, half-closes it so that the
// server sees the end of input, and returns everything the server sends
// until it closes the connection.
func (ss *session) raw(data []byte) outcome {
	nc, err := net.DialTimeout("tcp", ss.addr, ss.timeout)
	if err != nil {
		return outcome{note: "cannot connect: " + err.Error()}
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(ss.timeout))
	var werr error
	done := make(chan struct{})
	go func() {
		// Write concurrently with reading: a server may answer (and
		// close) before it has read everything.
		defer close(done)
		if _, werr = nc.Write(data); werr == nil {
			if tc, ok := nc.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
		}
	}()
	got, rerr := io.ReadAll(nc)
	<-done
	o := outcome{raw: got}
	var ne net.Error
	if rerr != nil && errors.As(rerr, &ne) && ne.Timeout() {
		ss.timeouts++
		o.note = fmt.Sprintf("timeout: connection still open after %v", ss.timeout)
	}
	return o
}

func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed)
}

// encodeCommand encodes arguments as a RESP multibulk request.
func encodeCommand(args []string) []byte {
	n := 16
	for _, a := range args {
		n += len(a) + 16
	}
	b := make([]byte, 0, n)
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}
