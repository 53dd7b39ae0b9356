package server

import (
	"strconv"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// CLIENT KILL, PAUSE/UNPAUSE, NO-EVICT, REPLY, UNBLOCK, GETREDIR.

func (s *Server) registerClientCommands() {
	for name, h := range map[string]command.Handler{
		"client|kill": s.cmdClientKill, "client|pause": s.cmdClientPause, "client|unpause": s.cmdClientUnpause,
		"client|no-evict": s.cmdClientNoEvict, "client|reply": s.cmdClientReply, "client|unblock": s.cmdClientUnblock,
		"client|getredir": s.cmdClientGetRedir, "client|tracking": s.cmdClientTracking,
		"client|caching": s.cmdClientCaching, "client|trackinginfo": s.cmdClientTrackingInfo,
		"monitor":     s.cmdMonitor,
		"slowlog|get": s.cmdSlowlogGet, "slowlog|len": s.cmdSlowlogLen, "slowlog|reset": s.cmdSlowlogReset,
		"slowlog|help":   s.cmdSlowlogHelp,
		"latency|latest": s.cmdLatencyLatest, "latency|history": s.cmdLatencyHistory,
		"latency|reset": s.cmdLatencyReset, "latency|graph": s.cmdLatencyGraph,
		"latency|doctor": s.cmdLatencyDoctor, "latency|histogram": s.cmdLatencyHistogram,
		"latency|help": s.cmdLatencyHelp,
	} {
		s.cmds.Register(name, h)
	}
}

// killFilter is CLIENT KILL's new-style filter set.
type killFilter struct {
	id     int64
	typ    string
	user   string
	addr   string
	laddr  string
	skipMe bool
	maxAge int64 // seconds; 0 = any
}

func (f *killFilter) match(c *client, now time.Time) bool {
	if f.id != 0 && c.id != f.id {
		return false
	}
	if f.addr != "" && c.addr != f.addr {
		return false
	}
	if f.laddr != "" && c.laddr != f.laddr {
		return false
	}
	if f.user != "" && c.user != f.user {
		return false
	}
	if f.maxAge > 0 && int64(now.Sub(c.created).Seconds()) < f.maxAge {
		return false
	}
	switch f.typ {
	case "":
	case "normal":
		if c.flags&flagPubSub != 0 {
			return false
		}
	case "pubsub":
		if c.flags&flagPubSub == 0 {
			return false
		}
	default: // master, replica: we have none
		return false
	}
	return true
}

func (s *Server) cmdClientKill(ctx *command.Ctx) {
	self := ctx.Client.(*client)
	args := ctx.Args
	if len(args) == 3 {
		// Old form: CLIENT KILL addr:port, OK or an error.
		for _, c := range s.clients {
			if c.addr == string(args[2]) {
				s.killClient(c, self)
				ctx.W.OK()
				return
			}
		}
		ctx.Error("ERR No such client")
		return
	}
	if len(args)%2 != 0 {
		ctx.SyntaxError()
		return
	}
	f := killFilter{skipMe: true}
	for i := 2; i < len(args); i += 2 {
		val := args[i+1]
		switch {
		case resp.EqualFold(args[i], "id"):
			id, ok := resp.ParseInt(val)
			if !ok || id <= 0 {
				ctx.Error("ERR client-id should be greater than 0")
				return
			}
			f.id = id
		case resp.EqualFold(args[i], "type"):
			t := strings.ToLower(string(val))
			switch t {
			case "normal", "pubsub", "master":
			case "replica", "slave":
				t = "replica"
			default:
				ctx.Error("ERR Unknown client type '" + string(val) + "'")
				return
			}
			f.typ = t
		case resp.EqualFold(args[i], "user"):
			if !s.userExists(string(val)) {
				ctx.Error("ERR No such user '" + string(val) + "'")
				return
			}
			f.user = string(val)
		case resp.EqualFold(args[i], "addr"):
			f.addr = string(val)
		case resp.EqualFold(args[i], "laddr"):
			f.laddr = string(val)
		case resp.EqualFold(args[i], "skipme"):
			switch {
			case resp.EqualFold(val, "yes"):
				f.skipMe = true
			case resp.EqualFold(val, "no"):
				f.skipMe = false
			default:
				ctx.SyntaxError()
				return
			}
		case resp.EqualFold(args[i], "maxage"):
			// Redis 7.4's filter, offered because AutoBot's operators
			// want to drop long-lived idle connections.
			n, ok := resp.ParseInt(val)
			if !ok || n <= 0 {
				ctx.Error(command.ErrNotInt)
				return
			}
			f.maxAge = n
		default:
			ctx.SyntaxError()
			return
		}
	}
	now := time.Now()
	killed := int64(0)
	for _, c := range s.clients {
		if c == self && f.skipMe || !f.match(c, now) {
			continue
		}
		s.killClient(c, self)
		killed++
	}
	ctx.W.Int(killed)
}

// userExists tells CLIENT KILL USER whether a user name is known. The ACL
// layer replaces it; without ACL only "default" exists.
func (s *Server) userExists(name string) bool {
	if s.userLookup != nil {
		return s.userLookup(name)
	}
	return name == "default"
}

// killClient disconnects c: at once for others, after the reply for the
// client running the command.
func (s *Server) killClient(c, self *client) {
	if c == self {
		c.flags |= flagCloseAfterReply
		return
	}
	c.flags |= flagCloseASAP
	c.conn.Close()
}

func (s *Server) cmdClientPause(ctx *command.Ctx) {
	ms, ok := resp.ParseInt(ctx.Args[2])
	if !ok {
		ctx.Error("ERR timeout is not an integer or out of range")
		return
	}
	if ms < 0 {
		ctx.Error("ERR timeout is negative")
		return
	}
	all := true
	if len(ctx.Args) == 4 {
		switch {
		case ctx.Is(3, "write"):
			all = false
		case ctx.Is(3, "all"):
		default:
			ctx.Error("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	} else if len(ctx.Args) > 4 {
		subcommandSyntaxError(ctx)
		return
	}
	end := time.Now().Add(time.Duration(ms) * time.Millisecond)
	// A new pause never shortens nor weakens one in progress.
	if end.After(s.pause.until) {
		s.pause.until = end
	}
	if all {
		s.pause.all = true
	}
	s.pause.active = true
	ctx.W.OK()
}

func (s *Server) cmdClientUnpause(ctx *command.Ctx) {
	s.unpause()
	ctx.W.OK()
}

func (s *Server) cmdClientNoEvict(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	switch {
	case ctx.Is(2, "on"):
		c.flags |= flagNoEvict
	case ctx.Is(2, "off"):
		c.flags &^= flagNoEvict
	default:
		ctx.SyntaxError()
		return
	}
	ctx.W.OK()
}

func (s *Server) cmdClientReply(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	switch {
	case ctx.Is(2, "on"):
		c.flags &^= flagReplyOff | flagReplySkip | flagReplySkipNext
		ctx.W.OK()
	case ctx.Is(2, "off"):
		c.flags |= flagReplyOff
	case ctx.Is(2, "skip"):
		if c.flags&flagReplyOff == 0 {
			c.flags |= flagReplySkipNext
		}
	default:
		ctx.SyntaxError()
	}
}

func (s *Server) cmdClientUnblock(ctx *command.Ctx) {
	id, ok := resp.ParseInt(ctx.Args[2])
	if !ok {
		ctx.Error(command.ErrNotInt)
		return
	}
	asError := false
	if len(ctx.Args) == 4 {
		switch {
		case ctx.Is(3, "timeout"):
		case ctx.Is(3, "error"):
			asError = true
		default:
			ctx.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	} else if len(ctx.Args) > 4 {
		subcommandSyntaxError(ctx)
		return
	}
	c := s.clients[id]
	if c == nil || c.block == nil || c.block.paused {
		ctx.W.Int(0)
		return
	}
	if asError {
		s.replyError(c, "UNBLOCKED client unblocked via CLIENT UNBLOCK")
		s.unblock(c)
	} else {
		s.timeoutBlocked(c)
	}
	c.signal()
	ctx.W.Int(1)
}

func (s *Server) cmdClientGetRedir(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	if c.tracking == nil {
		ctx.W.Int(-1)
		return
	}
	ctx.W.Int(c.tracking.redirect)
}

// Client pauses: while active, matching commands wait (the client is
// parked like a blocked one) until the pause ends.

type pauseState struct {
	active bool
	all    bool // ALL (every command) rather than WRITE
	until  time.Time
}

// pausedFor reports whether cmd must wait for the pause to end.
func (s *Server) pausedFor(cmd *command.Command) bool {
	if !s.pause.active {
		return false
	}
	if !time.Now().Before(s.pause.until) {
		s.unpause()
		return false
	}
	if s.pause.all {
		return true
	}
	return cmd.Flags&(command.FlagWrite|command.FlagMayReplicate) != 0
}

// parkPaused holds the command until the pause ends.
func (s *Server) parkPaused(c *client, cmd *command.Command, args [][]byte) {
	b := &blockState{paused: true, cmd: cmd, db: c.db}
	b.args = make([][]byte, len(args))
	for i, a := range args {
		b.args[i] = append([]byte(nil), a...)
	}
	c.block = b
	c.blockedFlag.Store(true)
	s.pausedClients = append(s.pausedClients, c)
}

// unpause ends the pause and runs the commands that waited, in order.
func (s *Server) unpause() {
	s.pause = pauseState{}
	waiting := s.pausedClients
	s.pausedClients = nil
	for _, c := range waiting {
		b := c.block
		if b == nil || !b.paused {
			continue
		}
		c.block = nil
		c.blockedFlag.Store(false)
		s.call(c, b.args)
		c.signal()
	}
}

// checkPauseExpiry ends a pause whose time is up (cron).
func (s *Server) checkPauseExpiry(now time.Time) {
	if s.pause.active && !now.Before(s.pause.until) {
		s.unpause()
	}
}

// subcommandSyntaxError is Redis's reply for a subcommand given the wrong
// number of arguments that its arity alone cannot catch.
func subcommandSyntaxError(ctx *command.Ctx) {
	ctx.Error("ERR unknown subcommand or wrong number of arguments for '" + cString128(ctx.Args[1]) +
		"'. Try " + strings.ToUpper(string(ctx.Args[0])) + " HELP.")
}

var _ = strconv.Itoa
