package rdb

import (
	"encoding/binary"
	"fmt"
)

// Ziplist (Redis < 7) layout: zlbytes (u32 LE), zltail (u32 LE, offset of the
// last entry), zllen (u16 LE, 65535 when unknown), entries, 0xFF. An entry is
// prevlen (1 byte, or 0xFE + u32 LE), an encoding header, and data. Redis 7
// never writes ziplists but must read them from older files, so only a
// decoder lives here.

const zlHeaderSize = 10

// ziplistElems decodes and validates a ziplist, calling fn for every element.
func ziplistElems(zl []byte, fn func(e lpElem) error) (int, error) {
	if len(zl) < zlHeaderSize+1 {
		return 0, fmt.Errorf("ziplist too short (%d bytes)", len(zl))
	}
	if n := binary.LittleEndian.Uint32(zl); int64(n) != int64(len(zl)) {
		return 0, fmt.Errorf("ziplist header size %d != blob size %d", n, len(zl))
	}
	tail := int64(binary.LittleEndian.Uint32(zl[4:]))
	count := int(binary.LittleEndian.Uint16(zl[8:]))
	if zl[len(zl)-1] != 0xFF {
		return 0, fmt.Errorf("ziplist not terminated by 0xFF")
	}
	p, prevSize, last, seen := zlHeaderSize, 0, zlHeaderSize, 0
	for zl[p] != 0xFF {
		start := p
		// prevlen
		var prev int
		if zl[p] < 254 {
			prev = int(zl[p])
			p++
		} else {
			if p+5 > len(zl)-1 {
				return 0, fmt.Errorf("ziplist prevlen at %d overflows", p)
			}
			prev = int(binary.LittleEndian.Uint32(zl[p+1:]))
			p += 5
		}
		if prev != prevSize {
			return 0, fmt.Errorf("ziplist prevlen %d at %d, previous entry is %d bytes", prev, start, prevSize)
		}
		if p >= len(zl)-1 {
			return 0, fmt.Errorf("ziplist entry at %d overflows", start)
		}
		enc := zl[p]
		var e lpElem
		var hdr, data int
		isStr := enc < 0xC0
		switch {
		case enc>>6 == 0:
			hdr, data = 1, int(enc&0x3f)
		case enc>>6 == 1:
			if p+2 > len(zl)-1 {
				return 0, fmt.Errorf("ziplist header at %d overflows", p)
			}
			hdr, data = 2, int(enc&0x3f)<<8|int(zl[p+1])
		case enc == 0x80:
			if p+5 > len(zl)-1 {
				return 0, fmt.Errorf("ziplist header at %d overflows", p)
			}
			n := binary.BigEndian.Uint32(zl[p+1:])
			if int64(n) > int64(len(zl)) {
				return 0, fmt.Errorf("ziplist string at %d overflows", p)
			}
			hdr, data = 5, int(n)
		case enc == 0xC0:
			hdr, data = 1, 2
		case enc == 0xD0:
			hdr, data = 1, 4
		case enc == 0xE0:
			hdr, data = 1, 8
		case enc == 0xF0:
			hdr, data = 1, 3
		case enc == 0xFE:
			hdr, data = 1, 1
		case enc >= 0xF1 && enc <= 0xFD:
			hdr, data = 1, 0
			e.v, e.isInt = int64(enc&0x0f)-1, true
		default:
			return 0, fmt.Errorf("ziplist invalid encoding %#x at %d", enc, p)
		}
		if p+hdr+data > len(zl)-1 {
			return 0, fmt.Errorf("ziplist entry at %d overflows", start)
		}
		d := zl[p+hdr : p+hdr+data : p+hdr+data]
		if isStr {
			e.s = d
		} else if data > 0 {
			var u uint64
			for i := data - 1; i >= 0; i-- {
				u = u<<8 | uint64(d[i])
			}
			shift := uint(64 - 8*data)
			e.v, e.isInt = int64(u<<shift)>>shift, true
		}
		p += hdr + data
		prevSize = p - start
		last = start
		seen++
		if err := fn(e); err != nil {
			return 0, err
		}
	}
	if p != len(zl)-1 {
		return 0, fmt.Errorf("ziplist terminator at %d before end", p)
	}
	if count != 65535 && count != seen {
		return 0, fmt.Errorf("ziplist header count %d != %d entries", count, seen)
	}
	if tail != int64(last) {
		return 0, fmt.Errorf("ziplist tail offset %d != last entry %d", tail, last)
	}
	return seen, nil
}

// ZiplistEntries decodes a ziplist into its elements (integers in decimal).
func ZiplistEntries(zl []byte) ([][]byte, error) {
	var out [][]byte
	_, err := ziplistElems(zl, func(e lpElem) error {
		out = append(out, e.bytes())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
