package ops

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/keyspace"
)

// The doctor turns the Troubleshooting section of AutoBot's Redis guide
// into one command: each finding says what is wrong, why it matters and
// how to fix it.

// Severity ranks a finding.
type Severity string

// Severities, from harmless to urgent.
const (
	SevOK       Severity = "ok"
	SevInfo     Severity = "info"
	SevWarn     Severity = "warning"
	SevCritical Severity = "critical"
)

// Finding is one result of the doctor.
type Finding struct {
	Check     string   `json:"check"`
	Severity  Severity `json:"severity"`
	Diagnosis string   `json:"diagnosis"`
	Fix       string   `json:"fix,omitempty"`
}

// SchemaDB is one AutoBot database as the doctor needs it: the key
// patterns that belong there, and those that must carry a TTL.
type SchemaDB struct {
	Number      int
	Name        string
	Patterns    []string
	TTLPatterns []string
}

// DoctorOptions configure a run.
type DoctorOptions struct {
	Conn   *ConnFlags
	Schema []SchemaDB
	// Hosts are resolved and dialled for the DNS check.
	Hosts []string
	// Sample bounds how many keys per database the hygiene checks look at.
	Sample int
}

// defaultDoctorHosts are the names AutoBot's components use for Redis.
func defaultDoctorHosts() []string {
	return []string{"redis", "localhost", "autobot-redis", "host.docker.internal"}
}

// Doctor runs every check and returns the findings.
func Doctor(ctx context.Context, o DoctorOptions) []Finding {
	var out []Finding
	add := func(f Finding) { out = append(out, f) }
	if o.Sample <= 0 {
		o.Sample = 2000
	}
	hosts := o.Hosts
	if hosts == nil {
		hosts = defaultDoctorHosts()
	}
	port := o.Conn.Port
	for _, h := range hosts {
		add(checkHost(ctx, h, port))
	}

	c, err := o.Conn.Client(0)
	if err != nil {
		add(Finding{"connection", SevCritical, err.Error(), "check the -h/-p/-u options"})
		return out
	}
	defer c.Close()
	start := time.Now()
	if err := c.Ping(ctx).Err(); err != nil {
		switch {
		case strings.Contains(err.Error(), "NOAUTH"):
			add(Finding{"auth", SevCritical, "the server requires a password and none was given",
				"pass it with -a, the REDISCLI_AUTH environment variable, or -u redis://:password@host:port"})
		case strings.Contains(err.Error(), "WRONGPASS"):
			add(Finding{"auth", SevCritical, "the password (or user) was rejected: " + err.Error(),
				"check requirepass or the ACL user; passwords belong in the environment or a secret, never in the repository"})
		default:
			add(Finding{"connection", SevCritical, fmt.Sprintf("%s does not answer: %v", o.Conn.Addr(), err),
				"is the server running (docker ps | grep redis, systemctl status autobot-redis)? From a container use the host 'redis', from the host 'localhost'"})
		}
		return out
	}
	add(Finding{"connection", SevOK, fmt.Sprintf("%s answers PING in %.2f ms", o.Conn.Addr(), float64(time.Since(start).Microseconds())/1000), ""})

	info, err := FetchInfo(ctx, c, "server", "persistence", "memory", "keyspace")
	if err != nil {
		add(Finding{"info", SevCritical, "INFO failed: " + err.Error(), "the user needs the @admin... at least INFO permission"})
		return out
	}
	cfg, _ := c.ConfigGet(ctx, "*").Result()
	out = append(out, checkSecurity(o, cfg)...)
	out = append(out, checkPersistence(o, info, cfg)...)
	out = append(out, checkMemory(info, cfg)...)
	out = append(out, checkSlowlog(ctx, c)...)
	out = append(out, checkHygiene(ctx, o, info)...)
	return out
}

func checkHost(ctx context.Context, host string, port int) Finding {
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil || len(addrs) == 0 {
		return Finding{"dns " + host, SevInfo, fmt.Sprintf("%q does not resolve here", host),
			"normal outside Docker; inside containers 'redis' must resolve on the compose network (check networks: in docker-compose.yml)"}
	}
	d := net.Dialer{Timeout: 500 * time.Millisecond}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return Finding{"dns " + host, SevInfo, fmt.Sprintf("%q resolves to %s but port %d is closed there", host, strings.Join(addrs, ", "), port),
			"expected when Redis runs elsewhere; otherwise check the port mapping (6379:6379) and bind"}
	}
	conn.Close()
	return Finding{"dns " + host, SevOK, fmt.Sprintf("%q resolves to %s and port %d accepts connections", host, strings.Join(addrs, ", "), port), ""}
}

func isLoopbackBind(bind string) bool {
	for _, b := range strings.Fields(bind) {
		b = strings.TrimPrefix(b, "-")
		if ip := net.ParseIP(b); b == "*" || b == "::*" || ip == nil || !ip.IsLoopback() {
			return false
		}
	}
	return bind != ""
}

func checkSecurity(o DoctorOptions, cfg map[string]string) []Finding {
	var out []Finding
	exposed := !isLoopbackBind(cfg["bind"])
	noPass := cfg["requirepass"] == "" && o.Conn.Password == "" && os.Getenv("REDISCLI_AUTH") == "" && o.Conn.User == ""
	switch {
	case cfg == nil:
		out = append(out, Finding{"auth", SevInfo, "CONFIG GET is not permitted for this user, security settings not checked", ""})
		return out
	case exposed && noPass && cfg["protected-mode"] == "no":
		out = append(out, Finding{"auth", SevCritical, "the server listens beyond loopback (bind " + cfg["bind"] + ") with no password and protected-mode off: anyone who reaches the port can read and delete everything",
			"set requirepass (or ACL users) and protected-mode yes, and keep the port on an internal network"})
	case exposed && noPass:
		out = append(out, Finding{"auth", SevWarn, "the server listens beyond loopback without a password; protected-mode still refuses remote clients",
			"set requirepass from a secret (never commit it) or bind to 127.0.0.1"})
	default:
		out = append(out, Finding{"auth", SevOK, "access is restricted (password, ACL or loopback-only bind)", ""})
	}
	if exposed && (cfg["tls-port"] == "" || cfg["tls-port"] == "0") {
		out = append(out, Finding{"tls", SevInfo, "TLS is off while the server is reachable from other hosts",
			"for production set tls-port, tls-cert-file and tls-key-file, and connect with --tls --cacert"})
	}
	return out
}

func checkPersistence(o DoctorOptions, info Info, cfg map[string]string) []Finding {
	var out []Finding
	if info.Get("rdb_last_bgsave_status") == "err" {
		out = append(out, Finding{"persistence", SevCritical, "the last RDB save FAILED; data written since the last good save is at risk",
			"read the server log, check free disk space and that dir (" + cfg["dir"] + ") is writable, then run BGSAVE and check INFO persistence"})
	}
	if info.Get("aof_enabled") == "1" && info.Get("aof_last_write_status") == "err" {
		out = append(out, Finding{"persistence", SevCritical, "writes to the append-only file are failing", "check free disk space in " + cfg["dir"]})
	}
	if cfg["save"] == "" && info.Get("aof_enabled") != "1" {
		out = append(out, Finding{"persistence", SevWarn, "neither save points nor appendonly are set: a restart loses everything",
			"set save 900 1 300 10 60 10000 and appendonly yes (config/redis.conf ships them)"})
	}
	if last := info.Int("rdb_last_save_time"); last > 0 && info.Int("rdb_changes_since_last_save") > 0 && time.Since(time.Unix(last, 0)) > 24*time.Hour {
		out = append(out, Finding{"persistence", SevWarn, fmt.Sprintf("%d changes since the last save, %s ago", info.Int("rdb_changes_since_last_save"), time.Since(time.Unix(last, 0)).Round(time.Minute)),
			"check the save points and the log; run BGSAVE"})
	}
	if dir := cfg["dir"]; dir != "" && isLocalHost(o.Conn.Host) {
		probe := filepath.Join(dir, ".autobot-doctor-probe")
		if f, err := os.Create(probe); err != nil {
			if !os.IsNotExist(err) {
				out = append(out, Finding{"persistence", SevWarn, fmt.Sprintf("the data directory %s is not writable by this user (%v)", dir, err),
					"make it writable by the user the server runs as (chown/chmod), or the next save will fail"})
			}
		} else {
			f.Close()
			os.Remove(probe)
		}
	}
	if len(out) == 0 {
		out = append(out, Finding{"persistence", SevOK, "last save " + info.Get("rdb_last_bgsave_status") + ", AOF " + map[bool]string{true: "on", false: "off"}[info.Get("aof_enabled") == "1"], ""})
	}
	return out
}

func isLocalHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func checkMemory(info Info, cfg map[string]string) []Finding {
	used, max := info.Int("used_memory"), info.Int("maxmemory")
	policy := info.Get("maxmemory_policy")
	switch {
	case max == 0:
		return []Finding{{"memory", SevWarn, fmt.Sprintf("no maxmemory is set (using %s now): the dataset can grow until the machine swaps or the OOM killer strikes", human(used)),
			"set maxmemory to what the host can spare, and maxmemory-policy: noeviction for data that must stay, allkeys-lru for pure caches"}}
	case used*100 >= max*90:
		sev := SevWarn
		if policy == "noeviction" {
			sev = SevCritical
		}
		return []Finding{{"memory", sev, fmt.Sprintf("memory at %d%% of maxmemory (%s of %s), policy %s", used*100/max, human(used), human(max), policy),
			"free space: clear caches (autobot-redis cli -n 3 flushdb), shorten TTLs, or raise maxmemory; with noeviction writes will fail with OOM"}}
	}
	return []Finding{{"memory", SevOK, fmt.Sprintf("%s of %s maxmemory, policy %s", human(used), human(max), policy), ""}}
}

func checkSlowlog(ctx context.Context, c *redis.Client) []Finding {
	entries, err := c.SlowLogGet(ctx, 128).Result()
	if err != nil || len(entries) == 0 {
		return []Finding{{"slowlog", SevOK, "no slow commands recorded", ""}}
	}
	type agg struct {
		n   int
		max time.Duration
	}
	by := map[string]*agg{}
	for _, e := range entries {
		name := "?"
		if len(e.Args) > 0 {
			name = strings.ToUpper(e.Args[0])
		}
		a := by[name]
		if a == nil {
			a = &agg{}
			by[name] = a
		}
		a.n++
		if e.Duration > a.max {
			a.max = e.Duration
		}
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return by[names[i]].max > by[names[j]].max })
	var parts []string
	for i, n := range names {
		if i == 5 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s ×%d (max %s)", n, by[n].n, by[n].max))
	}
	sev := SevInfo
	if by[names[0]].max > 100*time.Millisecond {
		sev = SevWarn
	}
	return []Finding{{"slowlog", sev, fmt.Sprintf("%d slow commands: %s", len(entries), strings.Join(parts, ", ")),
		"prefer O(1)/O(log n) commands (SCAN over KEYS, HSCAN over HGETALL on big hashes), smaller values, and pipelining"}}
}

// checkHygiene samples each AutoBot database for keys without the TTL the
// schema expects and for keys that belong to another database.
func checkHygiene(ctx context.Context, o DoctorOptions, info Info) []Finding {
	var out []Finding
	ks := info.Keyspace()
	owner := func(key string) (int, bool) {
		for _, d := range o.Schema {
			for _, p := range d.Patterns {
				if keyspace.MatchString(p, key, false) {
					return d.Number, true
				}
			}
		}
		return 0, false
	}
	for _, d := range o.Schema {
		if ks[d.Number][0] == 0 {
			continue
		}
		c, err := o.Conn.Client(d.Number)
		if err != nil {
			continue
		}
		misplaced := map[int]int{}
		noTTL := map[string]int{}
		seen := 0
		var cursor uint64
		for seen < o.Sample {
			keys, next, err := c.Scan(ctx, cursor, "", 500).Result()
			if err != nil {
				break
			}
			for _, k := range keys {
				seen++
				if n, ok := owner(k); ok && n != d.Number {
					misplaced[n]++
				}
				for _, p := range d.TTLPatterns {
					if keyspace.MatchString(p, k, false) && c.TTL(ctx, k).Val() < 0 {
						noTTL[p]++
					}
				}
			}
			cursor = next
			if cursor == 0 {
				break
			}
		}
		c.Close()
		for n, count := range misplaced {
			out = append(out, Finding{"schema db" + strconv.Itoa(d.Number), SevWarn,
				fmt.Sprintf("%d sampled keys in DB %d (%s) match the patterns of DB %d: code reading them from DB %d will not find them", count, d.Number, d.Name, n, n),
				fmt.Sprintf("move them with MOVE key %d (or autobot-redis backup/restore --db), and fix the writer's DB number", n)})
		}
		for p, count := range noTTL {
			out = append(out, Finding{"expiry db" + strconv.Itoa(d.Number), SevWarn,
				fmt.Sprintf("%d sampled keys matching %s in DB %d have no TTL; they will pile up forever", count, p, d.Number),
				"give them an expiry (EXPIRE, or SET ... EX) where they are written"})
		}
	}
	if len(out) == 0 && len(o.Schema) > 0 {
		out = append(out, Finding{"schema", SevOK, "sampled keys sit in their databases and carry the expected TTLs", ""})
	}
	return out
}

// WriteFindings prints findings for people.
func WriteFindings(w io.Writer, fs []Finding) {
	marks := map[Severity]string{SevOK: "ok  ", SevInfo: "info", SevWarn: "WARN", SevCritical: "CRIT"}
	for _, f := range fs {
		fmt.Fprintf(w, "[%s] %-16s %s\n", marks[f.Severity], f.Check, f.Diagnosis)
		if f.Fix != "" && f.Severity != SevOK {
			fmt.Fprintf(w, "       %-16s fix: %s\n", "", f.Fix)
		}
	}
}

// WriteFindingsJSON prints findings as JSON.
func WriteFindingsJSON(w io.Writer, fs []Finding) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(fs)
}

// Worst returns the most severe level among fs.
func Worst(fs []Finding) Severity {
	rank := map[Severity]int{SevOK: 0, SevInfo: 1, SevWarn: 2, SevCritical: 3}
	w := SevOK
	for _, f := range fs {
		if rank[f.Severity] > rank[w] {
			w = f.Severity
		}
	}
	return w
}
