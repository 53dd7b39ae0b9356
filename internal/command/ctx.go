package command

import (
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// Error replies shared by many commands, with Redis 7.0's exact text.
const (
	ErrWrongType   = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrSyntax      = "ERR syntax error"
	ErrNotInt      = "ERR value is not an integer or out of range"
	ErrNotFloat    = "ERR value is not a valid float"
	ErrNoSuchKey   = "ERR no such key"
	ErrIndexRange  = "ERR index out of range"
	ErrDBIndex     = "ERR DB index is out of range"
	ErrOverflow    = "ERR increment or decrement would overflow"
	ErrSameObject  = "ERR source and destination objects are the same"
	ErrNotPositive = "ERR value is out of range, must be positive"
)

// NotifyClass is a keyspace notification class (notify-keyspace-events).
type NotifyClass uint16

// Notification classes, one per notify-keyspace-events letter.
const (
	NotifyKeyspace NotifyClass = 1 << iota // K
	NotifyKeyevent                         // E
	NotifyGeneric                          // g
	NotifyString                           // $
	NotifyList                             // l
	NotifySet                              // s
	NotifyHash                             // h
	NotifyZSet                             // z
	NotifyExpired                          // x
	NotifyEvicted                          // e
	NotifyStream                           // t
	NotifyKeyMiss                          // m
	NotifyLoaded                           // module only
	NotifyModule                           // d
	NotifyNew                              // n
)

// Client is what handlers may ask of the connection that runs them.
type Client interface {
	ID() int64
	// Proto is the RESP version the client negotiated.
	Proto() int
	// SelectDB switches the client's current database.
	SelectDB(db *keyspace.DB)
}

// Hooks are the server's post-execution mechanisms that handlers trigger.
// Keeping them behind an interface is what lets a data type live in its
// own file without knowing about WATCH, tracking, notifications or
// blocked clients.
type Hooks interface {
	// KeyModified is Redis's signalModifiedKey: it invalidates WATCH and
	// client-side caching for key.
	KeyModified(db *keyspace.DB, key []byte)
	// Notify publishes a keyspace notification when the class is enabled.
	Notify(db *keyspace.DB, class NotifyClass, event string, key []byte)
	// KeyReady reports that key may now serve clients blocked on it.
	KeyReady(db *keyspace.DB, key []byte)
	// Block parks the running client until one of keys is ready or the
	// deadline (unix ms, 0 = forever) passes, then re-runs the command.
	Block(c *Ctx, keys [][]byte, deadline int64, timeout TimeoutReply)
}

// TimeoutReply selects what a blocked command replies when it times out.
type TimeoutReply uint8

// Timeout replies.
const (
	TimeoutNullArray TimeoutReply = iota // BLPOP, BZPOPMIN, XREAD...: *-1
	TimeoutNull                          // BLMOVE, BRPOPLPUSH: $-1
)

// Ctx is the execution context of one command. The server reuses one per
// client, so handlers must not keep it (or Args) beyond their return.
type Ctx struct {
	Args   [][]byte
	Cmd    *Command
	W      *resp.Writer
	DB     *keyspace.DB
	KS     *keyspace.Keyspace
	Client Client
	Hooks  Hooks
	// Settings are the configuration values handlers consult.
	Settings *Settings

	// InMulti and InScript tell blocking commands to behave as if their
	// timeout expired instead of blocking, as Redis does.
	InMulti  bool
	InScript bool
	// Reexec is set when a blocked command runs again because a key it
	// waits on became ready; ReadyKey is that key. Redis serves a woken
	// client from the key that became ready, not from the first of its
	// keys that has data, so handlers should try ReadyKey only.
	Reexec   bool
	ReadyKey []byte

	dirty    int64
	props    [][][]byte
	override bool
	blocked  bool
}

// Reset prepares the context for the next command.
func (c *Ctx) Reset(args [][]byte, cmd *Command) {
	c.Args = args
	c.Cmd = cmd
	c.dirty = 0
	c.props = c.props[:0]
	c.override = false
	c.blocked = false
	c.Reexec = false
	c.ReadyKey = nil
}

// Dirty counts n changes to the dataset (for save rules and INFO). A
// command that changed something is propagated to the AOF and replicas.
func (c *Ctx) Dirty(n int64) { c.dirty += n }

// Changes returns the changes counted by the running command.
func (c *Ctx) Changes() int64 { return c.dirty }

// Propagate replaces what is written to the AOF and replicas for this
// command with args (call it several times for several commands). It is
// how a command with relative or random effects propagates its effect:
// SET ... EX becomes SET ... PXAT, SPOP becomes SREM.
func (c *Ctx) Propagate(args ...[]byte) {
	c.override = true
	c.props = append(c.props, args)
}

// NoPropagate suppresses propagation of this command even though it
// changed the dataset.
func (c *Ctx) NoPropagate() { c.override = true }

// Propagation returns the commands to propagate and whether the handler
// chose them (false: propagate Args when something changed).
func (c *Ctx) Propagation() ([][][]byte, bool) { return c.props, c.override }

// Modified signals that key changed (WATCH, client-side caching).
func (c *Ctx) Modified(key []byte) { c.Hooks.KeyModified(c.DB, key) }

// Notify emits a keyspace notification for key in the current db.
func (c *Ctx) Notify(class NotifyClass, event string, key []byte) {
	c.Hooks.Notify(c.DB, class, event, key)
}

// Ready signals that clients blocked on key may be served.
func (c *Ctx) Ready(key []byte) { c.Hooks.KeyReady(c.DB, key) }

// CanBlock reports whether the command may block; inside MULTI or a
// script a blocking command must answer as if it timed out.
func (c *Ctx) CanBlock() bool { return !c.InMulti && !c.InScript }

// Block parks the client (see Hooks.Block). The handler returns without
// replying; the command runs again when a key is ready.
func (c *Ctx) Block(keys [][]byte, deadline int64, timeout TimeoutReply) {
	c.blocked = true
	c.Hooks.Block(c, keys, deadline, timeout)
}

// Blocked reports whether the handler parked the client.
func (c *Ctx) Blocked() bool { return c.blocked }

// SelectDB switches the client to db.
func (c *Ctx) SelectDB(db *keyspace.DB) {
	c.DB = db
	c.Client.SelectDB(db)
}

// Now returns the command's time in unix milliseconds.
func (c *Ctx) Now() int64 { return c.KS.Now() }

// Error replies with an error (full text, code included).
func (c *Ctx) Error(msg string) { c.W.Error(msg) }

// WrongType replies with the WRONGTYPE error.
func (c *Ctx) WrongType() { c.W.Error(ErrWrongType) }

// SyntaxError replies with the generic syntax error.
func (c *Ctx) SyntaxError() { c.W.Error(ErrSyntax) }

// Int parses Args[i] as an integer with Redis's strict rules, replying
// with the "not an integer" error when it is not one.
func (c *Ctx) Int(i int) (int64, bool) {
	n, ok := resp.ParseInt(c.Args[i])
	if !ok {
		c.W.Error(ErrNotInt)
	}
	return n, ok
}

// Is reports whether Args[i] equals the lower-case word s, ignoring case.
func (c *Ctx) Is(i int, s string) bool { return resp.EqualFold(c.Args[i], s) }
