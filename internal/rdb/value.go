// Package rdb reads and writes Redis RDB files and DUMP payloads.
//
// The package is deliberately independent of the server's in-memory data
// structures: it decodes into, and encodes from, the neutral Value model
// below. The server converts between Value and its own types, which keeps
// the on-disk format (and its many legacy encodings) out of the hot paths.
package rdb

// Kind is the logical type of a value. The numbering mirrors Redis's object
// type numbers because DEBUG DIGEST hashes that number into every key digest.
type Kind uint8

const (
	KindString Kind = 0
	KindList   Kind = 1
	KindSet    Kind = 2
	KindZSet   Kind = 3
	KindHash   Kind = 4
	KindModule Kind = 5 // never produced: module values are rejected with an error
	KindStream Kind = 6
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindList:
		return "list"
	case KindSet:
		return "set"
	case KindZSet:
		return "zset"
	case KindHash:
		return "hash"
	case KindModule:
		return "module"
	case KindStream:
		return "stream"
	}
	return "unknown"
}

// Field is one hash field (or one stream entry field) and its value.
type Field struct {
	Name  []byte
	Value []byte
}

// ZMember is one sorted-set member with its score.
type ZMember struct {
	Member []byte
	Score  float64
}

// Value is a decoded key value. Only the slice matching Kind is used.
//
// Ordering conventions:
//   - List is in list order (head first).
//   - Set is in whatever order the file stored it; sets are unordered.
//   - Hash keeps the stored order; for small (listpack) hashes that is the
//     insertion order Redis exposes through HGETALL, so keep it when converting.
//   - ZSet is returned sorted by (score, member) by the decoder. The encoder
//     accepts any order and sorts a copy when needed.
type Value struct {
	Kind   Kind
	Str    []byte
	List   [][]byte
	Set    [][]byte
	ZSet   []ZMember
	Hash   []Field
	Stream *Stream
}

// Len reports the number of elements of a collection (1 for strings, the
// number of live entries for streams).
func (v *Value) Len() int {
	switch v.Kind {
	case KindString:
		return 1
	case KindList:
		return len(v.List)
	case KindSet:
		return len(v.Set)
	case KindZSet:
		return len(v.ZSet)
	case KindHash:
		return len(v.Hash)
	case KindStream:
		if v.Stream == nil {
			return 0
		}
		return len(v.Stream.Entries)
	}
	return 0
}

// KeyMeta is the per-key metadata an RDB file can carry in front of a key.
// The zero value means "no expire, no LRU/LFU information".
type KeyMeta struct {
	Expire   bool
	ExpireMs int64 // absolute unix time in milliseconds, valid when Expire

	HasIdle bool
	Idle    uint64 // LRU idle time in seconds, valid when HasIdle

	HasFreq bool
	Freq    uint8 // LFU logarithmic counter, valid when HasFreq
}
