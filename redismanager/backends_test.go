package redismanager

import (
	"context"
	"fmt"
	"net"
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

// The same tests run against three backends:
//
//   - embedded: this repository's server, started in-process by Open;
//   - redis:    Debian's redis-server on a free loopback port (one shared
//               process, flushed before each test);
//   - cluster:  three redis-server masters on free loopback ports joined
//               with `redis-cli --cluster create` (shared, flushed before
//               each test).
//
// The external servers start on first use and stop when the test binary
// ends. Without redis-server/redis-cli those backends skip with a message.
// AUTOBOT_TEST_BACKENDS=embedded,redis narrows the set.

func TestMain(m *testing.M) {
	code := m.Run()
	shared.stop()
	os.Exit(code)
}

type proc struct {
	cmd  *exec.Cmd
	port int
	dir  string
}

type sharedServers struct {
	mu       sync.Mutex
	redis    *proc
	redisErr error
	cluster  []*proc
	clErr    error
	started  bool
	clusterS bool
	tmp      string
}

var shared sharedServers

func (s *sharedServers) tempDir() string {
	if s.tmp == "" {
		s.tmp, _ = os.MkdirTemp("", "redismanager-test-")
	}
	return s.tmp
}

func (s *sharedServers) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.redis != nil {
		s.redis.kill()
	}
	for _, p := range s.cluster {
		p.kill()
	}
	if s.tmp != "" {
		os.RemoveAll(s.tmp)
	}
}

func (p *proc) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
}

func (p *proc) addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

func haveRedisTools() error {
	for _, b := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(b); err != nil {
			return fmt.Errorf("%s not installed (apt-get install redis-server redis-tools)", b)
		}
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startRedisRaw runs redis-server with its own directory and the given
// arguments (which choose the ports).
func startRedisRaw(dir string, extra ...string) (*proc, error) {
	if err := haveRedisTools(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := append([]string{"--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--logfile", filepath.Join(dir, "redis.log")}, extra...)
	cmd := exec.Command("redis-server", args...)
	orphanGuard(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &proc{cmd: cmd, dir: dir}, nil
}

// startRedis runs redis-server on port (a free one when 0) with its own
// directory and waits until it answers.
func startRedis(dir string, port int, extra ...string) (*proc, error) {
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	p, err := startRedisRaw(dir, append([]string{"--port", strconv.Itoa(port)}, extra...)...)
	if err != nil {
		return nil, err
	}
	p.port = port
	c := redis.NewClient(&redis.Options{Addr: p.addr(), MaxRetries: -1, DisableIdentity: true})
	defer c.Close()
	for i := 0; i < 200; i++ {
		if err := c.Ping(context.Background()).Err(); err == nil {
			return p, nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	p.kill()
	log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
	return nil, fmt.Errorf("redis-server on port %d did not start: %s", port, log)
}

func (s *sharedServers) redisServer() (*proc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.started = true
		s.redis, s.redisErr = startRedis(filepath.Join(s.tempDir(), "redis"), 0)
	}
	return s.redis, s.redisErr
}

func (s *sharedServers) clusterNodes() ([]*proc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.clusterS {
		s.clusterS = true
		s.cluster, s.clErr = startCluster(filepath.Join(s.tempDir(), "cluster"))
	}
	return s.cluster, s.clErr
}

func startCluster(dir string) ([]*proc, error) {
	var nodes []*proc
	fail := func(err error) ([]*proc, error) {
		for _, n := range nodes {
			n.kill()
		}
		return nil, err
	}
	for i := 0; i < 3; i++ {
		p, err := startRedis(filepath.Join(dir, strconv.Itoa(i)), 0, "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000")
		if err != nil {
			return fail(err)
		}
		nodes = append(nodes, p)
	}
	args := []string{"--cluster", "create"}
	for _, n := range nodes {
		args = append(args, n.addr())
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command("redis-cli", args...).CombinedOutput()
	if err != nil {
		return fail(fmt.Errorf("redis-cli --cluster create: %v: %s", err, out))
	}
	// Wait until every node agrees the cluster is up and sees all slots.
	for _, n := range nodes {
		ok := false
		for i := 0; i < 400 && !ok; i++ {
			out, _ := exec.Command("redis-cli", "-p", strconv.Itoa(n.port), "cluster", "info").Output()
			ok = strings.Contains(string(out), "cluster_state:ok") && strings.Contains(string(out), "cluster_slots_ok:16384")
			if !ok {
				time.Sleep(25 * time.Millisecond)
			}
		}
		if !ok {
			return fail(fmt.Errorf("cluster node %s never reported cluster_state:ok", n.addr()))
		}
	}
	return nodes, nil
}

type backendKind string

const (
	beEmbedded backendKind = "embedded"
	beRedis    backendKind = "redis"
	beCluster  backendKind = "cluster"
)

func wantBackends() []backendKind {
	all := []backendKind{beEmbedded, beRedis, beCluster}
	v := os.Getenv("AUTOBOT_TEST_BACKENDS")
	if v == "" {
		return all
	}
	var out []backendKind
	for _, b := range splitList(v) {
		out = append(out, backendKind(b))
	}
	return out
}

// testConfig is the base configuration of test managers: quick
// timeouts, no background health check.
func testConfig() *Config {
	c := DefaultConfig()
	c.HealthCheckInterval = 0
	c.SocketTimeout = 2 * time.Second
	c.LoadingTimeout = 10 * time.Second
	return c
}

// openBackend opens a Manager on backend b, skipping the test when the
// backend is not available. Shared servers are flushed first.
func openBackend(t testing.TB, b backendKind, mutate ...func(*Config)) *Manager {
	t.Helper()
	c := testConfig()
	switch b {
	case beEmbedded:
		c.Mode = ModeEmbedded
		c.DataDir = t.TempDir()
	case beRedis:
		p, err := shared.redisServer()
		if err != nil {
			t.Skipf("redis backend unavailable: %v", err)
		}
		c.Mode, c.Addr = ModeStandalone, p.addr()
	case beCluster:
		nodes, err := shared.clusterNodes()
		if err != nil {
			t.Skipf("cluster backend unavailable: %v", err)
		}
		c.Mode = ModeCluster
		for _, n := range nodes {
			c.ClusterAddrs = append(c.ClusterAddrs, n.addr())
		}
	}
	for _, f := range mutate {
		f(c)
	}
	m, err := Open(context.Background(), c)
	if err != nil {
		t.Fatalf("open %s backend: %v", b, err)
	}
	t.Cleanup(func() { m.Close() })
	if b != beEmbedded {
		flushAll(t, m)
	}
	return m
}

// admin returns an unguarded client to the manager's server(s) for
// inspection; in standalone modes it is bound to database db.
func admin(t testing.TB, m *Manager, db int) redis.UniversalClient {
	t.Helper()
	var c redis.UniversalClient
	if m.mode == ModeCluster {
		c = redis.NewClusterClient(&redis.ClusterOptions{Addrs: m.cfg.ClusterAddrs, DisableIdentity: true})
	} else {
		c = redis.NewClient(&redis.Options{Addr: m.addr, DB: db, DisableIdentity: true, Password: m.cfg.Password})
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func flushAll(t testing.TB, m *Manager) {
	t.Helper()
	ctx := context.Background()
	c := admin(t, m, 0)
	var err error
	if cc, ok := c.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return n.FlushAll(ctx).Err() })
	} else {
		err = c.FlushAll(ctx).Err()
	}
	if err != nil {
		t.Fatalf("flushall: %v", err)
	}
}

// allKeys returns every key of the server (per numbered database in
// standalone modes; db -1 in namespaced modes where all live in db 0).
func allKeys(t testing.TB, m *Manager) map[int][]string {
	t.Helper()
	ctx := context.Background()
	out := map[int][]string{}
	scan := func(c redis.Cmdable, db int) {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, "*", 1000).Result()
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			out[db] = append(out[db], keys...)
			if cursor = next; cursor == 0 {
				return
			}
		}
	}
	if m.mode == ModeCluster {
		c := admin(t, m, 0).(*redis.ClusterClient)
		var mu sync.Mutex
		err := c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
			var cursor uint64
			for {
				keys, next, err := n.Scan(ctx, cursor, "*", 1000).Result()
				if err != nil {
					return err
				}
				mu.Lock()
				out[-1] = append(out[-1], keys...)
				mu.Unlock()
				if cursor = next; cursor == 0 {
					return nil
				}
			}
		})
		if err != nil {
			t.Fatalf("scan cluster: %v", err)
		}
		return out
	}
	if m.namespaced {
		scan(admin(t, m, 0), -1)
		return out
	}
	for db := 0; db < 16; db++ {
		scan(admin(t, m, db), db)
	}
	return out
}

// forEachBackend runs fn as a subtest per backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, m *Manager), mutate ...func(*Config)) {
	for _, b := range wantBackends() {
		t.Run(string(b), func(t *testing.T) {
			fn(t, openBackend(t, b, mutate...))
		})
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
