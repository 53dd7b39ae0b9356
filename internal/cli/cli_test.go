package cli

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/difftest"
)

// TestOutputMatchesRedisCLI runs the same commands through Debian's
// redis-cli and through ours, against the same redis-server, in raw mode
// (output piped) and in the human format (--no-raw), over RESP2 and RESP3,
// and compares the bytes printed.
func TestOutputMatchesRedisCLI(t *testing.T) {
	redisCLI, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not found; install Debian's redis-tools to run this test")
	}
	ref := difftest.StartReference(t)
	host, port, _ := strings.Cut(ref.Addr, ":")
	setup := [][]string{
		{"RPUSH", "l", "a", "b c", "", "d\x01\n"},
		{"HSET", "h", "f1", "v1", "f2", "v2"},
		{"SADD", "s", "m"},
		{"ZADD", "z", "1.5", "m1", "2", "m2"},
		{"SET", "k", "va\"lue"},
		{"SET", "n", "10"},
	}
	for _, s := range setup {
		if out, err := exec.Command(redisCLI, append([]string{"-h", host, "-p", port}, s...)...).CombinedOutput(); err != nil {
			t.Fatalf("setup %v: %v %s", s, err, out)
		}
	}
	commands := [][]string{
		{"PING"}, {"GET", "k"}, {"GET", "missing"}, {"STRLEN", "k"}, {"LRANGE", "l", "0", "-1"},
		{"LRANGE", "missing", "0", "-1"}, {"HGETALL", "h"}, {"SMEMBERS", "s"}, {"SMEMBERS", "nos"},
		{"ZRANGE", "z", "0", "-1", "WITHSCORES"}, {"ZSCORE", "z", "m1"}, {"NOSUCHCMD", "x"},
		{"TYPE", "h"}, {"EXISTS", "k", "h"}, {"CONFIG", "GET", "maxmemory*"},
		{"EVAL", "return {1,{2,{3,'x'}},false,true,3.7}", "0"},
		{"EVAL", "return redis.call('ping')", "0"},
		{"OBJECT", "ENCODING", "l"}, {"XADD", "nostream", "NOMKSTREAM", "*", "a", "b"},
	}
	for _, proto := range []string{"-2", "-3"} {
		for _, mode := range []string{"", "--no-raw"} {
			for _, cmd := range commands {
				flags := []string{"-h", host, "-p", port, proto}
				if mode != "" {
					flags = append(flags, mode)
				}
				args := append(flags, cmd...)
				want, _ := exec.Command(redisCLI, args...).Output()
				var got, stderr bytes.Buffer
				Main(args, Env{Stdin: strings.NewReader(""), Stdout: &got, Stderr: &stderr})
				if got.String() != string(want) {
					t.Errorf("%s %s %q:\nredis-cli: %q\nours:      %q", proto, mode, cmd, want, got.String())
				}
			}
		}
	}
}

func TestPipedCommandsAndScan(t *testing.T) {
	redisCLI, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not found; install Debian's redis-tools to run this test")
	}
	ref := difftest.StartReference(t)
	host, port, _ := strings.Cut(ref.Addr, ":")
	input := "SET a 1\nINCR a\n\nGET \"a\"\nMSET user:1 x user:2 y session:1 z\n"
	cmd := exec.Command(redisCLI, "-h", host, "-p", port)
	cmd.Stdin = strings.NewReader(input)
	want, _ := cmd.Output()
	var got bytes.Buffer
	Main([]string{"-h", host, "-p", port}, Env{Stdin: strings.NewReader(input), Stdout: &got, Stderr: &got})
	if got.String() != string(want) {
		t.Fatalf("piped: redis-cli %q, ours %q", want, got.String())
	}
	got.Reset()
	Main([]string{"-h", host, "-p", port, "--scan", "--pattern", "user:*"}, Env{Stdout: &got, Stderr: &got})
	lines := strings.Fields(got.String())
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "user:") {
		t.Fatalf("--scan: %q", got.String())
	}
	// Connection errors read like redis-cli's and exit 1.
	got.Reset()
	if code := Main([]string{"-h", "127.0.0.1", "-p", "1", "PING"}, Env{Stdout: &got, Stderr: &got}); code != 1 ||
		got.String() != "Could not connect to Redis at 127.0.0.1:1: Connection refused\n" {
		t.Fatalf("refused: %d %q", code, got.String())
	}
}

func TestFormatWidths(t *testing.T) {
	// Indexes are padded to the widest one and nested lists line up.
	in := "*11\r\n" + strings.Repeat(":1\r\n", 9) + "*2\r\n+a\r\n+b\r\n:2\r\n"
	want := " 1) (integer) 1\n" + ` 2) (integer) 1
 3) (integer) 1
 4) (integer) 1
 5) (integer) 1
 6) (integer) 1
 7) (integer) 1
 8) (integer) 1
 9) (integer) 1
10) 1) a
    2) b
11) (integer) 2
`
	if got := formatTTY(mustParse(t, in), ""); got != want {
		t.Fatalf("tty:\n%s\nwant:\n%s", got, want)
	}
	if got := formatRaw(mustParse(t, "*2\r\n$1\r\na\r\n:1\r\n")); got != "a\n1" {
		t.Fatalf("raw %q", got)
	}
}
