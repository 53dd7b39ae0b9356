package aof

import (
	"strings"
	"testing"
)

func TestManifestRoundTrip(t *testing.T) {
	// As Redis 7.0.15 writes it after two rewrites.
	in := "file appendonly.aof.2.base.rdb seq 2 type b\n" +
		"file appendonly.aof.1.incr.aof seq 1 type h\n" +
		"file appendonly.aof.2.incr.aof seq 2 type i\n" +
		"file appendonly.aof.3.incr.aof seq 3 type i\n"
	m, err := ParseManifest([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if m.Base == nil || m.Base.Name != "appendonly.aof.2.base.rdb" || m.BaseSeq != 2 || m.IncrSeq != 3 {
		t.Fatalf("parsed %+v", m)
	}
	if len(m.History) != 1 || len(m.Incr) != 2 {
		t.Fatalf("parsed %+v", m)
	}
	if got := string(m.Bytes()); got != in {
		t.Fatalf("rendered\n%s\nwant\n%s", got, in)
	}
}

func TestManifestCommentsUnknownKeysAndQuoting(t *testing.T) {
	in := "# a comment\nfile \"odd name.aof\" seq 1 type b future xyz\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
	m, err := ParseManifest([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if m.Base.Name != "odd name.aof" {
		t.Fatalf("name %q", m.Base.Name)
	}
	want := "file \"odd name.aof\" seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
	if got := string(m.Bytes()); got != want {
		t.Fatalf("rendered %q want %q", got, want)
	}
}

func TestManifestErrors(t *testing.T) {
	cases := map[string]string{
		"":               "Found an empty AOF manifest",
		"\n":             "Invalid AOF manifest file format",
		"file a seq 1\n": "Invalid AOF manifest file format",
		"file a seq 1 type b\nfile b seq 2 type b\n":        "Found duplicate base file information",
		"file a seq 2 type i\nfile b seq 2 type i\n":        "Found a non-monotonic sequence number",
		"file a seq 1 type x\n":                             "Unknown AOF file type",
		"file dir/a seq 1 type b\n":                         "File can't be a path, just a filename",
		"file a seq 0 type b\n":                             "Invalid AOF manifest file format",
		"file a seq 1 type b\n" + strings.Repeat("x", 2000): "too long line",
	}
	for in, want := range cases {
		_, err := ParseManifest([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

func TestManifestNaming(t *testing.T) {
	m := &Manifest{}
	b := m.newBase("appendonly.aof", true)
	i := m.newIncr("appendonly.aof")
	if b.Name != "appendonly.aof.1.base.rdb" || i.Name != "appendonly.aof.1.incr.aof" {
		t.Fatalf("%s %s", b.Name, i.Name)
	}
	m.newIncr("appendonly.aof")
	b2 := m.newBase("appendonly.aof", false)
	if b2.Name != "appendonly.aof.2.base.aof" || len(m.History) != 1 {
		t.Fatalf("%s %+v", b2.Name, m.History)
	}
	m.incrToHistory(1)
	if len(m.Incr) != 1 || m.Incr[0].Name != "appendonly.aof.2.incr.aof" || len(m.History) != 2 {
		t.Fatalf("%+v", m)
	}
}
