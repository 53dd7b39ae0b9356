package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestDumpRoundTrip(t *testing.T) {
	for name, v := range sampleValues() {
		d := EncodeDump(v)
		if d == nil {
			t.Fatalf("%s: not encodable", name)
		}
		got, err := DecodeDump(d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if DigestValue(got) != DigestValue(v) {
			t.Errorf("%s: value changed in round trip", name)
		}
		// Re-encoding the decoded value is stable.
		if d2 := EncodeDump(got); !bytes.Equal(d, d2) && v.Kind != KindSet {
			t.Errorf("%s: re-encoding differs", name)
		}
	}
}

func TestDumpKnownBytes(t *testing.T) {
	footer := func(b []byte) []byte {
		b = binary.LittleEndian.AppendUint16(b, 10)
		return binary.LittleEndian.AppendUint64(b, CRC64(0, b))
	}
	cases := map[string][]byte{
		"hello": footer([]byte{0x00, 0x05, 'h', 'e', 'l', 'l', 'o'}),
		"12":    footer([]byte{0x00, 0xC0, 12}),
		"-300":  footer([]byte{0x00, 0xC1, 0xd4, 0xfe}),
		"":      footer([]byte{0x00, 0x00}),
	}
	for s, want := range cases {
		if got := EncodeDump(strVal(s)); !bytes.Equal(got, want) {
			t.Errorf("%q: %x want %x", s, got, want)
		}
	}
}

func TestDumpErrors(t *testing.T) {
	good := EncodeDump(strVal("hello"))
	if _, err := DecodeDump(good[:9]); err != ErrDumpPayload {
		t.Errorf("short: %v", err)
	}
	crc := append([]byte(nil), good...)
	crc[len(crc)-1] ^= 1
	if _, err := DecodeDump(crc); err != ErrDumpPayload {
		t.Errorf("crc: %v", err)
	}
	if ErrDumpPayload.Error() != "ERR DUMP payload version or checksum are wrong" {
		t.Error("error text must match Redis")
	}
	// Version 11 (Redis 7.2) is too new for a 7.0 server, but can be allowed.
	v11 := append([]byte(nil), good[:len(good)-10]...)
	v11 = binary.LittleEndian.AppendUint16(v11, 11)
	v11 = binary.LittleEndian.AppendUint64(v11, CRC64(0, v11))
	if _, err := DecodeDump(v11); err != ErrDumpPayload {
		t.Errorf("v11: %v", err)
	}
	if v, err := DecodeDumpOptions(v11, 11, true); err != nil || string(v.Str) != "hello" {
		t.Errorf("v11 allowed: %v", err)
	}
	if _, err := DecodeDumpOptions(crc, 10, false); err != nil {
		t.Errorf("checksum skipping: %v", err)
	}
	withFooter := func(body []byte) []byte {
		b := binary.LittleEndian.AppendUint16(append([]byte(nil), body...), 10)
		return binary.LittleEndian.AppendUint64(b, CRC64(0, b))
	}
	for name, body := range map[string][]byte{
		"empty body":   nil,
		"unknown type": {99},
		"truncated":    {0x00, 0x05, 'h'},
		"empty list":   {TypeList, 0x00},
		"module":       {TypeModule2, 0x05},
	} {
		if _, err := DecodeDump(withFooter(body)); !errors.Is(err, ErrBadDataFormat) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if EncodeDump(&Value{Kind: KindModule}) != nil || EncodeDump(&Value{Kind: KindStream}) != nil {
		t.Error("unencodable values must give nil")
	}
	if _, err := AppendDump(nil, &Value{Kind: KindModule}, DefaultEncodeOptions()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("module: %v", err)
	}
}

func FuzzDecodeDump(f *testing.F) {
	for _, v := range sampleValues() {
		if d := EncodeDump(v); len(d) < 4096 {
			f.Add(d)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeDump(data)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode and decode to the same content.
		d, err := AppendDump(nil, v, DefaultEncodeOptions())
		if err != nil {
			return // e.g. a stream whose PEL our encoder refuses
		}
		v2, err := DecodeDump(d)
		if err != nil {
			t.Fatalf("re-encoded payload does not decode: %v", err)
		}
		if DigestValue(v) != DigestValue(v2) {
			t.Fatalf("content changed on re-encode")
		}
	})
}

// FuzzDecodeDumpBody fuzzes payload bodies with a valid footer attached, so
// the fuzzer does not have to forge CRCs to reach the value decoders.
func FuzzDecodeDumpBody(f *testing.F) {
	for _, v := range sampleValues() {
		if d := EncodeDump(v); len(d) < 4096 {
			f.Add(d[:len(d)-10])
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b := binary.LittleEndian.AppendUint16(append([]byte(nil), body...), 10)
		b = binary.LittleEndian.AppendUint64(b, CRC64(0, b))
		v, err := DecodeDump(b)
		if err != nil {
			return
		}
		if d, err := AppendDump(nil, v, DefaultEncodeOptions()); err == nil {
			if _, err := DecodeDump(d); err != nil {
				t.Fatalf("re-encoded payload does not decode: %v", err)
			}
		}
	})
}
