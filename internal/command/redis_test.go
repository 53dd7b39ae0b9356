package command

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// These tests compare our replies with the reference redis-server 7.0,
// byte for byte after canonicalization: Redis lists subcommands (and, for
// COMMAND without names, commands) in hash-table order, so those lists are
// sorted on both sides; the prose fields summary, complexity and history of
// COMMAND DOCS differ by design and are dropped from both sides.

func fullCatalog() *Catalog { return NewCatalog(All()) }

func compareInfo(t *testing.T, rc *refConn, proto int, names []string, sortTop bool) {
	t.Helper()
	args := append([]string{"COMMAND", "INFO"}, names...)
	want := parseNode(t, rc.do(args...))
	bnames := make([][]byte, len(names))
	for i, n := range names {
		bnames[i] = []byte(n)
	}
	got := parseNode(t, renderReply(proto, func(w ReplyWriter) { fullCatalog().WriteInfo(w, bnames) }))
	normInfoList(want, sortTop)
	normInfoList(got, sortTop)
	if we, ge := want.encode(), got.encode(); !bytes.Equal(we, ge) {
		t.Errorf("RESP%d COMMAND INFO %q differs:\n%s", proto, names, diffReplies(we, ge))
	}
}

func compareDocs(t *testing.T, rc *refConn, proto int, names []string, sortTop bool) {
	t.Helper()
	args := append([]string{"COMMAND", "DOCS"}, names...)
	want := parseNode(t, rc.do(args...))
	bnames := make([][]byte, len(names))
	for i, n := range names {
		bnames[i] = []byte(n)
	}
	got := parseNode(t, renderReply(proto, func(w ReplyWriter) { fullCatalog().WriteDocs(w, bnames) }))
	normDocsMap(want, sortTop)
	normDocsMap(got, sortTop)
	if we, ge := want.encode(), got.encode(); !bytes.Equal(we, ge) {
		t.Errorf("RESP%d COMMAND DOCS %q differs:\n%s", proto, names, diffReplies(we, ge))
	}
}

// sampleNames is a sample of single lookups, including containers,
// subcommands, movable-key commands, case variations and unknown names.
var sampleNames = []string{
	"get", "set", "GET", "Client", "client", "config", "xinfo", "client|list", "CLIENT|KILL",
	"config|get", "xinfo|stream", "eval", "evalsha_ro", "fcall", "zunionstore", "zinter", "sort",
	"sort_ro", "migrate", "xread", "xreadgroup", "lmpop", "blmpop", "bzmpop", "georadius",
	"geosearchstore", "bitfield", "bitfield_ro", "object", "memory|usage", "pfcount", "spublish",
	"ssubscribe", "publish", "command", "command|getkeys", "acl", "cluster", "function",
	"restore-asking", "keys", "scan", "hello", "nosuchcommand", "", "client|", "|list",
	"client|nosuch", "get|x", "client|list|x", "x|y|z",
}

func TestCommandInfoMatchesRedis(t *testing.T) {
	addr := refServer(t)
	for _, proto := range testProtos {
		rc := dialRef(t, addr, proto)
		// Every command by itself.
		for _, s := range All() {
			compareInfo(t, rc, proto, []string{s.Name}, false)
			for _, sub := range s.Subcommands {
				compareInfo(t, rc, proto, []string{sub.Name}, false)
			}
		}
		// Samples, one by one and all in one request (order kept).
		for _, n := range sampleNames {
			compareInfo(t, rc, proto, []string{n}, false)
		}
		compareInfo(t, rc, proto, sampleNames, false)
		// No names: every command.
		compareInfo(t, rc, proto, nil, true)
	}
}

func TestCommandMatchesRedis(t *testing.T) {
	addr := refServer(t)
	for _, proto := range testProtos {
		rc := dialRef(t, addr, proto)
		want := parseNode(t, rc.do("COMMAND"))
		got := parseNode(t, renderReply(proto, fullCatalog().WriteCommand))
		normInfoList(want, true)
		normInfoList(got, true)
		if we, ge := want.encode(), got.encode(); !bytes.Equal(we, ge) {
			t.Errorf("RESP%d COMMAND differs:\n%s", proto, diffReplies(we, ge))
		}
	}
}

func TestCommandDocsMatchesRedis(t *testing.T) {
	addr := refServer(t)
	for _, proto := range testProtos {
		rc := dialRef(t, addr, proto)
		for _, s := range All() {
			compareDocs(t, rc, proto, []string{s.Name}, false)
			for _, sub := range s.Subcommands {
				compareDocs(t, rc, proto, []string{sub.Name}, false)
			}
		}
		for _, n := range sampleNames {
			compareDocs(t, rc, proto, []string{n}, false)
		}
		compareDocs(t, rc, proto, sampleNames, false)
		compareDocs(t, rc, proto, nil, true)
	}
}

func TestCommandCountMatchesRedis(t *testing.T) {
	addr := refServer(t)
	for _, proto := range testProtos {
		rc := dialRef(t, addr, proto)
		want := rc.do("COMMAND", "COUNT")
		got := renderReply(proto, fullCatalog().WriteCount)
		if !bytes.Equal(want, got) {
			t.Errorf("RESP%d COMMAND COUNT: redis %q, ours %q", proto, want, got)
		}
	}
}

// sortedList returns the elements of an array reply sorted, or the raw
// reply when it is not an array (an error).
func sortedList(t *testing.T, raw []byte) string {
	n := parseNode(t, raw)
	if n.kind != '*' {
		return string(raw)
	}
	var names []string
	for _, e := range n.elems {
		names = append(names, e.text())
	}
	sort.Strings(names)
	return fmt.Sprintf("%d: %s", len(names), strings.Join(names, " "))
}

func TestCommandListMatchesRedis(t *testing.T) {
	cases := [][]string{
		{},
		{"FILTERBY", "ACLCAT", "nosuchcat"},
		{"FILTERBY", "aclcat", "ADMIN"},
		{"FILTERBY", "MODULE", "nosuchmodule"},
		{"FILTERBY", "PATTERN", "*"},
		{"FILTERBY", "PATTERN", "client*"},
		{"FILTERBY", "PATTERN", "CLIENT|*"},
		{"FILTERBY", "PATTERN", "*|*"},
		{"FILTERBY", "PATTERN", "?et"},
		{"FILTERBY", "PATTERN", "[a-c]*"},
		{"FILTERBY", "PATTERN", "[^a-y]*"},
		{"FILTERBY", "PATTERN", "z*store"},
		{"FILTERBY", "PATTERN", "x\\info"},
		{"FILTERBY", "PATTERN", "[abc"},
		{"FILTERBY", "PATTERN", "get["},
		{"FILTERBY", "PATTERN", ""},
		{"FILTERBY", "PATTERN"},
		{"FILTERBY", "NOSUCH", "x"},
		{"FILTERBY", "PATTERN", "a", "extra"},
		{"bogus"},
	}
	for _, c := range CategoryNames() {
		cases = append(cases, []string{"FILTERBY", "ACLCAT", c})
	}
	addr := refServer(t)
	for _, proto := range testProtos {
		rc := dialRef(t, addr, proto)
		for _, c := range cases {
			want := sortedList(t, rc.do(append([]string{"COMMAND", "LIST"}, c...)...))
			args := make([][]byte, len(c))
			for i, a := range c {
				args[i] = []byte(a)
			}
			got := sortedList(t, renderReply(proto, func(w ReplyWriter) { fullCatalog().WriteList(w, args) }))
			if want != got {
				t.Errorf("RESP%d COMMAND LIST %q:\nredis %s\nours  %s", proto, c, want, got)
			}
		}
	}
}

// getKeysCases are command lines for COMMAND GETKEYS / GETKEYSANDFLAGS.
var getKeysCases = [][]string{
	// Plain key specs.
	{"get", "k"}, {"GET", "k"}, {"set", "k", "v"}, {"set", "k", "v", "get"},
	{"set", "k", "v", "EX", "10", "GET"}, {"set", "k", "v", "nx"}, {"mset", "a", "1", "b", "2"},
	{"mset", "a", "1", "b"}, {"mget", "a", "b", "c"}, {"del", "a", "b", "c"}, {"exists", "a"},
	{"rename", "a", "b"}, {"renamenx", "a", "b"}, {"copy", "a", "b", "db", "1"}, {"smove", "a", "b", "m"},
	{"lmove", "a", "b", "left", "right"}, {"blmove", "a", "b", "left", "right", "0"},
	{"rpoplpush", "a", "b"}, {"brpoplpush", "a", "b", "0"}, {"blpop", "a", "b", "0"},
	{"brpop", "a", "0"}, {"bzpopmin", "a", "b", "0"}, {"pfcount", "a", "b"}, {"pfmerge", "d", "a", "b"},
	{"watch", "a", "b"}, {"touch", "a"}, {"unlink", "a", "b"}, {"dump", "k"}, {"restore", "k", "0", "v"},
	{"lcs", "a", "b"}, {"getex", "k", "persist"}, {"msetnx", "a", "1"}, {"sdiffstore", "d", "a", "b"},
	{"sunionstore", "d", "a"}, {"bitop", "and", "d", "a", "b"}, {"bitop", "not", "d", "a"},
	{"hset", "h", "f", "v"}, {"xadd", "s", "*", "f", "v"}, {"xtrim", "s", "maxlen", "10"},
	{"xclaim", "s", "g", "c", "0", "0-1"}, {"xautoclaim", "s", "g", "c", "0", "0"},
	{"xack", "s", "g", "0-1"}, {"xpending", "s", "g"}, {"xsetid", "s", "0-1"},
	{"geosearchstore", "d", "s", "frommember", "m", "byradius", "1", "km"},
	{"geosearch", "s", "frommember", "m", "byradius", "1", "km"}, {"zrangestore", "d", "s", "0", "-1"},
	{"georadius_ro", "k", "0", "0", "1", "km"}, {"georadiusbymember_ro", "k", "m", "1", "km"},
	{"object", "encoding", "k"}, {"OBJECT", "FREQ", "k"}, {"memory", "usage", "k"},
	{"xinfo", "stream", "s"}, {"xinfo", "groups", "s"}, {"xinfo", "consumers", "s", "g"},
	{"xgroup", "create", "s", "g", "$"}, {"xgroup", "setid", "s", "g", "0"},
	{"xgroup", "createconsumer", "s", "g", "c"}, {"bitfield_ro", "k", "get", "u8", "0"},
	{"bitcount", "k"}, {"sintercard", "1", "a"}, {"substr", "k", "0", "1"},
	{"pexpire", "k", "10"}, {"migrate", "h", "1", "k", "0", "100"},

	// Numkeys specs with fallbacks.
	{"eval", "return 1", "0"}, {"eval", "s", "2", "a", "b", "c", "d"}, {"eval", "s", "3", "a", "b"},
	{"eval", "s", "-1"}, {"eval", "s", "x", "a"}, {"eval", "s", "01", "a"}, {"eval", "s", " 1", "a"},
	{"eval", "s", "1"}, {"evalsha", "sha", "1", "k"}, {"evalsha_ro", "sha", "2", "a", "b"},
	{"eval_ro", "s", "1", "k", "arg"}, {"fcall", "f", "1", "k", "a"}, {"fcall_ro", "f", "0"},
	{"fcall", "f", "2", "k"}, {"zunionstore", "d", "2", "a", "b"},
	{"zunionstore", "d", "2", "a", "b", "weights", "1", "2"}, {"zunionstore", "d", "0", "a"},
	{"zunionstore", "d", "x", "a"}, {"zunionstore", "d", "3", "a", "b"}, {"zunionstore", "d", "1x", "a"},
	{"zinterstore", "d", "1", "a"}, {"zunion", "2", "a", "b"}, {"zunion", "2", "a", "b", "withscores"},
	{"zdiff", "1", "a"}, {"zdiff", "0", "a"}, {"zdiffstore", "d", "2", "a", "b"},
	{"zintercard", "2", "a", "b", "limit", "3"}, {"zinter", "3", "a", "b"},
	{"sintercard", "2", "a", "b"}, {"sintercard", "0", "a"}, {"sintercard", "+1", "a"},
	{"lmpop", "2", "a", "b", "left"}, {"lmpop", "2", "a", "b", "left", "count", "3"},
	{"lmpop", "0", "a", "left"}, {"lmpop", "3", "a", "left"}, {"blmpop", "0", "2", "a", "b", "right"},
	{"bzmpop", "1", "2", "a", "b", "min"}, {"zmpop", "1", "a", "max"}, {"zmpop", "2", "a", "max"},

	// Incomplete specs: the command's own rules.
	{"sort", "k"}, {"sort", "k", "by", "p", "get", "g", "store", "d"},
	{"sort", "k", "store", "d1", "store", "d2"}, {"sort", "k", "limit", "0", "1", "store", "d"},
	{"sort", "k", "STORE"}, {"sort", "k", "get", "store", "x"}, {"sort", "k", "store", "store", "x"},
	{"sort", "k", "limit", "store", "x", "store"}, {"sort", "k", "limit", "0", "store", "d"},
	{"sort", "k", "by", "store", "x"}, {"sort_ro", "k", "by", "x"},
	{"migrate", "h", "1", "", "0", "100", "keys", "a", "b", "c"},
	{"migrate", "h", "1", "k", "0", "100", "keys", "a", "b"},
	{"migrate", "h", "1", "", "0", "100", "auth", "pw", "keys", "a"},
	{"migrate", "h", "1", "", "0", "100", "auth2", "u", "pw", "copy", "replace", "keys", "a", "b"},
	{"migrate", "h", "1", "", "0", "100", "auth", "keys", "keys", "a"},
	{"migrate", "h", "1", "", "0", "100", "keys"},
	{"migrate", "h", "1", "k", "0", "100", "copy"},

	// Keyword searches.
	{"xread", "streams", "s1", "s2", "0", "0"}, {"xread", "count", "10", "block", "0", "streams", "s", "0"},
	{"xread", "streams", "s"}, {"xread", "streams", "a", "b", "c"}, {"xread", "count", "streams", "streams", "a", "0"},
	{"xread", "block", "0", "count", "1"}, {"XREAD", "STREAMS", "STREAMS", "0"},
	{"xreadgroup", "group", "g", "c", "streams", "s", ">"},
	{"xreadgroup", "group", "g", "c", "count", "1", "noack", "streams", "a", "b", "0", "0"},
	{"xreadgroup", "group", "streams", "c", "streams", "a", "0"},
	{"georadius", "k", "0", "0", "1", "km", "store", "d"}, {"georadius", "k", "0", "0", "1", "km", "storedist", "d"},
	{"georadius", "k", "0", "0", "1", "km"}, {"georadius", "k", "0", "0", "1", "km", "store"},
	{"georadius", "k", "0", "0", "1", "km", "store", "d1", "storedist", "d2"},
	{"georadius", "k", "0", "0", "1", "km", "storedist", "d2", "store", "d1"},
	{"georadiusbymember", "k", "m", "1", "km", "store", "d"},
	{"georadiusbymember", "k", "m", "1", "km", "withdist", "STOREDIST", "d"},

	// Variable flags.
	{"bitfield", "k", "get", "u8", "0"}, {"bitfield", "k", "set", "u8", "0", "1"},
	{"bitfield", "k", "incrby", "u8", "0", "1", "get", "u4", "0"}, {"bitfield", "k", "overflow", "sat", "get", "u8", "0"},
	{"bitfield", "k"}, {"bitfield", "k", "get", "u8"}, {"bitfield", "k", "bogus"},

	// Errors and commands without keys.
	{"ping"}, {"client", "list"}, {"client"}, {"client", "nosuch"}, {"config", "get", "x"},
	{"object", "help"}, {"publish", "ch", "m"}, {"spublish", "ch", "m"}, {"ssubscribe", "ch"},
	{"keys", "*"}, {"scan", "0"}, {"wait", "0", "0"}, {"hello"}, {"debug", "sleep", "0"},
	{"nosuchcommand", "a"}, {"get"}, {"get", "a", "b"}, {"set", "k"}, {"object", "encoding"},
	{"zunionstore", "d", "1"}, {"xinfo", "stream"}, {"xinfo"}, {"command", "getkeys", "get", "k"},
	{"randomkey"}, {"flushall"}, {"exec"}, {"multi"}, {"eval", "s"}, {"sort"},
}

func TestGetKeysMatchesRedis(t *testing.T) {
	cat := fullCatalog()
	addr := refServer(t)
	for _, proto := range testProtos {
		rc := dialRef(t, addr, proto)
		for _, sub := range []string{"GETKEYS", "GETKEYSANDFLAGS"} {
			for _, c := range getKeysCases {
				if !Lookup("command|getkeys").ArityOK(len(c) + 2) {
					continue // rejected by the dispatcher's arity check
				}
				want := rc.do(append([]string{"COMMAND", sub}, c...)...)
				args := make([][]byte, len(c))
				for i, a := range c {
					args[i] = []byte(a)
				}
				got := renderReply(proto, func(w ReplyWriter) { cat.WriteGetKeys(w, args, sub == "GETKEYSANDFLAGS") })
				if !bytes.Equal(want, got) {
					t.Errorf("RESP%d COMMAND %s %q:\nredis %q\nours  %q", proto, sub, c, want, got)
				}
			}
		}
	}
}

// TestGetKeysEveryCommand runs a synthetic command line for every command
// and subcommand: the name followed by enough arguments for its arity,
// with numbers where counts are expected.
func TestGetKeysEveryCommand(t *testing.T) {
	cat := fullCatalog()
	rc := dialRef(t, refServer(t), 3)
	var lines [][]string
	for _, s := range All() {
		specs := []*Spec{s}
		if s.IsContainer() {
			specs = s.Subcommands
		}
		for _, sp := range specs {
			base := strings.Split(sp.Name, "|")
			n := sp.Arity
			if n < 0 {
				n = -n
			}
			for _, extra := range []int{0, 1, 2, 4} {
				if extra > 0 && sp.Arity > 0 {
					break
				}
				line := append([]string(nil), base...)
				for len(line) < n+extra {
					// "1" doubles as a small numkeys; the rest look like keys.
					if len(line)%2 == 0 {
						line = append(line, "1")
					} else {
						line = append(line, fmt.Sprintf("k%d", len(line)))
					}
				}
				lines = append(lines, line)
			}
		}
	}
	for _, sub := range []string{"GETKEYS", "GETKEYSANDFLAGS"} {
		for _, c := range lines {
			if !Lookup("command|getkeys").ArityOK(len(c) + 2) {
				continue
			}
			want := rc.do(append([]string{"COMMAND", sub}, c...)...)
			args := make([][]byte, len(c))
			for i, a := range c {
				args[i] = []byte(a)
			}
			got := renderReply(3, func(w ReplyWriter) { cat.WriteGetKeys(w, args, sub == "GETKEYSANDFLAGS") })
			if !bytes.Equal(want, got) {
				t.Errorf("COMMAND %s %q:\nredis %q\nours  %q", sub, c, want, got)
			}
		}
	}
}

// TestSubsetRendering checks the replies for a partial catalog against
// Redis's replies for the same commands.
func TestSubsetRendering(t *testing.T) {
	specs, missing := Subset([]string{"get", "set", "client|list", "client|id", "config"})
	if len(missing) != 0 {
		t.Fatal(missing)
	}
	cat := NewCatalog(specs)
	if cat.Count() != 4 {
		t.Fatalf("count %d", cat.Count())
	}
	got := parseNode(t, renderReply(3, func(w ReplyWriter) { cat.WriteInfo(w, [][]byte{[]byte("client"), []byte("client|kill")}) }))
	if len(got.elems) != 2 || got.elems[1].kind != '_' {
		t.Fatalf("unexpected reply %q", got.encode())
	}
	subs := got.elems[0].elems[9]
	if len(subs.elems) != 2 || infoName(subs.elems[0]) != "client|id" || infoName(subs.elems[1]) != "client|list" {
		t.Fatalf("client subcommands: %q", subs.encode())
	}
	rc := dialRef(t, refServer(t), 3)
	want := parseNode(t, rc.do("COMMAND", "INFO", "client|list"))
	got = parseNode(t, renderReply(3, func(w ReplyWriter) { cat.WriteInfo(w, [][]byte{[]byte("client|list")}) }))
	if !bytes.Equal(want.encode(), got.encode()) {
		t.Errorf("client|list differs: %s", diffReplies(want.encode(), got.encode()))
	}
	list := sortedList(t, renderReply(3, func(w ReplyWriter) { cat.WriteList(w, nil) }))
	wantList := []string{"client", "client|id", "client|list", "config", "config|get", "config|help", "config|resetstat", "config|rewrite", "config|set", "get", "set"}
	if list != fmt.Sprintf("%d: %s", len(wantList), strings.Join(wantList, " ")) {
		t.Errorf("COMMAND LIST of subset: %s", list)
	}
	w := renderReply(2, func(w ReplyWriter) {
		cat.WriteGetKeys(w, [][]byte{[]byte("client"), []byte("kill"), []byte("x")}, false)
	})
	if string(w) != "-ERR Invalid command specified\r\n" {
		t.Errorf("GETKEYS of unserved subcommand: %q", w)
	}
	w = renderReply(2, func(w ReplyWriter) { cat.WriteGetKeys(w, [][]byte{[]byte("del"), []byte("x")}, false) })
	if string(w) != "-ERR Invalid command specified\r\n" {
		t.Errorf("GETKEYS of unserved command: %q", w)
	}
}
