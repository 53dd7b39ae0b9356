// Command gen writes internal/command/specs_gen.go from a reference
// redis-server 7.0.
//
// It reads COMMAND INFO and COMMAND DOCS for every command and subcommand
// and turns the interface facts (arity, flags, legacy key range, ACL
// categories, tips, key specs, argument structure, since, group, doc flags,
// deprecation) into Go literals. Redis's prose is not carried over: the
// summaries come from our own docs.go, and complexity and history are left
// out.
//
// Usage (from internal/command):
//
//	go generate                         # or: go run ./gen -out specs_gen.go
//	go run ./gen -addr 127.0.0.1:7000 -out specs_gen.go
//
// Without -addr it starts redis-server (-redis-server, default from PATH)
// on a free loopback port and stops it afterwards.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "", "address of a running redis-server 7.0 (default: start one)")
	bin := flag.String("redis-server", "redis-server", "redis-server binary used when -addr is empty")
	out := flag.String("out", "specs_gen.go", "output file")
	docs := flag.String("docs", "", "hand-written summaries (default: docs.go next to -out)")
	anyVersion := flag.Bool("any-version", false, "accept a server that is not Redis 7.0.x")
	flag.Parse()
	if *docs == "" {
		*docs = filepath.Join(filepath.Dir(*out), "docs.go")
	}
	if err := run(*addr, *bin, *out, *docs, *anyVersion); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(addr, bin, out, docsPath string, anyVersion bool) error {
	summaries, err := readSummaries(docsPath)
	if err != nil {
		return err
	}
	if addr == "" {
		a, stop, err := startServer(bin)
		if err != nil {
			return err
		}
		defer stop()
		addr = a
	}
	c, err := dial(addr)
	if err != nil {
		return err
	}
	defer c.conn.Close()
	if _, err := c.do("HELLO", "3"); err != nil {
		return err
	}
	info, err := c.do("INFO", "server")
	if err != nil {
		return err
	}
	version := ""
	for _, line := range strings.Split(info.str, "\r\n") {
		if v, ok := strings.CutPrefix(line, "redis_version:"); ok {
			version = v
		}
	}
	if !strings.HasPrefix(version, "7.0.") && !anyVersion {
		return fmt.Errorf("reference server is Redis %q, want 7.0.x (use -any-version to override)", version)
	}
	infos, err := c.do("COMMAND", "INFO")
	if err != nil {
		return err
	}
	docs, err := c.do("COMMAND", "DOCS")
	if err != nil {
		return err
	}
	cmds, err := buildCommands(infos, docs)
	if err != nil {
		return err
	}
	var problems []string
	seen := map[string]bool{}
	walk(cmds, func(cm *cmd) {
		seen[cm.name] = true
		s, ok := summaries[cm.name]
		if !ok || strings.TrimSpace(s) == "" {
			problems = append(problems, "no summary in docs.go for "+cm.name)
		}
		cm.summary = s
		cm.hidden = hiddenFlags[cm.name]
	})
	for name := range summaries {
		if !seen[name] {
			problems = append(problems, "docs.go has a summary for unknown command "+name)
		}
	}
	for name := range hiddenFlags {
		if !seen[name] {
			problems = append(problems, "hidden flags for unknown command "+name)
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("%d problems:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	src, err := emit(cmds, version)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

// readSummaries extracts the map literal `summaries` from docs.go without
// compiling the package (so a stale specs_gen.go cannot get in the way).
func readSummaries(path string) (map[string]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return nil, err
	}
	var lit *ast.CompositeLit
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if name.Name == "summaries" && i < len(vs.Values) {
				lit, _ = vs.Values[i].(*ast.CompositeLit)
			}
		}
		return lit == nil
	})
	if lit == nil {
		return nil, fmt.Errorf("%s: no `summaries` map literal", path)
	}
	m := map[string]string{}
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			return nil, fmt.Errorf("%s: unexpected element at %s", path, fset.Position(e.Pos()))
		}
		k, err1 := stringLit(kv.Key)
		v, err2 := stringLit(kv.Value)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s: keys and values must be string literals (%s)", path, fset.Position(e.Pos()))
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("%s: duplicate summary for %s", path, k)
		}
		m[k] = v
	}
	return m, nil
}

func stringLit(e ast.Expr) (string, error) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", fmt.Errorf("not a string literal")
	}
	return strconv.Unquote(bl.Value)
}

func startServer(bin string) (addr string, stop func(), err error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", nil, fmt.Errorf("no -addr given and %s not found: %w", bin, err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "gen-redis-")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no")
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	stop = func() {
		cmd.Process.Kill()
		cmd.Wait()
		os.RemoveAll(dir)
	}
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for i := 0; i < 100; i++ {
		if c, err := dial(addr); err == nil {
			_, err = c.do("PING")
			c.conn.Close()
			if err == nil {
				return addr, stop, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("redis-server on %s did not start", addr)
}

// cmd is one command as read from the reference server.
type cmd struct {
	name              string
	arity             int
	flags             []string
	first, last, step int
	cats              []string
	tips              []string
	keySpecs          []*value
	subs              []*cmd
	doc               *value
	summary           string
	hidden            []string
}

func walk(cmds []*cmd, fn func(*cmd)) {
	for _, c := range cmds {
		fn(c)
		walk(c.subs, fn)
	}
}

func buildCommands(infos, docs *value) ([]*cmd, error) {
	docByName := map[string]*value{}
	for _, p := range docs.pairs() {
		docByName[p[0].str] = p[1]
	}
	var cmds []*cmd
	for _, iv := range infos.elems {
		c, err := buildCommand(iv, docByName)
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, c)
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	return cmds, nil
}

func buildCommand(iv *value, docByName map[string]*value) (*cmd, error) {
	if len(iv.elems) != 10 {
		return nil, fmt.Errorf("COMMAND INFO entry with %d fields", len(iv.elems))
	}
	e := iv.elems
	c := &cmd{
		name:     e[0].str,
		arity:    int(e[1].num),
		flags:    e[2].strings(),
		first:    int(e[3].num),
		last:     int(e[4].num),
		step:     int(e[5].num),
		cats:     e[6].strings(),
		tips:     e[7].strings(),
		keySpecs: e[8].elems,
		doc:      docByName[e[0].str],
	}
	if c.doc == nil {
		return nil, fmt.Errorf("no COMMAND DOCS entry for %s", c.name)
	}
	var subDocs map[string]*value
	if sd := c.doc.get("subcommands"); sd != nil {
		subDocs = map[string]*value{}
		for _, p := range sd.pairs() {
			subDocs[p[0].str] = p[1]
		}
	}
	for _, sv := range e[9].elems {
		sub, err := buildCommand(sv, subDocs)
		if err != nil {
			return nil, err
		}
		c.subs = append(c.subs, sub)
	}
	sort.Slice(c.subs, func(i, j int) bool { return c.subs[i].name < c.subs[j].name })
	return c, nil
}

// Go identifiers for the names used in replies.
var (
	flagIdents = map[string]string{
		"write": "FlagWrite", "readonly": "FlagReadonly", "denyoom": "FlagDenyOOM",
		"module": "FlagModule", "admin": "FlagAdmin", "pubsub": "FlagPubSub",
		"noscript": "FlagNoScript", "blocking": "FlagBlocking", "loading": "FlagLoading",
		"stale": "FlagStale", "skip_monitor": "FlagSkipMonitor", "skip_slowlog": "FlagSkipSlowlog",
		"asking": "FlagAsking", "fast": "FlagFast", "no_auth": "FlagNoAuth",
		"no_mandatory_keys": "FlagNoMandatoryKeys", "no_async_loading": "FlagNoAsyncLoading",
		"no_multi": "FlagNoMulti", "movablekeys": "FlagMovableKeys", "allow_busy": "FlagAllowBusy",
	}
	catIdents = map[string]string{
		"@keyspace": "CatKeyspace", "@read": "CatRead", "@write": "CatWrite", "@set": "CatSet",
		"@sortedset": "CatSortedSet", "@list": "CatList", "@hash": "CatHash", "@string": "CatString",
		"@bitmap": "CatBitmap", "@hyperloglog": "CatHyperLogLog", "@geo": "CatGeo",
		"@stream": "CatStream", "@pubsub": "CatPubSub", "@admin": "CatAdmin", "@fast": "CatFast",
		"@slow": "CatSlow", "@blocking": "CatBlocking", "@dangerous": "CatDangerous",
		"@connection": "CatConnection", "@transaction": "CatTransaction", "@scripting": "CatScripting",
	}
	keyFlagIdents = map[string]string{
		"RO": "KeyRO", "RW": "KeyRW", "OW": "KeyOW", "RM": "KeyRM", "access": "KeyAccess",
		"update": "KeyUpdate", "insert": "KeyInsert", "delete": "KeyDelete", "not_key": "KeyNotKey",
		"incomplete": "KeyIncomplete", "variable_flags": "KeyVariableFlags",
	}
	argTypeIdents = map[string]string{
		"string": "ArgString", "integer": "ArgInteger", "double": "ArgDouble", "key": "ArgKey",
		"pattern": "ArgPattern", "unix-time": "ArgUnixTime", "pure-token": "ArgPureToken",
		"oneof": "ArgOneOf", "block": "ArgBlock",
	}
	argFlagIdents = map[string]string{
		"optional": "ArgOptional", "multiple": "ArgMultiple", "multiple_token": "ArgMultipleToken",
	}
	docFlagIdents = map[string]string{
		"deprecated": "DocFlagDeprecated", "syscmd": "DocFlagSyscmd",
	}
)

func idents(names []string, table map[string]string, what string) (string, error) {
	if len(names) == 0 {
		return "0", nil
	}
	parts := make([]string, 0, len(names))
	for _, n := range names {
		id, ok := table[n]
		if !ok {
			return "", fmt.Errorf("unknown %s %q", what, n)
		}
		parts = append(parts, id)
	}
	return strings.Join(parts, " | "), nil
}

type emitter struct {
	b   bytes.Buffer
	err error
}

func (e *emitter) p(format string, args ...any) {
	fmt.Fprintf(&e.b, format, args...)
}

func (e *emitter) fail(err error) {
	if e.err == nil && err != nil {
		e.err = err
	}
}

func emit(cmds []*cmd, version string) ([]byte, error) {
	e := &emitter{}
	e.p("// Code generated by internal/command/gen from redis-server %s; DO NOT EDIT.\n", version)
	e.p("//\n// To regenerate (needs redis-server 7.0.x on PATH, or -addr of a running one):\n")
	e.p("//\n//\tcd internal/command && go generate\n")
	e.p("//\n// Interface facts come from the reference server's COMMAND INFO and\n")
	e.p("// COMMAND DOCS; summaries from docs.go; hidden flags from gen/hidden.go.\n\n")
	e.p("package command\n\n")
	e.p("var specs = []*Spec{\n")
	for _, c := range cmds {
		e.command(c)
	}
	e.p("}\n")
	if e.err != nil {
		return nil, e.err
	}
	src, err := format.Source(e.b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting output: %w", err)
	}
	return src, nil
}

func (e *emitter) command(c *cmd) {
	e.p("{\n")
	e.p("Name: %q,\n", c.name)
	e.p("Arity: %d,\n", c.arity)
	flags, err := idents(c.flags, flagIdents, "command flag")
	e.fail(err)
	if len(c.hidden) > 0 {
		if flags == "0" {
			flags = strings.Join(c.hidden, " | ")
		} else {
			flags += " | " + strings.Join(c.hidden, " | ")
		}
	}
	e.p("Flags: %s,\n", flags)
	cats, err := idents(c.cats, catIdents, "ACL category")
	e.fail(err)
	e.p("Categories: %s,\n", cats)
	if c.first != 0 || c.last != 0 || c.step != 0 {
		e.p("FirstKey: %d, LastKey: %d, Step: %d,\n", c.first, c.last, c.step)
	}
	if len(c.tips) > 0 {
		e.p("Tips: []string{")
		for i, t := range c.tips {
			if i > 0 {
				e.p(", ")
			}
			e.p("%q", t)
		}
		e.p("},\n")
	}
	if len(c.keySpecs) > 0 {
		e.p("KeySpecs: []KeySpec{\n")
		for _, ks := range c.keySpecs {
			e.keySpec(ks)
		}
		e.p("},\n")
	}
	if len(c.subs) > 0 {
		e.p("Subcommands: []*Spec{\n")
		for _, s := range c.subs {
			e.command(s)
		}
		e.p("},\n")
	}
	e.doc(c)
	e.p("},\n")
}

func (e *emitter) keySpec(ks *value) {
	e.p("{\n")
	if n := ks.get("notes"); n != nil {
		e.p("Notes: %q,\n", n.str)
	}
	flags, err := idents(ks.get("flags").strings(), keyFlagIdents, "key-spec flag")
	e.fail(err)
	e.p("Flags: %s,\n", flags)
	bs := ks.get("begin_search")
	spec := bs.get("spec")
	switch t := bs.get("type").str; t {
	case "index":
		e.p("BeginSearch: BeginSearch{Type: BeginIndex, Index: %d},\n", spec.get("index").num)
	case "keyword":
		e.p("BeginSearch: BeginSearch{Type: BeginKeyword, Keyword: %q, StartFrom: %d},\n",
			spec.get("keyword").str, spec.get("startfrom").num)
	case "unknown":
		e.p("BeginSearch: BeginSearch{Type: BeginUnknown},\n")
	default:
		e.fail(fmt.Errorf("unknown begin_search type %q", t))
	}
	fk := ks.get("find_keys")
	spec = fk.get("spec")
	switch t := fk.get("type").str; t {
	case "range":
		e.p("FindKeys: FindKeys{Type: FindRange, LastKey: %d, KeyStep: %d, Limit: %d}",
			spec.get("lastkey").num, spec.get("keystep").num, spec.get("limit").num)
	case "keynum":
		e.p("FindKeys: FindKeys{Type: FindKeynum, KeyNumIdx: %d, FirstKey: %d, KeyStep: %d}",
			spec.get("keynumidx").num, spec.get("firstkey").num, spec.get("keystep").num)
	case "unknown":
		e.p("FindKeys: FindKeys{Type: FindUnknown}")
	default:
		e.fail(fmt.Errorf("unknown find_keys type %q", t))
	}
	e.p(",\n},\n")
}

var knownDocFields = map[string]bool{
	"summary": true, "since": true, "group": true, "complexity": true, "doc_flags": true,
	"deprecated_since": true, "replaced_by": true, "history": true, "arguments": true,
	"subcommands": true,
}

func (e *emitter) doc(c *cmd) {
	d := c.doc
	for _, p := range d.pairs() {
		if !knownDocFields[p[0].str] {
			e.fail(fmt.Errorf("%s: unexpected COMMAND DOCS field %q", c.name, p[0].str))
		}
	}
	e.p("Doc: Doc{\n")
	e.p("Summary: %q,\n", c.summary)
	if v := d.get("since"); v != nil {
		e.p("Since: %q,\n", v.str)
	}
	e.p("Group: %q,\n", d.get("group").str)
	if v := d.get("doc_flags"); v != nil && len(v.elems) > 0 {
		ids, err := idents(v.strings(), docFlagIdents, "doc flag")
		e.fail(err)
		e.p("DocFlags: []string{%s},\n", strings.ReplaceAll(ids, " | ", ", "))
	}
	if v := d.get("deprecated_since"); v != nil {
		e.p("DeprecatedSince: %q,\n", v.str)
	}
	if v := d.get("replaced_by"); v != nil {
		e.p("ReplacedBy: %q,\n", v.str)
	}
	if v := d.get("arguments"); v != nil {
		e.p("Args: ")
		e.args(c.name, v, len(c.keySpecs))
		e.p(",\n")
	}
	e.p("},\n")
}

var knownArgFields = map[string]bool{
	"name": true, "type": true, "key_spec_index": true, "token": true, "summary": true,
	"since": true, "deprecated_since": true, "flags": true, "arguments": true,
}

func (e *emitter) args(cmdName string, list *value, nspecs int) {
	e.p("[]Arg{\n")
	for _, a := range list.elems {
		for _, p := range a.pairs() {
			if !knownArgFields[p[0].str] {
				e.fail(fmt.Errorf("%s: unexpected argument field %q", cmdName, p[0].str))
			}
		}
		if a.get("summary") != nil {
			// Argument summaries are prose; none exist in Redis 7.0 and we
			// would have to write our own.
			e.fail(fmt.Errorf("%s: argument %q has a summary; add support for our own text", cmdName, a.get("name").str))
		}
		typ := a.get("type").str
		id, ok := argTypeIdents[typ]
		if !ok {
			e.fail(fmt.Errorf("%s: unknown argument type %q", cmdName, typ))
		}
		e.p("{Name: %q, Type: %s", a.get("name").str, id)
		ksi := a.get("key_spec_index")
		switch {
		case typ == "key" && ksi == nil:
			e.fail(fmt.Errorf("%s: key argument without key_spec_index", cmdName))
		case ksi != nil:
			if ksi.num < 0 || int(ksi.num) >= nspecs {
				e.fail(fmt.Errorf("%s: key_spec_index %d out of range", cmdName, ksi.num))
			}
			e.p(", KeySpecIndex: %d, HasKeySpecIndex: true", ksi.num)
		}
		// An empty token is meaningful (MIGRATE's empty_string); it can only
		// be represented on a pure-token argument, which always has a token.
		tok := a.get("token")
		switch {
		case typ == "pure-token" && tok == nil:
			e.fail(fmt.Errorf("%s: pure-token argument %q without token", cmdName, a.get("name").str))
		case tok != nil && tok.str == "" && typ != "pure-token":
			e.fail(fmt.Errorf("%s: empty token on %s argument %q", cmdName, typ, a.get("name").str))
		}
		if tok != nil {
			e.p(", Token: %q", tok.str)
		}
		if v := a.get("since"); v != nil {
			if v.str == "" {
				e.fail(fmt.Errorf("%s: empty since", cmdName))
			}
			e.p(", Since: %q", v.str)
		}
		if v := a.get("deprecated_since"); v != nil {
			if v.str == "" {
				e.fail(fmt.Errorf("%s: empty deprecated_since", cmdName))
			}
			e.p(", DeprecatedSince: %q", v.str)
		}
		if v := a.get("flags"); v != nil && len(v.elems) > 0 {
			ids, err := idents(v.strings(), argFlagIdents, "argument flag")
			e.fail(err)
			e.p(", Flags: %s", ids)
		}
		sub := a.get("arguments")
		if (typ == "oneof" || typ == "block") != (sub != nil) {
			e.fail(fmt.Errorf("%s: argument %q of type %s with/without nested arguments", cmdName, a.get("name").str, typ))
		}
		if sub != nil {
			e.p(",\nArgs: ")
			e.args(cmdName, sub, nspecs)
			e.p(",\n")
		}
		e.p("},\n")
	}
	e.p("}")
}
