package keyspace

// Support for maxmemory eviction: sampling candidate keys. The policy
// logic lives in the server, which also propagates and notifies.

// Candidate is a key sampled for eviction.
type Candidate struct {
	DB       *DB
	Key      string
	Idle     int64 // ms since last access (LRU policies)
	Freq     int64 // decayed LFU counter (LFU policies)
	ExpireAt int64 // unix ms, -1 when none (volatile-ttl)
}

// SampleForEviction appends up to n candidates from db: from every key,
// or only from keys with a TTL when volatile is set.
func (db *DB) SampleForEviction(n int, volatile bool, out []Candidate) []Candidate {
	ks := db.ks
	if volatile {
		for _, e := range db.expires.Sample(ks.rng, n, nil) {
			ke := db.keys.Find(e.Key)
			if ke == nil {
				continue
			}
			out = append(out, db.candidate(ke, e.Value))
		}
		return out
	}
	for _, e := range db.keys.Sample(ks.rng, n, nil) {
		out = append(out, db.candidate(e, db.expireAt(e)))
	}
	return out
}

func (db *DB) candidate(e *entry, expireAt int64) Candidate {
	c := Candidate{DB: db, Key: e.Key, ExpireAt: expireAt}
	if db.ks.LFU {
		c.Freq = db.ks.LFUFrequency(&e.Value)
	} else {
		c.Idle = db.ks.IdleMs(&e.Value)
	}
	return c
}

// TableOverhead is the memory of the hash table itself (buckets and
// entries, not keys and values), for MEMORY STATS.
func (db *DB) TableOverhead(expires bool) int64 {
	if expires {
		return int64(db.expires.Buckets())*bucketOverhead + int64(db.expires.Len())*(expireOverhead-bucketOverhead)
	}
	return int64(db.keys.Buckets())*bucketOverhead + int64(db.keys.Len())*entryOverhead
}

// NoteEviction counts an evicted key in the stats.
func (ks *Keyspace) NoteEviction() { ks.stats.EvictedKeys++ }
