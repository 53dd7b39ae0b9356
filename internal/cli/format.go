// Package cli is `autobot-redis cli`, a redis-cli compatible client: the
// same flags and forms the AutoBot runbooks use (-h -p -n -a --user --tls
// --cacert -u -3, one-shot commands, a REPL with history, --rdb, MONITOR,
// --scan --pattern), and the same output: redis-cli's human format on a
// terminal and its raw format when piped, so scripts written against
// redis-cli keep working.
package cli

import (
	"strconv"
	"strings"

	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// formatTTY renders a reply the way redis-cli does for a terminal:
// quoted strings, "(integer) 1", numbered nested lists.
func formatTTY(r resp.Reply, prefix string) string {
	var b strings.Builder
	writeTTY(&b, r, prefix)
	return b.String()
}

func writeTTY(b *strings.Builder, r resp.Reply, prefix string) {
	switch r.Kind {
	case resp.KindError, resp.KindBlobError:
		b.WriteString("(error) ")
		b.Write(r.Str)
		b.WriteByte('\n')
	case resp.KindStatus:
		b.Write(r.Str)
		b.WriteByte('\n')
	case resp.KindInt:
		b.WriteString("(integer) " + strconv.FormatInt(r.Int, 10) + "\n")
	case resp.KindDouble:
		b.WriteString("(double) ")
		b.Write(r.Str)
		b.WriteByte('\n')
	case resp.KindBigNumber:
		b.WriteString("(big number) ")
		b.Write(r.Str)
		b.WriteByte('\n')
	case resp.KindBulk:
		b.Write(quote(r.Str))
		b.WriteByte('\n')
	case resp.KindVerbatim:
		b.Write(r.Str)
		b.WriteByte('\n')
	case resp.KindNull:
		b.WriteString("(nil)\n")
	case resp.KindBool:
		if r.Int != 0 {
			b.WriteString("(true)\n")
		} else {
			b.WriteString("(false)\n")
		}
	case resp.KindArray, resp.KindMap, resp.KindSet, resp.KindPush:
		writeAggregateTTY(b, r, prefix)
	}
}

func writeAggregateTTY(b *strings.Builder, r resp.Reply, prefix string) {
	if len(r.Elems) == 0 {
		switch r.Kind {
		case resp.KindMap:
			b.WriteString("(empty hash)\n")
		case resp.KindSet:
			b.WriteString("(empty set)\n")
		case resp.KindPush:
			b.WriteString("(empty push)\n")
		default:
			b.WriteString("(empty array)\n")
		}
		return
	}
	count := len(r.Elems)
	if r.Kind == resp.KindMap {
		count /= 2
	}
	width := len(strconv.Itoa(count))
	// Nested entries line up under the parent's text.
	inner := prefix + strings.Repeat(" ", width+2)
	sep := ")"
	switch r.Kind {
	case resp.KindSet:
		sep = "~"
	case resp.KindMap:
		sep = "#"
	}
	for i := 0; i < len(r.Elems); i++ {
		idx := i + 1
		if r.Kind == resp.KindMap {
			idx = i/2 + 1
		}
		if i > 0 {
			b.WriteString(prefix)
		}
		num := strconv.Itoa(idx)
		b.WriteString(strings.Repeat(" ", width-len(num)) + num + sep + " ")
		if r.Kind == resp.KindMap {
			// The key's newline gives way to " => value".
			b.WriteString(strings.TrimSuffix(formatTTY(r.Elems[i], inner), "\n"))
			b.WriteString(" => ")
			i++
		}
		writeTTY(b, r.Elems[i], inner)
	}
}

// formatRaw renders a reply the way redis-cli does when its output is not
// a terminal: bare strings and numbers, one element per line.
func formatRaw(r resp.Reply) string {
	var b strings.Builder
	writeRaw(&b, r)
	return b.String()
}

func writeRaw(b *strings.Builder, r resp.Reply) {
	switch r.Kind {
	case resp.KindNull:
	case resp.KindError, resp.KindBlobError:
		b.Write(r.Str)
		b.WriteByte('\n')
	case resp.KindStatus, resp.KindBulk, resp.KindVerbatim, resp.KindDouble, resp.KindBigNumber:
		b.Write(r.Str)
	case resp.KindBool:
		if r.Int != 0 {
			b.WriteString("(true)")
		} else {
			b.WriteString("(false)")
		}
	case resp.KindInt:
		b.WriteString(strconv.FormatInt(r.Int, 10))
	case resp.KindArray, resp.KindSet, resp.KindPush:
		for i, e := range r.Elems {
			if i > 0 {
				b.WriteByte('\n')
			}
			writeRaw(b, e)
		}
	case resp.KindMap:
		for i := 0; i+1 < len(r.Elems); i += 2 {
			if i > 0 {
				b.WriteByte('\n')
			}
			writeRaw(b, r.Elems[i])
			b.WriteByte(' ')
			writeRaw(b, r.Elems[i+1])
		}
	}
}

// quote is redis-cli's sdscatrepr: a double-quoted string with \n \r \t
// \a \b \\ \" escapes and \xHH for other unprintable bytes.
func quote(s []byte) []byte {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, len(s)+2)
	out = append(out, '"')
	for _, c := range s {
		switch c {
		case '\\', '"':
			out = append(out, '\\', c)
		case '\n':
			out = append(out, '\\', 'n')
		case '\r':
			out = append(out, '\\', 'r')
		case '\t':
			out = append(out, '\\', 't')
		case '\a':
			out = append(out, '\\', 'a')
		case '\b':
			out = append(out, '\\', 'b')
		default:
			if c >= 0x20 && c < 0x7f {
				out = append(out, c)
			} else {
				out = append(out, '\\', 'x', hex[c>>4], hex[c&0xf])
			}
		}
	}
	return append(out, '"')
}
