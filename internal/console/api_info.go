package console

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/ops"
)

// sample is one point of the overview's charts.
type sample struct {
	T        int64    `json:"t"` // unix milliseconds
	Ops      int64    `json:"ops"`
	Memory   int64    `json:"mem"`
	RSS      int64    `json:"rss"`
	Clients  int64    `json:"clients"`
	Blocked  int64    `json:"blocked"`
	HitRatio *float64 `json:"hit"` // over the interval; null without lookups
	InKbps   float64  `json:"in"`
	OutKbps  float64  `json:"out"`
	Keys     int64    `json:"keys"`
	Expired  int64    `json:"expired"` // during the interval
	Evicted  int64    `json:"evicted"`

	hits, misses, expiredTotal, evictedTotal int64
}

// sampler polls INFO for a session and keeps the last minutes, so the
// overview's charts have history as soon as the page opens. It pauses
// when the session has not asked for the overview for a while.
type sampler struct {
	s        *session
	mu       sync.Mutex
	samples  []sample
	lastErr  string
	lastInfo ops.Info
	wanted   time.Time
	running  bool
	done     chan struct{}
	stopOnce sync.Once
}

const samplerPause = 5 * time.Minute

func (s *session) getSampler() *sampler {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sampler == nil {
		s.sampler = &sampler{s: s, done: make(chan struct{})}
	}
	return s.sampler
}

// want keeps the sampler running (starting it if needed).
func (sm *sampler) want() {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	sm.wanted = time.Now()
	if !sm.running {
		sm.running = true
		go sm.loop()
	}
}

func (sm *sampler) stop() { sm.stopOnce.Do(func() { close(sm.done) }) }

func (sm *sampler) loop() {
	iv := sm.s.c.cfg.SampleInterval
	t := time.NewTicker(iv)
	defer t.Stop()
	sm.take()
	for {
		select {
		case <-sm.done:
			return
		case <-sm.s.ctx.Done():
			return
		case <-t.C:
		}
		sm.mu.Lock()
		if time.Since(sm.wanted) > samplerPause {
			sm.running = false
			sm.mu.Unlock()
			return
		}
		sm.mu.Unlock()
		sm.take()
	}
}

func (sm *sampler) take() {
	cl, err := sm.s.client(0)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(sm.s.ctx, 5*time.Second)
	info, err := ops.FetchInfo(ctx, cl, "everything")
	cancel()
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if err != nil {
		sm.lastErr = err.Error()
		return
	}
	sm.lastErr = ""
	sm.lastInfo = info
	now := time.Now()
	p := sample{
		T: now.UnixMilli(), Ops: info.Int("instantaneous_ops_per_sec"),
		Memory: info.Int("used_memory"), RSS: info.Int("used_memory_rss"),
		Clients: info.Int("connected_clients"), Blocked: info.Int("blocked_clients"),
		hits: info.Int("keyspace_hits"), misses: info.Int("keyspace_misses"),
		expiredTotal: info.Int("expired_keys"), evictedTotal: info.Int("evicted_keys"),
	}
	p.InKbps, _ = strconv.ParseFloat(info.Get("instantaneous_input_kbps"), 64)
	p.OutKbps, _ = strconv.ParseFloat(info.Get("instantaneous_output_kbps"), 64)
	for _, ks := range info.Keyspace() {
		p.Keys += ks[0]
	}
	if n := len(sm.samples); n > 0 {
		prev := sm.samples[n-1]
		dh, dm := p.hits-prev.hits, p.misses-prev.misses
		if dh >= 0 && dm >= 0 && dh+dm > 0 {
			r := float64(dh) / float64(dh+dm)
			p.HitRatio = &r
		}
		p.Expired = max(0, p.expiredTotal-prev.expiredTotal)
		p.Evicted = max(0, p.evictedTotal-prev.evictedTotal)
	}
	sm.samples = append(sm.samples, p)
	keep := int(sm.s.c.cfg.SampleWindow / sm.s.c.cfg.SampleInterval)
	if len(sm.samples) > keep {
		sm.samples = append(sm.samples[:0], sm.samples[len(sm.samples)-keep:]...)
	}
}

// overviewFields are the INFO fields the overview shows, by card.
var overviewFields = map[string][]string{
	"server": {"redis_version", "redis_mode", "os", "arch_bits", "process_id", "tcp_port", "uptime_in_seconds",
		"config_file", "executable"},
	"memory": {"used_memory", "used_memory_human", "used_memory_rss", "used_memory_peak_human", "maxmemory",
		"maxmemory_human", "maxmemory_policy", "mem_fragmentation_ratio"},
	"clients": {"connected_clients", "blocked_clients", "maxclients", "tracking_clients"},
	"stats": {"instantaneous_ops_per_sec", "total_commands_processed", "total_connections_received",
		"keyspace_hits", "keyspace_misses", "expired_keys", "evicted_keys", "rejected_connections",
		"instantaneous_input_kbps", "instantaneous_output_kbps", "pubsub_channels", "pubsub_patterns"},
	"persistence": {"loading", "rdb_changes_since_last_save", "rdb_bgsave_in_progress", "rdb_last_save_time",
		"rdb_last_bgsave_status", "rdb_last_bgsave_time_sec", "aof_enabled", "aof_rewrite_in_progress",
		"aof_last_bgrewrite_status", "aof_last_write_status"},
	"replication": {"role", "connected_slaves"},
}

type overviewResponse struct {
	Fields   map[string]map[string]string `json:"fields"`
	Keyspace []keyspaceRow                `json:"keyspace"`
	HitRatio *float64                     `json:"hit_ratio"`
	Samples  []sample                     `json:"samples"`
	Interval int64                        `json:"interval_ms"`
	Error    string                       `json:"error,omitempty"`
	Info     map[string]map[string]string `json:"info,omitempty"`
}

type keyspaceRow struct {
	DB      int   `json:"db"`
	Keys    int64 `json:"keys"`
	Expires int64 `json:"expires"`
}

// handleOverview returns the latest INFO, the selected fields and the
// samples newer than ?since= (unix ms).
func (c *Console) handleOverview(w http.ResponseWriter, r *http.Request, s *session) {
	since, err := intParam(r, "since", 0, 0, 1<<62)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sm := s.getSampler()
	sm.want()
	// The first request waits briefly for the first sample.
	for i := 0; i < 50; i++ {
		sm.mu.Lock()
		ready := sm.lastInfo != nil || sm.lastErr != ""
		sm.mu.Unlock()
		if ready {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	sm.mu.Lock()
	info := sm.lastInfo
	out := overviewResponse{Error: sm.lastErr, Interval: c.cfg.SampleInterval.Milliseconds(), Samples: []sample{}}
	for _, p := range sm.samples {
		if p.T > since {
			out.Samples = append(out.Samples, p)
		}
	}
	sm.mu.Unlock()
	if info != nil {
		out.Fields = map[string]map[string]string{}
		for sec, names := range overviewFields {
			m := map[string]string{}
			for _, n := range names {
				if v, ok := info[sec][n]; ok {
					m[n] = v
				}
			}
			out.Fields[sec] = m
		}
		hits, misses := info.Int("keyspace_hits"), info.Int("keyspace_misses")
		if hits+misses > 0 {
			r := float64(hits) / float64(hits+misses)
			out.HitRatio = &r
		}
		out.Keyspace = keyspaceRows(info)
		if r.URL.Query().Get("full") == "1" {
			out.Info = info
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func keyspaceRows(info ops.Info) []keyspaceRow {
	rows := []keyspaceRow{}
	for db, v := range info.Keyspace() {
		rows = append(rows, keyspaceRow{DB: db, Keys: v[0], Expires: v[1]})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].DB < rows[j].DB })
	return rows
}

// dbReport is one row of the databases page.
type dbReport struct {
	Number      int      `json:"number"`
	Name        string   `json:"name"`
	Purpose     string   `json:"purpose"`
	Patterns    []string `json:"patterns"`
	Schema      bool     `json:"schema"`
	Keys        int64    `json:"keys"`
	Expires     int64    `json:"expires"`
	AvgTTLms    int64    `json:"avg_ttl_ms"`
	Memory      int64    `json:"memory"`
	MemoryExact bool     `json:"memory_exact"`
	Sampled     int64    `json:"sampled"`
	Matching    int64    `json:"matching"` // sampled keys that match the declared patterns
	Error       string   `json:"error,omitempty"`
}

type dbCacheEntry struct {
	at   time.Time
	rows []dbReport
	err  string
}

const dbCacheTTL = 10 * time.Second

// handleDatabases lists the schema's databases (and any other database
// holding keys) with key counts from INFO keyspace and memory estimated
// from a sample of MEMORY USAGE (exact for small databases).
func (c *Console) handleDatabases(w http.ResponseWriter, r *http.Request, s *session) {
	s.mu.Lock()
	cached := s.dbCache
	s.mu.Unlock()
	if cached != nil && time.Since(cached.at) < dbCacheTTL && r.URL.Query().Get("refresh") != "1" {
		writeJSON(w, http.StatusOK, map[string]any{"databases": cached.rows, "error": cached.err})
		return
	}
	cl, err := s.client(0)
	if err != nil {
		redisError(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	var rows []dbReport
	seen := map[int]bool{}
	for _, d := range c.cfg.Databases {
		rows = append(rows, dbReport{Number: d.Number, Name: d.Name, Purpose: d.Purpose, Patterns: d.Patterns, Schema: true})
		seen[d.Number] = true
	}
	errText := ""
	info, err := ops.FetchInfo(ctx, cl, "keyspace")
	if err != nil {
		errText = "INFO keyspace: " + err.Error()
	}
	ks := info.Keyspace()
	for db := range ks {
		if !seen[db] {
			rows = append(rows, dbReport{Number: db, Name: "db" + strconv.Itoa(db), Patterns: []string{}})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Number < rows[j].Number })
	avg := map[int]int64{}
	for k, v := range info["keyspace"] {
		if n, err := strconv.Atoi(strings.TrimPrefix(k, "db")); err == nil {
			for _, part := range strings.Split(v, ",") {
				if name, val, _ := strings.Cut(part, "="); name == "avg_ttl" {
					avg[n], _ = strconv.ParseInt(val, 10, 64)
				}
			}
		}
	}
	var wg sync.WaitGroup
	for i := range rows {
		row := &rows[i]
		row.Keys, row.Expires, row.AvgTTLms = ks[row.Number][0], ks[row.Number][1], avg[row.Number]
		if row.Keys == 0 && err == nil {
			row.MemoryExact = true
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.estimateDB(ctx, s, row)
		}()
	}
	wg.Wait()
	s.mu.Lock()
	s.dbCache = &dbCacheEntry{at: time.Now(), rows: rows, err: errText}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"databases": rows, "error": errText})
}

// estimateDB samples a database's keys for its memory and for how many
// follow the declared patterns.
func (c *Console) estimateDB(ctx context.Context, s *session, row *dbReport) {
	cl, err := s.client(row.Number)
	if err != nil {
		row.Error = err.Error()
		return
	}
	if row.Keys == 0 {
		n, err := cl.DBSize(ctx).Result()
		if err != nil {
			row.Error = err.Error()
			return
		}
		row.Keys = n
		if n == 0 {
			row.MemoryExact = true
			return
		}
	}
	rep, err := ops.AnalyzeMemory(ctx, cl, row.Number, ops.MemoryOptions{MaxKeys: 400, Budget: 700 * time.Millisecond, Top: 1})
	if err != nil {
		row.Error = err.Error()
		return
	}
	row.Memory, row.MemoryExact, row.Sampled = rep.Estimated, rep.Complete, rep.Sampled
	if len(row.Patterns) == 0 {
		return
	}
	// Which sampled patterns fall under the declared ones.
	for _, p := range rep.Patterns {
		for _, decl := range row.Patterns {
			if keyspace.MatchString(decl, strings.ReplaceAll(p.Pattern, "*", "x"), false) || keyspace.MatchString(decl, p.Pattern, false) {
				row.Matching += p.Keys
				break
			}
		}
	}
}

// slowEntry is one SLOWLOG entry.
type slowEntry struct {
	ID         int64    `json:"id"`
	Time       int64    `json:"time"` // unix seconds
	DurationUs int64    `json:"duration_us"`
	Args       []string `json:"args"`
	Client     string   `json:"client"`
	ClientName string   `json:"client_name"`
}

func (c *Console) handleSlowlog(w http.ResponseWriter, r *http.Request, s *session) {
	n, err := intParam(r, "count", 128, 1, 10000)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cl, err := s.client(0)
	if err != nil {
		redisError(w, err)
		return
	}
	ctx := r.Context()
	logs, err := cl.SlowLogGet(ctx, n).Result()
	if err != nil {
		redisError(w, err)
		return
	}
	out := []slowEntry{}
	for _, l := range logs {
		e := slowEntry{ID: l.ID, Time: l.Time.Unix(), DurationUs: l.Duration.Microseconds(), Client: l.ClientAddr, ClientName: l.ClientName}
		for _, a := range l.Args {
			e.Args = append(e.Args, toBin(a).S)
		}
		out = append(out, e)
	}
	resp := map[string]any{"entries": out}
	if total, err := cl.Do(ctx, "SLOWLOG", "LEN").Int64(); err == nil {
		resp["length"] = total
	}
	if cfg, err := cl.ConfigGet(ctx, "slowlog-*").Result(); err == nil {
		resp["config"] = cfg
	}
	writeJSON(w, http.StatusOK, resp)
}

func (c *Console) handleSlowlogReset(w http.ResponseWriter, r *http.Request, s *session) {
	cl, err := s.client(0)
	if err != nil {
		redisError(w, err)
		return
	}
	if err := cl.Do(r.Context(), "SLOWLOG", "RESET").Err(); err != nil {
		redisError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// handleAnalysis runs the memory analysis of one database: memory by
// key pattern (namespace), the biggest keys and the TTL distribution.
func (c *Console) handleAnalysis(w http.ResponseWriter, r *http.Request, s *session) {
	db, err := dbParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	maxKeys, err := intParam(r, "max_keys", 100000, 1, 10000000)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cl, err := s.client(db)
	if err != nil {
		redisError(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	rep, err := ops.AnalyzeMemory(ctx, cl, db, ops.MemoryOptions{
		Pattern: r.URL.Query().Get("pattern"), Top: 25, MaxKeys: int(maxKeys), Budget: 8 * time.Second,
	})
	if err != nil {
		redisError(w, err)
		return
	}
	// Namespaces: the first segment of the key patterns, for the chart.
	ns := map[string]*ops.PatternStat{}
	for _, p := range rep.Patterns {
		name, _, _ := strings.Cut(p.Pattern, ":")
		st := ns[name]
		if st == nil {
			st = &ops.PatternStat{Pattern: name}
			ns[name] = st
		}
		st.Keys += p.Keys
		st.Bytes += p.Bytes
		st.NoTTL += p.NoTTL
	}
	namespaces := make([]ops.PatternStat, 0, len(ns))
	for _, st := range ns {
		namespaces = append(namespaces, *st)
	}
	sort.Slice(namespaces, func(i, j int) bool { return namespaces[i].Bytes > namespaces[j].Bytes })
	if rep.Patterns == nil {
		rep.Patterns = []ops.PatternStat{}
	}
	if rep.Top == nil {
		rep.Top = []ops.KeyStat{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"report": rep, "namespaces": namespaces})
}
