// Command autobot-redis is the single binary of the project. Its
// subcommands are the Redis-compatible server and the operations tools.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `autobot-redis: a Redis-compatible data tier for AutoBot.

Usage:
  autobot-redis serve [redis.conf] [--directive value ...]   run the server
  autobot-redis cli [options] [command [arg ...]]            a redis-cli compatible client
  autobot-redis health [-h host -p port ...] [--json]        exit 0 when the server is healthy
  autobot-redis doctor [-h host -p port ...] [--json]        the troubleshooting checks, with fixes
  autobot-redis memory [--db N] [--pattern P] [--top K]      memory by key pattern, top keys, TTLs
  autobot-redis backup --out FILE [--db N]                   full RDB snapshot, or one database
  autobot-redis restore --in FILE [--db N] [--dry-run] [--replace|--skip-existing]
  autobot-redis mcp [--http ADDR] [--allow-writes]          MCP server with autobot_redis_info and friends
  autobot-redis console [--redis-url URL] [--listen ADDR]    the web console for any Redis
  autobot-redis demo [--listen ADDR] [--data DIR]            example backend on the data layer (six stores over HTTP)
  autobot-redis version                                      print the version

Run "autobot-redis <command> --help" for details.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve", "server":
		return runServe(args[1:], stdout, stderr)
	case "cli":
		return runCLI(args[1:], stdout, stderr)
	case "demo":
		return runDemo(args[1:], stdout, stderr)
	case "doctor":
		return runDoctor(args[1:], stdout, stderr)
	case "mcp":
		return runMCP(args[1:], stdout, stderr)
	case "health":
		return runHealth(args[1:], stdout, stderr)
	case "memory":
		return runMemory(args[1:], stdout, stderr)
	case "backup":
		return runBackup(args[1:], stdout, stderr)
	case "restore":
		return runRestore(args[1:], stdout, stderr)
	case "console":
		return runConsole(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "autobot-redis: unknown command %q\n\n%s", args[0], usage)
	return 2
}
