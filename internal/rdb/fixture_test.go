package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"testing"
)

// fixture hand-assembles RDB files from the format description, so legacy
// layouts that Redis 7 no longer writes can be tested.
type fixture struct {
	b   []byte
	ver int
}

func newFixture(ver int) *fixture {
	return &fixture{b: []byte(fmt.Sprintf("REDIS%04d", ver)), ver: ver}
}

func rawStr(dst, s []byte) []byte { return append(appendLen(dst, uint64(len(s))), s...) }

func (f *fixture) raw(b ...byte) *fixture { f.b = append(f.b, b...); return f }

func (f *fixture) aux(k, v string) *fixture {
	f.b = append(f.b, OpAux)
	f.b = rawStr(f.b, []byte(k))
	f.b = rawStr(f.b, []byte(v))
	return f
}

func (f *fixture) selectDB(db int) *fixture {
	f.b = appendLen(append(f.b, OpSelectDB), uint64(db))
	return f
}

func (f *fixture) expireSec(sec int32) *fixture {
	f.b = binary.LittleEndian.AppendUint32(append(f.b, OpExpireTime), uint32(sec))
	return f
}

func (f *fixture) expireMs(ms int64) *fixture {
	f.b = binary.LittleEndian.AppendUint64(append(f.b, OpExpireTimeMs), uint64(ms))
	return f
}

func (f *fixture) key(t byte, key string, payload []byte) *fixture {
	f.b = append(f.b, t)
	f.b = rawStr(f.b, []byte(key))
	f.b = append(f.b, payload...)
	return f
}

// finish appends EOF and, for v5+, the checksum (or zero).
func (f *fixture) finish(checksum bool) []byte {
	f.b = append(f.b, OpEOF)
	if f.ver >= 5 {
		var sum uint64
		if checksum {
			sum = CRC64(0, f.b)
		}
		f.b = binary.LittleEndian.AppendUint64(f.b, sum)
	}
	return f.b
}

// payload helpers
func pStrings(items ...string) []byte {
	b := appendLen(nil, uint64(len(items)))
	for _, s := range items {
		b = rawStr(b, []byte(s))
	}
	return b
}

func pBlob(blob []byte) []byte { return rawStr(nil, blob) }

func bs(items ...string) [][]byte {
	out := make([][]byte, len(items))
	for i, s := range items {
		out[i] = []byte(s)
	}
	return out
}

func pDoubleString(f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return []byte{254}
	case math.IsInf(f, -1):
		return []byte{255}
	case math.IsNaN(f):
		return []byte{253}
	}
	s := fmt.Sprintf("%.17g", f)
	return append([]byte{byte(len(s))}, s...)
}

// onlyReader hides the size of the input so the decoder must read lengths
// incrementally.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// oneByteReader returns at most one byte per Read.
type oneByteReader struct{ b []byte }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(o.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = o.b[0]
	o.b = o.b[1:]
	return 1, nil
}

// decodeBytes decodes a whole file three ways (sized, unsized, byte at a
// time), checks they agree, and returns key records by name.
func decodeBytes(t *testing.T, file []byte) (map[string]*Record, []Record) {
	t.Helper()
	var results [3][]Record
	for i, r := range []io.Reader{bytes.NewReader(file), onlyReader{bytes.NewReader(file)}, &oneByteReader{file}} {
		d := NewDecoder(r)
		for {
			rec, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("reader %d: %v", i, err)
			}
			c := *rec
			results[i] = append(results[i], c)
		}
	}
	for i := 1; i < 3; i++ {
		if len(results[i]) != len(results[0]) {
			t.Fatalf("reader %d returned %d records, sized reader %d", i, len(results[i]), len(results[0]))
		}
		for j := range results[0] {
			a, b := results[0][j], results[i][j]
			if a.Type != b.Type || !bytes.Equal(a.Key, b.Key) || (a.Value != nil && DigestValue(a.Value) != DigestValue(b.Value)) {
				t.Fatalf("reader %d record %d differs", i, j)
			}
		}
	}
	keys := map[string]*Record{}
	for i := range results[0] {
		if results[0][i].Type == RecordKey {
			keys[string(results[0][i].Key)] = &results[0][i]
		}
	}
	return keys, results[0]
}

// pPairs is the plain-hash payload: pair count, then field/value strings.
func pPairs(kv ...string) []byte {
	b := appendLen(nil, uint64(len(kv)/2))
	for _, s := range kv {
		b = rawStr(b, []byte(s))
	}
	return b
}
