package acl

import (
	"strings"
	"sync"

	"github.com/autobot-ai/autobot-redis/internal/command"
)

// The command universe of the ACL: every Redis 7.0 command and subcommand
// of the generated table, whether or not this server implements it, each
// with a small integer id that indexes the allowed-command bitmaps. Rules
// and their descriptions work on this table, like Redis works on its
// original (not renamed) command table, so "+@read" selects the same
// commands and ACL LIST describes users the same way as Redis does.

type cmdEntry struct {
	spec   *command.Spec
	id     int
	name   string // full lower-case name: "get", "client|list"
	parent *cmdEntry
	subs   []*cmdEntry // sorted by name
}

type universe struct {
	top    []*cmdEntry // sorted by name
	all    []*cmdEntry // indexed by id
	bySpec map[*command.Spec]*cmdEntry
	byName map[string]*cmdEntry
	words  int // uint64 words in a bitmap
}

var theUniverse = sync.OnceValue(func() *universe {
	u := &universe{bySpec: map[*command.Spec]*cmdEntry{}, byName: map[string]*cmdEntry{}}
	add := func(s *command.Spec, parent *cmdEntry) *cmdEntry {
		e := &cmdEntry{spec: s, id: len(u.all), name: s.Name, parent: parent}
		u.all = append(u.all, e)
		u.bySpec[s] = e
		u.byName[s.Name] = e
		return e
	}
	for _, s := range command.All() {
		e := add(s, nil)
		u.top = append(u.top, e)
		for _, sub := range s.Subcommands {
			e.subs = append(e.subs, add(sub, e))
		}
		sortEntries(e.subs)
	}
	sortEntries(u.top)
	u.words = (len(u.all) + 63) / 64
	return u
})

func sortEntries(list []*cmdEntry) {
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && list[j].name < list[j-1].name; j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// entryOf returns the universe entry of a command spec (nil for a spec
// that is not part of the generated table).
func (u *universe) entryOf(s *command.Spec) *cmdEntry {
	if e := u.bySpec[s]; e != nil {
		return e
	}
	if s == nil {
		return nil
	}
	return u.byName[s.Name]
}

// lookup finds a command by name the way Redis resolves names in ACL
// rules: case-insensitively, "name" or "container|sub", at most one '|'.
func (u *universe) lookup(name string) *cmdEntry {
	name = lowerASCII(name)
	i := strings.IndexByte(name, '|')
	if i < 0 {
		return u.byName[name]
	}
	if strings.IndexByte(name[i+1:], '|') >= 0 {
		return nil
	}
	base := u.byName[name[:i]]
	if base == nil || base.parent != nil || len(base.subs) == 0 {
		return nil
	}
	return u.byName[name]
}

// categoryOf returns the category bit of a name given without '@', or 0.
func categoryOf(name string) command.Category {
	c, ok := command.CategoryByName(name)
	if !ok {
		return 0
	}
	return c
}

// categoryList is the category table in Redis's order.
var categoryList = sync.OnceValue(func() []struct {
	name string
	cat  command.Category
} {
	var out []struct {
		name string
		cat  command.Category
	}
	for _, n := range command.CategoryNames() {
		c, _ := command.CategoryByName(n)
		out = append(out, struct {
			name string
			cat  command.Category
		}{n, c})
	}
	return out
})

// CommandsInCategory returns the full names of the commands and
// subcommands in category (without '@'), and false for an unknown
// category: the reply of ACL CAT <category>.
func CommandsInCategory(category string) ([]string, bool) {
	cat := categoryOf(category)
	if cat == 0 {
		return nil, false
	}
	var out []string
	var walk func(list []*cmdEntry)
	walk = func(list []*cmdEntry) {
		for _, e := range list {
			if e.spec.Flags&command.FlagModule != 0 {
				continue
			}
			if e.spec.Categories&cat != 0 {
				out = append(out, e.name)
			}
			walk(e.subs)
		}
	}
	walk(theUniverse().top)
	return out, true
}

// lowerASCII lower-cases ASCII letters only, as C's tolower does.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// eqFold is C's strcasecmp() == 0: equal ignoring ASCII case only.
func eqFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
