package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrDumpPayload is returned by DecodeDump when the footer's RDB version is
// too new or its CRC does not match; the message is what RESTORE replies.
var ErrDumpPayload = errors.New("ERR DUMP payload version or checksum are wrong")

// ErrBadDataFormat is wrapped by DecodeDump errors for payloads whose footer
// is fine but whose body does not decode; RESTORE replies "ERR Bad data
// format" in that case. errors.Is(err, ErrBadDataFormat) identifies them and
// the error text carries the details.
var ErrBadDataFormat = errors.New("ERR Bad data format")

// EncodeDump serializes v exactly as Redis 7.0's DUMP does with default
// settings: type byte, payload, RDB version (2 bytes LE) and the CRC64 of all
// of that (8 bytes LE). It returns nil when v cannot be encoded (module or
// unknown kind, nil stream, NaN score, duplicate intset member); use
// AppendDump to get the error.
func EncodeDump(v *Value) []byte {
	b, err := AppendDump(nil, v, DefaultEncodeOptions())
	if err != nil {
		return nil
	}
	return b
}

// AppendDump appends a DUMP payload for v encoded with opts (only the
// encoding thresholds and Compression matter; the CRC is always written).
func AppendDump(dst []byte, v *Value, opts EncodeOptions) ([]byte, error) {
	start := len(dst)
	dst, err := AppendValue(dst, v, opts)
	if err != nil {
		return dst[:start], err
	}
	dst = binary.LittleEndian.AppendUint16(dst, Version)
	return binary.LittleEndian.AppendUint64(dst, CRC64(0, dst[start:])), nil
}

// DecodeDump decodes a DUMP payload as RESTORE does: the footer must name an
// RDB version no newer than this package writes (10, like Redis 7.0) and the
// CRC64 must match.
func DecodeDump(b []byte) (*Value, error) {
	return decodeDump(b, Version, true)
}

// DecodeDumpOptions is DecodeDump with a configurable newest accepted version
// (up to MaxReadVersion, for payloads produced by Redis 7.2) and optional
// checksum skipping (skip-checksum-validation / RESTORE from a trusted source).
func DecodeDumpOptions(b []byte, maxVersion int, verifyChecksum bool) (*Value, error) {
	return decodeDump(b, min(maxVersion, MaxReadVersion), verifyChecksum)
}

func decodeDump(b []byte, maxVersion int, verify bool) (*Value, error) {
	if len(b) < 10 {
		return nil, ErrDumpPayload
	}
	footer := b[len(b)-10:]
	if ver := int(binary.LittleEndian.Uint16(footer)); ver > maxVersion {
		return nil, ErrDumpPayload
	}
	if verify && CRC64(0, b[:len(b)-8]) != binary.LittleEndian.Uint64(footer[2:]) {
		return nil, ErrDumpPayload
	}
	body := b[:len(b)-10]
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty payload", ErrBadDataFormat)
	}
	t := body[0]
	if !isObjectType(t) {
		return nil, fmt.Errorf("%w: unknown type %d", ErrBadDataFormat, t)
	}
	rd := newBytesReader(body[1:])
	v, err := readObject(rd, t)
	if err != nil {
		return nil, fmt.Errorf("%w: %s value at offset %d: %v", ErrBadDataFormat, typeName(t), rd.off+1, err)
	}
	if v.Kind != KindString && v.Kind != KindStream && v.Len() == 0 {
		return nil, fmt.Errorf("%w: empty %s", ErrBadDataFormat, v.Kind)
	}
	return v, nil
}
