// Package types holds the in-memory representations of the collection
// values (hash, set, sorted set, list) together with the encoding switches
// Redis 7.0 performs between a compact form for small values and a
// scalable form for large ones.
//
// The structures know nothing about commands or replies; they expose the
// operations command handlers need, with Redis's observable semantics
// (element order, encoding names, conversion points, random-pick
// strategies). Byte slices handed out by accessors and callbacks are
// read-only views: callers must not modify them, and must copy them if they
// need them after the next modification of the structure (or, for
// callbacks, after the callback returns).
//
// None of the types is safe for concurrent use.
package types

import (
	"strconv"
	"unsafe"

	"github.com/autobot-ai/autobot-redis/internal/keyspace"
)

// Encoding is the keyspace's encoding type: the structures report the
// same names OBJECT ENCODING replies with.
type Encoding = keyspace.Encoding

// The encodings of the collection types.
const (
	EncListpack  = keyspace.EncListpack
	EncHashtable = keyspace.EncHashtable
	EncIntset    = keyspace.EncIntset
	EncSkiplist  = keyspace.EncSkiplist
	EncQuicklist = keyspace.EncQuicklist
)

// Limits are the encoding thresholds of the server configuration. Redis
// reads them at the moment it decides a conversion, so callers pass the
// current values on every mutating call; a CONFIG SET therefore affects
// existing values on their next mutation, as in Redis. The list fill is
// the exception: Redis fixes it when the list is created, and so does
// NewList.
type Limits struct {
	HashMaxListpackEntries int64 // hash-max-listpack-entries
	HashMaxListpackValue   int64 // hash-max-listpack-value, bytes
	SetMaxIntsetEntries    int64 // set-max-intset-entries
	ZsetMaxListpackEntries int64 // zset-max-listpack-entries
	ZsetMaxListpackValue   int64 // zset-max-listpack-value, bytes
	ListMaxListpackSize    int   // list-max-listpack-size
}

// DefaultLimits returns redis-server 7.0's built-in defaults. Note that
// hash-max-listpack-entries is 512 when no configuration file sets it; the
// redis.conf shipped with Redis sets it to 128.
func DefaultLimits() Limits {
	return Limits{
		HashMaxListpackEntries: 512,
		HashMaxListpackValue:   64,
		SetMaxIntsetEntries:    512,
		ZsetMaxListpackEntries: 128,
		ZsetMaxListpackValue:   64,
		ListMaxListpackSize:    -2,
	}
}

// listpackMaxSafeSize mirrors the 1 GiB cap Redis puts on a single
// listpack: a compact value that would grow past it converts to the large
// encoding instead. It also keeps the uint32 offsets of the compact
// containers in range.
const listpackMaxSafeSize = 1 << 30

// ParseInt64 reports whether s is the canonical decimal text of an int64:
// optional '-', no leading zeros, no '+', no spaces, and not "-0". This is
// Redis's string2ll test, which decides whether a set member can live in
// an intset (so "007" and "+1" are strings, and "-0" is not zero).
func ParseInt64(s []byte) (int64, bool) {
	n := len(s)
	if n == 0 || n > 20 {
		return 0, false
	}
	if n == 1 && s[0] == '0' {
		return 0, true
	}
	i := 0
	neg := s[0] == '-'
	if neg {
		i = 1
		if n == 1 {
			return 0, false
		}
	}
	if s[i] < '1' || s[i] > '9' {
		return 0, false
	}
	var u uint64
	for ; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if u > (1<<64-1)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
		if u < uint64(c-'0') { // wrapped
			return 0, false
		}
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// bview returns the bytes of s without copying. The result aliases
// immutable memory and must never be written; every accessor that hands
// out such views documents them as read-only.
func bview(s string) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// appendInt formats v in decimal, the text Redis replies with for
// integer-encoded elements.
func appendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }

// NormalizeRange applies LRANGE/ZRANGE index rules to start and stop for
// a collection of n elements: negative indexes count from the end, start
// is clamped to 0 and stop to n-1. ok is false when the range is empty.
func NormalizeRange(start, stop int64, n int) (s, e int, ok bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0, false
	}
	if stop >= ln {
		stop = ln - 1
	}
	return int(start), int(stop), true
}

// Clone implements keyspace.Collection.
func (h *Hash) Clone() keyspace.Collection { return h.Copy() }

// Clone implements keyspace.Collection.
func (s *Set) Clone() keyspace.Collection { return s.Copy() }

// Clone implements keyspace.Collection.
func (z *ZSet) Clone() keyspace.Collection { return z.Copy() }

// Clone implements keyspace.Collection.
func (l *List) Clone() keyspace.Collection { return l.Copy() }

// Clone implements keyspace.Collection.
func (s *Stream) Clone() keyspace.Collection { return s.Copy() }

var (
	_ keyspace.Collection = (*Hash)(nil)
	_ keyspace.Collection = (*Set)(nil)
	_ keyspace.Collection = (*ZSet)(nil)
	_ keyspace.Collection = (*List)(nil)
	_ keyspace.Collection = (*Stream)(nil)
)
