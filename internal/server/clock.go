package server

import "time"

// cmdClock gives the execution pipeline its two readings per command (the
// keyspace's "now" for expiry, and the duration for the statistics) from
// the monotonic clock alone. time.Now reads both the wall and the
// monotonic clock, and under pipelined load those reads were the largest
// item of the pipeline's own cost; time.Since on a time with a monotonic
// reading costs one. The wall time is derived from a base that every
// batch (and the cron) renews, so a change of the system clock is picked
// up at the next batch, as Redis picks it up at its next event-loop pass.
// Guarded by the server lock.
type cmdClock struct {
	base   time.Time // a time.Now reading, with its monotonic part
	baseNs int64     // base as unix nanoseconds
}

// reset re-anchors the clock on a fresh time.Now reading.
func (k *cmdClock) reset(now time.Time) {
	k.base = now
	k.baseNs = now.UnixNano()
}

// mono is the monotonic time since the base.
func (k *cmdClock) mono() time.Duration { return time.Since(k.base) }

// unixMilli converts a reading of mono to unix milliseconds.
func (k *cmdClock) unixMilli(mono time.Duration) int64 {
	return (k.baseNs + int64(mono)) / int64(time.Millisecond)
}
