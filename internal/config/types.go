package config

// Value types: how directive arguments are turned into typed values and how
// those values are printed back for CONFIG GET and CONFIG REWRITE. The
// number parsers deliberately reproduce the acceptance rules of redis-server
// (strict integers, lenient memory sizes, strtoll-style octal), because
// clients and config files written for Redis depend on exactly which inputs
// are accepted and which error text comes back.

import (
	"math"
	"strconv"
	"strings"
)

// SaveRule is one "save <seconds> <changes>" snapshot trigger: take a
// snapshot when at least Changes writes happened within Seconds seconds.
type SaveRule struct {
	Seconds int64
	Changes int
}

// Client classes of client-output-buffer-limit, used as indexes of
// Config.ClientOutputBufferLimit.
const (
	ClientNormal  = 0
	ClientReplica = 1
	ClientPubSub  = 2
)

// OutputBufferLimit is the output buffer limit of one client class. A client
// is disconnected when its pending output reaches Hard bytes, or stays above
// Soft bytes for SoftSeconds seconds. Zero disables a limit.
type OutputBufferLimit struct {
	Hard        uint64
	Soft        uint64
	SoftSeconds int64
}

// KeyspaceEvents is the parsed notify-keyspace-events setting. The bit
// values are those of Redis; the server tests them with Has.
type KeyspaceEvents uint32

// Event classes of notify-keyspace-events.
const (
	EventKeyspace KeyspaceEvents = 1 << 0  // K: __keyspace@<db>__ channel
	EventKeyevent KeyspaceEvents = 1 << 1  // E: __keyevent@<db>__ channel
	EventGeneric  KeyspaceEvents = 1 << 2  // g: DEL, EXPIRE, RENAME, ...
	EventString   KeyspaceEvents = 1 << 3  // $
	EventList     KeyspaceEvents = 1 << 4  // l
	EventSet      KeyspaceEvents = 1 << 5  // s
	EventHash     KeyspaceEvents = 1 << 6  // h
	EventZset     KeyspaceEvents = 1 << 7  // z
	EventExpired  KeyspaceEvents = 1 << 8  // x
	EventEvicted  KeyspaceEvents = 1 << 9  // e
	EventStream   KeyspaceEvents = 1 << 10 // t
	EventKeyMiss  KeyspaceEvents = 1 << 11 // m (not part of A)
	EventLoaded   KeyspaceEvents = 1 << 12 // module-only, no letter
	EventModule   KeyspaceEvents = 1 << 13 // d
	EventNew      KeyspaceEvents = 1 << 14 // n (not part of A)

	// EventAll is what the letter A stands for.
	EventAll = EventGeneric | EventString | EventList | EventSet | EventHash |
		EventZset | EventExpired | EventEvicted | EventStream | EventModule
)

// Has reports whether every bit of f is enabled.
func (e KeyspaceEvents) Has(f KeyspaceEvents) bool { return e&f == f }

// ParseKeyspaceEvents converts a class string such as "KEA" or "Kx" into
// flags. The second result is false when the string has a character that
// is not an event class.
func ParseKeyspaceEvents(s string) (KeyspaceEvents, bool) {
	var f KeyspaceEvents
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			f |= EventAll
		case 'g':
			f |= EventGeneric
		case '$':
			f |= EventString
		case 'l':
			f |= EventList
		case 's':
			f |= EventSet
		case 'h':
			f |= EventHash
		case 'z':
			f |= EventZset
		case 'x':
			f |= EventExpired
		case 'e':
			f |= EventEvicted
		case 'K':
			f |= EventKeyspace
		case 'E':
			f |= EventKeyevent
		case 't':
			f |= EventStream
		case 'm':
			f |= EventKeyMiss
		case 'd':
			f |= EventModule
		case 'n':
			f |= EventNew
		default:
			return 0, false
		}
	}
	return f, true
}

// String prints the flags the way CONFIG GET does: "A" when every class in
// A is on, otherwise the single letters, then K, E and m.
func (e KeyspaceEvents) String() string {
	var b strings.Builder
	if e.Has(EventAll) {
		b.WriteByte('A')
	} else {
		for _, p := range []struct {
			f KeyspaceEvents
			c byte
		}{
			{EventGeneric, 'g'}, {EventString, '$'}, {EventList, 'l'},
			{EventSet, 's'}, {EventHash, 'h'}, {EventZset, 'z'},
			{EventExpired, 'x'}, {EventEvicted, 'e'}, {EventStream, 't'},
			{EventModule, 'd'}, {EventNew, 'n'},
		} {
			if e&p.f != 0 {
				b.WriteByte(p.c)
			}
		}
	}
	if e&EventKeyspace != 0 {
		b.WriteByte('K')
	}
	if e&EventKeyevent != 0 {
		b.WriteByte('E')
	}
	if e&EventKeyMiss != 0 {
		b.WriteByte('m')
	}
	return b.String()
}

// AllowProtected tells whether a protected action (DEBUG, MODULE, setting a
// protected config) is allowed under a setting of enable-debug-command,
// enable-module-command or enable-protected-configs ("no", "yes" or
// "local"), for a client that is (or is not) connected from loopback or a
// unix socket.
func AllowProtected(setting string, localClient bool) bool {
	return setting == "yes" || (setting == "local" && localClient)
}

// ---------------------------------------------------------------------------
// Number parsing

// parseStrictInt accepts what Redis's string2ll accepts: an optional '-'
// followed by digits without leading zeros (except "0" itself), nothing
// else, no overflow.
func parseStrictInt(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	neg := false
	p := s
	if p[0] == '-' {
		neg = true
		p = p[1:]
		if p == "" {
			return 0, false
		}
	}
	if p[0] < '1' || p[0] > '9' {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(p); i++ {
		d := p[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(d-'0') {
			return 0, false
		}
		v += uint64(d - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// parseCInt mimics strtoll(s, &end, base) followed by a check that the whole
// string was consumed: leading white space and a sign are allowed, an empty
// digit sequence yields 0 (as the C library does), and out-of-range values
// saturate. ok is false when characters are left over; overflow reports
// saturation.
func parseCInt(s string, base int) (v int64, ok, overflow bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var u uint64
	for ; i < len(s); i++ {
		d := int(s[i]) - '0'
		if d < 0 || d >= base || d > 9 {
			break
		}
		if u > (math.MaxUint64-uint64(d))/uint64(base) {
			overflow = true
			u = math.MaxUint64
			continue
		}
		u = u*uint64(base) + uint64(d)
	}
	if i == start {
		// No digits: strtoll returns 0 and leaves the end pointer at the
		// start of the string.
		return 0, len(s) == 0, false
	}
	if i != len(s) {
		return 0, false, false
	}
	switch {
	case neg && u > 1<<63:
		return math.MinInt64, true, true
	case neg:
		return -int64(u), true, overflow
	case u > math.MaxInt64:
		return math.MaxInt64, true, true
	}
	return int64(u), true, overflow
}

// parseMemory accepts a memory size as Redis's memtoull does: digits
// followed by an optional unit b, k (1000), kb (1024), m, mb, g or gb, in any
// case. Quirks kept on purpose: an empty number ("" or "kb") is 0, a number
// too large for 64 bits saturates and the multiplication wraps around.
func parseMemory(s string) (uint64, bool) {
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	var v uint64
	for _, d := range s[:i] {
		n := uint64(d - '0')
		if v > (math.MaxUint64-n)/10 {
			v = math.MaxUint64
			break
		}
		v = v*10 + n
	}
	return v * mul, true
}

// formatMemory prints a byte count the way CONFIG REWRITE does, with the
// largest binary unit that divides it exactly.
func formatMemory(v uint64) string {
	const kb, mb, gb = 1024, 1024 * 1024, 1024 * 1024 * 1024
	switch {
	case v != 0 && v%gb == 0:
		return strconv.FormatUint(v/gb, 10) + "gb"
	case v != 0 && v%mb == 0:
		return strconv.FormatUint(v/mb, 10) + "mb"
	case v != 0 && v%kb == 0:
		return strconv.FormatUint(v/kb, 10) + "kb"
	}
	return strconv.FormatUint(v, 10)
}

// parseYesNo accepts yes or no in any case.
func parseYesNo(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "yes"):
		return true, true
	case strings.EqualFold(s, "no"):
		return false, true
	}
	return false, false
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// parseFloatStrict accepts a decimal floating point number with nothing
// around it (no blanks, no NaN), like Redis's string2d.
func parseFloatStrict(s string) (float64, bool) {
	if s == "" || isCSpace(s[0]) {
		return 0, false
	}
	t := s
	// strtod reads hexadecimal without a binary exponent ("0x10"); Go
	// wants one.
	if u := strings.TrimLeft(t, "+-"); len(u) > 2 && (u[:2] == "0x" || u[:2] == "0X") && !strings.ContainsAny(u, "pP") {
		t += "p0"
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// formatPercentile prints a float with at most six decimals and without
// trailing zeros: 99.9, 50, 99.99999.
func formatPercentile(f float64) string {
	s := strconv.FormatFloat(f, 'f', 6, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// Quote renders s as a double-quoted argument that SplitArgs reads back
// unchanged, as Redis's sdscatrepr does: backslash, double quote and
// control characters are escaped, other non-printable bytes become \xHH.
// CONFIG REWRITE and the AOF manifest use it.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c >= 0x20 && c <= 0x7e {
				b.WriteByte(c)
			} else {
				const hex = "0123456789abcdef"
				b.WriteString(`\x`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// quoteIfNeeded leaves plain words alone and quotes anything SplitArgs would
// not read back as one identical argument. Redis writes bind addresses and
// the replicaof host unquoted; we do too unless that would change them.
func quoteIfNeeded(s string) string {
	if s == "" {
		return Quote(s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\' {
			return Quote(s)
		}
	}
	return s
}

// ---------------------------------------------------------------------------
// Enumerations

// enumItem is one accepted word of an enum directive. Several words may map
// to the same value; the first one listed is the one reported.
type enumItem struct {
	name string
	val  int
}

func enumNames(items []enumItem) string {
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.name
	}
	return strings.Join(names, ", ")
}

// enumValue maps words to a value. With bitflags every word contributes its
// bits; otherwise exactly one word is expected.
func enumValue(items []enumItem, args []string, bitflags bool) (int, bool) {
	if len(args) == 0 || (!bitflags && len(args) != 1) {
		return 0, false
	}
	v := 0
	for _, a := range args {
		found := false
		for _, it := range items {
			if strings.EqualFold(a, it.name) {
				v |= it.val
				found = true
			}
		}
		if !found {
			return 0, false
		}
	}
	return v, true
}

// enumName is the reverse of enumValue: the first word with exactly that
// value, or for bitflags the words whose bits make up the value.
func enumName(items []enumItem, v int, bitflags bool) string {
	var names []string
	rest := v
	for _, it := range items {
		if it.val == v {
			return it.name
		}
		if bitflags && it.val != 0 && rest&it.val == it.val {
			names = append(names, it.name)
			rest &^= it.val
		}
	}
	if len(names) == 0 || rest != 0 {
		return "unknown"
	}
	return strings.Join(names, " ")
}
