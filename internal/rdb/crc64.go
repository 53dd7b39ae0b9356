package rdb

import "encoding/binary"

// Redis checksums RDB files and DUMP payloads with CRC-64/Jones: reflected
// polynomial 0xad93d23594c935a9 (0x95ac9329ac4bc9b5 in reflected form),
// initial value 0 and no final inversion. hash/crc64 cannot be reused because
// it always inverts the register before and after each update.
const crc64JonesReflected = 0x95ac9329ac4bc9b5

// crcTables holds slicing-by-8 tables: table[0] is the classic byte table and
// table[k] advances a byte that sits k positions further back in the word.
var crcTables = func() *[8][256]uint64 {
	t := new([8][256]uint64)
	for i := 0; i < 256; i++ {
		c := uint64(i)
		for j := 0; j < 8; j++ {
			if c&1 == 1 {
				c = c>>1 ^ crc64JonesReflected
			} else {
				c >>= 1
			}
		}
		t[0][i] = c
	}
	for i := 0; i < 256; i++ {
		c := t[0][i]
		for k := 1; k < 8; k++ {
			c = t[0][byte(c)] ^ c>>8
			t[k][i] = c
		}
	}
	return t
}()

// CRC64 continues the Redis CRC-64 of previously hashed data with p.
// Start with crc = 0. CRC64(0, []byte("123456789")) == 0xe9c6d914c4b8d9ca.
func CRC64(crc uint64, p []byte) uint64 {
	t := crcTables
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][byte(crc)] ^ t[6][byte(crc>>8)] ^ t[5][byte(crc>>16)] ^ t[4][byte(crc>>24)] ^
			t[3][byte(crc>>32)] ^ t[2][byte(crc>>40)] ^ t[1][byte(crc>>48)] ^ t[0][byte(crc>>56)]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}
