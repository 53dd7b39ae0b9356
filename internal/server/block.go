package server

import (
	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
)

// Blocking commands (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, ...).
//
// A command that finds nothing to serve calls Ctx.Block. The client is
// registered, in FIFO order, under each key it waits on. Writes that may
// make a key servable call Ctx.Ready; after the writing command (or the
// whole EXEC, or script) completes, serveReadyKeys re-runs each waiter's
// command through the same execution path, so the served command
// propagates, notifies and counts like any other. A waiter that still
// finds nothing stays blocked in place.

type blockKey struct {
	db  int
	key string
}

type blockState struct {
	keys     []string
	db       *keyspace.DB
	deadline int64 // unix ms; 0 = forever
	timeout  command.TimeoutReply
	cmd      *command.Command
	args     [][]byte // owned copy: the query buffer moves on
	paused   bool     // waiting for CLIENT PAUSE to end, not for keys
}

type readyKey struct {
	db  *keyspace.DB
	key string
}

type blockRegistry struct {
	waiters map[blockKey][]*client
	clients int
	isReady map[blockKey]bool
}

func newBlockRegistry() *blockRegistry {
	return &blockRegistry{waiters: map[blockKey][]*client{}, isReady: map[blockKey]bool{}}
}

// Block implements command.Hooks.
func (s *Server) Block(ctx *command.Ctx, keys [][]byte, deadline int64, timeout command.TimeoutReply) {
	c := ctx.Client.(*client)
	if c.block != nil {
		return // re-executed and still nothing to serve: keep our place
	}
	b := &blockState{db: ctx.DB, deadline: deadline, timeout: timeout, cmd: ctx.Cmd}
	b.args = make([][]byte, len(ctx.Args))
	for i, a := range ctx.Args {
		b.args[i] = append([]byte(nil), a...)
	}
	for _, k := range keys {
		key := string(k)
		bk := blockKey{ctx.DB.ID(), key}
		s.blocked.waiters[bk] = append(s.blocked.waiters[bk], c)
		b.keys = append(b.keys, key)
	}
	c.block = b
	c.blockedFlag.Store(true)
	s.blocked.clients++
}

// KeyReady implements command.Hooks.
func (s *Server) KeyReady(db *keyspace.DB, key []byte) {
	if s.blocked.clients == 0 {
		return
	}
	bk := blockKey{db.ID(), string(key)}
	if len(s.blocked.waiters[bk]) == 0 || s.blocked.isReady[bk] {
		return
	}
	s.blocked.isReady[bk] = true
	s.ready = append(s.ready, readyKey{db: db, key: bk.key})
}

// serveReadyKeys re-runs the commands of clients blocked on keys that
// became ready, oldest waiter first. Serving one may make other keys
// ready (BLMOVE pushes), so it loops until nothing is ready.
func (s *Server) serveReadyKeys() {
	for len(s.ready) > 0 {
		batch := s.ready
		s.ready = nil
		for _, rk := range batch {
			bk := blockKey{rk.db.ID(), rk.key}
			delete(s.blocked.isReady, bk)
			waiters := append([]*client(nil), s.blocked.waiters[bk]...)
			for _, w := range waiters {
				if w.block == nil {
					continue
				}
				// A blocked client cannot have switched databases, so it
				// re-runs on the one it blocked in.
				w.readyKey = []byte(rk.key)
				s.execute(w, w.block.cmd, w.block.args, true)
				w.readyKey = nil
				if w.ctx.Blocked() {
					continue // still nothing for this one
				}
				s.unblock(w)
				w.signal()
			}
		}
	}
}

// unblock removes c from every wait list. Lock held.
func (s *Server) unblock(c *client) {
	b := c.block
	if b == nil {
		return
	}
	for _, k := range b.keys {
		bk := blockKey{b.db.ID(), k}
		list := s.blocked.waiters[bk]
		for i, w := range list {
			if w == c {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(s.blocked.waiters, bk)
		} else {
			s.blocked.waiters[bk] = list
		}
	}
	c.block = nil
	c.blockedFlag.Store(false)
	if !b.paused {
		s.blocked.clients--
	}
}

// timeoutBlocked answers a blocked command whose timeout passed. Lock held.
func (s *Server) timeoutBlocked(c *client) {
	b := c.block
	switch b.timeout {
	case command.TimeoutNull:
		c.out.Null()
	default:
		c.out.NullArray()
	}
	b.cmd.Stats.Calls++
	s.stats.commands++
	s.unblock(c)
}
