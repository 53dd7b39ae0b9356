package resp

import "errors"

// MaxInlineSize bounds an inline request line and the header line of a
// multibulk request or bulk (Redis's PROTO_INLINE_MAX_SIZE). A client that
// sends more than this without a line end is cut off instead of making the
// server buffer forever.
const MaxInlineSize = 64 * 1024

// Limits that apply to a client that still has to authenticate. They keep
// an anonymous peer from making the server allocate much at all.
const (
	unauthMaxMultibulk = 10
	unauthMaxBulk      = 16384
)

// maxMultibulk mirrors Redis's INT_MAX bound on the announced element
// count. The count never drives an allocation (arguments are appended as
// they arrive), so the real bound is the query buffer limit.
const maxMultibulk = 1<<31 - 1

// ProtocolError is a malformed request. Its text is what Redis puts after
// "ERR " in the reply; the connection is closed once the reply is written.
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return "Protocol error: " + e.Msg }

// ErrUnbalancedQuotes is returned by SplitArgs for an unterminated quote or
// a closing quote followed by something other than white space.
var ErrUnbalancedQuotes = errors.New("unbalanced quotes")

// Limits configures the parser for one client.
type Limits struct {
	// MaxBulkLen is proto-max-bulk-len; zero means 512 MB.
	MaxBulkLen int64
	// Unauthenticated applies Redis's small limits for clients that have
	// not passed AUTH yet while a password is required.
	Unauthenticated bool
}

// Parse reads one command from the start of buf.
//
// It appends the arguments to dst and returns the extended slice, and the
// number of bytes consumed. Bulk arguments alias buf: they stay valid only
// as long as the caller leaves those bytes alone, so anything kept beyond
// the command must be copied.
//
// When buf does not hold a complete command, Parse returns n == 0 and a nil
// error; need is then the total number of bytes the command is known to
// require (0 when unknown), so the caller can grow its buffer once.
//
// A consumed request without arguments (an empty inline line, "*0") yields
// n > 0 and no new arguments; the caller just skips it.
func Parse(buf []byte, dst [][]byte, lim Limits) (args [][]byte, n, need int, err error) {
	if len(buf) == 0 {
		return dst, 0, 0, nil
	}
	if buf[0] == '*' {
		return parseMultibulk(buf, dst, lim)
	}
	return parseInline(buf, dst)
}

// findByte is strchr on a buffer: like Redis's C string search it stops at
// a NUL byte, which matters for how binary garbage is classified.
func findByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
		if x == 0 {
			return -1
		}
	}
	return -1
}

func parseMultibulk(buf []byte, dst [][]byte, lim Limits) ([][]byte, int, int, error) {
	cr := findByte(buf, '\r')
	if cr < 0 {
		if len(buf) > MaxInlineSize {
			return dst, 0, 0, &ProtocolError{"too big mbulk count string"}
		}
		return dst, 0, 0, nil
	}
	if cr > len(buf)-2 { // the "\n" has not arrived yet
		return dst, 0, 0, nil
	}
	count, ok := ParseInt(buf[1:cr])
	if !ok || count > maxMultibulk {
		return dst, 0, 0, &ProtocolError{"invalid multibulk length"}
	}
	if count > unauthMaxMultibulk && lim.Unauthenticated {
		return dst, 0, 0, &ProtocolError{"unauthenticated multibulk length"}
	}
	pos := cr + 2 // Redis skips the two bytes without checking them
	if count <= 0 {
		return dst, pos, 0, nil
	}
	maxBulk := lim.MaxBulkLen
	if maxBulk <= 0 {
		maxBulk = 512 << 20
	}
	start := len(dst)
	for i := int64(0); i < count; i++ {
		rest := buf[pos:]
		cr := findByte(rest, '\r')
		if cr < 0 {
			if len(rest) > MaxInlineSize {
				return dst[:start], 0, 0, &ProtocolError{"too big bulk count string"}
			}
			return dst[:start], 0, 0, nil
		}
		if cr > len(rest)-2 {
			return dst[:start], 0, 0, nil
		}
		if rest[0] != '$' {
			return dst[:start], 0, 0, &ProtocolError{"expected '$', got '" + string(rest[0]) + "'"}
		}
		blen, ok := ParseInt(rest[1:cr])
		if !ok || blen < 0 || blen > maxBulk {
			return dst[:start], 0, 0, &ProtocolError{"invalid bulk length"}
		}
		if blen > unauthMaxBulk && lim.Unauthenticated {
			return dst[:start], 0, 0, &ProtocolError{"unauthenticated bulk length"}
		}
		body := pos + cr + 2
		end := body + int(blen) + 2
		if end > len(buf) {
			// Tell the caller how much the whole command needs so far; the
			// remaining arguments will need more, but this lets a large
			// value arrive into a buffer grown once.
			return dst[:start], 0, end, nil
		}
		dst = append(dst, buf[body:body+int(blen):body+int(blen)])
		pos = end
	}
	return dst, pos, 0, nil
}

func parseInline(buf []byte, dst [][]byte) ([][]byte, int, int, error) {
	nl := findByte(buf, '\n')
	if nl < 0 {
		if len(buf) > MaxInlineSize {
			return dst, 0, 0, &ProtocolError{"too big inline request"}
		}
		return dst, 0, 0, nil
	}
	line := buf[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	out, err := SplitArgs(line, dst)
	if err != nil {
		return dst, 0, 0, &ProtocolError{"unbalanced quotes in request"}
	}
	return out, nl + 1, 0, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// SplitArgs splits a line into arguments with the quoting rules Redis uses
// for inline commands, redis.conf lines and redis-cli input: white space
// separates words; "double quotes" understand \n \r \t \b \a \xHH and \<c>;
// 'single quotes' understand only \'; a closing quote must be followed by
// white space or the end of the line. Arguments are appended to dst and
// always freshly allocated (escapes change the bytes).
func SplitArgs(line []byte, dst [][]byte) ([][]byte, error) {
	p := 0
	start := len(dst)
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p >= len(line) || line[p] == 0 {
			return dst, nil
		}
		var cur []byte
		inDouble, inSingle, done := false, false, false
		for !done {
			var c byte
			if p < len(line) {
				c = line[p]
			}
			switch {
			case inDouble:
				switch {
				case p >= len(line):
					return dst[:start], ErrUnbalancedQuotes
				case c == '\\' && p+3 < len(line) && line[p+1] == 'x' && isHex(line[p+2]) && isHex(line[p+3]):
					cur = append(cur, hexVal(line[p+2])<<4|hexVal(line[p+3]))
					p += 3
				case c == '\\' && p+1 < len(line):
					p++
					switch line[p] {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, line[p])
					}
				case c == '"':
					if p+1 < len(line) && !isSpace(line[p+1]) {
						return dst[:start], ErrUnbalancedQuotes
					}
					done = true
				default:
					cur = append(cur, c)
				}
			case inSingle:
				switch {
				case p >= len(line):
					return dst[:start], ErrUnbalancedQuotes
				case c == '\\' && p+1 < len(line) && line[p+1] == '\'':
					cur = append(cur, '\'')
					p++
				case c == '\'':
					if p+1 < len(line) && !isSpace(line[p+1]) {
						return dst[:start], ErrUnbalancedQuotes
					}
					done = true
				default:
					cur = append(cur, c)
				}
			default:
				switch {
				case p >= len(line), c == ' ', c == '\n', c == '\r', c == '\t', c == 0:
					done = true
				case c == '"':
					inDouble = true
				case c == '\'':
					inSingle = true
				default:
					cur = append(cur, c)
				}
			}
			if p < len(line) {
				p++
			}
		}
		if cur == nil {
			cur = []byte{}
		}
		dst = append(dst, cur)
	}
}

// ParseInt parses a decimal integer with the strictness of Redis's
// string2ll: an optional '-', no '+', no leading zeros, no spaces, and
// nothing outside the int64 range.
func ParseInt(b []byte) (int64, bool) {
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

// EqualFold reports whether b equals the lower-case ASCII word s, ignoring
// case, without allocating. Command and option names are matched with it.
func EqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// Lower appends the ASCII lower-case form of b to dst.
func Lower(dst, b []byte) []byte {
	for _, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
