package command

import (
	"sort"
	"strings"
	"testing"
)

func TestTableSize(t *testing.T) {
	all := All()
	subs := 0
	for _, s := range all {
		subs += len(s.Subcommands)
	}
	// Redis 7.0.15: 240 commands, 126 subcommands.
	if len(all) != 240 || subs != 126 {
		t.Errorf("got %d commands and %d subcommands, want 240 and 126", len(all), subs)
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Name < all[j].Name }) {
		t.Error("All() is not sorted")
	}
}

func TestSpecsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	var check func(s *Spec, container string)
	check = func(s *Spec, container string) {
		if seen[s.Name] {
			t.Errorf("%s listed twice", s.Name)
		}
		seen[s.Name] = true
		if s.Name != strings.ToLower(s.Name) {
			t.Errorf("%s: name not lower case", s.Name)
		}
		if container != "" && !strings.HasPrefix(s.Name, container+"|") {
			t.Errorf("%s: subcommand of %s", s.Name, container)
		}
		if s.Arity == 0 {
			t.Errorf("%s: arity 0", s.Name)
		}
		if s.Doc.Summary == "" || s.Doc.Summary != summaries[s.Name] {
			t.Errorf("%s: summary %q does not match docs.go (%q): run go generate", s.Name, s.Doc.Summary, summaries[s.Name])
		}
		if s.Doc.Group == "" {
			t.Errorf("%s: no group", s.Name)
		}
		if s.Categories&(CatFast|CatSlow) == 0 {
			t.Errorf("%s: neither @fast nor @slow", s.Name)
		}
		var checkArgs func(args []Arg)
		checkArgs = func(args []Arg) {
			for _, a := range args {
				if a.HasKeySpecIndex && (a.KeySpecIndex < 0 || a.KeySpecIndex >= len(s.KeySpecs)) {
					t.Errorf("%s: argument %s: key spec %d out of range", s.Name, a.Name, a.KeySpecIndex)
				}
				if (a.Type == ArgOneOf || a.Type == ArgBlock) != (len(a.Args) > 0) {
					t.Errorf("%s: argument %s: type %s with %d nested", s.Name, a.Name, a.Type, len(a.Args))
				}
				checkArgs(a.Args)
			}
		}
		checkArgs(s.Doc.Args)
		sorted := sort.SliceIsSorted(s.Subcommands, func(i, j int) bool { return s.Subcommands[i].Name < s.Subcommands[j].Name })
		if !sorted {
			t.Errorf("%s: subcommands not sorted", s.Name)
		}
		for _, sub := range s.Subcommands {
			check(sub, s.Name)
		}
	}
	for _, s := range All() {
		check(s, "")
	}
	for name := range summaries {
		if !seen[name] {
			t.Errorf("docs.go: summary for unknown command %q", name)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, name := range []string{"get", "GET", "gEt", "client|list", "CLIENT|LIST", "Config|Get"} {
		if Lookup(name) == nil {
			t.Errorf("Lookup(%q) = nil", name)
		}
	}
	for _, name := range []string{"", "nosuch", "client|", "|list", "client|list|x", "get|x", "client|nosuch",
		strings.Repeat("a", 100), "ſet", "\u212aeys"} {
		if s := Lookup(name); s != nil {
			t.Errorf("Lookup(%q) = %s", name, s.Name)
		}
	}
	if s := Lookup("client").Sub("LIST"); s == nil || s.Name != "client|list" {
		t.Errorf("Sub(LIST) = %v", s)
	}
	if Lookup("get").Sub("x") != nil || Lookup("client").Sub("") != nil {
		t.Error("Sub found something that does not exist")
	}
	if s := LookupBytes([]byte("ZUNIONSTORE")); s == nil || s.Name != "zunionstore" {
		t.Errorf("LookupBytes = %v", s)
	}
	if s := LookupArgs(splitArgs("client kill x")); s == nil || s.Name != "client|kill" {
		t.Errorf("LookupArgs(client kill) = %v", s)
	}
	if s := LookupArgs(splitArgs("client")); s == nil || s.Name != "client" {
		t.Errorf("LookupArgs(client) = %v", s)
	}
	if s := LookupArgs(splitArgs("client nosuch")); s != nil {
		t.Errorf("LookupArgs(client nosuch) = %v", s.Name)
	}
	if s := LookupArgs(splitArgs("get client")); s == nil || s.Name != "get" {
		t.Errorf("LookupArgs(get client) = %v", s)
	}
	if LookupArgs(nil) != nil {
		t.Error("LookupArgs(nil)")
	}
	if c := Lookup("client|list").Container(); c != "client" {
		t.Errorf("Container = %q", c)
	}
	if Lookup("get").Container() != "" || !Lookup("xinfo").IsContainer() || Lookup("get").IsContainer() {
		t.Error("Container/IsContainer")
	}
}

func TestLookupNoAlloc(t *testing.T) {
	name := []byte("ZUNIONSTORE")
	if n := testing.AllocsPerRun(100, func() { LookupBytes(name) }); n != 0 {
		t.Errorf("LookupBytes allocates %v times", n)
	}
	args := splitArgs("CLIENT LIST")
	if n := testing.AllocsPerRun(100, func() { LookupArgs(args) }); n != 0 {
		t.Errorf("LookupArgs allocates %v times", n)
	}
}

func TestSubset(t *testing.T) {
	specs, missing := Subset([]string{"get", "CLIENT|LIST", "client|id", "nosuch", "xinfo", "get"})
	if len(missing) != 1 || missing[0] != "nosuch" {
		t.Errorf("missing = %v", missing)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
		for _, sub := range s.Subcommands {
			names = append(names, sub.Name)
		}
	}
	want := "client client|id client|list get xinfo xinfo|consumers xinfo|groups xinfo|help xinfo|stream"
	if strings.Join(names, " ") != want {
		t.Errorf("Subset = %s", strings.Join(names, " "))
	}
	if len(Lookup("client").Subcommands) != 16 {
		t.Error("Subset modified the shared spec")
	}
}

func TestFlagNames(t *testing.T) {
	s := Lookup("eval")
	if got := strings.Join(s.Flags.ReplyNames(), " "); got != "noscript stale skip_monitor no_mandatory_keys movablekeys" {
		t.Errorf("eval reply flags: %s", got)
	}
	if !s.Flags.Has(FlagMayReplicate) || !s.Flags.Has(FlagNoScript|FlagMovableKeys) {
		t.Error("eval flags")
	}
	if got := s.Flags.String(); !strings.Contains(got, "may_replicate") {
		t.Errorf("String() = %s", got)
	}
	if f, ok := FlagByName("NO_MANDATORY_KEYS"); !ok || f != FlagNoMandatoryKeys {
		t.Error("FlagByName")
	}
	if _, ok := FlagByName("nosuch"); ok {
		t.Error("FlagByName(nosuch)")
	}
	if !Lookup("module|load").Flags.Has(FlagProtected) || !Lookup("ping").Flags.Has(FlagSentinel) ||
		!Lookup("scan").Flags.Has(FlagTouchesArbitraryKeys) {
		t.Error("hidden flags missing")
	}
	if f, ok := KeyFlagByName("variable_flags"); !ok || f != KeyVariableFlags {
		t.Error("KeyFlagByName")
	}
	if got := ArgFlag(ArgOptional | ArgMultipleToken).Names(); strings.Join(got, " ") != "optional multiple_token" {
		t.Errorf("ArgFlag names %v", got)
	}
}

func TestCategories(t *testing.T) {
	names := CategoryNames()
	if len(names) != 21 || names[0] != "keyspace" || names[20] != "scripting" {
		t.Errorf("CategoryNames = %v", names)
	}
	for i, n := range names {
		c, ok := CategoryByName(strings.ToUpper(n))
		if !ok || c != Category(1)<<i {
			t.Errorf("CategoryByName(%s) = %v %v", n, c, ok)
		}
	}
	if _, ok := CategoryByName("@read"); ok {
		t.Error("CategoryByName takes names without '@'")
	}
	if got := Lookup("get").Categories.String(); got != "read|string|fast" {
		t.Errorf("get categories %s", got)
	}
}
