package rdb

import (
	"errors"
	"sync"
)

// LZF as used by Redis for compressed RDB strings.
//
// Format: a control byte c < 32 is followed by c+1 literal bytes. Otherwise
// the top three bits are a length (7 means "add the next byte"), the low five
// bits plus the following byte are a back-reference distance minus one, and
// length+2 bytes are copied from that distance.
//
// The compressor reproduces the choices of the reference implementation in
// its "very fast" configuration (16-bit hash table indexed by the last three
// bytes, two positions re-hashed after every match, no match against the
// first input byte) so that strings, listpacks and intsets we compress come out
// byte-identical to what Redis writes. That matters for DUMP: clients compare
// payloads, and a RESTORE of our payload followed by DUMP must round-trip.

const (
	lzfHashLog  = 16
	lzfHashSize = 1 << lzfHashLog
	lzfMaxLit   = 1 << 5
	lzfMaxOff   = 1 << 13
	lzfMaxRef   = (1 << 8) + (1 << 3)
	// lzfMaxExpansion bounds the decompressed size per compressed byte: the
	// best case is a 3-byte back reference producing 264 bytes. Used to reject
	// hostile "uncompressed length" fields before allocating.
	lzfMaxExpansion = 88
)

var errLZFCorrupt = errors.New("corrupt LZF data")

type lzfState struct {
	htab [lzfHashSize]uint32
}

var lzfPool = sync.Pool{New: func() any { return new(lzfState) }}

func lzfIndex(h uint32) uint32 {
	return ((h >> (3*8 - lzfHashLog)) - h*5) & (lzfHashSize - 1)
}

// LZFCompress compresses src into at most maxOut bytes and appends the result
// to dst. ok is false when the output would not fit in maxOut bytes (Redis
// passes len(src)-4 so compression is only used when it saves space).
func LZFCompress(dst, src []byte, maxOut int) (out []byte, ok bool) {
	if len(src) == 0 || maxOut <= 0 {
		return dst, false
	}
	start := len(dst)
	if cap(dst)-start < maxOut {
		nd := make([]byte, start, start+maxOut)
		copy(nd, dst)
		dst = nd
	}
	buf := dst[start : start+maxOut]
	st := lzfPool.Get().(*lzfState)
	n := st.compress(buf, src)
	// Clear exactly the slots this input could have touched so the next call
	// starts from an empty table without paying for a 256 KiB memclr.
	if len(src) >= lzfHashSize/4 {
		st.htab = [lzfHashSize]uint32{}
	} else {
		var h uint32
		for i := 0; i+2 < len(src); i++ {
			h = uint32(src[i])<<16 | uint32(src[i+1])<<8 | uint32(src[i+2])
			st.htab[lzfIndex(h)] = 0
		}
	}
	lzfPool.Put(st)
	if n == 0 {
		return dst[:start], false
	}
	return dst[:start+n], true
}

// compress writes into out (whose length is the output limit) and returns the
// number of bytes produced, or 0 if the output does not fit.
func (st *lzfState) compress(out, in []byte) int {
	inLen, outEnd := len(in), len(out)
	ip, op, lit := 0, 1, 0 // op starts past the control byte of the first literal run
	var hval uint32
	if inLen >= 2 {
		hval = uint32(in[0])<<8 | uint32(in[1])
	}
	for ip < inLen-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := lzfIndex(hval)
		ref := int(st.htab[slot])
		st.htab[slot] = uint32(ip)
		// A slot value of zero doubles as "empty": position 0 is never used as
		// a match source, exactly like the reference implementation.
		if off := ip - ref - 1; ref > 0 && off >= 0 && off < lzfMaxOff &&
			in[ref+2] == in[ip+2] && in[ref] == in[ip] && in[ref+1] == in[ip+1] {
			l := 2
			maxLen := inLen - ip - l
			if maxLen > lzfMaxRef {
				maxLen = lzfMaxRef
			}
			noLit := 0
			if lit == 0 {
				noLit = 1
			}
			if op+3+1 >= outEnd && op-noLit+3+1 >= outEnd {
				return 0
			}
			out[op-lit-1] = byte(lit - 1) // close the literal run
			op -= noLit                   // drop the run header if it is empty
			stopped := false
			if maxLen > 16 {
				// The reference scans 16 bytes unconditionally when more than
				// 16 remain; this can extend a match past maxLen, and we must
				// do the same to produce identical output.
				for k := 0; k < 16; k++ {
					l++
					if in[ref+l] != in[ip+l] {
						stopped = true
						break
					}
				}
			}
			if !stopped {
				for {
					l++
					if l >= maxLen || in[ref+l] != in[ip+l] {
						break
					}
				}
			}
			l -= 2 // the format stores match length minus 2
			ip++
			if l < 7 {
				out[op] = byte(off>>8) + byte(l<<5)
				op++
			} else {
				out[op] = byte(off>>8) + 7<<5
				out[op+1] = byte(l - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++ // reserve the next run's control byte
			ip += l + 1
			if ip >= inLen-2 {
				break
			}
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			st.htab[lzfIndex(hval)] = uint32(ip)
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			st.htab[lzfIndex(hval)] = uint32(ip)
			ip++
		} else {
			if op >= outEnd {
				return 0
			}
			lit++
			out[op] = in[ip]
			op++
			ip++
			if lit == lzfMaxLit {
				out[op-lit-1] = byte(lit - 1)
				lit = 0
				op++
			}
		}
	}
	if op+3 > outEnd {
		return 0
	}
	for ip < inLen {
		if op >= outEnd {
			return 0
		}
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op-lit-1 >= outEnd {
		return 0
	}
	out[op-lit-1] = byte(lit - 1)
	if lit == 0 {
		op--
	}
	return op
}

// LZFDecompress decodes src, which must expand to exactly outLen bytes, and
// appends the result to dst. The caller is responsible for bounding outLen.
func LZFDecompress(dst, src []byte, outLen int) ([]byte, error) {
	if outLen < 0 {
		return dst, errLZFCorrupt
	}
	start := len(dst)
	if cap(dst)-start < outLen {
		nd := make([]byte, start, start+outLen)
		copy(nd, dst)
		dst = nd
	}
	out := dst[start : start+outLen]
	ip, op := 0, 0
	for ip < len(src) {
		ctrl := int(src[ip])
		ip++
		if ctrl < 32 {
			n := ctrl + 1
			if ip+n > len(src) || op+n > outLen {
				return dst[:start], errLZFCorrupt
			}
			copy(out[op:], src[ip:ip+n])
			op += n
			ip += n
			continue
		}
		n := ctrl >> 5
		if n == 7 {
			if ip >= len(src) {
				return dst[:start], errLZFCorrupt
			}
			n += int(src[ip])
			ip++
		}
		if ip >= len(src) {
			return dst[:start], errLZFCorrupt
		}
		ref := op - (ctrl&0x1f)<<8 - int(src[ip]) - 1
		ip++
		n += 2
		if ref < 0 || op+n > outLen {
			return dst[:start], errLZFCorrupt
		}
		// Byte by byte on purpose: overlapping references repeat a pattern.
		for i := 0; i < n; i++ {
			out[op] = out[ref]
			op++
			ref++
		}
	}
	if op != outLen {
		return dst[:start], errLZFCorrupt
	}
	return dst[:start+outLen], nil
}
