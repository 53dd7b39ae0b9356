package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// repl is the interactive mode: a line editor with history (kept across
// sessions in ~/.autobot_cli_history, or REDISCLI_HISTFILE), redis-cli's
// prompt and its human-readable output.
func repl(o *Options, c *conn, env Env) int {
	f, ok := env.Stdin.(*os.File)
	if !ok {
		return runLines(o, c, env, true)
	}
	state, err := term.MakeRaw(int(f.Fd()))
	if err != nil {
		return runLines(o, c, env, true)
	}
	defer term.Restore(int(f.Fd()), state)
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{env.Stdin, env.Stdout}, prompt(o))
	hist := historyPath()
	for _, line := range loadHistory(hist) {
		t.History.Add(line)
	}
	out := Env{Stdin: env.Stdin, Stdout: t, Stderr: t, StdinTTY: true, StdoutTTY: true}
	for {
		line, err := t.ReadLine()
		if err != nil {
			return 0 // Ctrl-D or a closed terminal
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		appendHistory(hist, line)
		args, perr := resp.SplitArgs([]byte(line), nil)
		if perr != nil {
			fmt.Fprintln(t, "Invalid argument(s)")
			continue
		}
		strs := make([]string, len(args))
		for i, a := range args {
			strs[i] = string(a)
		}
		switch strings.ToLower(strs[0]) {
		case "quit", "exit":
			return 0
		case "clear":
			fmt.Fprint(t, "\x1b[H\x1b[2J")
			continue
		case "connect":
			if len(strs) >= 3 {
				o.Host = strs[1]
				if p, err := strconv.Atoi(strs[2]); err == nil {
					o.Port = p
				}
				c.close()
				nc, err := connect(o, out)
				if err != nil {
					fmt.Fprintln(t, err)
					return 1
				}
				c = nc
				t.SetPrompt(prompt(o))
			}
			continue
		}
		if err := runCommand(c, strs, out, true); err != nil {
			fmt.Fprintln(t, "Error:", err)
			nc, cerr := connect(o, out)
			if cerr != nil {
				fmt.Fprintln(t, cerr)
				return 1
			}
			c = nc
			continue
		}
		if strings.EqualFold(strs[0], "select") && len(strs) == 2 {
			if n, err := strconv.Atoi(strs[1]); err == nil {
				o.DB = n
				t.SetPrompt(prompt(o))
			}
		}
	}
}

func prompt(o *Options) string {
	where := o.Host + ":" + strconv.Itoa(o.Port)
	if o.Socket != "" {
		where = o.Socket
	}
	if o.DB != 0 {
		where += "[" + strconv.Itoa(o.DB) + "]"
	}
	return where + "> "
}

func historyPath() string {
	if p := os.Getenv("REDISCLI_HISTFILE"); p != "" {
		if p == "/dev/null" {
			return ""
		}
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".autobot_cli_history")
}

func loadHistory(path string) []string {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > 100 {
		lines = lines[len(lines)-100:]
	}
	return lines
}

// appendHistory records a line, leaving out AUTH lines that carry secrets.
func appendHistory(path, line string) {
	if path == "" {
		return
	}
	low := strings.ToLower(line)
	if strings.HasPrefix(low, "auth ") || strings.Contains(low, " auth ") {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, line)
}
