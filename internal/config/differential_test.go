package config

// Differential tests: the same inputs go to a live redis-server 7.0 and to
// this package, and the answers must be equal. They skip when redis-server
// is not installed.

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// startArgs is how the differential tests start both sides.
func startArgs(dir string) []string {
	return []string{"--save", "", "--appendonly", "no", "--dir", dir}
}

func TestDiffDefaultsMatchRedis(t *testing.T) {
	dir := t.TempDir()
	rc, port := startRedis(t, startArgs(dir)...)
	theirs := rc.configGet(t, "*")

	args := append(startArgs(dir), "--port", itoa(port), "--bind", "127.0.0.1", "--daemonize", "no", "--logfile", "")
	ours, err := Load("", args)
	if err != nil {
		t.Fatal(err)
	}
	mine := map[string]string{}
	g := ours.Get("*")
	for i := 0; i < len(g); i += 2 {
		mine[g[i]] = g[i+1]
	}
	for k, v := range theirs {
		mv, ok := mine[k]
		if !ok {
			t.Errorf("redis reports %q, we do not", k)
			continue
		}
		if mv != v {
			t.Errorf("%s: redis %q, ours %q", k, v, mv)
		}
	}
	for k := range mine {
		if _, ok := theirs[k]; !ok && !ownDirectives[k] {
			t.Errorf("we report %q, redis does not", k)
		}
	}
	// Hidden directives answer only to their exact name.
	for _, d := range Directives() {
		if !d.Hidden {
			continue
		}
		if _, listed := theirs[d.Name]; listed {
			t.Errorf("hidden %s listed by redis for '*'", d.Name)
		}
		want := rc.configGet(t, d.Name)
		got := ours.Get(d.Name)
		if len(got) != 2 || want[d.Name] != got[1] {
			t.Errorf("hidden %s: redis %v, ours %v", d.Name, want, got)
		}
	}
	// The registry default of every directive is what a fresh redis reports
	// (except the ones the test started with other values).
	started := map[string]bool{"port": true, "bind": true, "save": true, "dir": true, "appendonly": true,
		"daemonize": true, "logfile": true}
	for _, d := range Directives() {
		if d.Hidden || started[d.Name] || ownDirectives[d.Name] {
			continue
		}
		if theirs[d.Name] != d.Default {
			t.Errorf("%s: registry default %q, redis %q", d.Name, d.Default, theirs[d.Name])
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// ownDirectives are the directives that are not Redis's: the web console's.
var ownDirectives = map[string]bool{"console-port": true, "console-bind": true}

// setCases are CONFIG SET argument lists sent in order to both servers.
// Successful ones change the state of both the same way.
var setCases = [][]string{
	// Booleans.
	{"activerehashing", "no"}, {"activerehashing", "YES"}, {"activerehashing", "maybe"}, {"activerehashing", ""},
	{"slave-read-only", "foo"}, {"replica-read-only", "no"}, {"SLAVE-READ-ONLY", "yes"},
	{"activedefrag", "yes"}, {"activedefrag", "no"},
	// Integers.
	{"timeout", "10"}, {"timeout", "-1"}, {"timeout", "1.5"}, {"timeout", "007"}, {"timeout", "+5"}, {"timeout", " 5"},
	{"timeout", "2147483647"}, {"timeout", "2147483648"}, {"timeout", "0"},
	{"list-max-listpack-size", "-5"}, {"list-max-ziplist-size", "128"}, {"list-max-listpack-size", "-2147483649"},
	{"maxclients", "-1"}, {"maxclients", "0"}, {"maxclients", "100"},
	{"slowlog-log-slower-than", "-1"}, {"slowlog-log-slower-than", "-2"}, {"slowlog-max-len", "-1"},
	{"hash-max-listpack-entries", "-1"}, {"hash-max-ziplist-entries", "100"}, {"hash-max-listpack-entries", "9223372036854775807"},
	{"hash-max-listpack-entries", "9223372036854775808"}, {"hash-max-listpack-entries", "128"},
	{"active-expire-effort", "11"}, {"active-expire-effort", "0"}, {"active-expire-effort", "5"},
	{"hz", "1000"}, {"hz", "0"}, {"hz", "-1"}, {"hz", "20"},
	{"lua-time-limit", "100"}, {"busy-reply-threshold", "abc"},
	// Memory.
	{"maxmemory", "1gb"}, {"maxmemory", "1GB"}, {"maxmemory", "100mb"}, {"maxmemory", "1k"}, {"maxmemory", "1K"}, {"maxmemory", "4096"},
	{"maxmemory", "10b"}, {"maxmemory", "-1"}, {"maxmemory", "1tb"}, {"maxmemory", "1.5gb"}, {"maxmemory", ""}, {"maxmemory", "kb"},
	{"maxmemory", "18446744073709551615"}, {"maxmemory", "99999999999999999999"}, {"maxmemory", " 1"}, {"maxmemory", "0"},
	{"proto-max-bulk-len", "1000"}, {"proto-max-bulk-len", "2mb"}, {"proto-max-bulk-len", "99999999999999999999"},
	{"client-query-buffer-limit", "1gb"}, {"hash-max-listpack-value", "1kb"}, {"hash-max-ziplist-value", "-1"},
	{"maxmemory-clients", "10%"}, {"maxmemory-clients", "101%"}, {"maxmemory-clients", "100%"}, {"maxmemory-clients", "-5"},
	{"maxmemory-clients", "1mb"}, {"maxmemory-clients", "%"}, {"maxmemory-clients", "-5%"}, {"maxmemory-clients", "0"},
	{"auto-aof-rewrite-min-size", "128mb"}, {"repl-backlog-size", "0"}, {"repl-backlog-size", "2mb"},
	{"stream-node-max-bytes", "8kb"}, {"cluster-link-sendbuf-limit", "1gb"},
	// Enums.
	{"maxmemory-policy", "allkeys-lru"}, {"maxmemory-policy", "ALLKEYS-LFU"}, {"maxmemory-policy", "lru"},
	{"loglevel", "warning"}, {"loglevel", "nothing"}, {"appendfsync", "always"}, {"appendfsync", "sometimes"},
	{"oom-score-adj", "relative"}, {"oom-score-adj", "absolute"}, {"oom-score-adj", "no"},
	{"shutdown-on-sigint", "now save"}, {"shutdown-on-sigint", "save nosave"}, {"shutdown-on-sigint", "default"},
	{"shutdown-on-sigterm", "force"}, {"shutdown-on-sigterm", "bogus"}, {"shutdown-on-sigterm", ""},
	{"acl-pubsub-default", "allchannels"}, {"tls-auth-clients", "optional"}, {"repl-diskless-load", "swapdb"},
	{"sanitize-dump-payload", "clients"}, {"propagation-error-behavior", "panic"}, {"cluster-preferred-endpoint-type", "hostname"},
	// Strings.
	{"dbfilename", "x.rdb"}, {"appendfilename", "x.aof"}, {"replica-announce-ip", "1.2.3.4"}, {"replica-announce-ip", ""},
	{"cluster-announce-hostname", "a.b-c"}, {"cluster-announce-hostname", "a_b"}, {"cluster-announce-hostname", strings.Repeat("a", 256)},
	{"proc-title-template", "{title}"}, {"proc-title-template", "{foo}"}, {"proc-title-template", "{title} {port}"},
	{"proc-title-template", "{title"}, {"proc-title-template", "x {{"}, {"proc-title-template", "{"},
	{"ignore-warnings", "ARM64-COW-BUG"}, {"bind-source-addr", "127.0.0.1"}, {"masteruser", "bob"},
	{"tls-protocols", "TLSv1.2"}, {"tls-ciphers", "DEFAULT"},
	// Special.
	{"save", "900 1 300 10"}, {"save", ""}, {"save", "900"}, {"save", "0 1"}, {"save", "10 -1"}, {"save", "900  1"},
	{"save", "900 1 "}, {"save", "+5 0"}, {"save", "100 1"},
	{"client-output-buffer-limit", "normal 1mb 512kb 10"}, {"client-output-buffer-limit", "replica 1gb 1gb 0"},
	{"client-output-buffer-limit", "master 1 1 1"}, {"client-output-buffer-limit", "pubsub 1 1"},
	{"client-output-buffer-limit", "pubsub 1x 1 1"}, {"client-output-buffer-limit", "pubsub 1 1 -1"},
	{"client-output-buffer-limit", "SLAVE 2mb 1mb 5 pubsub 3mb 2mb 5"}, {"client-output-buffer-limit", ""},
	{"oom-score-adj-values", "0 100 300"}, {"oom-score-adj-values", "0 100"}, {"oom-score-adj-values", "0 100 3000"},
	{"oom-score-adj-values", "a b c"}, {"oom-score-adj-values", "0 200 800"},
	{"notify-keyspace-events", "KEA"}, {"notify-keyspace-events", "Kx"}, {"notify-keyspace-events", "Egx$lshzetdnm"},
	{"notify-keyspace-events", "Q"}, {"notify-keyspace-events", "AKEm"}, {"notify-keyspace-events", "An"}, {"notify-keyspace-events", ""},
	{"latency-tracking-info-percentiles", "50 99.99999 0x10"}, {"latency-tracking-info-percentiles", "101"},
	{"latency-tracking-info-percentiles", "abc"}, {"latency-tracking-info-percentiles", ""},
	{"latency-tracking-info-percentiles", "50 99 99.9"}, {"latency-tracking-info-percentiles", "1e1 0.0000001"},
	{"bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"},
	// Flags and name checks.
	{"databases", "5"}, {"DATABASES", "5"}, {"daemonize", "yes"}, {"replicaof", "no one"}, {"slaveof", "127.0.0.1 1"},
	{"dir", "/tmp"}, {"dbfilename", "dump.rdb"}, {"unixsocketperm", "700"}, {"console-port", "1"},
	{"foo", "bar"}, {"maxmemory", "1", "foo", "bar"}, {"foo", "bar", "maxmemory", "x"},
	{"databases", "5", "foo", "bar"}, {"timeout", "1", "timeout", "2"}, {"timeout", "1", "TIMEOUT", "2"},
	{"hash-max-ziplist-entries", "1", "hash-max-listpack-entries", "2"},
	{"timeout", "5", "maxmemory", "bad"}, {"maxmemory", "bad", "timeout", "5"},
	{"timeout", "7", "maxmemory", "2mb", "loglevel", "debug"},
	{"maxmemory"}, {"maxmemory", "1", "timeout"},
	{"rdb-key-save-delay", "5"}, {"rdb-key-save-delay", "0"}, {"use-exit-on-panic", "no"},
}

func TestDiffConfigSetMatchesRedis(t *testing.T) {
	dir := t.TempDir()
	rc, port := startRedis(t, startArgs(dir)...)
	ours, err := Load("", append(startArgs(dir), "--port", itoa(port), "--bind", "127.0.0.1", "--daemonize", "no", "--logfile", ""))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range setCases {
		if tc[0] == "console-port" {
			// Not a Redis directive.
			continue
		}
		_, rerr := rc.do(append([]string{"CONFIG", "SET"}, tc...)...)
		oerr := ours.Set(tc...)
		want, got := "OK", "OK"
		if rerr != nil {
			want = rerr.Error()
		}
		if oerr != nil {
			got = oerr.Error()
		}
		if want != got {
			t.Errorf("CONFIG SET %q:\n redis: %s\n ours:  %s", tc, want, got)
		}
		// Whatever happened, both must now report the same values.
		for i := 0; i < len(tc); i += 2 {
			if _, known := LookupDirective(tc[i]); !known {
				continue
			}
			theirs := rc.configGet(t, tc[i])
			mine := ours.Get(tc[i])
			if len(mine) != 2 || theirs[tc[i]] != mine[1] {
				t.Errorf("after CONFIG SET %q: %s is %q in redis, %q here", tc, tc[i], theirs, mine)
			}
		}
	}
	// Finally everything must agree.
	theirs := rc.configGet(t, "*")
	g := ours.Get("*")
	for i := 0; i < len(g); i += 2 {
		if v, ok := theirs[g[i]]; ok && v != g[i+1] {
			t.Errorf("end state of %s: redis %q, ours %q", g[i], v, g[i+1])
		}
	}
}

func TestDiffConfigGetPatternsMatchRedis(t *testing.T) {
	dir := t.TempDir()
	rc, port := startRedis(t, startArgs(dir)...)
	ours, err := Load("", append(startArgs(dir), "--port", itoa(port), "--bind", "127.0.0.1", "--daemonize", "no", "--logfile", ""))
	if err != nil {
		t.Fatal(err)
	}
	for _, pats := range [][]string{
		{"*max*"}, {"PO*"}, {"Port"}, {"Port", "PORT", "port"}, {"port", "p?rt"}, {"*slave*", "*replica*"},
		{"[a-c]*"}, {"[^a-y]*"}, {"*-ziplist-*"}, {"hash-max-*", "zset-*"}, {"nomatch*"}, {"nothing"},
		{"slaveof"}, {"lua-time-limit"}, {"*[0-9]*"}, {"tls-*-file"}, {"save", "SAVE"}, {"\\*"}, {"m[a]x*", "max*"},
		{"key-load-delay"}, {"*delay*"},
	} {
		theirs := rc.configGet(t, pats...)
		g := ours.Get(pats...)
		mine := map[string]string{}
		own := 0
		for i := 0; i < len(g); i += 2 {
			if ownDirectives[g[i]] {
				own++
			} else {
				mine[g[i]] = g[i+1]
			}
		}
		if (len(mine)+own)*2 != len(g) {
			t.Errorf("CONFIG GET %q: duplicate names in %q", pats, g)
		}
		if !equalMaps(theirs, mine) {
			t.Errorf("CONFIG GET %q:\n redis: %v\n ours:  %v", pats, sortedKeys(theirs), sortedKeys(mine))
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k, v := range m {
		ks = append(ks, k+"="+v)
	}
	sort.Strings(ks)
	return ks
}

// TestDiffLoadErrorsMatchRedis feeds bad config files to redis-server and to
// Load and compares the reason (our "unknown directive" is more precise
// than Redis's "Bad directive or wrong number of arguments").
func TestDiffLoadErrorsMatchRedis(t *testing.T) {
	needRedis(t)
	cases := []struct {
		text string
		line int
	}{
		{"port 1234\n\nfooo bar\n", 3},
		{"port abc\n", 1},
		{"port\n", 1},
		{"port 1 2\n", 1},
		{"maxmemory 1xb\n", 1},
		{"save 900\n", 1},
		{"save 900 1\nsave 0 1\n", 2},
		{"appendonly maybe\n", 1},
		{"bind \"127.0.0.1\n", 1},
		{"bind \"a\"b\n", 1},
		{"bind 'a'b\n", 1},
		{"loglevel loud\n", 1},
		{"client-output-buffer-limit normal 0 0\n", 1},
		{"client-output-buffer-limit \"\"\n", 1},
		{"notify-keyspace-events Q\n", 1},
		{"replicaof 127.0.0.1 99999\n", 1},
		{"replicaof 127.0.0.1\n", 1},
		{"include\n", 1},
		{"include /nonexistent/file.conf\n", 1},
		{"rename-command a\n", 1},
		{"foo.bar\n", 1},
		{"sentinel monitor x\n", 1},
		{"list-max-ziplist-entries 1 2\n", 1},
		{"oom-score-adj-values 1 2\n", 1},
		{"hz x\n", 1},
		{"unixsocketperm 800\n", 1},
		{"unixsocketperm 9\n", 1},
		{"dbfilename a/b\n", 1},
		{"appendfilename \"\"\n", 1},
		{"shutdown-on-sigint save nosave\n", 1},
		{"latency-tracking-info-percentiles 200\n", 1},
		{"cluster-enabled yes\nreplicaof 127.0.0.1 6379\n", 0},
	}
	for _, tc := range cases {
		reason, _ := redisConfigError(t, tc.text)
		_, err := Parse(strings.NewReader(tc.text), "test.conf")
		if reason == "" {
			if err != nil {
				t.Errorf("%q: redis accepts it, we say %v", tc.text, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: redis says %q, we accept it", tc.text, reason)
			continue
		}
		var got string
		if pe, ok := err.(*ParseError); ok {
			got = pe.Reason
			if tc.line != 0 && pe.Line != tc.line {
				t.Errorf("%q: line %d, want %d", tc.text, pe.Line, tc.line)
			}
		} else {
			got = err.Error()
		}
		if strings.HasPrefix(got, "unknown directive") || (strings.HasPrefix(got, "wrong number of arguments") && reason == "Bad directive or wrong number of arguments") {
			got = "Bad directive or wrong number of arguments"
		}
		if got != reason {
			t.Errorf("%q:\n redis: %s\n ours:  %s", tc.text, reason, got)
		}
	}
}

// TestDiffRewriteMatchesRedis rewrites the same file with both and compares:
// the part before the generated marker must be identical, the generated
// part must hold the same lines (Redis writes them in hash order).
func TestDiffRewriteMatchesRedis(t *testing.T) {
	dir := t.TempDir()
	text := `# top comment
   # indented comment


save 900 1
save 300 10
maxmemory 0
slave-read-only yes
client-output-buffer-limit pubsub 32mb 8mb 60
client-output-buffer-limit replica 256mb 64mb 60
appendonly no
maxmemory 5
requirepass ""
pidfile ""
hash-max-ziplist-entries 100

bind "127.0.0.1"
logfile ""
rename-command FLUSHALL ""
notify-keyspace-events ""
tcp-keepalive 300
# trailing comment
`
	inc := filepath.Join(dir, "inc.conf")
	os.WriteFile(inc, []byte("hz 20\ntimeout 7\n"), 0o644)
	text = strings.Replace(text, "tcp-keepalive 300\n", "tcp-keepalive 300\ninclude "+inc+"\n", 1)
	theirsPath := filepath.Join(dir, "theirs.conf")
	oursPath := filepath.Join(dir, "ours.conf")
	os.WriteFile(theirsPath, []byte(text), 0o644)
	os.WriteFile(oursPath, []byte(text), 0o644)
	rc, port := startRedis(t, theirsPath, "--dir", dir)
	ours, err := Load(oursPath, []string{"--dir", dir, "--port", itoa(port), "--bind", "127.0.0.1", "--daemonize", "no", "--logfile", ""})
	if err != nil {
		t.Fatal(err)
	}
	// Lines neither server would load, added once both run: rewrite must
	// turn them into "# ??? " comments.
	bad := "unknown-thing 1\nbogus \"unbalanced\n"
	os.WriteFile(theirsPath, []byte(text+bad), 0o644)
	os.WriteFile(oursPath, []byte(text+bad), 0o644)

	sets := [][]string{
		{"maxmemory-policy", "allkeys-lru"}, {"save", "100 1"}, {"client-output-buffer-limit", "normal 1mb 0 0"},
		{"notify-keyspace-events", "KEx"}, {"maxmemory-clients", "10%"}, {"proto-max-bulk-len", "1000000000"},
		{"oom-score-adj-values", "0 100 300"}, {"shutdown-on-sigint", "now save"},
		{"replica-announce-ip", "a\"b c"}, {"hash-max-listpack-entries", "512"},
	}
	for _, s := range sets {
		if _, err := rc.do(append([]string{"CONFIG", "SET"}, s...)...); err != nil {
			t.Fatalf("redis CONFIG SET %v: %v", s, err)
		}
		if err := ours.Set(s...); err != nil {
			t.Fatalf("CONFIG SET %v: %v", s, err)
		}
	}
	if _, err := rc.do("CONFIG", "REWRITE"); err != nil {
		t.Fatal(err)
	}
	if err := ours.Rewrite(); err != nil {
		t.Fatal(err)
	}
	theirsOut, _ := os.ReadFile(theirsPath)
	oursOut, _ := os.ReadFile(oursPath)
	if testing.Verbose() {
		t.Logf("redis:\n%s\nours:\n%s", theirsOut, oursOut)
	}
	tHead, tGen := splitGenerated(string(theirsOut))
	oHead, oGen := splitGenerated(string(oursOut))
	if tHead != oHead {
		t.Errorf("rewritten files differ before the marker:\n--- redis\n%s\n--- ours\n%s", tHead, oHead)
	}
	// Redis always writes its default user; we only write users we know.
	var tg []string
	for _, l := range tGen {
		if !strings.HasPrefix(l, "user default ") {
			tg = append(tg, l)
		}
	}
	sort.Strings(tg)
	sort.Strings(oGen)
	if strings.Join(tg, "\n") != strings.Join(oGen, "\n") {
		t.Errorf("generated lines differ:\n--- redis\n%s\n--- ours\n%s", strings.Join(tg, "\n"), strings.Join(oGen, "\n"))
	}
	// A second rewrite: same head, same file ending.
	if _, err := rc.do("CONFIG", "REWRITE"); err != nil {
		t.Fatal(err)
	}
	if err := ours.Rewrite(); err != nil {
		t.Fatal(err)
	}
	theirsOut, _ = os.ReadFile(theirsPath)
	oursOut, _ = os.ReadFile(oursPath)
	tHead2, _ := splitGenerated(string(theirsOut))
	oHead2, _ := splitGenerated(string(oursOut))
	if tHead2 != oHead2 || trailingNewlines(string(theirsOut)) != trailingNewlines(string(oursOut)) {
		t.Errorf("second rewrite differs:\n--- redis\n%s\n--- ours\n%s", theirsOut, oursOut)
	}
}

func trailingNewlines(s string) int { return len(s) - len(strings.TrimRight(s, "\n")) }

func splitGenerated(s string) (string, []string) {
	i := strings.Index(s, rewriteSignature+"\n")
	if i < 0 {
		return s, nil
	}
	gen := strings.Split(strings.TrimRight(s[i+len(rewriteSignature)+1:], "\n"), "\n")
	return s[:i], gen
}
