package dict

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestBasic(t *testing.T) {
	d := New[int]()
	for i := 0; i < 1000; i++ {
		e, created := d.Upsert(strconv.Itoa(i))
		if !created {
			t.Fatalf("%d existed", i)
		}
		e.Value = i
	}
	if d.Len() != 1000 {
		t.Fatalf("len %d", d.Len())
	}
	for i := 0; i < 1000; i++ {
		v := d.Get(strconv.Itoa(i))
		if v == nil || *v != i {
			t.Fatalf("get %d = %v", i, v)
		}
		if d.FindBytes([]byte(strconv.Itoa(i))) == nil {
			t.Fatalf("FindBytes %d", i)
		}
	}
	for i := 0; i < 1000; i += 2 {
		if d.Delete(strconv.Itoa(i)) == nil {
			t.Fatalf("delete %d", i)
		}
	}
	if d.Len() != 500 || d.Get("0") != nil || d.Get("1") == nil {
		t.Fatalf("after delete len=%d", d.Len())
	}
	for i := 1; i < 1000; i += 2 {
		d.Delete(strconv.Itoa(i))
	}
	for d.Rehash(100) {
	}
	d.ShrinkToFit()
	for d.Rehash(100) {
	}
	if d.Len() != 0 || d.Buckets() > 8 {
		t.Fatalf("len=%d buckets=%d, want shrunk", d.Len(), d.Buckets())
	}
}

// TestScanGuarantee checks SCAN's contract: keys present for the whole
// scan are returned even when the table grows or shrinks between steps.
func TestScanGuarantee(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 20; round++ {
		d := New[struct{}]()
		stable := map[string]bool{}
		for i := 0; i < 200; i++ {
			k := "s" + strconv.Itoa(i)
			d.Insert(k)
			stable[k] = true
		}
		seen := map[string]bool{}
		var cursor uint64
		extra := 0
		for {
			cursor = d.Scan(cursor, func(e *Entry[struct{}]) { seen[e.Key] = true })
			// Mutate between steps: grow in some rounds, shrink in others.
			if round%2 == 0 {
				for j := 0; j < 50 && extra < 3000; j++ {
					d.Insert("x" + strconv.Itoa(extra))
					extra++
				}
			} else {
				for j := 0; j < 30 && extra < 5000; j++ {
					d.Insert("x" + strconv.Itoa(extra))
					d.Delete("x" + strconv.Itoa(extra))
					extra++
				}
			}
			if r.IntN(3) == 0 {
				d.Rehash(r.IntN(50))
			}
			if cursor == 0 {
				break
			}
		}
		for k := range stable {
			if !seen[k] {
				t.Fatalf("round %d: key %s not returned by scan", round, k)
			}
		}
	}
}

func TestRandomAndSample(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	d := New[int]()
	if d.Random(r) != nil {
		t.Fatal("random on empty")
	}
	for i := 0; i < 100; i++ {
		d.Insert(strconv.Itoa(i))
	}
	counts := map[string]int{}
	for i := 0; i < 10000; i++ {
		counts[d.Random(r).Key]++
	}
	if len(counts) < 95 {
		t.Fatalf("random hit only %d keys", len(counts))
	}
	s := d.Sample(r, 20, nil)
	if len(s) != 20 {
		t.Fatalf("sample %d", len(s))
	}
	uniq := map[string]bool{}
	for _, e := range s {
		uniq[e.Key] = true
	}
	if len(uniq) != 20 {
		t.Fatalf("sample not distinct: %d", len(uniq))
	}
}

func BenchmarkFind(b *testing.B) {
	d := New[int]()
	keys := make([][]byte, 1<<16)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
		d.Insert(string(keys[i]))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if d.FindBytes(keys[i&(1<<16-1)]) == nil {
			b.Fatal("missing")
		}
	}
}

// TestInlineKeys checks a dict that keeps short keys inside their entries:
// lookups, deletes and rehashing see the same keys as a plain dict, and a
// key string taken from an entry stays intact after the entry is gone.
func TestInlineKeys(t *testing.T) {
	d := NewInlineKeys[int]()
	var kept []string
	for i := 0; i < 5000; i++ {
		k := "key:" + strconv.Itoa(i)
		if i%7 == 0 {
			k += ":a-long-suffix-beyond-the-inline-limit"
		}
		var e *Entry[int]
		if i%2 == 0 {
			e = d.Insert(k)
		} else {
			e = d.InsertBytes([]byte(k))
		}
		e.Value = i
		if e.Key != k {
			t.Fatalf("inserted %q, entry has %q", k, e.Key)
		}
		if i%100 == 0 {
			kept = append(kept, e.Key)
		}
	}
	for i := 0; i < 5000; i++ {
		k := "key:" + strconv.Itoa(i)
		if i%7 == 0 {
			k += ":a-long-suffix-beyond-the-inline-limit"
		}
		e := d.FindBytes([]byte(k))
		if e == nil || e.Value != i || e.Key != k {
			t.Fatalf("find %q = %+v", k, e)
		}
		if i%3 == 0 && d.Delete(k) == nil {
			t.Fatalf("delete %q failed", k)
		}
	}
	for i, k := range kept {
		want := "key:" + strconv.Itoa(i*100)
		if i*100%7 == 0 {
			want += ":a-long-suffix-beyond-the-inline-limit"
		}
		if k != want {
			t.Fatalf("kept key %d = %q, want %q", i, k, want)
		}
	}
}
