package aof

import (
	"bufio"
	"io"
	"math"
	"strconv"

	"github.com/autobot-ai/autobot-redis/internal/rdb"
)

// itemsPerCommand is how many elements one RPUSH/SADD/ZADD/HMSET of a
// rewritten base carries, as in Redis (AOF_REWRITE_ITEMS_PER_CMD).
const itemsPerCommand = 64

// CommandWriter writes a dataset as the commands that rebuild it, the
// content of a .base.aof file when aof-use-rdb-preamble is off. It has the
// same record methods as rdb.Encoder, so a snapshot can feed either.
type CommandWriter struct {
	w    *bufio.Writer
	buf  []byte
	args [][]byte
	err  error
}

// NewCommandWriter returns a writer to w; Close flushes it.
func NewCommandWriter(w io.Writer) *CommandWriter {
	return &CommandWriter{w: bufio.NewWriterSize(w, 256<<10)}
}

func (c *CommandWriter) emit(args ...[]byte) {
	if c.err != nil {
		return
	}
	c.buf = AppendCommand(c.buf[:0], args)
	_, c.err = c.w.Write(c.buf)
}

// WriteFunction writes FUNCTION LOAD for one library, as Redis's rewrite
// does before the keys.
func (c *CommandWriter) WriteFunction(code []byte) error {
	c.emit([]byte("FUNCTION"), []byte("LOAD"), code)
	return c.err
}

// SelectDB starts database db.
func (c *CommandWriter) SelectDB(db int, _, _ uint64) error {
	c.emit([]byte("SELECT"), strconv.AppendInt(nil, int64(db), 10))
	return c.err
}

// batch emits cmd key followed by the items in groups.
func (c *CommandWriter) batch(cmd string, key []byte, items [][]byte, perItem int) {
	for start := 0; start < len(items); start += itemsPerCommand * perItem {
		end := min(start+itemsPerCommand*perItem, len(items))
		args := append(c.args[:0], []byte(cmd), key)
		args = append(args, items[start:end]...)
		c.emit(args...)
		c.args = args[:0]
	}
}

// WriteKey writes the commands that recreate key with v, then its expire.
func (c *CommandWriter) WriteKey(key []byte, v *rdb.Value, m rdb.KeyMeta) error {
	switch v.Kind {
	case rdb.KindString:
		c.emit([]byte("SET"), key, v.Str)
	case rdb.KindList:
		c.batch("RPUSH", key, v.List, 1)
	case rdb.KindSet:
		c.batch("SADD", key, v.Set, 1)
	case rdb.KindZSet:
		items := make([][]byte, 0, 2*len(v.ZSet))
		for _, z := range v.ZSet {
			items = append(items, formatScore(z.Score), z.Member)
		}
		c.batch("ZADD", key, items, 2)
	case rdb.KindHash:
		items := make([][]byte, 0, 2*len(v.Hash))
		for _, f := range v.Hash {
			items = append(items, f.Name, f.Value)
		}
		c.batch("HMSET", key, items, 2)
	case rdb.KindStream:
		c.writeStream(key, v.Stream)
	}
	if m.Expire && c.err == nil {
		c.emit([]byte("PEXPIREAT"), key, strconv.AppendInt(nil, m.ExpireMs, 10))
	}
	return c.err
}

func streamID(id rdb.StreamID) []byte { return []byte(id.String()) }

func (c *CommandWriter) writeStream(key []byte, s *rdb.Stream) {
	if len(s.Entries) > 0 {
		for _, e := range s.Entries {
			args := append(c.args[:0], []byte("XADD"), key, streamID(e.ID))
			for _, f := range e.Fields {
				args = append(args, f.Name, f.Value)
			}
			c.emit(args...)
			c.args = args[:0]
		}
	} else {
		// An empty stream is created by adding an entry that MAXLEN 0
		// removes at once.
		c.emit([]byte("XADD"), key, []byte("MAXLEN"), []byte("0"), []byte("0-1"), []byte("x"), []byte("y"))
	}
	c.emit([]byte("XSETID"), key, streamID(s.LastID),
		[]byte("ENTRIESADDED"), strconv.AppendUint(nil, s.EntriesAdded, 10),
		[]byte("MAXDELETEDID"), streamID(s.MaxDeletedEntryID))
	for _, g := range s.Groups {
		c.emit([]byte("XGROUP"), []byte("CREATE"), key, g.Name, streamID(g.LastID),
			[]byte("ENTRIESREAD"), strconv.AppendInt(nil, g.EntriesRead, 10))
		pel := make(map[rdb.StreamID]*rdb.StreamPendingEntry, len(g.Pending))
		for i := range g.Pending {
			pel[g.Pending[i].ID] = &g.Pending[i]
		}
		for _, cons := range g.Consumers {
			if len(cons.Pending) == 0 {
				c.emit([]byte("XGROUP"), []byte("CREATECONSUMER"), key, g.Name, cons.Name)
				continue
			}
			for _, id := range cons.Pending {
				var when int64
				var count uint64
				if p := pel[id]; p != nil {
					when, count = p.DeliveryTime, p.DeliveryCount
				}
				c.emit([]byte("XCLAIM"), key, g.Name, cons.Name, []byte("0"), streamID(id),
					[]byte("TIME"), strconv.AppendInt(nil, when, 10),
					[]byte("RETRYCOUNT"), strconv.AppendUint(nil, count, 10),
					[]byte("JUSTID"), []byte("FORCE"))
			}
		}
	}
}

// formatScore renders a score as C's "%.17g", which reads back exactly.
func formatScore(f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return []byte("inf")
	case math.IsInf(f, -1):
		return []byte("-inf")
	}
	return strconv.AppendFloat(nil, f, 'g', 17, 64)
}

// Close flushes the commands.
func (c *CommandWriter) Close() error {
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}
