package server

import (
	"errors"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

const (
	// readBufSize is the initial and idle size of a client's query
	// buffer; it grows for large requests and shrinks back when drained,
	// so 10k idle connections cost little.
	readBufSize = 4 << 10
	// maxBatch bounds the commands executed under one lock hold, so a
	// huge pipeline cannot starve other clients.
	maxBatch = 1024
	// flushThreshold makes a batch stop and write out once this much
	// output accumulated (a pipeline of LRANGEs).
	flushThreshold = 1 << 20
	// keepOutBuf is the largest output buffer kept between batches.
	keepOutBuf = 64 << 10
)

type clientFlags uint32

const (
	flagCloseAfterReply clientFlags = 1 << iota
	flagCloseASAP
	flagMulti
	flagDirtyCAS
	flagDirtyExec
	flagPubSub
	flagMonitor
	flagNoEvict
	flagReplyOff
	flagReplySkipNext
	flagReplySkip
)

// parsedCmd locates one parsed command: its arguments in client.argv and
// the offset in the query buffer just after it.
type parsedCmd struct {
	argStart, argEnd int
	end              int
}

// client is one connection. Fields are guarded by the server lock unless
// marked otherwise; the connection's own goroutine owns the query buffer.
type client struct {
	s       *Server
	id      int64
	conn    net.Conn
	addr    string
	laddr   string
	fd      int
	created time.Time

	name    string
	db      *keyspace.DB
	proto   int
	authed  bool
	user    string
	flags   clientFlags
	lastCmd *command.Command

	// Owned by the connection goroutine.
	rbuf    []byte
	rbufCap atomic.Int64 // cap(rbuf), for memory reports from other goroutines
	rstart  int
	rend    int
	need    int
	argv    [][]byte
	batch   []parsedCmd
	// prefetch is scratch space for the first keys of a batch.
	prefetch [][]byte
	spare    []byte
	armed    time.Time // read deadline currently set
	rearm    bool      // the deadline fired or was moved; set it again

	out resp.Writer
	ctx command.Ctx

	// lastInteraction is unix ms of the last command, read by CLIENT
	// LIST and the idle timeout; atomic because it is set outside the lock.
	lastInteraction atomic.Int64
	// wake asks the connection goroutine to write output that others
	// appended (pub/sub, MONITOR, unblocking) or to re-check its state.
	wake atomic.Bool
	// blockedFlag mirrors block != nil for lock-free checks by the
	// connection goroutine.
	blockedFlag atomic.Bool
	block       *blockState
	multi       *multiState
	subs        *subscriptions
	tracking    *trackingState
	readyKey    []byte // the key that woke this blocked client, during its re-run
	// detach, when set, takes over the connection after the current
	// batch's replies are written (SYNC).
	detach func(conn net.Conn)

	qbufPeak       int
	qbufLen        int   // query buffer bytes pending at the last batch
	softLimitSince int64 // unix ms when output first passed the soft limit
}

// isLocal reports whether the peer is on loopback (or a Unix socket), for
// protected-mode and enable-debug-command local.
func (c *client) isLocal() bool {
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return true // not an IP peer: a Unix socket or an in-process pipe
	}
	ip := net.ParseIP(host)
	return ip == nil || ip.IsLoopback()
}

// forgetClient drops every registration the client holds. Lock held.
func (s *Server) forgetClient(c *client) {
	if c.multi != nil {
		s.unwatchAll(c)
	}
	s.unsubscribeAll(c)
}

func (s *Server) newClient(conn net.Conn) *client {
	s.nextID++
	c := &client{
		s:       s,
		id:      s.nextID,
		conn:    conn,
		addr:    conn.RemoteAddr().String(),
		laddr:   conn.LocalAddr().String(),
		fd:      connFD(conn),
		created: time.Now(),
		db:      s.ks.DB(0),
		proto:   2,
		authed:  s.defaultUserAuthed(),
		user:    "default",
		rbuf:    make([]byte, readBufSize),
	}
	c.rbufCap.Store(readBufSize)
	c.lastInteraction.Store(c.created.UnixMilli())
	c.out.SetProto(2)
	c.ctx.W = &c.out
	c.ctx.KS = s.ks
	c.ctx.Client = c
	c.ctx.Hooks = s
	c.ctx.Settings = &s.settings
	c.ctx.DB = c.db
	s.clients[c.id] = c
	return c
}

// connFD returns the socket's descriptor number for CLIENT LIST, or -1.
func connFD(conn net.Conn) int {
	fd := -1
	if tc, ok := conn.(*net.TCPConn); ok {
		if rc, err := tc.SyscallConn(); err == nil {
			_ = rc.Control(func(f uintptr) { fd = int(f) })
		}
	}
	return fd
}

// ID implements command.Client.
func (c *client) ID() int64 { return c.id }

// Proto implements command.Client.
func (c *client) Proto() int { return c.proto }

// SelectDB implements command.Client.
func (c *client) SelectDB(db *keyspace.DB) { c.db = db }

func (c *client) setProto(p int) {
	c.proto = p
	c.out.SetProto(p)
}

// aLongTimeAgo is a deadline in the past: setting it makes a pending Read
// return at once, which is how other goroutines interrupt this one.
var aLongTimeAgo = time.Unix(1, 0)

// signal wakes the connection goroutine. Callers hold the server lock and
// have already appended any output.
func (c *client) signal() {
	if c.wake.CompareAndSwap(false, true) {
		_ = c.conn.SetReadDeadline(aLongTimeAgo)
	}
}

// serve is the connection goroutine: read, execute, write, until the
// client leaves or is disconnected.
func (c *client) serve() {
	defer c.disconnect()
	for {
		if !c.processInput() {
			return
		}
		// The client cannot have sent its next request before getting
		// the replies just written, so reading now would almost always
		// fail with EAGAIN and park this goroutine only to read again
		// after the poller wakes it. Letting the other connections run
		// first gives the request time to arrive: under load the next
		// read usually succeeds at once, which saves a syscall and a
		// park/unpark per request; when idle Gosched returns at once.
		runtime.Gosched()
		if err := c.readMore(); err != nil {
			return
		}
	}
}

var errClose = errors.New("close connection")

// readMore blocks until new input arrived or state changed in a way that
// makes buffered input processable again (a blocked command was served).
func (c *client) readMore() error {
	for {
		c.armDeadline()
		if c.wake.Swap(false) {
			if err := c.flushPending(); err != nil {
				return err
			}
			if !c.blockedFlag.Load() && c.rstart < c.rend && c.need == 0 {
				return nil // unblocked with pipelined commands waiting
			}
		}
		if err := c.ensureSpace(); err != nil {
			return err
		}
		n, err := c.conn.Read(c.rbuf[c.rend:])
		if n > 0 {
			c.rend += n
			c.s.stats.netIn.Add(int64(n))
			c.s.stats.reads.Add(1)
			if c.need > 0 && c.rend-c.rstart < c.need {
				continue // still waiting for the rest of a large argument
			}
			c.need = 0
			if !c.blockedFlag.Load() {
				return nil
			}
			// A blocked client's input waits, as in Redis, but a
			// disconnect must still be noticed: keep reading.
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
				c.rearm = true
				if err := c.onDeadline(); err != nil {
					return err
				}
				continue
			}
			return err
		}
	}
}

// armDeadline sets the read deadline this state needs: a blocked
// command's timeout, the idle timeout, or none.
func (c *client) armDeadline() {
	var want time.Time
	if c.blockedFlag.Load() {
		if d := c.blockDeadline(); d > 0 {
			want = time.UnixMilli(d)
		}
	} else if t := c.s.idleTimeout(); t > 0 && !c.isPubSub() {
		// Only clients under an idle timeout pay for the lock in isPubSub.
		want = time.UnixMilli(c.lastInteraction.Load()).Add(t)
	}
	if c.rearm || !want.Equal(c.armed) {
		_ = c.conn.SetReadDeadline(want)
		c.armed = want
		c.rearm = false
	}
}

func (c *client) isPubSub() bool {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.flags&flagPubSub != 0
}

func (c *client) blockDeadline() int64 {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.block == nil {
		return 0
	}
	return c.block.deadline
}

// onDeadline handles a read deadline that fired: a wake (handled by the
// loop), a blocked command's timeout, or the idle timeout.
func (c *client) onDeadline() error {
	if c.wake.Load() {
		return nil
	}
	now := time.Now()
	if c.blockedFlag.Load() {
		s := c.s
		s.mu.Lock()
		if c.block != nil && c.block.deadline > 0 && now.UnixMilli() >= c.block.deadline {
			s.timeoutBlocked(c)
		}
		s.mu.Unlock()
		return c.flushPending()
	}
	if t := c.s.idleTimeout(); t > 0 && !c.isPubSub() {
		if now.Sub(time.UnixMilli(c.lastInteraction.Load())) >= t {
			c.s.log.verbose("Closing idle client")
			return errClose
		}
	}
	return nil
}

// flushPending writes output that was appended while this goroutine was
// not executing (by publishers, monitors, or whoever served our blocked
// command).
func (c *client) flushPending() error {
	s := c.s
	s.mu.Lock()
	out := c.takeOutput()
	closeNow := c.flags&(flagCloseASAP) != 0
	s.mu.Unlock()
	if err := c.write(out); err != nil {
		return err
	}
	if closeNow {
		return errClose
	}
	return nil
}

// takeOutput swaps the output buffer for the spare one. Lock held.
func (c *client) takeOutput() []byte {
	out := c.out.Swap(c.spare)
	c.spare = nil
	return out
}

func (c *client) write(b []byte) error {
	if len(b) > 0 {
		n, err := c.conn.Write(b)
		c.s.stats.netOut.Add(int64(n))
		c.s.stats.writes.Add(1)
		if err != nil {
			return err
		}
	}
	if cap(b) <= keepOutBuf {
		c.spare = b[:0]
	}
	return nil
}

// ensureSpace makes room at the end of the query buffer for the next read.
func (c *client) ensureSpace() error {
	if c.rstart == c.rend {
		c.rstart, c.rend = 0, 0
		if cap(c.rbuf) > 4*readBufSize && c.need == 0 {
			c.rbuf = make([]byte, readBufSize)
			c.rbufCap.Store(readBufSize)
		}
	}
	pending := c.rend - c.rstart
	if limit := c.s.cfg.ClientQueryBufferLimit; limit > 0 && int64(pending) > limit {
		c.s.log.warning("Closing client that reached max query buffer length (qbuf=%d)", pending)
		return errClose
	}
	want := pending + 1
	if c.need > want {
		want = c.need
	}
	if len(c.rbuf)-c.rend >= 512 && len(c.rbuf)-c.rstart >= want {
		return nil
	}
	if c.rstart > 0 && len(c.rbuf) >= want+512 {
		copy(c.rbuf, c.rbuf[c.rstart:c.rend])
		c.rstart, c.rend = 0, pending
		return nil
	}
	size := 2 * len(c.rbuf)
	if size < want+512 {
		size = want + 512
	}
	nb := make([]byte, size)
	copy(nb, c.rbuf[c.rstart:c.rend])
	c.rbuf = nb
	c.rbufCap.Store(int64(size))
	c.rstart, c.rend = 0, pending
	return nil
}

// limits returns the parser limits for the client's current state.
func (c *client) limits() resp.Limits {
	return resp.Limits{MaxBulkLen: c.s.cfg.ProtoMaxBulkLen, Unauthenticated: c.s.authRequired(c)}
}

// processInput parses and executes every complete command in the query
// buffer, writing replies once per batch. It returns false when the
// connection must be closed.
func (c *client) processInput() bool {
	for c.rstart < c.rend && !c.blockedFlag.Load() {
		c.argv = c.argv[:0]
		c.batch = c.batch[:0]
		pos := c.rstart
		var perr error
		lim := c.limits()
		max := maxBatch
		if lim.Unauthenticated {
			// AUTH changes the limits for the commands after it.
			max = 1
		}
		for len(c.batch) < max && pos < c.rend {
			start := len(c.argv)
			var n, need int
			c.argv, n, need, perr = resp.Parse(c.rbuf[pos:c.rend], c.argv, lim)
			if perr != nil {
				break
			}
			if n == 0 {
				if need > 0 {
					c.need = need
				} else {
					c.need = 0
				}
				break
			}
			pos += n
			c.batch = append(c.batch, parsedCmd{argStart: start, argEnd: len(c.argv), end: pos})
		}
		if len(c.batch) == 0 && perr == nil {
			break // incomplete command: read more
		}
		c.need = 0
		out, closing := c.runBatch(perr)
		if err := c.write(out); err != nil || closing {
			if err == nil && c.detach != nil {
				c.handOver()
			}
			return false
		}
	}
	if c.rstart == c.rend {
		c.rstart, c.rend = 0, 0
	}
	return true
}

// disconnect releases everything the client holds on the server.
func (c *client) disconnect() {
	s := c.s
	s.mu.Lock()
	if c.block != nil {
		s.unblock(c)
	}
	s.forgetClient(c)
	if c.flags&flagMonitor != 0 {
		s.removeMonitor(c)
	}
	s.trackingOff(c)
	delete(s.clients, c.id)
	s.mu.Unlock()
	c.conn.Close()
}

// runBatch executes the parsed batch under the server lock and returns
// the output to write. A panic in a handler is a bug: it is logged with
// its stack, the client gets an error and is disconnected, and the lock
// is released so the server keeps serving everyone else.
func (c *client) runBatch(perr error) (out []byte, closing bool) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	// Read under the lock, so the keyspace's time never goes backwards
	// from one batch to the next.
	now := time.Now()
	s.clock.reset(now)
	c.lastInteraction.Store(now.UnixMilli())
	defer func() {
		if r := recover(); r != nil {
			s.log.warning("BUG: panic while executing a command for client id=%d: %v\n%s", c.id, r, debug.Stack())
			s.ks.Settle()
			c.out.Error("ERR internal error while executing the command; the server logged the details")
			c.flags |= flagCloseAfterReply
			out, closing = c.takeOutput(), true
		}
	}()
	c.qbufLen = c.rend - c.rstart
	if c.qbufLen > c.qbufPeak {
		c.qbufPeak = c.qbufLen
	}
	if len(c.batch) > 1 {
		// The first argument is the first key of almost every data
		// command; where it is not, the prefetch is a harmless read.
		keys := c.prefetch[:0]
		for _, p := range c.batch {
			if p.argEnd-p.argStart > 1 {
				keys = append(keys, c.argv[p.argStart+1])
			}
		}
		c.db.Prefetch(keys, 1)
		clear(keys) // keep no references into the query buffer
		c.prefetch = keys[:0]
	}
	done := 0
	for _, p := range c.batch {
		if p.argEnd > p.argStart {
			s.call(c, c.argv[p.argStart:p.argEnd])
		}
		c.rstart = p.end
		done++
		if c.block != nil || c.flags&(flagCloseAfterReply|flagCloseASAP) != 0 || c.out.Len() > flushThreshold {
			break
		}
	}
	if perr != nil && done == len(c.batch) && c.block == nil && c.flags&(flagCloseAfterReply|flagCloseASAP) == 0 {
		s.replyError(c, "ERR "+perr.Error())
		c.flags |= flagCloseAfterReply
		s.log.verbose("Protocol error (%s) from client: id=%d addr=%s", perr.Error(), c.id, c.addr)
	}
	for _, h := range s.batchHooks {
		h()
	}
	return c.takeOutput(), c.flags&(flagCloseAfterReply|flagCloseASAP) != 0
}

// handOver leaves the server and gives the socket to the detach function.
// The deferred disconnect closes the socket when it returns.
func (c *client) handOver() {
	s := c.s
	s.mu.Lock()
	fn := c.detach
	c.detach = nil
	s.mu.Unlock()
	_ = c.conn.SetReadDeadline(time.Time{})
	fn(c.conn)
}
