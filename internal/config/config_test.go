package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestGetPatterns(t *testing.T) {
	c := Default()
	tests := []struct {
		patterns []string
		want     []string
	}{
		{[]string{"port"}, []string{"port", "6379"}},
		{[]string{"PORT"}, []string{"PORT", "6379"}}, // exact names come back as asked
		{[]string{"Port", "PORT", "port"}, []string{"Port", "6379"}},
		{[]string{"port", "p?rt", "[p]ort"}, []string{"port", "6379"}},
		{[]string{"nothing"}, []string{}},
		{[]string{"nothing*"}, []string{}},
		{[]string{"maxmemory", "timeout", "databases"}, []string{"databases", "16", "maxmemory", "0", "timeout", "0"}},
		{[]string{"hash-max-*-entries"}, []string{"hash-max-listpack-entries", "512", "hash-max-ziplist-entries", "512"}},
		{[]string{"slaveof"}, []string{"slaveof", ""}},
		{[]string{"lua-time-limit", "busy-reply-threshold"}, []string{"busy-reply-threshold", "5000", "lua-time-limit", "5000"}},
		{[]string{"MAXMEMORY-P*"}, []string{"maxmemory-policy", "noeviction"}},
		{[]string{"key-load-delay"}, []string{"key-load-delay", "0"}}, // hidden: exact name only
		{[]string{"key-load-*"}, []string{}},
		{[]string{"tls-c[a]-cert-*"}, []string{"tls-ca-cert-dir", "", "tls-ca-cert-file", ""}},
		{[]string{"client-output-buffer-limit"}, []string{"client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"}},
		{[]string{"save", "bind"}, []string{"bind", "* -::*", "save", "3600 1 300 100 60 10000"}},
		{[]string{"oom-score-adj-values", "latency-tracking-info-percentiles"}, []string{"latency-tracking-info-percentiles", "50 99 99.9", "oom-score-adj-values", "0 200 800"}},
	}
	for _, tc := range tests {
		got := c.Get(tc.patterns...)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Get(%q) = %q, want %q", tc.patterns, got, tc.want)
		}
	}
	all := c.Get("*")
	seen := map[string]bool{}
	for i := 0; i < len(all); i += 2 {
		if seen[all[i]] || (i > 0 && all[i-2] >= all[i]) {
			t.Fatalf("Get(*) not sorted and unique at %q", all[i])
		}
		seen[all[i]] = true
	}
	for _, d := range Directives() {
		if seen[d.Name] == d.Hidden || (d.Alias != "" && !seen[d.Alias]) {
			t.Errorf("Get(*) and %s (hidden %v)", d.Name, d.Hidden)
		}
	}
	if c.RequirePass = "secret"; c.Get("requirepass")[1] != "secret" {
		t.Error("requirepass is reported in clear text, as Redis does")
	}
	if !IsSensitive("requirepass") || !IsSensitive("MASTERAUTH") || IsSensitive("port") {
		t.Error("IsSensitive")
	}
}

func TestSetErrors(t *testing.T) {
	c := Default()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "ERR wrong number of arguments for 'config|set' command"},
		{[]string{"maxmemory"}, "ERR wrong number of arguments for 'config|set' command"},
		{[]string{"maxmemory", "1", "timeout"}, "ERR syntax error"},
		{[]string{"foo", "bar"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[]string{"maxmemory", "x"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[]string{"MAXMEMORY", "x"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
		{[]string{"SLAVE-READ-ONLY", "x"}, "ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument must be 'yes' or 'no'"},
		{[]string{"port", "x"}, "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer"},
		{[]string{"Databases", "2"}, "ERR CONFIG SET failed (possibly related to argument 'Databases') - can't set immutable config"},
		{[]string{"console-port", "1"}, "ERR CONFIG SET failed (possibly related to argument 'console-port') - can't set immutable config"},
		{[]string{"dir", "/tmp"}, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"},
		{[]string{"timeout", "1", "Timeout", "2"}, "ERR CONFIG SET failed (possibly related to argument 'Timeout') - duplicate parameter"},
		{[]string{"databases", "1", "foo", "bar"}, "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"},
		{[]string{"foo", "bar", "databases", "1"}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
		{[]string{"maxmemory-policy", "x"}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
		{[]string{"unixsocketperm", "1"}, "ERR CONFIG SET failed (possibly related to argument 'unixsocketperm') - can't set immutable config"},
	}
	for _, tc := range tests {
		err := c.Set(tc.args...)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Set(%q) = %v\nwant %s", tc.args, err, tc.want)
		}
	}
	if !reflect.DeepEqual(c.Get("*"), Default().Get("*")) {
		t.Error("failed Sets changed values")
	}
}

func TestSetAtomic(t *testing.T) {
	c := Default()
	if err := c.Set("timeout", "5", "maxmemory", "1gb", "save", "10 1", "bind", "127.0.0.1 ::1"); err != nil {
		t.Fatal(err)
	}
	if c.Timeout != 5 || c.MaxMemory != 1<<30 || !reflect.DeepEqual(c.Save, []SaveRule{{10, 1}}) ||
		!reflect.DeepEqual(c.Bind, []string{"127.0.0.1", "::1"}) {
		t.Fatalf("values not set: %+v", c)
	}
	before := c.Get("*")
	err := c.Set("timeout", "6", "save", "", "bind", "", "client-output-buffer-limit", "normal 1 1 1", "maxmemory", "bad")
	if err == nil {
		t.Fatal("bad value accepted")
	}
	if !reflect.DeepEqual(c.Get("*"), before) || c.Timeout != 5 || len(c.Save) != 1 {
		t.Errorf("a failed Set left changes behind")
	}
	// The same directive under its name and its alias is not a duplicate
	// for Redis: both are set, the last one wins.
	if err := c.Set("hash-max-ziplist-entries", "1", "hash-max-listpack-entries", "2"); err != nil || c.HashMaxListpackEntries != 2 {
		t.Errorf("alias + name: %v, %d", err, c.HashMaxListpackEntries)
	}
}

func TestApplyHooks(t *testing.T) {
	c := Default()
	var log []string
	c.OnApply("maxmemory", func(c *Config) error {
		log = append(log, "maxmemory="+itoa(int(c.MaxMemory)))
		return nil
	})
	c.OnApply("lua-time-limit", func(c *Config) error { // by alias
		log = append(log, "busy="+itoa(int(c.BusyReplyThreshold)))
		return nil
	})
	c.OnApply("port", func(c *Config) error {
		if c.Port == 1 {
			return errors.New("Unable to listen on this port. Check server logs.")
		}
		log = append(log, "port="+itoa(c.Port))
		return nil
	})
	if err := c.Set("maxmemory", "1mb", "busy-reply-threshold", "10"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"maxmemory=1048576", "busy=10"}; !reflect.DeepEqual(log, want) {
		t.Errorf("hooks %q, want %q", log, want)
	}
	log = nil
	if err := c.Set("maxmemory", "1mb", "timeout", "3"); err != nil || len(log) != 0 {
		t.Errorf("unchanged value ran its hook: %q", log)
	}
	log = nil
	err := c.Set("maxmemory", "2mb", "port", "1", "timeout", "4")
	if err == nil || err.Error() != "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs." {
		t.Fatalf("hook error: %v", err)
	}
	if c.MaxMemory != 1<<20 || c.Port != 6379 || c.Timeout != 3 {
		t.Errorf("rollback: maxmemory %d port %d timeout %d", c.MaxMemory, c.Port, c.Timeout)
	}
	// The hooks that ran are re-run with the old values.
	if want := []string{"maxmemory=2097152", "maxmemory=1048576", "port=6379"}; !reflect.DeepEqual(log, want) {
		t.Errorf("hooks %q, want %q", log, want)
	}
	// Volatile directives run their hooks even when unchanged.
	n := 0
	c.OnApply("tls-cert-file", func(*Config) error { n++; return nil })
	c.Set("tls-cert-file", "")
	c.Set("tls-cert-file", "")
	if n != 2 {
		t.Errorf("volatile hook ran %d times", n)
	}
	defer func() {
		if recover() == nil {
			t.Error("OnApply of an unknown name must panic")
		}
	}()
	c.OnApply("no-such-thing", nil)
}

func TestSetFlags(t *testing.T) {
	c := Default()
	c.SetLoading(true)
	if err := c.Set("appendonly", "yes"); err == nil || err.Error() != "LOADING Redis is loading the dataset in memory" {
		t.Errorf("deny-loading: %v", err)
	}
	if err := c.Set("timeout", "1"); err != nil {
		t.Errorf("while loading: %v", err)
	}
	c.SetLoading(false)
	if err := c.Set("appendonly", "yes"); err != nil || !c.AppendOnly {
		t.Errorf("after loading: %v", err)
	}

	dir := t.TempDir()
	p, err := Load("", []string{"--enable-protected-configs", "local"})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetFrom(false, "dir", dir); err == nil || !strings.Contains(err.Error(), "can't set protected config") {
		t.Errorf("remote client: %v", err)
	}
	if err := p.SetFrom(true, "dir", dir); err != nil || p.Dir != dir {
		t.Errorf("local client: %v %s", err, p.Dir)
	}
	if err := p.SetFrom(true, "dir", dir+"/missing"); err == nil ||
		err.Error() != "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory" {
		t.Errorf("missing dir: %v", err)
	}
	writeFile(t, dir+"/file", "")
	if err := p.SetFrom(true, "dir", dir+"/file"); err == nil || !strings.HasSuffix(err.Error(), "- Not a directory") {
		t.Errorf("file as dir: %v", err)
	}
	if err := p.SetFrom(true, "dbfilename", "a/b"); err == nil || !strings.HasSuffix(err.Error(), "dbfilename can't be a path, just a filename") {
		t.Errorf("dbfilename path: %v", err)
	}
}

func TestCloneIndependent(t *testing.T) {
	c := Default()
	c.OnApply("timeout", func(*Config) error { return errors.New("no") })
	d := c.Clone()
	if err := d.Set("timeout", "9", "save", "1 1", "oom-score-adj-values", "1 2 3"); err != nil {
		t.Fatalf("clone has no hooks: %v", err)
	}
	if c.Timeout != 0 || len(c.Save) != 3 || c.Get("oom-score-adj-values")[1] != "0 200 800" {
		t.Error("clone shares values")
	}
	if v, ok := d.Value("SLAVEOF"); !ok || v != "" {
		t.Error("Value by alias")
	}
	if _, ok := d.Value("nope"); ok {
		t.Error("Value of unknown")
	}
}

func TestRegistry(t *testing.T) {
	ds := Directives()
	if len(ds) < 175 {
		t.Errorf("only %d directives", len(ds))
	}
	d, ok := LookupDirective("HASH-MAX-ZIPLIST-ENTRIES")
	if !ok || d.Name != "hash-max-listpack-entries" || d.Alias != "hash-max-ziplist-entries" || d.Default != "512" || d.Type != "int" {
		t.Errorf("lookup by alias: %+v", d)
	}
	for name, want := range map[string]Directive{
		"maxmemory":       {Name: "maxmemory", Type: "memory", Default: "0"},
		"databases":       {Name: "databases", Type: "int", Default: "16", Immutable: true},
		"requirepass":     {Name: "requirepass", Type: "string", Sensitive: true},
		"dir":             {Name: "dir", Type: "special", Protected: true, DenyLoading: true},
		"save":            {Name: "save", Type: "special", Default: "3600 1 300 100 60 10000", MultiArg: true},
		"watchdog-period": {Name: "watchdog-period", Type: "int", Default: "0", Hidden: true},
		"console-port":    {Name: "console-port", Type: "int", Default: "0", Immutable: true},
	} {
		if got, _ := LookupDirective(name); got != want {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
}
