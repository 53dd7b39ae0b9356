// Package mcp is `autobot-redis mcp`: a Model Context Protocol server, on
// the official Go SDK, that lets an assistant inspect AutoBot's Redis. It
// provides the seed's autobot_redis_info tool plus read-only tools for
// health, the slow log, key scans and key inspection. Tools that change
// data exist only when the server is started with writes allowed, and
// each call must carry an explicit confirmation.
package mcp

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/ops"
)

// Database describes one of AutoBot's logical databases.
type Database struct {
	Number   int
	Name     string
	Purpose  string
	Patterns []string
}

// Config is what the MCP server needs.
type Config struct {
	// Client returns a client for database db.
	Client func(db int) (*redis.Client, error)
	// Addr is shown in reports.
	Addr string
	// Databases is AutoBot's schema table.
	Databases []Database
	// AllowWrites registers the flushdb and delete tools.
	AllowWrites bool
	Version     string
}

// New builds the MCP server with its tools.
func New(cfg Config) *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "autobot-redis", Version: cfg.Version}, nil)
	t := &tools{cfg: cfg}
	ro := &sdk.ToolAnnotations{ReadOnlyHint: true}
	sdk.AddTool(s, &sdk.Tool{
		Name: "autobot_redis_info",
		Description: "Show Redis information for AutoBot. action is one of info (server statistics), databases " +
			"(the six AutoBot databases with purpose, key patterns, key counts, expiring keys and memory), memory, " +
			"clients or config. database (0-15) narrows the result to one database where it applies.",
		Annotations: ro,
	}, t.info)
	sdk.AddTool(s, &sdk.Tool{
		Name:        "autobot_redis_health",
		Description: "Check that Redis answers, that persistence works and that memory is within maxmemory; lists problems found.",
		Annotations: ro,
	}, t.health)
	sdk.AddTool(s, &sdk.Tool{
		Name:        "autobot_redis_slowlog",
		Description: "Show the slowest recent commands (SLOWLOG GET), newest first.",
		Annotations: ro,
	}, t.slowlog)
	sdk.AddTool(s, &sdk.Tool{
		Name:        "autobot_redis_scan_keys",
		Description: "List keys of a database matching a glob pattern (SCAN), with their type, TTL and memory. Bounded by count.",
		Annotations: ro,
	}, t.scan)
	sdk.AddTool(s, &sdk.Tool{
		Name:        "autobot_redis_inspect_key",
		Description: "Show one key: type, encoding, TTL, memory, and a bounded preview of its value.",
		Annotations: ro,
	}, t.inspect)
	if cfg.AllowWrites {
		destructive := true
		wa := &sdk.ToolAnnotations{DestructiveHint: &destructive}
		sdk.AddTool(s, &sdk.Tool{
			Name:        "autobot_redis_flushdb",
			Description: "Delete every key of one database. Requires confirm set to the text \"FLUSHDB <database>\".",
			Annotations: wa,
		}, t.flushdb)
		sdk.AddTool(s, &sdk.Tool{
			Name:        "autobot_redis_delete_keys",
			Description: "Delete the given keys of one database. Requires confirm: true.",
			Annotations: wa,
		}, t.deleteKeys)
	}
	return s
}

type tools struct{ cfg Config }

func (t *tools) client(db int) (*redis.Client, error) {
	if db < 0 || db > 15 {
		return nil, fmt.Errorf("database must be between 0 and 15, got %d", db)
	}
	return t.cfg.Client(db)
}

// InfoInput is autobot_redis_info's input, as the seed defines it.
type InfoInput struct {
	Action   string `json:"action" jsonschema:"one of info, databases, memory, clients, config"`
	Database *int   `json:"database,omitempty" jsonschema:"a database number from 0 to 15"`
}

// InfoOutput carries the result of one action; only its field is set.
type InfoOutput struct {
	Action    string                       `json:"action"`
	Sections  map[string]map[string]string `json:"sections,omitempty"`
	Databases []DatabaseReport             `json:"databases,omitempty"`
	Memory    *MemoryInfo                  `json:"memory,omitempty"`
	Clients   []map[string]string          `json:"clients,omitempty"`
	Config    map[string]string            `json:"config,omitempty"`
}

// DatabaseReport is one AutoBot database.
type DatabaseReport struct {
	Number       int      `json:"db"`
	Name         string   `json:"name"`
	Purpose      string   `json:"purpose"`
	Patterns     []string `json:"key_patterns"`
	Keys         int64    `json:"keys"`
	ExpiringKeys int64    `json:"expiring_keys"`
	MemoryBytes  int64    `json:"memory_bytes"`
	MemoryExact  bool     `json:"memory_exact"`
}

// MemoryInfo is the memory action's result.
type MemoryInfo struct {
	Fields   map[string]string `json:"fields"`
	Analysis *ops.MemoryReport `json:"analysis,omitempty"`
}

func (t *tools) info(ctx context.Context, _ *sdk.CallToolRequest, in InfoInput) (*sdk.CallToolResult, InfoOutput, error) {
	out := InfoOutput{Action: in.Action}
	db := 0
	if in.Database != nil {
		db = *in.Database
	}
	c, err := t.client(db)
	if err != nil {
		return nil, out, err
	}
	defer c.Close()
	switch in.Action {
	case "info", "":
		out.Action = "info"
		info, err := ops.FetchInfo(ctx, c)
		if err != nil {
			return nil, out, err
		}
		if in.Database != nil {
			key := "db" + strconv.Itoa(db)
			info["keyspace"] = map[string]string{key: info["keyspace"][key]}
		}
		out.Sections = info
	case "databases":
		reps, err := t.databases(ctx, in.Database)
		if err != nil {
			return nil, out, err
		}
		out.Databases = reps
	case "memory":
		info, err := ops.FetchInfo(ctx, c, "memory")
		if err != nil {
			return nil, out, err
		}
		out.Memory = &MemoryInfo{Fields: info["memory"]}
		if in.Database != nil {
			rep, err := ops.AnalyzeMemory(ctx, c, db, ops.MemoryOptions{Top: 10, MaxKeys: 20000, Budget: 5 * time.Second})
			if err != nil {
				return nil, out, err
			}
			out.Memory.Analysis = rep
		}
	case "clients":
		list, err := c.ClientList(ctx).Result()
		if err != nil {
			return nil, out, err
		}
		for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
			m := map[string]string{}
			for _, f := range strings.Fields(line) {
				k, v, _ := strings.Cut(f, "=")
				m[k] = v
			}
			if in.Database != nil && m["db"] != strconv.Itoa(db) {
				continue
			}
			out.Clients = append(out.Clients, m)
		}
	case "config":
		cfg, err := c.ConfigGet(ctx, "*").Result()
		if err != nil {
			return nil, out, err
		}
		for _, secret := range []string{"requirepass", "masterauth", "tls-key-file-pass", "tls-client-key-file-pass"} {
			if v, ok := cfg[secret]; ok && v != "" {
				cfg[secret] = "(set, hidden)"
			}
		}
		out.Config = cfg
	default:
		return nil, out, fmt.Errorf("unknown action %q: use info, databases, memory, clients or config", in.Action)
	}
	return nil, out, nil
}

// databases reports AutoBot's databases: key counts from INFO keyspace,
// memory from a sampled, time-bounded analysis.
func (t *tools) databases(ctx context.Context, only *int) ([]DatabaseReport, error) {
	c, err := t.client(0)
	if err != nil {
		return nil, err
	}
	info, err := ops.FetchInfo(ctx, c, "keyspace")
	c.Close()
	if err != nil {
		return nil, err
	}
	ks := info.Keyspace()
	var out []DatabaseReport
	for _, d := range t.cfg.Databases {
		if only != nil && d.Number != *only {
			continue
		}
		r := DatabaseReport{Number: d.Number, Name: d.Name, Purpose: d.Purpose, Patterns: d.Patterns,
			Keys: ks[d.Number][0], ExpiringKeys: ks[d.Number][1], MemoryExact: true}
		if r.Keys > 0 {
			dc, err := t.client(d.Number)
			if err != nil {
				return nil, err
			}
			rep, err := ops.AnalyzeMemory(ctx, dc, d.Number, ops.MemoryOptions{Top: 1, MaxKeys: 10000, Budget: 2 * time.Second})
			dc.Close()
			if err != nil {
				return nil, err
			}
			r.MemoryBytes, r.MemoryExact = rep.Estimated, rep.Complete
		}
		out = append(out, r)
	}
	if only != nil && len(out) == 0 {
		return nil, fmt.Errorf("database %d is not one of AutoBot's databases", *only)
	}
	return out, nil
}

// HealthOutput wraps the health report.
type HealthOutput struct {
	Report ops.HealthReport `json:"report"`
}

func (t *tools) health(ctx context.Context, _ *sdk.CallToolRequest, _ struct{}) (*sdk.CallToolResult, HealthOutput, error) {
	c, err := t.client(0)
	if err != nil {
		return nil, HealthOutput{}, err
	}
	defer c.Close()
	return nil, HealthOutput{Report: ops.Health(ctx, c, t.cfg.Addr)}, nil
}

// SlowlogInput bounds the slow log listing.
type SlowlogInput struct {
	Count int `json:"count,omitempty" jsonschema:"how many entries, default 10, at most 128"`
}

// SlowlogEntry is one slow command.
type SlowlogEntry struct {
	ID           int64    `json:"id"`
	Time         string   `json:"time"`
	Microseconds int64    `json:"duration_us"`
	Args         []string `json:"args"`
	Client       string   `json:"client_addr"`
	Name         string   `json:"client_name"`
}

// SlowlogOutput lists slow commands.
type SlowlogOutput struct {
	Entries []SlowlogEntry `json:"entries"`
}

func (t *tools) slowlog(ctx context.Context, _ *sdk.CallToolRequest, in SlowlogInput) (*sdk.CallToolResult, SlowlogOutput, error) {
	n := in.Count
	if n <= 0 {
		n = 10
	}
	if n > 128 {
		n = 128
	}
	c, err := t.client(0)
	if err != nil {
		return nil, SlowlogOutput{}, err
	}
	defer c.Close()
	logs, err := c.SlowLogGet(ctx, int64(n)).Result()
	if err != nil {
		return nil, SlowlogOutput{}, err
	}
	out := SlowlogOutput{Entries: []SlowlogEntry{}}
	for _, l := range logs {
		out.Entries = append(out.Entries, SlowlogEntry{ID: l.ID, Time: l.Time.UTC().Format(time.RFC3339),
			Microseconds: l.Duration.Microseconds(), Args: l.Args, Client: l.ClientAddr, Name: l.ClientName})
	}
	return nil, out, nil
}

// ScanInput selects keys.
type ScanInput struct {
	Database int    `json:"database" jsonschema:"database number 0-15"`
	Pattern  string `json:"pattern,omitempty" jsonschema:"glob pattern, default *"`
	Count    int    `json:"count,omitempty" jsonschema:"maximum number of keys, default 100, at most 1000"`
}

// KeyInfo describes one key.
type KeyInfo struct {
	Key         string `json:"key"`
	Type        string `json:"type"`
	TTLSeconds  int64  `json:"ttl_seconds"`
	MemoryBytes int64  `json:"memory_bytes"`
}

// ScanOutput lists keys.
type ScanOutput struct {
	Keys      []KeyInfo `json:"keys"`
	Truncated bool      `json:"truncated"`
}

func (t *tools) scan(ctx context.Context, _ *sdk.CallToolRequest, in ScanInput) (*sdk.CallToolResult, ScanOutput, error) {
	limit := in.Count
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	c, err := t.client(in.Database)
	if err != nil {
		return nil, ScanOutput{}, err
	}
	defer c.Close()
	out := ScanOutput{Keys: []KeyInfo{}}
	var cursor uint64
	deadline := time.Now().Add(5 * time.Second)
	for {
		keys, next, err := c.Scan(ctx, cursor, in.Pattern, 200).Result()
		if err != nil {
			return nil, out, err
		}
		for _, k := range keys {
			if len(out.Keys) >= limit {
				out.Truncated = true
				break
			}
			out.Keys = append(out.Keys, keyInfo(ctx, c, k))
		}
		cursor = next
		if cursor == 0 || out.Truncated || time.Now().After(deadline) {
			out.Truncated = out.Truncated || cursor != 0
			break
		}
	}
	sort.Slice(out.Keys, func(i, j int) bool { return out.Keys[i].Key < out.Keys[j].Key })
	return nil, out, nil
}

func keyInfo(ctx context.Context, c *redis.Client, k string) KeyInfo {
	pipe := c.Pipeline()
	typ := pipe.Type(ctx, k)
	ttl := pipe.TTL(ctx, k)
	mem := pipe.MemoryUsage(ctx, k)
	pipe.Exec(ctx)
	ki := KeyInfo{Key: k, Type: typ.Val(), TTLSeconds: -1, MemoryBytes: mem.Val()}
	if d := ttl.Val(); d >= 0 {
		ki.TTLSeconds = int64(d.Seconds())
	}
	return ki
}

// InspectInput names a key.
type InspectInput struct {
	Database int    `json:"database" jsonschema:"database number 0-15"`
	Key      string `json:"key"`
}

// InspectOutput describes a key and previews its value.
type InspectOutput struct {
	KeyInfo
	Encoding string `json:"encoding"`
	Length   int64  `json:"length"`
	Preview  any    `json:"preview" jsonschema:"a bounded preview of the value: a string, a list, a field map or a list of stream entries"`
	Partial  bool   `json:"preview_truncated"`
}

const previewItems = 100

func (t *tools) inspect(ctx context.Context, _ *sdk.CallToolRequest, in InspectInput) (*sdk.CallToolResult, InspectOutput, error) {
	c, err := t.client(in.Database)
	if err != nil {
		return nil, InspectOutput{}, err
	}
	defer c.Close()
	n, err := c.Exists(ctx, in.Key).Result()
	if err != nil {
		return nil, InspectOutput{}, err
	}
	if n == 0 {
		return nil, InspectOutput{}, fmt.Errorf("key %q does not exist in database %d", in.Key, in.Database)
	}
	out := InspectOutput{KeyInfo: keyInfo(ctx, c, in.Key)}
	out.Encoding = c.ObjectEncoding(ctx, in.Key).Val()
	switch out.Type {
	case "string":
		v := c.GetRange(ctx, in.Key, 0, 4095).Val()
		out.Length = c.StrLen(ctx, in.Key).Val()
		out.Preview, out.Partial = v, out.Length > 4096
	case "list":
		out.Length = c.LLen(ctx, in.Key).Val()
		out.Preview, out.Partial = c.LRange(ctx, in.Key, 0, previewItems-1).Val(), out.Length > previewItems
	case "hash":
		out.Length = c.HLen(ctx, in.Key).Val()
		fields, _, _ := c.HScan(ctx, in.Key, 0, "", previewItems).Result()
		m := map[string]string{}
		for i := 0; i+1 < len(fields); i += 2 {
			m[fields[i]] = fields[i+1]
		}
		out.Preview, out.Partial = m, out.Length > int64(len(m))
	case "set":
		out.Length = c.SCard(ctx, in.Key).Val()
		members, _, _ := c.SScan(ctx, in.Key, 0, "", previewItems).Result()
		out.Preview, out.Partial = members, out.Length > int64(len(members))
	case "zset":
		out.Length = c.ZCard(ctx, in.Key).Val()
		zs := c.ZRangeWithScores(ctx, in.Key, 0, previewItems-1).Val()
		items := make([]map[string]any, 0, len(zs))
		for _, z := range zs {
			items = append(items, map[string]any{"member": z.Member, "score": z.Score})
		}
		out.Preview, out.Partial = items, out.Length > previewItems
	case "stream":
		out.Length = c.XLen(ctx, in.Key).Val()
		out.Preview, out.Partial = c.XRevRangeN(ctx, in.Key, "+", "-", 10).Val(), out.Length > 10
	}
	return nil, out, nil
}

// FlushInput asks to empty a database.
type FlushInput struct {
	Database int    `json:"database" jsonschema:"database number 0-15"`
	Confirm  string `json:"confirm" jsonschema:"must be exactly FLUSHDB followed by the database number, e.g. FLUSHDB 3"`
}

// WriteOutput reports a write tool's effect.
type WriteOutput struct {
	Deleted int64 `json:"deleted"`
}

func (t *tools) flushdb(ctx context.Context, _ *sdk.CallToolRequest, in FlushInput) (*sdk.CallToolResult, WriteOutput, error) {
	if in.Confirm != "FLUSHDB "+strconv.Itoa(in.Database) {
		return nil, WriteOutput{}, fmt.Errorf("refused: set confirm to %q to delete every key of database %d", "FLUSHDB "+strconv.Itoa(in.Database), in.Database)
	}
	c, err := t.client(in.Database)
	if err != nil {
		return nil, WriteOutput{}, err
	}
	defer c.Close()
	n := c.DBSize(ctx).Val()
	if err := c.FlushDB(ctx).Err(); err != nil {
		return nil, WriteOutput{}, err
	}
	return nil, WriteOutput{Deleted: n}, nil
}

// DeleteInput names keys to delete.
type DeleteInput struct {
	Database int      `json:"database" jsonschema:"database number 0-15"`
	Keys     []string `json:"keys"`
	Confirm  bool     `json:"confirm" jsonschema:"must be true"`
}

func (t *tools) deleteKeys(ctx context.Context, _ *sdk.CallToolRequest, in DeleteInput) (*sdk.CallToolResult, WriteOutput, error) {
	if !in.Confirm {
		return nil, WriteOutput{}, errors.New("refused: set confirm to true to delete these keys")
	}
	if len(in.Keys) == 0 {
		return nil, WriteOutput{}, errors.New("no keys given")
	}
	c, err := t.client(in.Database)
	if err != nil {
		return nil, WriteOutput{}, err
	}
	defer c.Close()
	n, err := c.Del(ctx, in.Keys...).Result()
	return nil, WriteOutput{Deleted: n}, err
}
