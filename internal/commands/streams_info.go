package commands

import (
	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// XINFO STREAM, GROUPS, CONSUMERS and HELP, with Redis 7.0's field names
// and order. Maps are RESP3 maps and flat arrays in RESP2.

// xinfoStream looks up the key every XINFO subcommand starts with.
func xinfoStream(c *command.Ctx) (*types.Stream, bool) {
	o := c.DB.LookupRead(c.Args[2])
	if o == nil {
		c.Error(command.ErrNoSuchKey)
		return nil, false
	}
	return streamOf(c, o)
}

// xinfoFullDefaultCount is how many entries and PEL rows XINFO STREAM FULL
// shows when not told, so that a big stream cannot stall the server.
const xinfoFullDefaultCount = 10

func cmdXInfoStream(c *command.Ctx) {
	s, ok := xinfoStream(c)
	if !ok {
		return
	}
	opts := c.Args[3:]
	full := len(opts) > 0
	count := int64(xinfoFullDefaultCount)
	if full {
		if len(opts) != 1 && len(opts) != 3 || !isWord(opts[0], "full") ||
			len(opts) == 3 && !isWord(opts[1], "count") {
			subcommandSyntaxError(c)
			return
		}
		if len(opts) == 3 {
			n, ok := c.Int(5)
			if !ok {
				return
			}
			if n < 0 {
				n = xinfoFullDefaultCount
			}
			count = n
		}
	}
	w := c.W
	if full {
		w.MapLen(9)
	} else {
		w.MapLen(10)
	}
	w.BulkString("length")
	w.Int(int64(s.Length()))
	w.BulkString("radix-tree-keys")
	w.Int(int64(s.NodeCount()))
	w.BulkString("radix-tree-nodes")
	w.Int(int64(s.RadixTreeNodes()))
	w.BulkString("last-generated-id")
	writeStreamID(w, s.LastID())
	w.BulkString("max-deleted-entry-id")
	writeStreamID(w, s.MaxDeletedID())
	w.BulkString("entries-added")
	w.Int(int64(s.EntriesAdded()))
	w.BulkString("recorded-first-entry-id")
	writeStreamID(w, s.FirstID())
	if !full {
		w.BulkString("groups")
		w.Int(int64(s.GroupCount()))
		w.BulkString("first-entry")
		writeEdgeEntry(c, s, false)
		w.BulkString("last-entry")
		writeEdgeEntry(c, s, true)
		return
	}
	w.BulkString("entries")
	writeStreamRange(w, s, types.StreamID{}, types.StreamMaxID(), count, false)
	w.BulkString("groups")
	groups := s.Groups()
	w.ArrayLen(len(groups))
	for _, g := range groups {
		writeGroupFull(c, s, g, count)
	}
}

// writeEdgeEntry writes the first (or last) live entry, or a null.
func writeEdgeEntry(c *command.Ctx, s *types.Stream, last bool) {
	found := false
	s.Range(types.StreamID{}, types.StreamMaxID(), 1, last, func(id types.StreamID, f [][]byte) bool {
		writeStreamEntry(c.W, id, f)
		found = true
		return false
	})
	if !found {
		c.W.Null()
	}
}

// writeEntriesRead and writeLag write a group's counters, or a null when
// Redis cannot know them.
func writeEntriesRead(c *command.Ctx, g *types.StreamGroup) {
	if n, ok := g.EntriesRead(); ok {
		c.W.Int(n)
	} else {
		c.W.Null()
	}
}

func writeLag(c *command.Ctx, s *types.Stream, g *types.StreamGroup) {
	if lag, ok := s.Lag(g); ok {
		c.W.Int(lag)
	} else {
		c.W.Null()
	}
}

func writeGroupFull(c *command.Ctx, s *types.Stream, g *types.StreamGroup, count int64) {
	w := c.W
	w.MapLen(7)
	w.BulkString("name")
	w.BulkString(g.Name())
	w.BulkString("last-delivered-id")
	writeStreamID(w, g.LastID())
	w.BulkString("entries-read")
	writeEntriesRead(c, g)
	w.BulkString("lag")
	writeLag(c, s, g)
	w.BulkString("pel-count")
	w.Int(int64(g.PendingCount()))
	w.BulkString("pending")
	d := w.Defer()
	n := int64(0)
	g.AscendPending(types.StreamID{}, func(id types.StreamID, nack *types.StreamNACK) bool {
		if count != 0 && n >= count {
			return false
		}
		w.ArrayLen(4)
		writeStreamID(w, id)
		w.BulkString(nack.Consumer().Name())
		w.Int(nack.DeliveryTime)
		w.Int(int64(nack.DeliveryCount))
		n++
		return true
	})
	w.SetArrayLen(d, int(n))
	w.BulkString("consumers")
	consumers := g.Consumers()
	w.ArrayLen(len(consumers))
	for _, cons := range consumers {
		w.MapLen(4)
		w.BulkString("name")
		w.BulkString(cons.Name())
		w.BulkString("seen-time")
		w.Int(cons.SeenTime())
		w.BulkString("pel-count")
		w.Int(int64(cons.PendingCount()))
		w.BulkString("pending")
		d := w.Defer()
		n := int64(0)
		cons.AscendPending(types.StreamID{}, func(id types.StreamID, nack *types.StreamNACK) bool {
			if count != 0 && n >= count {
				return false
			}
			w.ArrayLen(3)
			writeStreamID(w, id)
			w.Int(nack.DeliveryTime)
			w.Int(int64(nack.DeliveryCount))
			n++
			return true
		})
		w.SetArrayLen(d, int(n))
	}
}

func cmdXInfoGroups(c *command.Ctx) {
	s, ok := xinfoStream(c)
	if !ok {
		return
	}
	w := c.W
	groups := s.Groups()
	w.ArrayLen(len(groups))
	for _, g := range groups {
		w.MapLen(6)
		w.BulkString("name")
		w.BulkString(g.Name())
		w.BulkString("consumers")
		w.Int(int64(g.ConsumerCount()))
		w.BulkString("pending")
		w.Int(int64(g.PendingCount()))
		w.BulkString("last-delivered-id")
		writeStreamID(w, g.LastID())
		w.BulkString("entries-read")
		writeEntriesRead(c, g)
		w.BulkString("lag")
		writeLag(c, s, g)
	}
}

func cmdXInfoConsumers(c *command.Ctx) {
	s, ok := xinfoStream(c)
	if !ok {
		return
	}
	g := s.Group(string(c.Args[3]))
	if g == nil {
		noGroupForKeyError(c, c.Args[3], c.Args[2])
		return
	}
	w := c.W
	now := c.Now()
	consumers := g.Consumers()
	w.ArrayLen(len(consumers))
	for _, cons := range consumers {
		w.MapLen(3)
		w.BulkString("name")
		w.BulkString(cons.Name())
		w.BulkString("pending")
		w.Int(int64(cons.PendingCount()))
		w.BulkString("idle")
		w.Int(max(now-cons.SeenTime(), 0))
	}
}

// xinfoHelp has the same lines as Redis's XINFO HELP, in our words.
var xinfoHelp = []string{
	"CONSUMERS <key> <groupname>",
	"    List the consumers of <groupname>.",
	"GROUPS <key>",
	"    List the consumer groups of the stream.",
	"STREAM <key> [FULL [COUNT <count>]",
	"    Describe the stream; FULL adds its entries and groups.",
}

func cmdXInfoHelp(c *command.Ctx) { writeSubcommandHelp(c, xinfoHelp) }
