package config

// Reading redis.conf files and redis-server style command lines.
//
// The format is line based. Each line is trimmed of blanks; empty lines and
// lines starting with '#' are ignored (a '#' later on a line is NOT a
// comment, it becomes an argument, exactly as in Redis). The rest is split
// into arguments by SplitArgs. The first argument names the directive, in
// any case. Later directives override earlier ones, with the exceptions that
// Redis also makes: "save" lines accumulate (the first one read replaces the
// built-in defaults, `save ""` clears the list) and client-output-buffer-limit
// lines each set one client class.
//
// Relative paths in "include" and "dir" are taken relative to the working
// directory of the process, as redis-server does (we never chdir, so unlike
// Redis a preceding "dir" does not move where later includes are found).

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ParseError describes a configuration line that stopped loading. It carries
// what redis-server prints in its "*** FATAL CONFIG FILE ERROR ***" report:
// where (file and line), the offending line, and why.
type ParseError struct {
	File   string // config file name, or "(command line)" for --options
	Line   int    // 1-based line number; for the command line the option number; 0 if not tied to a line
	Text   string // the offending line, trimmed
	Reason string // e.g. "unknown directive 'fooo'" or "argument must be a memory value"
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Reason)
	}
	return fmt.Sprintf("%s:%d: %s ('%s')", e.File, e.Line, e.Reason, e.Text)
}

// CommandLine is the File of a ParseError raised by a --option.
const CommandLine = "(command line)"

// maxIncludeDepth bounds nested includes so that a file including itself
// fails cleanly instead of recursing forever.
const maxIncludeDepth = 16

// SplitArgs splits a line into arguments the way redis-server does:
// arguments are separated by blanks; "double quoted" arguments understand
// the escapes \n \r \t \b \a \\ \" and \xHH (any other escaped character
// stands for itself); 'single quoted' arguments only understand \'. A closing
// quote must be followed by a blank or the end of the line. An error is
// returned for an unterminated quote or a quote followed by another
// character. A NUL byte ends the line, as it does for the C implementation.
func SplitArgs(line string) ([]string, error) {
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	var args []string
	p := 0
	n := len(line)
	at := func(i int) byte {
		if i < n {
			return line[i]
		}
		return 0
	}
	for {
		for p < n && isCSpace(line[p]) {
			p++
		}
		if p >= n {
			return args, nil
		}
		var cur []byte
		inDouble, inSingle := false, false
		for done := false; !done; {
			c := at(p)
			switch {
			case inDouble:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					cur = append(cur, unhex(at(p+2))<<4|unhex(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					switch e := line[p]; e {
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
						cur = append(cur, e)
					}
				case c == '"':
					if nx := at(p + 1); nx != 0 && !isCSpace(nx) {
						return nil, errUnbalanced
					}
					done = true
				case c == 0:
					return nil, errUnbalanced
				default:
					cur = append(cur, c)
				}
			case inSingle:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'':
					if nx := at(p + 1); nx != 0 && !isCSpace(nx) {
						return nil, errUnbalanced
					}
					done = true
				case c == 0:
					return nil, errUnbalanced
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDouble = true
				case '\'':
					inSingle = true
				default:
					cur = append(cur, c)
				}
			}
			if p < n {
				p++
			}
		}
		args = append(args, string(cur))
	}
}

var errUnbalanced = errors.New("Unbalanced quotes in configuration line")

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// Load builds a Config from defaults, then the file at path (skipped when
// path is ""), then the command-line options args (redis-server syntax:
// "--port", "7000", "--save", "", "--bind", "127.0.0.1", "::1", ...). The
// file's absolute path is remembered for Rewrite.
func Load(path string, args []string) (*Config, error) {
	c := Default()
	l := &loader{c: c}
	if path != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		if err := l.loadFile(path, 0); err != nil {
			return nil, err
		}
		c.meta.file = abs
	}
	lines, err := commandLineOptions(args, path == "")
	if err != nil {
		return nil, err
	}
	for i, line := range lines {
		if err := l.line(line, CommandLine, i+1, 0); err != nil {
			return nil, err
		}
	}
	if err := l.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadArgs takes the arguments of redis-server (without the program name):
// an optional config file first (any first argument not starting with '-'),
// then --options. `serve config/redis.conf --port 7000` becomes
// LoadArgs([]string{"config/redis.conf", "--port", "7000"}).
func LoadArgs(argv []string) (*Config, error) {
	if len(argv) > 0 && !strings.HasPrefix(argv[0], "-") {
		return Load(argv[0], argv[1:])
	}
	return Load("", argv)
}

// Parse reads configuration text from r on top of the defaults. name is
// used in error messages. Includes are resolved against the process working
// directory. The result has no file to rewrite.
func Parse(r io.Reader, name string) (*Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	c := Default()
	l := &loader{c: c}
	if err := l.text(string(data), name, 0); err != nil {
		return nil, err
	}
	if err := l.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

// commandLineOptions turns --options into config lines the way redis-server
// does: each argument starting with "--" begins a new line with the option
// name; every other argument is appended quoted. An option name given
// without any value takes the next argument as its value even when that
// starts with "--" (so --requirepass --x works); a bare "--save" is an
// empty save list.
func commandLineOptions(args []string, noFile bool) ([]string, error) {
	var lines []string
	var cur strings.Builder
	started := false
	flush := func() {
		if started {
			lines = append(lines, cur.String())
		}
		cur.Reset()
		started = false
	}
	handled := true
	for j, a := range args {
		if a == "-" && (j == len(args)-1 || (j == 0 && noFile)) {
			return nil, &ParseError{File: CommandLine, Reason: "reading the configuration from standard input is not supported"}
		}
		if handled && strings.HasPrefix(a, "--") {
			flush()
			started = true
			cur.WriteString(a[2:])
			cur.WriteByte(' ')
			toks, err := SplitArgs(a)
			if err == nil && len(toks) == 1 {
				handled = false
				next := j+1 < len(args) && strings.HasPrefix(args[j+1], "--")
				last := j == len(args)-1
				switch {
				case strings.EqualFold(a, "--save") && next:
					cur.WriteString(`""`)
					handled = true
				case strings.EqualFold(a, "--save") && last:
					cur.WriteString(`""`)
				case strings.EqualFold(a, "--sentinel") && next:
					handled = true
				}
			} else {
				handled = true
			}
			continue
		}
		started = true
		cur.WriteString(Quote(a))
		cur.WriteByte(' ')
		handled = true
	}
	flush()
	return lines, nil
}

// loader carries the state of one Load: the config being filled and the
// "first save line replaces the defaults" flag.
type loader struct {
	c        *Config
	saveSeen bool
	// where replicaof was last set, for the cluster-mode check
	replFile, replText string
	replLine           int
}

func (l *loader) loadFile(path string, depth int) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("can't open config file '%s': %s", path, errnoText(err))
	}
	return l.text(string(data), path, depth)
}

func (l *loader) text(text, name string, depth int) error {
	for i, line := range strings.Split(text, "\n") {
		if err := l.line(line, name, i+1, depth); err != nil {
			return err
		}
	}
	return nil
}

// line handles one configuration line.
func (l *loader) line(raw, file string, lnum, depth int) error {
	text := strings.Trim(raw, " \t\r\n")
	if text == "" || text[0] == '#' {
		return nil
	}
	fail := func(reason string) error {
		return &ParseError{File: file, Line: lnum, Text: text, Reason: reason}
	}
	args, err := SplitArgs(text)
	if err != nil {
		return fail(err.Error())
	}
	if len(args) == 0 {
		return nil
	}
	name := strings.ToLower(args[0])
	c := l.c
	if d := lookup(name); d != nil {
		vals := args[1:]
		if d.flags&fMultiArg == 0 {
			if len(vals) != 1 {
				return fail("wrong number of arguments")
			}
		} else if len(vals) == 1 && vals[0] != "" {
			// A multi-value directive given as one argument, e.g.
			// --save "900 1 300 10": split it once more.
			sub, err := SplitArgs(vals[0])
			if err != nil {
				sub = nil
			}
			vals = sub
		}
		if err := d.set(c, vals, &setCtx{loading: true, saveSeen: &l.saveSeen}); err != nil {
			return fail(err.Error())
		}
		if d.name == "replicaof" {
			l.replFile, l.replLine, l.replText = file, lnum, text
		}
		return nil
	}
	n := len(args)
	switch {
	case name == "list-max-ziplist-entries" || name == "list-max-ziplist-value" ||
		name == "lua-replicate-commands":
		// Settings of older versions that Redis 7.0 still accepts and ignores.
		if n == 2 {
			return nil
		}
		return fail("wrong number of arguments")
	case name == "include":
		if n != 2 {
			return fail("wrong number of arguments")
		}
		if depth >= maxIncludeDepth {
			return fail("include nesting is too deep")
		}
		return l.include(args[1], depth+1, fail)
	case name == "rename-command":
		if n != 3 {
			return fail("wrong number of arguments")
		}
		c.RenameCommands = append(c.RenameCommands[:len(c.RenameCommands):len(c.RenameCommands)],
			RenameCommand{From: args[1], To: args[2]})
		return nil
	case name == "user":
		if n < 2 {
			return fail("wrong number of arguments")
		}
		c.Users = append(c.Users[:len(c.Users):len(c.Users)], append([]string(nil), args[1:]...))
		return nil
	case name == "loadmodule":
		if n < 2 {
			return fail("wrong number of arguments")
		}
		c.LoadModules = append(c.LoadModules[:len(c.LoadModules):len(c.LoadModules)], append([]string(nil), args[1:]...))
		return nil
	case strings.Contains(name, "."):
		if n < 2 {
			return fail("Module config specified without value")
		}
		if c.ModuleConfigs == nil {
			c.ModuleConfigs = map[string]string{}
		}
		c.ModuleConfigs[name] = strings.Join(args[1:], " ")
		return nil
	case name == "sentinel":
		if n == 1 {
			return nil
		}
		return fail("sentinel directive while not in sentinel mode")
	}
	return fail(fmt.Sprintf("unknown directive '%s'", args[0]))
}

// include loads one file, or every file matching a glob pattern (a pattern
// that matches nothing is not an error, so an empty conf.d is fine).
func (l *loader) include(path string, depth int, fail func(string) error) error {
	if strings.ContainsAny(path, "*?[") {
		matches, _ := filepath.Glob(path)
		for _, m := range matches {
			if err := l.loadFile(m, depth); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return fail(fmt.Sprintf("can't open config file '%s': %s", path, errnoText(err)))
	}
	return l.loadFile(path, depth)
}

// finish runs the checks Redis makes once every line is read.
func (l *loader) finish() error {
	c := l.c
	if c.ClusterEnabled && c.ReplicaOfHost != "" {
		return &ParseError{File: l.replFile, Line: l.replLine, Text: l.replText,
			Reason: "replicaof directive not allowed in cluster mode"}
	}
	return nil
}

// errnoText renders an OS error the way strerror does ("No such file or
// directory"), which is what Redis puts in its messages.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
