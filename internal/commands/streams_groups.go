package commands

import (
	"strings"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/resp"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// Consumer group commands: XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM.
//
// Redis 7.0 propagates every PEL change as an XCLAIM with FORCE JUSTID and
// absolute TIME/RETRYCOUNT values (and a group position change as XGROUP
// SETID), so that replaying the AOF recreates the same state whatever the
// clock says then. The handlers here do the same, one command per change.

const errXGroupNoKey = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."

// subcommandSyntaxError is Redis's reply for a bad subcommand argument list.
func subcommandSyntaxError(c *command.Ctx) {
	c.Error("ERR unknown subcommand or wrong number of arguments for '" + cstr(c.Args[1]) +
		"'. Try " + strings.ToUpper(cstr(c.Args[0])) + " HELP.")
}

func noGroupError(c *command.Ctx, key, group []byte) {
	c.Error("NOGROUP No such key '" + cstr(key) + "' or consumer group '" + cstr(group) + "'")
}

func noGroupForKeyError(c *command.Ctx, group, key []byte) {
	c.Error("NOGROUP No such consumer group '" + cstr(group) + "' for key name '" + cstr(key) + "'")
}

// xgroupPrelude does what Redis's XGROUP does for every subcommand with a
// key before dispatching: parse MKSTREAM/ENTRIESREAD (only CREATE and
// SETID take options), look the key up, and require the key (unless
// MKSTREAM) and, for needGroup, the group to exist.
func xgroupPrelude(c *command.Ctx, create, setid, needGroup bool) (s *types.Stream, g *types.StreamGroup, mkstream bool, entriesRead int64, ok bool) {
	entriesRead = types.StreamEntriesReadInvalid
	args := c.Args
	for i := 5; i < len(args); {
		switch {
		case create && isWord(args[i], "mkstream"):
			mkstream = true
			i++
		case (create || setid) && isWord(args[i], "entriesread") && i+1 < len(args):
			n, ok := c.Int(i + 1)
			if !ok {
				return nil, nil, false, 0, false
			}
			if n < 0 && n != types.StreamEntriesReadInvalid {
				c.Error(types.StreamErrEntriesReadRange.Error())
				return nil, nil, false, 0, false
			}
			entriesRead = n
			i += 2
		default:
			subcommandSyntaxError(c)
			return nil, nil, false, 0, false
		}
	}
	s, ok = streamOf(c, c.DB.LookupWrite(args[2]))
	if !ok {
		return nil, nil, false, 0, false
	}
	if !mkstream {
		if s == nil {
			c.Error(errXGroupNoKey)
			return nil, nil, false, 0, false
		}
		g = s.Group(string(args[3]))
		if g == nil && needGroup {
			noGroupForKeyError(c, args[3], args[2])
			return nil, nil, false, 0, false
		}
	}
	return s, g, mkstream, entriesRead, true
}

func cmdXGroupCreate(c *command.Ctx) {
	s, _, mkstream, entriesRead, ok := xgroupPrelude(c, true, false, false)
	if !ok {
		return
	}
	if len(c.Args) > 8 {
		subcommandSyntaxError(c)
		return
	}
	var id types.StreamID
	if isChar(c.Args[4], '$') {
		if s != nil {
			id = s.LastID()
		}
	} else {
		var err error
		if id, err = types.StreamParseIDStrict(c.Args[4], 0); err != nil {
			c.Error(err.Error())
			return
		}
	}
	key := c.Args[2]
	if s == nil && mkstream {
		s = createStream(c, key)
		c.Modified(key)
		c.Ready(key)
	}
	if s.CreateGroup(string(c.Args[3]), id, entriesRead) == nil {
		c.Error(types.StreamErrBusyGroup.Error())
		return
	}
	c.W.OK()
	c.Dirty(1)
	c.Notify(command.NotifyStream, "xgroup-create", key)
}

func cmdXGroupSetID(c *command.Ctx) {
	s, g, _, entriesRead, ok := xgroupPrelude(c, false, true, true)
	if !ok {
		return
	}
	if len(c.Args) != 5 && len(c.Args) != 7 {
		subcommandSyntaxError(c)
		return
	}
	var id types.StreamID
	if isChar(c.Args[4], '$') {
		id = s.LastID()
	} else {
		var err error
		if id, err = types.StreamParseID(c.Args[4], 0); err != nil {
			c.Error(err.Error())
			return
		}
	}
	s.SetGroupID(g, id, entriesRead)
	c.W.OK()
	c.Dirty(1)
	c.Notify(command.NotifyStream, "xgroup-setid", c.Args[2])
}

func cmdXGroupDestroy(c *command.Ctx) {
	s, g, _, _, ok := xgroupPrelude(c, false, false, false)
	if !ok {
		return
	}
	if g == nil {
		c.W.Int(0)
		return
	}
	s.DestroyGroup(g.Name())
	c.W.Int(1)
	c.Dirty(1)
	key := c.Args[2]
	c.Notify(command.NotifyStream, "xgroup-destroy", key)
	// Clients blocked in XREADGROUP on this group get their error.
	c.Ready(key)
}

func cmdXGroupCreateConsumer(c *command.Ctx) {
	s, g, _, _, ok := xgroupPrelude(c, false, false, true)
	if !ok {
		return
	}
	if g.Consumer(string(c.Args[4])) != nil {
		c.W.Int(0)
		return
	}
	s.CreateConsumer(g, string(c.Args[4]), c.Now())
	c.W.Int(1)
	c.Dirty(1)
	c.Notify(command.NotifyStream, "xgroup-createconsumer", c.Args[2])
}

func cmdXGroupDelConsumer(c *command.Ctx) {
	s, g, _, _, ok := xgroupPrelude(c, false, false, true)
	if !ok {
		return
	}
	// The lookup does not refresh the consumer's seen time.
	pending, found := s.DeleteConsumer(g, string(c.Args[4]))
	if found {
		c.Dirty(1)
		c.Notify(command.NotifyStream, "xgroup-delconsumer", c.Args[2])
	}
	c.W.Int(int64(pending))
}

// xgroupHelp has the same lines as Redis's XGROUP HELP, in our words.
var xgroupHelp = []string{
	"CREATE <key> <groupname> <id|$> [option]",
	"    Create a consumer group that starts after <id> ($: the last entry):",
	"    * MKSTREAM",
	"      Make an empty stream first when <key> does not exist.",
	"    * ENTRIESREAD entries_read",
	"      Set the group's entries-read counter (for replication).",
	"CREATECONSUMER <key> <groupname> <consumer>",
	"    Add <consumer> to the group.",
	"DELCONSUMER <key> <groupname> <consumer>",
	"    Remove <consumer> and its pending entries.",
	"DESTROY <key> <groupname>",
	"    Remove the group.",
	"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
	"    Move the group's last delivered ID and entries-read counter.",
}

func cmdXGroupHelp(c *command.Ctx) { writeSubcommandHelp(c, xgroupHelp) }

// writeSubcommandHelp frames help lines as Redis's help replies are: a
// header naming the command as typed, the lines, and the HELP entry.
func writeSubcommandHelp(c *command.Ctx, lines []string) {
	c.W.ArrayLen(len(lines) + 3)
	c.W.Status(strings.ToUpper(cstr(c.Args[0])) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.W.Status(l)
	}
	c.W.Status("HELP")
	c.W.Status("    Prints this help.")
}

// --- XACK -------------------------------------------------------------------

func cmdXAck(c *command.Ctx) {
	key := c.Args[1]
	s, ok := streamOf(c, c.DB.LookupRead(key))
	if !ok {
		return
	}
	var g *types.StreamGroup
	if s != nil {
		g = s.Group(string(c.Args[2]))
	}
	// No key or group: nothing to acknowledge, whatever the IDs.
	if g == nil {
		c.W.Int(0)
		return
	}
	// All IDs are checked first: the reply cannot be an error once some
	// entries were acknowledged.
	var buf [16]types.StreamID
	ids, ok := streamIDArgs(c, c.Args[3:], buf[:])
	if !ok {
		return
	}
	c.DB.LookupWrite(key)
	acked := s.Ack(g, ids...)
	c.Dirty(int64(acked))
	c.W.Int(int64(acked))
}

// --- XPENDING ---------------------------------------------------------------

func cmdXPending(c *command.Ctx) {
	args := c.Args
	summary := len(args) == 3
	if !summary && (len(args) < 6 || len(args) > 9) {
		c.SyntaxError()
		return
	}
	var start, end types.StreamID
	var count, minIdle int64
	var consumerArg []byte
	// The range arguments are checked before the key, as in Redis.
	if !summary {
		at := 3
		if isWord(args[3], "idle") {
			n, ok := c.Int(4)
			if !ok {
				return
			}
			minIdle = n
			if len(args) < 8 {
				c.SyntaxError()
				return
			}
			at += 2
		}
		n, ok := c.Int(at + 2)
		if !ok {
			return
		}
		count = max(n, 0)
		var err error
		if start, err = types.StreamParseRangeStart(args[at]); err != nil {
			c.Error(err.Error())
			return
		}
		if end, err = types.StreamParseRangeEnd(args[at+1]); err != nil {
			c.Error(err.Error())
			return
		}
		if at+3 < len(args) {
			consumerArg = args[at+3]
		}
	}
	s, ok := streamOf(c, c.DB.LookupRead(args[1]))
	if !ok {
		return
	}
	var g *types.StreamGroup
	if s != nil {
		g = s.Group(string(args[2]))
	}
	if g == nil {
		noGroupError(c, args[1], args[2])
		return
	}
	if summary {
		writePendingSummary(c, s, g)
		return
	}
	var cons *types.StreamConsumer
	if consumerArg != nil {
		// Looked up without refreshing its seen time.
		if cons = g.Consumer(string(consumerArg)); cons == nil {
			c.W.ArrayLen(0)
			return
		}
	}
	now := c.Now()
	d := c.W.Defer()
	written := 0
	row := func(id types.StreamID, nack *types.StreamNACK) bool {
		if count == 0 || end.Less(id) {
			return false
		}
		idle := now - nack.DeliveryTime
		if minIdle != 0 && idle < minIdle {
			return true
		}
		c.W.ArrayLen(4)
		writeStreamID(c.W, id)
		c.W.BulkString(nack.Consumer().Name())
		c.W.Int(max(idle, 0))
		c.W.Int(int64(nack.DeliveryCount))
		written++
		count--
		return true
	}
	if cons != nil {
		cons.AscendPending(start, row)
	} else {
		g.AscendPending(start, row)
	}
	c.W.SetArrayLen(d, written)
}

func writePendingSummary(c *command.Ctx, s *types.Stream, g *types.StreamGroup) {
	sum := s.PendingSummary(g)
	c.W.ArrayLen(4)
	c.W.Int(int64(sum.Count))
	if sum.Count == 0 {
		c.W.Null()
		c.W.Null()
		c.W.NullArray()
		return
	}
	writeStreamID(c.W, sum.First)
	writeStreamID(c.W, sum.Last)
	c.W.ArrayLen(len(sum.ByConsumer))
	for _, cp := range sum.ByConsumer {
		c.W.ArrayLen(2)
		c.W.BulkString(cp.Name)
		c.W.BulkInt(int64(cp.Count))
	}
}

// --- XCLAIM / XAUTOCLAIM -------------------------------------------------------

// claimLookup does the key and group lookup of XCLAIM / XAUTOCLAIM.
func claimLookup(c *command.Ctx) (*types.Stream, *types.StreamGroup, bool) {
	s, ok := streamOf(c, c.DB.LookupRead(c.Args[1]))
	if !ok {
		return nil, nil, false
	}
	var g *types.StreamGroup
	if s != nil {
		g = s.Group(string(c.Args[2]))
	}
	if g == nil {
		noGroupError(c, c.Args[1], c.Args[2])
		return nil, nil, false
	}
	return s, g, true
}

// nackState is what a NACK looked like before it was dropped, for the
// XCLAIM that propagates the drop.
type nackState struct {
	consumer   string
	time       int64
	deliveries uint64
}

func nackOf(n *types.StreamNACK) nackState {
	st := nackState{time: n.DeliveryTime, deliveries: n.DeliveryCount}
	if cons := n.Consumer(); cons != nil {
		st.consumer = cons.Name()
	}
	return st
}

// dropDeletedNACK removes the PEL entry of an entry that is gone from the
// stream, propagating it as Redis does with an XCLAIM (which, replayed,
// finds no entry and drops the NACK too).
func dropDeletedNACK(c *command.Ctx, s *types.Stream, g *types.StreamGroup, id types.StreamID, idArg []byte, n *types.StreamNACK) {
	st := nackOf(n)
	propagateXClaim(c, c.Args[1], c.Args[2], st.consumer, idArg, id, st.time, st.deliveries, g.LastID())
	c.Dirty(1)
	s.Ack(g, id)
}

// claimOne claims id for consumer (the checks are the caller's) and
// propagates the new NACK state. It returns the claimed entry (Fields nil
// with JUSTID) and whether the entry was claimed.
func claimOne(c *command.Ctx, s *types.Stream, g *types.StreamGroup, consumer string, id types.StreamID, idArg []byte, o types.StreamClaimOptions, now int64) (types.StreamEntry, bool) {
	ids := [1]types.StreamID{id}
	res := s.Claim(g, consumer, ids[:], o, now)
	if len(res.Claimed) == 0 {
		return types.StreamEntry{}, false
	}
	if res.ConsumerCreated {
		c.Notify(command.NotifyStream, "xgroup-createconsumer", c.Args[1])
		c.Dirty(1)
	}
	n, _ := g.Pending(id)
	st := nackOf(n)
	propagateXClaim(c, c.Args[1], c.Args[2], st.consumer, idArg, id, st.time, st.deliveries, g.LastID())
	c.Dirty(1)
	return res.Claimed[0], true
}

// writeClaimed writes a claimed entry, or only its ID with JUSTID.
func writeClaimed(c *command.Ctx, e types.StreamEntry, justID bool) {
	if justID {
		writeStreamID(c.W, e.ID)
		return
	}
	writeStreamEntry(c.W, e.ID, e.Fields)
}

func cmdXClaim(c *command.Ctx) {
	// Whatever happens is propagated as XCLAIM / XGROUP SETID commands.
	c.NoPropagate()
	s, g, ok := claimLookup(c)
	if !ok {
		return
	}
	args := c.Args
	minIdle, ok := resp.ParseInt(args[4])
	if !ok {
		c.Error("ERR Invalid min-idle-time argument for XCLAIM")
		return
	}
	// IDs run until the first argument that is not one; the rest are
	// options.
	var buf [16]types.StreamID
	ids := buf[:0]
	j := 5
	for ; j < len(args); j++ {
		id, err := types.StreamParseIDStrict(args[j], 0)
		if err != nil {
			break
		}
		ids = append(ids, id)
	}
	now := c.Now()
	o := types.StreamClaimOptions{MinIdle: max(minIdle, 0), DeliveryTime: -1, RetryCount: -1}
	var lastID types.StreamID
	for ; j < len(args); j++ {
		more := len(args) - 1 - j
		opt := args[j]
		switch {
		case isWord(opt, "force"):
			o.Force = true
		case isWord(opt, "justid"):
			o.JustID = true
		case isWord(opt, "idle") && more > 0:
			j++
			n, ok := resp.ParseInt(args[j])
			if !ok {
				c.Error("ERR Invalid IDLE option argument for XCLAIM")
				return
			}
			o.DeliveryTime = now - n // wraps like Redis; out of range means now
		case isWord(opt, "time") && more > 0:
			j++
			n, ok := resp.ParseInt(args[j])
			if !ok {
				c.Error("ERR Invalid TIME option argument for XCLAIM")
				return
			}
			o.DeliveryTime = n
		case isWord(opt, "retrycount") && more > 0:
			j++
			n, ok := resp.ParseInt(args[j])
			if !ok {
				c.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM")
				return
			}
			o.RetryCount = n
		case isWord(opt, "lastid") && more > 0:
			j++
			id, err := types.StreamParseIDStrict(args[j], 0)
			if err != nil {
				c.Error(err.Error())
				return
			}
			lastID = id
		default:
			c.Error("ERR Unrecognized XCLAIM option '" + cstr(opt) + "'")
			return
		}
	}
	if dt := o.DeliveryTime; dt < 0 || dt > now {
		o.DeliveryTime = now
	}

	c.DB.LookupWrite(args[1])
	// LASTID moves the group forward before anything is claimed; it is
	// propagated on its own only when no XCLAIM carries it.
	propagateLast := false
	if g.LastID().Less(lastID) {
		er, _ := g.EntriesRead()
		s.SetGroupID(g, lastID, er)
		propagateLast = true
	}
	d := c.W.Defer()
	claimed := 0
	consumer := string(args[3])
	for k, id := range ids {
		idArg := args[5+k]
		n, pending := g.Pending(id)
		if !s.Exists(id) {
			if pending {
				dropDeletedNACK(c, s, g, id, idArg, n)
				propagateLast = false
			}
			continue
		}
		if e, ok := claimOne(c, s, g, consumer, id, idArg, o, now); ok {
			writeClaimed(c, e, o.JustID)
			claimed++
			propagateLast = false
		}
	}
	if propagateLast {
		propagateGroupSetID(c, args[1], args[2], g)
		c.Dirty(1)
	}
	c.W.SetArrayLen(d, claimed)
}

// autoClaimMaxCount is the largest COUNT XAUTOCLAIM accepts (LONG_MAX over
// the size of a stream ID); autoClaimAllocLimit is where Redis, which
// allocates COUNT IDs up front, fails for lack of address space.
const (
	autoClaimMaxCount   = (1<<63 - 1) / 16
	autoClaimAllocLimit = 1 << 42
)

func cmdXAutoClaim(c *command.Ctx) {
	c.NoPropagate()
	args := c.Args
	minIdle, ok := resp.ParseInt(args[4])
	if !ok {
		c.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	start, err := types.StreamParseAutoClaimStart(args[5])
	if err != nil {
		c.Error(err.Error())
		return
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(args); j++ {
		more := len(args) - 1 - j
		switch opt := args[j]; {
		case isWord(opt, "count") && more > 0:
			n, ok := resp.ParseInt(args[j+1])
			if !ok || n < 1 || n > autoClaimMaxCount {
				c.Error(types.StreamErrAutoClaimCount.Error())
				return
			}
			count = n
			j++
		case isWord(opt, "justid"):
			justID = true
		default:
			c.SyntaxError()
			return
		}
	}
	s, g, ok := claimLookup(c)
	if !ok {
		return
	}
	if count > autoClaimAllocLimit {
		c.Error("ERR Insufficient memory, failed allocating transient memory, COUNT too high.")
		return
	}

	c.DB.LookupWrite(args[1])
	now := c.Now()
	o := types.StreamClaimOptions{DeliveryTime: now, RetryCount: -1, JustID: justID}
	// The reply starts with the cursor, known only at the end, so the
	// claimed IDs are collected and written afterwards.
	var claimedBuf [16]types.StreamEntry
	var deletedBuf [16]types.StreamID
	claimed, deleted := claimedBuf[:0], deletedBuf[:0]
	consumer := string(args[3])
	var cur, next types.StreamID
	var nack *types.StreamNACK
	found := false
	first := func(id types.StreamID, n *types.StreamNACK) bool {
		next, nack, found = id, n, true
		return false
	}
	cur = start
	attempts := count * 10
	eof := false
	for attempts > 0 && count > 0 {
		attempts--
		found = false
		g.AscendPending(cur, first)
		if !found {
			eof = true
			break
		}
		id := next
		if !s.Exists(id) {
			dropDeletedNACK(c, s, g, id, nil, nack)
			deleted = append(deleted, id)
			count--
		} else if minIdle == 0 || now-nack.DeliveryTime >= minIdle {
			if e, ok := claimOne(c, s, g, consumer, id, nil, o, now); ok {
				claimed = append(claimed, e)
			}
			count--
		}
		var more bool
		if cur, more = id.Next(); !more {
			eof = true
			break
		}
	}
	var cursor types.StreamID
	if !eof {
		found = false
		g.AscendPending(cur, first)
		if found {
			cursor = next
		}
	}
	c.W.ArrayLen(3)
	writeStreamID(c.W, cursor)
	c.W.ArrayLen(len(claimed))
	for _, e := range claimed {
		writeClaimed(c, e, justID)
	}
	c.W.ArrayLen(len(deleted))
	for _, id := range deleted {
		writeStreamID(c.W, id)
	}
}
