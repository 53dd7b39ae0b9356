// Package resp implements the Redis serialization protocol: a request
// parser for the server side (multibulk and inline commands) and a reply
// writer that speaks RESP2 or RESP3 depending on what the client negotiated.
//
// The writer appends into one growing byte slice that the connection flushes
// once per pipelined batch. RESP3-only types (map, set, double, null,
// boolean, big number, verbatim string, push) fall back to their RESP2 forms
// here, in one place, so command handlers never branch on the protocol.
package resp

import (
	"math"
	"strconv"
)

// Writer accumulates replies for one client. The zero value speaks RESP2.
type Writer struct {
	buf   []byte
	proto int
}

// NewWriter returns a writer for protocol version 2 or 3.
func NewWriter(proto int) *Writer {
	w := &Writer{}
	w.SetProto(proto)
	return w
}

// SetProto switches the protocol for subsequent replies (HELLO).
func (w *Writer) SetProto(proto int) {
	if proto != 3 {
		proto = 2
	}
	w.proto = proto
}

// Proto returns the protocol version in use, 2 or 3.
func (w *Writer) Proto() int {
	if w.proto == 0 {
		return 2
	}
	return w.proto
}

// Bytes returns the buffered replies. The slice is valid until the next write.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the number of buffered bytes.
func (w *Writer) Len() int { return len(w.buf) }

// Reset discards the buffered replies but keeps the capacity.
func (w *Writer) Reset() { w.buf = w.buf[:0] }

// Truncate drops everything written after position n (from Len).
func (w *Writer) Truncate(n int) { w.buf = w.buf[:n] }

// Swap replaces the internal buffer with b (length reset to zero) and
// returns the previous one, so a connection can write out one buffer while
// the next batch fills another.
func (w *Writer) Swap(b []byte) []byte {
	old := w.buf
	w.buf = b[:0]
	return old
}

// Raw appends already-encoded protocol bytes.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// Status writes a simple string: +OK.
func (w *Writer) Status(s string) { w.buf = AppendStatus(w.buf, s) }

// OK writes +OK.
func (w *Writer) OK() { w.buf = append(w.buf, "+OK\r\n"...) }

// Error writes an error reply. s is the full text without the leading '-',
// starting with its code: "ERR syntax error", "WRONGTYPE Operation ...".
func (w *Writer) Error(s string) { w.buf = AppendError(w.buf, s) }

// Int writes an integer reply.
func (w *Writer) Int(n int64) { w.buf = AppendInt(w.buf, n) }

// Bulk writes a bulk string.
func (w *Writer) Bulk(b []byte) { w.buf = AppendBulk(w.buf, b) }

// BulkString writes a bulk string from a Go string.
func (w *Writer) BulkString(s string) { w.buf = AppendBulkString(w.buf, s) }

// BulkInt writes n formatted as a bulk string.
func (w *Writer) BulkInt(n int64) {
	var tmp [20]byte
	w.buf = AppendBulk(w.buf, strconv.AppendInt(tmp[:0], n, 10))
}

// Null writes the null bulk string ($-1 in RESP2, _ in RESP3).
func (w *Writer) Null() {
	if w.proto == 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "$-1\r\n"...)
}

// NullArray writes the null array (*-1 in RESP2, _ in RESP3).
func (w *Writer) NullArray() {
	if w.proto == 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "*-1\r\n"...)
}

// ArrayLen starts an array of n elements.
func (w *Writer) ArrayLen(n int) { w.buf = appendHeader(w.buf, '*', int64(n)) }

// MapLen starts a map of n key/value pairs; RESP2 sees a flat array of 2n.
func (w *Writer) MapLen(n int) {
	if w.proto == 3 {
		w.buf = appendHeader(w.buf, '%', int64(n))
		return
	}
	w.buf = appendHeader(w.buf, '*', int64(2*n))
}

// SetLen starts a set of n elements; RESP2 sees an array.
func (w *Writer) SetLen(n int) {
	if w.proto == 3 {
		w.buf = appendHeader(w.buf, '~', int64(n))
		return
	}
	w.buf = appendHeader(w.buf, '*', int64(n))
}

// PushLen starts an out-of-band push message of n elements; RESP2 sees an
// array (pub/sub messages in RESP2 are plain arrays).
func (w *Writer) PushLen(n int) {
	if w.proto == 3 {
		w.buf = appendHeader(w.buf, '>', int64(n))
		return
	}
	w.buf = appendHeader(w.buf, '*', int64(n))
}

// AttributeLen starts an attribute map of n pairs (RESP3 only; in RESP2 the
// caller must not emit attributes).
func (w *Writer) AttributeLen(n int) { w.buf = appendHeader(w.buf, '|', int64(n)) }

// Double writes a floating point reply. RESP2 sees a bulk string with the
// same text Redis 7.0 produces (%.17g, "inf", "-inf").
func (w *Writer) Double(f float64) {
	var tmp [32]byte
	s := AppendFloat(tmp[:0], f)
	if w.proto == 3 {
		w.buf = append(w.buf, ',')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.buf = AppendBulk(w.buf, s)
}

// Bool writes a boolean; RESP2 sees the integers 1 and 0.
func (w *Writer) Bool(b bool) {
	if w.proto == 3 {
		if b {
			w.buf = append(w.buf, "#t\r\n"...)
		} else {
			w.buf = append(w.buf, "#f\r\n"...)
		}
		return
	}
	if b {
		w.buf = append(w.buf, ":1\r\n"...)
	} else {
		w.buf = append(w.buf, ":0\r\n"...)
	}
}

// BigNumber writes a big number given as decimal digits; RESP2 sees a bulk.
func (w *Writer) BigNumber(digits string) {
	if w.proto == 3 {
		w.buf = append(w.buf, '(')
		w.buf = append(w.buf, digits...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.buf = AppendBulkString(w.buf, digits)
}

// Verbatim writes a verbatim string with a three letter format such as
// "txt"; RESP2 sees a plain bulk string.
func (w *Writer) Verbatim(format, s string) {
	if w.proto == 3 {
		w.buf = appendHeader(w.buf, '=', int64(len(s)+4))
		w.buf = append(w.buf, format...)
		w.buf = append(w.buf, ':')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.buf = AppendBulkString(w.buf, s)
}

// StringArray writes an array of bulk strings.
func (w *Writer) StringArray(items []string) {
	w.ArrayLen(len(items))
	for _, s := range items {
		w.BulkString(s)
	}
}

// BulkArray writes an array of bulk strings.
func (w *Writer) BulkArray(items [][]byte) {
	w.ArrayLen(len(items))
	for _, b := range items {
		w.Bulk(b)
	}
}

// Deferred aggregate lengths: some replies (SCAN-like filters, KEYS) only
// know their element count after producing the elements. Defer reserves
// the header position; the header is spliced in by the matching Set*Len.

// Deferred marks where a deferred aggregate header belongs.
type Deferred int

// Defer reserves a place for an aggregate header whose length is not known yet.
func (w *Writer) Defer() Deferred { return Deferred(len(w.buf)) }

// SetArrayLen fills in a deferred array header.
func (w *Writer) SetArrayLen(d Deferred, n int) { w.splice(d, '*', n) }

// SetMapLen fills in a deferred map header (a flat array in RESP2).
func (w *Writer) SetMapLen(d Deferred, n int) {
	if w.proto == 3 {
		w.splice(d, '%', n)
		return
	}
	w.splice(d, '*', 2*n)
}

// SetSetLen fills in a deferred set header (an array in RESP2).
func (w *Writer) SetSetLen(d Deferred, n int) {
	if w.proto == 3 {
		w.splice(d, '~', n)
		return
	}
	w.splice(d, '*', n)
}

func (w *Writer) splice(d Deferred, prefix byte, n int) {
	var tmp [24]byte
	hdr := appendHeader(tmp[:0], prefix, int64(n))
	at := int(d)
	old := len(w.buf)
	w.buf = append(w.buf, hdr...) // grow by len(hdr)
	copy(w.buf[at+len(hdr):], w.buf[at:old])
	copy(w.buf[at:], hdr)
}

// Append-style encoders, usable without a Writer (redcon style).

// AppendStatus appends +s\r\n.
func AppendStatus(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendError appends -s\r\n. Newlines inside s would break the framing,
// so they are replaced by spaces as Redis does.
func AppendError(dst []byte, s string) []byte {
	dst = append(dst, '-')
	start := len(dst)
	dst = append(dst, s...)
	for i := start; i < len(dst); i++ {
		if dst[i] == '\r' || dst[i] == '\n' {
			dst[i] = ' '
		}
	}
	return append(dst, '\r', '\n')
}

// AppendInt appends :n\r\n.
func AppendInt(dst []byte, n int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk appends a bulk string.
func AppendBulk(dst, b []byte) []byte {
	dst = appendHeader(dst, '$', int64(len(b)))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString appends a bulk string.
func AppendBulkString(dst []byte, s string) []byte {
	dst = appendHeader(dst, '$', int64(len(s)))
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendArrayLen appends an array header.
func AppendArrayLen(dst []byte, n int) []byte { return appendHeader(dst, '*', int64(n)) }

// AppendCommand encodes args as a multibulk request, the form used for AOF
// records, replication and MONITOR-less propagation.
func AppendCommand(dst []byte, args [][]byte) []byte {
	dst = appendHeader(dst, '*', int64(len(args)))
	for _, a := range args {
		dst = AppendBulk(dst, a)
	}
	return dst
}

// Small headers are very common (array of 2, bulk of 3); a precomputed
// table keeps them off strconv.
const numSmallHeaders = 32

var smallNumbers = func() (t [numSmallHeaders]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func appendHeader(dst []byte, prefix byte, n int64) []byte {
	dst = append(dst, prefix)
	if n >= 0 && n < numSmallHeaders {
		dst = append(dst, smallNumbers[n]...)
	} else {
		dst = strconv.AppendInt(dst, n, 10)
	}
	return append(dst, '\r', '\n')
}

// AppendFloat formats f the way Redis 7.0 replies with doubles: printf's
// %.17g, with "inf", "-inf" and "nan" spelled out.
func AppendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
