package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"   \t ", nil, false},
		{"port 6379", []string{"port", "6379"}, false},
		{"  a\tb  c  ", []string{"a", "b", "c"}, false},
		{`save ""`, []string{"save", ""}, false},
		{`save ''`, []string{"save", ""}, false},
		{`a "b c" d`, []string{"a", "b c", "d"}, false},
		{`a "x\ny"`, []string{"a", "x\ny"}, false},
		{`"\n\r\t\b\a\\\"\q"`, []string{"\n\r\t\b\a\\\"q"}, false},
		{`"\x41\x7a\xff\x0"`, []string{"Az\xffx0"}, false},
		{`"\xZZ"`, []string{"xZZ"}, false},
		{`'it\'s' 'a\nb'`, []string{"it's", `a\nb`}, false},
		{`'a"b'`, []string{`a"b`}, false},
		{`"a'b"`, []string{`a'b`}, false},
		{`ab"cd"`, []string{"abcd"}, false}, // a quote may start inside a word
		{`"ab"cd`, nil, true},               // but must be followed by a blank when it closes
		{`'ab'cd`, nil, true},
		{`"unterminated`, nil, true},
		{`'unterminated`, nil, true},
		{`"trailing backslash\`, nil, true},
		{`# not special here`, []string{"#", "not", "special", "here"}, false},
		{"a\x00b c", []string{"a"}, false},
		{"a\vb", []string{"a\vb"}, false}, // \v separates only before a word
		{"\va", []string{"a"}, false},
	}
	for _, tc := range tests {
		got, err := SplitArgs(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("SplitArgs(%q) error = %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if !tc.err && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "with space", `q"uote`, `back\slash`, "nl\n", "\x00\x01\x7f\xff", "tab\there", "'single'"} {
		got, err := SplitArgs("x " + Quote(s))
		if err != nil || len(got) != 2 || got[1] != s {
			t.Errorf("Quote(%q) = %s, reads back as %q (%v)", s, Quote(s), got, err)
		}
		got, err = SplitArgs("x " + quoteIfNeeded(s))
		if err != nil || len(got) != 2 || got[1] != s {
			t.Errorf("quoteIfNeeded(%q) = %s, reads back as %q (%v)", s, quoteIfNeeded(s), got, err)
		}
	}
	if quoteIfNeeded("127.0.0.1") != "127.0.0.1" || quoteIfNeeded("-::*") != "-::*" {
		t.Error("plain words must stay unquoted")
	}
}

func mustParse(t *testing.T, text string) *Config {
	t.Helper()
	c, err := Parse(strings.NewReader(text), "test.conf")
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	return c
}

func TestParseDirectives(t *testing.T) {
	tests := []struct {
		text string
		want map[string]string // CONFIG GET values after parsing
	}{
		{"", map[string]string{"port": "6379", "save": "3600 1 300 100 60 10000", "bind": "* -::*"}},
		{"# comment\n\n   # indented\nport 7000\n", map[string]string{"port": "7000"}},
		{"PORT 7000\nPort 7001\n", map[string]string{"port": "7001"}},             // case-insensitive, last wins
		{"port 7000\r\nhz 20\r\n", map[string]string{"port": "7000", "hz": "20"}}, // CRLF
		{"  \tport 7000\t  \n", map[string]string{"port": "7000"}},
		{"save 900 1\nsave 300 10\n", map[string]string{"save": "900 1 300 10"}},
		{"save \"900 1 300 10\"\n", map[string]string{"save": "900 1 300 10"}},
		{"save \"\"\n", map[string]string{"save": ""}},
		{"save 900 1\nsave \"\"\nsave 60 5\n", map[string]string{"save": "60 5"}},
		{"bind 127.0.0.1 ::1\nbind 10.0.0.1\n", map[string]string{"bind": "10.0.0.1"}},
		{"bind \"127.0.0.1 -::1\"\n", map[string]string{"bind": "127.0.0.1 -::1"}},
		{"bind \"\"\n", map[string]string{"bind": ""}},
		{"maxmemory 1gb\nmaxmemory-policy ALLKEYS-LRU\n", map[string]string{"maxmemory": "1073741824", "maxmemory-policy": "allkeys-lru"}},
		{"hash-max-ziplist-entries 10\nslaveof 10.0.0.1 6380\n", map[string]string{"hash-max-listpack-entries": "10", "replicaof": "10.0.0.1 6380"}},
		{"replicaof 10.0.0.1 6380\nreplicaof no one\n", map[string]string{"replicaof": ""}},
		{"client-output-buffer-limit normal 1mb 2mb 3\nclient-output-buffer-limit pubsub 0 0 0\n",
			map[string]string{"client-output-buffer-limit": "normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 0 0 0"}},
		{"notify-keyspace-events Ex\n", map[string]string{"notify-keyspace-events": "xE"}},
		{"requirepass \"p a s s\"\n", map[string]string{"requirepass": "p a s s"}},
		{"list-max-ziplist-entries 512\nlist-max-ziplist-value 64\nlua-replicate-commands yes\n", map[string]string{"port": "6379"}},
		{"rename-command FLUSHALL \"\"\nuser alice on >pw ~* +@all\nloadmodule /x.so a b\nfoo.bar 1 2\nsentinel\n", map[string]string{"port": "6379"}},
		{"unixsocketperm 700\n", map[string]string{"unixsocketperm": "700"}},
		{"hz 100000\n", map[string]string{"hz": "500"}},
		{"dir /tmp\n", map[string]string{"dir": "/tmp"}},
		{"dir /nonexistent/x\n", map[string]string{"dir": "/nonexistent/x"}}, // created by the server later
		{"console-port 8001\n", map[string]string{"console-port": "8001"}},
	}
	for _, tc := range tests {
		c := mustParse(t, tc.text)
		for name, want := range tc.want {
			if got, _ := c.Value(name); got != want {
				t.Errorf("%q: %s = %q, want %q", tc.text, name, got, want)
			}
		}
	}
	c := mustParse(t, "rename-command FLUSHALL \"\"\nuser alice on >pw ~* +@all\nloadmodule /x.so a b\nfoo.bar 1 2\n")
	if !reflect.DeepEqual(c.RenameCommands, []RenameCommand{{"FLUSHALL", ""}}) ||
		!reflect.DeepEqual(c.Users, [][]string{{"alice", "on", ">pw", "~*", "+@all"}}) ||
		!reflect.DeepEqual(c.LoadModules, [][]string{{"/x.so", "a", "b"}}) ||
		c.ModuleConfigs["foo.bar"] != "1 2" {
		t.Errorf("stored directives: %+v %+v %+v %+v", c.RenameCommands, c.Users, c.LoadModules, c.ModuleConfigs)
	}
	wd, _ := os.Getwd()
	if c := mustParse(t, "dir sub\ndir deeper\n"); c.Dir != filepath.Join(wd, "sub", "deeper") {
		t.Errorf("relative dirs chain like chdir: %s", c.Dir)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		text, reason string
		line         int
		lineText     string
	}{
		{"port 1234\n\nfooo bar\n", "unknown directive 'fooo'", 3, "fooo bar"},
		{"port abc", "argument couldn't be parsed into an integer", 1, "port abc"},
		{"port 70000", "argument must be between 0 and 65535 inclusive", 1, "port 70000"},
		{"port", "wrong number of arguments", 1, "port"},
		{"port 1 2", "wrong number of arguments", 1, "port 1 2"},
		{"  maxmemory 1tb  ", "argument must be a memory value", 1, "maxmemory 1tb"},
		{"appendonly maybe", "argument must be 'yes' or 'no'", 1, "appendonly maybe"},
		{"loglevel loud", "argument(s) must be one of the following: debug, verbose, notice, warning", 1, "loglevel loud"},
		{"save 900", "Invalid save parameters", 1, "save 900"},
		{"bind \"x", "Unbalanced quotes in configuration line", 1, "bind \"x"},
		{"include", "wrong number of arguments", 1, "include"},
		{"include /nonexistent/file.conf", "can't open config file '/nonexistent/file.conf': No such file or directory", 1, "include /nonexistent/file.conf"},
		{"foo.bar", "Module config specified without value", 1, "foo.bar"},
		{"sentinel monitor m 1 2", "sentinel directive while not in sentinel mode", 1, "sentinel monitor m 1 2"},
		{"lua-replicate-commands", "wrong number of arguments", 1, "lua-replicate-commands"},
		{"dbfilename a/b", "dbfilename can't be a path, just a filename", 1, "dbfilename a/b"},
		{"cluster-enabled yes\nreplicaof h 1\n", "replicaof directive not allowed in cluster mode", 2, "replicaof h 1"},
	}
	for _, tc := range tests {
		_, err := Parse(strings.NewReader(tc.text), "dir/redis.conf")
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: error %v is not a *ParseError", tc.text, err)
			continue
		}
		if pe.Reason != tc.reason || pe.Line != tc.line || pe.Text != tc.lineText || pe.File != "dir/redis.conf" {
			t.Errorf("%q: got %+v", tc.text, *pe)
		}
	}
	_, err := Parse(strings.NewReader("port 1\nfooo bar\n"), "config/redis.conf")
	if want := "config/redis.conf:2: unknown directive 'fooo' ('fooo bar')"; err == nil || err.Error() != want {
		t.Errorf("error text %q, want %q", err, want)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestIncludes(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "main.conf")
	writeFile(t, filepath.Join(dir, "conf.d", "10-a.conf"), "port 7001\nsave 10 1\n")
	writeFile(t, filepath.Join(dir, "conf.d", "20-b.conf"), "port 7002\n")
	writeFile(t, filepath.Join(dir, "conf.d", "ignored.txt"), "port 1\n")
	writeFile(t, filepath.Join(dir, "secret.conf"), "requirepass s3cret\n")
	writeFile(t, filepath.Join(dir, "bad.conf"), "# ok\nmaxmemory lots\n")
	writeFile(t, filepath.Join(dir, "loop.conf"), "include "+filepath.Join(dir, "loop.conf")+"\n")

	// Included lines take effect where the include is: later lines win.
	writeFile(t, main, "save 900 1\ninclude "+filepath.Join(dir, "conf.d", "*.conf")+"\ninclude "+
		filepath.Join(dir, "secret.conf")+"\ninclude "+filepath.Join(dir, "empty.d", "*.conf")+"\ntimeout 5\n")
	c, err := Load(main, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 7002 || c.RequirePass != "s3cret" || c.Timeout != 5 {
		t.Errorf("port %d requirepass %q timeout %d", c.Port, c.RequirePass, c.Timeout)
	}
	if got, _ := c.Value("save"); got != "900 1 10 1" {
		t.Errorf("save lines accumulate across includes: %q", got)
	}
	if c.File() != main {
		t.Errorf("File() = %q", c.File())
	}

	// Errors name the included file and its line.
	writeFile(t, main, "port 1\ninclude "+filepath.Join(dir, "bad.conf")+"\n")
	_, err = Load(main, nil)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != filepath.Join(dir, "bad.conf") || pe.Line != 2 {
		t.Errorf("error in include: %v", err)
	}

	writeFile(t, main, "include "+filepath.Join(dir, "loop.conf")+"\n")
	if _, err := Load(main, nil); err == nil || !strings.Contains(err.Error(), "include nesting is too deep") {
		t.Errorf("include loop: %v", err)
	}

	if _, err := Load(filepath.Join(dir, "missing.conf"), nil); err == nil ||
		!strings.Contains(err.Error(), "can't open config file") || !strings.Contains(err.Error(), "No such file or directory") {
		t.Errorf("missing file: %v", err)
	}
}

func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "r.conf")
	writeFile(t, file, "port 6000\nsave 900 1\nbind 10.0.0.1\nmaxmemory 1mb\n")
	tests := []struct {
		file string
		args []string
		want map[string]string
	}{
		{"", []string{"--port", "7000", "--save", "", "--bind", "127.0.0.1", "::1"},
			map[string]string{"port": "7000", "save": "", "bind": "127.0.0.1 ::1"}},
		{file, []string{"--port", "7000"}, map[string]string{"port": "7000", "save": "900 1", "bind": "10.0.0.1"}},
		{file, nil, map[string]string{"port": "6000", "maxmemory": "1048576"}},
		{file, []string{"--save", "60", "5"}, map[string]string{"save": "900 1 60 5"}}, // adds to the file's save lines, as Redis does
		{file, []string{"--save", "", "--save", "60 5"}, map[string]string{"save": "60 5"}},
		{file, []string{"--save", "--port", "1"}, map[string]string{"save": "", "port": "1"}},
		{file, []string{"--port", "1", "--save"}, map[string]string{"save": "", "port": "1"}},
		{"", []string{"--port 7001", "--bind", "127.0.0.1 ::1"}, map[string]string{"port": "7001", "bind": "127.0.0.1 ::1"}},
		{"", []string{"--requirepass", "--not-an-option"}, map[string]string{"requirepass": "--not-an-option"}},
		{"", []string{"--requirepass", "a b\"c"}, map[string]string{"requirepass": "a b\"c"}},
		{"", []string{"--MAXMEMORY", "2mb", "--maxmemory", "3mb"}, map[string]string{"maxmemory": "3145728"}},
		{"", []string{"--notify-keyspace-events", ""}, map[string]string{"notify-keyspace-events": ""}},
	}
	for _, tc := range tests {
		c, err := Load(tc.file, tc.args)
		if err != nil {
			t.Errorf("Load(%q, %q): %v", tc.file, tc.args, err)
			continue
		}
		for name, want := range tc.want {
			if got, _ := c.Value(name); got != want {
				t.Errorf("Load(%q, %q): %s = %q, want %q", tc.file, tc.args, name, got, want)
			}
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--port", "abc"}, `(command line):1: argument couldn't be parsed into an integer ('port "abc"')`},
		{[]string{"--port", "1", "--fooo", "x"}, `(command line):2: unknown directive 'fooo' ('fooo "x"')`},
		{[]string{"stray", "--port", "1"}, `(command line):1: unknown directive 'stray' ('"stray"')`},
		{[]string{"--port", "1", "2"}, `(command line):1: wrong number of arguments ('port "1" "2"')`},
		{[]string{"--port", "1", "-"}, "(command line): reading the configuration from standard input is not supported"},
	} {
		_, err := Load("", tc.args)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Load(%q): %v, want %s", tc.args, err, tc.want)
		}
	}

	c, err := LoadArgs([]string{file, "--port", "7777"})
	if err != nil || c.Port != 7777 || c.File() != file || c.MaxMemory != 1<<20 {
		t.Errorf("LoadArgs with file: %v %+v", err, c)
	}
	c, err = LoadArgs([]string{"--port", "7778"})
	if err != nil || c.Port != 7778 || c.File() != "" {
		t.Errorf("LoadArgs without file: %v", err)
	}
}
