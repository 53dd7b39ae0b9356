package persist_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Crash safety, with the real binary in a subprocess: writers record what
// the server acknowledged, the process is killed with SIGKILL, and the
// restarted server must still have it. (SIGKILL loses what the process
// held in memory but not what it handed to the kernel; losing the kernel's
// page cache needs a power cut, which is what fsync is for and what a test
// cannot cause.)

// ack is one acknowledged INCR: the value the server returned and when.
type ack struct {
	val int64
	at  time.Time
}

// hammer runs writers INCRementing their own counter until stop closes,
// and returns each writer's acknowledgements in order.
func hammer(t *testing.T, addr string, writers int, stop <-chan struct{}) [][]ack {
	acks := make([][]ack, writers)
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 1, MaxRetries: -1, ReadTimeout: 5 * time.Second})
			defer c.Close()
			key := fmt.Sprintf("counter:%d", w)
			for {
				select {
				case <-stop:
					return
				default:
				}
				v, err := c.Incr(bg, key).Result()
				if err != nil {
					return // the server died
				}
				acks[w] = append(acks[w], ack{v, time.Now()})
				// Some traffic of other kinds, so the AOF has variety.
				if v%50 == 0 {
					if err := c.Set(bg, fmt.Sprintf("mark:%d:%d", w, v), strings.Repeat("x", int(v%200)), 0).Err(); err != nil {
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	return acks
}

func crashAndCheck(t *testing.T, fsync string, maxLoss time.Duration) {
	dir := t.TempDir()
	args := []string{"--appendonly", "yes", "--appendfsync", fsync}
	p := startOursProc(t, dir, args...)
	stop := make(chan struct{})
	var acks [][]ack
	done := make(chan struct{})
	go func() { acks = hammer(t, p.addr, 8, stop); close(done) }()
	time.Sleep(1500 * time.Millisecond)
	// A rewrite in the middle of the traffic, then more traffic.
	c := p.client()
	must(t, c.Do(bg, "BGREWRITEAOF").Err())
	c.Close()
	time.Sleep(700 * time.Millisecond)
	killedAt := time.Now()
	p.kill()
	close(stop)
	<-done

	p2 := startOursProc(t, dir, args...)
	c2 := p2.client()
	defer c2.Close()
	total := 0
	for w, list := range acks {
		if len(list) == 0 {
			t.Fatalf("writer %d got no acknowledgement", w)
		}
		total += len(list)
		got, err := c2.Get(bg, fmt.Sprintf("counter:%d", w)).Int64()
		if err != nil {
			t.Fatalf("writer %d: counter lost after restart: %v", w, err)
		}
		last := list[len(list)-1]
		if got > last.val+1 {
			t.Fatalf("writer %d: counter %d after restart, more than the %d sent", w, got, last.val+1)
		}
		for _, a := range list {
			if a.val > got && killedAt.Sub(a.at) > maxLoss {
				t.Fatalf("writer %d: acknowledged write %d (%.3fs before the kill) lost; restarted at %d",
					w, a.val, killedAt.Sub(a.at).Seconds(), got)
			}
		}
		if lost := last.val - got; lost > 0 {
			t.Logf("writer %d: %d acknowledged writes lost (within the %v allowance)", w, lost, maxLoss)
		}
	}
	t.Logf("appendfsync %s: %d acknowledged writes checked after SIGKILL", fsync, total)
}

func TestCrashAppendfsyncAlways(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	crashAndCheck(t, "always", 0)
}

func TestCrashAppendfsyncEverysec(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	crashAndCheck(t, "everysec", 1500*time.Millisecond)
}

// lastIncr returns the path of the newest incr file of an AOF directory.
func lastIncr(t *testing.T, dir string) string {
	t.Helper()
	man, err := os.ReadFile(filepath.Join(aofDir(dir), "appendonly.aof.manifest"))
	must(t, err)
	var last string
	for _, line := range strings.Split(string(man), "\n") {
		f := strings.Fields(line)
		if len(f) == 6 && f[5] == "i" {
			last = f[1]
		}
	}
	if last == "" {
		t.Fatalf("no incr file in %q", man)
	}
	return filepath.Join(aofDir(dir), last)
}

// startFails runs our binary and expects it to exit with an error whose
// output contains want.
func startFails(t *testing.T, dir string, want string, args ...string) {
	t.Helper()
	port := freePort(t)
	all := append([]string{"serve", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""}, args...)
	cmd := exec.Command(ourBinary(t), all...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	must(t, cmd.Start())
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("server exited with status 0; output:\n%s", out.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("server started although it should refuse; output:\n%s", out.String())
	}
	if !strings.Contains(out.String(), want) {
		t.Fatalf("output does not mention %q:\n%s", want, out.String())
	}
}

// TestTornAOFTail: a command cut in the middle at the end of the last incr
// file is cut off with aof-load-truncated yes (logged), and stops the
// server with a clear error with aof-load-truncated no.
func TestTornAOFTail(t *testing.T) {
	dir := t.TempDir()
	p := startOursProc(t, dir, "--appendonly", "yes")
	c := p.client()
	for i := 0; i < 100; i++ {
		must(t, c.Set(bg, fmt.Sprintf("k%d", i), i, 0).Err())
	}
	c.Close()
	p.kill()
	incr := lastIncr(t, dir)
	f, err := os.OpenFile(incr, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	f.WriteString("*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$10\r\nabc")
	f.Close()

	startFails(t, dir, "Unexpected end of file", "--appendonly", "yes", "--aof-load-truncated", "no")

	p2 := startOursProc(t, dir, "--appendonly", "yes", "--aof-load-truncated", "yes")
	c2 := p2.client()
	defer c2.Close()
	if n := c2.DBSize(bg).Val(); n != 100 {
		t.Fatalf("dbsize %d after loading a torn AOF, want 100", n)
	}
	if !strings.Contains(p2.logText(), "Truncating the AOF") {
		t.Fatalf("truncation not logged:\n%s", tail(p2.logText()))
	}
	// The file was cut: the server appends after the last good command.
	must(t, c2.Set(bg, "after", "1", 0).Err())
	p2.kill()
	p3 := startOursProc(t, dir, "--appendonly", "yes", "--aof-load-truncated", "no")
	c3 := p3.client()
	defer c3.Close()
	if n := c3.DBSize(bg).Val(); n != 101 {
		t.Fatalf("dbsize %d after restart, want 101", n)
	}
}

// TestCorruptAOFMiddle: garbage in the middle of the AOF is never skipped.
func TestCorruptAOFMiddle(t *testing.T) {
	dir := t.TempDir()
	p := startOursProc(t, dir, "--appendonly", "yes")
	c := p.client()
	for i := 0; i < 50; i++ {
		must(t, c.Set(bg, fmt.Sprintf("k%d", i), i, 0).Err())
	}
	c.Close()
	p.kill()
	incr := lastIncr(t, dir)
	data, err := os.ReadFile(incr)
	must(t, err)
	i := bytes.Index(data, []byte("$3\r\nk20\r\n"))
	data[i] = '#'
	must(t, os.WriteFile(incr, data, 0o644))
	startFails(t, dir, "Bad file format", "--appendonly", "yes", "--aof-load-truncated", "yes")
}

// TestCorruptRDB: a damaged or cut RDB file stops the server with an error
// naming the problem instead of starting with part of the data.
func TestCorruptRDB(t *testing.T) {
	dir := t.TempDir()
	p := startOursProc(t, dir)
	c := p.client()
	for i := 0; i < 2000; i++ {
		must(t, c.Set(bg, fmt.Sprintf("key:%d", i), strings.Repeat("v", i%100), 0).Err())
	}
	must(t, c.Do(bg, "SAVE").Err())
	c.Close()
	p.kill()
	path := filepath.Join(dir, "dump.rdb")
	good, err := os.ReadFile(path)
	must(t, err)

	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x55
	must(t, os.WriteFile(path, flipped, 0o644))
	// With save points, a server that refused to start must not save
	// what it loaded before the error over the file.
	startFails(t, dir, "loading", "--save", "3600 1")
	if b, _ := os.ReadFile(path); !bytes.Equal(b, flipped) {
		t.Fatal("the damaged RDB file was replaced")
	}

	must(t, os.WriteFile(path, good[:len(good)*2/3], 0o644))
	startFails(t, dir, "loading", "--save", "3600 1")

	// The intact file still loads.
	must(t, os.WriteFile(path, good, 0o644))
	p2 := startOursProc(t, dir)
	c2 := p2.client()
	defer c2.Close()
	if n := c2.DBSize(bg).Val(); n != 2000 {
		t.Fatalf("dbsize %d, want 2000", n)
	}
}

// TestShippedConfigSurvivesRestart runs the binary with config/redis.conf
// (only the port and dir overridden) and checks the data survives a
// restart, both after SIGTERM and after SIGKILL.
func TestShippedConfigSurvivesRestart(t *testing.T) {
	conf, err := filepath.Abs("../../config/redis.conf")
	must(t, err)
	dir := t.TempDir()
	start := func() *proc {
		port := freePort(t)
		return startProc(t, ourBinary(t), dir, port, "serve", conf, "--port", strconv.Itoa(port), "--dir", dir, "--console-port", "0")
	}
	p := start()
	c := p.client()
	must(t, c.Set(bg, "user:1", "alice", 0).Err())
	must(t, c.HSet(bg, "session:1", "user", "1", "ttl", "3600").Err())
	must(t, c.RPush(bg, "queue", "a", "b", "c").Err())
	must(t, c.Expire(bg, "session:1", time.Hour).Err())
	if s := infoField(t, c, "persistence", "aof_enabled"); s != "1" {
		t.Fatalf("aof_enabled %s with the shipped config", s)
	}
	c.Close()
	// SIGTERM: a graceful shutdown (AOF synced, final RDB saved).
	must(t, p.cmd.Process.Signal(os.Interrupt))
	<-p.done
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatalf("no final snapshot at shutdown: %v", err)
	}
	p2 := start()
	c2 := p2.client()
	if v := c2.Get(bg, "user:1").Val(); v != "alice" {
		t.Fatalf("after restart user:1 = %q", v)
	}
	if ttl := c2.TTL(bg, "session:1").Val(); ttl < 59*time.Minute {
		t.Fatalf("session TTL %v after restart", ttl)
	}
	must(t, c2.RPush(bg, "queue", "d").Err())
	c2.Close()
	p2.kill()
	p3 := start()
	c3 := p3.client()
	defer c3.Close()
	if got := c3.LRange(bg, "queue", 0, -1).Val(); strings.Join(got, "") != "abcd" {
		t.Fatalf("after SIGKILL and restart queue = %q", got)
	}
}
