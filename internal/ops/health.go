package ops

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// HealthReport is what `autobot-redis health` checks. Healthy is false
// when the server does not answer, when its last save or AOF write
// failed, or when memory is at or above 95% of maxmemory.
type HealthReport struct {
	Address      string           `json:"address"`
	Healthy      bool             `json:"healthy"`
	Problems     []string         `json:"problems,omitempty"`
	PingMillis   float64          `json:"ping_ms"`
	Version      string           `json:"redis_version,omitempty"`
	Role         string           `json:"role,omitempty"`
	RDBStatus    string           `json:"rdb_last_bgsave_status,omitempty"`
	AOFEnabled   bool             `json:"aof_enabled"`
	AOFStatus    string           `json:"aof_last_write_status,omitempty"`
	LastSave     int64            `json:"rdb_last_save_time,omitempty"`
	Changes      int64            `json:"rdb_changes_since_last_save"`
	UsedMemory   int64            `json:"used_memory"`
	MaxMemory    int64            `json:"maxmemory"`
	MemoryPolicy string           `json:"maxmemory_policy,omitempty"`
	Keys         map[string]int64 `json:"keys_per_db"`
}

// Health probes the server within the client's timeouts.
func Health(ctx context.Context, c *redis.Client, addr string) HealthReport {
	r := HealthReport{Address: addr, Healthy: true, Keys: map[string]int64{}}
	start := time.Now()
	if err := c.Ping(ctx).Err(); err != nil {
		r.Healthy = false
		r.Problems = append(r.Problems, "no answer to PING: "+err.Error())
		return r
	}
	r.PingMillis = float64(time.Since(start).Microseconds()) / 1000
	info, err := FetchInfo(ctx, c, "server", "persistence", "memory", "replication", "keyspace")
	if err != nil {
		r.Healthy = false
		r.Problems = append(r.Problems, "INFO failed: "+err.Error())
		return r
	}
	r.Version = info.Get("redis_version")
	r.Role = info.Get("role")
	r.RDBStatus = info.Get("rdb_last_bgsave_status")
	r.AOFEnabled = info.Get("aof_enabled") == "1"
	r.AOFStatus = info.Get("aof_last_write_status")
	r.LastSave = info.Int("rdb_last_save_time")
	r.Changes = info.Int("rdb_changes_since_last_save")
	r.UsedMemory = info.Int("used_memory")
	r.MaxMemory = info.Int("maxmemory")
	r.MemoryPolicy = info.Get("maxmemory_policy")
	for db, kv := range info.Keyspace() {
		r.Keys["db"+strconv.Itoa(db)] = kv[0]
	}
	if r.RDBStatus == "err" {
		r.Healthy = false
		r.Problems = append(r.Problems, "the last RDB save failed (rdb_last_bgsave_status:err): check the server log and the permissions and free space of its dir")
	}
	if r.AOFEnabled && r.AOFStatus == "err" {
		r.Healthy = false
		r.Problems = append(r.Problems, "the last AOF write failed (aof_last_write_status:err): check free disk space")
	}
	if r.MaxMemory > 0 && r.UsedMemory*100 >= r.MaxMemory*95 {
		r.Healthy = false
		r.Problems = append(r.Problems, fmt.Sprintf("memory at %d%% of maxmemory", r.UsedMemory*100/r.MaxMemory))
	}
	return r
}

// WriteText prints the report for people.
func (r HealthReport) WriteText(w io.Writer) {
	status := "healthy"
	if !r.Healthy {
		status = "UNHEALTHY"
	}
	fmt.Fprintf(w, "%s: %s\n", r.Address, status)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  problem: %s\n", p)
	}
	if r.Version == "" {
		return
	}
	fmt.Fprintf(w, "  ping: %.3f ms, redis_version %s, role %s\n", r.PingMillis, r.Version, r.Role)
	aof := "off"
	if r.AOFEnabled {
		aof = r.AOFStatus
	}
	fmt.Fprintf(w, "  persistence: rdb %s (last save %s, %d changes since), aof %s\n",
		r.RDBStatus, time.Unix(r.LastSave, 0).UTC().Format(time.RFC3339), r.Changes, aof)
	if r.MaxMemory > 0 {
		fmt.Fprintf(w, "  memory: %s of %s (%d%%), policy %s\n", human(r.UsedMemory), human(r.MaxMemory), r.UsedMemory*100/r.MaxMemory, r.MemoryPolicy)
	} else {
		fmt.Fprintf(w, "  memory: %s, no maxmemory set (policy %s)\n", human(r.UsedMemory), r.MemoryPolicy)
	}
	dbs := make([]string, 0, len(r.Keys))
	for k := range r.Keys {
		dbs = append(dbs, k)
	}
	sort.Strings(dbs)
	for _, k := range dbs {
		fmt.Fprintf(w, "  %s: %d keys\n", k, r.Keys[k])
	}
}

// WriteJSON prints the report as JSON.
func (r HealthReport) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2fK", float64(n)/(1<<10))
	}
	return strconv.FormatInt(n, 10) + "B"
}
