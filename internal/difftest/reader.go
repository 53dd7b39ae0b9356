package difftest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Limits that keep a misbehaving server from making the reader allocate
// without bound. They are far above anything a test case produces.
const (
	maxBulkLen  = 1 << 30
	maxAggLen   = 1 << 24
	maxNesting  = 64
	maxLineSize = 1 << 26
)

// ReadReply reads exactly one complete RESP2 or RESP3 reply from r and
// returns its raw bytes, byte for byte as the server sent them.
//
// Aggregates (arrays, sets, maps, pushes) are read with all their nested
// elements. An attribute (|) is returned together with the reply it
// annotates. Streamed strings and aggregates (length "?") are not supported.
func ReadReply(r *bufio.Reader) ([]byte, error) {
	var buf []byte
	err := readOne(r, &buf, 0)
	return buf, err
}

func readLine(r *bufio.Reader, buf *[]byte) ([]byte, error) {
	start := len(*buf)
	for {
		chunk, err := r.ReadSlice('\n')
		*buf = append(*buf, chunk...)
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(*buf)-start > maxLineSize {
				return nil, fmt.Errorf("reply line longer than %d bytes", maxLineSize)
			}
			continue
		}
		if err == io.EOF && len(*buf) > start {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line := (*buf)[start:]
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("malformed reply line %q", line)
	}
	return line, nil
}

func parseLen(typ byte, body []byte, limit int64) (int64, error) {
	n, err := strconv.ParseInt(string(body), 10, 64)
	if err != nil {
		if string(body) == "?" {
			return 0, fmt.Errorf("streamed %q reply is not supported", typ)
		}
		return 0, fmt.Errorf("bad length %q in %q reply", body, typ)
	}
	if n < -1 || n > limit {
		return 0, fmt.Errorf("length %d out of range in %q reply", n, typ)
	}
	return n, nil
}

func readOne(r *bufio.Reader, buf *[]byte, depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("reply nested deeper than %d levels", maxNesting)
	}
	line, err := readLine(r, buf)
	if err != nil {
		return err
	}
	typ, body := line[0], line[1:len(line)-2]
	switch typ {
	case '+', '-', ':', '_', ',', '#', '(':
		return nil
	case '$', '!', '=':
		n, err := parseLen(typ, body, maxBulkLen)
		if err != nil {
			return err
		}
		if n == -1 {
			if typ != '$' {
				return fmt.Errorf("null length in %q reply", typ)
			}
			return nil
		}
		start := len(*buf)
		*buf = append(*buf, make([]byte, n+2)...)
		if _, err := io.ReadFull(r, (*buf)[start:]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if !bytes.HasSuffix(*buf, []byte("\r\n")) {
			return fmt.Errorf("%q reply of length %d not followed by CRLF", typ, n)
		}
		return nil
	case '*', '~', '>', '%', '|':
		n, err := parseLen(typ, body, maxAggLen)
		if err != nil {
			return err
		}
		if n == -1 {
			if typ != '*' {
				return fmt.Errorf("null length in %q reply", typ)
			}
			return nil
		}
		if typ == '%' || typ == '|' {
			n *= 2
		}
		for i := int64(0); i < n; i++ {
			if err := readOne(r, buf, depth+1); err != nil {
				return err
			}
		}
		if typ == '|' {
			// An attribute annotates the reply that follows it.
			return readOne(r, buf, depth+1)
		}
		return nil
	default:
		return fmt.Errorf("unknown reply type byte %q", typ)
	}
}

// value is a parsed reply, used when a case compares less than raw bytes.
type value struct {
	typ   byte
	str   string   // payload of scalar replies
	null  bool     // $-1, *-1
	elems []*value // aggregate elements; a map holds key, value, key, value...
	attr  *value   // attribute (|) annotating this reply
}

func (v *value) isAggregate() bool {
	switch v.typ {
	case '*', '~', '>', '%', '|':
		return true
	}
	return false
}

// parseValue parses one complete raw reply as returned by ReadReply.
func parseValue(raw []byte) (*value, error) {
	r := bufio.NewReader(bytes.NewReader(raw))
	v, err := parseOne(r, 0)
	if err != nil {
		return nil, err
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return nil, errors.New("trailing bytes after reply")
	}
	return v, nil
}

func parseOne(r *bufio.Reader, depth int) (*value, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("reply nested deeper than %d levels", maxNesting)
	}
	var scratch []byte
	line, err := readLine(r, &scratch)
	if err != nil {
		return nil, err
	}
	v := &value{typ: line[0]}
	body := line[1 : len(line)-2]
	switch v.typ {
	case '+', '-', ':', '_', ',', '#', '(':
		v.str = string(body)
		v.null = v.typ == '_'
	case '$', '!', '=':
		n, err := parseLen(v.typ, body, maxBulkLen)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			v.null = true
			break
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		v.str = string(b[:n])
	case '*', '~', '>', '%', '|':
		n, err := parseLen(v.typ, body, maxAggLen)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			v.null = true
			break
		}
		if v.typ == '%' || v.typ == '|' {
			n *= 2
		}
		v.elems = make([]*value, 0, n)
		for i := int64(0); i < n; i++ {
			e, err := parseOne(r, depth+1)
			if err != nil {
				return nil, err
			}
			v.elems = append(v.elems, e)
		}
		if v.typ == '|' {
			inner, err := parseOne(r, depth+1)
			if err != nil {
				return nil, err
			}
			attr := v
			attr.typ = '|'
			inner.attr = attr
			return inner, nil
		}
	default:
		return nil, fmt.Errorf("unknown reply type byte %q", v.typ)
	}
	return v, nil
}

// encode writes v back in RESP form, recomputing lengths. It is used to
// show and compare replies after a modifier changed them.
func (v *value) encode(b *bytes.Buffer) {
	if v.attr != nil {
		v.attr.encode(b)
	}
	b.WriteByte(v.typ)
	switch v.typ {
	case '$', '!', '=':
		if v.null {
			b.WriteString("-1\r\n")
			return
		}
		b.WriteString(strconv.Itoa(len(v.str)))
		b.WriteString("\r\n")
		b.WriteString(v.str)
	case '*', '~', '>', '%', '|':
		if v.null {
			b.WriteString("-1\r\n")
			return
		}
		n := len(v.elems)
		if v.typ == '%' || v.typ == '|' {
			n /= 2
		}
		b.WriteString(strconv.Itoa(n))
		b.WriteString("\r\n")
		for _, e := range v.elems {
			e.encode(b)
		}
		return
	default:
		b.WriteString(v.str)
	}
	b.WriteString("\r\n")
}

func (v *value) bytes() []byte {
	var b bytes.Buffer
	v.encode(&b)
	return b.Bytes()
}
