package keyspace

import "time"

// Active expiry reclaims keys whose TTL passed but that nobody touches
// again. Each database's expires dict is walked with a SCAN cursor, a few
// buckets at a time; a pass over a database repeats while more than a
// tenth of the sampled keys were expired, and the whole cycle stops when
// its time budget is spent, so it never stalls clients for long.

const (
	expireKeysPerLoop     = 20
	expireAcceptableStale = 10 // percent
)

// ActiveExpireCycle reclaims expired keys for at most budget. It returns
// how many it removed and whether it stopped for lack of time while
// databases still had many expired keys (the caller may run it again).
func (ks *Keyspace) ActiveExpireCycle(budget time.Duration) (removed int, more bool) {
	if !ks.activeExpire {
		return 0, false
	}
	start := time.Now()
	deadline := start.Add(budget)
	n := len(ks.dbs)
	timedOut := false
	var stale []*entry
	for i := 0; i < n && !timedOut; i++ {
		db := ks.dbs[(ks.expireCursorD+i)%n]
		ks.expireCursorD = (ks.expireCursorD + i) % n
		for iter := 0; ; iter++ {
			if db.expires.Len() == 0 {
				break
			}
			sampled, expired := 0, 0
			var ttlSum, ttlCount int64
			// Visit buckets until enough keys were sampled; empty buckets
			// are cheap, but bound them too for sparse tables.
			for buckets := 0; sampled < expireKeysPerLoop && buckets < expireKeysPerLoop*20; buckets++ {
				db.expireCursor = db.expires.Scan(db.expireCursor, func(e *dictEntryInt64) {
					sampled++
					if e.Value <= ks.now {
						if ke := db.keys.Find(e.Key); ke != nil {
							stale = append(stale, ke)
						}
					} else {
						ttlSum += e.Value - ks.now
						ttlCount++
					}
				})
				if db.expireCursor == 0 {
					break
				}
			}
			for _, e := range stale {
				if db.reclaimIfExpired(e) {
					expired++
					removed++
				}
			}
			stale = stale[:0]
			if ttlCount > 0 {
				// Like Redis, a running average weighted towards the past.
				avg := ttlSum / ttlCount
				if db.avgTTL == 0 {
					db.avgTTL = avg
				} else {
					db.avgTTL = (db.avgTTL/50)*49 + avg/50
				}
			}
			if iter%16 == 15 && time.Now().After(deadline) {
				timedOut = true
				break
			}
			if sampled == 0 || expired*100/sampled <= expireAcceptableStale {
				break
			}
		}
	}
	if timedOut {
		ks.stats.ExpiredStale++
	}
	ks.stats.ExpireCycleTime += time.Since(start)
	return removed, timedOut
}
