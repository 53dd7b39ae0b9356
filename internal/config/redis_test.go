package config

// Helpers for the tests that compare this package with a real redis-server.
// Those tests skip (with a message) when redis-server is not on PATH.

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
	"strings"
	"testing"
	"time"
)

func needRedis(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not on PATH: skipping the comparison with real Redis (apt-get install redis-server)")
	}
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// redisConn is a minimal RESP2 client, enough for CONFIG commands.
type redisConn struct {
	c net.Conn
	r *bufio.Reader
}

// startRedis runs redis-server with argv (a config file first if wanted)
// plus a loopback port, and returns a client. The server is killed at the
// end of the test.
func startRedis(t *testing.T, argv ...string) (*redisConn, int) {
	t.Helper()
	return startRedisIn(t, "", argv...)
}

// startRedisIn is startRedis with a working directory for the server.
func startRedisIn(t *testing.T, wd string, argv ...string) (*redisConn, int) {
	t.Helper()
	bin := needRedis(t)
	port := freePort(t)
	args := append(append([]string{}, argv...), "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--daemonize", "no", "--logfile", "")
	cmd := exec.Command(bin, args...)
	cmd.Dir = wd
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			rc := &redisConn{c: conn, r: bufio.NewReader(conn)}
			t.Cleanup(func() { conn.Close() })
			return rc, port
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// do sends a command; an error reply comes back as a Go error whose text
// is the reply without '-'.
func (rc *redisConn) do(args ...string) (any, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	rc.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(rc.c, b.String()); err != nil {
		return nil, err
	}
	return rc.read()
}

type redisError string

func (e redisError) Error() string { return string(e) }

func (rc *redisConn) read() (any, error) {
	line, err := rc.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return nil, redisError(line[1:])
	case ':':
		n, _ := strconv.ParseInt(line[1:], 10, 64)
		return n, nil
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rc.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		out := make([]any, 0, max(n, 0))
		for i := 0; i < n; i++ {
			v, err := rc.read()
			if err != nil {
				if _, isErr := err.(redisError); !isErr {
					return nil, err
				}
				v = err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply %q", line)
}

// configGet returns CONFIG GET as a map.
func (rc *redisConn) configGet(t *testing.T, patterns ...string) map[string]string {
	t.Helper()
	v, err := rc.do(append([]string{"CONFIG", "GET"}, patterns...)...)
	if err != nil {
		t.Fatalf("CONFIG GET %v: %v", patterns, err)
	}
	arr := v.([]any)
	m := map[string]string{}
	for i := 0; i+1 < len(arr); i += 2 {
		m[arr[i].(string)] = arr[i+1].(string)
	}
	return m
}

// redisConfigError runs redis-server on a config file holding text and
// returns the reason line of its fatal config error ("" if it started).
func redisConfigError(t *testing.T, text string, args ...string) (reason string, lines []string) {
	t.Helper()
	bin := needRedis(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(freePort(t))
	// A config error stops redis-server before it listens; the options after
	// the file keep a successful start harmless, and the timeout ends it.
	all := append([]string{path}, args...)
	all = append(all, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no")
	cmd := exec.Command("timeout", append([]string{"2", bin}, all...)...)
	out, _ := cmd.CombinedOutput()
	s := strings.TrimSpace(string(out))
	if !strings.Contains(s, "FATAL CONFIG FILE ERROR") {
		if strings.Contains(s, "Fatal error, can't open config file") {
			i := strings.Index(s, "Fatal error, ")
			return strings.TrimSpace(s[i+len("Fatal error, "):]), nil
		}
		return "", nil
	}
	lines = strings.Split(s, "\n")
	return strings.TrimSpace(lines[len(lines)-1]), lines
}
