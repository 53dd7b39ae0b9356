// Package keyspace holds the numbered databases: for each, a dict of key →
// value object and a dict of key → expiry time, with lazy and active
// expiry, memory accounting, LRU/LFU clocks and the copy-on-write hook that
// lets a snapshot run without fork.
//
// Nothing here is safe for concurrent use: the server serialises every
// access under its one lock, which is what makes commands atomic.
package keyspace

import (
	"math/rand/v2"
	"time"
)

// Events receives what the keyspace does on its own, outside any command
// handler: the server turns an expiry into a propagated DEL, a keyspace
// notification, WATCH invalidation and client-side caching invalidation.
type Events interface {
	KeyExpired(db *DB, key string)
	// KeyMiss is a read lookup that found nothing ("keymiss" events).
	KeyMiss(db *DB, key []byte)
	// KeyCreated is a new key ("new" events; clients blocked on the key
	// may now be served).
	KeyCreated(db *DB, key string)
	// StreamGone is a stream deleted or overwritten by another value:
	// clients blocked in XREADGROUP on it must learn it is gone.
	StreamGone(db *DB, key string)
}

// Preserver is implemented by a snapshot in progress. The keyspace calls
// Preserve before it modifies or removes a value that the snapshot has not
// serialized yet, so the snapshot sees the value as it was at its start.
type Preserver interface {
	Preserve(db *DB, key string, o *Object, expireAt int64)
}

// EvictionPolicy selects what the LRU field holds.
type EvictionPolicy uint8

// Stats are the keyspace counters INFO stats reports.
type Stats struct {
	Hits, Misses    int64
	ExpiredKeys     int64
	ExpiredStale    int64 // active expire cycles stopped while keys were still stale (for expired_stale_perc)
	ExpireCycleTime time.Duration
	EvictedKeys     int64
}

// Keyspace is the set of numbered databases.
type Keyspace struct {
	dbs    []*DB
	events Events
	now    int64 // cached unix time in ms for the running command
	rng    *rand.Rand

	used int64 // bytes attributed to keys and values, all dbs

	// touched records entries handed out for writing during the current
	// command, with the memory they were accounted at; Settle fixes the
	// totals once the command has done its work.
	touched []touch

	// Snapshot state: epoch is bumped when a snapshot starts; objects with
	// an older version have not been preserved for the running snapshot.
	epoch    uint32
	preserve Preserver

	// SharedIntegers mirrors Redis's shared small integers, which exist
	// unless maxmemory is set with an LRU or LFU policy (OBJECT REFCOUNT).
	SharedIntegers bool

	// LFU switches the access clock to Redis's LFU counter.
	LFU           bool
	LFULogFactor  int
	LFUDecayTime  int
	stats         Stats
	activeExpire  bool
	expireCursorD int // db where the active expire cycle resumes
}

type touch struct {
	db  *DB
	e   *entry
	mem int64
}

// New returns a keyspace with n databases.
func New(n int) *Keyspace {
	ks := &Keyspace{
		rng:            rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x5eed)),
		LFULogFactor:   10,
		LFUDecayTime:   1,
		activeExpire:   true,
		SharedIntegers: true,
		epoch:          1,
	}
	ks.dbs = make([]*DB, n)
	for i := range ks.dbs {
		ks.dbs[i] = newDB(ks, i)
	}
	ks.now = time.Now().UnixMilli()
	return ks
}

// SetEvents installs the receiver of keyspace-originated events.
func (ks *Keyspace) SetEvents(e Events) { ks.events = e }

// NumDBs returns the number of databases.
func (ks *Keyspace) NumDBs() int { return len(ks.dbs) }

// DB returns database i, or nil when out of range.
func (ks *Keyspace) DB(i int) *DB {
	if i < 0 || i >= len(ks.dbs) {
		return nil
	}
	return ks.dbs[i]
}

// Rand is the keyspace's random source (RANDOMKEY, SPOP, eviction).
func (ks *Keyspace) Rand() *rand.Rand { return ks.rng }

// SetNow fixes the time used for expiry decisions; the server calls it
// before each command so a command (or transaction, or script) sees one
// consistent clock.
func (ks *Keyspace) SetNow(ms int64) { ks.now = ms }

// Now returns the cached command time in unix milliseconds.
func (ks *Keyspace) Now() int64 { return ks.now }

// UsedMemory returns the bytes attributed to keys and values.
func (ks *Keyspace) UsedMemory() int64 { return ks.used }

// Stats returns a copy of the counters.
func (ks *Keyspace) Stats() Stats { return ks.stats }

// ResetStats clears the counters (CONFIG RESETSTAT).
func (ks *Keyspace) ResetStats() { ks.stats = Stats{} }

// SetActiveExpire enables or disables the active expire cycle
// (DEBUG SET-ACTIVE-EXPIRE).
func (ks *Keyspace) SetActiveExpire(on bool) { ks.activeExpire = on }

// Settle brings memory accounting up to date for every value handed out
// for writing since the last call. The server calls it after each command.
func (ks *Keyspace) Settle() {
	for i := range ks.touched {
		t := &ks.touched[i]
		if t.e == nil {
			continue // deleted meanwhile; Delete settled it
		}
		m := keyMem(t.e.Key, &t.e.Value)
		t.db.used += m - t.mem
		ks.used += m - t.mem
		t.e = nil
	}
	ks.touched = ks.touched[:0]
}

// LRUClock returns the current 24-bit access clock (seconds).
func (ks *Keyspace) LRUClock() uint32 { return uint32(ks.now/1000) & metaLRUMask }

// BeginSnapshot starts a copy-on-write epoch for p and returns it. Until
// EndSnapshot, any value written that carries an older version is first
// handed to p.Preserve.
func (ks *Keyspace) BeginSnapshot(p Preserver) uint32 {
	ks.epoch++
	if ks.epoch > metaVerMask {
		// The version field wrapped: reset every object so old versions
		// compare correctly again. This happens once in 16M snapshots.
		for _, db := range ks.dbs {
			db.keys.Range(func(e *entry) bool { e.Value.setVersion(0); return true })
		}
		ks.epoch = 1
	}
	ks.preserve = p
	return ks.epoch
}

// EndSnapshot stops preserving values.
func (ks *Keyspace) EndSnapshot() { ks.preserve = nil }

// Epoch returns the current snapshot epoch.
func (ks *Keyspace) Epoch() uint32 { return ks.epoch }

// MarkPreserved records that the running snapshot has serialized o, so a
// later write does not preserve it again.
func (ks *Keyspace) MarkPreserved(o *Object) { o.setVersion(ks.epoch) }

// FlushAll empties every database.
func (ks *Keyspace) FlushAll() int64 {
	var n int64
	for _, db := range ks.dbs {
		n += int64(db.Len())
		db.Flush()
	}
	return n
}

// sharedIntegerLimit is Redis's OBJ_SHARED_INTEGERS.
const sharedIntegerLimit = 10000

// IsSharedInteger reports whether Redis would hold o as one of its shared
// integer objects (int-encoded, 0 <= v < 10000, sharing enabled).
func (ks *Keyspace) IsSharedInteger(o *Object) bool {
	if !ks.SharedIntegers || o.Type() != TypeString || o.Encoding() != EncInt {
		return false
	}
	n, ok := parseSmallInt(o.str())
	return ok && n >= 0 && n < sharedIntegerLimit
}

func parseSmallInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 5 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
