package resp

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		unauth   bool
		want     []string
		consumed int
		err      string
	}{
		{name: "simple", in: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", want: []string{"GET", "k"}, consumed: 20},
		{name: "incomplete header", in: "*2\r", consumed: 0},
		{name: "incomplete bulk", in: "*2\r\n$3\r\nGET\r\n$1\r\n", consumed: 0},
		{name: "empty bulk", in: "*1\r\n$0\r\n\r\n", want: []string{""}, consumed: 10},
		{name: "zero count", in: "*0\r\n", consumed: 4},
		{name: "negative count", in: "*-1\r\n", consumed: 5},
		{name: "bad count", in: "*x\r\n", err: "Protocol error: invalid multibulk length"},
		{name: "leading zero count", in: "*01\r\n", err: "Protocol error: invalid multibulk length"},
		{name: "not dollar", in: "*1\r\n:3\r\n", err: "Protocol error: expected '$', got ':'"},
		{name: "negative bulk", in: "*1\r\n$-1\r\n", err: "Protocol error: invalid bulk length"},
		{name: "huge bulk", in: "*1\r\n$999999999999\r\n", err: "Protocol error: invalid bulk length"},
		{name: "unauth count", in: "*11\r\n", unauth: true, err: "Protocol error: unauthenticated multibulk length"},
		{name: "unauth bulk", in: "*1\r\n$16385\r\n", unauth: true, err: "Protocol error: unauthenticated bulk length"},
		{name: "inline", in: "SET a \"b c\"\r\n", want: []string{"SET", "a", "b c"}, consumed: 13},
		{name: "inline lf", in: "PING\n", want: []string{"PING"}, consumed: 5},
		{name: "inline empty", in: "\r\n", consumed: 2},
		{name: "inline incomplete", in: "PING", consumed: 0},
		{name: "inline unbalanced", in: "SET \"a\n", err: "Protocol error: unbalanced quotes in request"},
		{name: "inline escapes", in: "ECHO \"\\x41\\n\" 'it\\'s'\n", want: []string{"ECHO", "A\n", "it's"}, consumed: 22},
		{name: "too big inline", in: strings.Repeat("a", MaxInlineSize+1), err: "Protocol error: too big inline request"},
		{name: "too big count", in: "*" + strings.Repeat("1", MaxInlineSize+1), err: "Protocol error: too big mbulk count string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args, n, _, err := Parse([]byte(tc.in), nil, Limits{Unauthenticated: tc.unauth})
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.consumed {
				t.Fatalf("consumed %d, want %d", n, tc.consumed)
			}
			var got []string
			for _, a := range args {
				got = append(got, string(a))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("args = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseNeedHint(t *testing.T) {
	_, n, need, err := Parse([]byte("*1\r\n$100\r\nabc"), nil, Limits{})
	if err != nil || n != 0 || need != 4+6+100+2 {
		t.Fatalf("n=%d need=%d err=%v", n, need, err)
	}
}

func TestParseInt(t *testing.T) {
	good := map[string]int64{"0": 0, "1": 1, "-1": -1, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63}
	for s, want := range good {
		if v, ok := ParseInt([]byte(s)); !ok || v != want {
			t.Errorf("ParseInt(%q) = %d,%v", s, v, ok)
		}
	}
	for _, s := range []string{"", "-", "+1", "01", "-0", " 1", "1 ", "1a", "9223372036854775808", "-9223372036854775809", "99999999999999999999"} {
		if _, ok := ParseInt([]byte(s)); ok {
			t.Errorf("ParseInt(%q) accepted", s)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "a b  c", want: []string{"a", "b", "c"}},
		{in: `"a b" 'c d'`, want: []string{"a b", "c d"}},
		{in: `""`, want: []string{""}},
		{in: `foo"bar baz"`, want: []string{"foobar baz"}},
		{in: `"a"b`, bad: true},
		{in: `'a`, bad: true},
		{in: `"\x4g"`, want: []string{"x4g"}},
		{in: "  ", want: nil},
	}
	for _, tc := range tests {
		got, err := SplitArgs([]byte(tc.in), nil)
		if tc.bad {
			if err == nil {
				t.Errorf("SplitArgs(%q) accepted", tc.in)
			}
			continue
		}
		var s []string
		for _, a := range got {
			s = append(s, string(a))
		}
		if err != nil || !reflect.DeepEqual(s, tc.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", tc.in, s, err, tc.want)
		}
	}
}

// FuzzParse feeds arbitrary bytes to the request parser: it must never
// panic, never claim more bytes than it was given, and every argument must
// lie inside the input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"*1\r\n$4\r\nPING\r\n", "PING\r\n", "*2\r\n$3\r\nGET\r\n$1\r\nx\r\n", "*-1\r\n", "\"unterminated", "*1\r\n$-5\r\n", "SET a 'b'\n"} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, in []byte, unauth bool) {
		buf := in
		for len(buf) > 0 {
			args, n, _, err := Parse(buf, nil, Limits{MaxBulkLen: 1 << 20, Unauthenticated: unauth})
			if err != nil || n == 0 {
				return
			}
			if n > len(buf) {
				t.Fatalf("consumed %d of %d", n, len(buf))
			}
			_ = args
			buf = buf[n:]
		}
	})
}
