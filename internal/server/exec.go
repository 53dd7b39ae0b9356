package server

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
)

// Replies of the pipeline's checks, with Redis 7.0's text.
const (
	errNoAuth          = "NOAUTH Authentication required."
	errNotInMulti      = "ERR Command not allowed inside a transaction"
	errPubSubCtx       = "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
	errDebugNotAllowed = "ERR %s command not allowed. If the %s option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
)

// idleTimeout returns the configured idle client timeout (0: none).
func (s *Server) idleTimeout() time.Duration {
	return time.Duration(s.idleTimeoutSec.Load()) * time.Second
}

// call is the execution pipeline for one command from client c: lookup,
// arity, authentication, transaction queueing, then execution and the
// post-execution hooks. The server lock is held.
func (s *Server) call(c *client, args [][]byte) {
	cmd := s.cmds.Lookup(args)
	if cmd == nil {
		s.reject(c, nil, s.cmds.UnknownCommandError(args))
		return
	}
	if !cmd.ArityOK(len(args)) {
		s.reject(c, cmd, command.ArityError(cmd))
		return
	}
	if cmd.Flags&command.FlagProtected != 0 && !s.protectedAllowed(c, cmd) {
		return
	}
	if s.authRequired(c) && cmd.Flags&command.FlagNoAuth == 0 {
		s.reject(c, cmd, errNoAuth)
		return
	}
	if s.busy {
		if msg := s.busyReject(cmd); msg != "" {
			s.reject(c, cmd, msg)
			return
		}
	}
	for _, check := range s.checks {
		if msg := check(c, cmd, args); msg != "" {
			s.reject(c, cmd, msg)
			return
		}
	}
	if c.flags&flagMulti != 0 && cmd.Flags&command.FlagNoMulti != 0 {
		s.reject(c, cmd, errNotInMulti)
		return
	}
	if c.flags&flagPubSub != 0 && c.proto == 2 && !allowedInPubSub(cmd) {
		s.reject(c, cmd, fmt.Sprintf(errPubSubCtx, cmd.Name))
		return
	}
	if s.cfg.MaxMemory != 0 && s.checkOOM(cmd, c.flags&flagMulti != 0, c.queuedFlags()) {
		s.reject(c, cmd, errOOM)
		return
	}
	if c.flags&flagMulti != 0 && !execsInMulti(cmd) {
		s.queueMulti(c, cmd, args)
		return
	}
	if s.pause.active && s.pausedFor(cmd) {
		s.parkPaused(c, cmd, args)
		return
	}
	s.execute(c, cmd, args, false)
	if s.tracking.pending != nil {
		s.flushBroadcasts(c)
	}
	if len(s.ready) > 0 && c.flags&flagMulti == 0 {
		s.serveReadyKeys()
	}
}

// allowedInPubSub lists what a RESP2 client may run while subscribed.
func allowedInPubSub(cmd *command.Command) bool {
	switch cmd.Name {
	case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe",
		"psubscribe", "punsubscribe", "quit", "reset":
		return true
	}
	return false
}

// execsInMulti lists the commands that run immediately inside MULTI
// instead of being queued.
func execsInMulti(cmd *command.Command) bool {
	switch cmd.Name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

// protectedAllowed applies enable-debug-command / enable-module-command.
func (s *Server) protectedAllowed(c *client, cmd *command.Command) bool {
	setting, option := s.cfg.EnableDebugCommand, "enable-debug-command"
	name := "DEBUG"
	if cmd.Name == "module" || cmd.Parent != nil && cmd.Parent.Name == "module" {
		setting, option, name = s.cfg.EnableModuleCommand, "enable-module-command", "MODULE"
	}
	switch setting {
	case "yes":
		return true
	case "local":
		if c.isLocal() {
			return true
		}
	}
	s.reject(c, cmd, fmt.Sprintf(errDebugNotAllowed, name, option))
	return false
}

// reject answers a command refused before execution. Inside MULTI it also
// dooms the transaction, as Redis does.
//
// A rejected EXEC discards the transaction and says why, with the error's
// ERR code dropped, as Redis does ("EXECABORT Transaction discarded
// because of: wrong number of arguments for 'exec' command").
func (s *Server) reject(c *client, cmd *command.Command, msg string) {
	if cmd != nil && cmd.Name == "exec" {
		s.discardMulti(c)
		cmd.Stats.Rejected++
		s.replyError(c, "EXECABORT Transaction discarded because of: "+strings.TrimPrefix(msg, "ERR "))
		return
	}
	if c.flags&flagMulti != 0 {
		c.flags |= flagDirtyExec
	}
	if cmd != nil {
		cmd.Stats.Rejected++
	}
	s.replyError(c, msg)
}

// replyError writes an error reply and counts it for INFO errorstats.
func (s *Server) replyError(c *client, msg string) {
	c.out.Error(msg)
	s.countError(msg)
}

func (s *Server) countError(msg string) {
	s.stats.errorReplies++
	code := msg
	if i := bytes.IndexByte([]byte(msg), ' '); i >= 0 {
		code = msg[:i]
	}
	if s.stats.errorCodes == nil {
		s.stats.errorCodes = map[string]int64{}
	}
	// Redis stops tracking new codes past 128 to bound memory.
	if _, ok := s.stats.errorCodes[code]; ok || len(s.stats.errorCodes) < 128 {
		s.stats.errorCodes[code]++
	}
}

// execute runs cmd for c and the post-execution hooks. reexec is true
// when a blocked command runs again because a key became ready.
func (s *Server) execute(c *client, cmd *command.Command, args [][]byte, reexec bool) {
	ctx := &c.ctx
	ctx.Reset(args, cmd)
	ctx.Reexec = reexec
	if reexec {
		ctx.ReadyKey = c.readyKey
	}
	ctx.DB = c.db
	ctx.InMulti = c.flags&flagMulti != 0
	start := s.clock.mono()
	if !ctx.InMulti {
		s.ks.SetNow(s.clock.unixMilli(start))
	}
	mark := c.out.Len()
	prev := s.curClient
	s.curClient = c
	cmd.Handler(ctx)
	s.curClient = prev
	dur := s.clock.mono() - start
	s.ks.Settle()

	if ctx.Blocked() {
		return // not counted until it is served or times out
	}
	c.lastCmd = cmd
	if changes := ctx.Changes(); changes > 0 {
		s.dirty += changes
	}
	s.propagate(ctx)
	st := &cmd.Stats
	st.Calls++
	us := dur.Microseconds()
	st.Microseconds += us
	s.stats.commands++
	if out := c.out.Bytes(); len(out) > mark && out[mark] == '-' {
		st.Failed++
		end := bytes.IndexByte(out[mark:], '\r')
		if end < 0 {
			end = len(out) - mark
		}
		s.countError(string(out[mark+1 : mark+end]))
	}
	if c.tracking != nil {
		s.trackRead(c, cmd, args)
	}
	s.afterCommand(c, cmd, args, dur, mark)
}

// afterCommand runs the observers of a completed command: latency
// histograms, the slow log, the latency monitor, MONITOR, and CLIENT
// REPLY's suppression of the reply.
func (s *Server) afterCommand(c *client, cmd *command.Command, args [][]byte, dur time.Duration, mark int) {
	us := dur.Microseconds()
	if s.cfg.LatencyTracking {
		s.histFor(cmd, true).record(us)
	}
	slow := s.cfg.SlowlogLogSlowerThan >= 0 && us >= s.cfg.SlowlogLogSlowerThan && cmd.Flags&command.FlagSkipSlowlog == 0
	monitored := len(s.monitors) > 0 && cmd.Flags&(command.FlagSkipMonitor|command.FlagAdmin) == 0
	if slow || monitored {
		redact := redactedArgs(cmd, args)
		if slow {
			s.slowlogRecord(c, args, redact, dur)
		}
		if monitored {
			s.feedMonitors(c.db.ID(), c.addr, args, redact)
		}
	}
	if th := s.cfg.LatencyMonitorThreshold; th > 0 && dur.Milliseconds() >= th {
		event := "command"
		if cmd.Flags&command.FlagFast != 0 {
			event = "fast-command"
		}
		s.latencyAdd(event, dur.Milliseconds())
	}
	if c.flags&(flagReplyOff|flagReplySkip) != 0 {
		c.out.Truncate(mark)
	}
	if c.flags&flagReplySkip != 0 {
		c.flags &^= flagReplySkip
	}
	if c.flags&flagReplySkipNext != 0 {
		// CLIENT REPLY SKIP itself replies nothing and arms the skip for
		// the command after it.
		c.flags = c.flags&^flagReplySkipNext | flagReplySkip
	}
}

// propagate feeds the command's effect to the AOF and replicas.
func (s *Server) propagate(ctx *command.Ctx) {
	if len(s.propagators) == 0 {
		return
	}
	props, override := ctx.Propagation()
	if !override {
		if ctx.Changes() == 0 {
			return
		}
		props = [][][]byte{ctx.Args}
	}
	// A command that propagates several commands (SPOP with a count as
	// SREMs, XREADGROUP as XCLAIMs) is wrapped in MULTI/EXEC so a replica
	// or an AOF replay applies them atomically, as Redis 7.0 does. Inside
	// EXEC and scripts the whole block is wrapped already.
	_, wrapped := s.propagators[0].(*multiPropagation)
	wrap := len(props) > 1 && !wrapped
	for _, p := range s.propagators {
		if wrap {
			p.Feed(ctx.DB.ID(), [][]byte{[]byte("MULTI")})
		}
		for _, args := range props {
			p.Feed(ctx.DB.ID(), args)
		}
		if wrap {
			p.Feed(ctx.DB.ID(), [][]byte{[]byte("EXEC")})
		}
	}
}

// KeyModified implements command.Hooks (Redis's signalModifiedKey).
func (s *Server) KeyModified(db *keyspace.DB, key []byte) {
	s.touchWatchedKey(db, key)
	s.trackingInvalidate(db, key, s.curClient)
}

// KeyCreated implements keyspace.Events: the "new" keyspace event, and
// clients blocked on the key may now be served (Redis signals in dbAdd).
func (s *Server) KeyCreated(db *keyspace.DB, key string) {
	if s.blocked.clients > 0 {
		s.KeyReady(db, []byte(key))
	}
	if s.cfg.NotifyKeyspaceEvents.Has(config.EventNew) {
		s.notifyKeyspaceEvent(db, command.NotifyNew, "new", []byte(key))
	}
}

// StreamGone implements keyspace.Events: a deleted or overwritten stream
// wakes its XREADGROUP waiters, who then get an error.
func (s *Server) StreamGone(db *keyspace.DB, key string) {
	if s.blocked.clients > 0 {
		s.KeyReady(db, []byte(key))
	}
}

// Notify implements command.Hooks: keyspace notifications.
func (s *Server) Notify(db *keyspace.DB, class command.NotifyClass, event string, key []byte) {
	s.notifyKeyspaceEvent(db, class, event, key)
}

// KeyExpired implements keyspace.Events: a key reclaimed by lazy or
// active expiry is propagated as DEL, notified and invalidated.
func (s *Server) KeyExpired(db *keyspace.DB, key string) {
	k := []byte(key)
	s.notifyKeyspaceEvent(db, command.NotifyExpired, "expired", k)
	s.touchWatchedKey(db, k)
	s.trackingInvalidate(db, k, nil)
	for _, p := range s.propagators {
		p.Feed(db.ID(), [][]byte{[]byte("DEL"), k})
	}
}

// KeyMiss implements keyspace.Events.
func (s *Server) KeyMiss(db *keyspace.DB, key []byte) {
	s.notifyKeyspaceEvent(db, command.NotifyKeyMiss, "keymiss", key)
}
