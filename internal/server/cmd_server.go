package server

import (
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// Server commands: INFO, TIME, DBSIZE, LASTSAVE, COMMAND, CONFIG,
// SHUTDOWN, FLUSHDB, FLUSHALL, SWAPDB.

// registerCommands binds the commands implemented in this package.
func (s *Server) registerCommands() {
	t := s.cmds
	for name, h := range map[string]command.Handler{
		"ping": s.cmdPing, "echo": s.cmdEcho, "quit": s.cmdQuit, "reset": s.cmdReset,
		"select": s.cmdSelect, "auth": s.cmdAuth, "hello": s.cmdHello,
		"client|id": s.cmdClientID, "client|setname": s.cmdClientSetName,
		"client|getname": s.cmdClientGetName, "client|info": s.cmdClientInfo,
		"client|list": s.cmdClientList, "client|help": s.cmdClientHelp,
		"info": s.cmdInfo, "time": s.cmdTime, "dbsize": s.cmdDBSize, "lastsave": s.cmdLastSave,
		"command": s.cmdCommand, "command|count": s.cmdCommandCount, "command|info": s.cmdCommandInfo,
		"command|docs": s.cmdCommandDocs, "command|list": s.cmdCommandList,
		"command|getkeys": s.cmdCommandGetKeys, "command|getkeysandflags": s.cmdCommandGetKeysAndFlags,
		"config|get": s.cmdConfigGet, "config|set": s.cmdConfigSet,
		"config|rewrite": s.cmdConfigRewrite, "config|resetstat": s.cmdConfigResetStat,
		"shutdown": s.cmdShutdown, "flushdb": s.cmdFlushDB, "flushall": s.cmdFlushAll, "swapdb": s.cmdSwapDB,
		"multi": s.cmdMulti, "exec": s.cmdExec, "discard": s.cmdDiscard,
		"watch": s.cmdWatch, "unwatch": s.cmdUnwatch,
		"subscribe": s.cmdSubscribe, "unsubscribe": s.cmdUnsubscribe,
		"psubscribe": s.cmdPSubscribe, "punsubscribe": s.cmdPUnsubscribe,
		"ssubscribe": s.cmdSSubscribe, "sunsubscribe": s.cmdSUnsubscribe,
		"publish": s.cmdPublish, "spublish": s.cmdSPublish,
		"pubsub|channels": s.cmdPubsubChannels, "pubsub|numsub": s.cmdPubsubNumsub,
		"pubsub|numpat": s.cmdPubsubNumpat, "pubsub|shardchannels": s.cmdPubsubShardChannels,
		"pubsub|shardnumsub": s.cmdPubsubShardNumsub,
		"debug":              s.cmdDebug,
	} {
		t.Register(name, h)
	}
	s.registerConfigHooks()
	s.registerDebug()
	s.registerClientCommands()
	s.registerMemoryCommands()
}

// catalog renders COMMAND replies from the commands really registered.
func (s *Server) catalog() *command.Catalog {
	if s.cat == nil {
		s.cat = command.NewCatalog(s.cmds.Specs())
	}
	return s.cat
}

func (s *Server) cmdCommand(ctx *command.Ctx) {
	if len(ctx.Args) > 1 {
		// A container without a valid subcommand never reaches here.
		ctx.SyntaxError()
		return
	}
	s.catalog().WriteCommand(ctx.W)
}

func (s *Server) cmdCommandCount(ctx *command.Ctx) { s.catalog().WriteCount(ctx.W) }
func (s *Server) cmdCommandInfo(ctx *command.Ctx)  { s.catalog().WriteInfo(ctx.W, ctx.Args[2:]) }
func (s *Server) cmdCommandDocs(ctx *command.Ctx)  { s.catalog().WriteDocs(ctx.W, ctx.Args[2:]) }
func (s *Server) cmdCommandList(ctx *command.Ctx)  { s.catalog().WriteList(ctx.W, ctx.Args[2:]) }

func (s *Server) cmdCommandGetKeys(ctx *command.Ctx) {
	s.getKeys(ctx, false)
}

func (s *Server) cmdCommandGetKeysAndFlags(ctx *command.Ctx) {
	s.getKeys(ctx, true)
}

func (s *Server) getKeys(ctx *command.Ctx, withFlags bool) {
	args := ctx.Args[2:]
	if cmd := s.cmds.Lookup(args); cmd != nil {
		command.WriteKeys(ctx.W, cmd.Spec, args, withFlags)
		return
	}
	ctx.Error("ERR Invalid command specified")
}

func (s *Server) cmdTime(ctx *command.Ctx) {
	now := time.Now()
	ctx.W.ArrayLen(2)
	ctx.W.BulkInt(now.Unix())
	ctx.W.BulkInt(int64(now.Nanosecond() / 1000))
}

func (s *Server) cmdDBSize(ctx *command.Ctx) { ctx.W.Int(int64(ctx.DB.Len())) }

func (s *Server) cmdLastSave(ctx *command.Ctx) { ctx.W.Int(s.lastSave.Unix()) }

func (s *Server) cmdConfigGet(ctx *command.Ctx) {
	patterns := make([]string, 0, len(ctx.Args)-2)
	for _, a := range ctx.Args[2:] {
		patterns = append(patterns, string(a))
	}
	pairs := s.cfg.Get(patterns...)
	ctx.W.MapLen(len(pairs) / 2)
	for _, p := range pairs {
		ctx.W.BulkString(p)
	}
}

func (s *Server) cmdConfigSet(ctx *command.Ctx) {
	args := ctx.Args[2:]
	if len(args)%2 != 0 {
		ctx.Error(command.ArityError(ctx.Cmd))
		return
	}
	pairs := make([]string, len(args))
	for i, a := range args {
		pairs[i] = string(a)
	}
	if err := s.cfg.SetFrom(ctx.Client.(*client).isLocal(), pairs...); err != nil {
		ctx.Error(err.Error())
		return
	}
	ctx.W.OK()
}

func (s *Server) cmdConfigRewrite(ctx *command.Ctx) {
	if err := s.cfg.Rewrite(); err != nil {
		s.log.warning("CONFIG REWRITE failed: %v", err)
		ctx.Error(err.Error())
		return
	}
	s.log.notice("CONFIG REWRITE executed with success.")
	ctx.W.OK()
}

func (s *Server) cmdConfigResetStat(ctx *command.Ctx) {
	s.ks.ResetStats()
	st := &s.stats
	st.commands, st.errorReplies, st.errorCodes = 0, 0, nil
	st.connections, st.rejectedConns = 0, 0
	st.netIn.Store(0)
	st.netOut.Store(0)
	st.reads.Store(0)
	st.writes.Store(0)
	st.peakMemory = 0
	for _, c := range s.cmds.All() {
		c.Stats = command.Stats{}
	}
	ctx.W.OK()
}

// registerConfigHooks keeps derived state in step with CONFIG SET.
func (s *Server) registerConfigHooks() {
	cfg := s.cfg
	cfg.OnApply("timeout", func(c *config.Config) error {
		s.idleTimeoutSec.Store(int64(c.Timeout))
		return nil
	})
	cfg.OnApply("loglevel", func(c *config.Config) error {
		s.log.setLevel(c.LogLevel)
		return nil
	})
	keyspaceHook := func(c *config.Config) error {
		s.applyKeyspaceConfig()
		s.applyMemoryLimit()
		return nil
	}
	for _, name := range []string{"maxmemory", "maxmemory-policy", "lfu-log-factor", "lfu-decay-time",
		"hash-max-listpack-entries", "hash-max-listpack-value", "set-max-intset-entries",
		"zset-max-listpack-entries", "zset-max-listpack-value", "list-max-listpack-size",
		"stream-node-max-bytes", "stream-node-max-entries", "proto-max-bulk-len"} {
		cfg.OnApply(name, keyspaceHook)
	}
}

func (s *Server) cmdShutdown(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	var save *bool
	force := false
	for _, a := range ctx.Args[1:] {
		switch {
		case resp.EqualFold(a, "nosave"):
			if save != nil && *save {
				ctx.SyntaxError()
				return
			}
			no := false
			save = &no
		case resp.EqualFold(a, "save"):
			if save != nil && !*save {
				ctx.SyntaxError()
				return
			}
			yes := true
			save = &yes
		case resp.EqualFold(a, "now"):
		case resp.EqualFold(a, "force"):
			force = true
		case resp.EqualFold(a, "abort"):
			if len(ctx.Args) != 2 {
				ctx.SyntaxError()
				return
			}
			ctx.Error("ERR No shutdown in progress.")
			return
		default:
			ctx.SyntaxError()
			return
		}
	}
	s.log.warning("User requested shutdown...")
	if err := s.runShutdownHooks(save, force); err != nil && !force {
		ctx.Error("ERR Errors trying to SHUTDOWN. Check logs.")
		return
	}
	s.log.warning("Redis is now ready to exit, bye bye...")
	// The client sees the connection close, as with Redis. Stop needs the
	// lock we hold, so it runs once this batch has finished.
	c.flags |= flagCloseASAP
	go s.Stop()
}

// flushWatched invalidates transactions watching keys of db before it is
// emptied (Redis's signalFlushedDb).
func (s *Server) flushWatched(dbid int) {
	for id := 0; id < s.ks.NumDBs(); id++ {
		if dbid == -1 || dbid == id {
			s.touchAllWatchedKeysInDB(s.ks.DB(id), nil)
		}
	}
}

// parseFlushMode accepts FLUSHDB/FLUSHALL's optional ASYNC|SYNC.
func parseFlushMode(ctx *command.Ctx) bool {
	switch {
	case len(ctx.Args) == 1:
		return true
	case len(ctx.Args) == 2 && (ctx.Is(1, "async") || ctx.Is(1, "sync")):
		return true
	}
	ctx.SyntaxError()
	return false
}

func (s *Server) cmdFlushDB(ctx *command.Ctx) {
	if !parseFlushMode(ctx) {
		return
	}
	s.flushWatched(ctx.DB.ID())
	s.trackingFlushAll()
	n := int64(ctx.DB.Len())
	ctx.DB.Flush()
	s.wakeWaiters(ctx.DB)
	ctx.Dirty(n + 1)
	ctx.W.OK()
}

func (s *Server) cmdFlushAll(ctx *command.Ctx) {
	if !parseFlushMode(ctx) {
		return
	}
	s.flushWatched(-1)
	s.trackingFlushAll()
	n := s.ks.FlushAll()
	for i := 0; i < s.ks.NumDBs(); i++ {
		s.wakeWaiters(s.ks.DB(i))
	}
	ctx.Dirty(n + 1)
	ctx.W.OK()
}

func (s *Server) cmdSwapDB(ctx *command.Ctx) {
	a, ok := resp.ParseInt(ctx.Args[1])
	if !ok {
		ctx.Error("ERR invalid first DB index")
		return
	}
	b, ok := resp.ParseInt(ctx.Args[2])
	if !ok {
		ctx.Error("ERR invalid second DB index")
		return
	}
	da, db := s.ks.DB(int(a)), s.ks.DB(int(b))
	if da == nil || db == nil || a != int64(int(a)) || b != int64(int(b)) {
		ctx.Error(command.ErrDBIndex)
		return
	}
	if da != db {
		s.touchAllWatchedKeysInDB(da, db)
		s.touchAllWatchedKeysInDB(db, da)
		da.Swap(db)
		s.wakeWaiters(da)
		s.wakeWaiters(db)
	}
	ctx.Dirty(1)
	ctx.W.OK()
}

// wakeWaiters makes every client blocked on a key of db re-check it,
// after FLUSHDB, FLUSHALL or SWAPDB replaced the whole database: keys may
// have appeared, and streams vanished (XREADGROUP waiters get an error).
// Waiters whose key still has nothing to serve simply block again.
func (s *Server) wakeWaiters(db *keyspace.DB) {
	if s.blocked.clients == 0 {
		return
	}
	for bk := range s.blocked.waiters {
		if bk.db == db.ID() {
			s.KeyReady(db, []byte(bk.key))
		}
	}
}
