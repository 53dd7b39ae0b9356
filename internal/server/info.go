package server

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
)

// INFO. Field names and formats are Redis 7.0's because monitoring tools
// (redis_exporter, RedisInsight, asynqmon) parse them. Every value is
// measured; fields about features we do not have (forks, replicas,
// defragmentation) report the state those features are in here: off.

type infoBuilder struct{ b strings.Builder }

func (ib *infoBuilder) header(name string) {
	if ib.b.Len() > 0 {
		ib.b.WriteString("\r\n")
	}
	ib.b.WriteString("# ")
	ib.b.WriteString(name)
	ib.b.WriteString("\r\n")
}

func (ib *infoBuilder) field(name string, v any) {
	ib.b.WriteString(name)
	ib.b.WriteByte(':')
	switch x := v.(type) {
	case string:
		ib.b.WriteString(x)
	case int:
		ib.b.WriteString(strconv.Itoa(x))
	case int64:
		ib.b.WriteString(strconv.FormatInt(x, 10))
	case uint64:
		ib.b.WriteString(strconv.FormatUint(x, 10))
	default:
		fmt.Fprint(&ib.b, x)
	}
	ib.b.WriteString("\r\n")
}

func (ib *infoBuilder) float(name string, v float64) {
	ib.field(name, strconv.FormatFloat(v, 'f', 2, 64))
}

// infoSection is one INFO section. Subsystems (persistence, ACL,
// scripting) add theirs with addInfoSection instead of editing INFO.
type infoSection struct {
	name   string
	inDef  bool // part of the default set
	inAll  bool // part of "all" (everything but module sections)
	render func(ib *infoBuilder)
}

func (s *Server) infoSections() []infoSection {
	secs := []infoSection{
		{"server", true, true, s.infoServer},
		{"clients", true, true, s.infoClients},
		{"memory", true, true, s.infoMemory},
		{"persistence", true, true, s.infoPersistence},
		{"stats", true, true, s.infoStats},
		{"replication", true, true, s.infoReplication},
		{"cpu", true, true, s.infoCPU},
		{"module_list", true, true, nil}, // header "Modules", no modules
		{"commandstats", false, true, s.infoCommandStats},
		{"errorstats", true, true, s.infoErrorStats},
		{"latencystats", false, true, s.infoLatencyStats},
		{"cluster", true, true, s.infoCluster},
		{"keyspace", true, true, s.infoKeyspace},
	}
	for i, sec := range secs {
		if o, ok := s.infoOverride[sec.name]; ok {
			secs[i].render = o.render
		}
	}
	return append(secs, s.infoExtra...)
}

var sectionTitles = map[string]string{
	"server": "Server", "clients": "Clients", "memory": "Memory", "persistence": "Persistence",
	"stats": "Stats", "replication": "Replication", "cpu": "CPU", "module_list": "Modules",
	"commandstats": "Commandstats", "errorstats": "Errorstats", "latencystats": "Latencystats",
	"cluster": "Cluster", "keyspace": "Keyspace",
}

// genInfo renders the sections selected by args (INFO's arguments).
func (s *Server) genInfo(args [][]byte) string {
	want := map[string]bool{}
	all, everything, def := false, false, len(args) == 0
	for _, a := range args {
		switch n := strings.ToLower(string(a)); n {
		case "all":
			all = true
		case "everything":
			everything = true
		case "default":
			def = true
		case "modules":
			want["module_list"] = true
		default:
			want[n] = true
		}
	}
	var ib infoBuilder
	for _, sec := range s.infoSections() {
		if !(everything || all && sec.inAll || def && sec.inDef || want[sec.name]) {
			continue
		}
		title := sectionTitles[sec.name]
		if title == "" {
			title = s.infoTitles[sec.name]
		}
		if title == "" {
			title = strings.ToUpper(sec.name[:1]) + sec.name[1:]
		}
		ib.header(title)
		if sec.render != nil {
			sec.render(&ib)
		}
	}
	return ib.b.String()
}

func (s *Server) cmdInfo(ctx *command.Ctx) {
	ctx.W.Verbatim("txt", s.genInfo(ctx.Args[1:]))
}

func uname() (sysname, release, machine string) {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return runtime.GOOS, "", runtime.GOARCH
	}
	str := func(a [65]int8) string {
		b := make([]byte, 0, 65)
		for _, c := range a {
			if c == 0 {
				break
			}
			b = append(b, byte(c))
		}
		return string(b)
	}
	return str(u.Sysname), str(u.Release), str(u.Machine)
}

// buildID identifies our build: the VCS revision when the binary records it.
func buildID() (sha string, dirty string, id string) {
	sha, dirty, id = "00000000", "0", "0"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, st := range bi.Settings {
			switch st.Key {
			case "vcs.revision":
				if len(st.Value) >= 8 {
					sha = st.Value[:8]
				}
			case "vcs.modified":
				if st.Value == "true" {
					dirty = "1"
				}
			}
		}
		id = fmt.Sprintf("%x", []byte(bi.Main.Version))
	}
	return
}

func (s *Server) infoServer(ib *infoBuilder) {
	sysname, release, machine := uname()
	sha, dirty, id := buildID()
	exe, _ := os.Executable()
	now := time.Now()
	up := now.Sub(s.started)
	port := s.cfg.Port
	if port == 0 && len(s.listeners) > 0 {
		// Embedded with a listener of its own: report where we listen.
		if a, ok := s.listeners[0].Addr().(*net.TCPAddr); ok {
			port = a.Port
		}
	}
	ib.field("redis_version", Version)
	ib.field("redis_git_sha1", sha)
	ib.field("redis_git_dirty", dirty)
	ib.field("redis_build_id", id)
	ib.field("redis_mode", "standalone")
	ib.field("os", sysname+" "+release+" "+machine)
	ib.field("arch_bits", strconv.Itoa(strconv.IntSize))
	ib.field("monotonic_clock", "Go runtime monotonic clock")
	ib.field("multiplexing_api", "epoll")
	ib.field("atomicvar_api", "go-sync-atomic")
	ib.field("gcc_version", "0.0.0")
	ib.field("process_id", os.Getpid())
	ib.field("process_supervised", "no")
	ib.field("run_id", s.runID)
	ib.field("tcp_port", port)
	ib.field("server_time_usec", now.UnixMicro())
	ib.field("uptime_in_seconds", int64(up.Seconds()))
	ib.field("uptime_in_days", int64(up.Hours()/24))
	ib.field("hz", s.cfg.Hz)
	ib.field("configured_hz", s.cfg.Hz)
	ib.field("lru_clock", int64(s.ks.LRUClock()))
	ib.field("executable", exe)
	ib.field("config_file", s.cfg.File())
	ib.field("io_threads_active", 0)
}

func (s *Server) infoClients(ib *infoBuilder) {
	var maxIn, maxOut int64
	timeouts := 0
	for _, c := range s.clients {
		if q := int64(c.qbufPeak); q > maxIn {
			maxIn = q
		}
		if o := int64(c.out.Len()); o > maxOut {
			maxOut = o
		}
		if c.block != nil && c.block.deadline > 0 {
			timeouts++
		}
	}
	ib.field("connected_clients", len(s.clients))
	ib.field("cluster_connections", 0)
	ib.field("maxclients", s.cfg.MaxClients)
	ib.field("client_recent_max_input_buffer", maxIn)
	ib.field("client_recent_max_output_buffer", maxOut)
	ib.field("blocked_clients", s.blocked.clients)
	ib.field("tracking_clients", s.tracking.clients)
	ib.field("clients_in_timeout_table", timeouts)
}

// bytesToHuman formats like Redis's INFO *_human fields: "943.25K".
func bytesToHuman(n int64) string {
	d := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case n < 1024*1024:
		return fmt.Sprintf("%.2fK", d/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.2fM", d/(1024*1024))
	case n < 1024*1024*1024*1024:
		return fmt.Sprintf("%.2fG", d/(1024*1024*1024))
	case n < 1024*1024*1024*1024*1024:
		return fmt.Sprintf("%.2fT", d/(1024*1024*1024*1024))
	default:
		return fmt.Sprintf("%.2fP", d/(1024*1024*1024*1024*1024))
	}
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (s *Server) infoMemory(ib *infoBuilder) {
	used := s.usedMemory()
	if used > s.stats.peakMemory {
		s.stats.peakMemory = used
	}
	peak := s.stats.peakMemory
	rss := rssBytes()
	rt := readRuntimeMemory()
	clients := s.clientsMemory()
	overhead := s.startupMemory + clients
	dataset := used - overhead
	if dataset < 0 {
		dataset = 0
	}
	sysMem := totalSystemMemory()
	maxmem := int64(s.cfg.MaxMemory)
	ib.field("used_memory", used)
	ib.field("used_memory_human", bytesToHuman(used))
	ib.field("used_memory_rss", rss)
	ib.field("used_memory_rss_human", bytesToHuman(rss))
	ib.field("used_memory_peak", peak)
	ib.field("used_memory_peak_human", bytesToHuman(peak))
	ib.field("used_memory_peak_perc", fmt.Sprintf("%.2f%%", 100*ratio(used, peak)))
	ib.field("used_memory_overhead", overhead)
	ib.field("used_memory_startup", s.startupMemory)
	ib.field("used_memory_dataset", dataset)
	ib.field("used_memory_dataset_perc", fmt.Sprintf("%.2f%%", 100*ratio(dataset, used-s.startupMemory)))
	ib.field("allocator_allocated", rt.heapObjects)
	ib.field("allocator_active", rt.heapInUse)
	ib.field("allocator_resident", rt.heapResident)
	ib.field("total_system_memory", sysMem)
	ib.field("total_system_memory_human", bytesToHuman(sysMem))
	var sm ScriptingMemory
	if s.scripting != nil {
		sm = s.scripting.MemoryStats()
	}
	ib.field("used_memory_lua", sm.VMEval)
	ib.field("used_memory_vm_eval", sm.VMEval)
	ib.field("used_memory_lua_human", bytesToHuman(sm.VMEval))
	ib.field("used_memory_scripts_eval", sm.ScriptsEval)
	ib.field("number_of_cached_scripts", sm.CachedScripts)
	ib.field("number_of_functions", sm.Functions)
	ib.field("number_of_libraries", sm.Libraries)
	ib.field("used_memory_vm_functions", sm.VMFunctions)
	ib.field("used_memory_vm_total", sm.VMEval+sm.VMFunctions)
	ib.field("used_memory_vm_total_human", bytesToHuman(sm.VMEval+sm.VMFunctions))
	ib.field("used_memory_functions", sm.FunctionsMem)
	ib.field("used_memory_scripts", sm.ScriptsEval+sm.FunctionsMem)
	ib.field("used_memory_scripts_human", bytesToHuman(sm.ScriptsEval+sm.FunctionsMem))
	ib.field("maxmemory", maxmem)
	ib.field("maxmemory_human", bytesToHuman(maxmem))
	ib.field("maxmemory_policy", s.cfg.MaxMemoryPolicy)
	ib.float("allocator_frag_ratio", ratio(rt.heapInUse, rt.heapObjects))
	ib.field("allocator_frag_bytes", rt.heapInUse-rt.heapObjects)
	ib.float("allocator_rss_ratio", ratio(rt.heapResident, rt.heapInUse))
	ib.field("allocator_rss_bytes", rt.heapResident-rt.heapInUse)
	ib.float("rss_overhead_ratio", ratio(rss, rt.heapResident))
	ib.field("rss_overhead_bytes", rss-rt.heapResident)
	ib.float("mem_fragmentation_ratio", ratio(rss, used))
	ib.field("mem_fragmentation_bytes", rss-used)
	ib.field("mem_not_counted_for_evict", 0)
	ib.field("mem_replication_backlog", 0)
	ib.field("mem_total_replication_buffers", 0)
	ib.field("mem_clients_slaves", 0)
	ib.field("mem_clients_normal", clients)
	ib.field("mem_cluster_links", 0)
	ib.field("mem_aof_buffer", 0)
	ib.field("mem_allocator", "go-"+runtime.Version())
	ib.field("active_defrag_running", 0)
	ib.field("lazyfree_pending_objects", 0)
	ib.field("lazyfreed_objects", 0)
}

func (s *Server) infoPersistence(ib *infoBuilder) {
	ib.field("loading", 0)
	ib.field("async_loading", 0)
	ib.field("current_cow_peak", 0)
	ib.field("current_cow_size", 0)
	ib.field("current_cow_size_age", 0)
	ib.field("current_fork_perc", "0.00")
	ib.field("current_save_keys_processed", 0)
	ib.field("current_save_keys_total", 0)
	ib.field("rdb_changes_since_last_save", s.dirty)
	ib.field("rdb_bgsave_in_progress", 0)
	ib.field("rdb_last_save_time", s.lastSave.Unix())
	ib.field("rdb_last_bgsave_status", "ok")
	ib.field("rdb_last_bgsave_time_sec", -1)
	ib.field("rdb_current_bgsave_time_sec", -1)
	ib.field("rdb_saves", 0)
	ib.field("rdb_last_cow_size", 0)
	ib.field("rdb_last_load_keys_expired", 0)
	ib.field("rdb_last_load_keys_loaded", 0)
	ib.field("aof_enabled", 0)
	ib.field("aof_rewrite_in_progress", 0)
	ib.field("aof_rewrite_scheduled", 0)
	ib.field("aof_last_rewrite_time_sec", -1)
	ib.field("aof_current_rewrite_time_sec", -1)
	ib.field("aof_last_bgrewrite_status", "ok")
	ib.field("aof_rewrites", 0)
	ib.field("aof_rewrites_consecutive_failures", 0)
	ib.field("aof_last_write_status", "ok")
	ib.field("aof_last_cow_size", 0)
	ib.field("module_fork_in_progress", 0)
	ib.field("module_fork_last_cow_size", 0)
}

func (s *Server) infoStats(ib *infoBuilder) {
	st := &s.stats
	ks := s.ks.Stats()
	channels, patterns := len(s.pubsub.channels), len(s.pubsub.patterns)
	ib.field("total_connections_received", st.connections)
	ib.field("total_commands_processed", st.commands)
	ib.field("instantaneous_ops_per_sec", int64(st.samples[0].avg()))
	ib.field("total_net_input_bytes", st.netIn.Load())
	ib.field("total_net_output_bytes", st.netOut.Load())
	ib.field("total_net_repl_input_bytes", 0)
	ib.field("total_net_repl_output_bytes", 0)
	ib.float("instantaneous_input_kbps", st.samples[1].avg())
	ib.float("instantaneous_output_kbps", st.samples[2].avg())
	ib.float("instantaneous_input_repl_kbps", 0)
	ib.float("instantaneous_output_repl_kbps", 0)
	ib.field("rejected_connections", st.rejectedConns)
	ib.field("sync_full", 0)
	ib.field("sync_partial_ok", 0)
	ib.field("sync_partial_err", 0)
	ib.field("expired_keys", ks.ExpiredKeys)
	stalePerc := 0.0
	ib.float("expired_stale_perc", stalePerc)
	ib.field("expired_time_cap_reached_count", ks.ExpiredStale)
	ib.field("expire_cycle_cpu_milliseconds", ks.ExpireCycleTime.Milliseconds())
	ib.field("evicted_keys", ks.EvictedKeys)
	ib.field("evicted_clients", 0)
	ib.field("total_eviction_exceeded_time", 0)
	ib.field("current_eviction_exceeded_time", 0)
	ib.field("keyspace_hits", ks.Hits)
	ib.field("keyspace_misses", ks.Misses)
	ib.field("pubsub_channels", channels)
	ib.field("pubsub_patterns", patterns)
	ib.field("pubsubshard_channels", len(s.pubsub.shard))
	ib.field("latest_fork_usec", 0)
	ib.field("total_forks", 0)
	ib.field("migrate_cached_sockets", 0)
	ib.field("slave_expires_tracked_keys", 0)
	ib.field("active_defrag_hits", 0)
	ib.field("active_defrag_misses", 0)
	ib.field("active_defrag_key_hits", 0)
	ib.field("active_defrag_key_misses", 0)
	ib.field("total_active_defrag_time", 0)
	ib.field("current_active_defrag_time", 0)
	items := 0
	for _, set := range s.tracking.keys {
		items += len(set)
	}
	ib.field("tracking_total_keys", len(s.tracking.keys))
	ib.field("tracking_total_items", items)
	ib.field("tracking_total_prefixes", len(s.tracking.prefixes))
	ib.field("unexpected_error_replies", 0)
	ib.field("total_error_replies", st.errorReplies)
	ib.field("dump_payload_sanitizations", 0)
	ib.field("total_reads_processed", st.reads.Load())
	ib.field("total_writes_processed", st.writes.Load())
	ib.field("io_threaded_reads_processed", 0)
	ib.field("io_threaded_writes_processed", 0)
	ib.field("reply_buffer_shrinks", 0)
	ib.field("reply_buffer_expands", 0)
}

func (s *Server) infoReplication(ib *infoBuilder) {
	backlog, _ := s.cfg.Value("repl-backlog-size")
	ib.field("role", "master")
	ib.field("connected_slaves", 0)
	ib.field("master_failover_state", "no-failover")
	ib.field("master_replid", s.replID)
	ib.field("master_replid2", strings.Repeat("0", 40))
	ib.field("master_repl_offset", 0)
	ib.field("second_repl_offset", -1)
	ib.field("repl_backlog_active", 0)
	ib.field("repl_backlog_size", backlog)
	ib.field("repl_backlog_first_byte_offset", 0)
	ib.field("repl_backlog_histlen", 0)
}

func (s *Server) infoCPU(ib *infoBuilder) {
	user, sys := cpuTimes()
	ib.field("used_cpu_sys", fmt.Sprintf("%.6f", sys))
	ib.field("used_cpu_user", fmt.Sprintf("%.6f", user))
	ib.field("used_cpu_sys_children", "0.000000")
	ib.field("used_cpu_user_children", "0.000000")
	// Go has no main thread to single out: report the whole process.
	ib.field("used_cpu_sys_main_thread", fmt.Sprintf("%.6f", sys))
	ib.field("used_cpu_user_main_thread", fmt.Sprintf("%.6f", user))
}

func (s *Server) infoCommandStats(ib *infoBuilder) {
	for _, c := range s.sortedCommands() {
		st := c.Stats
		if st.Calls == 0 && st.Rejected == 0 && st.Failed == 0 {
			continue
		}
		per := 0.0
		if st.Calls > 0 {
			per = float64(st.Microseconds) / float64(st.Calls)
		}
		ib.field("cmdstat_"+c.Name, fmt.Sprintf("calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d",
			st.Calls, st.Microseconds, per, st.Rejected, st.Failed))
	}
}

func (s *Server) sortedCommands() []*command.Command {
	all := append([]*command.Command(nil), s.cmds.All()...)
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

func (s *Server) infoErrorStats(ib *infoBuilder) {
	codes := make([]string, 0, len(s.stats.errorCodes))
	for c := range s.stats.errorCodes {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		ib.field("errorstat_"+c, fmt.Sprintf("count=%d", s.stats.errorCodes[c]))
	}
}

func (s *Server) infoLatencyStats(ib *infoBuilder) {
	pcts := s.cfg.LatencyTrackingInfoPercentiles
	for _, c := range s.sortedCommands() {
		h := s.histFor(c, false)
		if h == nil || h.total == 0 {
			continue
		}
		var b strings.Builder
		for i, p := range pcts {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("p" + strconv.FormatFloat(p, 'f', -1, 64) + "=" + strconv.FormatFloat(h.percentile(p), 'f', 3, 64))
		}
		ib.field("latency_percentiles_usec_"+c.Name, b.String())
	}
}

func (s *Server) infoCluster(ib *infoBuilder) {
	ib.field("cluster_enabled", 0)
}

func (s *Server) infoKeyspace(ib *infoBuilder) {
	for i := 0; i < s.ks.NumDBs(); i++ {
		db := s.ks.DB(i)
		if db.Len() == 0 {
			continue
		}
		ib.field("db"+strconv.Itoa(i), fmt.Sprintf("keys=%d,expires=%d,avg_ttl=%d", db.Len(), db.ExpiresLen(), db.AvgTTL()))
	}
}
