package keyspace

import (
	"fmt"
	"testing"
)

// snapRecorder collects what a snapshot would write: values handed to
// Preserve (labelled with their snapshot-time database) and values the
// iterator visits.
type snapRecorder struct {
	it  *SnapshotIterator
	got map[string]string // "db/key" -> value
	t   *testing.T
}

func (r *snapRecorder) add(db int, key string, o *Object) {
	k := fmt.Sprintf("%d/%s", db, key)
	if _, dup := r.got[k]; dup {
		r.t.Fatalf("%s written twice", k)
	}
	r.got[k] = string(o.Bytes())
}

func (r *snapRecorder) Preserve(db *DB, key string, o *Object, _ int64) {
	r.add(r.it.Origin(db), key, o)
	db.ks.MarkPreserved(o)
}

// TestSnapshotIteratorUnderChanges interleaves iterator steps with writes,
// deletes, SWAPDB, FLUSHDB and new keys: every key of the snapshot instant
// must come out exactly once, with its value and database of that instant.
func TestSnapshotIteratorUnderChanges(t *testing.T) {
	ks := New(4)
	want := map[string]string{}
	for d := 0; d < 4; d++ {
		for i := 0; i < 500; i++ {
			k := fmt.Sprintf("k%d", i)
			v := fmt.Sprintf("v%d-%d", d, i)
			ks.DB(d).Set([]byte(k), false).SetString([]byte(v))
			want[fmt.Sprintf("%d/%s", d, k)] = v
		}
	}
	ks.Settle()
	r := &snapRecorder{got: map[string]string{}, t: t}
	ks.BeginSnapshot(r)
	r.it = ks.NewSnapshotIterator()
	if r.it.Total() != 2000 {
		t.Fatalf("total %d", r.it.Total())
	}
	step := 0
	for !r.it.Next(37, nil, func(db int, key string, o *Object, _ int64) { r.add(db, key, o) }) {
		step++
		switch step {
		case 3:
			ks.DB(0).Swap(ks.DB(1))
		case 5:
			ks.DB(2).Flush()
		case 7:
			ks.DB(3).Delete([]byte("k499"))
			ks.DB(3).Set([]byte("k499"), false).SetString([]byte("new"))
		case 9:
			ks.DB(1).Swap(ks.DB(3))
		}
		for i := 0; i < 20; i++ {
			db := ks.DB((step + i) % 4)
			k := []byte(fmt.Sprintf("k%d", (step*31+i*7)%500))
			if o := db.LookupWrite(k); o != nil {
				o.SetString([]byte("changed"))
			}
			db.Set([]byte(fmt.Sprintf("fresh%d-%d", step, i)), false).SetString([]byte("x"))
		}
		ks.Settle()
	}
	ks.EndSnapshot()
	if len(r.got) != len(want) {
		t.Fatalf("%d keys written, want %d", len(r.got), len(want))
	}
	for k, v := range want {
		if r.got[k] != v {
			t.Fatalf("%s = %q, want %q", k, r.got[k], v)
		}
	}
}

func TestPeekAndRangeAllSeeExpiredKeys(t *testing.T) {
	ks := New(1)
	db := ks.DB(0)
	db.Set([]byte("a"), false).SetString([]byte("1"))
	db.SetExpire([]byte("a"), 1000) // long past
	ks.Settle()
	o, exp := db.Peek([]byte("a"))
	if o == nil || exp != 1000 {
		t.Fatalf("Peek: %v %d", o, exp)
	}
	n := 0
	db.RangeAll(func(string, *Object, int64) bool { n++; return true })
	if n != 1 || db.Len() != 1 {
		t.Fatalf("RangeAll saw %d keys", n)
	}
	if _, created := db.AddForLoad("a"); created {
		t.Fatal("AddForLoad created an existing key")
	}
	if o, created := db.AddForLoad("b"); !created || o == nil {
		t.Fatal("AddForLoad did not create")
	}
}
