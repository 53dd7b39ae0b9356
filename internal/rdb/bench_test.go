package rdb

import (
	"bytes"
	"io"
	"strconv"
	"testing"
)

const benchKeys = 1_000_000

// benchData returns keys "key:N" with alternating integer and short text
// values, a typical small-string workload.
func benchData() ([][]byte, []*Value) {
	keys := make([][]byte, benchKeys)
	vals := make([]*Value, benchKeys)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
		if i%2 == 0 {
			vals[i] = &Value{Kind: KindString, Str: []byte(strconv.Itoa(i * 7))}
		} else {
			vals[i] = &Value{Kind: KindString, Str: []byte("value-" + strconv.Itoa(i))}
		}
	}
	return keys, vals
}

func encodeBench(w io.Writer, keys [][]byte, vals []*Value) error {
	e := NewEncoder(w, DefaultEncodeOptions())
	if err := e.WriteHeader(Header{RedisVersion: "7.0.15", RedisBits: 64}); err != nil {
		return err
	}
	if err := e.SelectDB(0, uint64(len(keys)), 0); err != nil {
		return err
	}
	for i := range keys {
		if err := e.WriteKey(keys[i], vals[i], KeyMeta{}); err != nil {
			return err
		}
	}
	return e.Close()
}

func BenchmarkEncode1MStrings(b *testing.B) {
	keys, vals := benchData()
	var size int64
	for b.Loop() {
		cw := &countingWriter{}
		if err := encodeBench(cw, keys, vals); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.SetBytes(size)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchKeys, "ns/key")
}

func BenchmarkDecode1MStrings(b *testing.B) {
	keys, vals := benchData()
	var buf bytes.Buffer
	if err := encodeBench(&buf, keys, vals); err != nil {
		b.Fatal(err)
	}
	file := buf.Bytes()
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		n := 0
		// An unsized reader, as when streaming from a socket or a pipe.
		err := DecodeAll(onlyReader{bytes.NewReader(file)}, func(r *Record) error {
			if r.Type == RecordKey {
				n++
			}
			return nil
		})
		if err != nil || n != benchKeys {
			b.Fatalf("%v, %d keys", err, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchKeys, "ns/key")
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
