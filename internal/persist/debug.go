package persist

import (
	"strings"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/rdb"
)

// DEBUG RELOAD, LOADAOF, DIGEST and DIGEST-VALUE. The digests use Redis's
// algorithm (package rdb), so they compare across the two servers.

func (m *Manager) registerDebug() {
	m.srv.AddDebugSubcommand("reload", m.debugReload)
	m.srv.AddDebugSubcommand("loadaof", m.debugLoadAOF)
	m.srv.AddDebugSubcommand("digest", m.debugDigest)
	m.srv.AddDebugSubcommand("digest-value", m.debugDigestValue)
}

func debugUsage(ctx *command.Ctx) {
	ctx.Error("ERR Unknown subcommand or wrong number of arguments for '" + string(ctx.Args[1]) + "'. Try DEBUG HELP.")
}

// debugReload saves the RDB file, empties the keyspace and loads the file
// back; MERGE keeps existing keys on duplicates, NOFLUSH skips emptying,
// NOSAVE skips saving.
func (m *Manager) debugReload(ctx *command.Ctx) {
	flush, save, merge := true, true, false
	for _, a := range ctx.Args[2:] {
		switch strings.ToLower(string(a)) {
		case "merge":
			merge = true
		case "noflush":
			flush = false
		case "nosave":
			save = false
		default:
			ctx.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
			return
		}
	}
	if save {
		// A BGSAVE finishing later would replace the file with older data.
		m.killBGSave()
		if err := m.saveSync(); err != nil {
			ctx.Error("ERR")
			return
		}
	}
	if flush {
		// Emptying the dataset empties the function libraries too; the
		// file brings them back.
		ctx.KS.FlushAll()
		m.flushLibraries()
	}
	_, found, err := m.loadRDBFile(m.rdbPath(), loadOptions{allowDup: merge})
	if err != nil || !found {
		if err != nil {
			m.log.Warningf("%v", err)
		} else {
			m.log.Warningf("DEBUG RELOAD: %s does not exist", m.rdbPath())
		}
		ctx.Error("ERR Error trying to load the RDB dump")
		return
	}
	m.log.Warningf("DB reloaded by DEBUG RELOAD")
	ctx.NoPropagate()
	ctx.W.OK()
}

// debugLoadAOF writes out the AOF buffer, empties the keyspace and loads
// the AOF back.
func (m *Manager) debugLoadAOF(ctx *command.Ctx) {
	if len(ctx.Args) != 2 {
		debugUsage(ctx)
		return
	}
	if m.aof != nil && m.aof.Appending() {
		m.aof.Flush()
	}
	if m.aof == nil {
		if err := m.openAOF(); err != nil {
			m.log.Warningf("%v", err)
			ctx.Error("ERR Error loading the AOF, check server logs.")
			return
		}
	}
	ctx.KS.FlushAll()
	m.flushLibraries()
	if m.aof.Exists() {
		if _, err := m.loadAOF(); err != nil {
			m.log.Warningf("%v", err)
			ctx.Error("ERR Error loading the AOF, check server logs.")
			return
		}
	}
	m.log.Warningf("Append Only File loaded by DEBUG LOADAOF")
	ctx.NoPropagate()
	ctx.W.OK()
}

func (m *Manager) debugDigest(ctx *command.Ctx) {
	if len(ctx.Args) != 2 {
		debugUsage(ctx)
		return
	}
	ctx.W.Status(rdb.DigestHex(datasetDigest(ctx.KS)))
}

// datasetDigest is DEBUG DIGEST: every key, logically expired or not.
func datasetDigest(ks *keyspace.Keyspace) [20]byte {
	var dd rdb.DatasetDigest
	for i := 0; i < ks.NumDBs(); i++ {
		db := ks.DB(i)
		if db.Len() == 0 {
			continue
		}
		dd.BeginDB(i)
		db.RangeAll(func(key string, o *keyspace.Object, expireAt int64) bool {
			if v, err := toValue(o); err == nil {
				dd.AddKey([]byte(key), v, expireAt >= 0)
			}
			return true
		})
	}
	return dd.Sum()
}

func (m *Manager) debugDigestValue(ctx *command.Ctx) {
	keys := ctx.Args[2:]
	ctx.W.ArrayLen(len(keys))
	for _, k := range keys {
		var d [20]byte
		if o, exp := ctx.DB.Peek(k); o != nil {
			if v, err := toValue(o); err == nil {
				d = rdb.DigestValueExpire(v, exp >= 0)
			}
		}
		ctx.W.Status(rdb.DigestHex(d))
	}
}

// flushLibraries empties the function libraries before a load replaces
// the dataset.
func (m *Manager) flushLibraries() {
	if sc := m.srv.Scripting(); sc != nil {
		sc.FlushLibraries()
	}
}
