package server

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// Connection commands: PING, ECHO, QUIT, RESET, SELECT, AUTH, HELLO, CLIENT.

const (
	errWrongPass   = "WRONGPASS invalid username-password pair or user is disabled."
	errAuthNoPass  = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	errClientName  = "ERR Client names cannot contain spaces, newlines or special characters."
	errHelloNoAuth = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
)

func (s *Server) cmdPing(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	if len(ctx.Args) > 2 {
		ctx.Error(command.ArityError(ctx.Cmd))
		return
	}
	// A RESP2 subscriber gets PING answered in the pub/sub shape.
	if c.flags&flagPubSub != 0 && c.proto == 2 {
		ctx.W.ArrayLen(2)
		ctx.W.BulkString("pong")
		if len(ctx.Args) == 2 {
			ctx.W.Bulk(ctx.Args[1])
		} else {
			ctx.W.BulkString("")
		}
		return
	}
	if len(ctx.Args) == 2 {
		ctx.W.Bulk(ctx.Args[1])
		return
	}
	ctx.W.Status("PONG")
}

func (s *Server) cmdEcho(ctx *command.Ctx) { ctx.W.Bulk(ctx.Args[1]) }

func (s *Server) cmdQuit(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	c.flags |= flagCloseAfterReply
	ctx.W.OK()
}

// cmdReset returns the connection to its state right after connecting.
func (s *Server) cmdReset(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	if c.flags&flagMulti != 0 {
		s.discardMulti(c)
	}
	s.unwatchAll(c)
	s.unsubscribeAll(c)
	c.flags &^= flagMonitor | flagNoEvict | flagReplyOff | flagReplySkip | flagReplySkipNext
	ctx.SelectDB(s.ks.DB(0))
	c.setProto(2)
	c.name = ""
	c.authed = s.defaultUserAuthed()
	c.user = "default"
	ctx.W.Status("RESET")
}

func (s *Server) cmdSelect(ctx *command.Ctx) {
	id, ok := resp.ParseInt(ctx.Args[1])
	if !ok || id < math.MinInt32 || id > math.MaxInt32 {
		ctx.Error(command.ErrNotInt)
		return
	}
	db := s.ks.DB(int(id))
	if db == nil {
		ctx.Error(command.ErrDBIndex)
		return
	}
	ctx.SelectDB(db)
	ctx.W.OK()
}

// checkPassword authenticates user/pass against the ACL users (acl.go);
// a failure goes to the ACL log.
func (s *Server) checkPassword(ctx *command.Ctx, user, pass []byte) bool {
	return s.aclAuthenticate(ctx, user, pass)
}

func (s *Server) cmdAuth(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	if len(ctx.Args) > 3 {
		ctx.SyntaxError()
		return
	}
	user, pass := []byte("default"), ctx.Args[1]
	if len(ctx.Args) == 3 {
		user, pass = ctx.Args[1], ctx.Args[2]
	} else if s.defaultUserNoPass() {
		ctx.Error(errAuthNoPass)
		return
	}
	if !s.checkPassword(ctx, user, pass) {
		ctx.Error(errWrongPass)
		return
	}
	c.authed = true
	c.user = string(user)
	ctx.W.OK()
}

func validClientName(name []byte) bool {
	for _, b := range name {
		if b < '!' || b > '~' {
			return false
		}
	}
	return true
}

func (s *Server) cmdHello(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	args := ctx.Args
	ver := int64(0)
	if len(args) >= 2 {
		v, ok := resp.ParseInt(args[1])
		if !ok {
			ctx.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			ctx.Error("NOPROTO unsupported protocol version")
			return
		}
		ver = v
	}
	// Options take effect in order, as in Redis: a failing AUTH stops
	// before a later SETNAME, while a SETNAME before a malformed option
	// has already been applied.
	for j := 2; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case resp.EqualFold(args[j], "auth") && more >= 2:
			user, pass := args[j+1], args[j+2]
			if !s.checkPassword(ctx, user, pass) {
				ctx.Error(errWrongPass)
				return
			}
			c.authed = true
			c.user = string(user)
			j += 2
		case resp.EqualFold(args[j], "setname") && more >= 1:
			name := args[j+1]
			if !validClientName(name) {
				ctx.Error(errClientName)
				return
			}
			c.name = string(name)
			j++
		default:
			ctx.Error("ERR Syntax error in HELLO option '" + string(args[j]) + "'")
			return
		}
	}
	if !c.authed {
		ctx.Error(errHelloNoAuth)
		return
	}
	if ver != 0 {
		c.setProto(int(ver))
	}
	w := ctx.W
	w.MapLen(7)
	w.BulkString("server")
	w.BulkString("redis")
	w.BulkString("version")
	w.BulkString(Version)
	w.BulkString("proto")
	w.Int(int64(c.proto))
	w.BulkString("id")
	w.Int(c.id)
	w.BulkString("mode")
	w.BulkString("standalone")
	w.BulkString("role")
	w.BulkString("master")
	w.BulkString("modules")
	w.ArrayLen(0)
}

func (s *Server) cmdClientID(ctx *command.Ctx) { ctx.W.Int(ctx.Client.ID()) }

func (s *Server) cmdClientSetName(ctx *command.Ctx) {
	if !validClientName(ctx.Args[2]) {
		ctx.Error(errClientName)
		return
	}
	ctx.Client.(*client).name = string(ctx.Args[2])
	ctx.W.OK()
}

func (s *Server) cmdClientGetName(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	if c.name == "" {
		ctx.W.Null()
		return
	}
	ctx.W.BulkString(c.name)
}

func (s *Server) cmdClientInfo(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	ctx.W.Verbatim("txt", s.clientInfoLine(c, ctx.Cmd)+"\n")
}

func (s *Server) cmdClientList(ctx *command.Ctx) {
	args := ctx.Args
	self := ctx.Client.(*client)
	var list []*client
	switch {
	case len(args) == 4 && resp.EqualFold(args[2], "type"):
		typ := strings.ToLower(string(args[3]))
		switch typ {
		case "normal", "pubsub", "master", "replica", "slave":
		default:
			ctx.Error("ERR Unknown client type '" + string(args[3]) + "'")
			return
		}
		for _, c := range s.clients {
			pubsub := c.flags&flagPubSub != 0
			if typ == "normal" && !pubsub || typ == "pubsub" && pubsub {
				list = append(list, c)
			}
		}
		sortClients(list)
	case len(args) >= 4 && resp.EqualFold(args[2], "id"):
		// Clients are listed in argument order, repeats included.
		for _, a := range args[3:] {
			id, ok := resp.ParseInt(a)
			if !ok {
				ctx.Error("ERR Invalid client ID")
				return
			}
			if c := s.clients[id]; c != nil {
				list = append(list, c)
			}
		}
	case len(args) == 2:
		for _, c := range s.clients {
			list = append(list, c)
		}
		sortClients(list)
	default:
		ctx.SyntaxError()
		return
	}
	var b strings.Builder
	for _, c := range list {
		cur := c.lastCmd
		if c == self {
			cur = ctx.Cmd
		}
		b.WriteString(s.clientInfoLine(c, cur))
		b.WriteByte('\n')
	}
	ctx.W.Verbatim("txt", b.String())
}

func sortClients(list []*client) {
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && list[j].id < list[j-1].id; j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// clientInfoLine renders one CLIENT LIST line with Redis 7.0's fields.
func (s *Server) clientInfoLine(c *client, cur *command.Command) string {
	flags := ""
	if c.flags&flagPubSub != 0 {
		flags += "P"
	}
	if c.flags&flagMulti != 0 {
		flags += "x"
	}
	if c.block != nil {
		flags += "b"
	}
	if c.flags&flagDirtyCAS != 0 {
		flags += "d"
	}
	if c.flags&flagCloseAfterReply != 0 {
		flags += "c"
	}
	if c.flags&flagCloseASAP != 0 {
		flags += "A"
	}
	if c.flags&flagNoEvict != 0 {
		flags += "e"
	}
	if c.flags&flagMonitor != 0 {
		flags += "O"
	}
	if flags == "" {
		flags = "N"
	}
	now := time.Now()
	multi := -1
	if c.flags&flagMulti != 0 && c.multi != nil {
		multi = len(c.multi.queue)
	}
	cmdName := "NULL"
	if cur != nil {
		cmdName = cur.Name
	}
	subs, psubs, ssubs := 0, 0, 0
	if c.subs != nil {
		subs, psubs, ssubs = len(c.subs.channels), len(c.subs.patterns), len(c.subs.shard)
	}
	rbs := c.rbufCap.Load()
	omem := int64(cap(c.out.Bytes()))
	events := "r"
	if c.out.Len() > 0 && c != nil {
		events = "rw"
	}
	var b strings.Builder
	w := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	w("id", itoa(c.id))
	w("addr", c.addr)
	w("laddr", c.laddr)
	w("fd", itoa(int64(c.fd)))
	w("name", c.name)
	w("age", itoa(int64(now.Sub(c.created).Seconds())))
	w("idle", itoa((now.UnixMilli()-c.lastInteraction.Load())/1000))
	w("flags", flags)
	w("db", itoa(int64(c.db.ID())))
	w("sub", itoa(int64(subs)))
	w("psub", itoa(int64(psubs)))
	w("ssub", itoa(int64(ssubs)))
	w("multi", itoa(int64(multi)))
	w("qbuf", itoa(int64(c.qbufLen)))
	w("qbuf-free", itoa(rbs-int64(c.qbufLen)))
	w("argv-mem", "0")
	w("multi-mem", "0")
	w("rbs", itoa(rbs))
	w("rbp", itoa(int64(c.qbufPeak)))
	w("obl", itoa(int64(c.out.Len())))
	w("oll", "0")
	w("omem", itoa(omem))
	w("tot-mem", itoa(rbs+omem+clientStructSize))
	w("events", events)
	w("cmd", cmdName)
	w("user", c.user)
	w("redir", "-1")
	w("resp", itoa(int64(c.proto)))
	return b.String()
}

var clientHelp = []string{
	"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CACHING (YES|NO)",
	"    With OPTIN/OPTOUT tracking, decide whether the next command's keys are tracked.",
	"GETREDIR",
	"    Show the id of the client receiving this connection's invalidations.",
	"GETNAME",
	"    Show this connection's name.",
	"ID",
	"    Show this connection's id.",
	"INFO",
	"    Describe this connection, in CLIENT LIST's format.",
	"KILL <ip:port>",
	"    Close the connection coming from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Close every connection matching all the filters:",
	"    * ADDR (<ip:port>|<unixsocket>:0)",
	"      the connection's remote address.",
	"    * LADDR (<ip:port>|<unixsocket>:0)",
	"      the local address the connection was accepted on.",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      the kind of connection.",
	"    * USER <username>",
	"      the user the connection authenticated as.",
	"    * SKIPME (YES|NO)",
	"      whether to spare the calling connection (yes by default).",
	"LIST [options ...]",
	"    Describe the connections, one line each. Options:",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      only connections of this kind.",
	"UNPAUSE",
	"    End a pause started with CLIENT PAUSE.",
	"PAUSE <timeout> [WRITE|ALL]",
	"    Hold back all commands, or only writes, for <timeout> milliseconds.",
	"REPLY (ON|OFF|SKIP)",
	"    Turn replies to this connection on or off, or skip the next one.",
	"SETNAME <name>",
	"    Name this connection <name>.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]",
	"    Release a client blocked in a blocking command.",
	"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
	"         [OPTIN] [OPTOUT] [NOLOOP]",
	"    Turn server-assisted client-side caching on or off.",
	"TRACKINGINFO",
	"    Show this connection's tracking settings.",
	"NO-EVICT (ON|OFF)",
	"    Exempt this connection from client eviction.",
	"HELP",
	"    Print this help.",
}

func (s *Server) cmdClientHelp(ctx *command.Ctx) {
	ctx.W.ArrayLen(len(clientHelp))
	for _, l := range clientHelp {
		ctx.W.Status(l)
	}
}
