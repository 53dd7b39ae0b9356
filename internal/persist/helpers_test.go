package persist

import (
	"strings"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/rdb"
	"github.com/autobot-ai/autobot-redis/internal/server"
)

// testServer is an in-process server with persistence and no listener:
// tests drive it through a loader client under the lock.
type testServer struct {
	t   testing.TB
	srv *server.Server
	m   *Manager
	lc  *server.LoaderClient
}

func newTestServer(t testing.TB, configure ...func(*config.Config)) *testServer {
	t.Helper()
	cfg := config.Default()
	cfg.Port = 0
	cfg.Save = nil
	cfg.AppendOnly = false
	cfg.Dir = t.TempDir()
	cfg.LogLevel = "warning"
	for _, f := range configure {
		f(cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Setup(srv)
	if err != nil {
		srv.Close()
		t.Fatalf("setup: %v", err)
	}
	ts := &testServer{t: t, srv: srv, m: m}
	srv.Lock()
	ts.lc = srv.NewLoaderClient()
	srv.Unlock()
	t.Cleanup(func() { srv.Close() })
	return ts
}

// do runs one command (words split on spaces) under the lock.
func (ts *testServer) do(line string) {
	ts.t.Helper()
	ts.srv.Lock()
	defer ts.srv.Unlock()
	ts.doLocked(line)
}

func (ts *testServer) doLocked(line string) {
	ts.t.Helper()
	var args [][]byte
	for _, w := range strings.Fields(line) {
		args = append(args, []byte(w))
	}
	if err := ts.lc.Exec(args); err != nil {
		ts.t.Fatalf("%s: %v", line, err)
	}
}

func (ts *testServer) digest() string {
	ts.srv.Lock()
	defer ts.srv.Unlock()
	return rdb.DigestHex(datasetDigest(ts.srv.Keyspace()))
}
