package difftest

import (
	"strings"
	"testing"
)

func mustStep(t *testing.T, line string) *step {
	t.Helper()
	steps, err := parseScript("c.txt", line)
	if err != nil || len(steps) != 1 {
		t.Fatalf("parse %q: %v", line, err)
	}
	return steps[0]
}

func TestVerdict(t *testing.T) {
	cases := []struct {
		line      string
		ref, ours string
		same      bool
	}{
		{"GET k", "$1\r\nv\r\n", "$1\r\nv\r\n", true},
		{"GET k", "$1\r\nv\r\n", "$1\r\nw\r\n", false},
		{"GET k", "$-1\r\n", "_\r\n", false},
		{"!skip GET k", "$1\r\nv\r\n", "-ERR x\r\n", true},
		{"!sort KEYS *", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "*2\r\n$1\r\nb\r\n$1\r\na\r\n", true},
		{"!sort KEYS *", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n", false},
		{"!sort KEYS *", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "~2\r\n$1\r\nb\r\n$1\r\na\r\n", false},
		{"!sort SCAN 0", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\ny\r\n$1\r\nx\r\n", true},
		{"!sort HGETALL h", "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n", "%2\r\n$1\r\nb\r\n:2\r\n$1\r\na\r\n:1\r\n", true},
		{"!sort HGETALL h", "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n", "%2\r\n$1\r\na\r\n:2\r\n$1\r\nb\r\n:1\r\n", false},
		{"!type CLIENT ID", ":5\r\n", ":12\r\n", true},
		{"!type CLIENT ID", ":5\r\n", "$2\r\n12\r\n", false},
		{"!type TIME", "*2\r\n$10\r\n1700000000\r\n$6\r\n123456\r\n", "*2\r\n$10\r\n1700000001\r\n$1\r\n5\r\n", true},
		{"!type TIME", "*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", false},
		{"!type GET k", "$-1\r\n", "$0\r\n\r\n", false},
		{"!range 9 10 TTL k", ":10\r\n", ":9\r\n", true},
		{"!range 9 10 TTL k", ":10\r\n", ":11\r\n", false},
		{"!range 9 10 TTL k", ":10\r\n", "$2\r\n10\r\n", true},
		{"!range 9 10 TTL k", ":10\r\n", "-ERR x\r\n", false},
		{`!mask 'id=\d+' CLIENT INFO`, "$9\r\nid=5 db=0\r\n", "$10\r\nid=17 db=0\r\n", true},
		{`!mask 'id=\d+' CLIENT INFO`, "$9\r\nid=5 db=0\r\n", "$10\r\nid=17 db=1\r\n", false},
		{`!mask '^[0-9.]+$' HELLO`, "*4\r\n$7\r\nversion\r\n$5\r\n7.0.1\r\n$2\r\nid\r\n:3\r\n", "*4\r\n$7\r\nversion\r\n$3\r\n1.0\r\n$2\r\nid\r\n:99\r\n", true},
	}
	for _, c := range cases {
		s := mustStep(t, c.line)
		why, _, _ := verdict(s, outcome{raw: []byte(c.ref)}, outcome{raw: []byte(c.ours)})
		if (why == "") != c.same {
			t.Errorf("%s: ref %q ours %q: verdict %q, want same=%v", c.line, c.ref, c.ours, why, c.same)
		}
	}
	// Connection-level notes always count.
	s := mustStep(t, "!skip QUIT")
	if why, _, _ := verdict(mustStep(t, "GET k"), outcome{raw: []byte("+OK\r\n")}, outcome{note: "connection closed"}); why == "" {
		t.Error("a closed connection must be a mismatch")
	}
	if why, _, _ := verdict(s, outcome{raw: []byte("+OK\r\n")}, outcome{note: "connection closed"}); why != "" {
		t.Error("!skip ignores everything")
	}
}

func TestMismatchMessage(t *testing.T) {
	s := mustStep(t, "SET k v EX 0")
	m := mismatch{step: s, proto: 3, why: "replies differ",
		ref: outcome{raw: []byte("-ERR invalid expire time in 'set' command\r\n")}, ours: outcome{raw: []byte("+OK\r\n")}}
	msg := m.String()
	for _, want := range []string{
		`c.txt:1 [RESP3] SET k v EX 0`,
		`redis-server: "-ERR invalid expire time in 'set' command\r\n"`,
		`ours:         "+OK\r\n"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}
