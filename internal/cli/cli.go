package cli

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// Options are the redis-cli flags we support.
type Options struct {
	Host, Socket       string
	Port               int
	User, Password     string
	DB                 int
	RESP3              bool
	TLS, Insecure      bool
	CACert, CACertDir  string
	Cert, Key, SNI     string
	Raw, NoRaw         bool
	Repeat             int64
	Interval           time.Duration
	StdinLast          bool
	Scan               bool
	Pattern            string
	Count              int
	RDB                string
	Args               []string
	passwordFromURI    bool
	passwordOnCmdLine  bool
	historyFile        string
	interactiveAllowed bool
}

// Env is what Main talks to, so tests can drive it without a terminal.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// StdinTTY and StdoutTTY tell whether they are terminals: they select
	// the REPL and redis-cli's human output format.
	StdinTTY, StdoutTTY bool
}

const usage = `Usage: autobot-redis cli [OPTIONS] [cmd [arg [arg ...]]]
  -h <hostname>      Server hostname (default: 127.0.0.1).
  -p <port>          Server port (default: 6379).
  -s <socket>        Server socket (overrides hostname and port).
  -a <password>      Password to use when connecting to the server.
                     REDISCLI_AUTH in the environment is safer.
  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.
  --pass <password>  Alias of -a.
  -u <uri>           Server URI: redis://user:password@host:port/db (rediss:// for TLS).
  -n <db>            Database number.
  -2 / -3            Start the session in RESP2 (default) / RESP3 protocol mode.
  -r <repeat>        Execute specified command N times (-1: forever).
  -i <interval>      When -r is used, waits <interval> seconds per command.
  -x                 Read last argument from STDIN.
  --raw              Use raw formatting for replies (default when STDOUT is not a tty).
  --no-raw           Force formatted output even when STDOUT is not a tty.
  --tls              Establish a secure TLS connection.
  --sni <host>       Server name indication for TLS.
  --cacert <file>    CA Certificate file to verify with.
  --cacertdir <dir>  Directory where trusted CA certificates are stored.
  --insecure         Allow insecure TLS connection by skipping cert validation.
  --cert <file>      Client certificate to authenticate with.
  --key <file>       Private key file to authenticate with.
  --scan             List all keys using the SCAN command.
  --pattern <pat>    Keys pattern when using the --scan option.
  --count <count>    Count option when using the --scan option (default: 10).
  --rdb <filename>   Transfer an RDB dump from remote server to local file.
  --help             Output this help and exit.
`

// Main runs the cli and returns its exit code.
func Main(args []string, env Env) int {
	o, err := parseArgs(args)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return 1
	}
	if o == nil {
		fmt.Fprint(env.Stdout, usage)
		return 0
	}
	if o.passwordOnCmdLine {
		fmt.Fprintln(env.Stderr, "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.")
	}
	if o.Password == "" {
		o.Password = os.Getenv("REDISCLI_AUTH")
	}
	tty := env.StdoutTTY && !o.Raw || o.NoRaw
	switch {
	case o.RDB != "":
		return runRDB(o, env)
	case o.Scan:
		return runScan(o, env)
	}
	c, err := connect(o, env)
	if err != nil {
		fmt.Fprintln(env.Stdout, err)
		return 1
	}
	defer c.close()
	if len(o.Args) == 0 {
		if env.StdinTTY {
			return repl(o, c, env)
		}
		return runLines(o, c, env, tty)
	}
	if o.StdinLast {
		data, err := io.ReadAll(env.Stdin)
		if err != nil {
			fmt.Fprintln(env.Stderr, err)
			return 1
		}
		o.Args = append(o.Args, string(data))
	}
	for i := int64(0); o.Repeat < 0 || i < max(o.Repeat, 1); i++ {
		if err := runCommand(c, o.Args, env, tty); err != nil {
			fmt.Fprintln(env.Stderr, err)
			return 1
		}
		if o.Interval > 0 {
			time.Sleep(o.Interval)
		}
	}
	return 0
}

func parseArgs(args []string) (*Options, error) {
	o := &Options{Host: "127.0.0.1", Port: 6379, Count: 10}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			o.Args = args[i:]
			break
		}
		more := i+1 < len(args)
		next := func() string { i++; return args[i] }
		switch {
		case a == "--help":
			return nil, nil
		case a == "-h" && more:
			o.Host = next()
		case a == "-p" && more:
			p, err := strconv.Atoi(next())
			if err != nil {
				return nil, fmt.Errorf("Invalid port %q", args[i])
			}
			o.Port = p
		case a == "-s" && more:
			o.Socket = next()
		case (a == "-a" || a == "--pass") && more:
			o.Password = next()
			o.passwordOnCmdLine = true
		case a == "--user" && more:
			o.User = next()
		case a == "-u" && more:
			if err := o.applyURI(next()); err != nil {
				return nil, err
			}
		case a == "-n" && more:
			n, err := strconv.Atoi(next())
			if err != nil {
				return nil, fmt.Errorf("Invalid database number %q", args[i])
			}
			o.DB = n
		case a == "-2":
			o.RESP3 = false
		case a == "-3":
			o.RESP3 = true
		case a == "-r" && more:
			n, err := strconv.ParseInt(next(), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("Invalid repeat count %q", args[i])
			}
			o.Repeat = n
		case a == "-i" && more:
			f, err := strconv.ParseFloat(next(), 64)
			if err != nil {
				return nil, fmt.Errorf("Invalid interval %q", args[i])
			}
			o.Interval = time.Duration(f * float64(time.Second))
		case a == "-x":
			o.StdinLast = true
		case a == "--raw":
			o.Raw = true
		case a == "--no-raw":
			o.NoRaw = true
		case a == "--tls":
			o.TLS = true
		case a == "--insecure":
			o.Insecure = true
		case a == "--sni" && more:
			o.SNI = next()
		case a == "--cacert" && more:
			o.CACert = next()
		case a == "--cacertdir" && more:
			o.CACertDir = next()
		case a == "--cert" && more:
			o.Cert = next()
		case a == "--key" && more:
			o.Key = next()
		case a == "--scan":
			o.Scan = true
		case a == "--pattern" && more:
			o.Pattern = next()
		case a == "--count" && more:
			n, err := strconv.Atoi(next())
			if err != nil || n < 1 {
				return nil, fmt.Errorf("Invalid count %q", args[i])
			}
			o.Count = n
		case a == "--rdb" && more:
			o.RDB = next()
		default:
			return nil, fmt.Errorf("Unrecognized option or bad number of args for: '%s'", a)
		}
	}
	return o, nil
}

// applyURI reads redis://[[user]:[password]@]host[:port][/db]; rediss://
// turns TLS on.
func (o *Options) applyURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "redis" && u.Scheme != "rediss" {
		return fmt.Errorf("Invalid URI scheme in %q: expected redis:// or rediss://", s)
	}
	o.TLS = u.Scheme == "rediss"
	if h := u.Hostname(); h != "" {
		o.Host = h
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("Invalid port in URI %q", s)
		}
		o.Port = n
	}
	if u.User != nil {
		if name := u.User.Username(); name != "" {
			o.User = name
		}
		if pw, ok := u.User.Password(); ok {
			o.Password = pw
			o.passwordOnCmdLine = true
		}
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		n, err := strconv.Atoi(db)
		if err != nil {
			return fmt.Errorf("Invalid database number in URI %q", s)
		}
		o.DB = n
	}
	return nil
}

// connect dials and applies AUTH, HELLO 3 and SELECT like redis-cli.
func connect(o *Options, env Env) (*conn, error) {
	c, err := dial(o)
	if err != nil {
		where := o.Socket
		if where == "" {
			where = o.Host + ":" + strconv.Itoa(o.Port)
		}
		return nil, fmt.Errorf("Could not connect to Redis at %s: %s", where, errText(err))
	}
	if o.Password != "" {
		args := []string{"AUTH", o.Password}
		if o.User != "" {
			args = []string{"AUTH", o.User, o.Password}
		}
		r, err := c.do(args...)
		if err != nil {
			c.close()
			return nil, err
		}
		if r.IsError() {
			fmt.Fprintf(env.Stdout, "AUTH failed: %s\n", r.Str)
		}
	}
	if o.RESP3 {
		if r, err := c.do("HELLO", "3"); err != nil || r.IsError() {
			fmt.Fprintf(env.Stderr, "HELLO 3 failed: %s\n", r.Str)
		}
	}
	if o.DB != 0 {
		r, err := c.do("SELECT", strconv.Itoa(o.DB))
		if err != nil {
			c.close()
			return nil, err
		}
		if r.IsError() {
			fmt.Fprintf(env.Stderr, "Error: %s\n", r.Str)
		}
	}
	return c, nil
}

// errText shortens net errors to what redis-cli prints ("Connection refused").
func errText(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	if s == "connect: connection refused" || s == "connection refused" {
		return "Connection refused"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// runCommand sends one command and prints the reply; MONITOR and the
// SUBSCRIBE family then keep printing what arrives.
func runCommand(c *conn, args []string, env Env, tty bool) error {
	r, err := c.do(args...)
	if err != nil {
		return err
	}
	printReply(env, r, tty)
	name := strings.ToLower(args[0])
	streaming := name == "monitor" || name == "subscribe" || name == "psubscribe" || name == "ssubscribe"
	if !streaming || r.IsError() {
		return nil
	}
	if tty && name != "monitor" {
		fmt.Fprintln(env.Stdout, "Reading messages... (press Ctrl-C to quit)")
	}
	for {
		r, err := c.read()
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		printReply(env, r, tty)
	}
}

func printReply(env Env, r resp.Reply, tty bool) {
	if tty {
		io.WriteString(env.Stdout, formatTTY(r, ""))
		return
	}
	io.WriteString(env.Stdout, formatRaw(r)+"\n")
}

// runLines executes commands read from a non-interactive stdin, one per
// line, with redis-cli's quoting rules.
func runLines(o *Options, c *conn, env Env, tty bool) int {
	sc := bufio.NewScanner(env.Stdin)
	sc.Buffer(make([]byte, 64<<10), 512<<20)
	for sc.Scan() {
		args, err := resp.SplitArgs(sc.Bytes(), nil)
		if err != nil {
			fmt.Fprintln(env.Stdout, "Invalid argument(s)")
			continue
		}
		if len(args) == 0 {
			continue
		}
		strs := make([]string, len(args))
		for i, a := range args {
			strs[i] = string(a)
		}
		if err := runCommand(c, strs, env, tty); err != nil {
			fmt.Fprintln(env.Stderr, err)
			return 1
		}
	}
	return 0
}

// runScan lists keys with SCAN, one per line (--scan [--pattern P]).
func runScan(o *Options, env Env) int {
	c, err := connect(o, env)
	if err != nil {
		fmt.Fprintln(env.Stdout, err)
		return 1
	}
	defer c.close()
	cursor := "0"
	for {
		args := []string{"SCAN", cursor, "COUNT", strconv.Itoa(o.Count)}
		if o.Pattern != "" {
			args = append(args, "MATCH", o.Pattern)
		}
		r, err := c.do(args...)
		if err != nil || r.IsError() || len(r.Elems) != 2 {
			fmt.Fprintf(env.Stderr, "I/O error: %v %s\n", err, r.Str)
			return 1
		}
		for _, k := range r.Elems[1].Elems {
			env.Stdout.Write(append(k.Str, '\n'))
		}
		cursor = string(r.Elems[0].Str)
		if cursor == "0" {
			return 0
		}
	}
}

// runRDB downloads a snapshot over the replication handshake, as
// redis-cli --rdb does.
func runRDB(o *Options, env Env) int {
	f, err := os.Create(o.RDB)
	if err != nil {
		fmt.Fprintf(env.Stderr, "Error opening '%s': %v\n", o.RDB, err)
		return 1
	}
	n, err := FetchRDB(o, env, f, func(size int64) {
		fmt.Fprintf(env.Stderr, "SYNC sent to master, writing %d bytes to '%s'\n", size, o.RDB)
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return 1
	}
	_ = n
	fmt.Fprintln(env.Stderr, "Transfer finished with success.")
	return 0
}

// FetchRDB asks the server for a full snapshot through the replication
// handshake (REPLCONF rdb-only 1, then SYNC) and copies the RDB payload to
// dst. started, when not nil, is told the size before the transfer.
func FetchRDB(o *Options, env Env, dst io.Writer, started func(size int64)) (int64, error) {
	c, err := connect(o, env)
	if err != nil {
		return 0, err
	}
	defer c.close()
	if _, err := c.do("REPLCONF", "rdb-only", "1"); err != nil {
		return 0, err
	}
	if err := c.send([]string{"SYNC"}); err != nil {
		return 0, err
	}
	// The master may send newlines as keep-alives while it prepares.
	var line string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			return 0, fmt.Errorf("Error reading RDB payload: %w", err)
		}
		if l = strings.TrimRight(l, "\r\n"); l != "" {
			line = l
			break
		}
	}
	if strings.HasPrefix(line, "-") {
		return 0, fmt.Errorf("SYNC with master failed: %s", line[1:])
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(line, "$"), 10, 64)
	if !strings.HasPrefix(line, "$") || err != nil || n < 0 {
		return 0, fmt.Errorf("Bad protocol from master: %q", line)
	}
	if started != nil {
		started(n)
	}
	if _, err := io.CopyN(dst, c.r, n); err != nil {
		return 0, fmt.Errorf("Error reading RDB payload: %w", err)
	}
	return n, nil
}
