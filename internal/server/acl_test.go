package server_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/difftest"
	"github.com/autobot-ai/autobot-redis/internal/server"
	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// pairRun runs the same steps on our server and, when installed, on
// redis-server, over named connections, and compares the raw replies
// after masking.
type pairRun struct {
	t     *testing.T
	dials [2]aclDialer // ours, reference (nil: ours only)
	conns [2]map[string]*aclConn
	masks []*regexp.Regexp
}

func newPairRun(t *testing.T, ours, ref aclDialer, masks ...string) *pairRun {
	p := &pairRun{t: t, dials: [2]aclDialer{ours, ref}}
	p.conns[0], p.conns[1] = map[string]*aclConn{}, map[string]*aclConn{}
	for _, m := range masks {
		p.masks = append(p.masks, regexp.MustCompile(m))
	}
	return p
}

func (p *pairRun) conn(i int, name string) *aclConn {
	c := p.conns[i][name]
	if c == nil {
		c = newACLConn(p.t, p.dials[i])
		p.conns[i][name] = c
	}
	return c
}

// do runs args on the named connection of both servers and returns our
// reply. A connection that the server closed is reopened next time.
func (p *pairRun) do(name string, args ...string) string {
	p.t.Helper()
	var replies [2]string
	for i, d := range p.dials {
		if d == nil {
			continue
		}
		c := p.conn(i, name)
		r := c.do(args...)
		if r == "closed" {
			c.nc.Close()
			delete(p.conns[i], name)
		}
		for _, m := range p.masks {
			r = m.ReplaceAllString(r, "*")
		}
		replies[i] = r
	}
	if p.dials[1] != nil && replies[0] != replies[1] {
		p.t.Errorf("%s %q:\n  redis-server: %q\n  ours:         %q", name, args, replies[1], replies[0])
	}
	return replies[0]
}

func (p *pairRun) expect(want, name string, args ...string) {
	p.t.Helper()
	if got := p.do(name, args...); got != want {
		p.t.Errorf("%s %q = %q, want %q", name, args, got, want)
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// startPair starts our server (configured by configure) and, when
// installed, redis-server with refArgs.
func startPair(t *testing.T, configure func(*config.Config), refArgs ...string) (ours, ref aclDialer) {
	var fns []func(*config.Config)
	if configure != nil {
		fns = append(fns, configure)
	}
	_, addr := servertest.Start(t, fns...)
	ours = tcpDialer(addr)
	if referenceInstalled() {
		ref = tcpDialer(difftest.StartReference(t, refArgs...).Addr)
	}
	return ours, ref
}

// TestACLFile covers the aclfile: loading at start, ACL SAVE, ACL LOAD
// (with and without errors, and the connections it closes).
func TestACLFile(t *testing.T) {
	dir := t.TempDir()
	paths := [2]string{filepath.Join(dir, "ours.acl"), filepath.Join(dir, "ref.acl")}
	writeBoth := func(content string) {
		for _, p := range paths {
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	writeBoth("user default on nopass ~* &* +@all\n" +
		"user alice on #" + sha("pw") + " ~a* resetchannels &c -@all +@read\n" +
		"\n   \n" +
		"user bob off resetchannels -@all\n")
	ours, ref := startPair(t, func(c *config.Config) { c.ACLFile = paths[0] }, "--aclfile", paths[1])
	p := newPairRun(t, ours, ref, regexp.QuoteMeta(dir)+`/(ours|ref)\.acl`)

	p.expect("*3\r\n$113\r\nuser alice on #"+sha("pw")+" ~a* resetchannels &c -@all +@read\r\n"+
		"$32\r\nuser bob off resetchannels -@all\r\n"+
		"$34\r\nuser default on nopass ~* &* +@all\r\n", "admin", "ACL", "LIST")
	p.expect("+OK\r\n", "alice", "AUTH", "alice", "pw")
	p.expect("+OK\r\n", "admin", "ACL", "SETUSER", "carol", "on", ">pw", "~c*", "+get")
	p.expect("+OK\r\n", "admin", "ACL", "SAVE")
	var saved [2]string
	for i, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		saved[i] = string(b)
	}
	want := "user alice on #" + sha("pw") + " ~a* resetchannels &c -@all +@read\n" +
		"user bob off resetchannels -@all\n" +
		"user carol on #" + sha("pw") + " ~c* resetchannels -@all +get\n" +
		"user default on nopass ~* &* +@all\n"
	if saved[0] != want {
		t.Errorf("saved file:\n%s\nwant:\n%s", saved[0], want)
	}
	if ref != nil && saved[1] != saved[0] {
		t.Errorf("redis-server saved:\n%s\nours:\n%s", saved[1], saved[0])
	}

	// ACL LOAD replaces the users and closes every connection of a user
	// other than default, even one the file still defines.
	p.do("admin", "ACL", "DELUSER", "carol")
	p.expect("+OK\r\n", "admin", "ACL", "LOAD")
	p.expect("closed", "alice", "PING")
	p.expect("*4\r\n$5\r\nalice\r\n$3\r\nbob\r\n$5\r\ncarol\r\n$7\r\ndefault\r\n", "admin", "ACL", "USERS")

	// A file with errors changes nothing and says why.
	writeBoth("user x on +nosuch -@nosuch\nuser x\nnotuser y\nuser z ~a foo bar\nuser w ~a\tb\nuser v (~a\nuser ab\x00cd on\n")
	p.do("admin", "ACL", "LOAD")
	p.expect("*4\r\n$5\r\nalice\r\n$3\r\nbob\r\n$5\r\ncarol\r\n$7\r\ndefault\r\n", "admin", "ACL", "USERS")
	writeBoth("user a allkeys ~x\nuser b allchannels &x\nuser c #abc\nuser d <nope\nuser e +config|get|x\n")
	p.do("admin", "ACL", "LOAD")
	writeBoth("user   spaced   on   nopass  \r\n\tuser tab\n")
	p.do("admin", "ACL", "LOAD")
	p.do("admin", "ACL", "LIST")

	// Without a default user in the file, default gets its initial rules.
	writeBoth("user dave on >pw +@all ~*\n")
	p.do("admin", "ACL", "SETUSER", "default", "resetpass", ">x")
	p.expect("+OK\r\n", "admin", "ACL", "LOAD")
	p.expect("*2\r\n$101\r\nuser dave on #"+sha("pw")+" ~* resetchannels +@all\r\n$34\r\nuser default on nopass ~* &* +@all\r\n", "admin", "ACL", "LIST")

	// A default user with a password: new connections must authenticate;
	// connections that already are stay so.
	writeBoth("user default on >pw ~* &* +@all\n")
	p.expect("+OK\r\n", "admin", "ACL", "LOAD")
	p.expect("-NOAUTH Authentication required.\r\n", "new", "PING")
	p.expect("+PONG\r\n", "admin", "PING")
	p.expect("+OK\r\n", "new", "AUTH", "pw")
	writeBoth("user default on nopass ~* &* +@all\n")
	p.expect("+OK\r\n", "admin", "ACL", "LOAD")

	// A missing file.
	for _, path := range paths {
		os.Remove(path)
	}
	p.expect("-ERR Error loading ACLs, opening file '*': No such file or directory\r\n", "admin", "ACL", "LOAD")
	p.expect("+OK\r\n", "admin", "ACL", "SAVE")
	p.expect("+OK\r\n", "admin", "ACL", "LOAD")
}

// TestACLConfigUsers covers "user" lines of redis.conf, requirepass and
// how they combine, against redis-server given the same directives.
func TestACLConfigUsers(t *testing.T) {
	users := [][]string{
		{"bob", "on", ">pw", "~b*", "+@read"},
		// A "user default" line resets the default user, so requirepass
		// given too is overridden.
		{"default", "on", "nopass", "~*", "&*", "+@all", "-flushall"},
		{"sel", "on", "nopass", "(~a*", "+get)", "(+set ~b*)"},
		{"nobody"},
	}
	var refArgs []string
	for _, u := range users {
		refArgs = append(refArgs, "--user")
		refArgs = append(refArgs, u...)
	}
	refArgs = append(refArgs, "--requirepass", "ignored")
	ours, ref := startPair(t, func(c *config.Config) {
		c.Users = users
		c.RequirePass = "ignored"
	}, refArgs...)
	p := newPairRun(t, ours, ref)
	p.expect("+PONG\r\n", "c", "PING")
	p.expect("-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n", "c", "AUTH", "ignored")
	p.expect("*4\r\n$108\r\nuser bob on #"+sha("pw")+" ~b* resetchannels -@all +@read\r\n"+
		"$61\r\nuser default on nopass sanitize-payload ~* &* +@all -flushall\r\n"+
		"$35\r\nuser nobody off resetchannels -@all\r\n"+
		"$100\r\nuser sel on nopass resetchannels -@all (~a* resetchannels -@all +get) (~b* resetchannels -@all +set)\r\n", "c", "ACL", "LIST")
	p.expect("-NOPERM this user has no permissions to run the 'flushall' command\r\n", "c", "FLUSHALL")
	p.expect("+OK\r\n", "b", "AUTH", "bob", "pw")
	p.expect("$-1\r\n", "b", "GET", "bx")
	p.expect("+OK\r\n", "s", "AUTH", "sel", "anything")
	p.expect("-NOPERM this user has no permissions to access one of the keys used as arguments\r\n", "s", "GET", "b1")
	p.expect("+OK\r\n", "s", "SET", "b1", "x")
}

// TestACLStartupErrors checks the configurations Redis refuses to start
// with.
func TestACLStartupErrors(t *testing.T) {
	dir := t.TempDir()
	aclPath := filepath.Join(dir, "users.acl")
	os.WriteFile(aclPath, []byte("user default on nopass ~* &* +@all\n"), 0o644)
	badPath := filepath.Join(dir, "bad.acl")
	os.WriteFile(badPath, []byte("user x on +nosuch\n"), 0o644)
	cases := []struct {
		name      string
		configure func(c *config.Config)
		want      string
	}{
		{"users and aclfile", func(c *config.Config) {
			c.Users = [][]string{{"bob", "on"}}
			c.ACLFile = aclPath
		}, "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid."},
		{"missing aclfile", func(c *config.Config) { c.ACLFile = filepath.Join(dir, "nope.acl") },
			"Aborting Redis startup because of ACL errors: Error loading ACLs, opening file '" + filepath.Join(dir, "nope.acl") + "': No such file or directory"},
		{"bad aclfile", func(c *config.Config) { c.ACLFile = badPath },
			"Aborting Redis startup because of ACL errors: " + badPath + ":1: Error in applying operation '+nosuch': Unknown command or category name in ACL. WARNING: ACL errors detected, no change to the previously active ACL rules was performed"},
		{"duplicate user", func(c *config.Config) { c.Users = [][]string{{"bob", "on"}, {"bob", "off"}} },
			"Error in user declaration 'bob': Duplicate user found. A user can only be defined once in config files"},
		{"bad rule", func(c *config.Config) { c.Users = [][]string{{"bob", "on", "foo"}} },
			"Error in user declaration 'bob': Syntax error"},
		{"unknown command", func(c *config.Config) { c.Users = [][]string{{"bob", "on", "+nosuch"}} },
			"Error loading ACL rule '+nosuch' for the user named 'bob': Unknown command or category name in ACL"},
		{"space in name", func(c *config.Config) { c.Users = [][]string{{"b b", "on"}} },
			"Spaces not allowed in ACL usernames"},
	}
	for _, tc := range cases {
		cfg := config.Default()
		cfg.Port = 0
		cfg.Save = nil
		cfg.Dir = dir
		cfg.LogLevel = "warning"
		tc.configure(cfg)
		srv, err := server.New(cfg)
		if err == nil {
			srv.Close()
			t.Errorf("%s: the server started", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

// TestACLRequirepassAndAuthState covers the default user's password set
// by requirepass or by ACL SETUSER, the authentication state of new,
// RESET and existing connections, and the limits for connections that
// have not authenticated.
func TestACLRequirepassAndAuthState(t *testing.T) {
	ours, ref := startPair(t, nil)
	p := newPairRun(t, ours, ref, `\$\d+\r\nid=[^\r]*`, `\$\d+\r\n0\.[0-9]+\r\n`)
	p.expect("+PONG\r\n", "early", "PING")
	p.expect("+OK\r\n", "admin", "ACL", "SETUSER", "default", ">pw")
	p.expect("+PONG\r\n", "early", "PING") // authenticated when it connected
	p.expect("-NOAUTH Authentication required.\r\n", "late", "PING")
	p.expect("-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n", "late", "HELLO", "3")
	p.do("late", "AUTH", "nopw")
	p.expect("+OK\r\n", "late", "AUTH", "pw")
	p.expect("+RESET\r\n", "late", "RESET")
	p.expect("-NOAUTH Authentication required.\r\n", "late", "PING")
	p.expect("+RESET\r\n", "early", "RESET")
	p.expect("-NOAUTH Authentication required.\r\n", "early", "PING")
	// Big requests are refused before authentication.
	p.expect("-ERR Protocol error: unauthenticated multibulk length\r\n", "late",
		"A", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10")
	// Once the default user needs no password again, connections that
	// never authenticated may run commands, but HELLO still sees them as
	// unauthenticated, as in Redis.
	p.expect("+OK\r\n", "admin", "ACL", "SETUSER", "default", "nopass")
	p.expect("+PONG\r\n", "early", "PING")
	p.do("early", "HELLO", "2")
	p.expect("+OK\r\n", "admin", "ACL", "SETUSER", "default", "off")
	p.expect("-NOAUTH Authentication required.\r\n", "early", "PING")
	p.expect("-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n", "early", "AUTH", "x")
	p.expect("-WRONGPASS invalid username-password pair or user is disabled.\r\n", "early", "AUTH", "default", "x")
	p.expect("+OK\r\n", "admin", "ACL", "SETUSER", "default", "on")
	p.expect("+OK\r\n", "admin", "CONFIG", "SET", "requirepass", "rp")
	p.do("admin", "ACL", "GETUSER", "default")
	p.expect("-NOAUTH Authentication required.\r\n", "new", "PING")
	p.expect("+OK\r\n", "new", "AUTH", "rp")
	p.expect("+OK\r\n", "admin", "CONFIG", "SET", "requirepass", "")
	p.expect("-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n", "new", "AUTH", "rp")
	p.do("admin", "ACL", "LOG")
	p.do("admin", "ACL", "LOG", "RESET")
}

// remoteListener makes every accepted connection look like it comes from
// another host, for protected mode.
type remoteListener struct{ net.Listener }

type remoteConn struct{ net.Conn }

func (remoteConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.ParseIP("192.0.2.77"), Port: 40000}
}

func (l remoteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return remoteConn{c}, nil
}

const deniedPrefix = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user."

func TestACLProtectedMode(t *testing.T) {
	srv, local := servertest.Start(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(remoteListener{l})
	remote := l.Addr().String()
	read := func() string {
		nc, err := net.DialTimeout("tcp", remote, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		nc.Write([]byte("PING\r\n"))
		r := bufio.NewReader(nc)
		line, _ := r.ReadString('\n')
		nc.SetDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := r.ReadByte(); err != nil && os.IsTimeout(err) {
			return line + " (connection left open)"
		}
		return line
	}
	admin := newACLConn(t, tcpDialer(local))
	if got := read(); !strings.HasPrefix(got, deniedPrefix) || !strings.HasSuffix(got, "from the outside.\r\n") {
		t.Fatalf("remote client got %q", got)
	}
	if got := admin.do("INFO", "stats"); !strings.Contains(got, "rejected_connections:1\r\n") {
		t.Errorf("rejected_connections not counted: %q", got)
	}
	// A password for the default user lets remote clients in.
	admin.do("ACL", "SETUSER", "default", ">pw")
	var once sync.Once
	once.Do(func() {
		nc, err := net.DialTimeout("tcp", remote, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		c := &aclConn{t: t, nc: nc, r: bufio.NewReader(nc)}
		if got := c.do("PING"); got != "-NOAUTH Authentication required.\r\n" {
			t.Errorf("remote client with a password set got %q", got)
		}
	})
	admin.do("ACL", "SETUSER", "default", "nopass")
	if got := read(); !strings.HasPrefix(got, deniedPrefix) {
		t.Fatalf("remote client got %q", got)
	}
	admin.do("CONFIG", "SET", "protected-mode", "no")
	if got := read(); got != "+PONG\r\n (connection left open)" {
		t.Fatalf("remote client without protected mode got %q", got)
	}
}

// TestACLRewrite checks that CONFIG REWRITE writes the users as "user"
// lines when there is no aclfile.
func TestACLRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "redis.conf")
	os.WriteFile(path, []byte("user bob on >pw ~* +@all\nport 0\n"), 0o644)
	cfg, err := config.LoadArgs([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	_, addr := servertest.Start(t, func(c *config.Config) {
		*c = *cfg
		c.Port = 0
		c.Dir = dir
		c.LogLevel = "warning"
	})
	admin := newACLConn(t, tcpDialer(addr))
	admin.do("ACL", "SETUSER", "carol", "on", "nopass", "+get", "~c*")
	admin.do("ACL", "DELUSER", "bob")
	if got := admin.do("CONFIG", "REWRITE"); got != "+OK\r\n" {
		t.Fatalf("CONFIG REWRITE: %q", got)
	}
	b, _ := os.ReadFile(path)
	text := string(b)
	for _, want := range []string{"user carol on nopass ~c* resetchannels -@all +get\n", "user default on nopass ~* &* +@all\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("rewritten config lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "user bob") {
		t.Errorf("rewritten config still has bob:\n%s", text)
	}
}

// TestACLConcurrentChanges changes and deletes a user while its clients
// run commands, subscribe and authenticate: under -race this checks the
// ACL's locking, and that deleted users' clients are disconnected.
func TestACLConcurrentChanges(t *testing.T) {
	_, addr := servertest.Start(t)
	dial := tcpDialer(addr)
	admin := newACLConn(t, dial)
	admin.do("ACL", "SETUSER", "w", "on", ">pw", "~*", "&*", "+@all")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c := newACLConn(t, dial)
				if c.do("AUTH", "w", "pw") != "+OK\r\n" {
					c.nc.Close()
					continue
				}
				for j := 0; j < 50; j++ {
					r := c.do("SET", "k", "v")
					if r == "closed" {
						break
					}
					if i%2 == 0 {
						c.do("PUBLISH", "ch", "m")
					} else {
						c.do("MULTI")
						c.do("GET", "k")
						c.do("EXEC")
					}
				}
				c.nc.Close()
			}
		}(i)
	}
	for i := 0; i < 200; i++ {
		switch i % 4 {
		case 0:
			admin.do("ACL", "SETUSER", "w", "resetkeys", "~x")
		case 1:
			admin.do("ACL", "SETUSER", "w", "allkeys", "resetchannels")
		case 2:
			admin.do("ACL", "DELUSER", "w")
		case 3:
			admin.do("ACL", "SETUSER", "w", "on", ">pw", "~*", "&*", "+@all")
		}
	}
	close(stop)
	wg.Wait()
	// Deleting the user leaves none of its connections behind.
	c := newACLConn(t, dial)
	c.do("AUTH", "w", "pw")
	admin.do("ACL", "DELUSER", "w")
	if got := c.do("PING"); got != "closed" {
		t.Fatalf("a deleted user's connection answered %q", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if !strings.Contains(admin.do("CLIENT", "LIST"), "user=w ") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("connections of the deleted user are still listed")
}
