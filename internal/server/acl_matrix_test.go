package server_test

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/difftest"
	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// The ACL matrix: users with different rules run the same commands on the
// same keys and channels, against our server and, when it is installed,
// against redis-server; every cell must have the same outcome on both,
// and the cells that matter most are also checked against a fixed
// expectation. The connection is a parameter (aclDialer) so the same
// matrix runs over TLS.

// aclDialer opens a client connection to the server under test.
type aclDialer func() (net.Conn, error)

// aclMatrixUsers are the users of the matrix, as ACL SETUSER rules.
var aclMatrixUsers = []struct{ name, rules string }{
	{"sessreader", "on >pw ~session:* +@read"},
	{"readonly", "on >pw %R~* +@all"},
	{"rwsplit", "on >pw %R~r:* %W~w:* ~both:* +@all"},
	{"publisher", "on >pw ~* +@all resetchannels &news:*"},
	{"selectors", "on >pw -@all +get ~a* (+set ~b*) (+get +mget ~c*)"},
	{"noadmin", "on >pw ~* &* +@all -@dangerous -@admin"},
	{"onlyping", "on >pw -@all +ping +select|0"},
	{"off", "off >pw +@all ~*"},
}

// aclMatrixCommands are the commands of the matrix.
var aclMatrixCommands = [][]string{
	{"GET", "session:1"}, {"GET", "chat:1"}, {"GET", "r:1"}, {"GET", "w:1"}, {"GET", "both:1"},
	{"GET", "a1"}, {"GET", "b1"}, {"GET", "c1"},
	{"SET", "session:1", "v"}, {"SET", "chat:1", "v"}, {"SET", "r:1", "v"}, {"SET", "w:1", "v"},
	{"SET", "both:1", "v"}, {"SET", "a1", "v"}, {"SET", "b1", "v"}, {"SET", "w:1", "v", "GET"},
	{"MGET", "session:1", "session:2"}, {"MGET", "session:1", "chat:1"}, {"MGET", "c1", "c2"}, {"MGET", "a1", "c1"},
	{"DEL", "w:1"}, {"DEL", "r:1"}, {"EXISTS", "r:1", "w:1"}, {"TYPE", "chat:1"},
	{"APPEND", "w:1", "x"}, {"STRLEN", "w:1"}, {"INCR", "w:n"},
	{"LPUSH", "w:list", "a"}, {"LRANGE", "w:list", "0", "-1"}, {"LMOVE", "w:list", "r:list", "LEFT", "RIGHT"},
	{"HSET", "session:h", "f", "v"}, {"HGET", "session:h", "f"},
	{"COPY", "r:1", "w:copy"}, {"RENAME", "w:1", "w:2"},
	{"FLUSHDB"}, {"FLUSHALL"}, {"KEYS", "*"}, {"DBSIZE"}, {"CONFIG", "GET", "maxmemory"}, {"CONFIG", "SET", "maxmemory", "0"},
	{"CLIENT", "ID"}, {"CLIENT", "KILL", "ID", "999999"}, {"DEBUG", "SLEEP", "0"},
	{"PUBLISH", "news:1", "m"}, {"PUBLISH", "other", "m"}, {"SPUBLISH", "news:1", "m"},
	{"PING"}, {"SELECT", "0"}, {"SELECT", "1"}, {"ECHO", "x"},
	{"ACL", "WHOAMI"}, {"ACL", "LIST"},
}

// aclMatrixDryRun are checked with ACL DRYRUN (subscribing would change
// the connection's state).
var aclMatrixDryRun = [][]string{
	{"SUBSCRIBE", "news:1"}, {"SUBSCRIBE", "news:1", "other"}, {"PSUBSCRIBE", "news:*"}, {"PSUBSCRIBE", "news:1"},
	{"SSUBSCRIBE", "news:2"}, {"GET", "chat:1"}, {"SET", "b1", "x"},
}

type aclConn struct {
	t  testing.TB
	nc net.Conn
	r  *bufio.Reader
}

func (c *aclConn) do(args ...string) string {
	c.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write([]byte(b.String())); err != nil {
		return "closed"
	}
	reply, err := difftest.ReadReply(c.r)
	if err != nil {
		return "closed"
	}
	return string(reply)
}

func newACLConn(t testing.TB, dial aclDialer) *aclConn {
	t.Helper()
	nc, err := dial()
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	return &aclConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// outcomeOf reduces a reply to what the matrix compares: success, or the
// error code with the kind of denial.
func outcomeOf(reply string) string {
	switch {
	case strings.HasPrefix(reply, "-NOPERM this user has no permissions to run"):
		return "NOPERM command"
	case strings.HasPrefix(reply, "-NOPERM") && strings.Contains(reply, "keys"):
		return "NOPERM key"
	case strings.HasPrefix(reply, "-NOPERM") && strings.Contains(reply, "channels"):
		return "NOPERM channel"
	case strings.HasPrefix(reply, "-"):
		return strings.TrimSpace(reply[1:])
	case strings.HasPrefix(reply, "$") && strings.Contains(reply, "This user has no permissions"):
		return "denied: " + strings.SplitN(reply, "\r\n", 3)[1]
	case reply == "closed":
		return reply
	}
	return "ok"
}

// runACLMatrix creates the matrix users on the server reached by dial,
// runs every command as every user and returns the outcomes by
// "user: command". It removes the users at the end.
func runACLMatrix(t testing.TB, dial aclDialer) map[string]string {
	t.Helper()
	admin := newACLConn(t, dial)
	for _, u := range aclMatrixUsers {
		if r := admin.do(append([]string{"ACL", "SETUSER", u.name, "reset"}, strings.Fields(u.rules)...)...); r != "+OK\r\n" {
			t.Fatalf("ACL SETUSER %s: %q", u.name, r)
		}
	}
	defer func() {
		args := []string{"ACL", "DELUSER"}
		for _, u := range aclMatrixUsers {
			args = append(args, u.name)
		}
		admin.do(args...)
	}()
	out := map[string]string{}
	for _, u := range aclMatrixUsers {
		admin.do("FLUSHALL")
		for _, k := range []string{"session:1", "chat:1", "r:1", "w:1", "both:1", "a1", "b1", "c1"} {
			admin.do("SET", k, "seed")
		}
		c := newACLConn(t, dial)
		out[u.name+": AUTH"] = outcomeOf(c.do("AUTH", u.name, "pw"))
		for _, cmd := range aclMatrixCommands {
			out[u.name+": "+strings.Join(cmd, " ")] = outcomeOf(c.do(cmd...))
		}
		for _, cmd := range aclMatrixDryRun {
			out[u.name+": DRYRUN "+strings.Join(cmd, " ")] = outcomeOf(admin.do(append([]string{"ACL", "DRYRUN", u.name}, cmd...)...))
		}
		c.nc.Close()
	}
	return out
}

// aclMatrixExpect are cells whose outcome is fixed by the rules.
var aclMatrixExpect = map[string]string{
	"sessreader: AUTH":                        "ok",
	"sessreader: GET session:1":               "ok",
	"sessreader: GET chat:1":                  "NOPERM key",
	"sessreader: MGET session:1 chat:1":       "NOPERM key",
	"sessreader: SET session:1 v":             "NOPERM command",
	"sessreader: FLUSHDB":                     "NOPERM command",
	"sessreader: KEYS *":                      "ok",
	"readonly: GET chat:1":                    "ok",
	"readonly: SET chat:1 v":                  "NOPERM key",
	"readonly: DEL r:1":                       "NOPERM key",
	"readonly: EXISTS r:1 w:1":                "ok",
	"rwsplit: GET r:1":                        "ok",
	"rwsplit: GET w:1":                        "NOPERM key",
	"rwsplit: SET w:1 v":                      "ok",
	"rwsplit: SET r:1 v":                      "NOPERM key",
	"rwsplit: SET w:1 v GET":                  "NOPERM key",
	"rwsplit: SET both:1 v":                   "ok",
	"rwsplit: LMOVE w:list r:list LEFT RIGHT": "NOPERM key",
	"publisher: PUBLISH news:1 m":             "ok",
	"publisher: PUBLISH other m":              "NOPERM channel",
	"publisher: DRYRUN SUBSCRIBE news:1":      "ok",
	"publisher: DRYRUN PSUBSCRIBE news:1":     "denied: This user has no permissions to access the 'news:1' channel",
	"selectors: GET a1":                       "ok",
	"selectors: GET c1":                       "ok",
	"selectors: GET b1":                       "NOPERM key",
	"selectors: SET b1 v":                     "ok",
	"selectors: SET a1 v":                     "NOPERM key",
	"selectors: MGET a1 c1":                   "NOPERM key",
	"noadmin: FLUSHALL":                       "NOPERM command",
	"noadmin: CONFIG GET maxmemory":           "NOPERM command",
	"noadmin: GET chat:1":                     "ok",
	"onlyping: PING":                          "ok",
	"onlyping: SELECT 0":                      "ok",
	"onlyping: SELECT 1":                      "NOPERM command",
	"onlyping: ECHO x":                        "NOPERM command",
	"off: AUTH":                               "WRONGPASS invalid username-password pair or user is disabled.",
}

func tcpDialer(addr string) aclDialer {
	return func() (net.Conn, error) { return net.DialTimeout("tcp", addr, 5*time.Second) }
}

func TestACLMatrix(t *testing.T) {
	_, addr := servertest.Start(t)
	ours := runACLMatrix(t, tcpDialer(addr))
	for cell, want := range aclMatrixExpect {
		if got, ok := ours[cell]; !ok || got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	if !referenceInstalled() {
		t.Log("redis-server not installed: matrix checked against our server only")
		return
	}
	ref := runACLMatrix(t, tcpDialer(difftest.StartReference(t).Addr))
	compareMatrices(t, ref, ours)
}

func compareMatrices(t *testing.T, ref, ours map[string]string) {
	t.Helper()
	n := 0
	for cell, want := range ref {
		if got := ours[cell]; got != want {
			t.Errorf("%s: redis-server %q, ours %q", cell, want, got)
		}
		n++
	}
	if len(ours) != len(ref) {
		t.Errorf("matrix sizes differ: %d vs %d", len(ours), len(ref))
	}
	t.Logf("%d cells compared with redis-server (%d users)", n, len(aclMatrixUsers))
}

func referenceInstalled() bool {
	_, err := exec.LookPath("redis-server")
	return err == nil
}
