// Package servertest starts an in-process server on a free loopback port
// for tests, with the settings the differential tests use for the
// reference redis-server: no save rules and no AOF. The persistence
// subsystem is attached (SAVE, BGSAVE, DUMP, RESTORE... work, and a test
// that sets save rules, appendonly or its own dir gets real persistence).
package servertest

import (
	"net"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/persist"
	"github.com/autobot-ai/autobot-redis/internal/scripting"
	"github.com/autobot-ai/autobot-redis/internal/server"
)

// Start runs a server until the test ends and returns it with its
// address. configure, when given, adjusts the configuration first.
func Start(t testing.TB, configure ...func(*config.Config)) (*server.Server, string) {
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
		t.Fatalf("new server: %v", err)
	}
	scripting.Attach(srv)
	if _, err := persist.Setup(srv); err != nil {
		srv.Close()
		t.Fatalf("persistence: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return srv, l.Addr().String()
}
