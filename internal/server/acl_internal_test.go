package server

import (
	"net"
	"strings"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/acl"
	"github.com/autobot-ai/autobot-redis/internal/config"
)

// TestACLScriptCheck checks what a script's redis.call gets for a refused
// command, and the "lua" entry of the ACL log; redis.acl_check_cmd
// (ACLPermitted) answers without logging.
func TestACLScriptCheck(t *testing.T) {
	cfg := config.Default()
	cfg.Port = 0
	cfg.Save = nil
	cfg.Dir = t.TempDir()
	cfg.LogLevel = "warning"
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.newClient(a)
	if _, _, err := s.ACL().SetUser("scripter", []string{"on", "nopass", "~k*", "+@all", "-flushall"}); err != nil {
		t.Fatal(err)
	}
	c.user = "scripter"
	eval := s.cmds.LookupName("echo") // stands for the EVAL running the script
	c.ctx.Reset([][]byte{[]byte("echo"), []byte("x")}, eval)
	get := s.cmds.LookupName("get")
	flushall := s.cmds.LookupName("flushall")
	if msg := s.aclScriptCheck(c, get, [][]byte{[]byte("get"), []byte("k1")}); msg != "" {
		t.Fatalf("allowed GET refused: %q", msg)
	}
	if msg := s.aclScriptCheck(c, get, [][]byte{[]byte("get"), []byte("other")}); msg != "The user executing the script can't access at least one of the keys mentioned in the command arguments" {
		t.Fatalf("key denial: %q", msg)
	}
	if msg := s.aclScriptCheck(c, flushall, [][]byte{[]byte("flushall")}); msg != "The user executing the script can't run this command or subcommand" {
		t.Fatalf("command denial: %q", msg)
	}
	if s.ACLPermitted(c, flushall, [][]byte{[]byte("flushall")}) || !s.ACLPermitted(c, get, [][]byte{[]byte("get"), []byte("k")}) {
		t.Fatal("ACLPermitted")
	}
	log := s.ACL().Log(10)
	if len(log) != 2 {
		t.Fatalf("log has %d entries, want 2", len(log))
	}
	e := log[0]
	if e.Reason != acl.DeniedCommand || e.Context != acl.ContextLua || e.Object != "flushall" || e.Username != "scripter" || !strings.Contains(e.ClientInfo, " cmd=echo ") {
		t.Fatalf("log entry %+v", e)
	}
	if log[1].Reason != acl.DeniedKey || log[1].Object != "other" {
		t.Fatalf("log entry %+v", log[1])
	}
}
