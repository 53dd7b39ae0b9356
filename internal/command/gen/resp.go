package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// value is a parsed RESP2/RESP3 reply.
type value struct {
	kind  byte // one of + - : $ * % ~ _ , # (
	str   string
	num   int64
	null  bool
	elems []*value // array/set items, or map keys and values interleaved
}

func (v *value) isAgg() bool { return v.kind == '*' || v.kind == '%' || v.kind == '~' }

// pairs returns the key/value pairs of a map (or of a flat RESP2 array).
func (v *value) pairs() [][2]*value {
	var out [][2]*value
	for i := 0; i+1 < len(v.elems); i += 2 {
		out = append(out, [2]*value{v.elems[i], v.elems[i+1]})
	}
	return out
}

// get returns the value of key k in a map, or nil.
func (v *value) get(k string) *value {
	for _, p := range v.pairs() {
		if p[0].str == k {
			return p[1]
		}
	}
	return nil
}

// strings returns the texts of an array/set of strings.
func (v *value) strings() []string {
	if v == nil {
		return nil
	}
	out := make([]string, 0, len(v.elems))
	for _, e := range v.elems {
		out = append(out, e.str)
	}
	return out
}

type client struct {
	conn net.Conn
	r    *bufio.Reader
}

func dial(addr string) (*client, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &client{conn: c, r: bufio.NewReaderSize(c, 1<<16)}, nil
}

func (c *client) do(args ...string) (*value, error) {
	buf := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		buf = append(buf, '$')
		buf = strconv.AppendInt(buf, int64(len(a)), 10)
		buf = append(buf, "\r\n"...)
		buf = append(buf, a...)
		buf = append(buf, "\r\n"...)
	}
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.conn.Write(buf); err != nil {
		return nil, err
	}
	v, err := readValue(c.r)
	if err != nil {
		return nil, err
	}
	if v.kind == '-' {
		return nil, fmt.Errorf("%s: %s", args[0], v.str)
	}
	return v, nil
}

func readValue(r *bufio.Reader) (*value, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("bad line %q", line)
	}
	kind, body := line[0], line[1:len(line)-2]
	v := &value{kind: kind}
	switch kind {
	case '+', '-', ',', '(':
		v.str = body
	case '#':
		v.str = body
		if body == "t" {
			v.num = 1
		}
	case ':':
		v.num, err = strconv.ParseInt(body, 10, 64)
		v.str = body
	case '_':
		v.null = true
	case '$', '=':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			v.null = true
			return v, nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		v.str = string(b[:n])
	case '*', '~', '%', '>':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			v.null = true
			return v, nil
		}
		if kind == '%' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			e, err := readValue(r)
			if err != nil {
				return nil, err
			}
			v.elems = append(v.elems, e)
		}
	default:
		return nil, fmt.Errorf("unknown reply type %q", kind)
	}
	return v, err
}
