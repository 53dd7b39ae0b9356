package resp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Client-side reply parsing, for tools that must keep every detail of a
// reply: the cli's output formatting distinguishes a status from a bulk
// string, a map from an array, which general-purpose clients flatten.

// Kind is a reply's RESP type byte.
type Kind byte

// Reply kinds, named after their RESP2/RESP3 type bytes.
const (
	KindStatus    Kind = '+'
	KindError     Kind = '-'
	KindInt       Kind = ':'
	KindBulk      Kind = '$'
	KindArray     Kind = '*'
	KindNull      Kind = '_'
	KindDouble    Kind = ','
	KindBool      Kind = '#'
	KindBigNumber Kind = '('
	KindVerbatim  Kind = '='
	KindMap       Kind = '%'
	KindSet       Kind = '~'
	KindPush      Kind = '>'
	KindBlobError Kind = '!'
)

// Reply is one parsed reply. Str holds the text of status, error, bulk,
// verbatim (without its format prefix), double and big number replies;
// Int the integer or boolean (1/0); Elems the elements of aggregates (a
// map's keys and values alternate). A RESP2 null bulk or null array has
// Kind KindNull.
type Reply struct {
	Kind   Kind
	Str    []byte
	Int    int64
	Format string // verbatim format, e.g. "txt"
	Elems  []Reply
	Attrs  []Reply // RESP3 attributes that preceded the reply
}

// IsError reports whether r is an error reply.
func (r Reply) IsError() bool { return r.Kind == KindError || r.Kind == KindBlobError }

// Error limits for replies read from a peer we do not control.
const (
	maxReplyBulk  = 512 << 20
	maxReplyElems = 1 << 28
	maxReplyDepth = 64
)

// ErrBadReply is returned for malformed replies.
var ErrBadReply = errors.New("resp: malformed reply")

// ReadReply reads one complete reply.
func ReadReply(r *bufio.Reader) (Reply, error) { return readReply(r, 0) }

func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// A very long status or error: collect it.
		buf := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = r.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	if err != nil {
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("%w: line not terminated by CRLF", ErrBadReply)
	}
	return line[:len(line)-2], nil
}

func readReply(r *bufio.Reader, depth int) (Reply, error) {
	if depth > maxReplyDepth {
		return Reply{}, fmt.Errorf("%w: nesting too deep", ErrBadReply)
	}
	line, err := readLine(r)
	if err != nil {
		return Reply{}, err
	}
	if len(line) == 0 {
		return Reply{}, fmt.Errorf("%w: empty line", ErrBadReply)
	}
	kind, body := Kind(line[0]), line[1:]
	switch kind {
	case KindStatus, KindError, KindDouble, KindBigNumber:
		return Reply{Kind: kind, Str: append([]byte(nil), body...)}, nil
	case KindInt:
		n, err := strconv.ParseInt(string(body), 10, 64)
		if err != nil {
			return Reply{}, fmt.Errorf("%w: bad integer %q", ErrBadReply, body)
		}
		return Reply{Kind: kind, Int: n}, nil
	case KindNull:
		return Reply{Kind: KindNull}, nil
	case KindBool:
		if len(body) != 1 || body[0] != 't' && body[0] != 'f' {
			return Reply{}, fmt.Errorf("%w: bad boolean %q", ErrBadReply, body)
		}
		v := int64(0)
		if body[0] == 't' {
			v = 1
		}
		return Reply{Kind: kind, Int: v}, nil
	case KindBulk, KindVerbatim, KindBlobError:
		n, err := strconv.ParseInt(string(body), 10, 64)
		if err != nil || n < -1 || n > maxReplyBulk {
			return Reply{}, fmt.Errorf("%w: bad length %q", ErrBadReply, body)
		}
		if n == -1 {
			return Reply{Kind: KindNull}, nil
		}
		// Grow with the data that really arrives rather than trusting the
		// announced length with one big allocation.
		var buf []byte
		if n <= 1<<20 {
			buf = make([]byte, n+2)
			if _, err := io.ReadFull(r, buf); err != nil {
				return Reply{}, err
			}
		} else {
			var b bytes.Buffer
			if _, err := io.CopyN(&b, r, n+2); err != nil {
				return Reply{}, err
			}
			buf = b.Bytes()
		}
		buf = buf[:n]
		rep := Reply{Kind: kind, Str: buf}
		if kind == KindVerbatim && len(buf) >= 4 && buf[3] == ':' {
			rep.Format, rep.Str = string(buf[:3]), buf[4:]
		}
		return rep, nil
	case KindArray, KindSet, KindPush, KindMap, '|':
		n, err := strconv.ParseInt(string(body), 10, 64)
		if err != nil || n < -1 || n > maxReplyElems {
			return Reply{}, fmt.Errorf("%w: bad count %q", ErrBadReply, body)
		}
		if n == -1 {
			return Reply{Kind: KindNull}, nil
		}
		count := n
		if kind == KindMap || kind == '|' {
			count *= 2
		}
		elems := make([]Reply, 0, min(count, 1024))
		for i := int64(0); i < count; i++ {
			e, err := readReply(r, depth+1)
			if err != nil {
				return Reply{}, err
			}
			elems = append(elems, e)
		}
		if kind == '|' {
			// Attributes describe the reply that follows.
			next, err := readReply(r, depth+1)
			if err != nil {
				return Reply{}, err
			}
			next.Attrs = elems
			return next, nil
		}
		return Reply{Kind: kind, Elems: elems}, nil
	}
	return Reply{}, fmt.Errorf("%w: unknown type byte %q", ErrBadReply, line[0])
}
