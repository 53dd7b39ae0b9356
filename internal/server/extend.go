package server

import (
	"net"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
)

// Extension points. Subsystems that live in their own packages
// (persistence, ACL, scripting) plug into the server through these
// instead of editing the connection loop or the pipeline. All of them
// must be called before Start, except where noted; the functions they
// register run under the server lock.

// ClientView is what hooks may know about the client running a command.
type ClientView interface {
	ID() int64
	// User is the name the client authenticated as ("default" otherwise).
	User() string
	// Authenticated reports whether the client passed AUTH (or needs none).
	Authenticated() bool
	// IsLocal reports whether the peer is on loopback or a Unix socket.
	IsLocal() bool
	// InMulti reports whether the client is queueing a transaction.
	InMulti() bool
	// QueuedWrites reports whether the transaction being queued holds a
	// write command: Redis treats such an EXEC as a write when it
	// decides whether to refuse it (MISCONF, for one).
	QueuedWrites() bool
	// Addr is the peer address.
	Addr() string
}

// User implements ClientView.
func (c *client) User() string { return c.user }

// Authenticated implements ClientView.
func (c *client) Authenticated() bool { return c.authed }

// IsLocal implements ClientView.
func (c *client) IsLocal() bool { return c.isLocal() }

// InMulti implements ClientView.
func (c *client) InMulti() bool { return c.flags&flagMulti != 0 }

// QueuedWrites implements ClientView.
func (c *client) QueuedWrites() bool { return c.queuedFlags()&command.FlagWrite != 0 }

// queuedFlags is the union of the flags of the commands queued in an open
// transaction.
func (c *client) queuedFlags() command.Flag {
	if c.flags&flagMulti == 0 || c.multi == nil {
		return 0
	}
	return c.multi.flags
}

// Addr implements ClientView.
func (c *client) Addr() string { return c.addr }

// CommandCheck vets a command before it runs (and before MULTI queues
// it). A non-empty result is the error reply, code included ("MISCONF
// ...", "LOADING ..."); the command is then rejected as Redis rejects
// commands, which also dooms a transaction being queued.
type CommandCheck func(c ClientView, cmd *command.Command, args [][]byte) string

// AddCommandCheck appends a pre-execution check. Checks run in
// registration order after authentication.
func (s *Server) AddCommandCheck(check CommandCheck) {
	s.checks = append(s.checks, check)
}

// Commands returns the command table so subsystems can register their
// commands. Call before Start.
func (s *Server) Commands() *command.Table { return s.cmds }

// Keyspace returns the keyspace. Use it only under the lock (Do, or from
// a registered hook or handler).
func (s *Server) Keyspace() *keyspace.Keyspace { return s.ks }

// Settings returns the handler settings, kept in step with CONFIG SET.
func (s *Server) Settings() *command.Settings { return &s.settings }

// AddCron registers fn to run under the lock on every cron tick (hz per
// second), after the built-in housekeeping.
func (s *Server) AddCron(fn func(now time.Time)) { s.crons = append(s.crons, fn) }

// InfoWriter lets an INFO section emit "name:value" lines.
type InfoWriter interface {
	Field(name string, value any)
}

// Field implements InfoWriter.
func (ib *infoBuilder) Field(name string, value any) { ib.field(name, value) }

// SetInfoSection installs the renderer of an INFO section: a built-in
// one (such as "persistence") is replaced, a new one is added after the
// built-in ones. inDefault says whether plain INFO shows it.
func (s *Server) SetInfoSection(name, title string, inDefault bool, render func(w InfoWriter)) {
	sec := infoSection{name: name, inDef: inDefault, inAll: true, render: func(ib *infoBuilder) { render(ib) }}
	if s.infoOverride == nil {
		s.infoOverride = map[string]infoSection{}
	}
	if _, builtin := sectionTitles[name]; builtin {
		s.infoOverride[name] = sec
		return
	}
	if title != "" {
		s.infoTitles[name] = title
	}
	s.infoExtra = append(s.infoExtra, sec)
}

// OnShutdown registers fn to run when the server shuts down, before the
// clients are disconnected (SHUTDOWN's save, closing the AOF). save tells
// whether SHUTDOWN asked for a save (true), refused one (false) or left it
// to the configuration (nil). An error aborts a SHUTDOWN command (the
// client gets it) unless the shutdown was forced; on signals it is logged.
func (s *Server) OnShutdown(fn func(save *bool, force bool) error) {
	s.shutdownHooks = append(s.shutdownHooks, fn)
}

// DirtyCount returns the number of changes since the last successful save.
func (s *Server) DirtyCount() int64 { return s.dirty }

// SavedAt records a successful save: changes made before it no longer
// count as dirty, and LASTSAVE reports when.
func (s *Server) SavedAt(t time.Time, dirtyAtStart int64) {
	s.dirty -= dirtyAtStart
	if s.dirty < 0 {
		s.dirty = 0
	}
	s.lastSave = t
}

// LastSave is the time of the last successful save.
func (s *Server) LastSave() time.Time { return s.lastSave }

// Config returns the configuration (guarded by the lock).
func (s *Server) ConfigLocked() *config.Config { return s.cfg }

// Detach hands the connection of the client running ctx to fn once the
// current reply has been written: the client leaves the server and fn
// owns the socket (SYNC streams an RDB file this way). fn runs on the
// connection's goroutine without the lock; the connection is closed when
// fn returns.
func (s *Server) Detach(ctx *command.Ctx, fn func(conn net.Conn)) {
	c := ctx.Client.(*client)
	c.detach = fn
	c.flags |= flagCloseAfterReply
}

// ClientOf returns the ClientView of the client running ctx.
func ClientOf(ctx *command.Ctx) ClientView { return ctx.Client.(*client) }

// Logger gives subsystems the server's log, in Redis's format.
type Logger interface {
	Debugf(format string, args ...any)
	Verbosef(format string, args ...any)
	Noticef(format string, args ...any)
	Warningf(format string, args ...any)
}

// Log returns the server's logger.
func (s *Server) Log() Logger { return s.log }

func (l *logger) Debugf(format string, args ...any)   { l.debug(format, args...) }
func (l *logger) Verbosef(format string, args ...any) { l.verbose(format, args...) }
func (l *logger) Noticef(format string, args ...any)  { l.notice(format, args...) }
func (l *logger) Warningf(format string, args ...any) { l.warning(format, args...) }

// Lock and Unlock expose the server lock to subsystems that work in the
// background (a snapshot writer taking chunks of the keyspace). Never hold
// it across I/O.
func (s *Server) Lock()   { s.mu.Lock() }
func (s *Server) Unlock() { s.mu.Unlock() }

// AddBatchHook registers fn to run under the lock at the end of every
// batch of commands, just before the replies are written to the client.
// appendfsync always uses it to make writes durable before they are
// acknowledged.
func (s *Server) AddBatchHook(fn func()) { s.batchHooks = append(s.batchHooks, fn) }

// DebugHandler serves one DEBUG subcommand; args[0] is "DEBUG".
type DebugHandler func(ctx *command.Ctx)

// AddDebugSubcommand makes DEBUG <name> available (DEBUG RELOAD, DIGEST
// and DIGEST-VALUE come from the persistence package this way).
func (s *Server) AddDebugSubcommand(name string, h DebugHandler) {
	if s.debugSubs == nil {
		s.debugSubs = map[string]DebugHandler{}
	}
	s.debugSubs[strings.ToLower(name)] = h
}

// Scripting is what the rest of the server needs from the scripting
// engine, which lives in its own package: persistence saves and loads the
// function libraries with the dataset, and INFO reports script memory.
type Scripting interface {
	// Libraries returns the source code of every function library, in a
	// stable order (RDB files and AOF rewrites carry them).
	Libraries() []string
	// LoadLibrary loads a library as FUNCTION LOAD would (REPLACE when
	// replace is set), without the time limit.
	LoadLibrary(code string, replace bool) error
	// FlushLibraries deletes every library (a load that replaces the
	// dataset replaces them too).
	FlushLibraries()
	// MemoryStats reports the fields of INFO memory about scripts.
	MemoryStats() ScriptingMemory
}

// ScriptingMemory are the scripting fields of INFO memory.
type ScriptingMemory struct {
	VMEval        int64 // the EVAL interpreter (used_memory_vm_eval)
	ScriptsEval   int64 // cached EVAL scripts (used_memory_scripts_eval)
	CachedScripts int   // number_of_cached_scripts
	Functions     int   // number_of_functions
	Libraries     int   // number_of_libraries
	VMFunctions   int64 // the FCALL interpreter (used_memory_vm_functions)
	FunctionsMem  int64 // function libraries (used_memory_functions)
}

// SetScripting installs the scripting engine. Call before Start.
func (s *Server) SetScripting(e Scripting) { s.scripting = e }

// Scripting returns the scripting engine, or nil when none is attached.
func (s *Server) Scripting() Scripting { return s.scripting }
