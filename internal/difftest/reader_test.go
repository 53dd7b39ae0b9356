package difftest

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

func TestReadReplyExact(t *testing.T) {
	replies := []string{
		"+OK\r\n",
		"-ERR something went wrong\r\n",
		":-42\r\n",
		"$5\r\nhello\r\n",
		"$0\r\n\r\n",
		"$-1\r\n",
		"$4\r\na\r\nb\r\n",
		"*-1\r\n",
		"*0\r\n",
		"*3\r\n$1\r\na\r\n:1\r\n*2\r\n+x\r\n$-1\r\n",
		"_\r\n",
		",3.14\r\n",
		",inf\r\n",
		"#t\r\n",
		"(3492890328409238509324850943850943825024385\r\n",
		"!21\r\nSYNTAX invalid syntax\r\n",
		"=15\r\ntxt:Some string\r\n",
		"%2\r\n+first\r\n:1\r\n+second\r\n%1\r\n$1\r\nk\r\n~2\r\n:1\r\n:2\r\n",
		"~3\r\n+a\r\n+b\r\n+c\r\n",
		">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n",
		"|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.19\r\n$1\r\nb\r\n,0.05\r\n*2\r\n:2039123\r\n:9543892\r\n",
		"*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n:1\r\n",
	}
	// All replies back to back: each read must return exactly one.
	r := bufio.NewReaderSize(strings.NewReader(strings.Join(replies, "")), 16)
	for _, want := range replies {
		got, err := ReadReply(r)
		if err != nil {
			t.Fatalf("reading %q: %v", want, err)
		}
		if string(got) != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		v, err := parseValue(got)
		if err != nil {
			t.Fatalf("parseValue(%q): %v", got, err)
		}
		if re := string(v.bytes()); re != want {
			t.Fatalf("re-encoding %q gave %q", want, re)
		}
	}
	if _, err := ReadReply(r); err != io.EOF {
		t.Fatalf("after the last reply: err = %v, want io.EOF", err)
	}
}

func TestReadReplyLongLine(t *testing.T) {
	line := "+" + strings.Repeat("x", 100000) + "\r\n"
	r := bufio.NewReaderSize(strings.NewReader(line+":1\r\n"), 16)
	got, err := ReadReply(r)
	if err != nil || string(got) != line {
		t.Fatalf("long simple string: len %d err %v", len(got), err)
	}
}

func TestReadReplyErrors(t *testing.T) {
	bad := []string{
		"",
		"+OK",
		"+OK\n",
		"?what\r\n",
		"$abc\r\n",
		"$-2\r\n",
		"$5\r\nhel",
		"$3\r\nabcde",
		"*2\r\n:1\r\n",
		"*x\r\n",
		"%1\r\n+k\r\n",
		"~-1\r\n",
		"_x",
		"$?\r\n",
		"|1\r\n+a\r\n+b\r\n",
		"\r\n",
	}
	for _, in := range bad {
		if got, err := ReadReply(bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Errorf("ReadReply(%q) = %q, want an error", in, got)
		}
	}
}
