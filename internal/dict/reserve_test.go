package dict

import (
	"strconv"
	"testing"
)

func TestReserveEmptyTableNeedsNoRehash(t *testing.T) {
	d := New[int]()
	d.Reserve(1000)
	if got := d.Buckets(); got != 1024 {
		t.Fatalf("buckets after Reserve(1000) = %d, want 1024", got)
	}
	for i := 0; i < 1000; i++ {
		d.Insert(strconv.Itoa(i)).Value = i
		if d.rehashing() {
			t.Fatalf("rehash started at insert %d although the table was reserved", i)
		}
	}
	for i := 0; i < 1000; i++ {
		if v := d.Get(strconv.Itoa(i)); v == nil || *v != i {
			t.Fatalf("key %d: got %v", i, v)
		}
	}
}

func TestReservePopulatedTableRehashesIncrementally(t *testing.T) {
	d := New[int]()
	for i := 0; i < 10; i++ {
		d.Insert(strconv.Itoa(i)).Value = i
	}
	for d.Rehash(100) { // let the growth the inserts started finish
	}
	d.Reserve(500)
	if !d.rehashing() {
		t.Fatal("Reserve on a populated table should start a rehash")
	}
	for d.Rehash(100) {
	}
	if got := d.Buckets(); got != 512 {
		t.Fatalf("buckets = %d, want 512", got)
	}
	for i := 0; i < 10; i++ {
		if v := d.Get(strconv.Itoa(i)); v == nil || *v != i {
			t.Fatalf("key %d lost in the rehash: %v", i, v)
		}
	}
	// Smaller requests, and requests during a rehash, change nothing.
	d.Reserve(8)
	if got := d.Buckets(); got != 512 {
		t.Fatalf("Reserve(8) shrank the table to %d buckets", got)
	}
}
