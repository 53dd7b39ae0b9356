package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/console"
	"github.com/autobot-ai/autobot-redis/internal/server"
)

const consoleUsage = `Usage: autobot-redis console [--redis-url redis://host:port] [--listen 127.0.0.1:8001]

Serves the web console for any Redis server. Users log in in the browser
with the server's password or an ACL user; credentials in the URL are
ignored. The console listens on loopback unless --listen says otherwise.

`

func runConsole(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, consoleUsage)
		fs.PrintDefaults()
	}
	redisURL := fs.String("redis-url", "redis://127.0.0.1:6379", "the Redis server (redis:// or rediss:// for TLS)")
	listen := fs.String("listen", "127.0.0.1:8001", "address the console listens on")
	cacert := fs.String("cacert", "", "CA certificate file to verify a rediss:// server")
	insecure := fs.Bool("insecure", false, "do not verify the certificate of a rediss:// server")
	certFile := fs.String("tls-cert", "", "serve HTTPS with this certificate file")
	keyFile := fs.String("tls-key", "", "serve HTTPS with this key file")
	allowHosts := fs.String("allow-host", "", "comma-separated Host names the console answers to (default: any, or loopback names when listening on loopback)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	opts, err := redis.ParseURL(*redisURL)
	if err != nil {
		fmt.Fprintf(stderr, "autobot-redis console: --redis-url: %v\n", err)
		return 2
	}
	if opts.Username != "" || opts.Password != "" {
		fmt.Fprintln(stderr, "autobot-redis console: credentials in --redis-url are ignored: users log in in the browser")
	}
	if (*certFile == "") != (*keyFile == "") {
		fmt.Fprintln(stderr, "autobot-redis console: --tls-cert and --tls-key go together")
		return 2
	}
	if opts.TLSConfig != nil {
		opts.TLSConfig.InsecureSkipVerify = *insecure
		if *cacert != "" {
			pem, err := os.ReadFile(*cacert)
			if err != nil {
				fmt.Fprintf(stderr, "autobot-redis console: %v\n", err)
				return 1
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
			opts.TLSConfig.RootCAs = pool
		}
	}
	cfg := console.Config{
		RedisAddr: opts.Addr,
		RedisTLS:  opts.TLSConfig,
		Databases: consoleDatabases(),
		Version:   server.Version,
		Logf:      func(f string, a ...any) { fmt.Fprintf(stderr, f+"\n", a...) },
	}
	for _, h := range strings.Split(*allowHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.AllowedHosts = append(cfg.AllowedHosts, h)
		}
	}
	if !console.IsLoopback(*listen) {
		fmt.Fprintf(stderr, "autobot-redis console: warning: listening on %s, beyond loopback\n", *listen)
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "autobot-redis console: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stdout, "Web console for Redis at %s: http%s://%s/\n", opts.Addr, map[bool]string{true: "s"}[*certFile != ""], l.Addr())
	if err := console.Serve(ctx, l, cfg, *certFile, *keyFile); err != nil {
		fmt.Fprintf(stderr, "autobot-redis console: %v\n", err)
		return 1
	}
	return 0
}

// startConsole starts the web console of `autobot-redis serve` when
// console-port is set, on console-bind (loopback by default). It talks to
// this server over TCP like any client. A console that cannot listen is
// logged and skipped: the data server keeps running. The returned
// function stops it.
func startConsole(cfg *config.Config, srv *server.Server) func() {
	if cfg.ConsolePort == 0 {
		return func() {}
	}
	redisAddr, tlsConf := localRedisAddr(cfg)
	if redisAddr == "" {
		srv.Logf("Web console not started: it needs a TCP port (port or tls-port) to reach the server")
		return func() {}
	}
	bind := cfg.ConsoleBind
	if bind == "" {
		bind = "127.0.0.1"
	}
	addr := net.JoinHostPort(bind, strconv.Itoa(cfg.ConsolePort))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Logf("Web console not started: %v", err)
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := console.Serve(ctx, l, console.Config{
			RedisAddr: redisAddr,
			RedisTLS:  tlsConf,
			Databases: consoleDatabases(),
			Version:   server.Version,
			Logf:      srv.Logf,
		}, "", "")
		if err != nil {
			srv.Logf("Web console stopped: %v", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// localRedisAddr picks how the console reaches this server: the plain
// port on loopback when the server listens there (or on all addresses),
// else its first bind address; the TLS port when there is no plain one.
func localRedisAddr(cfg *config.Config) (string, *tls.Config) {
	port := cfg.Port
	var tc *tls.Config
	if port == 0 {
		if cfg.TLSPort == 0 {
			return "", nil
		}
		port = cfg.TLSPort
		tc = &tls.Config{}
		if cfg.TLSCACertFile != "" {
			if pem, err := os.ReadFile(cfg.TLSCACertFile); err == nil {
				pool := x509.NewCertPool()
				pool.AppendCertsFromPEM(pem)
				tc.RootCAs = pool
			}
		}
		if cfg.TLSClientCertFile != "" || cfg.TLSCertFile != "" {
			certFile, keyFile := cfg.TLSClientCertFile, cfg.TLSClientKeyFile
			if certFile == "" {
				certFile, keyFile = cfg.TLSCertFile, cfg.TLSKeyFile
			}
			if cert, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil {
				tc.Certificates = []tls.Certificate{cert}
			}
		}
	}
	host := "127.0.0.1"
	if len(cfg.Bind) > 0 {
		host = ""
		for _, b := range cfg.Bind {
			b = strings.TrimPrefix(b, "-")
			switch {
			case b == "*" || b == "0.0.0.0" || b == "127.0.0.1" || b == "localhost":
				host = "127.0.0.1"
			case b == "::*" || b == "::" || b == "::1":
				if host == "" {
					host = "::1"
				}
			}
			if host == "127.0.0.1" {
				break
			}
		}
		if host == "" {
			host = strings.TrimPrefix(cfg.Bind[0], "-")
		}
	}
	if tc != nil {
		tc.ServerName = host
		if host == "127.0.0.1" || host == "::1" {
			tc.ServerName = "localhost"
		}
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), tc
}
