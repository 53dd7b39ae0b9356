// Command idleconns checks how each server copes with many idle client
// connections. For redis-server and for our server in turn it starts a
// fresh server (no persistence, loopback, --maxclients 20000), opens N
// idle TCP connections that send nothing, and then checks that:
//
//   - INFO clients reports them (connected_clients),
//   - a PING from a fresh connection is still answered, and how fast,
//   - the resident set size (VmRSS from /proc) stays sane: it prints the
//     growth per idle connection,
//   - every one of the N connections answers a PING when woken up, and
//     the RSS after that,
//   - closing them brings connected_clients back down,
//
// and prints INFO used_memory at each step next to the RSS, which tells
// memory the server still uses from memory its allocator has kept.
//
// It prints a markdown table, one column per server.
//
//	go run ./bench/idleconns -ours bin/autobot-redis -n 10000
//
// The process needs N+100 file descriptors and each server N+32; raise
// ulimit -n first (bench/scaling.sh does).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

type server struct {
	cmd  *exec.Cmd
	addr string
	dir  string
	done chan struct{}
	log  *os.File
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(bin string, pre []string, maxclients int) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "idleconns")
	if err != nil {
		return nil, err
	}
	args := append(append([]string{}, pre...), "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--maxclients", strconv.Itoa(maxclients))
	lf, err := os.Create(dir + "/server.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, addr: "127.0.0.1:" + strconv.Itoa(port), dir: dir, done: make(chan struct{}), log: lf}
	go func() { cmd.Wait(); close(s.done) }()
	for i := 0; i < 100; i++ {
		if _, err := ping(s.addr, time.Second); err == nil {
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("%s did not start", bin)
}

func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

func (s *server) logTail() string {
	b, _ := os.ReadFile(s.dir + "/server.log")
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return strings.Join(lines, "\n")
}

func (s *server) stop() {
	if s.alive() {
		s.cmd.Process.Kill()
		<-s.done
	}
	s.log.Close()
	os.RemoveAll(s.dir)
}

// rss is the server's resident set size in bytes, from /proc.
func (s *server) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return -1
}

// ping dials a new connection, sends PING and waits for +PONG; the
// duration covers the dial.
func ping(addr string, timeout time.Duration) (time.Duration, error) {
	t0 := time.Now()
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c, "PING\r\n"); err != nil {
		return 0, err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, err
	}
	if line != "+PONG\r\n" {
		return 0, fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return time.Since(t0), nil
}

// infoInt reads one integer field of an INFO section over a new connection.
func infoInt(ctx context.Context, addr, section, field string) (int64, error) {
	c := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 1, MaxRetries: -1, DialTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second})
	defer c.Close()
	info, err := c.Info(ctx, section).Result()
	if err != nil {
		return -1, err
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return -1, errors.New("no " + field + " in INFO " + section)
}

func connectedClients(ctx context.Context, addr string) (int, error) {
	n, err := infoInt(ctx, addr, "clients", "connected_clients")
	return int(n), err
}

// usedMemory is INFO memory used_memory, or -1.
func usedMemory(ctx context.Context, addr string) int64 {
	n, err := infoInt(ctx, addr, "memory", "used_memory")
	if err != nil {
		return -1
	}
	return n
}

// waitClients polls INFO clients until cond holds or timeout passes and
// returns the last value seen.
func waitClients(ctx context.Context, addr string, timeout time.Duration, cond func(int) bool) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		n, err := connectedClients(ctx, addr)
		if (err == nil && cond(n)) || time.Now().After(deadline) {
			return n, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type result struct {
	opened, dialErrs        int
	firstDialErr            string
	openTime                time.Duration
	clientsIdle             int
	clientsErr              string
	pingOK                  int
	pingMedian, pingMax     time.Duration
	pingErr                 string
	rssBase, rssIdle        int64
	usedBase, usedIdle      int64
	usedWoken, usedClosed   int64
	woken                   int
	wakeErr                 string
	wakeTime                time.Duration
	rssWoken                int64
	clientsClosed           int
	rssClosed               int64
	survived                bool
	crashLog                string
	connectedAfterCloseWait time.Duration
}

func run(ctx context.Context, bin string, pre []string, n, maxclients int) (r result, err error) {
	s, err := start(bin, pre, maxclients)
	if err != nil {
		return r, err
	}
	defer s.stop()
	time.Sleep(500 * time.Millisecond)
	r.rssBase = s.rss()
	r.usedBase = usedMemory(ctx, s.addr)

	conns := make([]net.Conn, n)
	var next, errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				c, err := net.DialTimeout("tcp", s.addr, 10*time.Second)
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	r.openTime = time.Since(t0)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	r.dialErrs = int(errs.Load())
	if v := firstErr.Load(); v != nil {
		r.firstDialErr = v.(string)
	}
	r.opened = n - r.dialErrs

	// The connections are idle: the server has to accept them and keep
	// them. Wait until INFO counts them (plus the INFO connection itself).
	r.clientsIdle, err = waitClients(ctx, s.addr, 30*time.Second, func(c int) bool { return c >= r.opened+1 })
	if err != nil {
		r.clientsErr = err.Error()
	}
	time.Sleep(2 * time.Second)
	r.rssIdle = s.rss()
	r.usedIdle = usedMemory(ctx, s.addr)

	var lat []time.Duration
	for i := 0; i < 9; i++ {
		d, err := ping(s.addr, 5*time.Second)
		if err != nil {
			r.pingErr = err.Error()
			continue
		}
		r.pingOK++
		lat = append(lat, d)
	}
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		r.pingMedian, r.pingMax = lat[len(lat)/2], lat[len(lat)-1]
	}

	// Wake every idle connection with one PING.
	var woken atomic.Int64
	var wakeErr atomic.Value
	next.Store(0)
	t0 = time.Now()
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 7)
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				c := conns[i]
				if c == nil {
					continue
				}
				c.SetDeadline(time.Now().Add(10 * time.Second))
				_, err := io.WriteString(c, "PING\r\n")
				if err == nil {
					_, err = io.ReadFull(c, buf)
				}
				if err == nil && string(buf) != "+PONG\r\n" {
					err = fmt.Errorf("PING answered %q", buf)
				}
				if err != nil {
					wakeErr.CompareAndSwap(nil, err.Error())
					continue
				}
				woken.Add(1)
			}
		}()
	}
	wg.Wait()
	r.wakeTime = time.Since(t0)
	r.woken = int(woken.Load())
	if v := wakeErr.Load(); v != nil {
		r.wakeErr = v.(string)
	}
	time.Sleep(time.Second)
	r.rssWoken = s.rss()
	r.usedWoken = usedMemory(ctx, s.addr)

	for i, c := range conns {
		if c != nil {
			c.Close()
			conns[i] = nil
		}
	}
	t0 = time.Now()
	r.clientsClosed, _ = waitClients(ctx, s.addr, 20*time.Second, func(c int) bool { return c <= 1 })
	r.connectedAfterCloseWait = time.Since(t0)
	time.Sleep(time.Second)
	r.rssClosed = s.rss()
	r.usedClosed = usedMemory(ctx, s.addr)
	r.survived = s.alive()
	if !r.survived {
		r.crashLog = s.logTail()
	}
	return r, nil
}

func mib(b int64) string {
	if b < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

func perConn(a, b int64, n int) string {
	if a < 0 || b < 0 || n <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f B", float64(a-b)/float64(n))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func main() {
	ours := flag.String("ours", "bin/autobot-redis", "our server binary")
	ref := flag.String("redis", "redis-server", "reference redis-server binary")
	n := flag.Int("n", 10000, "idle connections to open to each server")
	maxclients := flag.Int("maxclients", 20000, "--maxclients passed to both servers")
	flag.Parse()
	ctx := context.Background()

	names := []string{"redis-server", "autobot-redis"}
	var res [2]result
	failed := false
	for i, sv := range []struct {
		bin string
		pre []string
	}{{*ref, nil}, {*ours, []string{"serve"}}} {
		r, err := run(ctx, sv.bin, sv.pre, *n, *maxclients)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", names[i], err)
			os.Exit(2)
		}
		res[i] = r
		if r.dialErrs > 0 || r.clientsIdle < r.opened+1 || r.pingOK == 0 || r.woken < r.opened || !r.survived {
			failed = true
		}
	}

	fmt.Printf("%d idle connections to each server (--maxclients %d), one server at a time\n\n", *n, *maxclients)
	fmt.Printf("| | %s | %s |\n|---|---:|---:|\n", names[0], names[1])
	row := func(label string, f func(r result) string) {
		fmt.Printf("| %s | %s | %s |\n", label, f(res[0]), f(res[1]))
	}
	row("connections opened (dial errors)", func(r result) string {
		s := fmt.Sprintf("%d (%d)", r.opened, r.dialErrs)
		if r.firstDialErr != "" {
			s += " first error: " + r.firstDialErr
		}
		return s
	})
	row("time to open them", func(r result) string { return ms(r.openTime) })
	row("INFO connected_clients (includes the INFO connection)", func(r result) string {
		if r.clientsErr != "" {
			return fmt.Sprintf("%d, error: %s", r.clientsIdle, r.clientsErr)
		}
		return strconv.Itoa(r.clientsIdle)
	})
	row("PING from a fresh connection: answered, median, max", func(r result) string {
		s := fmt.Sprintf("%d/9, %s, %s", r.pingOK, ms(r.pingMedian), ms(r.pingMax))
		if r.pingErr != "" {
			s += ", error: " + r.pingErr
		}
		return s
	})
	row("RSS before", func(r result) string { return mib(r.rssBase) })
	row("RSS with the idle connections", func(r result) string { return mib(r.rssIdle) })
	row("**RSS growth per idle connection**", func(r result) string { return "**" + perConn(r.rssIdle, r.rssBase, r.opened) + "**" })
	row("idle connections answering one PING each (time)", func(r result) string {
		s := fmt.Sprintf("%d/%d (%s)", r.woken, r.opened, ms(r.wakeTime))
		if r.wakeErr != "" {
			s += ", error: " + r.wakeErr
		}
		return s
	})
	row("RSS after every connection sent a PING", func(r result) string { return mib(r.rssWoken) })
	row("RSS growth per connection after its PING", func(r result) string { return perConn(r.rssWoken, r.rssBase, r.opened) })
	row("connected_clients after closing them (wait)", func(r result) string {
		return fmt.Sprintf("%d (%s)", r.clientsClosed, ms(r.connectedAfterCloseWait))
	})
	row("RSS after closing them (1 s later)", func(r result) string { return mib(r.rssClosed) })
	row("INFO used_memory: before, idle, after the PINGs, after closing", func(r result) string {
		return fmt.Sprintf("%s, %s, %s, %s", mib(r.usedBase), mib(r.usedIdle), mib(r.usedWoken), mib(r.usedClosed))
	})
	row("used_memory growth per idle connection", func(r result) string { return perConn(r.usedIdle, r.usedBase, r.opened) })
	row("server still running", func(r result) string {
		if r.survived {
			return "yes"
		}
		return "NO: " + strings.ReplaceAll(r.crashLog, "\n", " / ")
	})
	if failed {
		fmt.Println("\nidle connections: FAILED for at least one server (see the table)")
		os.Exit(1)
	}
}
