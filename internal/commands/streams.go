package commands

import (
	"bytes"
	"strconv"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// Stream commands. This file has the commands on entries (XADD, XLEN,
// XRANGE, XREVRANGE, XDEL, XTRIM, XSETID) and the readers (XREAD,
// XREADGROUP, including their blocking forms); streams_groups.go has the
// consumer group commands and streams_info.go XINFO.
//
// Redis parses stream arguments as C strings in many places (strcasecmp,
// strcmp, %s in error messages), so an argument with a NUL byte behaves as
// if it ended there. isWord, isChar and cstr reproduce that.

func registerStreams(t *command.Table) {
	for name, h := range map[string]command.Handler{
		"xadd": cmdXAdd, "xlen": cmdXLen, "xrange": cmdXRange, "xrevrange": cmdXRevRange,
		"xdel": cmdXDel, "xtrim": cmdXTrim, "xsetid": cmdXSetID,
		"xread": cmdXRead, "xreadgroup": cmdXReadGroup,
		"xgroup|create": cmdXGroupCreate, "xgroup|setid": cmdXGroupSetID,
		"xgroup|destroy": cmdXGroupDestroy, "xgroup|createconsumer": cmdXGroupCreateConsumer,
		"xgroup|delconsumer": cmdXGroupDelConsumer, "xgroup|help": cmdXGroupHelp,
		"xack": cmdXAck, "xpending": cmdXPending, "xclaim": cmdXClaim, "xautoclaim": cmdXAutoClaim,
		"xinfo|stream": cmdXInfoStream, "xinfo|groups": cmdXInfoGroups,
		"xinfo|consumers": cmdXInfoConsumers, "xinfo|help": cmdXInfoHelp,
	} {
		t.Register(name, h)
	}
}

// isWord reports whether b, read as a C string, equals the lower-case
// word w ignoring case.
func isWord(b []byte, w string) bool {
	if len(b) < len(w) || len(b) > len(w) && b[len(w)] != 0 {
		return false
	}
	return resp.EqualFold(b[:len(w)], w)
}

// isChar reports whether b, read as a C string, is the single byte ch.
func isChar(b []byte, ch byte) bool {
	return len(b) > 0 && b[0] == ch && (len(b) == 1 || b[1] == 0)
}

// cstr returns b up to its first NUL, as printf's %s prints it.
func cstr(b []byte) string {
	for i, ch := range b {
		if ch == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// streamOf type-checks a looked-up object: (nil, true) for a missing key,
// (nil, false) after replying WRONGTYPE.
func streamOf(c *command.Ctx, o *keyspace.Object) (*types.Stream, bool) {
	if o == nil {
		return nil, true
	}
	if o.Type() != keyspace.TypeStream {
		c.WrongType()
		return nil, false
	}
	return o.Collection().(*types.Stream), true
}

// createStream adds an empty stream at key, which must not exist. The
// caller signals the key as ready, as Redis's dbAdd does, when it is done.
func createStream(c *command.Ctx, key []byte) *types.Stream {
	s := types.NewStream()
	c.DB.Add(key).SetCollection(keyspace.TypeStream, s)
	return s
}

// streamIDLen bounds the text of an ID: two 20-digit numbers and a dash.
const streamIDLen = 41

func writeStreamID(w *resp.Writer, id types.StreamID) {
	var buf [streamIDLen]byte
	w.Bulk(id.AppendText(buf[:0]))
}

// writeStreamEntry writes one entry as Redis does: a two-element array of
// the ID and the flat field/value array.
func writeStreamEntry(w *resp.Writer, id types.StreamID, fields [][]byte) {
	w.ArrayLen(2)
	writeStreamID(w, id)
	w.ArrayLen(len(fields))
	for _, f := range fields {
		w.Bulk(f)
	}
}

// writeStreamRange writes the entries of [start, end] (count 0: all) as an
// array and returns how many it wrote.
func writeStreamRange(w *resp.Writer, s *types.Stream, start, end types.StreamID, count int64, rev bool) int {
	d := w.Defer()
	n := 0
	s.Range(start, end, int(count), rev, func(id types.StreamID, f [][]byte) bool {
		writeStreamEntry(w, id, f)
		n++
		return true
	})
	w.SetArrayLen(d, n)
	return n
}

// propArgs builds a command to propagate, all of its bytes in one buffer.
// Use it as a local value: its methods do not let it escape.
type propArgs struct {
	buf  []byte
	args [][]byte
}

func newPropArgs(n, size int) propArgs {
	return propArgs{buf: make([]byte, 0, size), args: make([][]byte, 0, n)}
}

// end records the bytes appended since at as the next argument. If the
// buffer grew meanwhile, earlier arguments keep pointing at the old
// array, whose bytes never change.
func (p *propArgs) end(at int) {
	p.args = append(p.args, p.buf[at:len(p.buf):len(p.buf)])
}

func (p *propArgs) add(b []byte) {
	at := len(p.buf)
	p.buf = append(p.buf, b...)
	p.end(at)
}

func (p *propArgs) word(s string) {
	at := len(p.buf)
	p.buf = append(p.buf, s...)
	p.end(at)
}

func (p *propArgs) int(n int64) {
	at := len(p.buf)
	p.buf = strconv.AppendInt(p.buf, n, 10)
	p.end(at)
}

func (p *propArgs) id(id types.StreamID) {
	at := len(p.buf)
	p.buf = id.AppendText(p.buf)
	p.end(at)
}

// --- XADD / XTRIM -----------------------------------------------------------

// streamTrimParse is what the shared XADD/XTRIM option parser found.
type streamTrimParse struct {
	trim types.StreamTrimArgs
	// argIdx is the position of the MAXLEN/MINID value, which "~"
	// trimming rewrites for propagation (the "~" sits just before it).
	argIdx     int
	limitGiven bool
	// XADD only.
	noMkStream bool
	idPos      int
	idGiven    bool
	addID      types.StreamAddID
}

// streamDefaultTrimLimit is the LIMIT of "~" trimming when none is given:
// 100 nodes' worth of entries, bounded to [1, 1000000] as Redis 7.0 does
// (the product wraps like the C arithmetic before being bounded).
func streamDefaultTrimLimit(nodeMaxEntries int64) int64 {
	l := 100 * nodeMaxEntries
	if l <= 0 {
		l = 10000
	}
	if l > 1000000 {
		l = 1000000
	}
	return l
}

// parseStreamTrim parses XADD's (xadd) or XTRIM's options with Redis's
// order of checks. For XADD it stops at the ID, which it parses too.
func parseStreamTrim(c *command.Ctx, xadd bool) (p streamTrimParse, ok bool) {
	args := c.Args
	i := 2
	p.trim.Strategy = types.StreamTrimNone
loop:
	for ; i < len(args); i++ {
		more := len(args) - 1 - i
		opt := args[i]
		switch {
		case xadd && isChar(opt, '*'):
			// The common auto-ID case, checked first.
			p.addID = types.StreamAddID{Auto: true}
			break loop
		case isWord(opt, "maxlen") && more > 0, isWord(opt, "minid") && more > 0:
			maxlen := opt[1] == 'a' || opt[1] == 'A'
			if p.trim.Strategy != types.StreamTrimNone {
				c.Error(types.StreamErrMaxLenAndMinID.Error())
				return p, false
			}
			p.trim.Approx = false
			next := args[i+1]
			if more >= 2 && isChar(next, '~') {
				p.trim.Approx = true
				i++
			} else if more >= 2 && isChar(next, '=') {
				i++
			}
			if maxlen {
				n, ok := c.Int(i + 1)
				if !ok {
					return p, false
				}
				if n < 0 {
					c.Error(types.StreamErrMaxLenNegative.Error())
					return p, false
				}
				p.trim.MaxLen = n
				p.trim.Strategy = types.StreamTrimMaxLen
			} else {
				id, err := types.StreamParseIDStrict(args[i+1], 0)
				if err != nil {
					c.Error(err.Error())
					return p, false
				}
				p.trim.MinID = id
				p.trim.Strategy = types.StreamTrimMinID
			}
			i++
			p.argIdx = i
		case isWord(opt, "limit") && more > 0:
			n, ok := c.Int(i + 1)
			if !ok {
				return p, false
			}
			if n < 0 {
				c.Error(types.StreamErrLimitNegative.Error())
				return p, false
			}
			p.trim.Limit = n
			p.limitGiven = true
			i++
		case xadd && isWord(opt, "nomkstream"):
			p.noMkStream = true
		case xadd:
			// Anything else is the ID, or a syntax error reported as an
			// invalid ID.
			a, err := types.StreamParseAddID(opt)
			if err != nil {
				c.Error(err.Error())
				return p, false
			}
			p.addID = a
			p.idGiven = true
			break loop
		default:
			c.SyntaxError()
			return p, false
		}
	}
	p.idPos = i
	if p.trim.Limit != 0 && p.trim.Strategy == types.StreamTrimNone {
		c.Error(types.StreamErrLimitNeedsStrategy.Error())
		return p, false
	}
	if !xadd && p.trim.Strategy == types.StreamTrimNone {
		c.Error("ERR syntax error, XTRIM must be called with a trimming strategy")
		return p, false
	}
	if p.limitGiven {
		if !p.trim.Approx {
			c.Error(types.StreamErrLimitNeedsApprox.Error())
			return p, false
		}
	} else if p.trim.Approx {
		p.trim.Limit = streamDefaultTrimLimit(c.Settings.StreamNode.MaxEntries)
	} else {
		p.trim.Limit = 0
	}
	return p, true
}

// streamFirstPhysicalID is the ID Redis propagates for "MINID ~": the first
// entry of the first node, deleted or not, or the maximum ID when the
// stream has no node.
func streamFirstPhysicalID(s *types.Stream) types.StreamID {
	if s.NodeCount() == 0 {
		return types.StreamMaxID()
	}
	var id types.StreamID
	s.ForEachNode(func(v types.StreamNodeView) bool {
		id = v.Master
		if len(v.Entries) > 0 {
			id = v.Entries[0].ID
		}
		return false
	})
	return id
}

// rewriteApproxTrim makes "~" trimming deterministic for the AOF and
// replicas: "~" becomes "=" and the threshold becomes what the stream now
// is (its length, or its first ID), as Redis rewrites it. The new bytes
// go to buf, which must have room for them so that nothing reallocates.
func rewriteApproxTrim(s *types.Stream, p *streamTrimParse, args [][]byte, buf []byte) []byte {
	at := len(buf)
	buf = append(buf, '=')
	args[p.argIdx-1] = buf[at:len(buf):len(buf)]
	at = len(buf)
	if p.trim.Strategy == types.StreamTrimMaxLen {
		buf = strconv.AppendUint(buf, s.Length(), 10)
	} else {
		buf = streamFirstPhysicalID(s).AppendText(buf)
	}
	args[p.argIdx] = buf[at:len(buf):len(buf)]
	return buf
}

func cmdXAdd(c *command.Ctx) {
	p, ok := parseStreamTrim(c, true)
	if !ok {
		return
	}
	fieldPos := p.idPos + 1
	if nf := len(c.Args) - fieldPos; nf < 2 || nf%2 == 1 {
		c.Error(command.ArityError(c.Cmd))
		return
	}
	// An explicit 0-0 fails before the key is looked up, so no empty
	// stream is left behind.
	if err := p.addID.Validate(); err != nil {
		c.Error(err.Error())
		return
	}
	key := c.Args[1]
	s, ok := streamOf(c, c.DB.LookupWrite(key))
	if !ok {
		return
	}
	if s == nil {
		if p.noMkStream {
			c.W.Null()
			return
		}
		s = createStream(c, key)
	}
	// A failure below leaves a newly created stream in place, as in Redis.
	id, err := s.Add(p.addID, c.Args[fieldPos:], c.Now(), c.Settings.StreamNode)
	if err != nil {
		c.Error(err.Error())
		return
	}
	var idText [streamIDLen]byte
	idb := id.AppendText(idText[:0])
	c.W.Bulk(idb)
	c.Modified(key)
	c.Notify(command.NotifyStream, "xadd", key)
	c.Dirty(1)

	// The AOF and replicas get the ID that was generated and "~" trimming
	// made exact. The replaced arguments share one buffer.
	var prop [][]byte
	var buf []byte
	rewriteID := !p.idGiven || p.addID.SeqAuto
	if rewriteID || p.trim.Approx {
		prop = append(prop, c.Args...)
		buf = make([]byte, 0, 2*streamIDLen+2)
	}
	if p.trim.Strategy != types.StreamTrimNone {
		if s.Trim(p.trim) > 0 {
			c.Notify(command.NotifyStream, "xtrim", key)
		}
		if p.trim.Approx {
			buf = rewriteApproxTrim(s, &p, prop, buf)
		}
	}
	if rewriteID {
		at := len(buf)
		buf = append(buf, idb...)
		prop[p.idPos] = buf[at:len(buf):len(buf)]
	}
	if prop != nil {
		c.Propagate(prop...)
	}
	c.Ready(key)
}

func cmdXTrim(c *command.Ctx) {
	p, ok := parseStreamTrim(c, false)
	if !ok {
		return
	}
	key := c.Args[1]
	s, ok := streamOf(c, c.DB.LookupWrite(key))
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	deleted := s.Trim(p.trim)
	if deleted > 0 {
		c.Notify(command.NotifyStream, "xtrim", key)
		if p.trim.Approx {
			prop := append([][]byte(nil), c.Args...)
			rewriteApproxTrim(s, &p, prop, make([]byte, 0, streamIDLen+1))
			c.Propagate(prop...)
		}
		c.Modified(key)
		c.Dirty(deleted)
	}
	c.W.Int(deleted)
}

// --- XLEN / XRANGE / XREVRANGE / XDEL / XSETID ------------------------------

func cmdXLen(c *command.Ctx) {
	s, ok := streamOf(c, c.DB.LookupRead(c.Args[1]))
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(s.Length()))
}

func cmdXRange(c *command.Ctx)    { xrangeGeneric(c, false) }
func cmdXRevRange(c *command.Ctx) { xrangeGeneric(c, true) }

func xrangeGeneric(c *command.Ctx, rev bool) {
	startArg, endArg := c.Args[2], c.Args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, err := types.StreamParseRangeStart(startArg)
	if err != nil {
		c.Error(err.Error())
		return
	}
	end, err := types.StreamParseRangeEnd(endArg)
	if err != nil {
		c.Error(err.Error())
		return
	}
	count := int64(-1)
	for j := 4; j < len(c.Args); j++ {
		if isWord(c.Args[j], "count") && j+1 < len(c.Args) {
			n, ok := c.Int(j + 1)
			if !ok {
				return
			}
			count = max(n, 0)
			j++
			continue
		}
		c.SyntaxError()
		return
	}
	o := c.DB.LookupRead(c.Args[1])
	if o == nil {
		c.W.ArrayLen(0)
		return
	}
	s, ok := streamOf(c, o)
	if !ok {
		return
	}
	if count == 0 {
		c.W.NullArray()
		return
	}
	writeStreamRange(c.W, s, start, end, max(count, 0), rev)
}

// streamIDArgs parses args as strict IDs into buf (grown if needed).
func streamIDArgs(c *command.Ctx, args [][]byte, buf []types.StreamID) ([]types.StreamID, bool) {
	ids := buf[:0]
	for _, a := range args {
		id, err := types.StreamParseIDStrict(a, 0)
		if err != nil {
			c.Error(err.Error())
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

func cmdXDel(c *command.Ctx) {
	key := c.Args[1]
	s, ok := streamOf(c, c.DB.LookupWrite(key))
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	// Every ID is checked before anything is deleted.
	var buf [16]types.StreamID
	ids, ok := streamIDArgs(c, c.Args[2:], buf[:])
	if !ok {
		return
	}
	deleted := s.Delete(ids...)
	if deleted > 0 {
		c.Modified(key)
		c.Notify(command.NotifyStream, "xdel", key)
		c.Dirty(int64(deleted))
	}
	c.W.Int(int64(deleted))
}

func cmdXSetID(c *command.Ctx) {
	id, err := types.StreamParseIDStrict(c.Args[2], 0)
	if err != nil {
		c.Error(err.Error())
		return
	}
	entriesAdded := int64(-1)
	var maxDeleted types.StreamID
	for i := 3; i < len(c.Args); i += 2 {
		more := len(c.Args) - 1 - i
		switch opt := c.Args[i]; {
		case isWord(opt, "entriesadded") && more > 0:
			n, ok := c.Int(i + 1)
			if !ok {
				return
			}
			if n < 0 {
				c.Error(types.StreamErrEntriesAddedNegative.Error())
				return
			}
			entriesAdded = n
		case isWord(opt, "maxdeletedid") && more > 0:
			md, err := types.StreamParseIDStrict(c.Args[i+1], 0)
			if err != nil {
				c.Error(err.Error())
				return
			}
			if id.Less(md) {
				c.Error(types.StreamErrSetIDSmallMaxDel.Error())
				return
			}
			maxDeleted = md
		default:
			c.SyntaxError()
			return
		}
	}
	key := c.Args[1]
	o := c.DB.LookupWrite(key)
	if o == nil {
		c.Error(command.ErrNoSuchKey)
		return
	}
	s, ok := streamOf(c, o)
	if !ok {
		return
	}
	if err := s.SetID(id, entriesAdded, maxDeleted); err != nil {
		c.Error(err.Error())
		return
	}
	c.W.OK()
	c.Dirty(1)
	c.Notify(command.NotifyStream, "xsetid", key)
}

// --- XREAD / XREADGROUP -----------------------------------------------------

// xreadBlockedCount is the COUNT a blocked XREAD uses when it was given
// none (or 0), so a low ID cannot make one wake-up return a huge reply.
const xreadBlockedCount = 1000

// Replies of XREAD and XREADGROUP, with Redis 7.0's text.
const (
	errXReadUnbalanced   = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
	errXReadGroupOption  = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
	errXReadNoAckOption  = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
	errXReadGroupMissing = "ERR Missing GROUP option for XREADGROUP"
	errXReadTimeoutInt   = "ERR timeout is not an integer or out of range"
	errXReadTimeoutNeg   = "ERR timeout is negative"
	errXReadGroupGone    = "NOGROUP the consumer group this client was blocked on no longer exists"
	errXReadKeyGone      = "UNBLOCKED the stream key no longer exists"
)

// xreadArgs are the parsed options of XREAD / XREADGROUP.
type xreadArgs struct {
	group    bool
	timeout  int64 // -1: no BLOCK; 0: forever; else a unix ms deadline
	count    int64
	noack    bool
	groupArg []byte
	consumer []byte
	keys     [][]byte // the stream keys
	idArgs   [][]byte // their ID arguments
}

func parseXRead(c *command.Ctx, group bool) (a xreadArgs, ok bool) {
	args := c.Args
	a.group = group
	a.timeout = -1
	streamsArg := 0
loop:
	for i := 1; i < len(args); i++ {
		more := len(args) - i - 1
		opt := args[i]
		switch {
		case isWord(opt, "block") && more > 0:
			if c.InScript {
				c.Error("ERR " + cstr(args[0]) + " command is not allowed with BLOCK option from scripts")
				return a, false
			}
			i++
			t, ok := resp.ParseInt(args[i])
			if !ok {
				c.Error(errXReadTimeoutInt)
				return a, false
			}
			if t < 0 {
				c.Error(errXReadTimeoutNeg)
				return a, false
			}
			if t > 0 {
				// Like Redis, a huge timeout wraps around; a negative
				// deadline then never fires.
				t += c.Now()
			}
			a.timeout = t
		case isWord(opt, "count") && more > 0:
			i++
			n, ok := c.Int(i)
			if !ok {
				return a, false
			}
			a.count = max(n, 0)
		case isWord(opt, "streams") && more > 0:
			streamsArg = i + 1
			if (len(args)-streamsArg)%2 != 0 {
				c.Error(errXReadUnbalanced)
				return a, false
			}
			break loop
		case isWord(opt, "group") && more >= 2:
			if !group {
				c.Error(errXReadGroupOption)
				return a, false
			}
			a.groupArg, a.consumer = args[i+1], args[i+2]
			i += 2
		case isWord(opt, "noack"):
			if !group {
				c.Error(errXReadNoAckOption)
				return a, false
			}
			a.noack = true
		default:
			c.SyntaxError()
			return a, false
		}
	}
	if streamsArg == 0 {
		c.SyntaxError()
		return a, false
	}
	if group && a.groupArg == nil {
		c.Error(errXReadGroupMissing)
		return a, false
	}
	n := (len(args) - streamsArg) / 2
	a.keys = args[streamsArg : streamsArg+n]
	a.idArgs = args[streamsArg+n:]
	return a, true
}

func cmdXRead(c *command.Ctx)      { xreadGeneric(c, false) }
func cmdXReadGroup(c *command.Ctx) { xreadGeneric(c, true) }

func xreadGeneric(c *command.Ctx, group bool) {
	// Entries a group delivers propagate as XCLAIM / XGROUP commands, never
	// as the XREADGROUP itself.
	c.NoPropagate()
	a, ok := parseXRead(c, group)
	if !ok {
		return
	}
	if c.Reexec {
		xreadServeBlocked(c, &a)
		return
	}
	n := len(a.keys)
	var idBuf [8]types.StreamID
	var groupBuf [8]*types.StreamGroup
	ids := idBuf[:0]
	groups := groupBuf[:0]
	if n > len(idBuf) {
		ids = make([]types.StreamID, 0, n)
		if group {
			groups = make([]*types.StreamGroup, 0, n)
		}
	}
	// Resolve each key's group and ID, failing on the first bad one.
	for k, key := range a.keys {
		s, ok := streamOf(c, c.DB.LookupRead(key))
		if !ok {
			return
		}
		if group {
			var g *types.StreamGroup
			if s != nil {
				g = s.Group(string(a.groupArg))
			}
			if g == nil {
				c.Error("NOGROUP No such key '" + cstr(key) + "' or consumer group '" + cstr(a.groupArg) + "' in XREADGROUP with GROUP option")
				return
			}
			groups = append(groups, g)
		}
		arg := a.idArgs[k]
		switch {
		case isChar(arg, '$'):
			if group {
				c.Error(types.StreamErrDollarInGroup.Error())
				return
			}
			var last types.StreamID
			if s != nil {
				last = s.LastID()
			}
			ids = append(ids, last)
		case isChar(arg, '>'):
			if !group {
				c.Error(types.StreamErrGTInXRead.Error())
				return
			}
			ids = append(ids, types.StreamMaxID())
		default:
			id, err := types.StreamParseIDStrict(arg, 0)
			if err != nil {
				c.Error(err.Error())
				return
			}
			ids = append(ids, id)
		}
	}

	// Serve synchronously every stream that has something.
	resp3 := c.W.Proto() == 3
	var d resp.Deferred
	served := 0
	for k, key := range a.keys {
		o := c.DB.LookupRead(key)
		if o == nil {
			continue
		}
		s := o.Collection().(*types.Stream)
		gt := ids[k]
		serve, history := false, false
		if group {
			if gt != types.StreamMaxID() {
				// An explicit ID reads the consumer's own history.
				serve, history = true, true
			} else if s.LastLiveAfterGroup(groups[k]) {
				serve = true
				gt = groups[k].LastID()
			}
		} else if top, ok := s.LastLiveID(); ok && gt.Less(top) {
			serve = true
		}
		if !serve {
			continue
		}
		if served++; served == 1 {
			d = c.W.Defer()
		}
		if !resp3 {
			c.W.ArrayLen(2)
		}
		c.W.Bulk(key)
		if !group {
			start, _ := gt.Next()
			writeStreamRange(c.W, s, start, types.StreamMaxID(), a.count, false)
			continue
		}
		c.DB.LookupWrite(key)
		cons := xreadConsumer(c, s, groups[k], key, &a)
		if history {
			writeGroupHistory(c, s, cons, gt, a.count)
		} else {
			writeGroupNew(c, s, groups[k], cons, key, &a, a.count)
		}
		c.Dirty(1)
	}
	if served > 0 {
		if resp3 {
			c.W.SetMapLen(d, served)
		} else {
			c.W.SetArrayLen(d, served)
		}
		return
	}

	if a.timeout == -1 || !c.CanBlock() {
		// Nothing to serve and no way to wait: the timeout reply.
		c.W.NullArray()
		return
	}
	if !group {
		// "$" means the last ID at the time of the call: pin it now, since
		// the command runs again with these arguments when woken.
		for k, arg := range a.idArgs {
			if isChar(arg, '$') {
				a.idArgs[k] = ids[k].AppendText(nil)
			}
		}
	}
	c.Block(a.keys, a.timeout, command.TimeoutNullArray)
}

// xreadConsumer looks up (refreshing its seen time) or creates the
// reading consumer. Without NOACK no PEL entry can carry the creation to
// the AOF, so Redis then propagates XGROUP CREATECONSUMER.
func xreadConsumer(c *command.Ctx, s *types.Stream, g *types.StreamGroup, key []byte, a *xreadArgs) *types.StreamConsumer {
	cons, created := touchConsumer(c, s, g, key, a.consumer)
	if created && a.noack {
		p := newPropArgs(5, 20+len(key)+len(a.groupArg)+len(a.consumer))
		p.word("XGROUP")
		p.word("CREATECONSUMER")
		p.add(key)
		p.add(a.groupArg)
		p.add(a.consumer)
		c.Propagate(p.args...)
	}
	return cons
}

// touchConsumer is Redis's default consumer lookup: it refreshes the seen
// time, creating the consumer (with its notification) when missing.
func touchConsumer(c *command.Ctx, s *types.Stream, g *types.StreamGroup, key, name []byte) (*types.StreamConsumer, bool) {
	now := c.Now()
	if cons := g.Consumer(string(name)); cons != nil {
		// Passing the stored name spares converting the argument again.
		s.TouchConsumer(g, cons.Name(), now, false)
		return cons, false
	}
	cons, _ := s.TouchConsumer(g, string(name), now, true)
	c.Notify(command.NotifyStream, "xgroup-createconsumer", key)
	c.Dirty(1)
	return cons, true
}

// writeGroupHistory serves XREADGROUP with an explicit ID: the consumer's
// pending entries after it, with a null for entries no longer in the
// stream.
func writeGroupHistory(c *command.Ctx, s *types.Stream, cons *types.StreamConsumer, after types.StreamID, count int64) {
	entries := s.ReadGroupHistory(cons, after, int(count), c.Now())
	c.W.ArrayLen(len(entries))
	for _, e := range entries {
		if e.Fields == nil {
			c.W.ArrayLen(2)
			writeStreamID(c.W, e.ID)
			c.W.NullArray()
			continue
		}
		writeStreamEntry(c.W, e.ID, e.Fields)
	}
}

// writeGroupNew serves ">" and propagates each delivery as Redis 7.0 does:
// an XCLAIM that recreates the PEL entry and moves the group's last ID,
// or, with NOACK, one XGROUP SETID for the group's new position.
func writeGroupNew(c *command.Ctx, s *types.Stream, g *types.StreamGroup, cons *types.StreamConsumer, key []byte, a *xreadArgs, count int64) {
	now := c.Now()
	d := c.W.Defer()
	n := 0
	s.ReadGroupNewFunc(g, cons, int(count), a.noack, now, func(id types.StreamID, f [][]byte) {
		writeStreamEntry(c.W, id, f)
		n++
		if !a.noack {
			// A delivered entry is new to the group, so its NACK has
			// count 1 and the group's last ID becomes this ID.
			propagateXClaim(c, key, a.groupArg, cons.Name(), nil, id, now, 1, id)
		}
	})
	c.W.SetArrayLen(d, n)
	if a.noack && n > 0 {
		propagateGroupSetID(c, key, a.groupArg, g)
	}
}

// propagateXClaim emits the idempotent XCLAIM Redis uses to replay a PEL
// change: XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE JUSTID
// LASTID last. The ID is idArg as the client wrote it, or id formatted
// when idArg is nil.
func propagateXClaim(c *command.Ctx, key, group []byte, consumer string, idArg []byte, id types.StreamID, deliveryTime int64, deliveries uint64, last types.StreamID) {
	p := newPropArgs(14, 160+len(key)+len(group)+len(consumer)+len(idArg))
	p.word("XCLAIM")
	p.add(key)
	p.add(group)
	p.word(consumer)
	p.word("0")
	if idArg != nil {
		p.add(idArg)
	} else {
		p.id(id)
	}
	p.word("TIME")
	p.int(deliveryTime)
	p.word("RETRYCOUNT")
	p.int(int64(deliveries))
	p.word("FORCE")
	p.word("JUSTID")
	p.word("LASTID")
	p.id(last)
	c.Propagate(p.args...)
}

// propagateGroupSetID emits XGROUP SETID key group last ENTRIESREAD n.
func propagateGroupSetID(c *command.Ctx, key, group []byte, g *types.StreamGroup) {
	er, _ := g.EntriesRead()
	p := newPropArgs(7, 96+len(key)+len(group))
	p.word("XGROUP")
	p.word("SETID")
	p.add(key)
	p.add(group)
	p.id(g.LastID())
	p.word("ENTRIESREAD")
	p.int(er)
	c.Propagate(p.args...)
}

// xreadServeBlocked runs when a key a blocked XREAD/XREADGROUP waits on may
// have new entries. Like Redis it serves a single stream, the first one
// (in argument order; only the key that became ready when that is known)
// whose last ID moved past what the client waits for,
// even if the entries after it were deleted since. A blocked XREADGROUP
// fails when its stream or group went away; a blocked XREAD keeps waiting.
func xreadServeBlocked(c *command.Ctx, a *xreadArgs) {
	count := a.count
	if count == 0 {
		count = xreadBlockedCount
	}
	for k, key := range a.keys {
		// Redis serves a woken client from the key that became ready only.
		if c.ReadyKey != nil && !bytes.Equal(key, c.ReadyKey) {
			continue
		}
		o := c.DB.LookupReadFlags(key, keyspace.NoStats|keyspace.NoNotify)
		if o == nil || o.Type() != keyspace.TypeStream {
			if a.group {
				c.Error(errXReadKeyGone)
				return
			}
			continue
		}
		s := o.Collection().(*types.Stream)
		var gt types.StreamID
		var g *types.StreamGroup
		if a.group {
			if g = s.Group(string(a.groupArg)); g == nil {
				c.Error(errXReadGroupGone)
				return
			}
			gt = g.LastID()
		} else {
			// A concrete ID: the user's, or "$" pinned when blocking.
			var err error
			if gt, err = types.StreamParseIDStrict(a.idArgs[k], 0); err != nil {
				continue
			}
		}
		if !gt.Less(s.LastID()) {
			continue
		}
		if c.W.Proto() == 3 {
			c.W.MapLen(1)
		} else {
			c.W.ArrayLen(1)
			c.W.ArrayLen(2)
		}
		c.W.Bulk(key)
		if !a.group {
			start, _ := gt.Next()
			writeStreamRange(c.W, s, start, types.StreamMaxID(), count, false)
			return
		}
		c.DB.LookupWrite(key)
		cons := xreadConsumer(c, s, g, key, a)
		writeGroupNew(c, s, g, cons, key, a, count)
		return
	}
	c.Block(a.keys, a.timeout, command.TimeoutNullArray)
}
