package acl

import (
	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
)

// Denial is the outcome of a permission check. The values are ordered as
// in Redis: when no selector allows a command, the "highest" denial is
// reported (a channel over a key over the command itself).
type Denial int

const (
	Allowed       Denial = 0
	DeniedCommand Denial = 1
	DeniedKey     Denial = 2
	DeniedAuth    Denial = 3
	DeniedChannel Denial = 4
)

// Reason is the name ACL LOG shows for a denial.
func (d Denial) Reason() string {
	switch d {
	case DeniedCommand:
		return "command"
	case DeniedKey:
		return "key"
	case DeniedChannel:
		return "channel"
	case DeniedAuth:
		return "auth"
	}
	return "unknown"
}

// Error returns the error reply of a command refused by the pipeline
// (processCommand's text). fullName is the command's full name.
func (d Denial) Error(fullName string) string {
	switch d {
	case DeniedCommand:
		return "NOPERM this user has no permissions to run the '" + fullName + "' command"
	case DeniedKey:
		return "NOPERM this user has no permissions to access one of the keys used as arguments"
	case DeniedChannel:
		return "NOPERM this user has no permissions to access one of the channels used as arguments"
	}
	return "ERR no permission"
}

// ExecError returns the error EXEC gives for a queued command that is no
// longer allowed when the transaction runs.
func (d Denial) ExecError() string {
	reason := "no permission"
	switch d {
	case DeniedCommand:
		reason = "no permission to execute the command or subcommand"
	case DeniedKey:
		reason = "no permission to touch the specified keys"
	case DeniedChannel:
		reason = "no permission to access one of the channels used as arguments"
	}
	return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + reason
}

// ScriptError returns the error text (without code) a script gets from
// redis.call for a refused command.
func (d Denial) ScriptError() string {
	msg := "lacking the permissions for the command"
	switch d {
	case DeniedCommand:
		msg = "can't run this command or subcommand"
	case DeniedKey:
		msg = "can't access at least one of the keys mentioned in the command arguments"
	case DeniedChannel:
		msg = "can't publish to the channel mentioned in the command"
	}
	return "The user executing the script " + msg
}

// channelKind says how a command names pub/sub channels.
type channelKind int

const (
	chanNone channelKind = iota
	chanPublish
	chanSubscribe
	chanPattern
)

// channelsOf is the channel extraction of Redis 7.0: only the commands
// that publish or subscribe are checked (unsubscribing never is, nor is
// PUBSUB). It returns the kind and the first and end argument positions.
func channelsOf(spec *command.Spec, argc int) (kind channelKind, first, end int) {
	switch spec.Name {
	case "publish", "spublish":
		end = 2
		if end > argc {
			end = argc
		}
		return chanPublish, 1, end
	case "subscribe", "ssubscribe":
		return chanSubscribe, 1, argc
	case "psubscribe":
		return chanPattern, 1, argc
	}
	return chanNone, 0, 0
}

// Check reports whether u may run the command spec with args (the whole
// argv, args[0] being the command name), and for a key or channel denial
// the position in args of the argument that was refused. It is the check
// the pipeline runs before each command, EXEC for each queued command and
// scripts for each redis.call. The ACL is not safe for concurrent use.
func (a *ACL) Check(u *User, spec *command.Spec, args [][]byte) (Denial, int) {
	if u == nil {
		return DeniedCommand, 0
	}
	if u.Unrestricted() {
		return Allowed, 0
	}
	e := theUniverse().entryOf(spec)
	st := checkState{spec: spec, args: args, keys: a.keyBuf[:0]}
	relevant, lastIdx, idx := DeniedCommand, 0, 0
	for _, s := range u.selectors {
		d := s.check(e, &st, &idx)
		if d == Allowed {
			a.keyBuf = st.keys[:0]
			return Allowed, 0
		}
		// Like Redis, the position of an earlier selector's key or
		// channel denial is kept when a later one fails on the command.
		if d > relevant || d == relevant && idx > lastIdx {
			relevant, lastIdx = d, idx
		}
	}
	a.keyBuf = st.keys[:0]
	return relevant, lastIdx
}

// checkState carries one command's arguments and, once extracted, its
// keys across the selectors of a user.
type checkState struct {
	spec     *command.Spec
	args     [][]byte
	keys     []command.KeyRef
	keysDone bool
}

// check is one selector's verdict: command, then keys, then channels.
// idx receives the position of a refused key or channel.
func (s *selector) check(e *cmdEntry, st *checkState, idx *int) Denial {
	spec, args := st.spec, st.args
	if !s.allCommands && spec.Flags&command.FlagNoAuth == 0 && !s.commandAllowed(e, args) {
		return DeniedCommand
	}
	if !s.allKeys && spec.HasKeys() {
		if !st.keysDone {
			st.keys, _ = spec.AppendKeys(st.keys, args)
			st.keysDone = true
		}
		for _, k := range st.keys {
			if k.Pos < len(args) && !s.keyAllowed(args[k.Pos], k.Flags) {
				*idx = k.Pos
				return DeniedKey
			}
		}
	}
	if !s.allChannels {
		kind, first, end := channelsOf(spec, len(args))
		for i := first; kind != chanNone && i < end; i++ {
			if !channelInList(s.channels, args[i], kind == chanPattern) {
				*idx = i
				return DeniedChannel
			}
		}
	}
	return Allowed
}

// CheckWithUnrestrictedKeys reports whether some selector of u allows the
// command and also grants the access in flags (KeyAccess for reading,
// KeyInsert/KeyUpdate/KeyDelete for writing) to every key: what SORT
// needs before following BY and GET patterns to other keys.
func (a *ACL) CheckWithUnrestrictedKeys(u *User, spec *command.Spec, args [][]byte, flags command.KeyFlag) bool {
	if u == nil {
		return false
	}
	e := theUniverse().entryOf(spec)
	st := checkState{spec: spec, args: args, keys: a.keyBuf[:0]}
	defer func() { a.keyBuf = st.keys[:0] }()
	need := permsOf(flags)
	idx := 0
	for _, s := range u.selectors {
		if s.check(e, &st, &idx) != Allowed {
			continue
		}
		if s.allKeys {
			return true
		}
		for _, p := range s.keys {
			if p.perm&need == need && p.pattern == "*" {
				return true
			}
		}
	}
	return false
}

func permsOf(flags command.KeyFlag) uint8 {
	var need uint8
	if flags&command.KeyAccess != 0 {
		need |= permRead
	}
	if flags&(command.KeyInsert|command.KeyDelete|command.KeyUpdate) != 0 {
		need |= permWrite
	}
	return need
}

func (s *selector) commandAllowed(e *cmdEntry, args [][]byte) bool {
	if e == nil {
		return false
	}
	if s.bit(e.id) {
		return true
	}
	list := s.firstArgs[e.id]
	if len(args) < 2 || list == nil {
		return false
	}
	i := 1
	if e.parent != nil {
		i = 2
	}
	if i >= len(args) {
		return false
	}
	for _, a := range list {
		if eqFold(string(args[i]), a) {
			return true
		}
	}
	return false
}

// keyAllowed checks one key against the selector's patterns given the
// key-spec flags of its position: reading data needs %R, inserting,
// updating or deleting data needs %W; other uses (EXISTS, TYPE, the key
// of a DEL...) need only the pattern.
func (s *selector) keyAllowed(key []byte, flags command.KeyFlag) bool {
	if s.allKeys {
		return true
	}
	need := permsOf(flags)
	for _, p := range s.keys {
		if p.perm&need != need {
			continue
		}
		if keyspace.Match([]byte(p.pattern), key, false) {
			return true
		}
	}
	return false
}

// channelInList matches a channel against channel patterns; a pattern
// subscription (PSUBSCRIBE) must equal one of them literally.
func channelInList(list []string, ch []byte, isPattern bool) bool {
	for _, p := range list {
		if isPattern {
			if p == string(ch) {
				return true
			}
		} else if keyspace.Match([]byte(p), ch, false) {
			return true
		}
	}
	return false
}

// KeyAllowed reports whether u may access key with the given key-spec
// flags (used by commands that reach keys not named in their arguments,
// such as SORT's BY and GET patterns).
func (u *User) KeyAllowed(key []byte, flags command.KeyFlag) bool {
	for _, s := range u.selectors {
		if s.keyAllowed(key, flags) {
			return true
		}
	}
	return false
}

// ChannelAllowed reports whether u may subscribe to channel (pattern:
// as a PSUBSCRIBE pattern). The server uses it to find subscribers that
// lost a permission after ACL SETUSER.
func (u *User) ChannelAllowed(channel []byte, pattern bool) bool {
	for _, s := range u.selectors {
		if s.allChannels || channelInList(s.channels, channel, pattern) {
			return true
		}
	}
	return false
}

// channelsNarrowed reports whether next may refuse a subscription that
// prev allowed, with Redis's shortcuts: never when next has all channels
// somewhere, nor when next's channel patterns include all of prev's.
func channelsNarrowed(prev, next *User) bool {
	var upcoming []string
	for _, s := range next.selectors {
		if s.allChannels {
			return false
		}
		upcoming = append(upcoming, s.channels...)
	}
	for _, s := range prev.selectors {
		if s.allChannels {
			return true
		}
		for _, c := range s.channels {
			found := false
			for _, n := range upcoming {
				if n == c {
					found = true
					break
				}
			}
			if !found {
				return true
			}
		}
	}
	return false
}
