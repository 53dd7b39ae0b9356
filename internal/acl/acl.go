// Package acl implements Redis 7.0's access control lists: users and
// their rules (passwords, command and category rules, key and channel
// patterns, selectors), the permission check run before every command,
// the ACL log, the aclfile and "user" lines of redis.conf, and the ACL
// command. It knows nothing about connections: the server supplies what
// it needs through Env and calls Check.
//
// An ACL is not safe for concurrent use; the server guards it with its
// lock, like the rest of its state.
package acl

import (
	"fmt"
	"sort"

	"github.com/autobot-ai/autobot-redis/internal/command"
)

// DefaultUserName is the user every connection starts as.
const DefaultUserName = "default"

// ACL is the set of users and the ACL log.
type ACL struct {
	users     map[string]*User
	def       *User
	pubsubAll bool  // acl-pubsub-default allchannels
	logMaxLen int64 // acllog-max-len
	log       []*LogEntry
	keyBuf    []command.KeyRef
}

// New returns an ACL with only the default user, which may do anything
// without a password ("on nopass ~* &* +@all").
func New() *ACL {
	a := &ACL{users: map[string]*User{}, logMaxLen: 128}
	a.def = a.newDefaultUser()
	a.users[DefaultUserName] = a.def
	return a
}

func (a *ACL) newDefaultUser() *User {
	u := newUser(DefaultUserName, a.pubsubAll)
	for _, op := range []string{"+@all", "~*", "&*", "on", "nopass"} {
		u.apply(op, a.pubsubAll)
	}
	return u
}

// SetPubsubDefault applies acl-pubsub-default: whether new users and
// selectors start with all channels ("allchannels") or none.
func (a *ACL) SetPubsubDefault(allChannels bool) { a.pubsubAll = allChannels }

// SetLogMaxLen applies acllog-max-len (the log is trimmed on the next
// entry, as in Redis).
func (a *ACL) SetLogMaxLen(n int64) { a.logMaxLen = n }

// User returns the user called name, or nil.
func (a *ACL) User(name string) *User {
	if name == DefaultUserName {
		return a.def
	}
	return a.users[name]
}

// Default returns the default user. The pointer never changes: ACL LOAD
// copies the new rules into it.
func (a *ACL) Default() *User { return a.def }

// Users returns every user in name order (byte order, as Redis's radix
// tree lists them).
func (a *ACL) Users() []*User {
	out := make([]*User, 0, len(a.users))
	for _, u := range a.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// Lines returns every user as "<name> <rules>", the user lines CONFIG
// REWRITE writes when there is no aclfile.
func (a *ACL) Lines() []string {
	var out []string
	for _, u := range a.Users() {
		out = append(out, u.name+" "+u.Describe())
	}
	return out
}

// cString cuts s at its first NUL byte, as C's %s prints it.
func cString(s string) string {
	if i := indexNUL(s); i >= 0 {
		return s[:i]
	}
	return s
}

// SetUserError is an ACL SETUSER failure; its text is Redis's (without
// the "ERR " code).
type SetUserError struct{ msg string }

func (e *SetUserError) Error() string { return e.msg }

// SetUser creates the user called name, or changes it, applying rules in
// order. Either every rule applies or none does. It returns the user and
// whether the change may have revoked channels the user's subscribers
// are using (the server then disconnects the subscribers that lost a
// permission, as Redis 7.0 does). name must have been validated with
// ValidUsername.
func (a *ACL) SetUser(name string, rules []string) (u *User, narrowed bool, err error) {
	merged, bad, ok := mergeSelectorArgs(rules)
	if !ok {
		return nil, false, &SetUserError{fmt.Sprintf("Unmatched parenthesis in acl selector starting at '%s'.", cString(rules[bad]))}
	}
	old := a.User(name)
	var temp *User
	if old != nil {
		temp = old.clone()
	} else {
		temp = newUser(name, a.pubsubAll)
	}
	for _, op := range merged {
		if k := temp.apply(op, a.pubsubAll); k != 0 {
			return nil, false, &SetUserError{fmt.Sprintf("Error in ACL SETUSER modifier '%s': %s", cString(op), k)}
		}
	}
	if old == nil {
		temp.descr = ""
		a.users[name] = temp
		return temp, false, nil
	}
	narrowed = channelsNarrowed(old, temp)
	old.copyFrom(temp)
	return old, narrowed, nil
}

// ValidUsername reports whether a user name is acceptable (no blanks,
// no NUL bytes).
func ValidUsername(name string) bool { return !hasSpaces(name) }

// DelUser removes a user and reports whether it existed. The default
// user cannot be removed (the caller refuses it first).
func (a *ACL) DelUser(name string) bool {
	if name == DefaultUserName || a.users[name] == nil {
		return false
	}
	delete(a.users, name)
	return true
}

// Authenticate checks a name/password pair: the user must exist, be on,
// and accept the password. It returns the user or nil.
func (a *ACL) Authenticate(name, pass []byte) *User {
	u := a.User(string(name))
	if u == nil || !u.enabled || !u.CheckPassword(pass) {
		return nil
	}
	return u
}

// DefaultNeedsAuth reports whether connections must authenticate before
// running commands: the default user has a password or is off.
func (a *ACL) DefaultNeedsAuth() bool { return !a.def.nopass || !a.def.enabled }

// SetDefaultPassword applies requirepass: the default user gets this
// single password, or none at all ("nopass") when pass is empty.
func (a *ACL) SetDefaultPassword(pass string) {
	a.def.apply("resetpass", a.pubsubAll)
	if pass != "" {
		a.def.apply(">"+pass, a.pubsubAll)
	} else {
		a.def.apply("nopass", a.pubsubAll)
	}
}

// indexNUL is where a C string would end, or -1.
func indexNUL(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}
