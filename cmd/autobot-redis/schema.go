package main

import (
	"strings"

	"github.com/autobot-ai/autobot-redis/internal/console"
	"github.com/autobot-ai/autobot-redis/internal/mcp"
	"github.com/autobot-ai/autobot-redis/internal/ops"
	"github.com/autobot-ai/autobot-redis/redismanager"
)

// The ops tools (doctor, MCP server, console) describe AutoBot's six
// databases from the data layer's schema table, so that the numbers,
// names and key layouts are written down in exactly one place.

// layoutGlob turns a key layout such as "chat:session_<id>:messages" into
// the glob "chat:session_*:messages".
func layoutGlob(layout string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(layout, '<')
		if i < 0 {
			b.WriteString(layout)
			return b.String()
		}
		j := strings.IndexByte(layout[i:], '>')
		if j < 0 {
			b.WriteString(layout)
			return b.String()
		}
		b.WriteString(layout[:i])
		b.WriteByte('*')
		layout = layout[i+j+1:]
	}
}

// schemaGlobs lists the globs of a database's own and reserved layouts,
// without duplicates.
func schemaGlobs(s redismanager.DBSpec) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range append(append([]string(nil), s.Keys...), s.Reserved...) {
		g := layoutGlob(l)
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// mustExpire reports whether the data layer always writes keys of this
// layout with an expiry: such a key without a TTL is a leak the doctor
// reports.
func mustExpire(layout string) bool {
	switch layout {
	case "session:<id>", "api:cache:<request...>", "api:ratelimit:<user>:<route...>",
		"ws:user_<id>:connection", "queue:<name>:lease:<worker>":
		return true
	}
	return false
}

func doctorSchema() []ops.SchemaDB {
	var out []ops.SchemaDB
	for _, s := range redismanager.Schema() {
		d := ops.SchemaDB{Number: int(s.DB), Name: s.Name, Patterns: schemaGlobs(s)}
		for _, l := range s.Keys {
			if mustExpire(l) {
				d.TTLPatterns = append(d.TTLPatterns, layoutGlob(l))
			}
		}
		out = append(out, d)
	}
	return out
}

func mcpDatabases() []mcp.Database {
	var out []mcp.Database
	for _, s := range redismanager.Schema() {
		out = append(out, mcp.Database{Number: int(s.DB), Name: s.Name, Purpose: s.Purpose, Patterns: schemaGlobs(s)})
	}
	return out
}

// consoleDatabases is the table the console's databases page shows.
func consoleDatabases() []console.Database {
	var out []console.Database
	for _, s := range redismanager.Schema() {
		out = append(out, console.Database{Number: int(s.DB), Name: s.Name, Purpose: s.Purpose, Patterns: schemaGlobs(s)})
	}
	return out
}
