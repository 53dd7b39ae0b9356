package rdb

import "testing"

func TestValueLenAndKind(t *testing.T) {
	cases := []struct {
		v    *Value
		n    int
		kind string
	}{
		{strVal(""), 1, "string"},
		{listVal("a", "b"), 2, "list"},
		{setVal("a"), 1, "set"},
		{zsetVal("a", 1.0, "b", 2.0, "c", 3.0), 3, "zset"},
		{hashVal("a", "1"), 1, "hash"},
		{&Value{Kind: KindStream}, 0, "stream"},
		{&Value{Kind: KindStream, Stream: sampleStream(4)}, 4, "stream"},
		{&Value{Kind: KindModule}, 0, "module"},
	}
	for i, c := range cases {
		if c.v.Len() != c.n || c.v.Kind.String() != c.kind {
			t.Errorf("case %d: len %d kind %s", i, c.v.Len(), c.v.Kind)
		}
	}
	if Kind(42).String() != "unknown" {
		t.Error("unknown kind name")
	}
	// Kind numbers are Redis's object type numbers; DEBUG DIGEST hashes them.
	if KindString != 0 || KindList != 1 || KindSet != 2 || KindZSet != 3 || KindHash != 4 || KindModule != 5 || KindStream != 6 {
		t.Error("kind numbering changed")
	}
}
