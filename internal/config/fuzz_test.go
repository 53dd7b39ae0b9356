package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary text to the parser. It must never panic; any
// failure must be a *ParseError; and a text that loads must survive
// CONFIG REWRITE: the rewritten file loads back to the same values.
//
// Run with: go test -run '^$' -fuzz FuzzParse ./internal/config
// The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add("port 6379\nsave 900 1\n")
	f.Add("bind \"127.0.0.1 -::1\"\nrequirepass 'it\\'s'\n")
	f.Fuzz(func(t *testing.T, text string) {
		if strings.Contains(strings.ToLower(text), "include") {
			// include would read arbitrary paths of this machine.
			return
		}
		c, err := Parse(strings.NewReader(text), "fuzz.conf")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || err.Error() == "" {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			return
		}
		path := filepath.Join(t.TempDir(), "fuzz.conf")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		content, err := rewriteContent(c, path)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(strings.NewReader(content), "rewritten.conf")
		if err != nil {
			t.Fatalf("rewritten file does not load: %v\n--- input\n%s\n--- rewritten\n%s", err, text, content)
		}
		for _, d := range Directives() {
			a, _ := c.Value(d.Name)
			b, _ := back.Value(d.Name)
			if a != b {
				t.Fatalf("%s: %q before rewrite, %q after\n--- input\n%q\n--- rewritten\n%s", d.Name, a, b, text, content)
			}
		}
	})
}
