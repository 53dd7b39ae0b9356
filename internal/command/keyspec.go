package command

import (
	"errors"
	"strings"
)

// KeyFlag describes how a command uses a key (Redis 7 key-spec flags).
// The constants are in the order COMMAND INFO and COMMAND GETKEYSANDFLAGS
// list them.
type KeyFlag uint32

const (
	KeyRO            KeyFlag = 1 << iota // RO: reads the value, does not modify it
	KeyRW                                // RW: reads and modifies the value
	KeyOW                                // OW: overwrites the value without reading it
	KeyRM                                // RM: deletes the key
	KeyAccess                            // access: returns or uses user data
	KeyUpdate                            // update: updates data in the value
	KeyInsert                            // insert: only adds data
	KeyDelete                            // delete: explicitly removes data
	KeyNotKey                            // not_key: not a key, but routed like one
	KeyIncomplete                        // incomplete: the spec may miss keys
	KeyVariableFlags                     // variable_flags: flags depend on arguments
)

var keyFlagNames = [...]struct {
	flag KeyFlag
	name string
}{
	{KeyRO, "RO"},
	{KeyRW, "RW"},
	{KeyOW, "OW"},
	{KeyRM, "RM"},
	{KeyAccess, "access"},
	{KeyUpdate, "update"},
	{KeyInsert, "insert"},
	{KeyDelete, "delete"},
	{KeyNotKey, "not_key"},
	{KeyIncomplete, "incomplete"},
	{KeyVariableFlags, "variable_flags"},
}

// Names returns the flag names in reply order.
func (f KeyFlag) Names() []string {
	var out []string
	for _, kn := range keyFlagNames {
		if f&kn.flag != 0 {
			out = append(out, kn.name)
		}
	}
	return out
}

// String joins Names with '|'.
func (f KeyFlag) String() string { return strings.Join(f.Names(), "|") }

// KeyFlagByName looks a key-spec flag up by its reply name
// (case-insensitive).
func KeyFlagByName(name string) (KeyFlag, bool) {
	for _, kn := range keyFlagNames {
		if equalFoldASCII(name, kn.name) {
			return kn.flag, true
		}
	}
	return 0, false
}

// BeginSearchType says how a key spec finds its first key.
type BeginSearchType uint8

const (
	BeginUnknown BeginSearchType = iota // no way to tell; the command extracts keys itself
	BeginIndex                          // at a fixed argument index
	BeginKeyword                        // right after a keyword
)

// BeginSearch is the begin_search part of a key spec.
type BeginSearch struct {
	Type BeginSearchType
	// Index is the argument position of the first key (BeginIndex).
	Index int
	// Keyword is searched for case-insensitively starting at StartFrom
	// (negative: counted from the end, searching backwards) (BeginKeyword).
	Keyword   string
	StartFrom int
}

// FindKeysType says how a key spec finds the keys after the first.
type FindKeysType uint8

const (
	FindUnknown FindKeysType = iota // no way to tell
	FindRange                       // a range of arguments
	FindKeynum                      // an argument holds the number of keys
)

// FindKeys is the find_keys part of a key spec.
type FindKeys struct {
	Type FindKeysType
	// Range: LastKey is relative to the first key (-1 is the last argument,
	// -2 the one before); Limit, when LastKey is -1, divides the remaining
	// arguments (2 means only the first half are keys).
	LastKey int
	Limit   int
	// Keynum: the number of keys is at KeyNumIdx and the first key at
	// FirstKey, both relative to the begin_search position.
	KeyNumIdx int
	FirstKey  int
	// KeyStep is the distance between keys (both types).
	KeyStep int
}

// KeySpec is a Redis 7 key specification.
type KeySpec struct {
	Notes       string
	Flags       KeyFlag
	BeginSearch BeginSearch
	FindKeys    FindKeys
}

// KeyRef is one key found in a command's arguments: its position in argv
// (argv[0] being the command name) and its flags.
type KeyRef struct {
	Pos   int
	Flags KeyFlag
}

// Errors from key extraction. Their texts are those of COMMAND GETKEYS
// without the "ERR " prefix.
var (
	ErrNoKeyArguments      = errors.New("The command has no key arguments")
	ErrInvalidArgCount     = errors.New("Invalid number of arguments specified for command")
	ErrInvalidKeyArguments = errors.New("Invalid arguments specified for command")
)

// HasKeys reports whether the command can have key arguments at all: it has
// a key spec that is not NOT_KEY, or a dedicated key extractor.
func (s *Spec) HasKeys() bool {
	if s.keysFunc() != nil {
		return true
	}
	for i := range s.KeySpecs {
		if s.KeySpecs[i].Flags&KeyNotKey == 0 {
			return true
		}
	}
	return false
}

// ArityOK reports whether argc arguments (command name included) satisfy
// the arity: exactly Arity when positive, at least -Arity when negative.
func (s *Spec) ArityOK(argc int) bool {
	if s.Arity > 0 {
		return argc == s.Arity
	}
	return argc >= -s.Arity
}

// Keys finds the key arguments of one invocation. args is the whole argv,
// args[0] being the command name (for a subcommand, args[1] is its name);
// positions in the result index args. It follows Redis 7.0's COMMAND GETKEYS:
// the key specs are used when they are complete, otherwise the command's
// own extraction rules; NOT_KEY specs are skipped.
//
// Errors: ErrNoKeyArguments when the command never takes keys,
// ErrInvalidArgCount when len(args) violates the arity, and
// ErrInvalidKeyArguments when no key could be found although the command
// needs one (commands flagged no_mandatory_keys get an empty result).
func (s *Spec) Keys(args [][]byte) ([]KeyRef, error) {
	return s.AppendKeys(nil, args)
}

// AppendKeys is Keys appending to dst, for callers that reuse a buffer.
func (s *Spec) AppendKeys(dst []KeyRef, args [][]byte) ([]KeyRef, error) {
	if !s.HasKeys() {
		return dst, ErrNoKeyArguments
	}
	if !s.ArityOK(len(args)) {
		return dst, ErrInvalidArgCount
	}
	n := len(dst)
	dst = s.appendKeysUnchecked(dst, args)
	if len(dst) == n && s.Flags&FlagNoMandatoryKeys == 0 {
		return dst, ErrInvalidKeyArguments
	}
	return dst, nil
}

// appendKeysUnchecked mirrors getKeysFromCommandWithSpecs: no arity check,
// and a failure is just "no keys".
func (s *Spec) appendKeysUnchecked(dst []KeyRef, args [][]byte) []KeyRef {
	var hasKeySpec, varFlags bool
	for i := range s.KeySpecs {
		f := s.KeySpecs[i].Flags
		if f&KeyNotKey == 0 {
			hasKeySpec = true
		}
		if f&KeyVariableFlags != 0 {
			varFlags = true
		}
	}
	if hasKeySpec && !varFlags {
		if out, ok := s.appendKeysFromSpecs(dst, args, false, false); ok {
			return out
		}
	}
	if fn := s.keysFunc(); fn != nil {
		return fn(dst, args)
	}
	return dst
}

// KeysFromSpecs applies only the key specs (never the command's own
// extraction rules), like Redis's getKeysUsingKeySpecs. With partial set,
// a spec that cannot be applied is skipped and the keys of the others are
// returned (ok stays true); otherwise any such spec makes it return
// ok=false and no keys. NOT_KEY specs are skipped unless includeNotKeys.
func (s *Spec) KeysFromSpecs(args [][]byte, partial, includeNotKeys bool) (keys []KeyRef, ok bool) {
	return s.appendKeysFromSpecs(nil, args, partial, includeNotKeys)
}

// appendKeysFromSpecs is a port of getKeysUsingKeySpecs.
func (s *Spec) appendKeysFromSpecs(dst []KeyRef, args [][]byte, partial, includeNotKeys bool) ([]KeyRef, bool) {
	base := len(dst)
	argc := len(args)
	for j := range s.KeySpecs {
		spec := &s.KeySpecs[j]
		if spec.Flags&KeyNotKey != 0 && !includeNotKeys {
			continue
		}
		first := 0
		switch spec.BeginSearch.Type {
		case BeginIndex:
			first = spec.BeginSearch.Index
		case BeginKeyword:
			sf := spec.BeginSearch.StartFrom
			start, end := sf, argc-1
			if sf <= 0 {
				start, end = argc+sf, 1
			}
			for i := start; i != end; {
				if i >= argc || i < 1 {
					break
				}
				if equalFoldASCII(args[i], spec.BeginSearch.Keyword) {
					first = i + 1
					break
				}
				if start <= end {
					i++
				} else {
					i--
				}
			}
			if first == 0 {
				continue // keyword absent: this spec has no keys here
			}
		default:
			if partial {
				continue
			}
			return dst[:base], false
		}

		var last, step int
		switch spec.FindKeys.Type {
		case FindRange:
			step = spec.FindKeys.KeyStep
			switch {
			case spec.FindKeys.LastKey >= 0:
				last = first + spec.FindKeys.LastKey
			case spec.FindKeys.Limit == 0:
				last = argc + spec.FindKeys.LastKey
			default:
				last = first + ((argc-first)/spec.FindKeys.Limit + spec.FindKeys.LastKey)
			}
		case FindKeynum:
			step = spec.FindKeys.KeyStep
			idx := first + spec.FindKeys.KeyNumIdx
			if spec.FindKeys.KeyNumIdx >= argc || idx >= argc || idx < 0 {
				if partial {
					continue
				}
				return dst[:base], false
			}
			numkeys, ok := parseInt64Strict(args[idx])
			if !ok || numkeys < 0 || numkeys > int64(argc) {
				if partial {
					continue
				}
				return dst[:base], false
			}
			first += spec.FindKeys.FirstKey
			last = first + int(numkeys) - 1
		default:
			if partial {
				continue
			}
			return dst[:base], false
		}

		if last >= argc || last < first || first >= argc || first < 0 {
			if partial {
				continue
			}
			return dst[:base], false
		}
		if step <= 0 {
			step = 1
		}
		for i := first; i <= last; i += step {
			dst = append(dst, KeyRef{Pos: i, Flags: spec.Flags})
		}
		if spec.Flags&KeyIncomplete != 0 && !partial {
			return dst[:base], false
		}
	}
	return dst, true
}

// keysFunc is a command's own key extraction, for commands whose key specs
// are incomplete or whose key flags depend on the arguments (Redis's
// getkeys_proc). It is looked up by full name.
func (s *Spec) keysFunc() keysFunc {
	return keysFuncs[s.Name]
}

type keysFunc func(dst []KeyRef, args [][]byte) []KeyRef

// keysFuncs maps commands to their own key extraction, as in Redis 7.0.
// They are used when the key specs cannot give the answer (incomplete or
// variable flags) or fail for the given arguments.
var keysFuncs = map[string]keysFunc{
	"bitfield":          bitfieldKeys,
	"migrate":           migrateKeys,
	"sort":              sortKeys,
	"sort_ro":           sortROKeys,
	"georadius":         georadiusKeys,
	"georadiusbymember": georadiusKeys,
	"blmpop":            numkeysKeys(0, 2, 3),
	"lmpop":             numkeysKeys(0, 1, 2),
	"eval":              numkeysKeys(0, 2, 3),
	"evalsha":           numkeysKeys(0, 2, 3),
	"evalsha_ro":        numkeysKeys(0, 2, 3),
	"eval_ro":           numkeysKeys(0, 2, 3),
	"fcall":             numkeysKeys(0, 2, 3),
	"fcall_ro":          numkeysKeys(0, 2, 3),
	"sintercard":        numkeysKeys(0, 1, 2),
	"bzmpop":            numkeysKeys(0, 2, 3),
	"zdiff":             numkeysKeys(0, 1, 2),
	"zdiffstore":        numkeysKeys(1, 2, 3),
	"zinter":            numkeysKeys(0, 1, 2),
	"zintercard":        numkeysKeys(0, 1, 2),
	"zinterstore":       numkeysKeys(1, 2, 3),
	"zmpop":             numkeysKeys(0, 1, 2),
	"zunion":            numkeysKeys(0, 1, 2),
	"zunionstore":       numkeysKeys(1, 2, 3),
	"xread":             xreadKeys,
	"xreadgroup":        xreadKeys,
	"set":               setKeys,
}

// numkeysKeys handles "CMD [dest] numkeys key [key ...] ...": store is the
// position of the destination key (0: none), count the position of the
// number of keys, first the position of the first key. Like Redis, the
// count is read with atoi semantics, zero or too many keys yield none,
// the destination comes last and no flags are reported.
func numkeysKeys(store, count, first int) keysFunc {
	return func(dst []KeyRef, args [][]byte) []KeyRef {
		if count >= len(args) {
			return dst
		}
		num := atoi(args[count])
		if num < 1 || num > (len(args)-first) {
			return dst
		}
		for i := 0; i < num; i++ {
			dst = append(dst, KeyRef{Pos: first + i})
		}
		if store > 0 {
			dst = append(dst, KeyRef{Pos: store})
		}
		return dst
	}
}

// sortROKeys: SORT_RO key ... reads only its first argument as a key.
func sortROKeys(dst []KeyRef, args [][]byte) []KeyRef {
	return append(dst, KeyRef{Pos: 1, Flags: KeyRO | KeyAccess})
}

// sortKeys: SORT key [BY p] [LIMIT o c] [GET p ...] [STORE dest]; the last
// STORE wins, option arguments are skipped.
func sortKeys(dst []KeyRef, args [][]byte) []KeyRef {
	dst = append(dst, KeyRef{Pos: 1, Flags: KeyRO | KeyAccess})
	skips := [...]struct {
		name string
		skip int
	}{{"limit", 2}, {"get", 1}, {"by", 1}}
	store := 0
	for i := 2; i < len(args); i++ {
		for _, sk := range skips {
			if equalFoldASCII(args[i], sk.name) {
				i += sk.skip
				break
			} else if equalFoldASCII(args[i], "store") && i+1 < len(args) {
				store = i + 1
				break
			}
		}
	}
	if store > 0 {
		dst = append(dst, KeyRef{Pos: store, Flags: KeyOW | KeyUpdate})
	}
	return dst
}

// migrateKeys: MIGRATE host port key|"" db timeout [COPY] [REPLACE]
// [AUTH pw | AUTH2 user pw] [KEYS key ...].
func migrateKeys(dst []KeyRef, args [][]byte) []KeyRef {
	first, num := 3, 1
	if len(args) > 6 {
		skips := [...]struct {
			name string
			skip int
		}{{"copy", 0}, {"replace", 0}, {"auth", 1}, {"auth2", 2}}
		for i := 6; i < len(args); i++ {
			if equalFoldASCII(args[i], "keys") {
				if len(args[3]) > 0 {
					num = 0 // syntax error, left to MIGRATE itself
				} else {
					first = i + 1
					num = len(args) - first
				}
				break
			}
			for _, sk := range skips {
				if equalFoldASCII(args[i], sk.name) {
					i += sk.skip
					break
				}
			}
		}
	}
	if first >= len(args) {
		num = 0
	}
	for i := 0; i < num; i++ {
		dst = append(dst, KeyRef{Pos: first + i, Flags: KeyRW | KeyAccess | KeyDelete})
	}
	return dst
}

// georadiusKeys: the source key plus the last STORE/STOREDIST destination.
func georadiusKeys(dst []KeyRef, args [][]byte) []KeyRef {
	stored := -1
	for i := 5; i < len(args); i++ {
		if (equalFoldASCII(args[i], "store") || equalFoldASCII(args[i], "storedist")) && i+1 < len(args) {
			stored = i + 1
			i++
		}
	}
	dst = append(dst, KeyRef{Pos: 1})
	if stored != -1 {
		dst = append(dst, KeyRef{Pos: stored})
	}
	return dst
}

// xreadKeys: XREAD/XREADGROUP [options] STREAMS key ... id ...
func xreadKeys(dst []KeyRef, args [][]byte) []KeyRef {
	streams := -1
loop:
	for i := 1; i < len(args); i++ {
		switch {
		case equalFoldASCII(args[i], "block"), equalFoldASCII(args[i], "count"):
			i++
		case equalFoldASCII(args[i], "group"):
			i += 2
		case equalFoldASCII(args[i], "noack"):
		case equalFoldASCII(args[i], "streams"):
			streams = i
			break loop
		default:
			break loop
		}
	}
	if streams == -1 {
		return dst
	}
	num := len(args) - streams - 1
	if num == 0 || num%2 != 0 {
		return dst
	}
	num /= 2
	for i := streams + 1; i < len(args)-num; i++ {
		dst = append(dst, KeyRef{Pos: i})
	}
	return dst
}

// setKeys: SET key value [...]: with GET the key is read too.
func setKeys(dst []KeyRef, args [][]byte) []KeyRef {
	for i := 3; i < len(args); i++ {
		if equalFoldASCII(args[i], "get") {
			return append(dst, KeyRef{Pos: 1, Flags: KeyRW | KeyAccess | KeyUpdate})
		}
	}
	return append(dst, KeyRef{Pos: 1, Flags: KeyOW | KeyUpdate})
}

// bitfieldKeys: BITFIELD is read-only when it has only GET (and OVERFLOW)
// operations.
func bitfieldKeys(dst []KeyRef, args [][]byte) []KeyRef {
	readonly := true
	for i := 2; i < len(args); i++ {
		rem := len(args) - i - 1
		switch {
		case equalFoldASCII(args[i], "get") && rem >= 2:
			i += 2
			continue
		case (equalFoldASCII(args[i], "set") || equalFoldASCII(args[i], "incrby")) && rem >= 3:
			readonly = false
		case equalFoldASCII(args[i], "overflow") && rem >= 1:
			i++
			continue
		default:
			readonly = false // syntax error: assume it writes
		}
		break
	}
	if readonly {
		return append(dst, KeyRef{Pos: 1, Flags: KeyRO | KeyAccess})
	}
	return append(dst, KeyRef{Pos: 1, Flags: KeyRW | KeyAccess | KeyUpdate})
}

// equalFoldASCII compares b and s ignoring ASCII case only (strcasecmp).
func equalFoldASCII[T string | []byte](b T, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// parseInt64Strict parses a decimal integer the way Redis's string2ll
// does: no spaces, no '+', no leading zeros, no overflow.
func parseInt64Strict(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	i := 0
	if b[0] == '-' {
		neg = true
		i++
		if i == len(b) {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v *= 10
		d := uint64(c - '0')
		if v > 1<<64-1-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// atoi mimics C's atoi: leading spaces, an optional sign, then digits up to
// the first non-digit; garbage gives 0. Out-of-range values saturate.
func atoi(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var v int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if v < 1<<40 {
			v = v*10 + int64(b[i]-'0')
		}
	}
	if neg {
		v = -v
	}
	return int(v)
}
