package persist

import (
	"errors"
	"io"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/autobot-ai/autobot-redis/internal/aof"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/rdb"
	"github.com/autobot-ai/autobot-redis/internal/server"
)

// Fork-less snapshots. Redis forks and lets the child serialize a frozen
// copy of memory; we have one process, so the snapshot is taken the way a
// copy-on-write page table would do it, one value at a time:
//
//   - Under the lock, BeginSnapshot starts a new epoch and the iterator
//     records which tables hold the data. This is the only moment the
//     whole keyspace is involved, and it costs O(databases).
//   - A goroutine then takes the lock for short chunks (about a
//     millisecond), encodes the values that still carry an older version,
//     marks them, releases the lock and writes the bytes to the file.
//   - Meanwhile every write that is about to change or delete a value not
//     yet serialized calls Preserve first, which clones the value as it was;
//     the goroutine encodes those clones outside the lock.
//
// Every key of the snapshot instant is thus written exactly once, either
// from the table or from a clone, with the value it had at that instant.
// Keys created afterwards carry the new epoch and are skipped. The file
// may switch back and forth between databases (SELECTDB is repeated),
// which Redis's loader accepts.

// Chunk bounds: the lock is released after this long, this many visited
// entries or this much pending output, whichever comes first.
const (
	chunkTime  = 500 * time.Microsecond
	chunkKeys  = 4096
	chunkBytes = 256 << 10
)

// writePiece bounds each write to the file: a write is a blocking system
// call during which the goroutine keeps its processor, and with
// GOMAXPROCS=1 (the server's default) clients wait for it.
const writePiece = 256 << 10

var errCancelled = errors.New("snapshot cancelled")

// preservedValue is a value cloned before a write changed it.
type preservedValue struct {
	db   int
	key  string
	obj  keyspace.Object
	meta rdb.KeyMeta
}

// byteSink collects encoder output between writes to the destination.
type byteSink struct{ buf []byte }

func (s *byteSink) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	return len(p), nil
}

// recordWriter is what a snapshot writes to: an RDB encoder, or the
// command writer of an AOF base without RDB preamble.
type recordWriter interface {
	WriteFunction(code []byte) error
	SelectDB(db int, keys, expires uint64) error
	WriteKey(key []byte, v *rdb.Value, m rdb.KeyMeta) error
	Close() error
}

// Snapshot formats.
type snapFormat int

const (
	formatRDB     snapFormat = iota // an RDB file
	formatAOFBase                   // an RDB with aof-base:1
	formatAOFCmds                   // AOF commands
)

// newRecordWriter starts the output of a snapshot in format f: the header
// and the function libraries, which come before the keys as in Redis's
// files. Lock held (the libraries are those of this instant).
func (m *Manager) newRecordWriter(w io.Writer, f snapFormat) (recordWriter, error) {
	var rw recordWriter
	if f == formatAOFCmds {
		rw = aof.NewCommandWriter(w)
	} else {
		enc := rdb.NewEncoder(w, m.encodeOptions())
		if err := enc.WriteHeader(m.header(f == formatAOFBase)); err != nil {
			return enc, err
		}
		rw = enc
	}
	if sc := m.srv.Scripting(); sc != nil {
		for _, code := range sc.Libraries() {
			if err := rw.WriteFunction([]byte(code)); err != nil {
				return rw, err
			}
		}
	}
	return rw, nil
}

// snapshot is one background serialization of the keyspace.
type snapshot struct {
	m       *Manager
	it      *keyspace.SnapshotIterator
	enc     recordWriter
	out     byteSink
	curDB   int
	policy  string
	err     error
	scratch rdb.Value

	// Guarded by the server lock.
	pending   []preservedValue
	ended     bool // EndSnapshot was called for it
	cancelled bool

	started   time.Time
	dirty     int64 // changes counted when it began
	processed atomic.Int64
	total     int64
	maxChunk  time.Duration // longest lock hold, for the log
}

// beginSnapshot starts a background snapshot. Lock held.
func (m *Manager) beginSnapshot(f snapFormat) *snapshot {
	ks := m.srv.Keyspace()
	sn := &snapshot{m: m, curDB: -1, started: time.Now(), dirty: m.srv.DirtyCount(), policy: m.cfg.MaxMemoryPolicy}
	ks.BeginSnapshot(sn)
	sn.it = ks.NewSnapshotIterator()
	sn.total = int64(sn.it.Total())
	sn.enc, sn.err = m.newRecordWriter(&sn.out, f)
	return sn
}

// Preserve implements keyspace.Preserver: called under the lock before
// the keyspace changes or drops a value the snapshot has not written.
func (sn *snapshot) Preserve(db *keyspace.DB, key string, o *keyspace.Object, expireAt int64) {
	ks := db.Keyspace()
	p := preservedValue{db: sn.it.Origin(db), key: key, obj: cloneObject(o), meta: lruMeta(ks, sn.policy, o)}
	if expireAt >= 0 {
		p.meta.Expire, p.meta.ExpireMs = true, expireAt
	}
	sn.pending = append(sn.pending, p)
	ks.MarkPreserved(o)
}

// visit encodes one value found in the tables. Lock held.
func (sn *snapshot) visit(db int, key string, o *keyspace.Object, expireAt int64) {
	meta := lruMeta(sn.m.srv.Keyspace(), sn.policy, o)
	if expireAt >= 0 {
		meta.Expire, meta.ExpireMs = true, expireAt
	}
	sn.writeKey(db, key, o, meta)
}

func (sn *snapshot) writeKey(db int, key string, o *keyspace.Object, meta rdb.KeyMeta) {
	if sn.err != nil {
		return
	}
	v, err := toValueScratch(o, &sn.scratch)
	if err != nil {
		sn.err = err
		return
	}
	if db != sn.curDB {
		nk, ne := sn.it.Sizes(db)
		if sn.err = sn.enc.SelectDB(db, uint64(nk), uint64(ne)); sn.err != nil {
			return
		}
		sn.curDB = db
	}
	sn.err = sn.enc.WriteKey(unsafe.Slice(unsafe.StringData(key), len(key)), v, meta)
	sn.processed.Add(1)
}

// end stops preservation once. Lock held.
func (sn *snapshot) end() {
	if !sn.ended {
		sn.ended = true
		sn.m.srv.Keyspace().EndSnapshot()
	}
}

// cancel abandons the snapshot: the goroutine stops at its next chunk.
// Lock held.
func (sn *snapshot) cancel() {
	sn.cancelled = true
	sn.pending = nil
	sn.end()
}

// run serializes the snapshot to dst, taking the server lock for short
// chunks. It returns errCancelled when cancel was called meanwhile. On
// return (success or not) preservation has ended.
func (sn *snapshot) run(dst io.Writer) error {
	srv := sn.m.srv
	err := sn.loop(dst)
	if err != nil {
		srv.Lock()
		sn.end()
		if sn.cancelled {
			err = errCancelled
		}
		srv.Unlock()
	}
	return err
}

func (sn *snapshot) loop(dst io.Writer) error {
	srv := sn.m.srv
	for {
		srv.Lock()
		if sn.cancelled {
			srv.Unlock()
			return errCancelled
		}
		start := time.Now()
		deadline := start.Add(chunkTime)
		before := sn.processed.Load()
		delay := sn.m.keySaveDelay()
		done := sn.it.Next(chunkKeys, func() bool {
			return len(sn.out.buf) >= chunkBytes || time.Now().After(deadline)
		}, sn.visit)
		pend := sn.pending
		sn.pending = nil
		if done {
			sn.end()
		}
		held := time.Since(start)
		if held > sn.maxChunk {
			sn.maxChunk = held
		}
		srv.Unlock()

		outside := time.Now()
		for i := range pend {
			p := &pend[i]
			sn.writeKey(p.db, p.key, &p.obj, p.meta)
			pend[i] = preservedValue{}
		}
		if sn.err != nil {
			return sn.err
		}
		if done {
			if err := sn.enc.Close(); err != nil {
				return err
			}
		}
		for b := sn.out.buf; len(b) > 0; {
			n := min(len(b), writePiece)
			if _, err := dst.Write(b[:n]); err != nil {
				return err
			}
			b = b[n:]
		}
		if cap(sn.out.buf) > 2*chunkBytes {
			sn.out.buf = nil
		} else {
			sn.out.buf = sn.out.buf[:0]
		}
		if done {
			return nil
		}
		if delay > 0 {
			// rdb-key-save-delay (tests): slow the save down, outside the
			// lock, by the configured microseconds per key written.
			time.Sleep(time.Duration(delay*(sn.processed.Load()-before)) * time.Microsecond)
		}
		// Step aside for as long as the chunk and its output took: clients
		// get at least half of the processor while a snapshot runs.
		// Blocking matters, not only yielding: with GOMAXPROCS=1 (the
		// server's default) a goroutine that stays runnable keeps the
		// scheduler from polling the network, and clients' requests would
		// wait for the runtime's 10 ms fallback poll instead of about one
		// chunk. (Measured with 1M keys and 8 clients: p99 during BGSAVE
		// 13 ms without the pause, about 1.5-2.5 ms with it.)
		yield := held + time.Since(outside)
		time.Sleep(min(max(yield, minYield), maxYield))
	}
}

// Bounds of the pause between chunks.
const (
	minYield = 50 * time.Microsecond
	maxYield = 2 * time.Millisecond
)

// progress returns the keys written and the keys the snapshot covers.
func (sn *snapshot) progress() (int64, int64) {
	p := sn.processed.Load()
	if p > sn.total {
		p = sn.total
	}
	return p, sn.total
}

// keySaveDelay is rdb-key-save-delay, in microseconds per key. Lock held.
func (m *Manager) keySaveDelay() int64 {
	v, _ := m.cfg.Value("rdb-key-save-delay")
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// header describes the file for the AUX fields.
func (m *Manager) header(aofBase bool) rdb.Header {
	return rdb.Header{
		RedisVersion: server.Version,
		RedisBits:    64,
		Ctime:        time.Now().Unix(),
		UsedMem:      m.srv.Keyspace().UsedMemory(),
		AOFBase:      aofBase,
	}
}

// encodeOptions follows the configuration (Redis lays values out by the
// same knobs).
func (m *Manager) encodeOptions() rdb.EncodeOptions {
	c := m.cfg
	o := rdb.DefaultEncodeOptions()
	o.Compression = c.RDBCompression
	o.Checksum = c.RDBChecksum
	o.ListMaxListpackSize = c.ListMaxListpackSize
	o.SetMaxIntsetEntries = int(c.SetMaxIntsetEntries)
	o.HashMaxListpackEntries = int(c.HashMaxListpackEntries)
	o.HashMaxListpackValue = int(c.HashMaxListpackValue)
	o.ZSetMaxListpackEntries = int(c.ZsetMaxListpackEntries)
	o.ZSetMaxListpackValue = int(c.ZsetMaxListpackValue)
	o.StreamNodeMaxBytes = int(c.StreamNodeMaxBytes)
	o.StreamNodeMaxEntries = int(c.StreamNodeMaxEntries)
	return o
}

// saveForeground writes the whole keyspace to w while the caller holds
// the lock (SAVE, SHUTDOWN, DEBUG RELOAD): nothing changes meanwhile, so
// no epoch is needed and a background snapshot in progress is unaffected.
func (m *Manager) saveForeground(w io.Writer, f snapFormat) (int64, error) {
	ks := m.srv.Keyspace()
	enc, err := m.newRecordWriter(w, f)
	if err != nil {
		return 0, err
	}
	policy := m.cfg.MaxMemoryPolicy
	var n int64
	var scratch rdb.Value
	for i := 0; i < ks.NumDBs() && err == nil; i++ {
		db := ks.DB(i)
		nk, ne := db.Sizes()
		if nk == 0 {
			continue
		}
		if err = enc.SelectDB(i, uint64(nk), uint64(ne)); err != nil {
			break
		}
		db.RangeAll(func(key string, o *keyspace.Object, expireAt int64) bool {
			var v *rdb.Value
			if v, err = toValueScratch(o, &scratch); err != nil {
				return false
			}
			meta := lruMeta(ks, policy, o)
			if expireAt >= 0 {
				meta.Expire, meta.ExpireMs = true, expireAt
			}
			if err = enc.WriteKey(unsafe.Slice(unsafe.StringData(key), len(key)), v, meta); err != nil {
				return false
			}
			n++
			return true
		})
	}
	if err != nil {
		return n, err
	}
	return n, enc.Close()
}
