package server

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/acl"
	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/config"
)

// Access control: the wiring of internal/acl into the server. Every
// connection starts as the default user; AUTH and HELLO AUTH switch it to
// another user after checking the password; before each command (and
// before MULTI queues it, again when EXEC runs it, and for each command a
// script calls) the user's permissions are checked, and denials go to the
// ACL log.

// aclState is the server's ACL.
type aclState struct {
	a *acl.ACL
	// needAuth mirrors a.DefaultNeedsAuth() for the connection
	// goroutines, which read it without the lock (parser limits).
	needAuth atomic.Bool
	// exec is EXEC, the command a transaction's log entries show.
	exec *command.Command
}

const errProtectedMode = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

// setupACL builds the users from the configuration (requirepass, "user"
// lines, aclfile, in Redis's order) and installs the ACL's hooks,
// commands and config reactions. Called by New.
func (s *Server) setupACL() error {
	cfg := s.cfg
	st := &aclState{a: acl.New()}
	s.aclState = st
	a := st.a
	a.SetPubsubDefault(cfg.ACLPubsubDefault == "allchannels")
	a.SetLogMaxLen(cfg.ACLLogMaxLen)
	if err := a.ValidateConfigUsers(cfg.Users); err != nil {
		return err
	}
	a.SetDefaultPassword(cfg.RequirePass)
	if cfg.ACLFile != "" && len(cfg.Users) > 0 {
		return errors.New("Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.")
	}
	if err := a.LoadConfigUsers(cfg.Users, s.log.notice); err != nil {
		return fmt.Errorf("%v. Critical error while loading ACLs. Exiting.", err)
	}
	if cfg.ACLFile != "" {
		if _, err := a.LoadFile(s.aclFilePath(), cfg.ACLFile); err != nil {
			return fmt.Errorf("Aborting Redis startup because of ACL errors: %v", err)
		}
	}
	st.syncAuth()
	for _, c := range s.cmds.All() {
		if c.Name == "exec" {
			st.exec = c
		}
	}

	cfg.OnApply("requirepass", func(c *config.Config) error {
		a.SetDefaultPassword(c.RequirePass)
		st.syncAuth()
		return nil
	})
	cfg.OnApply("acl-pubsub-default", func(c *config.Config) error {
		a.SetPubsubDefault(c.ACLPubsubDefault == "allchannels")
		return nil
	})
	cfg.OnApply("acllog-max-len", func(c *config.Config) error {
		a.SetLogMaxLen(c.ACLLogMaxLen)
		return nil
	})
	cfg.SetUserLines(a.Lines)
	s.userLookup = func(name string) bool { return a.User(name) != nil }

	s.AddCommandCheck(s.aclCommandCheck)
	s.AddScriptCheck(s.aclScriptCheck)
	s.connChecks = append(s.connChecks, s.protectedModeCheck)
	for name, h := range a.Handlers(aclEnv{s}) {
		h := h
		s.cmds.Register(name, func(ctx *command.Ctx) {
			h(ctx)
			st.syncAuth() // SETUSER default, ACL LOAD
		})
	}
	return nil
}

func (st *aclState) syncAuth() { st.needAuth.Store(st.a.DefaultNeedsAuth()) }

// ACL returns the server's ACL (use it under the lock).
func (s *Server) ACL() *acl.ACL { return s.aclState.a }

func (s *Server) aclFilePath() string {
	p := s.cfg.ACLFile
	if p == "" || filepath.IsAbs(p) || s.cfg.Dir == "" {
		return p
	}
	return filepath.Join(s.cfg.Dir, p)
}

// authRequired reports whether c must authenticate before running
// commands other than AUTH, HELLO and the like: it has not, and the
// default user has a password or is off. Safe without the lock when
// called by c's own goroutine.
func (s *Server) authRequired(c *client) bool {
	return !c.authed && s.aclState.needAuth.Load()
}

// defaultUserAuthed is the authentication state of a new (or RESET)
// connection: authenticated when the default user is on and nopass.
func (s *Server) defaultUserAuthed() bool {
	d := s.aclState.a.Default()
	return d.NoPass() && d.Enabled()
}

// defaultUserNoPass reports whether the default user is nopass (AUTH
// <password> is then refused as pointless).
func (s *Server) defaultUserNoPass() bool { return s.aclState.a.Default().NoPass() }

// aclUserOf returns the ACL user of c (nil when that user is gone).
func (s *Server) aclUserOf(c *client) *acl.User {
	if c.user == acl.DefaultUserName {
		return s.aclState.a.Default()
	}
	return s.aclState.a.User(c.user)
}

// aclAuthenticate authenticates user/pass for AUTH and HELLO AUTH. A
// failure is recorded in the ACL log.
func (s *Server) aclAuthenticate(ctx *command.Ctx, user, pass []byte) bool {
	if s.aclState.a.Authenticate(user, pass) != nil {
		return true
	}
	c := ctx.Client.(*client)
	s.aclState.a.AddLog(acl.LogEntry{
		Reason:     acl.DeniedAuth,
		Context:    s.aclContext(c),
		Object:     string(ctx.Args[0]),
		Username:   string(user),
		CTime:      time.Now().UnixMilli(),
		ClientInfo: s.clientInfoLine(c, ctx.Cmd),
	})
	return false
}

func (s *Server) aclContext(c *client) string {
	if c.flags&flagMulti != 0 {
		return acl.ContextMulti
	}
	return acl.ContextTopLevel
}

// aclDenied checks c's permission to run cmd with args and logs a
// denial. cur is the command shown in the log's client info.
func (s *Server) aclDenied(c *client, cmd *command.Command, args [][]byte, context string, cur *command.Command) acl.Denial {
	u := s.aclUserOf(c)
	if u != nil && u.Unrestricted() {
		return acl.Allowed
	}
	d, idx := s.aclState.a.Check(u, cmd.Spec, args)
	if d == acl.Allowed {
		return d
	}
	obj := cmd.Name
	if d == acl.DeniedKey || d == acl.DeniedChannel {
		obj = string(args[idx])
	}
	s.aclState.a.AddLog(acl.LogEntry{
		Reason:     d,
		Context:    context,
		Object:     obj,
		Username:   c.user,
		CTime:      time.Now().UnixMilli(),
		ClientInfo: s.clientInfoLine(c, cur),
	})
	return d
}

// aclCommandCheck is the pipeline's permission check.
func (s *Server) aclCommandCheck(cv ClientView, cmd *command.Command, args [][]byte) string {
	c := cv.(*client)
	if c.flags&flagCloseASAP != 0 {
		// Disconnected by ACL DELUSER or ACL LOAD: nothing more runs.
		return errNoAuth
	}
	if c.flags&flagMulti != 0 && cmd.Flags&command.FlagNoMulti != 0 {
		return "" // refused as not allowed in MULTI first, as in Redis
	}
	if d := s.aclDenied(c, cmd, args, s.aclContext(c), cmd); d != acl.Allowed {
		return d.Error(cmd.Name)
	}
	return ""
}

// aclScriptCheck checks each command a script calls, as its caller's
// user. The caller's current command (EVAL, FCALL...) is what the log's
// client info shows.
func (s *Server) aclScriptCheck(cv ClientView, cmd *command.Command, args [][]byte) string {
	c := cv.(*client)
	if d := s.aclDenied(c, cmd, args, acl.ContextLua, c.ctx.Cmd); d != acl.Allowed {
		return d.ScriptError()
	}
	return ""
}

// ACLPermitted reports whether the user of c may run cmd with args,
// without logging a denial: redis.acl_check_cmd. Lock held.
func (s *Server) ACLPermitted(cv ClientView, cmd *command.Command, args [][]byte) bool {
	c := cv.(*client)
	d, _ := s.aclState.a.Check(s.aclUserOf(c), cmd.Spec, args)
	return d == acl.Allowed
}

// SkipSanitizePayload reports whether the user running ctx is flagged
// skip-sanitize-payload, for RESTORE under sanitize-dump-payload
// clients. Lock held.
func (s *Server) SkipSanitizePayload(ctx *command.Ctx) bool {
	u := s.aclUserOf(ctx.Client.(*client))
	return u != nil && u.SkipSanitizePayload()
}

// aclExecAllowed re-checks a queued command when EXEC runs it (the rules
// may have changed since it was queued); a refused command gets an error
// in the EXEC reply instead of running.
func (s *Server) aclExecAllowed(c *client, cmd *command.Command, args [][]byte) bool {
	d := s.aclDenied(c, cmd, args, acl.ContextMulti, s.aclState.exec)
	if d == acl.Allowed {
		return true
	}
	s.replyError(c, d.ExecError())
	return false
}

// protectedModeCheck refuses a connection from another host while
// protected mode is on and the default user has no password (Redis 7.0
// does not look at bind for this). Lock held.
func (s *Server) protectedModeCheck(conn net.Conn) string {
	if !s.cfg.ProtectedMode || !s.aclState.a.Default().NoPass() {
		return ""
	}
	host, _, err := net.SplitHostPort(conn.RemoteAddr().String())
	if err != nil {
		return "" // a Unix socket or an in-process pipe: local
	}
	if host == "127.0.0.1" || host == "::1" {
		return ""
	}
	return errProtectedMode
}

// aclEnv gives the ACL command what it needs from the server.
type aclEnv struct{ s *Server }

func (e aclEnv) UserOf(ctx *command.Ctx) string { return ctx.Client.(*client).user }

func (e aclEnv) DisconnectUsers(ctx *command.Ctx, names []string) {
	self := ctx.Client.(*client)
	gone := make(map[string]bool, len(names))
	for _, n := range names {
		gone[n] = true
	}
	for _, c := range e.s.clients {
		if !gone[c.user] {
			continue
		}
		if c == self {
			// Like Redis: the caller gets its reply as the default
			// user, unauthenticated, and is then disconnected.
			c.user = acl.DefaultUserName
			c.authed = false
		}
		e.s.killClient(c, self)
	}
}

func (e aclEnv) DropRevokedSubscribers(ctx *command.Ctx, u *acl.User) {
	self := ctx.Client.(*client)
	for _, c := range e.s.clients {
		if c.user != u.Name() || c.flags&flagPubSub == 0 || c.subs == nil {
			continue
		}
		if !subscriptionsAllowed(c.subs, u) {
			e.s.killClient(c, self)
		}
	}
}

func subscriptionsAllowed(sub *subscriptions, u *acl.User) bool {
	for _, p := range sub.patterns {
		if !u.ChannelAllowed([]byte(p), true) {
			return false
		}
	}
	for _, list := range [][]string{sub.channels, sub.shard} {
		for _, ch := range list {
			if !u.ChannelAllowed([]byte(ch), false) {
				return false
			}
		}
	}
	return true
}

func (e aclEnv) ACLFile() (string, string) { return e.s.cfg.ACLFile, e.s.aclFilePath() }

func (e aclEnv) LookupCommand(args [][]byte) *command.Spec {
	if cmd := e.s.cmds.Lookup(args); cmd != nil {
		return cmd.Spec
	}
	return command.LookupArgs(args)
}

func (e aclEnv) Warningf(format string, args ...any) { e.s.log.warning(format, args...) }
