package keyspace

// LFU access counting, as Redis approximates it in the 24 bits that hold
// the LRU clock otherwise: the high 16 bits are the time of the last
// decrement in minutes, the low 8 bits a logarithmic access counter that
// grows with probability 1/((counter-initial)*log_factor+1) and decays by
// one every lfu-decay-time minutes.

const lfuInitVal = 5

func lfuMinutes(nowMs int64) uint32 { return uint32(nowMs/1000/60) & 0xffff }

func lfuInit(nowMs int64) uint32 { return lfuMinutes(nowMs)<<8 | lfuInitVal }

// lfuDecayed returns the counter of lru after applying the decay owed
// since its last decrement.
func (ks *Keyspace) lfuDecayed(lru uint32) uint32 {
	ldt := lru >> 8
	counter := lru & 0xff
	if ks.LFUDecayTime <= 0 {
		return counter
	}
	now := lfuMinutes(ks.now)
	var elapsed uint32
	if now >= ldt {
		elapsed = now - ldt
	} else {
		elapsed = 0xffff - ldt + now
	}
	periods := elapsed / uint32(ks.LFUDecayTime)
	if periods >= counter {
		return 0
	}
	return counter - periods
}

// lfuTouch returns the new 24-bit LFU field after one access.
func (ks *Keyspace) lfuTouch(lru uint32) uint32 {
	counter := ks.lfuDecayed(lru)
	if counter < 255 {
		base := float64(counter) - lfuInitVal
		if base < 0 {
			base = 0
		}
		p := 1.0 / (base*float64(ks.LFULogFactor) + 1)
		if ks.rng.Float64() < p {
			counter++
		}
	}
	return lfuMinutes(ks.now)<<8 | counter
}

// LFUFrequency returns the decayed LFU counter of o (OBJECT FREQ).
func (ks *Keyspace) LFUFrequency(o *Object) int64 { return int64(ks.lfuDecayed(o.LRU())) }

// IdleMs returns how long ago o was last accessed, from its LRU clock, in
// milliseconds with the clock's one-second resolution (OBJECT IDLETIME).
func (ks *Keyspace) IdleMs(o *Object) int64 {
	now := ks.LRUClock()
	lru := o.LRU()
	var secs uint32
	if now >= lru {
		secs = now - lru
	} else {
		secs = metaLRUMask - lru + now
	}
	return int64(secs) * 1000
}
