package ops

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Memory analysis by key pattern, in the spirit of RedisInsight's database
// analysis: SCAN through a database, ask MEMORY USAGE and PTTL for each key
// (pipelined), and group keys by pattern. It is sampled (at most
// MaxKeys keys) and time-bounded (Budget), and extrapolates to DBSIZE
// when it stopped early.

// MemoryOptions bound one analysis.
type MemoryOptions struct {
	Pattern string        // SCAN MATCH pattern, "" for all keys
	Top     int           // how many of the biggest keys to report
	MaxKeys int           // sample size
	Budget  time.Duration // time limit
}

// PatternStat aggregates the keys of one pattern.
type PatternStat struct {
	Pattern string `json:"pattern"`
	Keys    int64  `json:"keys"`
	Bytes   int64  `json:"bytes"`
	NoTTL   int64  `json:"keys_without_ttl"`
}

// KeyStat is one key of the top list.
type KeyStat struct {
	Key   string `json:"key"`
	Type  string `json:"type,omitempty"`
	Bytes int64  `json:"bytes"`
	TTLms int64  `json:"ttl_ms"`
}

// MemoryReport is the result for one database.
type MemoryReport struct {
	DB           int              `json:"db"`
	DBSize       int64            `json:"dbsize"`
	Sampled      int64            `json:"sampled_keys"`
	Complete     bool             `json:"complete"`
	SampledBytes int64            `json:"sampled_bytes"`
	Estimated    int64            `json:"estimated_total_bytes"`
	Patterns     []PatternStat    `json:"patterns"`
	Top          []KeyStat        `json:"top_keys"`
	TTLBuckets   map[string]int64 `json:"ttl_distribution"`
}

// idLike matches key segments that are identifiers rather than names:
// numbers, hex hashes, UUIDs, and "name_123" suffixes. They become "*".
var idLike = regexp.MustCompile(`^([0-9]+|[0-9a-fA-F]{8,}|[0-9a-fA-F-]{36})$`)
var idSuffix = regexp.MustCompile(`^([A-Za-z]+_)[0-9A-Za-z-]+$`)

// KeyPattern turns "chat:session_456:messages" into "chat:session_*:messages".
func KeyPattern(key string) string {
	parts := strings.Split(key, ":")
	if len(parts) == 1 {
		if idLike.MatchString(key) {
			return "*"
		}
		return key
	}
	for i, p := range parts {
		switch {
		case idLike.MatchString(p):
			parts[i] = "*"
		case idSuffix.MatchString(p):
			parts[i] = idSuffix.ReplaceAllString(p, "${1}*")
		case i == len(parts)-1 && i > 0 && strings.ContainsAny(p, "/.?="):
			parts[i] = "*"
		}
	}
	return strings.Join(parts, ":")
}

func ttlBucket(ms int64) string {
	switch {
	case ms < 0:
		return "no ttl"
	case ms < 60_000:
		return "< 1m"
	case ms < 3_600_000:
		return "< 1h"
	case ms < 86_400_000:
		return "< 1d"
	case ms < 7*86_400_000:
		return "< 7d"
	}
	return ">= 7d"
}

// AnalyzeMemory runs the analysis on the client's database.
func AnalyzeMemory(ctx context.Context, c *redis.Client, db int, o MemoryOptions) (*MemoryReport, error) {
	if o.MaxKeys <= 0 {
		o.MaxKeys = 100000
	}
	if o.Budget <= 0 {
		o.Budget = 10 * time.Second
	}
	if o.Top <= 0 {
		o.Top = 10
	}
	rep := &MemoryReport{DB: db, TTLBuckets: map[string]int64{}}
	size, err := c.DBSize(ctx).Result()
	if err != nil {
		return nil, err
	}
	rep.DBSize = size
	deadline := time.Now().Add(o.Budget)
	byPattern := map[string]*PatternStat{}
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, o.Pattern, 500).Result()
		if err != nil {
			return nil, fmt.Errorf("SCAN: %w", err)
		}
		if len(keys) > 0 {
			pipe := c.Pipeline()
			mem := make([]*redis.IntCmd, len(keys))
			ttl := make([]*redis.DurationCmd, len(keys))
			typ := make([]*redis.StatusCmd, len(keys))
			for i, k := range keys {
				mem[i] = pipe.MemoryUsage(ctx, k, 0)
				ttl[i] = pipe.PTTL(ctx, k)
				typ[i] = pipe.Type(ctx, k)
			}
			if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
				// Keys deleted meanwhile give nil replies; keep going.
				if !strings.Contains(err.Error(), "nil") {
					return nil, fmt.Errorf("MEMORY USAGE: %w", err)
				}
			}
			for i, k := range keys {
				bytes, err := mem[i].Result()
				if err != nil {
					continue // vanished between SCAN and MEMORY USAGE
				}
				ttlMs := int64(-1)
				if d := ttl[i].Val(); d >= 0 {
					ttlMs = d.Milliseconds()
				}
				rep.Sampled++
				rep.SampledBytes += bytes
				p := KeyPattern(k)
				st := byPattern[p]
				if st == nil {
					st = &PatternStat{Pattern: p}
					byPattern[p] = st
				}
				st.Keys++
				st.Bytes += bytes
				if ttlMs < 0 {
					st.NoTTL++
				}
				rep.TTLBuckets[ttlBucket(ttlMs)]++
				rep.Top = insertTop(rep.Top, KeyStat{Key: k, Type: typ[i].Val(), Bytes: bytes, TTLms: ttlMs}, o.Top)
			}
		}
		cursor = next
		if cursor == 0 {
			rep.Complete = true
			break
		}
		if rep.Sampled >= int64(o.MaxKeys) || time.Now().After(deadline) {
			break
		}
	}
	for _, st := range byPattern {
		rep.Patterns = append(rep.Patterns, *st)
	}
	sort.Slice(rep.Patterns, func(i, j int) bool {
		if rep.Patterns[i].Bytes != rep.Patterns[j].Bytes {
			return rep.Patterns[i].Bytes > rep.Patterns[j].Bytes
		}
		return rep.Patterns[i].Pattern < rep.Patterns[j].Pattern
	})
	rep.Estimated = rep.SampledBytes
	if !rep.Complete && rep.Sampled > 0 && o.Pattern == "" {
		rep.Estimated = rep.SampledBytes * rep.DBSize / rep.Sampled
	}
	return rep, nil
}

func insertTop(top []KeyStat, k KeyStat, n int) []KeyStat {
	i := sort.Search(len(top), func(i int) bool { return top[i].Bytes < k.Bytes })
	if i >= n {
		return top
	}
	top = append(top, KeyStat{})
	copy(top[i+1:], top[i:])
	top[i] = k
	if len(top) > n {
		top = top[:n]
	}
	return top
}

// WriteText prints the report as tables.
func (r *MemoryReport) WriteText(w io.Writer) {
	scope := "complete"
	if !r.Complete {
		scope = fmt.Sprintf("sampled %d of %d keys, estimated total %s", r.Sampled, r.DBSize, human(r.Estimated))
	}
	fmt.Fprintf(w, "db%d: %d keys, %s in the keys analysed (%s)\n\n", r.DB, r.DBSize, human(r.SampledBytes), scope)
	fmt.Fprintf(w, "%-44s %10s %12s %8s %10s\n", "pattern", "keys", "memory", "share", "no ttl")
	for _, p := range r.Patterns {
		share := 0.0
		if r.SampledBytes > 0 {
			share = 100 * float64(p.Bytes) / float64(r.SampledBytes)
		}
		fmt.Fprintf(w, "%-44s %10d %12s %7.1f%% %10d\n", p.Pattern, p.Keys, human(p.Bytes), share, p.NoTTL)
	}
	fmt.Fprintf(w, "\ntop keys:\n")
	for _, k := range r.Top {
		ttl := "no ttl"
		if k.TTLms >= 0 {
			ttl = (time.Duration(k.TTLms) * time.Millisecond).String()
		}
		fmt.Fprintf(w, "  %-50s %-7s %10s  %s\n", k.Key, k.Type, human(k.Bytes), ttl)
	}
	fmt.Fprintf(w, "\nttl distribution:\n")
	for _, b := range []string{"no ttl", "< 1m", "< 1h", "< 1d", "< 7d", ">= 7d"} {
		if n := r.TTLBuckets[b]; n > 0 {
			fmt.Fprintf(w, "  %-8s %d\n", b, n)
		}
	}
}
