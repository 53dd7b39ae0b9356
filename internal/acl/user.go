package acl

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/config"
)

// Key permissions of a key pattern (%R~, %W~, %RW~ or ~).
const (
	permRead  uint8 = 1 << 0
	permWrite uint8 = 1 << 1
	permAll         = permRead | permWrite
)

type keyPattern struct {
	pattern string
	perm    uint8
}

// selector is one set of permissions: the root one (the rules written
// outside parentheses) or a "(...)" selector. A command is allowed when
// any selector of the user allows it as a whole (command, keys and
// channels).
type selector struct {
	root        bool
	allKeys     bool
	allChannels bool
	allCommands bool
	// future is Redis's reserved bitmap bit: set only by +@all, cleared
	// only by -@all. It decides whether a description starts from +@all.
	future    bool
	allowed   []uint64
	firstArgs map[int][]string // command id -> allowed first arguments
	keys      []keyPattern
	channels  []string
}

func newSelector(root, pubsubAll bool) *selector {
	return &selector{root: root, allChannels: pubsubAll, allowed: make([]uint64, theUniverse().words)}
}

func (s *selector) clone() *selector {
	n := *s
	n.allowed = append([]uint64(nil), s.allowed...)
	n.keys = append([]keyPattern(nil), s.keys...)
	n.channels = append([]string(nil), s.channels...)
	if s.firstArgs != nil {
		n.firstArgs = make(map[int][]string, len(s.firstArgs))
		for id, l := range s.firstArgs {
			n.firstArgs[id] = append([]string(nil), l...)
		}
	}
	return &n
}

func (s *selector) bit(id int) bool { return s.allowed[id/64]&(1<<(id%64)) != 0 }

func (s *selector) setBit(id int, on bool) {
	if on {
		s.allowed[id/64] |= 1 << (id % 64)
		return
	}
	s.allowed[id/64] &^= 1 << (id % 64)
	s.allCommands = false
}

// changePerm allows or denies a command; on a container it applies to
// every subcommand too. It forgets the command's allowed first args.
func (s *selector) changePerm(e *cmdEntry, allow bool) {
	s.setBit(e.id, allow)
	if s.firstArgs != nil {
		delete(s.firstArgs, e.id)
	}
	for _, sub := range e.subs {
		s.setBit(sub.id, allow)
	}
}

// changeCategory applies +@cat / -@cat: every command in the category,
// and a container in it brings all its subcommands along (as in 7.0).
func (s *selector) changeCategory(cat command.Category, allow bool) {
	var walk func(list []*cmdEntry)
	walk = func(list []*cmdEntry) {
		for _, e := range list {
			if e.spec.Flags&command.FlagModule != 0 {
				continue
			}
			if e.spec.Categories&cat != 0 {
				s.changePerm(e, allow)
			}
			walk(e.subs)
		}
	}
	walk(theUniverse().top)
}

func (s *selector) setAll(allow bool) {
	var fill uint64
	if allow {
		fill = ^uint64(0)
	}
	for i := range s.allowed {
		s.allowed[i] = fill
	}
	s.allCommands = allow
	s.future = allow
	s.firstArgs = nil
}

func (s *selector) addFirstArg(id int, arg string) {
	if s.firstArgs == nil {
		s.firstArgs = map[int][]string{}
	}
	for _, a := range s.firstArgs[id] {
		if eqFold(a, arg) {
			return
		}
	}
	s.firstArgs[id] = append(s.firstArgs[id], arg)
}

// errKind is the reason a rule was refused; its text is Redis's.
type errKind int

const (
	errSyntax errKind = iota + 1
	errUnknown
	errKeyAfterAll
	errChannelAfterAll
	errNoSuchPassword
	errBadHash
	errDuplicateUser
	errFirstArgOfSub
)

var errTexts = map[errKind]string{
	errSyntax:          "Syntax error",
	errUnknown:         "Unknown command or category name in ACL",
	errKeyAfterAll:     "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
	errChannelAfterAll: "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
	errNoSuchPassword:  "The password you are trying to remove from the user does not exist",
	errBadHash:         "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
	errDuplicateUser:   "Duplicate user found. A user can only be defined once in config files",
	errFirstArgOfSub:   "Allowing first-arg of a subcommand is not supported",
}

func (k errKind) String() string { return errTexts[k] }

// hasSpaces reports whether s has a C isspace character or a NUL: such
// names and patterns are refused.
func hasSpaces(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\v', '\f', '\r', 0:
			return true
		}
	}
	return false
}

// applySelector applies one rule to a selector.
func (s *selector) apply(op string) errKind {
	u := theUniverse()
	if op == "" {
		return errSyntax
	}
	switch {
	case eqFold(op, "allkeys") || op == "~*":
		s.allKeys = true
		s.keys = nil
	case eqFold(op, "resetkeys"):
		s.allKeys = false
		s.keys = nil
	case eqFold(op, "allchannels") || op == "&*":
		s.allChannels = true
		s.channels = nil
	case eqFold(op, "resetchannels"):
		s.allChannels = false
		s.channels = nil
	case eqFold(op, "allcommands") || eqFold(op, "+@all"):
		s.setAll(true)
	case eqFold(op, "nocommands") || eqFold(op, "-@all"):
		s.setAll(false)
	case op[0] == '~' || op[0] == '%':
		if s.allKeys {
			return errKeyAfterAll
		}
		perm, off := permAll, 1
		if op[0] == '%' {
			perm = 0
		scan:
			for ; off < len(op); off++ {
				switch c := op[off]; {
				case (c == 'R' || c == 'r') && perm&permRead == 0:
					perm |= permRead
				case (c == 'W' || c == 'w') && perm&permWrite == 0:
					perm |= permWrite
				case c == '~' && perm != 0:
					off++
					break scan
				default:
					return errSyntax
				}
			}
			if perm == 0 {
				return errSyntax
			}
		}
		pat := op[off:]
		if hasSpaces(pat) {
			return errSyntax
		}
		for i := range s.keys {
			if s.keys[i].pattern == pat {
				s.keys[i].perm |= perm
				return 0
			}
		}
		s.keys = append(s.keys, keyPattern{pattern: pat, perm: perm})
	case op[0] == '&':
		if s.allChannels {
			return errChannelAfterAll
		}
		pat := op[1:]
		if hasSpaces(pat) {
			return errSyntax
		}
		for _, c := range s.channels {
			if c == pat {
				return 0
			}
		}
		s.channels = append(s.channels, pat)
	case op[0] == '+' && (len(op) < 2 || op[1] != '@'):
		name := op[1:]
		bar := strings.LastIndexByte(name, '|')
		if bar < 0 {
			e := u.lookup(name)
			if e == nil {
				return errUnknown
			}
			s.changePerm(e, true)
			return 0
		}
		base, sub := name[:bar], name[bar+1:]
		e := u.lookup(base)
		if e == nil {
			return errUnknown
		}
		if e.parent != nil {
			return errFirstArgOfSub
		}
		if sub == "" {
			return errSyntax
		}
		if len(e.subs) > 0 {
			se := u.lookup(name)
			if se == nil {
				return errUnknown
			}
			s.changePerm(se, true)
			return 0
		}
		// A first argument of a command without subcommands
		// (+select|0): deprecated in Redis but still accepted.
		s.addFirstArg(e.id, sub)
	case op[0] == '-' && (len(op) < 2 || op[1] != '@'):
		e := u.lookup(op[1:])
		if e == nil {
			return errUnknown
		}
		s.changePerm(e, false)
	case (op[0] == '+' || op[0] == '-') && op[1] == '@':
		cat := categoryOf(op[2:])
		if cat == 0 {
			return errUnknown
		}
		s.changeCategory(cat, op[0] == '+')
	default:
		return errSyntax
	}
	return 0
}

// Sanitize-payload flags of a user.
const (
	sanitizeUnset = iota
	sanitizeYes
	sanitizeSkip
)

// User is one ACL user. Users are changed only through the ACL (under
// the server lock); a User pointer stays valid while the user exists.
type User struct {
	name      string
	enabled   bool
	nopass    bool
	sanitize  int
	passwords []string // lower-case hex SHA-256
	selectors []*selector
	descr     string // cached Describe, "" when stale
}

func newUser(name string, pubsubAll bool) *User {
	return &User{name: name, selectors: []*selector{newSelector(true, pubsubAll)}}
}

// Name returns the user name.
func (u *User) Name() string { return u.name }

// Enabled reports whether the user is "on".
func (u *User) Enabled() bool { return u.enabled }

// NoPass reports whether the user accepts any password.
func (u *User) NoPass() bool { return u.nopass }

// SkipSanitizePayload reports whether the user is flagged
// skip-sanitize-payload (RESTORE then skips the deep payload check under
// sanitize-dump-payload clients).
func (u *User) SkipSanitizePayload() bool { return u.sanitize == sanitizeSkip }

func (u *User) root() *selector { return u.selectors[0] }

// Unrestricted reports whether the user may run every command on every
// key and channel (the common default user), so checks can be skipped.
func (u *User) Unrestricted() bool {
	r := u.root()
	return r.allCommands && r.allKeys && r.allChannels
}

func (u *User) clone() *User {
	n := *u
	n.passwords = append([]string(nil), u.passwords...)
	n.selectors = make([]*selector, len(u.selectors))
	for i, s := range u.selectors {
		n.selectors[i] = s.clone()
	}
	return &n
}

// copyFrom gives u the rules of src, keeping its name.
func (u *User) copyFrom(src *User) {
	name := u.name
	*u = *src.clone()
	u.name = name
	u.descr = ""
}

// HashPassword returns the hex SHA-256 of a password, as stored.
func HashPassword(pass []byte) string {
	sum := sha256.Sum256(pass)
	return hex.EncodeToString(sum[:])
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if (c < 'a' || c > 'f') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// CheckPassword reports whether pass is one of the user's passwords (or
// the user is nopass). It does not look at on/off.
func (u *User) CheckPassword(pass []byte) bool {
	if u.nopass {
		return true
	}
	h := HashPassword(pass)
	ok := false
	for _, p := range u.passwords {
		if subtle.ConstantTimeCompare([]byte(h), []byte(p)) == 1 {
			ok = true
		}
	}
	return ok
}

// apply applies one rule to the user (Redis's ACLSetUser). pubsubAll is
// the acl-pubsub-default setting, used by new selectors and reset.
func (u *User) apply(op string, pubsubAll bool) errKind {
	u.descr = ""
	if op == "" {
		return 0
	}
	switch {
	case eqFold(op, "on"):
		u.enabled = true
	case eqFold(op, "off"):
		u.enabled = false
	case eqFold(op, "skip-sanitize-payload"):
		u.sanitize = sanitizeSkip
	case eqFold(op, "sanitize-payload"):
		u.sanitize = sanitizeYes
	case eqFold(op, "nopass"):
		u.nopass = true
		u.passwords = nil
	case eqFold(op, "resetpass"):
		u.nopass = false
		u.passwords = nil
	case op[0] == '>' || op[0] == '#':
		var h string
		if op[0] == '>' {
			h = HashPassword([]byte(op[1:]))
		} else {
			if !validHash(op[1:]) {
				return errBadHash
			}
			h = op[1:]
		}
		found := false
		for _, p := range u.passwords {
			if p == h {
				found = true
				break
			}
		}
		if !found {
			u.passwords = append(u.passwords, h)
		}
		u.nopass = false
	case op[0] == '<' || op[0] == '!':
		var h string
		if op[0] == '<' {
			h = HashPassword([]byte(op[1:]))
		} else {
			if !validHash(op[1:]) {
				return errBadHash
			}
			h = op[1:]
		}
		for i, p := range u.passwords {
			if p == h {
				u.passwords = append(u.passwords[:i:i], u.passwords[i+1:]...)
				return 0
			}
		}
		return errNoSuchPassword
	case op[0] == '(' && op[len(op)-1] == ')':
		s := newSelector(false, pubsubAll)
		// Quoted the way redis.conf is; unbalanced quotes mean no rules.
		args, _ := config.SplitArgs(op[1 : len(op)-1])
		for _, a := range args {
			// Unlike a user rule, an empty selector rule is an error.
			if k := s.apply(a); k != 0 {
				return k
			}
		}
		u.selectors = append(u.selectors, s)
	case eqFold(op, "clearselectors"):
		u.selectors = u.selectors[:1:1]
	case eqFold(op, "reset"):
		u.apply("resetpass", pubsubAll)
		u.apply("resetkeys", pubsubAll)
		u.apply("resetchannels", pubsubAll)
		if pubsubAll {
			u.apply("allchannels", pubsubAll)
		}
		u.apply("off", pubsubAll)
		u.apply("sanitize-payload", pubsubAll)
		u.apply("clearselectors", pubsubAll)
		u.apply("-@all", pubsubAll)
	default:
		return u.root().apply(op)
	}
	return 0
}

// mergeSelectorArgs joins rules that spell one selector over several
// arguments ("(~a" "+get)" becomes "(~a +get)"). It returns ok=false and
// the index of the argument that opened an unterminated selector.
func mergeSelectorArgs(args []string) (out []string, bad int, ok bool) {
	open := -1
	var cur string
	for i, op := range args {
		// A '(' argument restarts the selector even inside an open one,
		// as in Redis (the earlier part is dropped).
		if len(op) > 0 && op[0] == '(' && op[len(op)-1] != ')' {
			cur, open = op, i
			continue
		}
		if open >= 0 {
			cur += " " + op
			if len(op) > 0 && op[len(op)-1] == ')' {
				out = append(out, cur)
				open = -1
			}
			continue
		}
		out = append(out, op)
	}
	if open >= 0 {
		return nil, open, false
	}
	return out, 0, true
}
