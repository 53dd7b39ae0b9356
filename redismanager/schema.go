package redismanager

import (
	"fmt"
	"strconv"
	"strings"
)

// DB is one of AutoBot's six logical databases. On a standalone server it
// is the numbered database; on a cluster (or with Config.Namespaced) it is
// a key namespace "db<N>:{<hash tag>}:" in front of every key.
type DB int

// The six databases. Their numbers are fixed: this table is the only
// place in AutoBot's Go code that assigns them.
const (
	DBSessions  DB = 0 // sessions and users
	DBChat      DB = 1 // chat sessions and messages
	DBKnowledge DB = 2 // knowledge base documents, chunks, tag indexes
	DBCache     DB = 3 // API response cache and rate limits
	DBWebSocket DB = 4 // WebSocket connection state and routing
	DBJobs      DB = 5 // background job queues

	numDBs = 6
)

// DBSpec is one row of the schema table.
type DBSpec struct {
	DB      DB
	Name    string // short name used in errors, health reports and metrics
	Purpose string
	// Keys are the key layouts the stores write in this database.
	// "<name>" stands for one identifier (no ':'), "<name...>" for the
	// rest of the key.
	Keys []string
	// Reserved are further prefixes the seed assigns to this database
	// for other AutoBot components; they are allowed through the guarded
	// clients but no store here writes them.
	Reserved []string
	// Tag is the hash tag of layouts without an identifier (such as
	// ws:connections) in namespaced mode, so that they share one slot.
	Tag string
}

// schemaRows is the authoritative table. Every command sent through this
// package is checked against it (see guard.go).
func schemaRows() [numDBs]DBSpec {
	return [numDBs]DBSpec{
		{DB: DBSessions, Name: "sessions", Purpose: "sessions and users",
			Keys: []string{"session:<id>", "user:<id>", "user:<id>:sessions"}},
		{DB: DBChat, Name: "chat", Purpose: "chat history",
			Keys:     []string{"chat:session_<id>", "chat:session_<id>:messages", "chat:user_<id>:sessions"},
			Reserved: []string{"message:<key...>"}},
		{DB: DBKnowledge, Name: "kb", Purpose: "knowledge base",
			Keys:     []string{"kb:doc_<id>", "kb:doc_<id>:chunk_<n>", "kb:index:<tag>", "kb:docs", "kb:meta"},
			Reserved: []string{"document:<key...>"}, Tag: "kb"},
		{DB: DBCache, Name: "cache", Purpose: "API cache and rate limits",
			Keys:     []string{"api:cache:<request...>", "api:ratelimit:<user>:<route...>"},
			Reserved: []string{"cache:<key...>"}},
		{DB: DBWebSocket, Name: "ws", Purpose: "WebSocket state",
			Keys:     []string{"ws:connections", "ws:heartbeats", "ws:user_<id>:connection", "ws:user_<id>:connections"},
			Reserved: []string{"connection:<key...>"}, Tag: "ws"},
		{DB: DBJobs, Name: "jobs", Purpose: "background jobs",
			Keys: []string{"job:<queue>.<id>", "queue:<name>", "queue:<name>:high", "queue:<name>:low",
				"queue:<name>:delayed", "queue:<name>:dead", "queue:<name>:stats", "queue:<name>:workers",
				"queue:<name>:processing:<worker>", "queue:<name>:lease:<worker>",
				"queue:<name>:schedules", "queue:<name>:schedules:next"}},
	}
}

// Schema returns the schema table, one row per database, in DB order.
func Schema() []DBSpec {
	rows := schemaRows()
	out := make([]DBSpec, len(rows))
	copy(out, rows[:])
	return out
}

// Spec returns the schema row of d.
func (d DB) Spec() DBSpec {
	if d < 0 || d >= numDBs {
		return DBSpec{DB: d, Name: "db" + strconv.Itoa(int(d))}
	}
	return schemaRows()[d]
}

func (d DB) String() string { return d.Spec().Name }

// layout is a compiled key layout.
type layout struct {
	db    DB
	text  string
	parts []part
	tag   string // fixed tag when the layout has no placeholder
}

type part struct {
	lit  string // literal text, or "" for a placeholder
	name string // placeholder name
	rest bool   // placeholder takes the rest of the key
	stop byte   // for a segment placeholder: the byte that ends it besides ':' (0: none)
}

func compileLayout(db DB, text, fixedTag string) *layout {
	l := &layout{db: db, text: text}
	s := text
	for s != "" {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			l.parts = append(l.parts, part{lit: s})
			break
		}
		if i > 0 {
			l.parts = append(l.parts, part{lit: s[:i]})
		}
		j := strings.IndexByte(s, '>')
		if j < i {
			panic("redismanager: bad key layout " + text)
		}
		name := s[i+1 : j]
		p := part{name: strings.TrimSuffix(name, "...")}
		p.rest = strings.HasSuffix(name, "...")
		s = s[j+1:]
		if p.rest && s != "" {
			panic("redismanager: a <rest...> placeholder must end the layout: " + text)
		}
		if s != "" && s[0] != ':' && s[0] != '<' {
			p.stop = s[0]
		}
		l.parts = append(l.parts, p)
	}
	hasPlaceholder := false
	for _, p := range l.parts {
		if p.lit == "" {
			hasPlaceholder = true
		}
	}
	if !hasPlaceholder {
		l.tag = fixedTag
		if l.tag == "" {
			l.tag = strings.TrimSuffix(text, ":")
		}
	}
	return l
}

// restFirst reports whether the first placeholder takes the rest of the key.
func (l *layout) restFirst() bool {
	for _, p := range l.parts {
		if p.lit == "" {
			return p.rest
		}
	}
	return false
}

// match reports whether the logical key s fits the layout and returns the
// value of its first placeholder (its hash tag in namespaced mode) or the
// fixed tag.
func (l *layout) match(s string) (tag string, ok bool) {
	tag = l.tag
	first := true
	for _, p := range l.parts {
		if p.lit != "" {
			if !strings.HasPrefix(s, p.lit) {
				return "", false
			}
			s = s[len(p.lit):]
			continue
		}
		var v string
		if p.rest {
			v, s = s, ""
			if v == "" || strings.ContainsAny(v, "{}") {
				return "", false
			}
		} else {
			n := 0
			for n < len(s) && s[n] != ':' && s[n] != '{' && s[n] != '}' && (p.stop == 0 || s[n] != p.stop) {
				n++
			}
			if n == 0 {
				return "", false
			}
			v, s = s[:n], s[n:]
		}
		if first {
			// A key whose first placeholder is the free-form rest (a cache
			// request) is used by single-key commands only: its empty
			// tag "{}" lets Redis hash the whole key.
			if !p.rest {
				tag = v
			}
			first = false
		}
	}
	return tag, s == ""
}

// keyspace builds the physical keys of one database for one backend.
type keyspace struct {
	db         DB
	namespaced bool
	prefix     string // "db<N>:" in namespaced mode
	layouts    map[string]*layout
	ordered    []*layout // schema order, for matching
}

func newKeyspace(db DB, namespaced bool) *keyspace {
	spec := db.Spec()
	ks := &keyspace{db: db, namespaced: namespaced, prefix: "db" + strconv.Itoa(int(db)) + ":", layouts: map[string]*layout{}}
	for _, k := range spec.Keys {
		ks.layouts[k] = compileLayout(db, k, spec.Tag)
	}
	for _, k := range spec.Reserved {
		ks.layouts[k] = compileLayout(db, k, spec.Tag)
	}
	for _, k := range append(append([]string(nil), spec.Keys...), spec.Reserved...) {
		ks.ordered = append(ks.ordered, ks.layouts[k])
	}
	return ks
}

// key renders a layout with values for its placeholders, in order. The
// result is not validated here: the guard rejects a key that does not
// fit its layout (e.g. an identifier containing ':') before any command
// is sent, so a bad value can never write outside the schema. Stores
// validate identifiers up front for clearer errors.
func (ks *keyspace) key(text string, vals ...string) string {
	l := ks.layouts[text]
	if l == nil {
		panic("redismanager: layout " + text + " is not in the schema of " + ks.db.String())
	}
	var b strings.Builder
	n := len(text) + 16
	for _, v := range vals {
		n += len(v)
	}
	if ks.namespaced {
		n += len(ks.prefix)
	}
	b.Grow(n)
	if ks.namespaced {
		b.WriteString(ks.prefix)
		b.WriteByte('{')
		switch {
		case l.tag != "":
			b.WriteString(l.tag)
		case len(vals) > 0 && !l.restFirst():
			b.WriteString(vals[0])
		}
		b.WriteString("}:")
	}
	i := 0
	for _, p := range l.parts {
		if p.lit != "" {
			b.WriteString(p.lit)
			continue
		}
		if i < len(vals) {
			b.WriteString(vals[i])
		}
		i++
	}
	if i != len(vals) {
		panic(fmt.Sprintf("redismanager: layout %s takes %d values, got %d", text, i, len(vals)))
	}
	return b.String()
}

// logical strips the namespace from a physical key; ok is false when the
// key is not in this database's namespace or its tag does not match.
func (ks *keyspace) logical(physical string) (string, *layout, bool) {
	s := physical
	tag := ""
	if ks.namespaced {
		if !strings.HasPrefix(s, ks.prefix) || len(s) < len(ks.prefix)+3 || s[len(ks.prefix)] != '{' {
			return "", nil, false
		}
		s = s[len(ks.prefix)+1:]
		end := strings.IndexByte(s, '}')
		if end < 0 || end+1 >= len(s) || s[end+1] != ':' {
			return "", nil, false
		}
		tag, s = s[:end], s[end+2:]
	}
	for _, l := range ks.ordered {
		if t, ok := l.match(s); ok {
			if ks.namespaced && t != tag {
				return "", nil, false
			}
			return s, l, true
		}
	}
	return "", nil, false
}

// allowed reports whether a physical key belongs to this database.
func (ks *keyspace) allowed(physical string) bool {
	_, _, ok := ks.logical(physical)
	return ok
}

// scanPattern is a SCAN MATCH pattern covering every key of this
// database: "*" with numbered databases, "db<N>:*" when namespaced.
func (ks *keyspace) scanPattern() string {
	if ks.namespaced {
		return ks.prefix + "*"
	}
	return "*"
}
