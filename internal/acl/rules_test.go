package acl

import (
	"strings"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/config"
)

// The expected texts below are what redis-server 7.0.15 answers (checked
// with the differential tests, internal/difftest/testdata/acl.txt).

func TestSetUserRules(t *testing.T) {
	const hash = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8" // sha256("password")
	cases := []struct {
		name  string
		rules []string
		// describe is the expected ACL LIST text (without "user <name> ").
		describe string
		// err, when set, is the expected error; the user must not change.
		err string
	}{
		{"new user", nil, "off resetchannels -@all", ""},
		{"reset", []string{"reset"}, "off sanitize-payload resetchannels -@all", ""},
		{"everything", []string{"on", "nopass", "allkeys", "allchannels", "allcommands"}, "on nopass ~* &* +@all", ""},
		{"flags last wins", []string{"on", "off", "ON"}, "on resetchannels -@all", ""},
		{"sanitize", []string{"sanitize-payload", "skip-sanitize-payload"}, "off skip-sanitize-payload resetchannels -@all", ""},
		{"password", []string{">password", ">password"}, "off #" + hash + " resetchannels -@all", ""},
		{"password hash", []string{"#" + hash}, "off #" + hash + " resetchannels -@all", ""},
		{"remove password", []string{">password", "<password"}, "off resetchannels -@all", ""},
		{"remove hash", []string{">password", "!" + hash}, "off resetchannels -@all", ""},
		{"nopass clears", []string{">password", "nopass"}, "off nopass resetchannels -@all", ""},
		{"password clears nopass", []string{"nopass", ">x", "resetpass"}, "off resetchannels -@all", ""},
		{"empty password", []string{">"}, "off #e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 resetchannels -@all", ""},
		{"key patterns", []string{"~a*", "%R~b*", "%W~c*", "%RW~d*", "%WR~e*", "%rw~f*"}, "off ~a* %R~b* %W~c* ~d* ~e* ~f* resetchannels -@all", ""},
		{"key perms merge", []string{"%R~a", "%W~a", "~b", "~b"}, "off ~a ~b resetchannels -@all", ""},
		{"empty key patterns", []string{"%R", "~"}, "off ~ resetchannels -@all", ""},
		{"allkeys replaces", []string{"~a", "allkeys"}, "off ~* resetchannels -@all", ""},
		{"rw star is not allkeys", []string{"%RW~*"}, "off ~* resetchannels -@all", ""},
		{"channels", []string{"&ch1", "&ch:*", "&ch1"}, "off resetchannels &ch1 &ch:* -@all", ""},
		{"allchannels", []string{"&x", "allchannels"}, "off &* -@all", ""},
		{"command", []string{"+get"}, "off resetchannels -@all +get", ""},
		{"category", []string{"+@read"}, "off resetchannels -@all +@read", ""},
		{"category minus command", []string{"+@read", "-get"}, "off resetchannels -@all +@read -get", ""},
		{"all minus category", []string{"+@all", "-@dangerous"}, "off resetchannels +@all -@dangerous", ""},
		{"all minus command", []string{"allcommands", "-flushall"}, "off resetchannels +@all -flushall", ""},
		{"subcommand", []string{"+@all", "-@all", "+client|list"}, "off resetchannels -@all +client|list", ""},
		{"container minus sub", []string{"+client", "-client|kill"}, "off resetchannels -@all +client -client|kill", ""},
		{"first args", []string{"+select|0", "+select|1", "+select|0"}, "off resetchannels -@all +select|0 +select|1", ""},
		{"first args forgotten", []string{"+select|0", "-select"}, "off resetchannels -@all", ""},
		{"first args subsumed", []string{"+select|0", "+select"}, "off resetchannels -@all +select", ""},
		{"case", []string{"+@READ", "-GET"}, "off resetchannels -@all +@read -get", ""},
		{"slow keeps fast subcommands of slow containers", []string{"+@slow"}, "off resetchannels -@all +@slow", ""},
		{"string category", []string{"+@string"}, "off resetchannels -@all +@string", ""},
		{"two categories", []string{"+@hash", "+@list"}, "off resetchannels -@all +@list +@hash", ""},
		{"greedy categories", []string{"-@all", "+@read", "+@write", "-@hash"},
			"off resetchannels -@all +@sortedset +@string +@geo +@bitmap +@keyspace +@hyperloglog +@list +@stream +@set " +
				"+function|delete +function|flush +function|load +function|restore +lolwut +memory|usage -object|help -pfselftest -xgroup|help -xinfo|help", ""},
		{"selector", []string{"(~a* +get)"}, "off resetchannels -@all (~a* resetchannels -@all +get)", ""},
		{"selector split", []string{"(~a*", "+get)"}, "off resetchannels -@all (~a* resetchannels -@all +get)", ""},
		{"selector restarted", []string{"(~a", "(~b", "+get)"}, "off resetchannels -@all (~b resetchannels -@all +get)", ""},
		{"empty selector", []string{"()"}, "off resetchannels -@all (resetchannels -@all)", ""},
		{"selector paren pattern", []string{"(~a))"}, "off resetchannels -@all (~a) resetchannels -@all)", ""},
		{"selector quotes", []string{`("~ab" '+get')`}, "off resetchannels -@all (~ab resetchannels -@all +get)", ""},
		{"selector bad quotes", []string{`("~ab)`}, "off resetchannels -@all (resetchannels -@all)", ""},
		{"clearselectors", []string{"(~a)", "(~b)", "clearselectors"}, "off resetchannels -@all", ""},
		{"empty rule", []string{""}, "off resetchannels -@all", ""},
		{"passwords and selectors", []string{"on", ">password", "~a*", "&c", "+get", "(+set ~k*)"},
			"on #" + hash + " ~a* resetchannels &c -@all +get (~k* resetchannels -@all +set)", ""},

		{"unknown rule", []string{"foo"}, "", "Error in ACL SETUSER modifier 'foo': Syntax error"},
		{"unknown command", []string{"+nosuch"}, "", "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL"},
		{"unknown category", []string{"-@nosuch"}, "", "Error in ACL SETUSER modifier '-@nosuch': Unknown command or category name in ACL"},
		{"empty category", []string{"+@"}, "", "Error in ACL SETUSER modifier '+@': Unknown command or category name in ACL"},
		{"plus alone", []string{"+"}, "", "Error in ACL SETUSER modifier '+': Unknown command or category name in ACL"},
		{"minus alone", []string{"-"}, "", "Error in ACL SETUSER modifier '-': Unknown command or category name in ACL"},
		{"bar", []string{"|"}, "", "Error in ACL SETUSER modifier '|': Syntax error"},
		{"plus bar", []string{"+|x"}, "", "Error in ACL SETUSER modifier '+|x': Unknown command or category name in ACL"},
		{"two bars", []string{"+get|x|y"}, "", "Error in ACL SETUSER modifier '+get|x|y': Unknown command or category name in ACL"},
		{"first arg of sub", []string{"+config|get|x"}, "", "Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported"},
		{"empty sub", []string{"+config|"}, "", "Error in ACL SETUSER modifier '+config|': Syntax error"},
		{"empty first arg", []string{"+get|"}, "", "Error in ACL SETUSER modifier '+get|': Syntax error"},
		{"unknown sub", []string{"+config|nosuch"}, "", "Error in ACL SETUSER modifier '+config|nosuch': Unknown command or category name in ACL"},
		{"minus first arg", []string{"-select|0"}, "", "Error in ACL SETUSER modifier '-select|0': Unknown command or category name in ACL"},
		{"bad perm", []string{"%X~a"}, "", "Error in ACL SETUSER modifier '%X~a': Syntax error"},
		{"double perm", []string{"%RR~a"}, "", "Error in ACL SETUSER modifier '%RR~a': Syntax error"},
		{"no perm", []string{"%~a"}, "", "Error in ACL SETUSER modifier '%~a': Syntax error"},
		{"percent alone", []string{"%"}, "", "Error in ACL SETUSER modifier '%': Syntax error"},
		{"space in key", []string{"~a b"}, "", "Error in ACL SETUSER modifier '~a b': Syntax error"},
		{"nul in key", []string{"~a\x00b"}, "", "Error in ACL SETUSER modifier '~a': Syntax error"},
		{"space in channel", []string{"&a\tb"}, "", "Error in ACL SETUSER modifier '&a\tb': Syntax error"},
		{"key after allkeys", []string{"allkeys", "~x"}, "", "Error in ACL SETUSER modifier '~x': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"},
		{"key after star", []string{"~*", "%R~x"}, "", "Error in ACL SETUSER modifier '%R~x': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"},
		{"channel after all", []string{"&*", "&x"}, "", "Error in ACL SETUSER modifier '&x': Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"},
		{"bad hash", []string{"#abc"}, "", "Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"},
		{"upper hash", []string{"#" + strings.ToUpper(hash)}, "", "Error in ACL SETUSER modifier '#" + strings.ToUpper(hash) + "': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"},
		{"bad hash removal", []string{"!"}, "", "Error in ACL SETUSER modifier '!': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"},
		{"missing password", []string{"<nope"}, "", "Error in ACL SETUSER modifier '<nope': The password you are trying to remove from the user does not exist"},
		{"missing hash", []string{"!" + hash}, "", "Error in ACL SETUSER modifier '!" + hash + "': The password you are trying to remove from the user does not exist"},
		{"unmatched", []string{"(~a"}, "", "Unmatched parenthesis in acl selector starting at '(~a'."},
		{"unmatched later", []string{"on", "(~a", "+get"}, "", "Unmatched parenthesis in acl selector starting at '(~a'."},
		{"lone paren", []string{"("}, "", "Unmatched parenthesis in acl selector starting at '('."},
		{"closing paren", []string{")"}, "", "Error in ACL SETUSER modifier ')': Syntax error"},
		{"nested paren", []string{"(()"}, "", "Error in ACL SETUSER modifier '(()': Syntax error"},
		{"user flag in selector", []string{"(on)"}, "", "Error in ACL SETUSER modifier '(on)': Syntax error"},
		{"bad rule in selector", []string{"(+nosuch)"}, "", "Error in ACL SETUSER modifier '(+nosuch)': Unknown command or category name in ACL"},
		{"key after all in selector", []string{"(~* ~a)"}, "", "Error in ACL SETUSER modifier '(~* ~a)': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"},
		{"empty rule in selector", []string{`("")`}, "", `Error in ACL SETUSER modifier '("")': Syntax error`},
		{"selector key with space", []string{`("~a b")`}, "", `Error in ACL SETUSER modifier '("~a b")': Syntax error`},
		{"atomic", []string{"on", "+get", "nosuch"}, "", "Error in ACL SETUSER modifier 'nosuch': Syntax error"},
		// Names compare as C does: ASCII case only (U+212A KELVIN SIGN
		// and U+017F LONG S fold to k and s in Unicode).
		{"ascii case only", []string{"+\u212aeys"}, "", "Error in ACL SETUSER modifier '+\u212aeys': Unknown command or category name in ACL"},
		{"ascii flags only", []string{"\u017fanitize-payload"}, "", "Error in ACL SETUSER modifier '\u017fanitize-payload': Syntax error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := New()
			if _, _, err := a.SetUser("u", []string{"on", "~pre"}); err != nil {
				t.Fatal(err)
			}
			before := a.User("u").Describe()
			// Start from a fresh user for the described cases.
			if tc.err == "" {
				a.DelUser("u")
			}
			_, _, err := a.SetUser("u", tc.rules)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error = %v, want %q", err, tc.err)
				}
				if got := a.User("u").Describe(); got != before {
					t.Fatalf("a failed SETUSER changed the user: %q -> %q", before, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if got := a.User("u").Describe(); got != tc.describe {
				t.Fatalf("describe = %q\nwant       %q", got, tc.describe)
			}
			// What ACL LIST shows loads back to the same user (except a
			// selector pattern ending in ')', which Redis cannot reload
			// either).
			if strings.Contains(tc.describe, ") resetchannels") {
				return
			}
			again := New()
			if _, _, err := again.SetUser("u", strings.Split(tc.describe, " ")); err != nil {
				t.Fatalf("reloading %q: %v", tc.describe, err)
			}
			if got := again.User("u").Describe(); got != tc.describe {
				t.Fatalf("reloaded describe = %q, want %q", got, tc.describe)
			}
		})
	}
}

func TestFailedSetUserCreatesNothing(t *testing.T) {
	a := New()
	if _, _, err := a.SetUser("new", []string{"on", "nosuch"}); err == nil {
		t.Fatal("expected an error")
	}
	if a.User("new") != nil {
		t.Fatal("a failed SETUSER created the user")
	}
}

func TestPubsubDefault(t *testing.T) {
	a := New()
	a.SetPubsubDefault(true)
	a.SetUser("u", []string{"(~x)"})
	if got, want := a.User("u").Describe(), "off &* -@all (~x &* -@all)"; got != want {
		t.Fatalf("describe = %q, want %q", got, want)
	}
	a.SetUser("u", []string{"reset"})
	if got, want := a.User("u").Describe(), "off sanitize-payload &* -@all"; got != want {
		t.Fatalf("describe = %q, want %q", got, want)
	}
	a.SetPubsubDefault(false)
	a.SetUser("u", []string{"reset"})
	if got, want := a.User("u").Describe(), "off sanitize-payload resetchannels -@all"; got != want {
		t.Fatalf("describe = %q, want %q", got, want)
	}
}

func TestDefaultUserAndPasswords(t *testing.T) {
	a := New()
	if got := a.Default().Describe(); got != "on nopass ~* &* +@all" {
		t.Fatalf("default = %q", got)
	}
	if a.DefaultNeedsAuth() {
		t.Fatal("default user needs no password")
	}
	a.SetDefaultPassword("secret")
	if !a.DefaultNeedsAuth() || a.Authenticate([]byte("default"), []byte("x")) != nil || a.Authenticate([]byte("default"), []byte("secret")) == nil {
		t.Fatal("requirepass not applied")
	}
	a.SetDefaultPassword("")
	if a.DefaultNeedsAuth() || a.Authenticate([]byte("default"), []byte("anything")) == nil {
		t.Fatal("requirepass not cleared")
	}
	a.SetUser("bob", []string{">pw"})
	if a.Authenticate([]byte("bob"), []byte("pw")) != nil {
		t.Fatal("a user that is off authenticated")
	}
	a.SetUser("bob", []string{"on"})
	if a.Authenticate([]byte("bob"), []byte("pw")) == nil || a.Authenticate([]byte("bob"), []byte("PW")) != nil || a.Authenticate([]byte("nobody"), []byte("pw")) != nil {
		t.Fatal("passwords not checked")
	}
	if a.DelUser(DefaultUserName) || !a.DelUser("bob") || a.DelUser("bob") {
		t.Fatal("DelUser")
	}
}

func TestCommandsInCategory(t *testing.T) {
	names, ok := CommandsInCategory("READ")
	if !ok || len(names) == 0 {
		t.Fatal("no @read commands")
	}
	has := map[string]bool{}
	for _, n := range names {
		has[n] = true
	}
	if !has["get"] || !has["object|encoding"] || has["set"] {
		t.Fatalf("@read = %v", names)
	}
	if _, ok := CommandsInCategory("nosuch"); ok {
		t.Fatal("unknown category accepted")
	}
}

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"  a  b ", []string{"a", "b"}, true},
		{`"a b" 'c d'`, []string{"a b", "c d"}, true},
		{`"\x41\n\t\"" '\'x'`, []string{"A\n\t\"", "'x"}, true},
		{`a"b c"d`, nil, false},
		{`"abc`, nil, false},
		{`'abc`, nil, false},
		{`ab"cd"`, []string{"abcd"}, true},
		{"a\vb", []string{"a\vb"}, true},
		{"a\x00 b", []string{"a"}, true},
	}
	for _, tc := range cases {
		got, err := config.SplitArgs(tc.in)
		ok := err == nil
		if ok != tc.ok || strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("config.SplitArgs(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func spec(t *testing.T, name string) *command.Spec {
	t.Helper()
	s := command.Lookup(name)
	if s == nil {
		t.Fatalf("no spec %q", name)
	}
	return s
}

func args(words ...string) [][]byte {
	out := make([][]byte, len(words))
	for i, w := range words {
		out[i] = []byte(w)
	}
	return out
}

func TestCheck(t *testing.T) {
	a := New()
	mustSet := func(name string, rules ...string) {
		t.Helper()
		if _, _, err := a.SetUser(name, rules); err != nil {
			t.Fatal(err)
		}
	}
	mustSet("reader", "on", "~session:*", "+@read")
	mustSet("rw", "on", "%R~r:*", "%W~w:*", "~both:*", "+@all")
	mustSet("pub", "on", "+@all", "resetchannels", "&news:*")
	mustSet("sel", "on", "-@all", "+get", "~a*", "(+set ~b*)", "(+get ~c*)")
	mustSet("fa", "on", "~*", "+select|0", "+client|list")
	cases := []struct {
		user string
		argv []string
		want Denial
		pos  int
	}{
		{"default", []string{"flushall"}, Allowed, 0},
		{"reader", []string{"get", "session:1"}, Allowed, 0},
		{"reader", []string{"get", "chat:1"}, DeniedKey, 1},
		{"reader", []string{"mget", "session:1", "chat:1"}, DeniedKey, 2},
		{"reader", []string{"set", "session:1", "x"}, DeniedCommand, 0},
		{"reader", []string{"flushdb"}, DeniedCommand, 0},
		{"reader", []string{"auth", "a", "b"}, Allowed, 0},
		{"rw", []string{"get", "r:1"}, Allowed, 0},
		{"rw", []string{"get", "w:1"}, DeniedKey, 1},
		{"rw", []string{"set", "w:1", "x"}, Allowed, 0},
		{"rw", []string{"set", "r:1", "x"}, DeniedKey, 1},
		{"rw", []string{"set", "w:1", "x", "GET"}, DeniedKey, 1},
		{"rw", []string{"set", "both:1", "x", "GET"}, Allowed, 0},
		{"rw", []string{"exists", "r:1", "w:1"}, Allowed, 0},
		{"rw", []string{"exists", "other"}, DeniedKey, 1},
		{"rw", []string{"lmove", "w:l", "r:l", "left", "right"}, DeniedKey, 1},
		{"rw", []string{"sort", "w:l", "store", "r:l"}, DeniedKey, 1},
		{"pub", []string{"publish", "news:1", "x"}, Allowed, 0},
		{"pub", []string{"publish", "other", "x"}, DeniedChannel, 1},
		{"pub", []string{"subscribe", "news:1", "other"}, DeniedChannel, 2},
		{"pub", []string{"psubscribe", "news:*"}, Allowed, 0},
		{"pub", []string{"psubscribe", "news:1"}, DeniedChannel, 1},
		{"pub", []string{"unsubscribe", "other"}, Allowed, 0},
		{"pub", []string{"pubsub", "numsub", "other"}, Allowed, 0},
		{"sel", []string{"get", "a1"}, Allowed, 0},
		{"sel", []string{"get", "c1"}, Allowed, 0},
		{"sel", []string{"get", "b1"}, DeniedKey, 1},
		{"sel", []string{"set", "b1", "x"}, Allowed, 0},
		{"sel", []string{"set", "a1", "x"}, DeniedKey, 1},
		{"sel", []string{"del", "a1"}, DeniedCommand, 0},
		{"fa", []string{"select", "0"}, Allowed, 0},
		{"fa", []string{"select", "1"}, DeniedCommand, 0},
		{"fa", []string{"client", "list"}, Allowed, 0},
		{"fa", []string{"client", "id"}, DeniedCommand, 0},
	}
	for _, tc := range cases {
		s := command.LookupArgs(args(tc.argv...))
		if s == nil {
			t.Fatalf("no spec for %v", tc.argv)
		}
		d, pos := a.Check(a.User(tc.user), s, args(tc.argv...))
		if d != tc.want || d != Allowed && d != DeniedCommand && pos != tc.pos {
			t.Errorf("%s %v: got %v at %d, want %v at %d", tc.user, tc.argv, d, pos, tc.want, tc.pos)
		}
	}
	if d, _ := a.Check(nil, spec(t, "get"), args("get", "x")); d != DeniedCommand {
		t.Fatal("a missing user may run commands")
	}
	if !a.CheckWithUnrestrictedKeys(a.Default(), spec(t, "sort"), args("sort", "x"), command.KeyAccess) ||
		a.CheckWithUnrestrictedKeys(a.User("reader"), spec(t, "get"), args("get", "session:1"), command.KeyAccess) {
		t.Fatal("CheckWithUnrestrictedKeys")
	}
}

func TestLog(t *testing.T) {
	a := New()
	e := LogEntry{Reason: DeniedKey, Context: ContextTopLevel, Object: "k", Username: "u", CTime: 1000}
	a.AddLog(e)
	e.CTime = 2000
	e.ClientInfo = "second"
	a.AddLog(e)
	other := e
	other.Object = "k2"
	a.AddLog(other)
	a.AddLog(e) // grouped with the first entry, moved to the front
	got := a.Log(10)
	if len(got) != 2 || got[0].Object != "k" || got[0].Count != 3 || got[0].ClientInfo != "second" || got[1].Count != 1 {
		t.Fatalf("log = %+v", got)
	}
	late := e
	late.CTime = e.CTime + 60001
	a.AddLog(late)
	if got := a.Log(10); len(got) != 3 {
		t.Fatalf("an entry more than a minute apart was grouped: %+v", got)
	}
	a.SetLogMaxLen(2)
	a.AddLog(LogEntry{Reason: DeniedAuth, Object: "AUTH"})
	if got := a.Log(10); len(got) != 2 || got[0].Reason != DeniedAuth {
		t.Fatalf("log not trimmed: %+v", got)
	}
	a.ResetLog()
	if len(a.Log(10)) != 0 {
		t.Fatal("log not reset")
	}
}
