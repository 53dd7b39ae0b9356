package difftest

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// kind of a test line.
type kind int

const (
	kindCmd   kind = iota // send a command, read one reply, compare
	kindSend              // send a command, read nothing now (see kindRecv)
	kindRecv              // read the oldest pending reply of a !send
	kindPush              // read one out-of-band message (pub/sub, invalidation)
	kindRaw               // fresh connection, exact bytes, read until close
	kindClose             // close a named connection
	kindSleep             // pause
)

// step is one parsed line of a testdata file.
type step struct {
	file  string
	line  int
	text  string // the line as written, for messages
	kind  kind
	conn  string // connection name, "" for the main connection
	proto int    // 0: both passes, 2 or 3: only that pass

	// comparison modifiers
	sort   bool
	shape  bool // !type
	skip   bool
	scan   bool
	rng    *[2]int64
	masks  []*regexp.Regexp
	let    string
	sleep  int // milliseconds for kindSleep
	args   []string
	raw    []string // kindRaw: parts concatenated after variable expansion
	sendAt *step    // kindRecv: the !send whose reply is read
}

func (s *step) where() string { return fmt.Sprintf("%s:%d", s.file, s.line) }

// token is one argument of a line in redis-cli syntax.
type token struct {
	s      string
	quoted bool
}

// splitLine splits a line the way redis-cli does: whitespace separates
// arguments; "double quotes" understand \xHH, \n, \r, \t, \b, \a, \\ and \";
// 'single quotes' understand only \'. A quoted argument may be followed
// directly by *N to repeat it N times ("ab"*3 is ababab).
func splitLine(line string) ([]token, error) {
	var toks []token
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return toks, nil
		}
		var cur []byte
		quoted := false
		done := false
		for !done {
			if i >= len(line) {
				break
			}
			c := line[i]
			switch {
			case isSpace(c):
				done = true
			case c == '"':
				quoted = true
				i++
				closed := false
				for i < len(line) {
					c = line[i]
					if c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]) {
						n, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
						cur = append(cur, byte(n))
						i += 4
						continue
					}
					if c == '\\' && i+1 < len(line) {
						switch line[i+1] {
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
							cur = append(cur, line[i+1])
						}
						i += 2
						continue
					}
					if c == '"' {
						closed = true
						i++
						break
					}
					cur = append(cur, c)
					i++
				}
				if !closed {
					return nil, fmt.Errorf("unbalanced double quote")
				}
				if err := afterQuote(line, &i, &cur); err != nil {
					return nil, err
				}
				done = true
			case c == '\'':
				quoted = true
				i++
				closed := false
				for i < len(line) {
					c = line[i]
					if c == '\\' && i+1 < len(line) && line[i+1] == '\'' {
						cur = append(cur, '\'')
						i += 2
						continue
					}
					if c == '\'' {
						closed = true
						i++
						break
					}
					cur = append(cur, c)
					i++
				}
				if !closed {
					return nil, fmt.Errorf("unbalanced single quote")
				}
				if err := afterQuote(line, &i, &cur); err != nil {
					return nil, err
				}
				done = true
			default:
				cur = append(cur, c)
				i++
			}
		}
		toks = append(toks, token{s: string(cur), quoted: quoted})
	}
}

// afterQuote handles what may follow a closing quote: whitespace, end of
// line, or a repetition count *N.
func afterQuote(line string, i *int, cur *[]byte) error {
	if *i < len(line) && line[*i] == '*' {
		j := *i + 1
		for j < len(line) && line[j] >= '0' && line[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(line[*i+1 : j])
		if err != nil || n < 0 || n > 1<<28 {
			return fmt.Errorf("bad repetition count after quoted argument")
		}
		*cur = []byte(strings.Repeat(string(*cur), n))
		*i = j
	}
	if *i < len(line) && !isSpace(line[*i]) {
		return fmt.Errorf("closing quote must be followed by a space, *N or the end of the line")
	}
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

var (
	connNameRe = regexp.MustCompile(`^@[A-Za-z0-9_-]+$`)
	varNameRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	varRefRe   = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
)

// parseFile reads and parses a whole testdata file. Any syntax error is
// returned with its file:line.
func parseFile(path string) ([]*step, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseScript(path, string(data))
}

func parseScript(name, text string) ([]*step, error) {
	var steps []*step
	pending := map[string][]*step{} // connection -> !send steps awaiting !recv
	vars := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		s, err := parseStep(name, n, text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		for _, a := range append(append([]string(nil), s.args...), s.raw...) {
			for _, m := range varRefRe.FindAllStringSubmatch(a, -1) {
				if !vars[m[1]] {
					return nil, fmt.Errorf("%s:%d: variable ${%s} used before a !let defines it", name, n, m[1])
				}
			}
		}
		if s.let != "" {
			vars[s.let] = true
		}
		switch s.kind {
		case kindSend:
			pending[s.conn] = append(pending[s.conn], s)
		case kindRecv:
			q := pending[s.conn]
			if len(q) == 0 {
				return nil, fmt.Errorf("%s:%d: !recv without an earlier !send on this connection", name, n)
			}
			s.sendAt, pending[s.conn] = q[0], q[1:]
			if s.sendAt.proto != s.proto {
				return nil, fmt.Errorf("%s:%d: !recv and its !send (line %d) must have the same !resp2/!resp3 prefix", name, n, s.sendAt.line)
			}
		case kindPush:
			if len(pending[s.conn]) > 0 {
				return nil, fmt.Errorf("%s:%d: !push while replies of !send (line %d) are unread", name, n, pending[s.conn][0].line)
			}
		case kindCmd, kindClose:
			if len(pending[s.conn]) > 0 {
				return nil, fmt.Errorf("%s:%d: connection has replies of !send (line %d) not yet read with !recv", name, n, pending[s.conn][0].line)
			}
			if s.kind == kindClose {
				delete(pending, s.conn)
			}
		}
		steps = append(steps, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return steps, nil
}

func parseStep(file string, line int, text string) (*step, error) {
	toks, err := splitLine(text)
	if err != nil {
		return nil, err
	}
	s := &step{file: file, line: line, text: text, kind: kindCmd}
	need := func(i, n int, what string) error {
		if i+n >= len(toks) {
			return fmt.Errorf("%s needs %d argument(s)", what, n)
		}
		return nil
	}
	i := 0
prefixes:
	for ; i < len(toks); i++ {
		t := toks[i]
		if t.quoted {
			break
		}
		switch {
		case connNameRe.MatchString(t.s):
			if s.conn != "" {
				return nil, fmt.Errorf("more than one @connection")
			}
			s.conn = t.s[1:]
		case t.s == "!sort":
			s.sort = true
		case t.s == "!type":
			s.shape = true
		case t.s == "!skip":
			s.skip = true
		case t.s == "!scan":
			s.scan = true
		case t.s == "!resp2" || t.s == "!resp3":
			if s.proto != 0 {
				return nil, fmt.Errorf("more than one of !resp2, !resp3")
			}
			s.proto = int(t.s[5] - '0')
		case t.s == "!range":
			if err := need(i, 2, "!range"); err != nil {
				return nil, err
			}
			lo, err1 := strconv.ParseInt(toks[i+1].s, 10, 64)
			hi, err2 := strconv.ParseInt(toks[i+2].s, 10, 64)
			if err1 != nil || err2 != nil || lo > hi {
				return nil, fmt.Errorf("!range needs two integers LO <= HI")
			}
			s.rng = &[2]int64{lo, hi}
			i += 2
		case t.s == "!mask":
			if err := need(i, 1, "!mask"); err != nil {
				return nil, err
			}
			re, err := regexp.Compile(toks[i+1].s)
			if err != nil {
				return nil, fmt.Errorf("!mask: %v", err)
			}
			s.masks = append(s.masks, re)
			i++
		case t.s == "!let":
			if err := need(i, 1, "!let"); err != nil {
				return nil, err
			}
			if !varNameRe.MatchString(toks[i+1].s) {
				return nil, fmt.Errorf("!let: bad variable name %q", toks[i+1].s)
			}
			s.let = toks[i+1].s
			i++
		case t.s == "!send":
			s.kind = kindSend
			i++
			break prefixes
		case t.s == "!recv":
			s.kind = kindRecv
			i++
			break prefixes
		case t.s == "!push":
			s.kind = kindPush
			i++
			break prefixes
		case t.s == "!raw":
			s.kind = kindRaw
			i++
			break prefixes
		case t.s == "!close":
			s.kind = kindClose
			i++
			break prefixes
		case t.s == "!sleep":
			s.kind = kindSleep
			i++
			break prefixes
		case strings.HasPrefix(t.s, "!"):
			return nil, fmt.Errorf("unknown directive %s", t.s)
		default:
			break prefixes
		}
	}
	rest := toks[i:]
	words := make([]string, len(rest))
	for j, t := range rest {
		words[j] = t.s
	}
	modified := s.sort || s.shape || s.skip || s.scan || s.rng != nil || len(s.masks) > 0 || s.let != ""
	switch s.kind {
	case kindCmd, kindSend:
		if len(words) == 0 {
			return nil, fmt.Errorf("missing command")
		}
		s.args = words
		if s.scan {
			if _, ok := scanCursorIndex(words); !ok {
				return nil, fmt.Errorf("!scan needs SCAN, SSCAN, HSCAN or ZSCAN with a cursor")
			}
		}
	case kindRecv, kindClose, kindPush:
		if len(words) != 0 {
			return nil, fmt.Errorf("unexpected arguments after directive")
		}
		if s.kind == kindClose && (modified || s.conn == "") {
			return nil, fmt.Errorf("!close takes only an @connection")
		}
		if s.kind == kindRecv && s.scan {
			return nil, fmt.Errorf("!scan cannot be used with !recv")
		}
	case kindRaw:
		if len(words) == 0 {
			return nil, fmt.Errorf("!raw needs the bytes to send")
		}
		if s.conn != "" || s.scan || s.let != "" || s.sort || s.shape || s.rng != nil || len(s.masks) > 0 {
			return nil, fmt.Errorf("!raw uses its own connection and compares bytes: only !skip, !resp2 and !resp3 may precede it")
		}
		s.raw = words
	case kindSleep:
		if len(words) != 1 || modified || s.conn != "" {
			return nil, fmt.Errorf("!sleep takes only a number of milliseconds")
		}
		ms, err := strconv.Atoi(words[0])
		if err != nil || ms < 0 || ms > 5000 {
			return nil, fmt.Errorf("!sleep needs milliseconds between 0 and 5000")
		}
		s.sleep = ms
	}
	if s.kind == kindSend && (modified) {
		return nil, fmt.Errorf("put comparison modifiers on the !recv line, not on !send")
	}
	return s, nil
}

// scanCursorIndex returns where the cursor argument of a SCAN-family
// command is.
func scanCursorIndex(args []string) (int, bool) {
	switch strings.ToUpper(args[0]) {
	case "SCAN":
		return 1, len(args) > 1
	case "SSCAN", "HSCAN", "ZSCAN":
		return 2, len(args) > 2
	}
	return 0, false
}
