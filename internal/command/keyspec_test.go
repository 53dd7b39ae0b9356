package command

import (
	"fmt"
	"strings"
	"testing"
)

// keysString formats key refs as "pos:flag|flag pos:flag".
func keysString(keys []KeyRef) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d:%s", k.Pos, k.Flags)
	}
	return strings.Join(parts, " ")
}

func splitArgs(line string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(line) {
		if f == `""` {
			f = ""
		}
		out = append(out, []byte(f))
	}
	return out
}

func TestKeys(t *testing.T) {
	const (
		ro     = "RO|access"
		rw     = "RW|access|update"
		owUpd  = "OW|update"
		rmDel  = "RM|delete"
		rwIns  = "RW|insert"
		migrat = "RW|access|delete"
	)
	cases := []struct {
		line string
		want string // keys, or "error: text"
	}{
		// Index + range.
		{"get k", "1:" + ro},
		{"GET k", "1:" + ro},
		{"mget a b c", "1:" + ro + " 2:" + ro + " 3:" + ro},
		{"mset a 1 b 2", "1:" + owUpd + " 3:" + owUpd},
		{"del a b", "1:" + rmDel + " 2:" + rmDel},
		{"rename a b", "1:RW|access|delete 2:" + owUpd},
		{"lpush l a b", "1:" + rwIns},
		{"blpop a b 0", "1:RW|access|delete 2:RW|access|delete"},
		{"bitop and d a b", "2:" + owUpd + " 3:" + ro + " 4:" + ro},
		{"object encoding k", "2:RO"},
		{"memory usage k", "2:RO"},
		{"xinfo consumers s g", "2:" + ro},
		// Variable flags: the command's own rules.
		{"set k v", "1:" + owUpd},
		{"set k v get", "1:" + rw},
		{"set k v EX 10 Get", "1:" + rw},
		{"set k get", "1:" + owUpd},
		{"bitfield k get u8 0", "1:" + ro},
		{"bitfield k overflow sat get u8 0", "1:" + ro},
		{"bitfield k set u8 0 1", "1:" + rw},
		{"bitfield k get u8", "1:" + rw},
		// Keynum specs.
		{"eval s 2 a b c", "3:" + rw + " 4:" + rw},
		{"eval s 0", ""},
		{"eval s 5 a", ""},
		{"eval s x a", ""},
		{"fcall f 1 k", "3:" + rw},
		{"zunionstore d 2 a b", "1:" + owUpd + " 3:" + ro + " 4:" + ro},
		{"zunionstore d 0 a", "error: " + ErrInvalidKeyArguments.Error()},
		{"zunionstore d 01 a", "3: 1:"}, // spec rejects "01", the fallback's atoi accepts it
		{"zunion 2 a b", "2:" + ro + " 3:" + ro},
		{"lmpop 2 a b left", "2:RW|access|delete 3:RW|access|delete"},
		{"blmpop 0 1 a left", "3:" + "RW|access|delete"},
		{"sintercard 2 a b", "2:" + ro + " 3:" + ro},
		// Incomplete specs: the command's own rules.
		{"sort k", "1:" + ro},
		{"sort k by p store d", "1:" + ro + " 5:" + owUpd},
		{"sort k store a store b", "1:" + ro + " 5:" + owUpd},
		{"sort k limit 0 store d", "1:" + ro},
		{"sort_ro k store d", "1:" + ro},
		{"migrate h 1 k 0 10", "3:" + migrat},
		{`migrate h 1 "" 0 10 keys a b`, "7:" + migrat + " 8:" + migrat},
		{`migrate h 1 "" 0 10 auth2 keys x keys a`, "10:" + migrat},
		{"migrate h 1 k 0 10 keys a", "error: " + ErrInvalidKeyArguments.Error()},
		// Keyword searches.
		{"xread streams a b 0 0", "2:" + ro + " 3:" + ro},
		{"xread count 1 streams a 0", "4:" + ro},
		{"xread streams a b 0", "2:" + ro}, // the spec takes the first half,
		{"xreadgroup group g c streams s >", "5:" + ro},
		{"georadius k 0 0 1 km", "1:" + ro},
		{"georadius k 0 0 1 km store d", "1:" + ro + " 7:" + owUpd},
		{"georadius k 0 0 1 km store d storedist e", "1:" + ro + " 7:" + owUpd + " 9:" + owUpd},
		{"georadius k 0 0 1 km store", "1:" + ro},
		// Errors.
		{"ping", "error: " + ErrNoKeyArguments.Error()},
		{"publish ch m", "error: " + ErrNoKeyArguments.Error()},
		{"spublish ch m", "error: " + ErrNoKeyArguments.Error()},
		{"get", "error: " + ErrInvalidArgCount.Error()},
		{"get a b", "error: " + ErrInvalidArgCount.Error()},
		{"client list", "error: " + ErrNoKeyArguments.Error()},
	}
	for _, c := range cases {
		args := splitArgs(c.line)
		s := LookupArgs(args)
		if s == nil {
			t.Errorf("%q: no spec", c.line)
			continue
		}
		keys, err := s.Keys(args)
		got := keysString(keys)
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.line, got, c.want)
		}
	}
}

func TestKeysNoMandatory(t *testing.T) {
	// EVAL may have no keys; XREAD without STREAMS has none and errors.
	keys, err := Lookup("eval").Keys(splitArgs("eval s 0"))
	if err != nil || len(keys) != 0 {
		t.Errorf("eval s 0: %v %v", keys, err)
	}
	_, err = Lookup("xread").Keys(splitArgs("xread count 1 block 0"))
	if err != ErrInvalidKeyArguments {
		t.Errorf("xread without streams: %v", err)
	}
}

func TestAppendKeysReuse(t *testing.T) {
	buf := make([]KeyRef, 0, 8)
	buf = append(buf, KeyRef{Pos: 99})
	out, err := Lookup("mget").AppendKeys(buf, splitArgs("mget a b"))
	if err != nil || keysString(out) != "99: 1:RO|access 2:RO|access" {
		t.Fatalf("got %q %v", keysString(out), err)
	}
}

func TestKeysFromSpecs(t *testing.T) {
	sort := Lookup("sort")
	if _, ok := sort.KeysFromSpecs(splitArgs("sort k store d"), false, false); ok {
		t.Error("sort has incomplete specs: strict extraction must fail")
	}
	keys, ok := sort.KeysFromSpecs(splitArgs("sort k store d"), true, false)
	if !ok || keysString(keys) != "1:RO|access" {
		t.Errorf("partial: %q %v", keysString(keys), ok)
	}
	// NOT_KEY specs only appear when asked for.
	sp := Lookup("spublish")
	if keys, _ := sp.KeysFromSpecs(splitArgs("spublish ch m"), false, false); len(keys) != 0 {
		t.Errorf("spublish without not_key: %v", keys)
	}
	if keys, _ := sp.KeysFromSpecs(splitArgs("spublish ch m"), false, true); keysString(keys) != "1:not_key" {
		t.Errorf("spublish with not_key: %q", keysString(keys))
	}
}

func TestKeySpecAlgorithm(t *testing.T) {
	// Synthetic specs exercising the corners of begin_search/find_keys.
	cases := []struct {
		name string
		spec KeySpec
		line string
		want string
		ok   bool
	}{
		{"keyword from end", KeySpec{Flags: KeyRO,
			BeginSearch: BeginSearch{Type: BeginKeyword, Keyword: "X", StartFrom: -1},
			FindKeys:    FindKeys{Type: FindRange, LastKey: 0, KeyStep: 1}},
			"c a x b x d", "5:RO", true},
		{"keyword never at last arg", KeySpec{Flags: KeyRO,
			BeginSearch: BeginSearch{Type: BeginKeyword, Keyword: "X", StartFrom: 1},
			FindKeys:    FindKeys{Type: FindRange, LastKey: 0, KeyStep: 1}},
			"c a x", "", true},
		{"range limit halves", KeySpec{Flags: KeyRO,
			BeginSearch: BeginSearch{Type: BeginIndex, Index: 1},
			FindKeys:    FindKeys{Type: FindRange, LastKey: -1, KeyStep: 1, Limit: 2}},
			"c a b 1 2", "1:RO 2:RO", true},
		{"range to second last", KeySpec{Flags: KeyRO,
			BeginSearch: BeginSearch{Type: BeginIndex, Index: 1},
			FindKeys:    FindKeys{Type: FindRange, LastKey: -2, KeyStep: 1}},
			"c a b t", "1:RO 2:RO", true},
		{"step two", KeySpec{Flags: KeyRO,
			BeginSearch: BeginSearch{Type: BeginIndex, Index: 1},
			FindKeys:    FindKeys{Type: FindRange, LastKey: -1, KeyStep: 2}},
			"c a 1 b 2", "1:RO 3:RO", true},
		{"keynum with step", KeySpec{Flags: KeyRO,
			BeginSearch: BeginSearch{Type: BeginIndex, Index: 1},
			FindKeys:    FindKeys{Type: FindKeynum, KeyNumIdx: 0, FirstKey: 1, KeyStep: 2}},
			"c 2 a x b y", "2:RO", true}, // Redis: last = first+numkeys-1 whatever the step
		{"keynum negative", KeySpec{Flags: KeyRO,
			BeginSearch: BeginSearch{Type: BeginIndex, Index: 1},
			FindKeys:    FindKeys{Type: FindKeynum, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}},
			"c -1 a", "", false},
		{"keynum index beyond argv", KeySpec{Flags: KeyRO,
			BeginSearch: BeginSearch{Type: BeginIndex, Index: 3},
			FindKeys:    FindKeys{Type: FindKeynum, KeyNumIdx: 0, FirstKey: 1, KeyStep: 1}},
			"c a", "", false},
		{"index beyond argv", KeySpec{Flags: KeyRO,
			BeginSearch: BeginSearch{Type: BeginIndex, Index: 5},
			FindKeys:    FindKeys{Type: FindRange, LastKey: 0, KeyStep: 1}},
			"c a", "", false},
		{"unknown begin", KeySpec{Flags: KeyRO,
			BeginSearch: BeginSearch{Type: BeginUnknown},
			FindKeys:    FindKeys{Type: FindUnknown}},
			"c a", "", false},
	}
	for _, c := range cases {
		s := &Spec{Name: "synthetic", Arity: -1, KeySpecs: []KeySpec{c.spec}}
		keys, ok := s.KeysFromSpecs(splitArgs(c.line), false, false)
		if ok != c.ok || keysString(keys) != c.want {
			t.Errorf("%s: got %q ok=%v, want %q ok=%v", c.name, keysString(keys), ok, c.want, c.ok)
		}
	}
}

func TestParseInt64Strict(t *testing.T) {
	good := map[string]int64{"0": 0, "1": 1, "-1": -1, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63}
	for s, want := range good {
		if v, ok := parseInt64Strict([]byte(s)); !ok || v != want {
			t.Errorf("%q: %d %v", s, v, ok)
		}
	}
	for _, s := range []string{"", "-", "+1", "01", " 1", "1 ", "9223372036854775808", "-0", "1x", "-9223372036854775809"} {
		if _, ok := parseInt64Strict([]byte(s)); ok {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestAtoi(t *testing.T) {
	cases := map[string]int{"12": 12, " 7x": 7, "-3": -3, "+4": 4, "x": 0, "": 0, "\t5": 5, "01": 1}
	for s, want := range cases {
		if got := atoi([]byte(s)); got != want {
			t.Errorf("atoi(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestHasKeys(t *testing.T) {
	for name, want := range map[string]bool{
		"get": true, "ping": false, "sort": true, "spublish": false, "eval": true,
		"client|list": false, "object|encoding": true, "migrate": true, "client": false,
	} {
		if got := Lookup(name).HasKeys(); got != want {
			t.Errorf("%s: HasKeys %v", name, got)
		}
	}
}
