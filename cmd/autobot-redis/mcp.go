package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/autobot-ai/autobot-redis/internal/mcp"
)

const mcpUsage = `Usage: autobot-redis mcp [-h host] [-p port] [-a password | -u URI] [--http ADDR] [--allow-writes]

Serves AutoBot's Redis tools (autobot_redis_info, autobot_redis_health,
autobot_redis_slowlog, autobot_redis_scan_keys, autobot_redis_inspect_key)
to an MCP client: over stdin/stdout by default, or over streamable HTTP at
http://ADDR/mcp with --http. The tools only read unless --allow-writes adds
autobot_redis_flushdb and autobot_redis_delete_keys, which ask for an
explicit confirmation argument.

`

// runMCP's stdio transport talks over the process's own stdin and stdout.
func runMCP(args []string, _, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveMCP(ctx, args, stderr, nil)
}

// serveMCP runs until ctx is done; onListen, if set, learns the HTTP
// address once it accepts connections.
func serveMCP(ctx context.Context, args []string, stderr io.Writer, onListen func(net.Addr)) int {
	fs, cf := newFlagSet("mcp", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, mcpUsage)
		fs.PrintDefaults()
	}
	httpAddr := fs.String("http", "", "serve streamable HTTP on this address (loopback unless you say otherwise) instead of stdio")
	writes := fs.Bool("allow-writes", false, "also offer the destructive tools (flushdb, delete keys)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "autobot-redis mcp: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if _, err := cf.Options(0); err != nil {
		fmt.Fprintf(stderr, "autobot-redis mcp: %v\n", err)
		return 2
	}
	cfg := mcp.Config{
		// Each tool call opens its own connection and closes it: an
		// assistant calls tools rarely, and nothing is left open between.
		Client:      cf.Client,
		Addr:        cf.Addr(),
		Databases:   mcpDatabases(),
		AllowWrites: *writes,
		Version:     versionString(),
	}
	if *httpAddr == "" {
		// stdout carries the protocol: nothing else may be written there.
		if err := mcp.New(cfg).Run(ctx, &sdk.StdioTransport{}); err != nil && ctx.Err() == nil {
			fmt.Fprintf(stderr, "autobot-redis mcp: %v\n", err)
			return 1
		}
		return 0
	}
	srv := mcp.New(cfg)
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil)
	mux := http.NewServeMux()
	mux.Handle("/mcp", http.NewCrossOriginProtection().Handler(h))
	ln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		fmt.Fprintf(stderr, "autobot-redis mcp: %v\n", err)
		return 1
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		fmt.Fprintf(stderr, "autobot-redis mcp: warning: listening on %s, which is not loopback; anyone who reaches it can use the tools\n", ln.Addr())
	}
	fmt.Fprintf(stderr, "autobot-redis mcp: serving http://%s/mcp for %s\n", ln.Addr(), cfg.Addr)
	if onListen != nil {
		onListen(ln.Addr())
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "autobot-redis mcp: %v\n", err)
		return 1
	}
	return 0
}
