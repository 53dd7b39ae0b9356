package main

import (
	"io"
	"os"

	"golang.org/x/term"

	"github.com/autobot-ai/autobot-redis/internal/cli"
)

func runCLI(args []string, stdout, stderr io.Writer) int {
	return cli.Main(args, cli.Env{
		Stdin: os.Stdin, Stdout: stdout, Stderr: stderr,
		StdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		StdoutTTY: stdout == os.Stdout && term.IsTerminal(int(os.Stdout.Fd())),
	})
}
