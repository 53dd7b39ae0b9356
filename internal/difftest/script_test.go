package difftest

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitLine(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`SET a b`, []string{"SET", "a", "b"}},
		{"  GET\t key  ", []string{"GET", "key"}},
		{`SET "a b" 'c d'`, []string{"SET", "a b", "c d"}},
		{`ECHO "\x00\xff\r\n\t\"\\"`, []string{"ECHO", "\x00\xff\r\n\t\"\\"}},
		{`ECHO "\x4"`, []string{"ECHO", "x4"}},
		{`ECHO 'it\'s \x00'`, []string{"ECHO", `it's \x00`}},
		{`ECHO ""`, []string{"ECHO", ""}},
		{`ECHO "ab"*3 'x'*0`, []string{"ECHO", "ababab", ""}},
		{`KEYS a*3`, []string{"KEYS", "a*3"}},
		{`KEYS h[^e]llo`, []string{"KEYS", "h[^e]llo"}},
	}
	for _, c := range cases {
		toks, err := splitLine(c.in)
		if err != nil {
			t.Errorf("splitLine(%q): %v", c.in, err)
			continue
		}
		var got []string
		for _, tk := range toks {
			got = append(got, tk.s)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, in := range []string{`ECHO "abc`, `ECHO 'abc`, `ECHO "a"b`, `ECHO 'a'b`, `ECHO "a"*`, `ECHO "a"*x`} {
		if _, err := splitLine(in); err == nil {
			t.Errorf("splitLine(%q) should fail", in)
		}
	}
}

func TestParseScript(t *testing.T) {
	src := `# comment
SET k v

  # indented comment
!sort KEYS *
@c2 !type !resp3 CLIENT ID
!range 1 10 TTL k
!mask '\d+' !mask 'x' INFO
!let id CLIENT ID
CLIENT LIST ID ${id}
!scan HSCAN h 0 COUNT 2
!raw "PING\r\n" "x"*3
@b !send BLPOP l 0
!sleep 10
@b !recv
@b !close
"!sort" literal
`
	steps, err := parseScript("t.txt", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 14 {
		t.Fatalf("got %d steps, want 14", len(steps))
	}
	s := steps[0]
	if s.line != 2 || !reflect.DeepEqual(s.args, []string{"SET", "k", "v"}) || s.kind != kindCmd {
		t.Errorf("step 0: %+v", s)
	}
	if !steps[1].sort || steps[1].line != 5 {
		t.Errorf("step 1: %+v", steps[1])
	}
	if s := steps[2]; s.conn != "c2" || !s.shape || s.proto != 3 || s.args[0] != "CLIENT" {
		t.Errorf("step 2: %+v", s)
	}
	if s := steps[3]; s.rng == nil || *s.rng != [2]int64{1, 10} {
		t.Errorf("step 3: %+v", s)
	}
	if s := steps[4]; len(s.masks) != 2 || s.masks[0].String() != `\d+` {
		t.Errorf("step 4: %+v", s)
	}
	if s := steps[5]; s.let != "id" {
		t.Errorf("step 5: %+v", s)
	}
	if s := steps[7]; !s.scan {
		t.Errorf("step 7: %+v", s)
	}
	if s := steps[8]; s.kind != kindRaw || strings.Join(s.raw, "") != "PING\r\nxxx" {
		t.Errorf("step 8: %+v", s)
	}
	if s := steps[9]; s.kind != kindSend || s.conn != "b" {
		t.Errorf("step 9: %+v", s)
	}
	if s := steps[10]; s.kind != kindSleep || s.sleep != 10 {
		t.Errorf("step 10: %+v", s)
	}
	if s := steps[11]; s.kind != kindRecv || s.sendAt != steps[9] {
		t.Errorf("step 11: %+v", s)
	}
	if s := steps[12]; s.kind != kindClose || s.conn != "b" {
		t.Errorf("step 12: %+v", s)
	}
	if s := steps[13]; s.args[0] != "!sort" {
		t.Errorf("step 13: %+v", s)
	}
}

func TestParseScriptErrors(t *testing.T) {
	bad := []string{
		`!nosuch GET k`,
		`!sort`,
		`!range 1 GET`,
		`!range 5 1 TTL k`,
		`!mask '(' GET k`,
		`!let 1x GET k`,
		`CLIENT LIST ID ${undefined}`,
		`!scan GET k`,
		`!raw`,
		`@c !raw "PING\r\n"`,
		`!sort !raw "PING\r\n"`,
		`!recv`,
		"@b !send GET k\n@b GET k",
		`!sort !send GET k`,
		`!close`,
		`!sleep abc`,
		`!resp2 !resp3 PING`,
		`@a @b PING`,
		`GET "k`,
	}
	for _, src := range bad {
		if _, err := parseScript("bad.txt", src); err == nil {
			t.Errorf("parseScript(%q) should fail", src)
		} else if !strings.HasPrefix(err.Error(), "bad.txt:") {
			t.Errorf("error %q lacks file:line", err)
		}
	}
}
