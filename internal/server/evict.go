package server

import (
	"math/rand/v2"
	"runtime/debug"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
)

// maxmemory and eviction. Before a command that may grow memory runs
// (denyoom), keys are evicted while used memory is over maxmemory, chosen
// by sampling maxmemory-samples keys per database and picking the best
// candidate for the policy, as Redis approximates LRU, LFU and TTL order.
// If nothing can be evicted, the command is refused with Redis's OOM
// error.

const errOOM = "OOM command not allowed when used memory > 'maxmemory'."

// evictionTimeBudget bounds one eviction pass so a huge overshoot does
// not stall every client at once; the next command continues.
const evictionTimeBudget = 5 * time.Millisecond

// checkOOM evicts as needed and reports whether cmd must be refused.
// queued is the union of the flags of the commands an open transaction
// holds (see multiState.flags).
func (s *Server) checkOOM(cmd *command.Command, inMulti bool, queued command.Flag) bool {
	max := int64(s.cfg.MaxMemory)
	if max == 0 {
		return false
	}
	if s.usedMemory() <= max {
		return false
	}
	s.performEvictions(max)
	if s.usedMemory() <= max {
		return false
	}
	if inMulti {
		// Queueing could take memory without bound, so everything is
		// refused but the ways out, and EXEC unless it would run a
		// deny-oom command queued before memory ran out.
		switch cmd.Name {
		case "exec":
			return queued&command.FlagDenyOOM != 0
		case "discard", "quit", "reset":
			return false
		}
		return true
	}
	return cmd.Flags&command.FlagDenyOOM != 0
}

// performEvictions frees memory until under max or out of candidates.
func (s *Server) performEvictions(max int64) {
	policy := s.cfg.MaxMemoryPolicy
	if policy == "noeviction" {
		return
	}
	volatile := len(policy) > 9 && policy[:9] == "volatile-"
	samples := s.cfg.MaxMemorySamples
	if samples <= 0 {
		samples = 5
	}
	start := time.Now()
	var pool []keyspace.Candidate
	for s.usedMemory() > max {
		pool = pool[:0]
		for i := 0; i < s.ks.NumDBs(); i++ {
			db := s.ks.DB(i)
			if volatile && db.ExpiresLen() == 0 || db.Len() == 0 {
				continue
			}
			pool = db.SampleForEviction(samples, volatile, pool)
		}
		if len(pool) == 0 {
			return // nothing left that the policy may evict
		}
		victim := pickVictim(policy, pool, s.ks.Rand())
		key := []byte(victim.Key)
		if victim.DB.Delete(key) {
			s.ks.NoteEviction()
			s.ks.Settle()
			s.notifyKeyspaceEvent(victim.DB, command.NotifyEvicted, "evicted", key)
			s.touchWatchedKey(victim.DB, key)
			s.trackingInvalidate(victim.DB, key, nil)
			for _, p := range s.propagators {
				p.Feed(victim.DB.ID(), [][]byte{[]byte("DEL"), key})
			}
		}
		if time.Since(start) > evictionTimeBudget {
			break
		}
	}
	if ms := time.Since(start).Milliseconds(); ms > 0 {
		s.latencyAdd("eviction-cycle", ms)
	}
}

func pickVictim(policy string, pool []keyspace.Candidate, r *rand.Rand) keyspace.Candidate {
	best := pool[0]
	switch policy {
	case "allkeys-random", "volatile-random":
		return pool[r.IntN(len(pool))]
	case "allkeys-lru", "volatile-lru":
		for _, c := range pool[1:] {
			if c.Idle > best.Idle {
				best = c
			}
		}
	case "allkeys-lfu", "volatile-lfu":
		for _, c := range pool[1:] {
			if c.Freq < best.Freq {
				best = c
			}
		}
	case "volatile-ttl":
		for _, c := range pool[1:] {
			if c.ExpireAt >= 0 && (best.ExpireAt < 0 || c.ExpireAt < best.ExpireAt) {
				best = c
			}
		}
	}
	return best
}

// applyMemoryLimit derives the Go runtime's soft memory limit from
// maxmemory, so the garbage collector works harder before the process
// outgrows what the operator allowed. Accounted memory and the Go heap
// differ (the heap holds garbage between collections), hence the margin.
//
// The limit is process-wide, so a server embedded in another program
// leaves it alone unless maxmemory is configured.
func (s *Server) applyMemoryLimit() {
	max := int64(s.cfg.MaxMemory)
	if max == 0 {
		if s.memLimitSet {
			debug.SetMemoryLimit(1<<63 - 1)
			s.memLimitSet = false
		}
		return
	}
	debug.SetMemoryLimit(2*max + s.startupMemory)
	s.memLimitSet = true
}
