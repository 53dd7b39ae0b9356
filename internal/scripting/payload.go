package scripting

import (
	"bytes"
	"encoding/binary"

	"github.com/autobot-ai/autobot-redis/internal/rdb"
)

// FUNCTION DUMP / RESTORE payloads: like a DUMP payload, RDB records (one
// FUNCTION2 opcode and library code string per library), then the RDB
// version (2 bytes) and a CRC64 of everything before (8 bytes), both
// little-endian.

func (e *Engine) dumpPayload() []byte {
	var buf bytes.Buffer
	opts := rdb.DefaultEncodeOptions()
	opts.Compression = e.srv.ConfigLocked().RDBCompression
	enc := rdb.NewEncoder(&buf, opts)
	for _, code := range e.Libraries() {
		enc.WriteFunction([]byte(code))
	}
	enc.Close()
	// Close appends the EOF opcode and an 8-byte checksum: drop them.
	out := buf.Bytes()[:buf.Len()-9]
	out = binary.LittleEndian.AppendUint16(out, rdb.Version)
	return binary.LittleEndian.AppendUint64(out, rdb.CRC64(0, out))
}

// parsePayload checks a FUNCTION RESTORE payload and returns the library
// codes it holds, or Redis's error text.
func parsePayload(b []byte) ([]string, string) {
	const errPayload = "DUMP payload version or checksum are wrong"
	if len(b) < 10 {
		return nil, errPayload
	}
	footer := b[len(b)-10:]
	if int(binary.LittleEndian.Uint16(footer)) > rdb.Version {
		return nil, errPayload
	}
	if rdb.CRC64(0, b[:len(b)-8]) != binary.LittleEndian.Uint64(footer[2:]) {
		return nil, errPayload
	}
	r := payloadReader{b: b}
	var codes []string
	for len(b)-r.i > 10 {
		t := b[r.i]
		r.i++
		switch t {
		case rdb.OpFunction2:
			code, ok := r.str()
			if !ok {
				return nil, "Failed loading library payload"
			}
			codes = append(codes, code)
		case rdb.OpFunctionPreGA:
			// Release candidates of 7.0 stored name, engine, description
			// and code separately.
			name, ok := r.str()
			if !ok {
				return nil, "Failed loading library name"
			}
			engine, ok := r.str()
			if !ok {
				return nil, "Failed loading engine name"
			}
			hasDesc, ok := r.length()
			if !ok {
				return nil, "Failed loading library description indicator"
			}
			if hasDesc != 0 {
				if _, ok := r.str(); !ok {
					return nil, "Failed loading library description"
				}
			}
			blob, ok := r.str()
			if !ok {
				return nil, "Failed loading library blob"
			}
			codes = append(codes, "#!"+cstr(engine)+" name="+cstr(name)+"\n"+blob)
		default:
			return nil, "given type is not a function"
		}
	}
	return codes, ""
}

type payloadReader struct {
	b []byte
	i int
}

// length reads an RDB length (the 6, 14, 32 and 64-bit forms).
func (r *payloadReader) length() (uint64, bool) {
	n, special, ok := r.rawLength()
	return n, ok && !special
}

func (r *payloadReader) rawLength() (n uint64, special, ok bool) {
	if r.i >= len(r.b) {
		return 0, false, false
	}
	c := r.b[r.i]
	r.i++
	switch c >> 6 {
	case 0:
		return uint64(c & 0x3f), false, true
	case 1:
		if r.i >= len(r.b) {
			return 0, false, false
		}
		n = uint64(c&0x3f)<<8 | uint64(r.b[r.i])
		r.i++
		return n, false, true
	case 3:
		return uint64(c & 0x3f), true, true
	}
	switch c {
	case 0x80:
		if r.i+4 > len(r.b) {
			return 0, false, false
		}
		n = uint64(binary.BigEndian.Uint32(r.b[r.i:]))
		r.i += 4
		return n, false, true
	case 0x81:
		if r.i+8 > len(r.b) {
			return 0, false, false
		}
		n = binary.BigEndian.Uint64(r.b[r.i:])
		r.i += 8
		return n, false, true
	}
	return 0, false, false
}

// str reads an RDB string: raw, integer-encoded or LZF-compressed.
func (r *payloadReader) str() (string, bool) {
	n, special, ok := r.rawLength()
	if !ok {
		return "", false
	}
	if special {
		switch n {
		case 0: // int8
			if r.i+1 > len(r.b) {
				return "", false
			}
			v := int8(r.b[r.i])
			r.i++
			return itoa(int(v)), true
		case 1: // int16
			if r.i+2 > len(r.b) {
				return "", false
			}
			v := int16(binary.LittleEndian.Uint16(r.b[r.i:]))
			r.i += 2
			return itoa(int(v)), true
		case 2: // int32
			if r.i+4 > len(r.b) {
				return "", false
			}
			v := int32(binary.LittleEndian.Uint32(r.b[r.i:]))
			r.i += 4
			return itoa(int(v)), true
		case 3: // LZF
			clen, ok := r.length()
			if !ok {
				return "", false
			}
			ulen, ok := r.length()
			// LZF expands at most about 100 times: a larger announced
			// length is a lie, refused before allocating for it.
			if !ok || clen > uint64(len(r.b)-r.i) || ulen > clen*128+64 {
				return "", false
			}
			src := r.b[r.i : r.i+int(clen)]
			r.i += int(clen)
			out, err := rdb.LZFDecompress(nil, src, int(ulen))
			if err != nil || len(out) != int(ulen) {
				return "", false
			}
			return string(out), true
		}
		return "", false
	}
	if n > uint64(len(r.b)-r.i) {
		return "", false
	}
	s := string(r.b[r.i : r.i+int(n)])
	r.i += int(n)
	return s, true
}
