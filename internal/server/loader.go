package server

import (
	"errors"
	"fmt"

	"github.com/autobot-ai/autobot-redis/internal/command"
)

// LoaderClient runs commands read back from an append-only file, like
// Redis's AOF "fake client": there is no connection, no authentication
// and no command checks, replies are discarded, MULTI/EXEC queue and run
// as usual, nothing blocks and nothing is propagated (the commands come
// from the AOF, writing them again would duplicate them).
type LoaderClient struct {
	s *Server
	c *client
}

// ErrLoaderUnknownCommand wraps the error Exec returns for a command the
// server does not know; loading must stop there, as in Redis.
var ErrLoaderUnknownCommand = errors.New("unknown command")

// NewLoaderClient returns a client for loading. Use it under the lock.
func (s *Server) NewLoaderClient() *LoaderClient {
	c := &client{
		s:      s,
		id:     -1,
		addr:   "aof-loader",
		db:     s.ks.DB(0),
		proto:  2,
		authed: true,
		user:   "default",
		fd:     -1,
	}
	c.out.SetProto(2)
	c.ctx.W = &c.out
	c.ctx.KS = s.ks
	c.ctx.Client = c
	c.ctx.Hooks = s
	c.ctx.Settings = &s.settings
	c.ctx.DB = c.db
	// Blocking commands answer as if they timed out.
	c.ctx.InScript = true
	return &LoaderClient{s: s, c: c}
}

// Exec runs one command. It fails only when the command cannot run at
// all (unknown, wrong number of arguments); error replies of commands that
// ran are ignored, as when Redis loads an AOF. The lock must be held.
func (l *LoaderClient) Exec(args [][]byte) error {
	s, c := l.s, l.c
	if len(args) == 0 {
		return errors.New("empty command")
	}
	cmd := s.cmds.Lookup(args)
	if cmd == nil {
		return fmt.Errorf("%w '%s'", ErrLoaderUnknownCommand, cString128(args[0]))
	}
	if !cmd.ArityOK(len(args)) {
		return fmt.Errorf("wrong number of arguments for '%s'", cmd.Name)
	}
	c.out.Reset()
	if c.flags&flagMulti != 0 && !execsInMulti(cmd) {
		s.queueMulti(c, cmd, args)
		c.out.Reset()
		return nil
	}
	saved := s.propagators
	s.propagators = nil
	prev := s.curClient
	s.execute(c, cmd, args, false)
	s.curClient = prev
	s.propagators = saved
	c.out.Reset()
	return nil
}

// InMulti reports whether a MULTI is open (a transaction cut short at the
// end of the file).
func (l *LoaderClient) InMulti() bool { return l.c.flags&flagMulti != 0 }

// Discard drops an open transaction.
func (l *LoaderClient) Discard() {
	if l.c.flags&flagMulti != 0 {
		l.s.discardMulti(l.c)
	}
}

// Command looks a command up by its arguments, for callers that need its
// flags (nil when unknown).
func (s *Server) Command(args [][]byte) *command.Command { return s.cmds.Lookup(args) }
