package redismanager

import (
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/persist"
	"github.com/autobot-ai/autobot-redis/internal/scripting"
	"github.com/autobot-ai/autobot-redis/internal/server"
)

// The embedded backend: this repository's Redis-compatible server, run
// inside the process on a loopback listener, with its files in
// Config.DataDir. The stores talk to it over RESP exactly as they talk to
// an external Redis, so every code path is the same in all backends.

type embeddedServer struct {
	srv  *server.Server
	ln   net.Listener
	addr string
	dir  string
	lock *os.File
}

func startEmbedded(c *Config) (*embeddedServer, error) {
	dir, err := filepath.Abs(c.DataDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	sc := config.Default()
	sc.Port = 0 // no listener of its own: we hand it ours
	sc.Bind = []string{"127.0.0.1"}
	sc.Dir = dir
	sc.LogFile = filepath.Join(dir, "autobot-redis.log")
	sc.LogLevel = "warning"
	// Durability for AutoBot's data: an append-only file synced every
	// second, plus the default snapshot rules.
	sc.AppendOnly = true
	srv, err := server.New(sc)
	if err != nil {
		unlockDir(lock)
		return nil, err
	}
	// As cmd/autobot-redis/serve.go: scripting, then persistence, which
	// loads the dataset (AOF or RDB) from DataDir before any client can
	// connect.
	scripting.Attach(srv)
	if _, err := persist.Setup(srv); err != nil {
		srv.Close()
		unlockDir(lock)
		return nil, fmt.Errorf("load data from %s: %w", dir, err)
	}
	if c.embeddedHook != nil {
		c.embeddedHook(srv)
	}
	if err := srv.Start(); err != nil {
		srv.Close()
		unlockDir(lock)
		return nil, err
	}
	ln, err := net.Listen("tcp", c.EmbeddedAddr)
	if err != nil {
		srv.Close()
		unlockDir(lock)
		return nil, fmt.Errorf("listen on %s: %w", c.EmbeddedAddr, err)
	}
	go srv.Serve(ln)
	return &embeddedServer{srv: srv, ln: ln, addr: ln.Addr().String(), dir: dir, lock: lock}, nil
}

// close shuts the server down (its shutdown hooks save the data) and
// releases the data directory.
func (e *embeddedServer) close() error {
	err := e.srv.Close()
	unlockDir(e.lock)
	return err
}
