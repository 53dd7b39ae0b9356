package persist

import (
	"fmt"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/server"
)

// check rejects commands while loading (LOADING) and writes, plus PING,
// while persistence is failing (MISCONF), as a Redis master does.
func (m *Manager) check(c server.ClientView, cmd *command.Command, _ [][]byte) string {
	if m.loading && cmd.Flags&command.FlagLoading == 0 {
		return "LOADING Redis is loading the dataset in memory"
	}
	// EXEC counts as a write when it would run one, so a transaction
	// queued before persistence failed is refused as a whole (EXECABORT).
	if cmd.Flags&command.FlagWrite != 0 || cmd.Name == "ping" || cmd.Name == "exec" && c.QueuedWrites() {
		if msg := m.diskError(); msg != "" {
			return msg
		}
		if cmd.Name == "flushall" && !c.InMulti() {
			// Redis kills a running BGSAVE when FLUSHALL runs. Doing it
			// before the flush also spares the snapshot from copying
			// every key the flush is about to drop.
			m.killBGSave()
		}
	}
	return ""
}

// scriptCheck refuses writes from scripts while persistence is failing,
// as Redis does for commands a script calls.
func (m *Manager) scriptCheck(_ server.ClientView, cmd *command.Command, _ [][]byte) string {
	if cmd.Flags&command.FlagWrite != 0 {
		return m.diskError()
	}
	return ""
}

func status(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// info renders INFO persistence with Redis 7.0's fields, in its order.
// Copy-on-write fields are 0: snapshots here copy values, not pages.
func (m *Manager) info(w server.InfoWriter) {
	now := time.Now()
	var processed, total int64
	perc := 0.0
	if m.job != nil && m.job.sn != nil {
		processed, total = m.job.sn.progress()
		if total > 0 {
			perc = float64(processed) * 100 / float64(total)
		}
	}
	rdbRunning := m.rdbJobRunning()
	rewriting := m.job != nil && m.job.kind == jobRewrite
	elapsed := func(running bool) int64 {
		if !running {
			return -1
		}
		return int64(now.Sub(m.job.start).Seconds())
	}
	w.Field("loading", b2i(m.loading))
	w.Field("async_loading", 0)
	w.Field("current_cow_peak", 0)
	w.Field("current_cow_size", 0)
	w.Field("current_cow_size_age", 0)
	w.Field("current_fork_perc", fmt.Sprintf("%.2f", perc))
	w.Field("current_save_keys_processed", processed)
	w.Field("current_save_keys_total", total)
	w.Field("rdb_changes_since_last_save", m.srv.DirtyCount())
	w.Field("rdb_bgsave_in_progress", b2i(rdbRunning))
	w.Field("rdb_last_save_time", m.srv.LastSave().Unix())
	w.Field("rdb_last_bgsave_status", status(m.lastBgsaveOK))
	w.Field("rdb_last_bgsave_time_sec", m.lastBgsaveSecs)
	w.Field("rdb_current_bgsave_time_sec", elapsed(rdbRunning))
	w.Field("rdb_saves", m.rdbSaves)
	w.Field("rdb_last_cow_size", 0)
	w.Field("rdb_last_load_keys_expired", m.lastLoadExpired)
	w.Field("rdb_last_load_keys_loaded", m.lastLoadLoaded)
	w.Field("aof_enabled", b2i(m.cfg.AppendOnly))
	w.Field("aof_rewrite_in_progress", b2i(rewriting))
	w.Field("aof_rewrite_scheduled", b2i(m.aofRewriteScheduled))
	w.Field("aof_last_rewrite_time_sec", m.aofLastRewriteSecs)
	w.Field("aof_current_rewrite_time_sec", elapsed(rewriting))
	w.Field("aof_last_bgrewrite_status", status(m.aofLastRewriteOK))
	w.Field("aof_rewrites", m.aofRewrites)
	w.Field("aof_rewrites_consecutive_failures", m.aofRewriteFailures)
	writeOK := m.aof == nil || m.aof.WriteError() == nil
	w.Field("aof_last_write_status", status(writeOK))
	w.Field("aof_last_cow_size", 0)
	w.Field("module_fork_in_progress", 0)
	w.Field("module_fork_last_cow_size", 0)
	if m.cfg.AppendOnly {
		var cur, base int64
		var buffered int
		pending := false
		if m.aof != nil {
			cur, base = m.aof.Sizes()
			buffered = m.aof.BufferLen()
			pending = m.aof.PendingFsync()
		}
		w.Field("aof_current_size", cur)
		w.Field("aof_base_size", base)
		w.Field("aof_pending_rewrite", b2i(m.aofRewriteScheduled))
		w.Field("aof_buffer_length", buffered)
		w.Field("aof_pending_bio_fsync", b2i(pending))
		w.Field("aof_delayed_fsync", 0)
	}
	if m.loading {
		w.Field("loading_start_time", m.loadStart.Unix())
		w.Field("loading_total_bytes", m.loadTotal)
		w.Field("loading_rdb_used_mem", 0)
		w.Field("loading_loaded_bytes", 0)
		w.Field("loading_loaded_perc", "0.00")
		w.Field("loading_eta_seconds", 1)
	}
}
