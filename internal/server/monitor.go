package server

import (
	"strconv"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
)

// MONITOR: every command from every client, in Redis's line format,
// appended to each monitor's output buffer under the lock (a slow monitor
// is bounded by the normal client-output-buffer-limit and never slows the
// client that ran the command).

func (s *Server) cmdMonitor(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	if c.flags&flagMonitor != 0 {
		ctx.W.OK()
		return
	}
	c.flags |= flagMonitor
	s.monitors = append(s.monitors, c)
	ctx.W.OK()
}

func (s *Server) removeMonitor(c *client) {
	for i, m := range s.monitors {
		if m == c {
			s.monitors = append(s.monitors[:i], s.monitors[i+1:]...)
			break
		}
	}
	c.flags &^= flagMonitor
}

// feedMonitors sends one command line: +<time> [<db> <addr>] "arg" ...
// origin is the client's address, or "lua" for commands run by scripts.
func (s *Server) feedMonitors(db int, origin string, args [][]byte, redact []int) {
	if len(s.monitors) == 0 {
		return
	}
	now := time.Now()
	line := make([]byte, 0, 64)
	line = append(line, '+')
	line = strconv.AppendInt(line, now.Unix(), 10)
	line = append(line, '.')
	usec := strconv.AppendInt(nil, int64(now.Nanosecond()/1000), 10)
	for i := len(usec); i < 6; i++ {
		line = append(line, '0')
	}
	line = append(line, usec...)
	line = append(line, " ["...)
	line = strconv.AppendInt(line, int64(db), 10)
	line = append(line, ' ')
	line = append(line, origin...)
	line = append(line, "]"...)
	for i, a := range args {
		line = append(line, ' ')
		if isRedacted(redact, i) {
			a = []byte(redactedArgument)
		}
		line = appendRepr(line, a)
	}
	line = append(line, '\r', '\n')
	for _, m := range s.monitors {
		m.out.Raw(line)
		s.checkOutputLimit(m, 0)
		m.signal()
	}
}

// appendRepr quotes b the way Redis's sdscatrepr does: printable bytes as
// they are, the usual escapes, and \xHH for the rest.
func appendRepr(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range b {
		switch c {
		case '\\', '"':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\a':
			dst = append(dst, '\\', 'a')
		case '\b':
			dst = append(dst, '\\', 'b')
		default:
			if c >= 0x20 && c < 0x7f {
				dst = append(dst, c)
			} else {
				dst = append(dst, '\\', 'x', hex[c>>4], hex[c&0xf])
			}
		}
	}
	return append(dst, '"')
}
