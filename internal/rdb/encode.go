package rdb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// EncodeOptions mirror the redis.conf knobs that decide how Redis 7.0 lays a
// value out. Start from DefaultEncodeOptions: zero is a meaningful setting
// for several of these, exactly as in Redis.
type EncodeOptions struct {
	Compression bool // rdbcompression: LZF for strings longer than 20 bytes
	Checksum    bool // rdbchecksum: write a real CRC64 instead of 0

	ListMaxListpackSize int // list-max-listpack-size (quicklist fill)
	// ListPackedThreshold: list elements at least this long get their own
	// PLAIN quicklist node (Redis's fixed 1 GiB packed_threshold).
	ListPackedThreshold    int
	SetMaxIntsetEntries    int // set-max-intset-entries
	HashMaxListpackEntries int // hash-max-listpack-entries
	HashMaxListpackValue   int // hash-max-listpack-value
	ZSetMaxListpackEntries int // zset-max-listpack-entries
	ZSetMaxListpackValue   int // zset-max-listpack-value
	StreamNodeMaxBytes     int // stream-node-max-bytes
	StreamNodeMaxEntries   int // stream-node-max-entries
}

// DefaultEncodeOptions returns Redis 7.0's defaults.
func DefaultEncodeOptions() EncodeOptions {
	return EncodeOptions{
		Compression:            true,
		Checksum:               true,
		ListMaxListpackSize:    -2,
		ListPackedThreshold:    1 << 30,
		SetMaxIntsetEntries:    512,
		HashMaxListpackEntries: 128,
		HashMaxListpackValue:   64,
		ZSetMaxListpackEntries: 128,
		ZSetMaxListpackValue:   64,
		StreamNodeMaxBytes:     4096,
		StreamNodeMaxEntries:   100,
	}
}

// appendLen appends an RDB length using the shortest of the 6-, 14-, 32-
// and 64-bit forms.
func appendLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, 0x40|byte(n>>8), byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, 0x80), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0x81), n)
}

// valueEncoder carries the options plus scratch space reused across values.
type valueEncoder struct {
	opts    EncodeOptions
	scratch []byte
	lp      ListpackBuilder
}

// appendString writes s the way rdbSaveRawString does: as an 8/16/32-bit
// integer when it is a short canonical integer, LZF-compressed when enabled,
// longer than 20 bytes and at least 4 bytes smaller, otherwise raw.
func (e *valueEncoder) appendString(dst []byte, s []byte) []byte {
	if len(s) <= 11 {
		if v, ok := ParseInt64Strict(s); ok {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				return append(dst, 0xC0|encInt8, byte(v))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				return binary.LittleEndian.AppendUint16(append(dst, 0xC0|encInt16), uint16(v))
			case v >= math.MinInt32 && v <= math.MaxInt32:
				return binary.LittleEndian.AppendUint32(append(dst, 0xC0|encInt32), uint32(v))
			}
		}
	}
	if e.opts.Compression && len(s) > 20 {
		var ok bool
		e.scratch, ok = LZFCompress(e.scratch[:0], s, len(s)-4)
		if ok {
			dst = append(dst, 0xC0|encLZF)
			dst = appendLen(dst, uint64(len(e.scratch)))
			dst = appendLen(dst, uint64(len(s)))
			return append(dst, e.scratch...)
		}
	}
	dst = appendLen(dst, uint64(len(s)))
	return append(dst, s...)
}

// objectType picks the RDB type Redis 7.0 would use for v under the options.
func (e *valueEncoder) objectType(v *Value) (byte, error) {
	o := &e.opts
	switch v.Kind {
	case KindString:
		return TypeString, nil
	case KindList:
		return TypeListQuicklist2, nil
	case KindSet:
		if len(v.Set) <= o.SetMaxIntsetEntries {
			allInts := true
			for _, m := range v.Set {
				if _, ok := ParseInt64Strict(m); !ok {
					allInts = false
					break
				}
			}
			if allInts {
				return TypeSetIntset, nil
			}
		}
		return TypeSet, nil
	case KindZSet:
		if len(v.ZSet) <= o.ZSetMaxListpackEntries {
			small := true
			for i := range v.ZSet {
				if len(v.ZSet[i].Member) > o.ZSetMaxListpackValue {
					small = false
					break
				}
			}
			if small {
				return TypeZSetListpack, nil
			}
		}
		return TypeZSet2, nil
	case KindHash:
		if len(v.Hash) <= o.HashMaxListpackEntries {
			small := true
			for i := range v.Hash {
				if len(v.Hash[i].Name) > o.HashMaxListpackValue || len(v.Hash[i].Value) > o.HashMaxListpackValue {
					small = false
					break
				}
			}
			if small {
				return TypeHashListpack, nil
			}
		}
		return TypeHash, nil
	case KindStream:
		if v.Stream == nil {
			return 0, errors.New("stream value without Stream")
		}
		return TypeStreamListpacks2, nil
	}
	return 0, fmt.Errorf("%w: cannot encode %s value", ErrUnsupported, v.Kind)
}

// appendObject appends the payload of v (without the type byte).
func (e *valueEncoder) appendObject(dst []byte, t byte, v *Value) ([]byte, error) {
	switch t {
	case TypeString:
		return e.appendString(dst, v.Str), nil
	case TypeListQuicklist2:
		return e.appendQuicklist(dst, v.List), nil
	case TypeSetIntset:
		vals := make([]int64, len(v.Set))
		for i, m := range v.Set {
			vals[i], _ = ParseInt64Strict(m)
		}
		sortInt64s(vals)
		for i := 1; i < len(vals); i++ {
			if vals[i] == vals[i-1] {
				return nil, fmt.Errorf("duplicate set member %d", vals[i])
			}
		}
		is := IntsetEncode(vals)
		return e.appendString(dst, is), nil
	case TypeSet:
		dst = appendLen(dst, uint64(len(v.Set)))
		for _, m := range v.Set {
			dst = e.appendString(dst, m)
		}
		return dst, nil
	case TypeZSetListpack, TypeZSet2:
		zs := v.ZSet
		for i := range zs {
			if math.IsNaN(zs[i].Score) {
				return nil, fmt.Errorf("NaN score for member %q", zs[i].Member)
			}
		}
		if !zsetSorted(zs) {
			zs = append([]ZMember(nil), zs...)
			sortZSet(zs)
		}
		if t == TypeZSetListpack {
			e.lp.Reset(e.lp.buf)
			var sb [32]byte
			scratch := sb[:0]
			for i := range zs {
				e.lp.AppendString(zs[i].Member)
				scratch = lpAppendScore(&e.lp, zs[i].Score, scratch)
			}
			return e.appendString(dst, e.lp.Finish()), nil
		}
		// Redis walks the skiplist from the tail so a loader inserts at the
		// head in O(1); keep that order for byte-identical output.
		dst = appendLen(dst, uint64(len(zs)))
		for i := len(zs) - 1; i >= 0; i-- {
			dst = e.appendString(dst, zs[i].Member)
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(zs[i].Score))
		}
		return dst, nil
	case TypeHashListpack:
		e.lp.Reset(e.lp.buf)
		for i := range v.Hash {
			e.lp.AppendString(v.Hash[i].Name)
			e.lp.AppendString(v.Hash[i].Value)
		}
		return e.appendString(dst, e.lp.Finish()), nil
	case TypeHash:
		dst = appendLen(dst, uint64(len(v.Hash)))
		for i := range v.Hash {
			dst = e.appendString(dst, v.Hash[i].Name)
			dst = e.appendString(dst, v.Hash[i].Value)
		}
		return dst, nil
	case TypeStreamListpacks2:
		return e.appendStream(dst, v.Stream, t)
	}
	return nil, fmt.Errorf("unexpected type %d", t)
}

// quicklistAllowInsert reproduces Redis 7.0.15's decision whether an element
// of sz bytes still fits into a quicklist node of nodeSz bytes holding count
// elements. Redis estimates the new node size as nodeSz+sz+8 (an
// over-estimate of the entry header and back-length); a negative fill selects
// a byte limit (4/8/16/32/64 KiB), a positive fill an element count which is
// still capped by an 8 KiB safety limit.
func quicklistAllowInsert(nodeSz, count, fill, sz int) bool {
	newSz := nodeSz + sz + 8
	if fill < 0 {
		limits := [...]int{4096, 8192, 16384, 32768, 65536}
		off := min(-fill-1, len(limits)-1)
		return newSz <= limits[off]
	}
	if newSz > 8192 {
		return false
	}
	maxCount := fill
	if maxCount == 0 {
		maxCount = 1
	}
	return count+1 <= maxCount
}

func (e *valueEncoder) appendQuicklist(dst []byte, items [][]byte) []byte {
	// First pass: node boundaries, so the node count can be written first.
	type node struct{ from, to int }
	var nodes []node
	var plain []bool
	nodeSz, count := 0, 0
	threshold := e.opts.ListPackedThreshold
	if threshold <= 0 {
		threshold = 1 << 30
	}
	for i, it := range items {
		sz := len(it)
		if sz >= threshold {
			nodes = append(nodes, node{i, i + 1})
			plain = append(plain, true)
			count = -1
			continue
		}
		if count > 0 && quicklistAllowInsert(nodeSz, count, e.opts.ListMaxListpackSize, sz) {
			nodes[len(nodes)-1].to = i + 1
			nodeSz += lpEntrySize(it)
			count++
			continue
		}
		nodes = append(nodes, node{i, i + 1})
		plain = append(plain, false)
		nodeSz = lpHeaderSize + 1 + lpEntrySize(it)
		count = 1
	}
	dst = appendLen(dst, uint64(len(nodes)))
	for k, n := range nodes {
		if plain[k] {
			dst = appendLen(dst, quicklistNodePlain)
			dst = e.appendString(dst, items[n.from])
			continue
		}
		dst = appendLen(dst, quicklistNodePacked)
		e.lp.Reset(e.lp.buf)
		for _, it := range items[n.from:n.to] {
			e.lp.AppendString(it)
		}
		dst = e.appendString(dst, e.lp.Finish())
	}
	return dst
}

// lpAppendScore appends a sorted-set score the way Redis 7.0.15 stores it
// in a listpack: integral values within +/-2^62 as listpack integers (which
// also turns -0 into 0), anything else as its %.17g text.
func lpAppendScore(b *ListpackBuilder, f float64, scratch []byte) []byte {
	const lim = 1 << 62
	if f >= -lim && f <= lim && f == math.Trunc(f) {
		b.AppendInt(int64(f))
		return scratch
	}
	scratch = appendG17(scratch[:0], f)
	b.AppendString(scratch)
	return scratch
}

// appendG17 is C's printf("%.17g").
func appendG17(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// Header describes the AUX fields written at the start of a file, in the
// order Redis 7.0 writes them.
type Header struct {
	RedisVersion string // "redis-ver", e.g. "7.0.15"
	RedisBits    int    // "redis-bits", 64
	Ctime        int64  // "ctime", unix seconds
	UsedMem      int64  // "used-mem"
	// Extra fields written after used-mem, e.g. repl-stream-db, repl-id and
	// repl-offset when saving for replication.
	Extra   []Field
	AOFBase bool // "aof-base": this RDB is the preamble of an AOF
}

// Encoder writes an RDB file key by key. Call WriteHeader, then optionally
// WriteFunction, then per database SelectDB followed by WriteKey calls, and
// finally Close. Output is buffered; Close flushes but does not close w.
type Encoder struct {
	w   *bufio.Writer
	crc uint64
	ve  valueEncoder
	buf []byte
	err error
}

// NewEncoder returns an encoder writing to w with the given options.
func NewEncoder(w io.Writer, opts EncodeOptions) *Encoder {
	return &Encoder{w: bufio.NewWriterSize(w, 256<<10), ve: valueEncoder{opts: opts}}
}

func (e *Encoder) write(p []byte) error {
	if e.err != nil {
		return e.err
	}
	if e.ve.opts.Checksum {
		e.crc = CRC64(e.crc, p)
	}
	_, e.err = e.w.Write(p)
	return e.err
}

// WriteHeader writes the magic "REDIS0010" and the AUX fields of h.
func (e *Encoder) WriteHeader(h Header) error {
	if err := e.write([]byte("REDIS" + fmt.Sprintf("%04d", Version))); err != nil {
		return err
	}
	itoa := func(v int64) []byte { return strconv.AppendInt(nil, v, 10) }
	aux := []Field{
		{[]byte("redis-ver"), []byte(h.RedisVersion)},
		{[]byte("redis-bits"), itoa(int64(h.RedisBits))},
		{[]byte("ctime"), itoa(h.Ctime)},
		{[]byte("used-mem"), itoa(h.UsedMem)},
	}
	aux = append(aux, h.Extra...)
	base := int64(0)
	if h.AOFBase {
		base = 1
	}
	aux = append(aux, Field{[]byte("aof-base"), itoa(base)})
	for _, f := range aux {
		if err := e.WriteAux(f.Name, f.Value); err != nil {
			return err
		}
	}
	return nil
}

// WriteAux writes one AUX field.
func (e *Encoder) WriteAux(key, value []byte) error {
	b := append(e.buf[:0], OpAux)
	b = e.ve.appendString(b, key)
	b = e.ve.appendString(b, value)
	e.buf = b
	return e.write(b)
}

// WriteFunction writes a FUNCTION2 record holding one library's source code.
func (e *Encoder) WriteFunction(code []byte) error {
	b := append(e.buf[:0], OpFunction2)
	b = e.ve.appendString(b, code)
	e.buf = b
	return e.write(b)
}

// SelectDB starts database db; keys and expires are the RESIZEDB hints
// (number of keys, and of keys with an expire).
func (e *Encoder) SelectDB(db int, keys, expires uint64) error {
	b := append(e.buf[:0], OpSelectDB)
	b = appendLen(b, uint64(db))
	b = append(b, OpResizeDB)
	b = appendLen(b, keys)
	b = appendLen(b, expires)
	e.buf = b
	return e.write(b)
}

// WriteKey writes one key with its metadata and value.
func (e *Encoder) WriteKey(key []byte, v *Value, m KeyMeta) error {
	if e.err != nil {
		return e.err
	}
	t, err := e.ve.objectType(v)
	if err != nil {
		return fmt.Errorf("rdb: key %q: %w", key, err)
	}
	b := e.buf[:0]
	if m.Expire {
		b = binary.LittleEndian.AppendUint64(append(b, OpExpireTimeMs), uint64(m.ExpireMs))
	}
	if m.HasIdle {
		b = appendLen(append(b, OpIdle), m.Idle)
	}
	if m.HasFreq {
		b = append(b, OpFreq, m.Freq)
	}
	b = append(b, t)
	b = e.ve.appendString(b, key)
	b, err = e.ve.appendObject(b, t, v)
	if err != nil {
		return fmt.Errorf("rdb: key %q: %w", key, err)
	}
	if cap(b) <= 1<<20 {
		e.buf = b // keep the scratch buffer unless a huge value inflated it
	}
	return e.write(b)
}

// Close writes the EOF opcode and checksum (0 when checksums are disabled)
// and flushes the buffer.
func (e *Encoder) Close() error {
	if err := e.write([]byte{OpEOF}); err != nil {
		return err
	}
	var sum [8]byte
	if e.ve.opts.Checksum {
		binary.LittleEndian.PutUint64(sum[:], e.crc)
	}
	if _, err := e.w.Write(sum[:]); err != nil {
		e.err = err
		return err
	}
	e.err = e.w.Flush()
	return e.err
}

// AppendValue appends the RDB type byte and payload of v (the body of a DUMP
// payload without its footer) to dst.
func AppendValue(dst []byte, v *Value, opts EncodeOptions) ([]byte, error) {
	ve := valueEncoder{opts: opts}
	t, err := ve.objectType(v)
	if err != nil {
		return dst, err
	}
	return ve.appendObject(append(dst, t), t, v)
}
