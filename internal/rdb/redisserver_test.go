package rdb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Helpers to drive a real redis-server in tests: a throwaway instance on a
// free loopback port with its own directory, and a minimal RESP2 client.

type respError string

func (e respError) Error() string { return string(e) }

type respClient struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
}

func (c *respClient) do(args ...any) (any, error) {
	fmt.Fprintf(c.w, "*%d\r\n", len(args))
	for _, a := range args {
		var b []byte
		switch v := a.(type) {
		case string:
			b = []byte(v)
		case []byte:
			b = v
		case int:
			b = []byte(strconv.Itoa(v))
		case int64:
			b = []byte(strconv.FormatInt(v, 10))
		default:
			b = []byte(fmt.Sprint(v))
		}
		fmt.Fprintf(c.w, "$%d\r\n", len(b))
		c.w.Write(b)
		c.w.WriteString("\r\n")
	}
	if err := c.w.Flush(); err != nil {
		return nil, err
	}
	return c.read()
}

func (c *respClient) read() (any, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 {
		return nil, fmt.Errorf("short reply %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, respError(body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, b); err != nil {
			return nil, err
		}
		return b[:n], nil
	case '*':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		out := make([]any, n)
		for i := range out {
			v, err := c.read()
			var re respError
			if err != nil && !errors.As(err, &re) {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply %q", line)
}

type redisServer struct {
	t      *testing.T
	cmd    *exec.Cmd
	dir    string
	port   int
	client *respClient
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func requireRedis(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH; skipping tests against a real Redis")
	}
	return p
}

// startRedis runs redis-server in dir loading dbfile (if it exists).
func startRedis(t *testing.T, dir, dbfile string, extra ...string) *redisServer {
	t.Helper()
	bin := requireRedis(t)
	port := freePort(t)
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--dbfilename", dbfile, "--save", "", "--appendonly", "no", "--daemonize", "no",
		"--enable-debug-command", "yes", "--logfile", filepath.Join(dir, "redis-"+strconv.Itoa(port)+".log"),
		"--protected-mode", "no"}
	args = append(args, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &redisServer{t: t, cmd: cmd, dir: dir, port: port}
	t.Cleanup(s.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			s.client = &respClient{conn: conn, r: bufio.NewReader(conn), w: bufio.NewWriter(conn)}
			if r, err := s.client.do("PING"); err == nil && r == "PONG" {
				return s
			}
			conn.Close()
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "redis-"+strconv.Itoa(port)+".log"))
			t.Fatalf("redis-server did not start: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	if s.client != nil {
		s.client.conn.Close()
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

func (s *redisServer) log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis-"+strconv.Itoa(s.port)+".log"))
	return string(b)
}

// must runs a command and fails the test on error.
func (s *redisServer) must(args ...any) any {
	s.t.Helper()
	r, err := s.client.do(args...)
	if err != nil {
		s.t.Fatalf("%v: %v", args, err)
	}
	return r
}

func (s *redisServer) str(args ...any) string {
	s.t.Helper()
	switch v := s.must(args...).(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case nil:
		return ""
	case []any:
		return render(v)
	}
	return ""
}

// render flattens a reply into a comparable string.
func render(v any) string {
	var b bytes.Buffer
	var rec func(any)
	rec = func(v any) {
		switch x := v.(type) {
		case []any:
			b.WriteString("[")
			for i, e := range x {
				if i > 0 {
					b.WriteString(" ")
				}
				rec(e)
			}
			b.WriteString("]")
		case []byte:
			b.WriteString(strconv.Quote(string(x)))
		default:
			fmt.Fprint(&b, x)
		}
	}
	rec(v)
	return b.String()
}
