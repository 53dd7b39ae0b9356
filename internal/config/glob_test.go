package config

import (
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		nocase     bool
		want       bool
	}{
		{"*", "anything", false, true},
		{"*", "", false, false}, // as in Redis: '*' needs something to consume
		{"", "", false, true},
		{"", "a", false, false},
		{"a*", "abc", false, true},
		{"*c", "abc", false, true},
		{"a*c", "abbbc", false, true},
		{"a**c", "ac", false, true},
		{"a*c", "abcd", false, false},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"h[ae]llo", "hello", false, true},
		{"h[ae]llo", "hillo", false, false},
		{"h[^e]llo", "hallo", false, true},
		{"h[^e]llo", "hello", false, false},
		{"h[a-b]llo", "hbllo", false, true},
		{"h[b-a]llo", "hallo", false, true}, // reversed range
		{"h[a-b]llo", "hcllo", false, false},
		{"h[\\]]llo", "h]llo", false, true},
		{"h[abc", "hc", false, true}, // unclosed class runs to the end
		{"a\\*b", "a*b", false, true},
		{"a\\*b", "axb", false, false},
		{"a\\", "a\\", false, true},
		{"PORT", "port", true, true},
		{"PORT", "port", false, false},
		{"[A-Z]ort", "port", true, true},
		{"*MAX*", "maxmemory", true, true},
		{"max*", "MAXMEMORY", true, true},
	}
	for _, tc := range tests {
		if got := globMatch(tc.pattern, tc.s, tc.nocase); got != tc.want {
			t.Errorf("globMatch(%q, %q, %v) = %v", tc.pattern, tc.s, tc.nocase, got)
		}
	}
}

func TestGlobMatchIsNotExponential(t *testing.T) {
	pattern := strings.Repeat("*a", 30) + "*b"
	s := strings.Repeat("a", 60)
	if globMatch(pattern, s, true) {
		t.Fatal("unexpected match")
	}
	c := Default()
	if got := c.Get(pattern); len(got) != 0 {
		t.Fatal(got)
	}
}
