package command

import (
	"strings"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/resp"
)

var _ ReplyWriter = (*resp.Writer)(nil)

// Replies captured from redis-server 7.0.15, so that the rendering is
// checked even where the server is not installed.
const (
	getInfoRESP2 = "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"
	getInfoRESP3 = "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"
)

func TestRenderInfoGolden(t *testing.T) {
	cat := NewCatalog(All())
	for proto, want := range map[int]string{2: getInfoRESP2, 3: getInfoRESP3} {
		got := renderReply(proto, func(w ReplyWriter) { cat.WriteInfo(w, [][]byte{[]byte("GET")}) })
		if string(got) != want {
			t.Errorf("RESP%d COMMAND INFO get:\n got %q\nwant %q", proto, got, want)
		}
	}
	got := renderReply(2, func(w ReplyWriter) { cat.WriteInfo(w, [][]byte{[]byte("nosuch"), []byte("client|nosuch")}) })
	if string(got) != "*2\r\n$-1\r\n$-1\r\n" {
		t.Errorf("unknown names: %q", got)
	}
	got = renderReply(3, func(w ReplyWriter) { cat.WriteInfo(w, [][]byte{[]byte("nosuch")}) })
	if string(got) != "*1\r\n_\r\n" {
		t.Errorf("unknown name RESP3: %q", got)
	}
}

func TestRenderDocs(t *testing.T) {
	cat := NewCatalog(All())
	got := string(renderReply(3, func(w ReplyWriter) { cat.WriteDocs(w, [][]byte{[]byte("get"), []byte("nosuch")}) }))
	want := "%1\r\n$3\r\nget\r\n%4\r\n$7\r\nsummary\r\n$" +
		itoa(len(summaries["get"])) + "\r\n" + summaries["get"] + "\r\n" +
		"$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n" +
		"$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"
	if got != want {
		t.Errorf("COMMAND DOCS get:\n got %q\nwant %q", got, want)
	}
	// MIGRATE's empty token is shown.
	got = string(renderReply(2, func(w ReplyWriter) { cat.WriteDocs(w, [][]byte{[]byte("migrate")}) }))
	if !strings.Contains(got, "$12\r\nempty_string\r\n$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$0\r\n\r\n") {
		t.Error("MIGRATE empty_string token missing")
	}
	// Deprecated commands carry doc flags and replacement.
	got = string(renderReply(3, func(w ReplyWriter) { cat.WriteDocs(w, [][]byte{[]byte("georadius")}) }))
	for _, frag := range []string{"$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n", "$16\r\ndeprecated_since\r\n$5\r\n6.2.0\r\n", "$11\r\nreplaced_by\r\n"} {
		if !strings.Contains(got, frag) {
			t.Errorf("georadius docs lack %q", frag)
		}
	}
	// No complexity or history.
	all := string(renderReply(3, func(w ReplyWriter) { cat.WriteDocs(w, nil) }))
	if strings.Contains(all, "complexity") || strings.Contains(all, "$7\r\nhistory\r\n") {
		t.Error("complexity or history rendered")
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestRenderCountAndList(t *testing.T) {
	specs, _ := Subset([]string{"get", "config|get", "xinfo|help"})
	cat := NewCatalog(specs)
	if got := string(renderReply(2, cat.WriteCount)); got != ":3\r\n" {
		t.Errorf("COUNT %q", got)
	}
	list := func(args ...string) string {
		b := make([][]byte, len(args))
		for i, a := range args {
			b[i] = []byte(a)
		}
		return string(renderReply(2, func(w ReplyWriter) { cat.WriteList(w, b) }))
	}
	cases := map[string]string{
		"":                           "*5\r\n$6\r\nconfig\r\n$10\r\nconfig|get\r\n$3\r\nget\r\n$5\r\nxinfo\r\n$10\r\nxinfo|help\r\n",
		"FILTERBY PATTERN *|*":       "*2\r\n$10\r\nconfig|get\r\n$10\r\nxinfo|help\r\n",
		"filterby aclcat READ":       "*1\r\n$3\r\nget\r\n",
		"FILTERBY ACLCAT nosuch":     "*0\r\n",
		"FILTERBY MODULE m":          "*0\r\n",
		"FILTERBY":                   "-ERR syntax error\r\n",
		"FILTERBY BOGUS x":           "-ERR syntax error\r\n",
		"FILTERBY PATTERN x y":       "-ERR syntax error\r\n",
		"x":                          "-ERR syntax error\r\n",
		"FILTERBY PATTERN [c-d]*":    "*2\r\n$6\r\nconfig\r\n$10\r\nconfig|get\r\n",
		"FILTERBY ACLCAT connection": "*0\r\n",
	}
	for args, want := range cases {
		if got := list(strings.Fields(args)...); got != want {
			t.Errorf("LIST %s: got %q want %q", args, got, want)
		}
	}
}

func TestRenderGetKeys(t *testing.T) {
	cat := NewCatalog(All())
	get := func(withFlags bool, line string) string {
		return string(renderReply(3, func(w ReplyWriter) { cat.WriteGetKeys(w, splitArgs(line), withFlags) }))
	}
	cases := []struct {
		flags      bool
		line, want string
	}{
		{false, "mset a 1 b 2", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{true, "set k v get", "*1\r\n*2\r\n$1\r\nk\r\n~3\r\n+RW\r\n+access\r\n+update\r\n"},
		{true, "zunionstore d 01 a", "*2\r\n*2\r\n$1\r\na\r\n~0\r\n*2\r\n$1\r\nd\r\n~0\r\n"},
		{false, "nosuch a", "-ERR Invalid command specified\r\n"},
		{false, "client nosuch", "-ERR Invalid command specified\r\n"},
		{false, "ping x", "-ERR The command has no key arguments\r\n"},
		{false, "get a b", "-ERR Invalid number of arguments specified for command\r\n"},
		{false, "zunionstore d 0 a", "-ERR Invalid arguments specified for command\r\n"},
		{false, "eval s 0", "*0\r\n"},
	}
	for _, c := range cases {
		if got := get(c.flags, c.line); got != c.want {
			t.Errorf("GETKEYS %s: got %q want %q", c.line, got, c.want)
		}
	}
}

func TestStringMatch(t *testing.T) {
	cases := []struct {
		pat, s string
		want   bool
	}{
		{"*", "", false /* as in Redis 7.0 */}, {"*", "abc", true}, {"", "", true}, {"", "a", false}, {"a", "", false},
		{"a*", "abc", true}, {"*c", "abc", true}, {"a*c", "abbbc", true}, {"a*c", "abbb", false},
		{"?", "a", true}, {"?", "", false}, {"??", "a", false}, {"a?c", "abc", true},
		{"[abc]", "b", true}, {"[abc]", "d", false}, {"[^abc]", "d", true}, {"[^abc]", "a", false},
		{"[a-c]x", "bx", true}, {"[c-a]x", "bx", true}, {"[a-c]", "d", false},
		{"[\\]]", "]", true}, {"\\*", "*", true}, {"\\*", "a", false}, {"a\\", "a", false},
		{"[abc", "a", true}, {"[abc", "ab", false}, {"a[", "a", false}, {"*|*", "client|list", true},
		{"**", "x", true}, {"a**b", "axxb", true}, {"*a*b*c*", "xaybzc", true}, {"*a*b*c*", "xaybz", false},
		{"GET", "get", true}, {"[A-C]*", "bitop", true},
	}
	for _, c := range cases {
		if got := stringMatch(c.pat, c.s, true); got != c.want {
			t.Errorf("stringMatch(%q, %q) = %v, want %v", c.pat, c.s, got, c.want)
		}
	}
	if stringMatch("GET", "get", false) {
		t.Error("case-sensitive match folded case")
	}
}
