package types

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func hashPairs(h *Hash) []string {
	var out []string
	h.Range(func(f, v []byte) bool {
		out = append(out, string(f)+"="+string(v))
		return true
	})
	return out
}

func TestHashEncodingAndOrder(t *testing.T) {
	long := strings.Repeat("x", 65)
	edge := strings.Repeat("x", 64)
	tests := []struct {
		name  string
		lim   func(*Limits)
		ops   [][2]string // field, value; value "\x00del" deletes
		enc   Encoding
		order []string // listpack order, when enc is listpack
	}{
		{name: "insertion order kept on update",
			ops:   [][2]string{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"a", "9"}, {"b", "\x00del"}, {"b", "7"}},
			enc:   EncListpack,
			order: []string{"a=9", "c=3", "b=7"}},
		{name: "value at limit stays", ops: [][2]string{{"a", "1"}, {"b", edge}}, enc: EncListpack,
			order: []string{"a=1", "b=" + edge}},
		{name: "long value converts", ops: [][2]string{{"a", "1"}, {"c", long}}, enc: EncHashtable},
		{name: "long field converts", ops: [][2]string{{long, "1"}}, enc: EncHashtable},
		{name: "entries over limit convert", lim: func(l *Limits) { l.HashMaxListpackEntries = 3 },
			ops: [][2]string{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}}, enc: EncHashtable},
		{name: "entries at limit stay", lim: func(l *Limits) { l.HashMaxListpackEntries = 3 },
			ops: [][2]string{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"c", "4"}}, enc: EncListpack,
			order: []string{"a=1", "b=2", "c=4"}},
		{name: "no conversion back", lim: func(l *Limits) { l.HashMaxListpackEntries = 3 },
			ops: [][2]string{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"a", "\x00del"}, {"b", "\x00del"}}, enc: EncHashtable},
		{name: "zero entries limit", lim: func(l *Limits) { l.HashMaxListpackEntries = 0 },
			ops: [][2]string{{"a", "1"}}, enc: EncHashtable},
		{name: "zero value limit, empty strings", lim: func(l *Limits) { l.HashMaxListpackValue = 0 },
			ops: [][2]string{{"", ""}}, enc: EncListpack, order: []string{"="}},
		{name: "zero value limit", lim: func(l *Limits) { l.HashMaxListpackValue = 0 },
			ops: [][2]string{{"a", ""}}, enc: EncHashtable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lim := defLimits()
			if tc.lim != nil {
				tc.lim(lim)
			}
			h := NewHash()
			for _, op := range tc.ops {
				if op[1] == "\x00del" {
					h.Delete([]byte(op[0]))
				} else {
					h.Set(lim, []byte(op[0]), []byte(op[1]))
				}
				checkHash(t, h)
			}
			if h.Encoding() != tc.enc {
				t.Fatalf("encoding %v, want %v", h.Encoding(), tc.enc)
			}
			if tc.order != nil && !slices.Equal(hashPairs(h), tc.order) {
				t.Fatalf("order %v, want %v", hashPairs(h), tc.order)
			}
		})
	}
}

func TestHashBasics(t *testing.T) {
	for _, enc := range []Encoding{EncListpack, EncHashtable} {
		t.Run(enc.String(), func(t *testing.T) {
			lim := defLimits()
			h := NewHash()
			if enc == EncHashtable {
				h.convert()
			}
			if !h.Set(lim, []byte("f"), []byte("hello")) {
				t.Fatal("first Set should create")
			}
			if h.Set(lim, []byte("f"), []byte("world!")) {
				t.Fatal("second Set should update")
			}
			if v, ok := h.Get([]byte("f")); !ok || string(v) != "world!" {
				t.Fatalf("Get = %q %v", v, ok)
			}
			if h.StrLen([]byte("f")) != 6 || h.StrLen([]byte("nope")) != 0 {
				t.Fatal("StrLen")
			}
			if !h.Exists([]byte("f")) || h.Exists([]byte("g")) {
				t.Fatal("Exists")
			}
			if h.Delete([]byte("g")) || !h.Delete([]byte("f")) || h.Len() != 0 {
				t.Fatal("Delete")
			}
			if h.Encoding() != enc {
				t.Fatal("encoding changed")
			}
		})
	}
}

// TestHashModel drives random operations against a naive model,
// including conversions, and checks contents, listpack order and the
// conversion rule.
func TestHashModel(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		r := newRand(seed)
		lim := smallLimits()
		h := NewHash()
		var order []string // model of listpack order
		model := map[string]string{}
		converted := false
		for step := 0; step < 3000; step++ {
			f := randMember(r, 24)
			switch r.IntN(10) {
			case 0, 1, 2:
				ok := h.Delete(f)
				_, had := model[string(f)]
				if ok != had {
					t.Fatalf("seed %d step %d: Delete %q = %v, model %v", seed, step, f, ok, had)
				}
				delete(model, string(f))
				if i := slices.Index(order, string(f)); i >= 0 {
					order = slices.Delete(order, i, i+1)
				}
			case 3:
				v, ok := h.Get(f)
				mv, had := model[string(f)]
				if ok != had || string(v) != mv {
					t.Fatalf("seed %d step %d: Get %q = %q %v, model %q %v", seed, step, f, v, ok, mv, had)
				}
			default:
				v := bytes.Repeat([]byte{'v'}, r.IntN(20))
				created := h.Set(lim, f, v)
				_, had := model[string(f)]
				if created == had {
					t.Fatalf("seed %d step %d: Set created=%v had=%v", seed, step, created, had)
				}
				if len(f) > 16 || len(v) > 16 {
					converted = true
				}
				model[string(f)] = string(v)
				if !had {
					order = append(order, string(f))
				}
				if len(model) > 8 {
					converted = true
				}
			}
			if h.Len() != len(model) {
				t.Fatalf("seed %d step %d: Len %d model %d", seed, step, h.Len(), len(model))
			}
			wantEnc := EncListpack
			if converted {
				wantEnc = EncHashtable
			}
			if h.Encoding() != wantEnc {
				t.Fatalf("seed %d step %d: encoding %v want %v", seed, step, h.Encoding(), wantEnc)
			}
			if step%50 == 0 {
				checkHash(t, h)
				got := map[string]string{}
				var gotOrder []string
				h.Range(func(f, v []byte) bool {
					got[string(f)] = string(v)
					gotOrder = append(gotOrder, string(f))
					return true
				})
				if len(got) != len(model) {
					t.Fatalf("Range returned %d fields, model %d", len(got), len(model))
				}
				for k, v := range model {
					if got[k] != v {
						t.Fatalf("Range %q=%q model %q", k, got[k], v)
					}
				}
				if !converted && !slices.Equal(gotOrder, order) {
					t.Fatalf("listpack order %v, model %v", gotOrder, order)
				}
				c := h.Copy()
				a, b := hashPairs(c), hashPairs(h)
				if h.Encoding() == EncHashtable {
					slices.Sort(a)
					slices.Sort(b)
				}
				if !slices.Equal(a, b) || c.Encoding() != h.Encoding() {
					t.Fatal("Copy differs")
				}
				checkHash(t, c)
			}
		}
	}
}

func TestHashScanGuarantee(t *testing.T) {
	lim := defLimits()
	h := NewHash()
	for i := 0; i < 1000; i++ {
		h.Set(lim, fmt.Appendf(nil, "f%d", i), []byte("v"))
	}
	if h.Encoding() != EncHashtable {
		t.Fatal("expected hashtable")
	}
	// Fields 0..499 stay for the whole scan; others come and go and the
	// table grows and shrinks between calls.
	seen := map[string]bool{}
	r := newRand(7)
	cursor := uint64(0)
	for {
		cursor = h.Scan(cursor, func(f, _ []byte) { seen[string(f)] = true })
		for k := 0; k < 20; k++ {
			i := 500 + r.IntN(3000)
			if r.IntN(2) == 0 {
				h.Set(lim, fmt.Appendf(nil, "f%d", i), []byte("v"))
			} else {
				h.Delete(fmt.Appendf(nil, "f%d", i))
			}
		}
		if cursor == 0 {
			break
		}
	}
	for i := 0; i < 500; i++ {
		if !seen[fmt.Sprintf("f%d", i)] {
			t.Fatalf("f%d never returned", i)
		}
	}
	// A listpack hash is returned whole with cursor 0.
	small := NewHash()
	small.Set(lim, []byte("a"), []byte("1"))
	small.Set(lim, []byte("b"), []byte("2"))
	n := 0
	if c := small.Scan(12345, func(_, _ []byte) { n++ }); c != 0 || n != 2 {
		t.Fatalf("listpack scan: cursor %d, %d fields", c, n)
	}
}

func TestHashRandomPairs(t *testing.T) {
	lim := defLimits()
	for _, size := range []int{10, 600} {
		h := NewHash()
		for i := 0; i < size; i++ {
			h.Set(lim, fmt.Appendf(nil, "f%04d", i), fmt.Appendf(nil, "v%d", i))
		}
		r := newRand(uint64(size))
		for _, count := range []int64{-1, -5, -3 * int64(size), 1, 2, 3, int64(size) / 3, int64(size)/3 + 1, int64(size) - 1, int64(size), int64(size) + 5} {
			var got []string
			h.RandomPairs(r, count, func(f, v []byte) {
				if string(v) != "v"+strings.TrimLeft(string(f)[1:], "0") && !(string(f) == "f0000" && string(v) == "v0") {
					t.Fatalf("pair %q=%q mismatched", f, v)
				}
				got = append(got, string(f))
			})
			want := int(count)
			if count < 0 {
				want = int(-count)
			} else if want > size {
				want = size
			}
			if len(got) != want {
				t.Fatalf("size %d count %d: got %d pairs", size, count, len(got))
			}
			if count > 0 {
				u := slices.Clone(got)
				slices.Sort(u)
				if len(slices.Compact(u)) != len(got) {
					t.Fatalf("size %d count %d: duplicates in %v", size, count, got)
				}
				// A listpack's sparse sample comes out in listpack order,
				// and the whole hash in Range order.
				if h.Encoding() == EncListpack && (count*3 <= int64(size) || count >= int64(size)) && !slices.IsSorted(got) {
					t.Fatalf("listpack sample not in order: %v", got)
				}
			}
		}
	}
}

func TestHashMemUsage(t *testing.T) {
	lim := defLimits()
	h := NewHash()
	base := h.MemUsage()
	for i := 0; i < 100; i++ {
		h.Set(lim, fmt.Appendf(nil, "field%d", i), []byte("value"))
	}
	small := h.MemUsage()
	if small <= base || small > 100*40 {
		t.Fatalf("listpack mem %d (base %d)", small, base)
	}
	for i := 100; i < 1000; i++ {
		h.Set(lim, fmt.Appendf(nil, "field%d", i), []byte("value"))
	}
	large := h.MemUsage()
	// Entry 24 + the pair's 16-byte allocation, plus 8 bytes per bucket.
	if large < 1000*40 || large > 1000*80 {
		t.Fatalf("hashtable mem %d", large)
	}
	for i := 0; i < 1000; i++ {
		h.Delete(fmt.Appendf(nil, "field%d", i))
	}
	checkHash(t, h)
	if h.ht().mem != 0 {
		t.Fatalf("mem %d after deleting everything", h.ht().mem)
	}
}

func TestNewHashFromPairs(t *testing.T) {
	lim := defLimits()
	pairs := [][2]string{{"b", "1"}, {"a", "2"}, {"b", "3"}}
	h := NewHashFromPairs(lim, len(pairs), func(i int) ([]byte, []byte) { return []byte(pairs[i][0]), []byte(pairs[i][1]) })
	if h.Encoding() != EncListpack || !slices.Equal(hashPairs(h), []string{"b=3", "a=2"}) {
		t.Fatalf("got %v %v", h.Encoding(), hashPairs(h))
	}
	lim.HashMaxListpackEntries = 1
	h = NewHashFromPairs(lim, len(pairs), func(i int) ([]byte, []byte) { return []byte(pairs[i][0]), []byte(pairs[i][1]) })
	if h.Encoding() != EncHashtable || h.Len() != 2 {
		t.Fatalf("got %v len %d", h.Encoding(), h.Len())
	}
}
