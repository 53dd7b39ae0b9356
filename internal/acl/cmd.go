package acl

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// Env is what the ACL command needs from the server. Its methods are
// called under the server lock, from the handlers.
type Env interface {
	// UserOf returns the name of the user the client running ctx is
	// authenticated as.
	UserOf(ctx *command.Ctx) string
	// DisconnectUsers closes the connections authenticated as any of
	// names (the caller's own after its reply).
	DisconnectUsers(ctx *command.Ctx, names []string)
	// DropRevokedSubscribers closes the connections of u that are
	// subscribed to channels or patterns u no longer allows.
	DropRevokedSubscribers(ctx *command.Ctx, u *User)
	// ACLFile returns the configured aclfile ("" when none) and the path
	// to open it at.
	ACLFile() (configured, path string)
	// LookupCommand resolves an argv to a command as the server would
	// dispatch it (nil when unknown), for ACL DRYRUN.
	LookupCommand(args [][]byte) *command.Spec
	// Warningf logs at warning level.
	Warningf(format string, args ...any)
}

// Handlers returns the handlers of the ACL subcommands by full name
// ("acl|setuser"), to register in the server's command table.
func (a *ACL) Handlers(env Env) map[string]command.Handler {
	h := &handlers{a: a, env: env}
	return map[string]command.Handler{
		"acl|setuser": h.setUser,
		"acl|deluser": h.delUser,
		"acl|getuser": h.getUser,
		"acl|list":    h.list,
		"acl|users":   h.users,
		"acl|whoami":  h.whoami,
		"acl|cat":     h.cat,
		"acl|genpass": h.genpass,
		"acl|log":     h.log,
		"acl|save":    h.save,
		"acl|load":    h.load,
		"acl|dryrun":  h.dryrun,
		"acl|help":    h.help,
	}
}

type handlers struct {
	a   *ACL
	env Env
}

const errNoACLFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

// syntaxError is the reply for a subcommand given the wrong number of
// arguments within its arity.
func syntaxError(ctx *command.Ctx) {
	ctx.Error("ERR unknown subcommand or wrong number of arguments for '" + cut(string(ctx.Args[1]), 128) +
		"'. Try " + strings.ToUpper(cString(string(ctx.Args[0]))) + " HELP.")
}

// cut is C's %.Ns: at most n bytes, up to a NUL.
func cut(s string, n int) string {
	s = cString(s)
	if len(s) > n {
		s = s[:n]
	}
	return s
}

func (h *handlers) setUser(ctx *command.Ctx) {
	name := string(ctx.Args[2])
	if !ValidUsername(name) {
		ctx.Error("ERR Usernames can't contain spaces or null characters")
		return
	}
	rules := make([]string, len(ctx.Args)-3)
	for i, r := range ctx.Args[3:] {
		rules[i] = string(r)
	}
	u, narrowed, err := h.a.SetUser(name, rules)
	if err != nil {
		ctx.Error("ERR " + err.Error())
		return
	}
	if narrowed {
		h.env.DropRevokedSubscribers(ctx, u)
	}
	ctx.W.OK()
}

func (h *handlers) delUser(ctx *command.Ctx) {
	for _, n := range ctx.Args[2:] {
		if string(n) == DefaultUserName {
			ctx.Error("ERR The 'default' user cannot be removed")
			return
		}
	}
	var gone []string
	for _, n := range ctx.Args[2:] {
		if h.a.DelUser(string(n)) {
			gone = append(gone, string(n))
		}
	}
	if len(gone) > 0 {
		h.env.DisconnectUsers(ctx, gone)
	}
	ctx.W.Int(int64(len(gone)))
}

func (h *handlers) getUser(ctx *command.Ctx) {
	u := h.a.User(string(ctx.Args[2]))
	if u == nil {
		ctx.W.Null()
		return
	}
	w := ctx.W
	w.MapLen(6)
	w.BulkString("flags")
	var flags []string
	if u.enabled {
		flags = append(flags, "on")
	} else {
		flags = append(flags, "off")
	}
	if u.nopass {
		flags = append(flags, "nopass")
	}
	switch u.sanitize {
	case sanitizeSkip:
		flags = append(flags, "skip-sanitize-payload")
	case sanitizeYes:
		flags = append(flags, "sanitize-payload")
	}
	w.SetLen(len(flags))
	for _, f := range flags {
		w.BulkString(f)
	}
	w.BulkString("passwords")
	w.StringArray(u.passwords)
	writeSelector(w, u.root())
	w.BulkString("selectors")
	w.ArrayLen(len(u.selectors) - 1)
	for _, s := range u.selectors[1:] {
		w.MapLen(3)
		writeSelector(w, s)
	}
}

func writeSelector(w *resp.Writer, s *selector) {
	w.BulkString("commands")
	w.BulkString(s.describeCommands())
	w.BulkString("keys")
	w.BulkString(s.keysString())
	w.BulkString("channels")
	w.BulkString(s.channelsString())
}

func (h *handlers) list(ctx *command.Ctx) {
	if len(ctx.Args) != 2 {
		syntaxError(ctx)
		return
	}
	users := h.a.Users()
	ctx.W.ArrayLen(len(users))
	for _, u := range users {
		ctx.W.BulkString("user " + u.name + " " + u.Describe())
	}
}

func (h *handlers) users(ctx *command.Ctx) {
	if len(ctx.Args) != 2 {
		syntaxError(ctx)
		return
	}
	users := h.a.Users()
	ctx.W.ArrayLen(len(users))
	for _, u := range users {
		ctx.W.BulkString(u.name)
	}
}

func (h *handlers) whoami(ctx *command.Ctx) {
	ctx.W.BulkString(h.env.UserOf(ctx))
}

func (h *handlers) cat(ctx *command.Ctx) {
	switch len(ctx.Args) {
	case 2:
		ctx.W.StringArray(command.CategoryNames())
	case 3:
		names, ok := CommandsInCategory(string(ctx.Args[2]))
		if !ok {
			ctx.Error("ERR Unknown category '" + cut(string(ctx.Args[2]), 128) + "'")
			return
		}
		ctx.W.StringArray(names)
	default:
		syntaxError(ctx)
	}
}

const genpassMaxBits = 4096

func (h *handlers) genpass(ctx *command.Ctx) {
	bits := int64(256)
	switch len(ctx.Args) {
	case 2:
	case 3:
		n, ok := resp.ParseInt(ctx.Args[2])
		if !ok {
			ctx.Error("ERR value is not an integer or out of range")
			return
		}
		bits = n
	default:
		syntaxError(ctx)
		return
	}
	if bits <= 0 || bits > genpassMaxBits {
		ctx.Error("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to " + strconv.Itoa(genpassMaxBits))
		return
	}
	chars := (bits + 3) / 4
	buf := make([]byte, (chars+1)/2)
	if _, err := rand.Read(buf); err != nil {
		ctx.Error("ERR " + err.Error())
		return
	}
	ctx.W.BulkString(hex.EncodeToString(buf)[:chars])
}

func (h *handlers) log(ctx *command.Ctx) {
	count := int64(10)
	switch len(ctx.Args) {
	case 2:
	case 3:
		if resp.EqualFold(ctx.Args[2], "reset") {
			h.a.ResetLog()
			ctx.W.OK()
			return
		}
		n, ok := resp.ParseInt(ctx.Args[2])
		if !ok {
			ctx.Error("ERR value is not an integer or out of range")
			return
		}
		count = n
		if count < 0 {
			count = 0
		}
	default:
		syntaxError(ctx)
		return
	}
	if count > int64(len(h.a.log)) {
		count = int64(len(h.a.log))
	}
	entries := h.a.Log(int(count))
	now := time.Now().UnixMilli()
	w := ctx.W
	w.ArrayLen(len(entries))
	for _, e := range entries {
		w.MapLen(7)
		w.BulkString("count")
		w.Int(e.Count)
		w.BulkString("reason")
		w.BulkString(e.Reason.Reason())
		w.BulkString("context")
		w.BulkString(e.Context)
		w.BulkString("object")
		w.BulkString(e.Object)
		w.BulkString("username")
		w.BulkString(e.Username)
		w.BulkString("age-seconds")
		w.Double(float64(now-e.CTime) / 1000)
		w.BulkString("client-info")
		w.BulkString(e.ClientInfo)
	}
}

func (h *handlers) save(ctx *command.Ctx) {
	configured, path := h.env.ACLFile()
	if configured == "" {
		ctx.Error(errNoACLFile)
		return
	}
	if err := h.a.SaveFile(path); err != nil {
		h.env.Warningf("%s", err.Error())
		ctx.Error("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
		return
	}
	ctx.W.OK()
}

func (h *handlers) load(ctx *command.Ctx) {
	configured, path := h.env.ACLFile()
	if configured == "" {
		ctx.Error(errNoACLFile)
		return
	}
	dropped, err := h.a.LoadFile(path, configured)
	if err != nil {
		ctx.Error("ERR " + err.Error())
		return
	}
	if len(dropped) > 0 {
		h.env.DisconnectUsers(ctx, dropped)
	}
	ctx.W.OK()
}

func (h *handlers) dryrun(ctx *command.Ctx) {
	u := h.a.User(string(ctx.Args[2]))
	if u == nil {
		ctx.Error("ERR User '" + cString(string(ctx.Args[2])) + "' not found")
		return
	}
	args := ctx.Args[3:]
	spec := h.env.LookupCommand(args)
	if spec == nil {
		ctx.Error("ERR Command '" + cString(string(args[0])) + "' not found")
		return
	}
	if !spec.ArityOK(len(args)) {
		ctx.Error("ERR wrong number of arguments for '" + spec.Name + "' command")
		return
	}
	d, idx := h.a.Check(u, spec, args)
	switch d {
	case Allowed:
		ctx.W.OK()
	case DeniedCommand:
		ctx.W.BulkString("This user has no permissions to run the '" + spec.Name + "' command")
	case DeniedKey:
		ctx.W.BulkString("This user has no permissions to access the '" + cString(string(args[idx])) + "' key")
	case DeniedChannel:
		ctx.W.BulkString("This user has no permissions to access the '" + cString(string(args[idx])) + "' channel")
	}
}

var aclHelp = []string{
	"CAT [<category>]",
	"    List all commands that belong to <category>, or all command categories",
	"    when no category is specified.",
	"DELUSER <username> [<username> ...]",
	"    Delete a list of users.",
	"DRYRUN <username> <command> [<arg> ...]",
	"    Returns whether the user can execute the given command without executing the command.",
	"GETUSER <username>",
	"    Get the user's details.",
	"GENPASS [<bits>]",
	"    Generate a secure 256-bit user password. The optional `bits` argument can",
	"    be used to specify a different size.",
	"LIST",
	"    Show users details in config file format.",
	"LOAD",
	"    Reload users from the ACL file.",
	"LOG [<count> | RESET]",
	"    Show the ACL log entries.",
	"SAVE",
	"    Save the current config to the ACL file.",
	"SETUSER <username> <attribute> [<attribute> ...]",
	"    Create or modify a user with the specified attributes.",
	"USERS",
	"    List all the registered usernames.",
	"WHOAMI",
	"    Return the current connection username.",
}

func (h *handlers) help(ctx *command.Ctx) {
	w := ctx.W
	w.ArrayLen(len(aclHelp) + 3)
	w.Status(strings.ToUpper(cString(string(ctx.Args[0]))) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range aclHelp {
		w.Status(l)
	}
	w.Status("HELP")
	w.Status("    Prints this help.")
}
