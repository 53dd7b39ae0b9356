package keyspace

import (
	"unsafe"

	"github.com/autobot-ai/autobot-redis/internal/dict"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// Type is a value's data type as TYPE reports it.
type Type uint8

// The data types.
const (
	TypeString Type = iota
	TypeList
	TypeSet
	TypeZSet
	TypeHash
	TypeStream
)

var typeNames = [...]string{"string", "list", "set", "zset", "hash", "stream"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "unknown"
}

// ParseType maps a TYPE name (as SCAN's TYPE option takes it) to a Type.
func ParseType(name []byte) (Type, bool) {
	for i, n := range typeNames {
		if resp.EqualFold(name, n) {
			return Type(i), true
		}
	}
	return 0, false
}

// Encoding is the in-memory representation, as OBJECT ENCODING reports it.
type Encoding uint8

// Encodings, named as Redis 7.0 names them.
const (
	EncRaw Encoding = iota
	EncInt
	EncEmbstr
	EncListpack
	EncQuicklist
	EncIntset
	EncHashtable
	EncSkiplist
	EncStream
)

var encodingNames = [...]string{"raw", "int", "embstr", "listpack", "quicklist", "intset", "hashtable", "skiplist", "stream"}

func (e Encoding) String() string {
	if int(e) < len(encodingNames) {
		return encodingNames[e]
	}
	return "unknown"
}

// Collection is what the non-string types implement. The keyspace only
// needs to know their encoding and size; commands use the concrete types.
type Collection interface {
	// Encoding reports the current representation.
	Encoding() Encoding
	// Clone returns an independent deep copy (COPY, snapshots).
	Clone() Collection
	// MemUsage is the value's heap footprint in bytes, kept up to date
	// incrementally so reading it is O(1).
	MemUsage() int64
	// Len is the number of elements (entries for streams).
	Len() int
}

// embstrLimit is the length up to which Redis stores a string inline with
// its object header and reports "embstr".
const embstrLimit = 44

// Object is a value in the keyspace. It lives inline in the dict entry so
// a key costs one allocation for the entry plus its key and value bytes.
//
// It is three words, which makes a dict entry 48 bytes (a 48-byte size
// class) instead of 80 with a slice and an interface side by side: 32
// bytes less per key, the difference between Redis's memory per key and
// a third more. meta packs the type, the encoding, the LRU/LFU clock and
// the snapshot version. For strings, p is the data pointer and n packs
// length and capacity (32 bits each). For collections, p and n are the
// two words of the Collection interface value: p the pointer to the
// concrete collection (traced by the GC), n its method table. Method
// tables are never allocated on the garbage-collected heap (the compiler
// emits them statically, the runtime allocates missing ones persistently),
// so holding one in a word the GC does not scan is safe.
type Object struct {
	meta uint64
	p    unsafe.Pointer
	n    uint64
}

// ifaceWords is the layout of an interface value with methods.
type ifaceWords struct {
	tab  unsafe.Pointer
	data unsafe.Pointer
}

// maxStringCap is the largest capacity n can record.
const maxStringCap = 1<<32 - 1

func (o *Object) str() []byte {
	if o.p == nil || o.meta>>metaTypeShift&0xf != uint64(TypeString) {
		return nil
	}
	return unsafe.Slice((*byte)(o.p), o.n>>32)[:uint32(o.n)]
}

func (o *Object) setStr(b []byte) {
	if cap(b) == 0 {
		o.p, o.n = nil, 0
		return
	}
	if len(b) > maxStringCap {
		panic("keyspace: string value over 4 GB")
	}
	c := cap(b)
	if c > maxStringCap {
		c = len(b) // forget the extra capacity rather than overflow
	}
	o.p = unsafe.Pointer(unsafe.SliceData(b))
	o.n = uint64(len(b)) | uint64(c)<<32
}

func (o *Object) coll() Collection {
	if o.p == nil || o.meta>>metaTypeShift&0xf == uint64(TypeString) {
		return nil
	}
	var c Collection
	w := (*ifaceWords)(unsafe.Pointer(&c))
	w.tab = *(*unsafe.Pointer)(unsafe.Pointer(&o.n))
	w.data = o.p
	return c
}

func (o *Object) setColl(c Collection) {
	w := (*ifaceWords)(unsafe.Pointer(&c))
	o.p = w.data
	*(*unsafe.Pointer)(unsafe.Pointer(&o.n)) = w.tab
}

const (
	metaTypeShift = 0
	metaEncShift  = 4
	metaVolatile  = 1 << 8 // the key has an entry in the expires dict
	metaLRUShift  = 16     // 24 bits of LRU clock or LFU (16 bit time, 8 bit counter)
	metaLRUMask   = 1<<24 - 1
	metaVerShift  = 40 // 24 bits of snapshot epoch
	metaVerMask   = 1<<24 - 1
)

// Type returns the data type.
func (o *Object) Type() Type { return Type(o.meta >> metaTypeShift & 0xf) }

// Encoding returns the representation for OBJECT ENCODING.
func (o *Object) Encoding() Encoding {
	if o.Type() == TypeString {
		return Encoding(o.meta >> metaEncShift & 0xf)
	}
	return o.coll().Encoding()
}

func (o *Object) setTypeEnc(t Type, e Encoding) {
	o.meta = o.meta&^0xff | uint64(t)<<metaTypeShift | uint64(e)<<metaEncShift
}

func (o *Object) volatile() bool { return o.meta&metaVolatile != 0 }

func (o *Object) setVolatile(v bool) {
	if v {
		o.meta |= metaVolatile
	} else {
		o.meta &^= metaVolatile
	}
}

// LRU returns the 24-bit access clock (or LFU data when an LFU policy is set).
func (o *Object) LRU() uint32 { return uint32(o.meta >> metaLRUShift & metaLRUMask) }

// SetLRU stores the 24-bit access clock.
func (o *Object) SetLRU(v uint32) {
	o.meta = o.meta&^(metaLRUMask<<metaLRUShift) | uint64(v&metaLRUMask)<<metaLRUShift
}

// Version is the snapshot epoch the value was last written in.
func (o *Object) Version() uint32 { return uint32(o.meta >> metaVerShift & metaVerMask) }

func (o *Object) setVersion(v uint32) {
	o.meta = o.meta&^(metaVerMask<<metaVerShift) | uint64(v&metaVerMask)<<metaVerShift
}

// Bytes returns a string value's bytes. Callers must not modify them;
// use SetBytes or the Mutable accessor through a write lookup.
func (o *Object) Bytes() []byte { return o.str() }

// Collection returns the value of a non-string type.
func (o *Object) Collection() Collection { return o.coll() }

// SetString replaces the value with a string, choosing the encoding the
// way Redis would for a freshly set value: int when it is a canonical
// integer, embstr when short, raw otherwise. b is copied.
func (o *Object) SetString(b []byte) {
	cur := o.str()
	o.setTypeEnc(TypeString, stringEncoding(b))
	// Overwriting a short string with one of the same size class (SET and
	// MSET on existing keys) reuses its buffer instead of allocating: the
	// buffer belongs to the object alone (readers copy, a snapshot
	// preserves a clone before the write), and the accounting stays what
	// a fresh allocation would give. Below 128 bytes allocSize's classes
	// are unions of the allocator's, so the new string's own class would
	// be accounted the same.
	if len(b) > 0 && cap(cur) <= 128 && allocSize(len(b)) == allocSize(cap(cur)) {
		o.setStr(append(cur[:0], b...))
		return
	}
	o.setStr(append([]byte(nil), b...))
}

// SetStringOwned is SetString for a slice the caller hands over.
func (o *Object) SetStringOwned(b []byte) {
	o.setTypeEnc(TypeString, stringEncoding(b))
	o.setStr(b)
}

// SetRaw replaces the value with a string reported as "raw", as Redis
// reports strings modified in place by APPEND and SETRANGE. b is owned.
func (o *Object) SetRaw(b []byte) {
	o.setTypeEnc(TypeString, EncRaw)
	o.setStr(b)
}

// CopyStringFrom makes o an independent copy of the string src.
func (o *Object) CopyStringFrom(src *Object) {
	o.setTypeEnc(TypeString, Encoding(src.meta>>metaEncShift&0xf))
	o.setStr(append([]byte(nil), src.str()...))
}

// SetEmbstr stores an owned string as Redis's createStringObject would:
// "embstr" when short, "raw" otherwise, never "int".
func (o *Object) SetEmbstr(b []byte) {
	if len(b) <= embstrLimit {
		o.setTypeEnc(TypeString, EncEmbstr)
	} else {
		o.setTypeEnc(TypeString, EncRaw)
	}
	o.setStr(b)
}

// SetInt stores an integer-encoded string, the result of INCR and friends.
func (o *Object) SetInt(n int64) {
	var tmp [20]byte
	digits := appendInt(tmp[:0], n)
	cur := o.str()
	o.setTypeEnc(TypeString, EncInt)
	if cap(cur) >= len(digits) {
		// Reuse the buffer: INCR on a counter allocates nothing.
		o.setStr(append(cur[:0], digits...))
	} else {
		o.setStr(append([]byte(nil), digits...))
	}
}

// SetCollection replaces the value with a collection of type t.
func (o *Object) SetCollection(t Type, c Collection) {
	o.setTypeEnc(t, EncRaw)
	o.setColl(c)
}

func appendInt(dst []byte, n int64) []byte {
	if n == 0 {
		return append(dst, '0')
	}
	var b [20]byte
	i := len(b)
	u := uint64(n)
	if n < 0 {
		u = uint64(-n)
	}
	for u > 0 {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
	}
	if n < 0 {
		dst = append(dst, '-')
	}
	return append(dst, b[i:]...)
}

func stringEncoding(b []byte) Encoding {
	if len(b) <= 20 {
		if _, ok := resp.ParseInt(b); ok {
			return EncInt
		}
	}
	if len(b) <= embstrLimit {
		return EncEmbstr
	}
	return EncRaw
}

// Per-key overheads used for memory accounting, measured from the layout
// of this package's structures: the dict entry (next pointer, key header,
// Object) rounded to the allocator's size class, and a bucket slot.
const (
	entryOverhead  = 48
	bucketOverhead = 8
	expireOverhead = 48 // entry in the expires dict plus its bucket
)

// allocSize rounds n up to the Go allocator's size class for small
// objects, so accounting follows what the heap really holds.
func allocSize(n int) int64 {
	switch {
	case n == 0:
		return 0
	case n <= 8:
		return 8
	case n <= 16:
		return 16
	case n <= 24:
		return 24
	case n <= 32:
		return 32
	case n <= 48:
		return 48
	case n <= 64:
		return 64
	case n <= 80:
		return 80
	case n <= 96:
		return 96
	case n <= 128:
		return 128
	}
	// Larger classes are spaced at most 12.5% apart; round to 16 bytes.
	return int64((n + 15) &^ 15)
}

// AllocSize is exported for collections that want to account the same way.
func AllocSize(n int) int64 { return allocSize(n) }

// valueMem is the memory held by the value itself.
func (o *Object) valueMem() int64 {
	if o.Type() == TypeString {
		return allocSize(int(o.n >> 32))
	}
	c := o.coll()
	if c == nil {
		return 0
	}
	return c.MemUsage()
}

// keyAlloc is the memory of a key's bytes: a short key lives in its
// entry's allocation, whose 64-byte size class leaves InlineKeyMax bytes
// after the 48-byte entry (see dict.NewInlineKeys).
func keyAlloc(n int) int64 {
	if n > 0 && n <= dict.InlineKeyMax {
		return dict.InlineKeyMax
	}
	return allocSize(n)
}

// keyMem is the memory attributed to one key with this value.
func keyMem(key string, o *Object) int64 {
	m := entryOverhead + bucketOverhead + keyAlloc(len(key)) + o.valueMem()
	if o.volatile() {
		m += expireOverhead
	}
	return m
}
