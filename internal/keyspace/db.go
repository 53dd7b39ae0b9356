package keyspace

import (
	"github.com/autobot-ai/autobot-redis/internal/dict"
)

type entry = dict.Entry[Object]

type dictEntryInt64 = dict.Entry[int64]

// DB is one numbered database.
type DB struct {
	id      int
	ks      *Keyspace
	keys    *dict.Dict[Object]
	expires *dict.Dict[int64]
	used    int64

	expireCursor uint64 // where the active expire cycle resumes
	avgTTL       int64  // running estimate reported by INFO keyspace

	prefetched uint64 // see Prefetch
}

func newDB(ks *Keyspace, id int) *DB {
	return &DB{id: id, ks: ks, keys: dict.NewInlineKeys[Object](), expires: dict.New[int64]()}
}

// ID returns the database number.
func (db *DB) ID() int { return db.id }

// Keyspace returns the keyspace db belongs to.
func (db *DB) Keyspace() *Keyspace { return db.ks }

// Len returns the number of keys, including expired ones not yet reclaimed.
func (db *DB) Len() int { return db.keys.Len() }

// ExpiresLen returns the number of keys with a time to live.
func (db *DB) ExpiresLen() int { return db.expires.Len() }

// AvgTTL returns the estimated average TTL in ms of volatile keys.
func (db *DB) AvgTTL() int64 { return db.avgTTL }

// UsedMemory returns the bytes attributed to this database's keys.
func (db *DB) UsedMemory() int64 { return db.used }

func (db *DB) find(key []byte) *entry { return db.keys.FindBytes(key) }

// prefetchChunk is how many keys Prefetch handles at a time.
const prefetchChunk = 16

// Prefetch reads, without using them, the memory that lookups of keys[0],
// keys[stride], keys[2*stride]... will touch: their buckets, the first
// entry of their chains (with a short key inline) and the first byte of
// those entries' values. On a keyspace larger than the caches each of
// these is a cache miss, and a lookup takes them one after the other since
// every load depends on the one before. Here the loads go level by level
// across all the keys, so the misses of different keys are independent and
// the processor overlaps them (Valkey's batch prefetch); the lookups that
// follow then find everything in cache. Nothing changes: no key compare,
// no rehash step, no expiry. The loaded bytes are summed into a field only
// so that the compiler keeps the loads.
func (db *DB) Prefetch(keys [][]byte, stride int) {
	var heads [prefetchChunk]*entry
	var sum uint64
	for i := 0; i < len(keys); {
		n := 0
		for ; i < len(keys) && n < len(heads); i += stride {
			heads[n] = db.keys.ChainHead(keys[i])
			n++
		}
		for _, e := range heads[:n] {
			if e != nil {
				sum += uint64(len(e.Key))
			}
		}
		for _, e := range heads[:n] {
			if e != nil && e.Value.p != nil {
				sum += uint64(*(*byte)(e.Value.p))
			}
		}
	}
	db.prefetched += sum
}

// expireAt returns the entry's expiry time in ms, or -1.
func (db *DB) expireAt(e *entry) int64 {
	if !e.Value.volatile() {
		return -1
	}
	if t := db.expires.Get(e.Key); t != nil {
		return *t
	}
	return -1
}

// expired reports whether e's TTL has passed at the command's time.
func (db *DB) expired(e *entry) bool {
	if !e.Value.volatile() {
		return false
	}
	t := db.expires.Get(e.Key)
	return t != nil && *t <= db.ks.now
}

// reclaimIfExpired deletes e when its TTL has passed and reports whether it
// did. This is lazy expiry: every lookup pays one flag test for keys
// without a TTL and one extra dict probe for keys with one.
func (db *DB) reclaimIfExpired(e *entry) bool {
	if !db.expired(e) {
		return false
	}
	key := e.Key
	db.remove(e)
	db.ks.stats.ExpiredKeys++
	if db.ks.events != nil {
		db.ks.events.KeyExpired(db, key)
	}
	return true
}

// lookup finds a live key, reclaiming it first when expired.
func (db *DB) lookup(key []byte) *entry {
	e := db.find(key)
	if e == nil || db.reclaimIfExpired(e) {
		return nil
	}
	return e
}

func (db *DB) touchAccess(o *Object) {
	if db.ks.LFU {
		o.SetLRU(db.ks.lfuTouch(o.LRU()))
		return
	}
	o.SetLRU(db.ks.LRUClock())
}

// Lookup returns the live value of key for reading, or nil, and updates
// its access clock. It does not count keyspace hits or misses.
func (db *DB) Lookup(key []byte) *Object {
	e := db.lookup(key)
	if e == nil {
		return nil
	}
	db.touchAccess(&e.Value)
	return &e.Value
}

// LookupFlags adjust what a read lookup does besides finding the key.
type LookupFlags uint8

// Lookup flags, as Redis's LOOKUP_* flags.
const (
	NoTouch  LookupFlags = 1 << iota // leave the LRU/LFU clock alone
	NoStats                          // do not count keyspace hits/misses
	NoNotify                         // no "keymiss" notification
)

// LookupRead is Lookup for read commands: it counts keyspace_hits and
// keyspace_misses and emits "keymiss" notifications.
func (db *DB) LookupRead(key []byte) *Object { return db.LookupReadFlags(key, 0) }

// LookupReadNoTouch is LookupRead without touching the access clock
// (TTL, TYPE, EXISTS).
func (db *DB) LookupReadNoTouch(key []byte) *Object { return db.LookupReadFlags(key, NoTouch) }

// LookupReadFlags is the general read lookup.
func (db *DB) LookupReadFlags(key []byte, f LookupFlags) *Object {
	e := db.lookup(key)
	if e == nil {
		if f&NoStats == 0 {
			db.ks.stats.Misses++
		}
		if f&NoNotify == 0 && db.ks.events != nil {
			db.ks.events.KeyMiss(db, key)
		}
		return nil
	}
	if f&NoStats == 0 {
		db.ks.stats.Hits++
	}
	if f&NoTouch == 0 {
		db.touchAccess(&e.Value)
	}
	return &e.Value
}

// LookupNoTouch returns the live value without touching its access clock
// (OBJECT, TYPE-like introspection, EXISTS).
func (db *DB) LookupNoTouch(key []byte) *Object {
	e := db.lookup(key)
	if e == nil {
		return nil
	}
	return &e.Value
}

// Exists reports whether key is live, without touching it.
func (db *DB) Exists(key []byte) bool { return db.lookup(key) != nil }

// LookupWrite returns the live value of key for modification, or nil. The
// caller may change the object in place; the memory accounting catches up
// in Keyspace.Settle and a running snapshot gets the old value first.
func (db *DB) LookupWrite(key []byte) *Object {
	e := db.lookup(key)
	if e == nil {
		return nil
	}
	db.beforeWrite(e)
	db.touchAccess(&e.Value)
	return &e.Value
}

// beforeWrite hands the current value to a running snapshot when needed
// and records the entry for memory settlement.
func (db *DB) beforeWrite(e *entry) {
	ks := db.ks
	if ks.preserve != nil && e.Value.Version() < ks.epoch {
		ks.preserve.Preserve(db, e.Key, &e.Value, db.expireAt(e))
	}
	e.Value.setVersion(ks.epoch)
	for i := range ks.touched {
		if ks.touched[i].e == e {
			return
		}
	}
	ks.touched = append(ks.touched, touch{db: db, e: e, mem: keyMem(e.Key, &e.Value)})
}

// Add creates key, which must not be live, and returns its empty object
// for the caller to fill (SetString, SetCollection...).
func (db *DB) Add(key []byte) *Object {
	if e := db.find(key); e != nil {
		// An expired leftover: reclaim it properly first.
		if !db.reclaimIfExpired(e) {
			panic("keyspace: Add of an existing key " + e.Key)
		}
	}
	return db.addBytes(key)
}

func (db *DB) add(key string) *Object { return db.added(db.keys.Insert(key)) }

// addBytes is add for a key in a []byte, which a short key does not need
// converted to a string (it is stored inline in its entry).
func (db *DB) addBytes(key []byte) *Object { return db.added(db.keys.InsertBytes(key)) }

// added initializes a freshly inserted entry and accounts for it.
func (db *DB) added(e *entry) *Object {
	e.Value.setVersion(db.ks.epoch)
	e.Value.SetLRU(db.initialLRU())
	m := keyMem(e.Key, &e.Value)
	db.used += m
	db.ks.used += m
	db.ks.touched = append(db.ks.touched, touch{db: db, e: e, mem: m})
	if db.ks.events != nil {
		db.ks.events.KeyCreated(db, e.Key)
	}
	return &e.Value
}

func (db *DB) initialLRU() uint32 {
	if db.ks.LFU {
		return lfuInit(db.ks.now)
	}
	return db.ks.LRUClock()
}

// Set creates or overwrites key and returns the object to fill. Unless
// keepTTL, an existing time to live is removed, as SET does.
func (db *DB) Set(key []byte, keepTTL bool) *Object {
	e := db.lookup(key)
	if e == nil {
		return db.addBytes(key)
	}
	db.beforeWrite(e)
	if e.Value.Type() == TypeStream && db.ks.events != nil {
		db.ks.events.StreamGone(db, e.Key)
	}
	if !keepTTL && e.Value.volatile() {
		db.expires.Delete(e.Key)
		e.Value.setVolatile(false)
	}
	db.touchAccess(&e.Value)
	return &e.Value
}

// Delete removes key and reports whether a live key was removed.
func (db *DB) Delete(key []byte) bool {
	e := db.lookup(key)
	if e == nil {
		return false
	}
	db.remove(e)
	return true
}

// remove unlinks e, settling its memory.
func (db *DB) remove(e *entry) {
	ks := db.ks
	if ks.preserve != nil && e.Value.Version() < ks.epoch {
		ks.preserve.Preserve(db, e.Key, &e.Value, db.expireAt(e))
	}
	m := keyMem(e.Key, &e.Value)
	for i := range ks.touched {
		if ks.touched[i].e == e {
			m = ks.touched[i].mem
			ks.touched[i].e = nil
		}
	}
	if e.Value.volatile() {
		db.expires.Delete(e.Key)
	}
	db.keys.Delete(e.Key)
	db.used -= m
	ks.used -= m
	if e.Value.Type() == TypeStream && ks.events != nil {
		ks.events.StreamGone(db, e.Key)
	}
}

// TTL returns the absolute expiry time in ms of a live key, -1 when it has
// none, and -2 when the key does not exist.
func (db *DB) TTL(key []byte) int64 {
	e := db.lookup(key)
	if e == nil {
		return -2
	}
	return db.expireAt(e)
}

// RawExpireAt returns the stored expiry time of key in ms, or -1, without
// reclaiming it when it has passed (EXEC checks watched keys this way).
func (db *DB) RawExpireAt(key []byte) int64 {
	e := db.find(key)
	if e == nil {
		return -1
	}
	return db.expireAt(e)
}

// SetExpire sets the absolute expiry time of a live key in unix ms and
// reports whether the key exists. A time in the past is stored as is: the
// caller decides whether to delete instead, as EXPIRE does.
func (db *DB) SetExpire(key []byte, at int64) bool {
	e := db.lookup(key)
	if e == nil {
		return false
	}
	db.beforeWrite(e)
	if !e.Value.volatile() {
		e.Value.setVolatile(true)
		db.expires.Insert(e.Key).Value = at
		return true
	}
	*db.expires.Get(e.Key) = at
	return true
}

// Persist removes the TTL of a live key; it reports whether one was removed.
func (db *DB) Persist(key []byte) bool {
	e := db.lookup(key)
	if e == nil || !e.Value.volatile() {
		return false
	}
	db.beforeWrite(e)
	db.expires.Delete(e.Key)
	e.Value.setVolatile(false)
	return true
}

// Rename moves the value (and TTL) of live key from to key to in this db,
// replacing to. It reports false when from does not exist.
func (db *DB) Rename(from, to []byte) bool {
	e := db.lookup(from)
	if e == nil {
		return false
	}
	return db.MoveTo(from, db, to)
}

// MoveTo moves live key from (with its TTL) into dst under name to,
// replacing whatever to holds there. It returns false when from is absent.
func (db *DB) MoveTo(from []byte, dst *DB, to []byte) bool {
	e := db.lookup(from)
	if e == nil {
		return false
	}
	exp := db.expireAt(e)
	db.beforeWrite(e)
	val := e.Value
	db.remove(e)
	if dst.find(to) != nil {
		dst.Delete(to)
	}
	o := dst.add(string(to))
	o.p, o.n = val.p, val.n
	o.meta = val.meta &^ metaVolatile
	o.setVersion(dst.ks.epoch)
	if exp >= 0 {
		dst.SetExpire(to, exp)
	}
	return true
}

// Flush removes every key.
func (db *DB) Flush() {
	ks := db.ks
	if ks.preserve != nil {
		db.keys.Range(func(e *entry) bool {
			if e.Value.Version() < ks.epoch {
				ks.preserve.Preserve(db, e.Key, &e.Value, db.expireAt(e))
			}
			return true
		})
	}
	for i := range ks.touched {
		if ks.touched[i].db == db {
			ks.touched[i].e = nil
		}
	}
	ks.used -= db.used
	db.used = 0
	db.keys = dict.NewInlineKeys[Object]()
	db.expires = dict.New[int64]()
	db.expireCursor = 0
	db.avgTTL = 0
}

// Swap exchanges the contents of two databases (SWAPDB); clients keep
// pointing at the same numbered DB and see the other's data.
func (db *DB) Swap(other *DB) {
	if db == other {
		return
	}
	db.keys, other.keys = other.keys, db.keys
	db.expires, other.expires = other.expires, db.expires
	db.used, other.used = other.used, db.used
	db.expireCursor, other.expireCursor = other.expireCursor, db.expireCursor
	db.avgTTL, other.avgTTL = other.avgTTL, db.avgTTL
	for i := range db.ks.touched {
		t := &db.ks.touched[i]
		switch t.db {
		case db:
			t.db = other
		case other:
			t.db = db
		}
	}
}

// RandomKey returns a random live key. Like Redis it gives up after a
// bounded number of tries when every sampled key turns out expired.
func (db *DB) RandomKey() (string, bool) {
	for tries := 0; tries < 100 && db.keys.Len() > 0; tries++ {
		e := db.keys.Random(db.ks.rng)
		if db.reclaimIfExpired(e) {
			continue
		}
		return e.Key, true
	}
	return "", false
}

// Scan calls fn for the keys of one SCAN step and returns the next cursor.
// Expired keys are skipped (and reclaimed after the step).
func (db *DB) Scan(cursor uint64, fn func(key string, o *Object)) uint64 {
	var stale []string
	next := db.keys.Scan(cursor, func(e *entry) {
		if db.expired(e) {
			stale = append(stale, e.Key)
			return
		}
		fn(e.Key, &e.Value)
	})
	for _, k := range stale {
		if e := db.keys.Find(k); e != nil {
			db.reclaimIfExpired(e)
		}
	}
	return next
}

// Range calls fn for every live key until fn returns false. fn must not
// add or remove keys.
func (db *DB) Range(fn func(key string, o *Object, expireAt int64) bool) {
	db.keys.Range(func(e *entry) bool {
		if db.expired(e) {
			return true
		}
		return fn(e.Key, &e.Value, db.expireAt(e))
	})
}

// RehashStep advances incremental rehashing of the db's dicts by a little;
// the server's cron calls it so idle tables finish resizing.
func (db *DB) RehashStep(n int) {
	db.keys.Rehash(n)
	db.expires.Rehash(n)
	db.keys.ShrinkToFit()
	db.expires.ShrinkToFit()
}

// KeyMemory returns the bytes MEMORY USAGE reports for a live key, or -1.
func (db *DB) KeyMemory(key []byte) int64 {
	e := db.lookup(key)
	if e == nil {
		return -1
	}
	return keyMem(e.Key, &e.Value)
}
