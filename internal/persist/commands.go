package persist

import (
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/rdb"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// The persistence commands, with Redis 7.0's replies.

func (m *Manager) registerCommands() {
	t := m.srv.Commands()
	t.Register("save", m.cmdSave)
	t.Register("bgsave", m.cmdBGSave)
	t.Register("bgrewriteaof", m.cmdBGRewriteAOF)
	t.Register("dump", m.cmdDump)
	t.Register("restore", m.cmdRestore)
	t.Register("sync", m.cmdSync)
	t.Register("psync", m.cmdSync)
	t.Register("replconf", m.cmdReplconf)
}

// rdbJobRunning reports whether a job producing an RDB (BGSAVE or a SYNC
// transfer: an RDB child in Redis) is running.
func (m *Manager) rdbJobRunning() bool {
	return m.job != nil && (m.job.kind == jobBGSave || m.job.kind == jobSync)
}

func (m *Manager) cmdSave(ctx *command.Ctx) {
	if m.rdbJobRunning() {
		ctx.Error("ERR Background save already in progress")
		return
	}
	m.rdbSaves++
	if err := m.saveSync(); err != nil {
		ctx.Error("ERR")
		return
	}
	ctx.W.OK()
}

func (m *Manager) cmdBGSave(ctx *command.Ctx) {
	schedule := false
	if len(ctx.Args) > 1 {
		if len(ctx.Args) == 2 && ctx.Is(1, "schedule") {
			schedule = true
		} else {
			ctx.SyntaxError()
			return
		}
	}
	switch {
	case m.rdbJobRunning():
		ctx.Error("ERR Background save already in progress")
	case m.job != nil || ctx.InMulti:
		if schedule || ctx.InMulti {
			m.bgsaveScheduled = true
			ctx.W.Status("Background saving scheduled")
			return
		}
		ctx.Error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
	default:
		if err := m.startBGSave(); err != nil {
			ctx.Error("ERR")
			return
		}
		ctx.W.Status("Background saving started")
	}
}

func (m *Manager) cmdBGRewriteAOF(ctx *command.Ctx) {
	switch {
	case m.job != nil && m.job.kind == jobRewrite:
		ctx.Error("ERR Background append only file rewriting already in progress")
	case m.job != nil || ctx.InMulti:
		m.aofRewriteScheduled = true
		m.aofRewriteFailures = 0
		ctx.W.Status("Background append only file rewriting scheduled")
	default:
		if err := m.startRewrite(); err != nil {
			ctx.Error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
			return
		}
		ctx.W.Status("Background append only file rewriting started")
	}
}

func (m *Manager) cmdDump(ctx *command.Ctx) {
	o := ctx.DB.LookupRead(ctx.Args[1])
	if o == nil {
		ctx.W.Null()
		return
	}
	v, err := toValue(o)
	if err == nil {
		var payload []byte
		if payload, err = rdb.AppendDump(nil, v, m.encodeOptions()); err == nil {
			ctx.W.Bulk(payload)
			return
		}
	}
	m.log.Warningf("DUMP of key %q failed: %v", ctx.Args[1], err)
	ctx.Error("ERR " + err.Error())
}

func (m *Manager) cmdRestore(ctx *command.Ctx) {
	args := ctx.Args
	key := args[1]
	replace, absttl := false, false
	freq, idle := int64(-1), int64(-1)
	for j := 4; j < len(args); j++ {
		more := len(args) - j - 1
		switch {
		case ctx.Is(j, "replace"):
			replace = true
		case ctx.Is(j, "absttl"):
			absttl = true
		case ctx.Is(j, "idletime") && more >= 1 && freq == -1:
			n, ok := ctx.Int(j + 1)
			if !ok {
				return
			}
			if n < 0 {
				ctx.Error("ERR Invalid IDLETIME value, must be >= 0")
				return
			}
			idle = n
			j++
		case ctx.Is(j, "freq") && more >= 1 && idle == -1:
			n, ok := ctx.Int(j + 1)
			if !ok {
				return
			}
			if n < 0 || n > 255 {
				ctx.Error("ERR Invalid FREQ value, must be >= 0 and <= 255")
				return
			}
			freq = n
			j++
		default:
			ctx.SyntaxError()
			return
		}
	}
	db := ctx.DB
	if !replace && db.LookupWrite(key) != nil {
		ctx.Error("BUSYKEY Target key name already exists.")
		return
	}
	ttl, ok := ctx.Int(2)
	if !ok {
		return
	}
	if ttl < 0 {
		ctx.Error("ERR Invalid TTL value, must be >= 0")
		return
	}
	v, err := rdb.DecodeDump(args[3])
	if err != nil {
		if errors.Is(err, rdb.ErrDumpPayload) {
			ctx.Error("ERR DUMP payload version or checksum are wrong")
		} else {
			ctx.Error("ERR Bad data format")
		}
		return
	}
	deleted := false
	if replace {
		deleted = db.Delete(key)
	}
	if ttl > 0 && !absttl {
		ttl += time.Now().UnixMilli()
	}
	if ttl > 0 && ttl <= time.Now().UnixMilli() {
		// Already expired: the key is gone (deleted if it existed).
		if deleted {
			ctx.Propagate([]byte("DEL"), key)
			ctx.Modified(key)
			ctx.Notify(command.NotifyGeneric, "del", key)
			ctx.Dirty(1)
		}
		ctx.W.OK()
		return
	}
	o := db.Add(key)
	if err := fillObject(o, v, m.srv.Settings()); err != nil {
		db.Delete(key)
		ctx.Error("ERR Bad data format")
		return
	}
	if ttl > 0 {
		db.SetExpire(key, ttl)
		if !absttl {
			p := make([][]byte, 0, len(args)+1)
			p = append(p, args[0], key, strconv.AppendInt(nil, ttl, 10))
			p = append(p, args[3:]...)
			p = append(p, []byte("ABSTTL"))
			ctx.Propagate(p...)
		}
	}
	setLRUMeta(ctx.KS, o, freq, idle)
	ctx.Modified(key)
	ctx.Notify(command.NotifyGeneric, "restore", key)
	ctx.Ready(key)
	ctx.W.OK()
	ctx.Dirty(1)
}

// cmdSync answers SYNC and PSYNC with a full transfer of a fresh
// snapshot, enough for `redis-cli --rdb`. The connection then closes:
// there is no replication stream yet.
func (m *Manager) cmdSync(ctx *command.Ctx) {
	psync := ctx.Is(0, "psync")
	m.srv.Detach(ctx, func(conn net.Conn) { m.serveSync(conn, psync) })
}

func (m *Manager) cmdReplconf(ctx *command.Ctx) {
	args := ctx.Args
	if len(args)%2 == 0 {
		ctx.SyntaxError()
		return
	}
	for j := 1; j < len(args); j += 2 {
		switch {
		case ctx.Is(j, "listening-port"):
			if _, ok := ctx.Int(j + 1); !ok {
				return
			}
		case ctx.Is(j, "ip-address"):
			if len(args[j+1]) >= 46 {
				ctx.Error("ERR REPLCONF ip-address provided by replica instance is too long: " + strconv.Itoa(len(args[j+1])) + " bytes")
				return
			}
		case ctx.Is(j, "capa"):
		case ctx.Is(j, "ack"), ctx.Is(j, "getack"):
			// Only meaningful for replicas, which this server does not
			// have: no reply, as Redis for a non-replica client.
			return
		case ctx.Is(j, "rdb-only"):
			n, ok := resp.ParseInt(args[j+1])
			if !ok {
				ctx.Error(command.ErrNotInt)
				return
			}
			if n < 0 || n > 1 {
				ctx.Error("ERR value is out of range, value must between 0 and 1")
				return
			}
		default:
			ctx.Error("ERR Unrecognized REPLCONF option: " + string(args[j]))
			return
		}
	}
	ctx.W.OK()
}
