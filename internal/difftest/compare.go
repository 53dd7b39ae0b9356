package difftest

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// outcome is what one target did for one step.
type outcome struct {
	raw  []byte // reply bytes (or everything read, for !raw)
	note string // "closed", "timeout", a dial or HELLO failure...
}

func (o outcome) show() string {
	s := quote(o.raw)
	if o.note != "" {
		if len(o.raw) == 0 {
			return "[" + o.note + "]"
		}
		s += " [" + o.note + "]"
	}
	return s
}

// quote escapes a reply so that \r\n and binary bytes are visible, and
// shortens very long replies.
func quote(b []byte) string {
	const limit = 2000
	if len(b) > limit {
		return strconv.Quote(string(b[:limit])) + fmt.Sprintf("...(%d more bytes)", len(b)-limit)
	}
	return strconv.Quote(string(b))
}

// verdict compares the outcomes of the reference and of the server under
// test for a step. It returns "" when they agree, or an explanation. The
// normalized forms are returned when a modifier changed what is compared.
func verdict(s *step, ref, ours outcome) (why string, refNorm, oursNorm string) {
	if s.skip {
		return "", "", ""
	}
	if s.kind == kindRaw || ref.note != "" || ours.note != "" {
		// Connection-level notes (closed, timeout) are part of the result.
		if !bytes.Equal(ref.raw, ours.raw) || ref.note != ours.note {
			return "replies differ", "", ""
		}
		return "", "", ""
	}
	if s.rng != nil {
		e1 := inRange(ref.raw, *s.rng)
		e2 := inRange(ours.raw, *s.rng)
		switch {
		case e1 != "" && e2 != "":
			return fmt.Sprintf("reference: %s; ours: %s", e1, e2), "", ""
		case e1 != "":
			return "reference: " + e1 + " (the test case is probably wrong)", "", ""
		case e2 != "":
			return "ours: " + e2, "", ""
		}
		return "", "", ""
	}
	if !s.sort && !s.shape && len(s.masks) == 0 {
		if !bytes.Equal(ref.raw, ours.raw) {
			return "replies differ", "", ""
		}
		return "", "", ""
	}
	rv, err1 := parseValue(ref.raw)
	ov, err2 := parseValue(ours.raw)
	if err1 != nil || err2 != nil {
		if bytes.Equal(ref.raw, ours.raw) {
			return "", "", ""
		}
		return fmt.Sprintf("replies differ (and cannot be parsed: ref %v, ours %v)", err1, err2), "", ""
	}
	rn, on := normalize(s, rv), normalize(s, ov)
	if rn != on {
		what := "replies differ after"
		for _, m := range modNames(s) {
			what += " " + m
		}
		return what, rn, on
	}
	return "", "", ""
}

func modNames(s *step) []string {
	var m []string
	if len(s.masks) > 0 {
		m = append(m, "!mask")
	}
	if s.sort {
		m = append(m, "!sort")
	}
	if s.shape {
		m = append(m, "!type")
	}
	return m
}

// normalize applies !mask, !sort and !type to a parsed reply and returns
// the form that is compared.
func normalize(s *step, v *value) string {
	v = transform(v, s)
	if s.shape {
		return shape(v)
	}
	return string(v.bytes())
}

// transform returns a copy of v with masks applied to every scalar and,
// for !sort, the elements of every aggregate sorted (map entries are
// sorted as key/value pairs).
func transform(v *value, s *step) *value {
	c := *v
	if v.attr != nil {
		c.attr = transform(v.attr, s)
	}
	if !v.isAggregate() {
		if !v.null {
			for _, re := range s.masks {
				c.str = re.ReplaceAllString(c.str, "*")
			}
		}
		return &c
	}
	c.elems = make([]*value, len(v.elems))
	for i, e := range v.elems {
		c.elems[i] = transform(e, s)
	}
	if s.sort {
		width := 1
		if c.typ == '%' || c.typ == '|' {
			width = 2
		}
		type group struct {
			key   string
			elems []*value
		}
		groups := make([]group, 0, len(c.elems)/width)
		for i := 0; i+width <= len(c.elems); i += width {
			g := group{elems: c.elems[i : i+width]}
			var k bytes.Buffer
			for _, e := range g.elems {
				e.encode(&k)
			}
			g.key = k.String()
			groups = append(groups, g)
		}
		sort.SliceStable(groups, func(a, b int) bool { return groups[a].key < groups[b].key })
		c.elems = c.elems[:0:0]
		for _, g := range groups {
			c.elems = append(c.elems, g.elems...)
		}
	}
	return &c
}

// shape describes the type structure of a reply: type bytes, nulls and
// aggregate sizes, without the scalar contents.
func shape(v *value) string {
	var b strings.Builder
	var walk func(v *value)
	walk = func(v *value) {
		if v.attr != nil {
			b.WriteString("attr")
			walk(v.attr)
		}
		b.WriteByte(v.typ)
		if v.null {
			b.WriteString("null")
			return
		}
		if v.isAggregate() {
			n := len(v.elems)
			if v.typ == '%' || v.typ == '|' {
				n /= 2
			}
			fmt.Fprintf(&b, "%d[", n)
			for i, e := range v.elems {
				if i > 0 {
					b.WriteByte(' ')
				}
				walk(e)
			}
			b.WriteByte(']')
		}
	}
	walk(v)
	return b.String()
}

// inRange checks that a reply is an integer (or a string holding one)
// within the bounds. It returns "" if so, or what is wrong.
func inRange(raw []byte, r [2]int64) string {
	v, err := parseValue(raw)
	if err != nil {
		return "unparsable reply " + quote(raw)
	}
	switch v.typ {
	case ':', '$', '+':
	default:
		return "not an integer reply: " + quote(raw)
	}
	n, err := strconv.ParseInt(v.str, 10, 64)
	if err != nil || v.null {
		return "not an integer reply: " + quote(raw)
	}
	if n < r[0] || n > r[1] {
		return fmt.Sprintf("%d is outside [%d, %d]", n, r[0], r[1])
	}
	return ""
}
