package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/persist"
	"github.com/autobot-ai/autobot-redis/internal/scripting"
	"github.com/autobot-ai/autobot-redis/internal/server"
)

const serveUsage = `Usage: autobot-redis serve [/path/to/redis.conf] [--directive value ...]

Reads a redis.conf like redis-server does; directives given on the command
line (e.g. --port 7000 --save "" --appendonly no) override the file.
`

func versionString() string {
	return "autobot-redis (Redis " + server.Version + " compatible)"
}

func runServe(args []string, stdout, stderr io.Writer) int {
	for _, a := range args {
		if a == "-h" || a == "--help" {
			fmt.Fprint(stdout, serveUsage)
			return 0
		}
	}
	cfg, err := config.LoadArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR ***\n%v\n", err)
		return 1
	}
	setParallelism(cfg)
	if cfg.Dir != "" {
		if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
			fmt.Fprintf(stderr, "Can't create the working directory %s: %v\n", cfg.Dir, err)
			return 1
		}
	}
	// AUTOBOT_CPUPROFILE=file records a CPU profile until shutdown, for
	// profiling under real load (make bench, redis-benchmark).
	if path := os.Getenv("AUTOBOT_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer func() { pprof.StopCPUProfile(); f.Close() }()
			}
		}
	}
	srv, err := server.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "autobot-redis: %v\n", err)
		return 1
	}
	scripting.Attach(srv)
	// Load the dataset (AOF or RDB) before any client can connect, and
	// attach RDB/AOF persistence.
	if _, err := persist.Setup(srv); err != nil {
		srv.Log().Warningf("%v", err)
		fmt.Fprintf(stderr, "autobot-redis: %v\n", err)
		srv.Close()
		return 1
	}
	if err := srv.Start(); err != nil {
		fmt.Fprintf(stderr, "autobot-redis: %v\n", err)
		srv.Close()
		return 1
	}
	stopConsole := startConsole(cfg, srv) // the web console, when console-port is set
	defer stopConsole()
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	for {
		select {
		case s := <-sig:
			srv.Logf("Received %s scheduling shutdown...", sigName(s))
			// Like Redis, refuse to exit when the final save fails:
			// the data would be lost. A second signal tries again.
			if err := srv.Shutdown(); err != nil {
				continue
			}
		case <-srv.Done():
		}
		break
	}
	signal.Stop(sig)
	srv.Close()
	return 0
}

func sigName(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// setParallelism maps Redis's io-threads (default 1) onto GOMAXPROCS. The
// server executes commands under one lock, like Redis's single main
// thread, so extra running threads mostly contend for that lock and for
// the CPU the clients need: on a small machine one is fastest (measured:
// about +35% throughput on 2 cores against 2). An explicit GOMAXPROCS in
// the environment wins.
func setParallelism(cfg *config.Config) {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	n := 1
	if v, ok := cfg.Value("io-threads"); ok {
		if x, err := strconv.Atoi(v); err == nil && x > 0 {
			n = x
		}
	}
	if n > runtime.NumCPU() {
		n = runtime.NumCPU()
	}
	runtime.GOMAXPROCS(n)
}
