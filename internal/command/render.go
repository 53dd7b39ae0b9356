package command

import "sort"

// ReplyWriter is the part of the reply writer (internal/resp.Writer) that
// the renderers use. Maps and sets fall back to arrays in RESP2, nulls to
// $-1 / *-1, as the writer decides.
type ReplyWriter interface {
	ArrayLen(n int)
	MapLen(n int)
	SetLen(n int)
	Bulk(b []byte)
	BulkString(s string)
	Status(s string)
	Error(s string)
	Int(n int64)
	Null()
	NullArray()
	Double(f float64)
	Bool(b bool)
}

// Error replies of COMMAND GETKEYS/GETKEYSANDFLAGS and COMMAND LIST.
const (
	errInvalidCommand = "ERR Invalid command specified"
	errSyntax         = "ERR syntax error"
)

// Catalog is the set of commands a server really serves: COMMAND and its
// subcommands are rendered from it, and COMMAND GETKEYS only knows them.
// It is immutable and safe for concurrent use.
type Catalog struct {
	specs  []*Spec
	byName map[string]*Spec
}

// NewCatalog builds a catalog from top-level specs (for example All(), or
// the result of Subset). A container lists exactly the subcommands in its
// Subcommands. The catalog keeps its own sorted copy of the slice; the
// specs themselves are shared and must not be modified afterwards.
func NewCatalog(specs []*Spec) *Catalog {
	c := &Catalog{
		specs:  make([]*Spec, 0, len(specs)),
		byName: make(map[string]*Spec, len(specs)),
	}
	for _, s := range specs {
		if s == nil {
			continue
		}
		if _, dup := c.byName[s.Name]; dup {
			continue
		}
		c.specs = append(c.specs, s)
		c.byName[s.Name] = s
	}
	sort.Slice(c.specs, func(i, j int) bool { return c.specs[i].Name < c.specs[j].Name })
	return c
}

// Specs returns the top-level specs, sorted by name.
func (c *Catalog) Specs() []*Spec {
	out := make([]*Spec, len(c.specs))
	copy(out, c.specs)
	return out
}

// Count is the number of top-level commands (COMMAND COUNT).
func (c *Catalog) Count() int { return len(c.specs) }

// Lookup finds a command ("get") or subcommand ("client|list"),
// case-insensitively, as COMMAND INFO and COMMAND DOCS name them.
func (c *Catalog) Lookup(name string) *Spec { return lookupIn(c.byName, name) }

// LookupArgs resolves an argv to the command or subcommand it invokes (see
// the package-level LookupArgs).
func (c *Catalog) LookupArgs(args [][]byte) *Spec { return lookupArgsIn(c.byName, args) }

// WriteCommand writes the reply of COMMAND: the info of every command.
func (c *Catalog) WriteCommand(w ReplyWriter) {
	w.ArrayLen(len(c.specs))
	for _, s := range c.specs {
		WriteCommandInfo(w, s)
	}
}

// WriteCount writes the reply of COMMAND COUNT.
func (c *Catalog) WriteCount(w ReplyWriter) { w.Int(int64(len(c.specs))) }

// WriteInfo writes the reply of COMMAND INFO names...: one entry per name,
// null for an unknown one; without names, every command.
func (c *Catalog) WriteInfo(w ReplyWriter, names [][]byte) {
	if len(names) == 0 {
		c.WriteCommand(w)
		return
	}
	w.ArrayLen(len(names))
	for _, n := range names {
		WriteCommandInfo(w, c.Lookup(string(n)))
	}
}

// WriteDocs writes the reply of COMMAND DOCS names...: a map from command
// name to its docs, unknown names being left out; without names, every
// command.
func (c *Catalog) WriteDocs(w ReplyWriter, names [][]byte) {
	if len(names) == 0 {
		w.MapLen(len(c.specs))
		for _, s := range c.specs {
			w.BulkString(s.Name)
			WriteCommandDocs(w, s)
		}
		return
	}
	found := make([]*Spec, 0, len(names))
	for _, n := range names {
		if s := c.Lookup(string(n)); s != nil {
			found = append(found, s)
		}
	}
	w.MapLen(len(found))
	for _, s := range found {
		w.BulkString(s.Name)
		WriteCommandDocs(w, s)
	}
}

// WriteList writes the reply of COMMAND LIST; args are the arguments after
// LIST: nothing, or FILTERBY MODULE name | ACLCAT category | PATTERN glob.
// Each container is followed by its subcommands.
func (c *Catalog) WriteList(w ReplyWriter, args [][]byte) {
	var match func(*Spec) bool
	for i := 0; i < len(args); i++ {
		more := len(args) - 1 - i
		if !equalFoldASCII(args[i], "filterby") || more != 2 {
			w.Error(errSyntax)
			return
		}
		kind, arg := args[i+1], string(args[i+2])
		switch {
		case equalFoldASCII(kind, "module"):
			// No modules can be loaded: no command belongs to one.
			match = func(*Spec) bool { return false }
		case equalFoldASCII(kind, "aclcat"):
			cat, ok := CategoryByName(arg)
			match = func(s *Spec) bool { return ok && s.Categories&cat != 0 }
		case equalFoldASCII(kind, "pattern"):
			match = func(s *Spec) bool { return stringMatch(arg, s.Name, true) }
		default:
			w.Error(errSyntax)
			return
		}
		i += 2
	}
	var names []string
	var add func(list []*Spec)
	add = func(list []*Spec) {
		for _, s := range list {
			if match == nil || match(s) {
				names = append(names, s.Name)
			}
			add(s.Subcommands)
		}
	}
	add(c.specs)
	w.ArrayLen(len(names))
	for _, n := range names {
		w.BulkString(n)
	}
}

// WriteGetKeys writes the reply of COMMAND GETKEYS (withFlags false) or
// COMMAND GETKEYSANDFLAGS (withFlags true); args is the command line to
// analyse (the arguments after GETKEYS), resolved against the catalog.
func (c *Catalog) WriteGetKeys(w ReplyWriter, args [][]byte, withFlags bool) {
	WriteKeys(w, c.LookupArgs(args), args, withFlags)
}

// WriteKeys writes the COMMAND GETKEYS / GETKEYSANDFLAGS reply for args
// analysed as an invocation of s, for a server that resolves the command
// itself (for example through renamed commands); nil s means the command
// is unknown.
func WriteKeys(w ReplyWriter, s *Spec, args [][]byte, withFlags bool) {
	if s == nil {
		w.Error(errInvalidCommand)
		return
	}
	keys, err := s.Keys(args)
	if err != nil {
		w.Error("ERR " + err.Error())
		return
	}
	w.ArrayLen(len(keys))
	for _, k := range keys {
		if !withFlags {
			w.Bulk(args[k.Pos])
			continue
		}
		w.ArrayLen(2)
		w.Bulk(args[k.Pos])
		writeNames(w, k.Flags.Names())
	}
}

// writeNames writes a set of status replies.
func writeNames(w ReplyWriter, names []string) {
	w.SetLen(len(names))
	for _, n := range names {
		w.Status(n)
	}
}

// WriteCommandInfo writes one COMMAND INFO entry; nil writes a null.
func WriteCommandInfo(w ReplyWriter, s *Spec) {
	if s == nil {
		w.Null()
		return
	}
	w.ArrayLen(10)
	w.BulkString(s.Name)
	w.Int(int64(s.Arity))
	writeNames(w, s.Flags.ReplyNames())
	w.Int(int64(s.FirstKey))
	w.Int(int64(s.LastKey))
	w.Int(int64(s.Step))
	cats := s.Categories.Names()
	w.SetLen(len(cats))
	for _, c := range cats {
		w.Status("@" + c)
	}
	w.SetLen(len(s.Tips))
	for _, t := range s.Tips {
		w.BulkString(t)
	}
	w.SetLen(len(s.KeySpecs))
	for i := range s.KeySpecs {
		writeKeySpec(w, &s.KeySpecs[i])
	}
	if len(s.Subcommands) == 0 {
		w.SetLen(0)
		return
	}
	w.ArrayLen(len(s.Subcommands))
	for _, sub := range s.Subcommands {
		WriteCommandInfo(w, sub)
	}
}

func writeKeySpec(w ReplyWriter, ks *KeySpec) {
	n := 3
	if ks.Notes != "" {
		n++
	}
	w.MapLen(n)
	if ks.Notes != "" {
		w.BulkString("notes")
		w.BulkString(ks.Notes)
	}
	w.BulkString("flags")
	writeNames(w, ks.Flags.Names())

	w.BulkString("begin_search")
	w.MapLen(2)
	w.BulkString("type")
	switch ks.BeginSearch.Type {
	case BeginIndex:
		w.BulkString("index")
		w.BulkString("spec")
		w.MapLen(1)
		w.BulkString("index")
		w.Int(int64(ks.BeginSearch.Index))
	case BeginKeyword:
		w.BulkString("keyword")
		w.BulkString("spec")
		w.MapLen(2)
		w.BulkString("keyword")
		w.BulkString(ks.BeginSearch.Keyword)
		w.BulkString("startfrom")
		w.Int(int64(ks.BeginSearch.StartFrom))
	default:
		w.BulkString("unknown")
		w.BulkString("spec")
		w.MapLen(0)
	}

	w.BulkString("find_keys")
	w.MapLen(2)
	w.BulkString("type")
	switch ks.FindKeys.Type {
	case FindRange:
		w.BulkString("range")
		w.BulkString("spec")
		w.MapLen(3)
		w.BulkString("lastkey")
		w.Int(int64(ks.FindKeys.LastKey))
		w.BulkString("keystep")
		w.Int(int64(ks.FindKeys.KeyStep))
		w.BulkString("limit")
		w.Int(int64(ks.FindKeys.Limit))
	case FindKeynum:
		w.BulkString("keynum")
		w.BulkString("spec")
		w.MapLen(3)
		w.BulkString("keynumidx")
		w.Int(int64(ks.FindKeys.KeyNumIdx))
		w.BulkString("firstkey")
		w.Int(int64(ks.FindKeys.FirstKey))
		w.BulkString("keystep")
		w.Int(int64(ks.FindKeys.KeyStep))
	default:
		w.BulkString("unknown")
		w.BulkString("spec")
		w.MapLen(0)
	}
}

// WriteCommandDocs writes the COMMAND DOCS map of one command (without its
// name). Empty optional fields are left out, as Redis does; there is no
// history.
func WriteCommandDocs(w ReplyWriter, s *Spec) {
	d := &s.Doc
	n := 1 // group
	for _, present := range []bool{
		d.Summary != "", d.Since != "", d.Complexity != "", len(d.DocFlags) > 0,
		d.DeprecatedSince != "", d.ReplacedBy != "", len(d.Args) > 0, len(s.Subcommands) > 0,
	} {
		if present {
			n++
		}
	}
	w.MapLen(n)
	if d.Summary != "" {
		w.BulkString("summary")
		w.BulkString(d.Summary)
	}
	if d.Since != "" {
		w.BulkString("since")
		w.BulkString(d.Since)
	}
	w.BulkString("group")
	w.BulkString(d.Group)
	if d.Complexity != "" {
		w.BulkString("complexity")
		w.BulkString(d.Complexity)
	}
	if len(d.DocFlags) > 0 {
		w.BulkString("doc_flags")
		var names []string
		for _, f := range docFlagOrder {
			for _, g := range d.DocFlags {
				if g == f {
					names = append(names, f)
					break
				}
			}
		}
		writeNames(w, names)
	}
	if d.DeprecatedSince != "" {
		w.BulkString("deprecated_since")
		w.BulkString(d.DeprecatedSince)
	}
	if d.ReplacedBy != "" {
		w.BulkString("replaced_by")
		w.BulkString(d.ReplacedBy)
	}
	if len(d.Args) > 0 {
		w.BulkString("arguments")
		writeArgs(w, d.Args)
	}
	if len(s.Subcommands) > 0 {
		w.BulkString("subcommands")
		w.MapLen(len(s.Subcommands))
		for _, sub := range s.Subcommands {
			w.BulkString(sub.Name)
			WriteCommandDocs(w, sub)
		}
	}
}

func writeArgs(w ReplyWriter, args []Arg) {
	w.ArrayLen(len(args))
	for i := range args {
		a := &args[i]
		nested := a.Type == ArgOneOf || a.Type == ArgBlock
		n := 2
		for _, present := range []bool{
			a.HasKeySpecIndex, a.hasToken(), a.Summary != "", a.Since != "",
			a.DeprecatedSince != "", a.Flags != 0, nested,
		} {
			if present {
				n++
			}
		}
		w.MapLen(n)
		w.BulkString("name")
		w.BulkString(a.Name)
		w.BulkString("type")
		w.BulkString(string(a.Type))
		if a.HasKeySpecIndex {
			w.BulkString("key_spec_index")
			w.Int(int64(a.KeySpecIndex))
		}
		if a.hasToken() {
			w.BulkString("token")
			w.BulkString(a.Token)
		}
		if a.Summary != "" {
			w.BulkString("summary")
			w.BulkString(a.Summary)
		}
		if a.Since != "" {
			w.BulkString("since")
			w.BulkString(a.Since)
		}
		if a.DeprecatedSince != "" {
			w.BulkString("deprecated_since")
			w.BulkString(a.DeprecatedSince)
		}
		if a.Flags != 0 {
			w.BulkString("flags")
			writeNames(w, a.Flags.Names())
		}
		if nested {
			w.BulkString("arguments")
			writeArgs(w, a.Args)
		}
	}
}

func (a *Arg) hasToken() bool { return a.Token != "" || a.Type == ArgPureToken }

// stringMatch is Redis's glob matching (stringmatchlen): '*', '?',
// '[...]' with '^' negation and ranges, and '\' escapes; nocase folds
// ASCII letters.
func stringMatch(pattern, s string, nocase bool) bool {
	skipLonger := false
	return stringMatchImpl(pattern, s, nocase, &skipLonger, 0)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func stringMatchImpl(p, s string, nocase bool, skipLonger *bool, depth int) bool {
	if depth > 1000 {
		return false
	}
	at := func(str string, i int) byte { // C strings are NUL terminated
		if i < len(str) {
			return str[i]
		}
		return 0
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if stringMatchImpl(p[1:], s, nocase, skipLonger, depth+1) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			p = p[1:]
			not := at(p, 0) == '^'
			if not {
				p = p[1:]
			}
			match := false
			for {
				if at(p, 0) == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						match = true
					}
				} else if at(p, 0) == ']' {
					break
				} else if len(p) == 0 {
					// Unterminated class: the C code steps back onto the last
					// character so the outer loop's advance lands at the end.
					p = "\x00"
					break
				} else if len(p) >= 3 && p[1] == '-' {
					start, end, c := p[0], p[2], s[0]
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, c = lowerASCII(start), lowerASCII(end), lowerASCII(c)
					}
					p = p[2:]
					if c >= start && c <= end {
						match = true
					}
				} else if nocase {
					if lowerASCII(p[0]) == lowerASCII(s[0]) {
						match = true
					}
				} else if p[0] == s[0] {
					match = true
				}
				p = p[1:]
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if nocase {
				if lowerASCII(p[0]) != lowerASCII(s[0]) {
					return false
				}
			} else if p[0] != s[0] {
				return false
			}
			s = s[1:]
		}
		p = p[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}
