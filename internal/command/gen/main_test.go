package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedIsCurrent regenerates the table from a freshly started
// redis-server and checks that specs_gen.go is up to date (and that the
// output is deterministic).
func TestGeneratedIsCurrent(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("skipping: redis-server not found on PATH (install Debian's redis-server 7.0)")
	}
	out := filepath.Join(t.TempDir(), "specs_gen.go")
	if err := run("", "redis-server", out, filepath.Join("..", "docs.go"), false); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "specs_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("specs_gen.go is stale: run `go generate` in internal/command")
	}
}

func TestReadSummaries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "docs.go")
	os.WriteFile(path, []byte("package x\nvar summaries = map[string]string{\"get\": \"Reads.\", `a|b`: \"x\"}\n"), 0o644)
	m, err := readSummaries(path)
	if err != nil || m["get"] != "Reads." || m["a|b"] != "x" || len(m) != 2 {
		t.Fatalf("%v %v", m, err)
	}
	os.WriteFile(path, []byte("package x\nvar summaries = map[string]string{\"get\": \"a\", \"get\": \"b\"}\n"), 0o644)
	if _, err := readSummaries(path); err == nil {
		t.Error("duplicate key accepted")
	}
	os.WriteFile(path, []byte("package x\nvar other = 1\n"), 0o644)
	if _, err := readSummaries(path); err == nil {
		t.Error("missing map accepted")
	}
}
