package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
)

// Object type bytes as they appear in RDB files and DUMP payloads.
const (
	TypeString           = 0
	TypeList             = 1
	TypeSet              = 2
	TypeZSet             = 3
	TypeHash             = 4
	TypeZSet2            = 5
	TypeModulePreGA      = 6
	TypeModule2          = 7
	TypeHashZipmap       = 9
	TypeListZiplist      = 10
	TypeSetIntset        = 11
	TypeZSetZiplist      = 12
	TypeHashZiplist      = 13
	TypeListQuicklist    = 14
	TypeStreamListpacks  = 15
	TypeHashListpack     = 16
	TypeZSetListpack     = 17
	TypeListQuicklist2   = 18
	TypeStreamListpacks2 = 19
	TypeSetListpack      = 20
	TypeStreamListpacks3 = 21
)

// Opcodes that introduce non-key records.
const (
	OpFunction2     = 245
	OpFunctionPreGA = 246
	OpModuleAux     = 247
	OpIdle          = 248
	OpFreq          = 249
	OpAux           = 250
	OpResizeDB      = 251
	OpExpireTimeMs  = 252
	OpExpireTime    = 253
	OpSelectDB      = 254
	OpEOF           = 255
)

const (
	// Version is the RDB version this package writes (Redis 7.0).
	Version = 10
	// MaxReadVersion is the newest RDB version the decoder accepts (Redis 7.2).
	MaxReadVersion = 11

	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3

	quicklistNodePlain  = 1
	quicklistNodePacked = 2
)

// ErrChecksum reports a CRC64 mismatch at the end of an RDB file.
var ErrChecksum = errors.New("rdb: checksum mismatch")

// ErrUnsupported is wrapped by errors for valid-but-unsupported content such
// as module values, module aux data or pre-GA function records.
var ErrUnsupported = errors.New("unsupported")

// DecodeError carries the context of a malformed or unsupported input.
type DecodeError struct {
	Offset int64  // input offset at which the problem was detected
	Key    []byte // key being decoded, nil outside key records
	Msg    string
	Err    error // underlying cause, if any
}

func (e *DecodeError) Error() string {
	s := "rdb: offset " + strconv.FormatInt(e.Offset, 10)
	if e.Key != nil {
		s += " key " + strconv.Quote(string(e.Key))
	}
	s += ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *DecodeError) Unwrap() error { return e.Err }

// reader is a small buffered reader that knows its absolute offset, hashes
// exactly the bytes consumed (so the trailing checksum can be verified even
// though we read ahead) and, when the input size is known, rejects lengths
// that exceed what is left before allocating anything.
type reader struct {
	src     io.Reader
	buf     []byte
	r, w    int
	crcFrom int
	crc     uint64
	off     int64
	size    int64 // total input size, -1 when unknown
	err     error
}

func newReader(src io.Reader) *reader {
	rd := &reader{src: src, size: -1}
	switch s := src.(type) {
	case *bytes.Reader:
		rd.size = int64(s.Len())
	case *bytes.Buffer:
		rd.size = int64(s.Len())
	case *os.File:
		if fi, err := s.Stat(); err == nil && fi.Mode().IsRegular() {
			if pos, err := s.Seek(0, io.SeekCurrent); err == nil {
				rd.size = fi.Size() - pos
			}
		}
	}
	bufSize := 64 << 10
	if rd.size >= 0 && rd.size < int64(bufSize) {
		bufSize = int(rd.size) + 16
	}
	rd.buf = make([]byte, bufSize)
	return rd
}

func newBytesReader(b []byte) *reader {
	// Reading straight from the slice: the whole input is "buffered".
	return &reader{buf: b, w: len(b), size: int64(len(b)), err: io.EOF, src: eofReader{}}
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// remaining returns the number of unread input bytes, or -1 when unknown.
func (rd *reader) remaining() int64 {
	if rd.size < 0 {
		return -1
	}
	return rd.size - rd.off
}

func (rd *reader) hashConsumed() {
	if rd.r > rd.crcFrom {
		rd.crc = CRC64(rd.crc, rd.buf[rd.crcFrom:rd.r])
	}
	rd.crcFrom = rd.r
}

// fill makes at least need bytes available (need <= len(buf)).
func (rd *reader) fill(need int) error {
	if rd.w-rd.r >= need {
		return nil
	}
	if rd.err != nil {
		// Never compact when no more data can come: for newBytesReader the
		// buffer is the caller's slice and must not be modified.
		return truncated(rd.err)
	}
	rd.hashConsumed()
	if rd.r > 0 {
		n := copy(rd.buf, rd.buf[rd.r:rd.w])
		rd.r, rd.w, rd.crcFrom = 0, n, 0
	}
	if need > len(rd.buf) {
		nb := make([]byte, need)
		copy(nb, rd.buf[:rd.w])
		rd.buf = nb
	}
	for rd.w-rd.r < need {
		if rd.err != nil {
			return truncated(rd.err)
		}
		n, err := rd.src.Read(rd.buf[rd.w:])
		rd.w += n
		if err != nil {
			rd.err = err
		} else if n == 0 {
			rd.err = io.ErrNoProgress
		}
	}
	return nil
}

func truncated(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (rd *reader) readByte() (byte, error) {
	if rd.r == rd.w {
		if err := rd.fill(1); err != nil {
			return 0, err
		}
	}
	b := rd.buf[rd.r]
	rd.r++
	rd.off++
	return b, nil
}

// peekN returns the next n (small) bytes; the slice is valid until the next read.
func (rd *reader) readSmall(n int) ([]byte, error) {
	if err := rd.fill(n); err != nil {
		return nil, err
	}
	b := rd.buf[rd.r : rd.r+n]
	rd.r += n
	rd.off += int64(n)
	return b, nil
}

// readBytes returns a freshly allocated copy of the next n bytes.
func (rd *reader) readBytes(n uint64) ([]byte, error) {
	if rem := rd.remaining(); rem >= 0 && n > uint64(rem) {
		return nil, fmt.Errorf("length %d exceeds the %d bytes left", n, rem)
	}
	if n > math.MaxInt32*4 {
		return nil, fmt.Errorf("length %d too large", n)
	}
	want := int(n)
	if want <= rd.w-rd.r {
		out := make([]byte, want)
		copy(out, rd.buf[rd.r:])
		rd.r += want
		rd.off += int64(n)
		return out, nil
	}
	// Large read: allocate in step with the data that actually arrives when
	// the input size is unknown, so a forged length cannot force a huge make().
	c := want
	if rd.size < 0 && c > 1<<20 {
		c = 1 << 20
	}
	out := make([]byte, 0, c)
	out = append(out, rd.buf[rd.r:rd.w]...)
	rd.off += int64(rd.w - rd.r)
	rd.r = rd.w
	rd.hashConsumed()
	for len(out) < want {
		if rd.err != nil {
			return nil, truncated(rd.err)
		}
		if len(out) == cap(out) {
			grow := min(want-len(out), cap(out))
			out = append(out, make([]byte, grow)...)[:len(out)]
		}
		chunk := out[len(out):min(cap(out), want)]
		m, err := rd.src.Read(chunk)
		rd.crc = CRC64(rd.crc, chunk[:m])
		rd.off += int64(m)
		out = out[:len(out)+m]
		if err != nil {
			rd.err = err
		} else if m == 0 {
			rd.err = io.ErrNoProgress
		}
	}
	return out, nil
}

// checksum returns the CRC of everything consumed so far.
func (rd *reader) checksum() uint64 {
	rd.hashConsumed()
	return rd.crc
}

// readLen decodes an RDB length; special is true for the 0b11 "encoded
// string" prefix, in which case n is the encoding type.
func (rd *reader) readLen() (n uint64, special bool, err error) {
	b, err := rd.readByte()
	if err != nil {
		return 0, false, err
	}
	switch b >> 6 {
	case 0:
		return uint64(b & 0x3f), false, nil
	case 1:
		b2, err := rd.readByte()
		if err != nil {
			return 0, false, err
		}
		return uint64(b&0x3f)<<8 | uint64(b2), false, nil
	case 2:
		switch b {
		case 0x80:
			p, err := rd.readSmall(4)
			if err != nil {
				return 0, false, err
			}
			return uint64(binary.BigEndian.Uint32(p)), false, nil
		case 0x81:
			p, err := rd.readSmall(8)
			if err != nil {
				return 0, false, err
			}
			return binary.BigEndian.Uint64(p), false, nil
		}
		return 0, false, fmt.Errorf("invalid length prefix %#x", b)
	}
	return uint64(b & 0x3f), true, nil
}

func (rd *reader) readPlainLen() (uint64, error) {
	n, special, err := rd.readLen()
	if err == nil && special {
		err = fmt.Errorf("encoded value where a length was expected")
	}
	return n, err
}

// readCount reads an element count and rejects counts that cannot possibly
// fit in the remaining input (every element takes at least minBytes).
func (rd *reader) readCount(what string, minBytes int64) (int, error) {
	n, err := rd.readPlainLen()
	if err != nil {
		return 0, err
	}
	if rem := rd.remaining(); rem >= 0 && n > uint64(rem/minBytes) {
		return 0, fmt.Errorf("%s count %d exceeds the %d bytes left", what, n, rem)
	}
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("%s count %d too large", what, n)
	}
	return int(n), nil
}

// capHint bounds slice pre-allocation for a claimed element count.
func capHint(n int) int { return min(n, 1<<16) }

// readString reads any RDB string encoding (raw, integer, LZF).
func (rd *reader) readString() ([]byte, error) {
	n, special, err := rd.readLen()
	if err != nil {
		return nil, err
	}
	if !special {
		return rd.readBytes(n)
	}
	switch n {
	case encInt8:
		b, err := rd.readByte()
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int8(b)), 10), nil
	case encInt16:
		p, err := rd.readSmall(2)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(p))), 10), nil
	case encInt32:
		p, err := rd.readSmall(4)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(p))), 10), nil
	case encLZF:
		clen, err := rd.readPlainLen()
		if err != nil {
			return nil, err
		}
		ulen, err := rd.readPlainLen()
		if err != nil {
			return nil, err
		}
		if ulen > clen*lzfMaxExpansion || ulen > math.MaxInt32*4 {
			return nil, fmt.Errorf("LZF string claims %d bytes from %d compressed", ulen, clen)
		}
		c, err := rd.readBytes(clen)
		if err != nil {
			return nil, err
		}
		out, err := LZFDecompress(nil, c, int(ulen))
		if err != nil {
			return nil, fmt.Errorf("LZF string (%d -> %d bytes): %w", clen, ulen, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("invalid string encoding %d", n)
}

func (rd *reader) readUint64LE() (uint64, error) {
	p, err := rd.readSmall(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(p), nil
}

// Record is one item of an RDB file, as returned by Decoder.Next.
type Record struct {
	Type RecordType

	// RecordKey
	DB    int
	Key   []byte
	Value *Value
	KeyMeta

	// RecordAux
	AuxKey, AuxValue []byte

	// RecordResizeDB (DB is set too)
	DBSize, ExpiresSize uint64

	// RecordFunction: the library source code (FUNCTION LOAD payload).
	Function []byte
}

// RecordType tells which fields of a Record are set.
type RecordType uint8

const (
	RecordKey RecordType = iota + 1
	RecordAux
	RecordSelectDB
	RecordResizeDB
	RecordFunction
)

// Decoder streams an RDB file record by record. Key and Value of each record
// are freshly allocated and may be retained; the Record struct itself is
// reused by the next call.
type Decoder struct {
	// SkipChecksum disables verification of the trailing CRC64 (like
	// rdbchecksum no). A stored checksum of zero is never verified.
	SkipChecksum bool
	// EmptyKeysSkipped counts keys holding empty collections; Redis skips
	// those on load and so does the decoder.
	EmptyKeysSkipped int

	rd      *reader
	version int
	started bool
	done    bool
	db      int
	rec     Record
	curKey  []byte
}

// NewDecoder returns a decoder reading from r. When r is a *bytes.Reader,
// *bytes.Buffer or a regular *os.File, lengths are additionally checked
// against the input size before anything is allocated.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{rd: newReader(r)}
}

// Version returns the file's RDB version (valid after the first Next).
func (d *Decoder) Version() int { return d.version }

// Offset returns the number of input bytes consumed.
func (d *Decoder) Offset() int64 { return d.rd.off }

func (d *Decoder) errorf(err error, format string, args ...any) error {
	var de *DecodeError
	if errors.As(err, &de) {
		return err
	}
	return &DecodeError{Offset: d.rd.off, Key: d.curKey, Msg: fmt.Sprintf(format, args...), Err: err}
}

func (d *Decoder) readHeader() error {
	h, err := d.rd.readSmall(9)
	if err != nil {
		return d.errorf(err, "reading header")
	}
	if string(h[:5]) != "REDIS" {
		return d.errorf(nil, "not an RDB file (bad magic %q)", h[:5])
	}
	v := 0
	for _, c := range h[5:] {
		if c < '0' || c > '9' {
			return d.errorf(nil, "bad RDB version %q", h[5:])
		}
		v = v*10 + int(c-'0')
	}
	if v < 1 || v > MaxReadVersion {
		return d.errorf(ErrUnsupported, "RDB version %d (supported 1..%d)", v, MaxReadVersion)
	}
	d.version = v
	return nil
}

// Next returns the next record, or io.EOF after the EOF opcode (and the
// checksum, when present) has been read and verified.
func (d *Decoder) Next() (*Record, error) {
	if d.done {
		return nil, io.EOF
	}
	if !d.started {
		d.started = true
		if err := d.readHeader(); err != nil {
			d.done = true
			return nil, err
		}
	}
	rec, err := d.next()
	if err != nil {
		d.done = true
	}
	return rec, err
}

func (d *Decoder) next() (*Record, error) {
	rd := d.rd
	var meta KeyMeta
	for {
		d.curKey = nil
		op, err := rd.readByte()
		if err != nil {
			return nil, d.errorf(err, "reading opcode")
		}
		rec := &d.rec
		*rec = Record{}
		switch op {
		case OpExpireTimeMs:
			v, err := rd.readUint64LE()
			if err != nil {
				return nil, d.errorf(err, "reading expire time")
			}
			meta.Expire, meta.ExpireMs = true, int64(v)
		case OpExpireTime:
			p, err := rd.readSmall(4)
			if err != nil {
				return nil, d.errorf(err, "reading expire time")
			}
			meta.Expire, meta.ExpireMs = true, int64(int32(binary.LittleEndian.Uint32(p)))*1000
		case OpIdle:
			v, err := rd.readPlainLen()
			if err != nil {
				return nil, d.errorf(err, "reading LRU idle time")
			}
			meta.HasIdle, meta.Idle = true, v
		case OpFreq:
			b, err := rd.readByte()
			if err != nil {
				return nil, d.errorf(err, "reading LFU frequency")
			}
			meta.HasFreq, meta.Freq = true, b
		case OpSelectDB:
			v, err := rd.readPlainLen()
			if err != nil {
				return nil, d.errorf(err, "reading SELECTDB")
			}
			if v > math.MaxInt32 {
				return nil, d.errorf(nil, "SELECTDB %d out of range", v)
			}
			d.db = int(v)
			rec.Type, rec.DB = RecordSelectDB, d.db
			return rec, nil
		case OpResizeDB:
			a, err := rd.readPlainLen()
			if err == nil {
				rec.ExpiresSize, err = rd.readPlainLen()
			}
			if err != nil {
				return nil, d.errorf(err, "reading RESIZEDB")
			}
			rec.Type, rec.DB, rec.DBSize = RecordResizeDB, d.db, a
			return rec, nil
		case OpAux:
			k, err := rd.readString()
			if err == nil {
				rec.AuxValue, err = rd.readString()
			}
			if err != nil {
				return nil, d.errorf(err, "reading AUX field")
			}
			rec.Type, rec.AuxKey = RecordAux, k
			return rec, nil
		case OpFunction2:
			code, err := rd.readString()
			if err != nil {
				return nil, d.errorf(err, "reading function library")
			}
			rec.Type, rec.Function = RecordFunction, code
			return rec, nil
		case OpFunctionPreGA:
			return nil, d.errorf(ErrUnsupported, "pre-GA (7.0 release candidate) function record")
		case OpModuleAux:
			id, _, _ := rd.readLen()
			return nil, d.errorf(ErrUnsupported, "module aux data for module %s", moduleName(id))
		case OpEOF:
			if d.version >= 5 {
				sum := rd.checksum()
				stored, err := rd.readUint64LE()
				if err != nil {
					return nil, d.errorf(err, "reading checksum")
				}
				if stored != 0 && !d.SkipChecksum && stored != sum {
					return nil, d.errorf(ErrChecksum, "stored %#016x, computed %#016x", stored, sum)
				}
			}
			d.done = true
			return nil, io.EOF
		default:
			if !isObjectType(op) {
				return nil, d.errorf(nil, "unknown opcode or type %d", op)
			}
			start := rd.off - 1
			key, err := rd.readString()
			if err != nil {
				return nil, d.errorf(err, "reading key")
			}
			d.curKey = key
			v, err := readObject(rd, op)
			if err != nil {
				return nil, d.errorf(err, "decoding %s value (type %d at offset %d)", typeName(op), op, start)
			}
			if v.Kind != KindString && v.Kind != KindStream && v.Len() == 0 {
				d.EmptyKeysSkipped++
				meta = KeyMeta{}
				continue
			}
			rec.Type, rec.DB, rec.Key, rec.Value, rec.KeyMeta = RecordKey, d.db, key, v, meta
			return rec, nil
		}
	}
}

// DecodeAll calls fn for every record of the file in r.
func DecodeAll(r io.Reader, fn func(*Record) error) error {
	d := NewDecoder(r)
	for {
		rec, err := d.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

func isObjectType(t byte) bool {
	return t <= TypeModule2 || (t >= TypeHashZipmap && t <= TypeStreamListpacks3)
}

func typeName(t byte) string {
	names := map[byte]string{
		TypeString: "string", TypeList: "list", TypeSet: "set", TypeZSet: "zset", TypeHash: "hash",
		TypeZSet2: "zset2", TypeModulePreGA: "module-pre-ga", TypeModule2: "module",
		TypeHashZipmap: "hash-zipmap", TypeListZiplist: "list-ziplist", TypeSetIntset: "set-intset",
		TypeZSetZiplist: "zset-ziplist", TypeHashZiplist: "hash-ziplist", TypeListQuicklist: "list-quicklist",
		TypeStreamListpacks: "stream", TypeHashListpack: "hash-listpack", TypeZSetListpack: "zset-listpack",
		TypeListQuicklist2: "list-quicklist2", TypeStreamListpacks2: "stream2", TypeSetListpack: "set-listpack",
		TypeStreamListpacks3: "stream3",
	}
	if n, ok := names[t]; ok {
		return n
	}
	return "type-" + strconv.Itoa(int(t))
}

// moduleName renders the 9-character module type name packed into the top
// 54 bits of a module id (6 bits per character) for error messages.
func moduleName(id uint64) string {
	const cset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var name [9]byte
	v := id >> 10
	for j := 8; j >= 0; j-- {
		name[j] = cset[v&63]
		v >>= 6
	}
	return fmt.Sprintf("%q (id %#x, encoding version %d)", name[:], id, id&1023)
}

// readObject decodes one value of RDB type t.
func readObject(rd *reader, t byte) (*Value, error) {
	switch t {
	case TypeString:
		s, err := rd.readString()
		if err != nil {
			return nil, err
		}
		return &Value{Kind: KindString, Str: s}, nil
	case TypeList, TypeSet:
		n, err := rd.readCount("element", 1)
		if err != nil {
			return nil, err
		}
		items := make([][]byte, 0, capHint(n))
		for i := 0; i < n; i++ {
			s, err := rd.readString()
			if err != nil {
				return nil, fmt.Errorf("element %d of %d: %w", i, n, err)
			}
			items = append(items, s)
		}
		if t == TypeList {
			return &Value{Kind: KindList, List: items}, nil
		}
		if i := findDup(items); i >= 0 {
			return nil, fmt.Errorf("duplicate set member %q", items[i])
		}
		return &Value{Kind: KindSet, Set: items}, nil
	case TypeZSet, TypeZSet2:
		n, err := rd.readCount("zset member", 2)
		if err != nil {
			return nil, err
		}
		zs := make([]ZMember, 0, capHint(n))
		for i := 0; i < n; i++ {
			m, err := rd.readString()
			if err != nil {
				return nil, fmt.Errorf("member %d of %d: %w", i, n, err)
			}
			var score float64
			if t == TypeZSet {
				score, err = readDoubleString(rd)
			} else {
				var u uint64
				u, err = rd.readUint64LE()
				score = math.Float64frombits(u)
			}
			if err != nil {
				return nil, fmt.Errorf("score of member %d: %w", i, err)
			}
			zs = append(zs, ZMember{Member: m, Score: score})
		}
		return finishZSet(zs)
	case TypeHash:
		n, err := rd.readCount("hash field", 2)
		if err != nil {
			return nil, err
		}
		fs := make([]Field, 0, capHint(n))
		for i := 0; i < n; i++ {
			f, err := rd.readString()
			if err != nil {
				return nil, fmt.Errorf("field %d of %d: %w", i, n, err)
			}
			v, err := rd.readString()
			if err != nil {
				return nil, fmt.Errorf("value of field %d: %w", i, err)
			}
			fs = append(fs, Field{Name: f, Value: v})
		}
		return finishHash(fs)
	case TypeModulePreGA, TypeModule2:
		id, _, err := rd.readLen()
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: module value of type %s", ErrUnsupported, moduleName(id))
	case TypeStreamListpacks, TypeStreamListpacks2, TypeStreamListpacks3:
		s, err := readStream(rd, t)
		if err != nil {
			return nil, err
		}
		return &Value{Kind: KindStream, Stream: s}, nil
	case TypeListQuicklist, TypeListQuicklist2:
		n, err := rd.readCount("quicklist node", 2)
		if err != nil {
			return nil, err
		}
		var items [][]byte
		for i := 0; i < n; i++ {
			container := uint64(quicklistNodePacked)
			if t == TypeListQuicklist2 {
				if container, err = rd.readPlainLen(); err != nil {
					return nil, err
				}
			}
			blob, err := rd.readString()
			if err != nil {
				return nil, fmt.Errorf("quicklist node %d: %w", i, err)
			}
			switch {
			case container == quicklistNodePlain:
				items = append(items, blob)
			case container != quicklistNodePacked:
				return nil, fmt.Errorf("quicklist node %d: unknown container %d", i, container)
			case t == TypeListQuicklist:
				_, err = ziplistElems(blob, func(e lpElem) error {
					items = append(items, e.bytes())
					return nil
				})
			default:
				err = eachListpack(blob, func(e lpElem) error {
					items = append(items, e.bytes())
					return nil
				})
			}
			if err != nil {
				return nil, fmt.Errorf("quicklist node %d: %w", i, err)
			}
		}
		return &Value{Kind: KindList, List: items}, nil
	}

	// Remaining types are a single blob.
	blob, err := rd.readString()
	if err != nil {
		return nil, err
	}
	var elems [][]byte
	switch t {
	case TypeSetIntset:
		m, err := intsetMembers(blob)
		if err != nil {
			return nil, err
		}
		return &Value{Kind: KindSet, Set: m}, nil
	case TypeHashZipmap:
		fs, err := ZipmapPairs(blob)
		if err != nil {
			return nil, err
		}
		return finishHash(fs)
	case TypeListZiplist, TypeZSetZiplist, TypeHashZiplist:
		elems, err = ZiplistEntries(blob)
	case TypeHashListpack, TypeZSetListpack, TypeSetListpack:
		elems, err = ListpackEntries(blob)
	default:
		return nil, fmt.Errorf("unknown object type %d", t)
	}
	if err != nil {
		return nil, err
	}
	switch t {
	case TypeListZiplist:
		return &Value{Kind: KindList, List: elems}, nil
	case TypeSetListpack:
		if i := findDup(elems); i >= 0 {
			return nil, fmt.Errorf("duplicate set member %q", elems[i])
		}
		return &Value{Kind: KindSet, Set: elems}, nil
	case TypeHashZiplist, TypeHashListpack:
		if len(elems)%2 != 0 {
			return nil, fmt.Errorf("odd number of hash elements (%d)", len(elems))
		}
		fs := make([]Field, len(elems)/2)
		for i := range fs {
			fs[i] = Field{Name: elems[2*i], Value: elems[2*i+1]}
		}
		return finishHash(fs)
	default: // zset ziplist / listpack
		if len(elems)%2 != 0 {
			return nil, fmt.Errorf("odd number of zset elements (%d)", len(elems))
		}
		zs := make([]ZMember, len(elems)/2)
		for i := range zs {
			sc, err := parseScore(elems[2*i+1])
			if err != nil {
				return nil, fmt.Errorf("member %q: %w", elems[2*i], err)
			}
			zs[i] = ZMember{Member: elems[2*i], Score: sc}
		}
		return finishZSet(zs)
	}
}

func eachListpack(lp []byte, fn func(lpElem) error) error {
	it, err := newLPIter(lp)
	if err != nil {
		return err
	}
	for {
		e, ok, err := it.next()
		if err != nil || !ok {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// readDoubleString reads the score format of RDB_TYPE_ZSET: a length byte
// (253 NaN, 254 +inf, 255 -inf) followed by the number in ASCII.
func readDoubleString(rd *reader) (float64, error) {
	n, err := rd.readByte()
	if err != nil {
		return 0, err
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	p, err := rd.readSmall(int(n))
	if err != nil {
		return 0, err
	}
	return parseScore(p)
}

func parseScore(p []byte) (float64, error) {
	f, err := strconv.ParseFloat(string(p), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, nil // strtod saturates to +/-inf or 0 as well
		}
		return 0, fmt.Errorf("invalid score %q", p)
	}
	return f, nil
}

func finishZSet(zs []ZMember) (*Value, error) {
	for i := range zs {
		if math.IsNaN(zs[i].Score) {
			return nil, fmt.Errorf("NaN score for member %q", zs[i].Member)
		}
	}
	sortZSet(zs)
	if len(zs) > 1 {
		ms := make([][]byte, len(zs))
		for i := range zs {
			ms[i] = zs[i].Member
		}
		if i := findDup(ms); i >= 0 {
			return nil, fmt.Errorf("duplicate zset member %q", ms[i])
		}
	}
	return &Value{Kind: KindZSet, ZSet: zs}, nil
}

func finishHash(fs []Field) (*Value, error) {
	if len(fs) > 1 {
		names := make([][]byte, len(fs))
		for i := range fs {
			names[i] = fs[i].Name
		}
		if i := findDup(names); i >= 0 {
			return nil, fmt.Errorf("duplicate hash field %q", names[i])
		}
	}
	return &Value{Kind: KindHash, Hash: fs}, nil
}

// zsetLess is Redis's sorted-set order: by score, then by member bytes.
func zsetLess(a, b *ZMember) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return bytes.Compare(a.Member, b.Member) < 0
}

func zsetSorted(zs []ZMember) bool {
	for i := 1; i < len(zs); i++ {
		if zsetLess(&zs[i], &zs[i-1]) {
			return false
		}
	}
	return true
}

func sortZSet(zs []ZMember) {
	if zsetSorted(zs) {
		return
	}
	sort.SliceStable(zs, func(i, j int) bool { return zsetLess(&zs[i], &zs[j]) })
}

// findDup returns the index of an element equal to an earlier one, or -1.
func findDup(items [][]byte) int {
	if len(items) <= 16 {
		for i := 1; i < len(items); i++ {
			for j := 0; j < i; j++ {
				if bytes.Equal(items[i], items[j]) {
					return i
				}
			}
		}
		return -1
	}
	seen := make(map[string]struct{}, len(items))
	for i, it := range items {
		if _, ok := seen[string(it)]; ok {
			return i
		}
		seen[string(it)] = struct{}{}
	}
	return -1
}
