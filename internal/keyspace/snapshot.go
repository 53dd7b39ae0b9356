package keyspace

import "github.com/autobot-ai/autobot-redis/internal/dict"

// Helpers for persistence: a resumable walk over the databases as they
// were when a snapshot began (for fork-less background saves), and raw
// access that ignores expiry (for DEBUG DIGEST and foreground saves).
//
// A background snapshot works like this, always under the server lock:
// BeginSnapshot bumps the epoch, NewSnapshotIterator records the tables
// that hold the data at that instant, and Next visits their entries a
// few at a time, between which the lock is released. Next only reports
// entries whose version is older than the epoch and marks them
// preserved; a value written or deleted in between carries the epoch
// already, because the keyspace handed it to the Preserver first.
//
// The iterator follows tables rather than database numbers: SWAPDB moves
// a table to another number and FLUSHDB replaces it, and in both cases the
// snapshot must still report what each database number held at its start.

// SnapshotIterator walks the tables captured at the start of a snapshot.
type SnapshotIterator struct {
	ks     *Keyspace
	epoch  uint32
	tables []snapTable
	cur    int
	cursor uint64
	total  int
}

type snapTable struct {
	db      int
	keys    *dict.Dict[Object]
	expires *dict.Dict[int64]
	// Sizes when the snapshot began, for the RESIZEDB hints.
	nkeys, nexpires int
}

// NewSnapshotIterator captures the current tables. Call it under the lock
// right after BeginSnapshot, in the same critical section.
func (ks *Keyspace) NewSnapshotIterator() *SnapshotIterator {
	it := &SnapshotIterator{ks: ks, epoch: ks.epoch}
	for _, db := range ks.dbs {
		t := snapTable{db: db.id, keys: db.keys, expires: db.expires, nkeys: db.keys.Len(), nexpires: db.expires.Len()}
		it.total += t.nkeys
		it.tables = append(it.tables, t)
	}
	return it
}

// Total is the number of keys in every database when the snapshot began.
func (it *SnapshotIterator) Total() int { return it.total }

// Sizes returns the number of keys and of keys with an expire that
// database db had when the snapshot began.
func (it *SnapshotIterator) Sizes(db int) (keys, expires int) {
	for i := range it.tables {
		if it.tables[i].db == db {
			return it.tables[i].nkeys, it.tables[i].nexpires
		}
	}
	return 0, 0
}

// Origin returns the number of the database whose snapshot-time data db
// now holds (they differ after SWAPDB). A Preserver labels values with it.
func (it *SnapshotIterator) Origin(db *DB) int {
	for i := range it.tables {
		if it.tables[i].keys == db.keys {
			return it.tables[i].db
		}
	}
	return db.id
}

// attached reports whether some database still uses the table; a table
// dropped by FLUSHDB or FLUSHALL had every unsaved value preserved.
func (it *SnapshotIterator) attached(t *snapTable) bool {
	for _, db := range it.ks.dbs {
		if db.keys == t.keys {
			return true
		}
	}
	return false
}

// Next visits entries not yet serialized for the snapshot, calling fn for
// each with the database number it had at the snapshot's start, and marks
// them serialized. It returns after about max entries, or earlier when
// stop (checked every few entries, may be nil) returns true, and reports
// whether the walk is complete. Call it under the lock; fn must not
// modify the keyspace.
func (it *SnapshotIterator) Next(max int, stop func() bool, fn func(db int, key string, o *Object, expireAt int64)) (done bool) {
	seen, calls := 0, 0
	for it.cur < len(it.tables) {
		t := &it.tables[it.cur]
		if !it.attached(t) || t.keys.Len() == 0 {
			it.cur++
			it.cursor = 0
			continue
		}
		for {
			it.cursor = t.keys.Scan(it.cursor, func(e *entry) {
				seen++
				o := &e.Value
				if o.Version() >= it.epoch {
					return
				}
				exp := int64(-1)
				if o.volatile() {
					if v := t.expires.Get(e.Key); v != nil {
						exp = *v
					}
				}
				fn(t.db, e.Key, o, exp)
				o.setVersion(it.epoch)
			})
			if it.cursor == 0 {
				it.cur++
				break
			}
			calls++
			if seen >= max || (stop != nil && calls&31 == 0 && stop()) {
				return false
			}
		}
		if seen >= max {
			return it.cur >= len(it.tables)
		}
	}
	return true
}

// Peek returns the value of key and its expiry time (-1 when none) without
// reclaiming it when expired and without touching its access clock, as
// DEBUG DIGEST-VALUE and DEBUG OBJECT look keys up. It returns nil when
// the key is not in the table.
func (db *DB) Peek(key []byte) (*Object, int64) {
	e := db.find(key)
	if e == nil {
		return nil, -1
	}
	return &e.Value, db.expireAt(e)
}

// RangeAll calls fn for every key, expired or not, until fn returns false.
// fn must not add or remove keys. A foreground save and DEBUG DIGEST walk
// the keyspace this way, as Redis does.
func (db *DB) RangeAll(fn func(key string, o *Object, expireAt int64) bool) {
	db.keys.Range(func(e *entry) bool {
		return fn(e.Key, &e.Value, db.expireAt(e))
	})
}

// Sizes returns the number of keys and of keys with an expire.
func (db *DB) Sizes() (keys, expires int) { return db.keys.Len(), db.expires.Len() }

// AddForLoad creates key for a loader (RDB, RESTORE-like bulk loads) with
// one lookup: it returns the new empty object, or the existing one and
// false when the key is already in the table (expired or not). The key
// string is kept as the entry's key, so a loader that owns fresh bytes
// can hand them over without a copy.
func (db *DB) AddForLoad(key string) (*Object, bool) {
	if e := db.keys.Find(key); e != nil {
		return &e.Value, false
	}
	return db.add(key), true
}

// ReserveForLoad sizes the database's tables for the key and expire counts
// a file announces (the RDB's RESIZEDB), so that loading does not rehash
// the growing tables over and over. The counts are hints: a file that lies
// costs memory for empty buckets, bounded by maxReserve.
func (db *DB) ReserveForLoad(keys, expires uint64) {
	db.keys.Reserve(int(min(keys, maxReserve)))
	db.expires.Reserve(int(min(expires, maxReserve)))
}

// maxReserve caps a RESIZEDB hint: 2^26 buckets are 512 MiB of pointers, so
// a corrupt or hostile file cannot make the loader allocate more than
// that before a single key has been read.
const maxReserve = 1 << 26
