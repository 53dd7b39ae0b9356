package difftest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const startTimeout = 10 * time.Second

// StartReference starts Debian's redis-server on a free loopback port with
// its own temporary directory, no persistence and otherwise default
// configuration, plus extraArgs (redis-server command-line options such as
// "--requirepass", "secret"). The server is killed when the test ends. The
// test is skipped when redis-server is not installed.
func StartReference(t testing.TB, extraArgs ...string) Target {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not found; install Debian's redis-server to run differential tests")
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		addr, err := startReference(t, bin, extraArgs)
		if err == nil {
			return Target{Addr: addr}
		}
		lastErr = err
	}
	t.Fatalf("cannot start redis-server: %v", lastErr)
	return Target{}
}

func startReference(t testing.TB, bin string, extraArgs []string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	dir := t.TempDir()
	logPath := filepath.Join(dir, "redis.log")
	args := []string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--logfile", logPath,
	}
	args = append(args, extraArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	setPdeathsig(cmd)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stop := func() {
		cmd.Process.Kill()
		<-exited
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-exited:
			return "", fmt.Errorf("redis-server exited during startup on port %d; log:\n%s", port, tail(logPath))
		default:
		}
		if ping(addr) {
			t.Cleanup(stop)
			return addr, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("redis-server did not answer PING on %s within %v; log:\n%s", addr, startTimeout, tail(logPath))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// freePort asks the kernel for a free loopback port (never 6379).
func freePort() (int, error) {
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 6379 {
			return port, nil
		}
	}
}

func ping(addr string) bool {
	nc, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(time.Second))
	if _, err := nc.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return false
	}
	reply, err := ReadReply(bufio.NewReader(nc))
	return err == nil && string(reply) == "+PONG\r\n"
}

func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
