package main

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

func TestLocalRedisAddr(t *testing.T) {
	for _, tc := range []struct {
		bind []string
		port int
		want string
	}{
		{nil, 6379, "127.0.0.1:6379"},
		{[]string{"127.0.0.1", "-::1"}, 6379, "127.0.0.1:6379"},
		{[]string{"*", "-::*"}, 7000, "127.0.0.1:7000"},
		{[]string{"::1"}, 6379, "[::1]:6379"},
		{[]string{"10.1.2.3"}, 6379, "10.1.2.3:6379"},
		{[]string{"10.1.2.3", "127.0.0.1"}, 6379, "127.0.0.1:6379"},
	} {
		cfg := config.Default()
		cfg.Bind, cfg.Port = tc.bind, tc.port
		if got, tlsConf := localRedisAddr(cfg); got != tc.want || tlsConf != nil {
			t.Errorf("bind %v: %s, want %s", tc.bind, got, tc.want)
		}
	}
	cfg := config.Default()
	cfg.Port, cfg.TLSPort = 0, 6380
	if got, tlsConf := localRedisAddr(cfg); got != "127.0.0.1:6380" || tlsConf == nil {
		t.Errorf("TLS only: %s %v", got, tlsConf)
	}
	cfg.TLSPort = 0
	if got, _ := localRedisAddr(cfg); got != "" {
		t.Errorf("no TCP port: %s", got)
	}
}

// TestServeStartsConsole: with console-port set, serve's console answers
// on loopback and logs in against the server.
func TestServeStartsConsole(t *testing.T) {
	srv, addr := servertest.Start(t, func(c *config.Config) { c.RequirePass = "pw" })
	_, port, _ := net.SplitHostPort(addr)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	consolePort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cfg := *srv.Config()
	cfg.Port, _ = strconv.Atoi(port)
	cfg.Bind = []string{"127.0.0.1"}
	cfg.ConsolePort = consolePort
	if cfg.ConsoleBind != "127.0.0.1" {
		t.Fatalf("console-bind default %q", cfg.ConsoleBind)
	}
	stop := startConsole(&cfg, srv)
	defer stop()
	base := "http://127.0.0.1:" + strconv.Itoa(consolePort)
	res, err := http.Post(base+"/api/login", "application/json", strings.NewReader(`{"password":"pw"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("login through serve's console: %d", res.StatusCode)
	}
}
