package rdb

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestWriteFuzzSeeds regenerates the committed seed corpora under
// testdata/fuzz. It only runs when RDB_WRITE_FUZZ_SEEDS=1 so that a normal
// test run never rewrites files.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("RDB_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set RDB_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz seeds")
	}
	write := func(target, name string, args ...any) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		s := "go test fuzz v1\n"
		for _, a := range args {
			switch v := a.(type) {
			case []byte:
				s += "[]byte(" + strconv.Quote(string(v)) + ")\n"
			case int:
				s += fmt.Sprintf("int(%d)\n", v)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, f := range fuzzSeedFiles() {
		write("FuzzDecodeFile", fmt.Sprintf("seed-%d", i), f)
	}
	for name, v := range sampleValues() {
		d := EncodeDump(v)
		if len(d) > 4096 {
			continue
		}
		name = strings.ReplaceAll(name, ":", "-")
		write("FuzzDecodeDump", "seed-"+name, d)
		write("FuzzDecodeDumpBody", "seed-"+name, d[:len(d)-10])
	}
	write("FuzzLZF", "seed-text", []byte("the quick brown fox jumps over the quick brown dog"), 60)
	write("FuzzLZF", "seed-compressed", []byte{0x01, 'a', 'a', 0xe0, 0x0a, 0x00}, 21)
	write("FuzzLZF", "seed-backref-before-start", []byte{0x00, 'a', 0x20, 0x05}, 4)
}
