package server

import (
	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
)

// Transactions: MULTI queues commands, EXEC runs them back to back under
// the lock (so nothing interleaves), with no rollback; WATCH makes EXEC
// fail when a watched key was written by anyone in the meantime.

type queuedCmd struct {
	cmd  *command.Command
	args [][]byte
}

type multiState struct {
	queue   []queuedCmd
	watched []blockKey
	// flags is the union of the queued commands' flags: an EXEC is a
	// write, or deny-oom, when one of its commands is (Redis's
	// mstate.cmd_flags), and the pipeline's checks treat it so.
	flags command.Flag
}

// watchRegistry maps watched keys to the clients watching them.
type watchRegistry map[blockKey][]*client

func (s *Server) queueMulti(c *client, cmd *command.Command, args [][]byte) {
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = append([]byte(nil), a...)
	}
	ms := s.multiOf(c)
	ms.queue = append(ms.queue, queuedCmd{cmd: cmd, args: cp})
	ms.flags |= cmd.Flags
	c.out.Status("QUEUED")
}

func (s *Server) multiOf(c *client) *multiState {
	if c.multi == nil {
		c.multi = &multiState{}
	}
	return c.multi
}

func (s *Server) cmdMulti(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	if c.flags&flagMulti != 0 {
		ctx.Error("ERR MULTI calls can not be nested")
		return
	}
	c.flags |= flagMulti
	ctx.W.OK()
}

func (s *Server) cmdDiscard(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	if c.flags&flagMulti == 0 {
		ctx.Error("ERR DISCARD without MULTI")
		return
	}
	s.discardMulti(c)
	ctx.W.OK()
}

func (s *Server) discardMulti(c *client) {
	c.flags &^= flagMulti | flagDirtyExec | flagDirtyCAS
	if c.multi != nil {
		c.multi.queue, c.multi.flags = nil, 0
	}
	s.unwatchAll(c)
}

func (s *Server) cmdExec(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	if c.flags&flagMulti == 0 {
		ctx.Error("ERR EXEC without MULTI")
		return
	}
	if c.flags&flagDirtyExec != 0 {
		ctx.Error("EXECABORT Transaction discarded because of previous errors.")
		s.discardMulti(c)
		return
	}
	if c.flags&flagDirtyCAS != 0 || s.watchedKeyExpired(c) {
		ctx.W.NullArray()
		s.discardMulti(c)
		return
	}
	queue := c.multi.queue
	c.multi.queue, c.multi.flags = nil, 0
	s.unwatchAll(c)
	ctx.W.ArrayLen(len(queue))
	// The transaction propagates as MULTI ... EXEC around its writes so
	// the AOF replays it atomically too.
	wrap := &multiPropagation{s: s}
	saved := s.propagators
	if len(saved) > 0 {
		s.propagators = []Propagator{wrap}
	}
	for _, q := range queue {
		if !s.aclExecAllowed(c, q.cmd, q.args) {
			continue
		}
		s.execute(c, q.cmd, q.args, false)
		// A command like SELECT changes the db for the next ones.
	}
	s.propagators = saved
	wrap.flush(saved)
	c.flags &^= flagMulti | flagDirtyExec | flagDirtyCAS
	// The EXEC itself is not propagated: its commands were.
	ctx.NoPropagate()
	// Keep the ctx of EXEC intact for the caller's stats.
	c.ctx.Reset(ctx.Args, ctx.Cmd)
	c.ctx.NoPropagate()
}

// multiPropagation buffers a transaction's effects and emits them wrapped
// in MULTI/EXEC when there is more than one.
type multiPropagation struct {
	s    *Server
	cmds []propagated
}

type propagated struct {
	db   int
	args [][]byte
}

func (m *multiPropagation) Feed(db int, args [][]byte) {
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = append([]byte(nil), a...)
	}
	m.cmds = append(m.cmds, propagated{db, cp})
}

func (m *multiPropagation) flush(to []Propagator) {
	if len(m.cmds) == 0 {
		return
	}
	wrap := len(m.cmds) > 1
	for _, p := range to {
		if wrap {
			p.Feed(m.cmds[0].db, [][]byte{[]byte("MULTI")})
		}
		for _, c := range m.cmds {
			p.Feed(c.db, c.args)
		}
		if wrap {
			p.Feed(m.cmds[len(m.cmds)-1].db, [][]byte{[]byte("EXEC")})
		}
	}
}

func (s *Server) cmdWatch(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	if c.flags&flagMulti != 0 {
		ctx.Error("ERR WATCH inside MULTI is not allowed")
		return
	}
	// WATCH after the transaction is already doomed does nothing.
	if c.flags&flagDirtyCAS == 0 {
		ms := s.multiOf(c)
		for _, k := range ctx.Args[1:] {
			bk := blockKey{c.db.ID(), string(k)}
			already := false
			for _, w := range ms.watched {
				if w == bk {
					already = true
					break
				}
			}
			if already {
				continue
			}
			ms.watched = append(ms.watched, bk)
			s.watched[bk] = append(s.watched[bk], c)
		}
	}
	ctx.W.OK()
}

func (s *Server) cmdUnwatch(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	s.unwatchAll(c)
	c.flags &^= flagDirtyCAS
	ctx.W.OK()
}

func (s *Server) unwatchAll(c *client) {
	if c.multi == nil {
		return
	}
	for _, bk := range c.multi.watched {
		list := s.watched[bk]
		for i, w := range list {
			if w == c {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(s.watched, bk)
		} else {
			s.watched[bk] = list
		}
	}
	c.multi.watched = nil
}

// touchWatchedKey dooms the transactions of clients watching key.
func (s *Server) touchWatchedKey(db *keyspace.DB, key []byte) {
	if len(s.watched) == 0 {
		return
	}
	for _, c := range s.watched[blockKey{db.ID(), string(key)}] {
		c.flags |= flagDirtyCAS
	}
}

// touchAllWatchedKeysInDB dooms every transaction watching a key of db
// that exists in either db or other (FLUSHDB, SWAPDB).
func (s *Server) touchAllWatchedKeysInDB(db, other *keyspace.DB) {
	for bk, clients := range s.watched {
		if bk.db != db.ID() {
			continue
		}
		k := []byte(bk.key)
		if db.Exists(k) || other != nil && other.Exists(k) {
			for _, c := range clients {
				c.flags |= flagDirtyCAS
			}
		}
	}
}

// watchedKeyExpired reports whether a watched key has expired since it
// was watched (its deletion may not have happened yet).
func (s *Server) watchedKeyExpired(c *client) bool {
	if c.multi == nil {
		return false
	}
	for _, bk := range c.multi.watched {
		db := s.ks.DB(bk.db)
		if at := db.RawExpireAt([]byte(bk.key)); at >= 0 && at <= s.ks.Now() {
			return true
		}
	}
	return false
}
