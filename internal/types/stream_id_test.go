package types

import (
	"errors"
	"strings"
	"testing"
)

const streamMaxU = "18446744073709551615"

func TestStreamParseID(t *testing.T) {
	max := ^uint64(0)
	tests := []struct {
		in      string
		missing uint64
		strict  bool
		want    StreamID
		wantErr bool
		comment string
	}{
		{in: "1-2", want: StreamID{1, 2}},
		{in: "5", want: StreamID{5, 0}},
		{in: "5", missing: max, want: StreamID{5, max}},
		{in: "-", want: StreamID{}},
		{in: "+", want: StreamMaxID()},
		{in: "-", strict: true, wantErr: true},
		{in: "+", strict: true, wantErr: true},
		{in: streamMaxU + "-" + streamMaxU, want: StreamMaxID()},
		{in: "18446744073709551616-0", wantErr: true, comment: "overflow"},
		{in: "007-1", want: StreamID{7, 1}, comment: "strtoull accepts leading zeros"},
		{in: " 5", want: StreamID{5, 0}, comment: "and leading spaces"},
		{in: "+5", want: StreamID{5, 0}, comment: "and a plus sign"},
		{in: "5 ", wantErr: true, comment: "but not trailing garbage"},
		{in: "1--02", want: StreamID{1, max - 1}, comment: "a non-canonical negative wraps"},
		{in: "1--2", wantErr: true, comment: "a canonical negative is rejected"},
		{in: "-1", wantErr: true, comment: "empty ms part"},
		{in: "-01", wantErr: true},
		{in: "1-", wantErr: true},
		{in: "", wantErr: true},
		{in: "1-2-3", wantErr: true},
		{in: "1-*", wantErr: true, comment: "only XADD takes ms-*"},
		{in: "$", wantErr: true},
		{in: "1-2\x00junk", want: StreamID{1, 2}, comment: "C string ends at NUL"},
		{in: strings.Repeat("0", 127), want: StreamID{}},
		{in: strings.Repeat("0", 128), wantErr: true, comment: "longer than Redis's buffer"},
	}
	for _, tc := range tests {
		var got StreamID
		var err error
		if tc.strict {
			got, err = StreamParseIDStrict([]byte(tc.in), tc.missing)
		} else {
			got, err = StreamParseID([]byte(tc.in), tc.missing)
		}
		if tc.wantErr {
			if !errors.Is(err, StreamErrInvalidID) {
				t.Errorf("%q: want invalid ID error, got %v, %v (%s)", tc.in, got, err, tc.comment)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: got %v, %v; want %v (%s)", tc.in, got, err, tc.want, tc.comment)
		}
	}
}

func TestStreamParseAddID(t *testing.T) {
	tests := []struct {
		in     string
		want   StreamAddID
		err    error
		addErr error // Validate
	}{
		{in: "*", want: StreamAddID{Auto: true}},
		{in: "5-*", want: StreamAddID{ID: StreamID{5, 0}, SeqAuto: true}},
		{in: "0-*", want: StreamAddID{SeqAuto: true}},
		{in: "5-3", want: StreamAddID{ID: StreamID{5, 3}}},
		{in: "0", want: StreamAddID{}, addErr: StreamErrIDZero},
		{in: "0-0", want: StreamAddID{}, addErr: StreamErrIDZero},
		{in: "-", err: StreamErrInvalidID},
		{in: "+", err: StreamErrInvalidID},
		{in: "*-1", err: StreamErrInvalidID},
		{in: "5-**", err: StreamErrInvalidID},
	}
	for _, tc := range tests {
		got, err := StreamParseAddID([]byte(tc.in))
		if err != tc.err || (err == nil && got != tc.want) {
			t.Errorf("%q: got %+v, %v; want %+v, %v", tc.in, got, err, tc.want, tc.err)
			continue
		}
		if err == nil && got.Validate() != tc.addErr {
			t.Errorf("%q: Validate %v, want %v", tc.in, got.Validate(), tc.addErr)
		}
	}
}

func TestStreamParseRange(t *testing.T) {
	max := ^uint64(0)
	tests := []struct {
		in         string
		start, end StreamID
		startErr   error
		endErr     error
	}{
		{in: "-", start: StreamID{}, end: StreamID{}},
		{in: "+", start: StreamMaxID(), end: StreamMaxID()},
		{in: "5", start: StreamID{5, 0}, end: StreamID{5, max}},
		{in: "5-3", start: StreamID{5, 3}, end: StreamID{5, 3}},
		{in: "(5-3", start: StreamID{5, 4}, end: StreamID{5, 2}},
		{in: "(5", start: StreamID{5, 1}, end: StreamID{5, max - 1}},
		{in: "(5-0", start: StreamID{5, 1}, end: StreamID{4, max}},
		{in: "(0-0", start: StreamID{0, 1}, endErr: StreamErrBadEndID},
		{in: "(" + streamMaxU + "-" + streamMaxU, startErr: StreamErrBadStartID, end: StreamID{max, max - 1}},
		{in: "(" + streamMaxU, start: StreamID{max, 1}, end: StreamID{max, max - 1}},
		{in: "(", startErr: StreamErrInvalidID, endErr: StreamErrInvalidID},
		{in: "(-", startErr: StreamErrInvalidID, endErr: StreamErrInvalidID},
		{in: "(+", startErr: StreamErrInvalidID, endErr: StreamErrInvalidID},
	}
	for _, tc := range tests {
		s, err := StreamParseRangeStart([]byte(tc.in))
		if err != tc.startErr || (err == nil && s != tc.start) {
			t.Errorf("start %q: got %v, %v; want %v, %v", tc.in, s, err, tc.start, tc.startErr)
		}
		e, err := StreamParseRangeEnd([]byte(tc.in))
		if err != tc.endErr || (err == nil && e != tc.end) {
			t.Errorf("end %q: got %v, %v; want %v, %v", tc.in, e, err, tc.end, tc.endErr)
		}
	}
}

func TestStreamParseReadID(t *testing.T) {
	tests := []struct {
		in    string
		group bool
		kind  StreamReadIDKind
		id    StreamID
		err   error
	}{
		{in: "$", kind: StreamReadLast},
		{in: "$", group: true, err: StreamErrDollarInGroup},
		{in: ">", group: true, kind: StreamReadNew, id: StreamMaxID()},
		{in: ">", err: StreamErrGTInXRead},
		{in: "0", kind: StreamReadAfter},
		{in: "7-1", group: true, kind: StreamReadAfter, id: StreamID{7, 1}},
		{in: "+", err: StreamErrInvalidID},
		{in: "-", group: true, err: StreamErrInvalidID},
	}
	for _, tc := range tests {
		id, kind, err := StreamParseReadID([]byte(tc.in), tc.group)
		if err != tc.err || (err == nil && (kind != tc.kind || id != tc.id)) {
			t.Errorf("%q group=%v: got %v %v %v", tc.in, tc.group, id, kind, err)
		}
	}
}

func TestStreamIDArithmetic(t *testing.T) {
	max := ^uint64(0)
	if n, ok := (StreamID{1, max}).Next(); !ok || n != (StreamID{2, 0}) {
		t.Errorf("Next carry: %v %v", n, ok)
	}
	if _, ok := StreamMaxID().Next(); ok {
		t.Error("Next of max succeeded")
	}
	if p, ok := (StreamID{2, 0}).Prev(); !ok || p != (StreamID{1, max}) {
		t.Errorf("Prev borrow: %v %v", p, ok)
	}
	if _, ok := (StreamID{}).Prev(); ok {
		t.Error("Prev of 0-0 succeeded")
	}
	if StreamMaxID().String() != streamMaxU+"-"+streamMaxU {
		t.Error(StreamMaxID().String())
	}
	if (StreamID{1, 2}).Compare(StreamID{1, 3}) != -1 || (StreamID{2, 0}).Compare(StreamID{1, 9}) != 1 {
		t.Error("Compare")
	}
}

// TestStreamIDParsingMatchesRedis checks that Redis accepts and rejects
// the same ID arguments in each parsing context, with the same error text.
func TestStreamIDParsingMatchesRedis(t *testing.T) {
	r := streamDial(t)
	inputs := []string{"1-2", "5", "-", "+", "$", ">", "*", "0", "0-0", "0-*", "5-*", "-5", "1--02", "1--2",
		" 7", "7 ", "+7", "007", "1-2-3", "(5", "(5-0", "(0-0", "(", "(-", "(+", "((5",
		streamMaxU + "-" + streamMaxU, "(" + streamMaxU + "-" + streamMaxU, "18446744073709551616",
		"1-2\x00x", strings.Repeat("1", 128), "", "abc", "1-*x"}
	r.do("DEL", "p")
	r.do("XADD", "p", "1-1", "f", "v")
	r.do("XGROUP", "CREATE", "p", "g", "0")
	errText := func(v any) string {
		if e, ok := v.(streamRedisError); ok {
			return string(e)
		}
		return ""
	}
	ourText := func(err error) string {
		if err == nil {
			return ""
		}
		return err.Error()
	}
	for _, in := range inputs {
		// XDEL: strict.
		_, err := StreamParseIDStrict([]byte(in), 0)
		if w, g := errText(r.do("XDEL", "p", in)), ourText(err); w != g {
			t.Errorf("XDEL %q: redis %q ours %q", in, w, g)
		}
		// XRANGE start and end.
		_, err = StreamParseRangeStart([]byte(in))
		if w, g := errText(r.do("XRANGE", "p", in, "+")), ourText(err); w != g {
			t.Errorf("XRANGE start %q: redis %q ours %q", in, w, g)
		}
		_, err = StreamParseRangeEnd([]byte(in))
		if w, g := errText(r.do("XRANGE", "p", "-", in)), ourText(err); w != g {
			t.Errorf("XRANGE end %q: redis %q ours %q", in, w, g)
		}
		// XREAD and XREADGROUP.
		_, _, err = StreamParseReadID([]byte(in), false)
		if w, g := errText(r.do("XREAD", "STREAMS", "p", in)), ourText(err); w != g {
			t.Errorf("XREAD %q: redis %q ours %q", in, w, g)
		}
		_, _, err = StreamParseReadID([]byte(in), true)
		if w, g := errText(r.do("XREADGROUP", "GROUP", "g", "c", "STREAMS", "p", in)), ourText(err); w != g {
			t.Errorf("XREADGROUP %q: redis %q ours %q", in, w, g)
		}
		// XADD on a fresh key: the reply is the ID or an error.
		r.do("DEL", "a")
		s := NewStream()
		var want string
		aid, err := StreamParseAddID([]byte(in))
		if err == nil {
			var id StreamID
			id, err = s.Add(aid, [][]byte{[]byte("f"), []byte("v")}, 1000, StreamNodeLimits{})
			want = id.String()
		}
		rv := r.do("XADD", "a", in, "f", "v")
		if err != nil {
			want = err.Error()
		}
		got := errText(rv)
		if got == "" {
			got = string(rv.([]byte))
		}
		if in == "*" {
			continue // time-based
		}
		if got != want {
			t.Errorf("XADD %q: redis %q ours %q", in, got, want)
		}
	}
}
