package commands_test

import "testing"

// TestSortPropagation checks that SORT ... STORE propagates as sent (its
// result is deterministic) and that SORT without STORE, or a STORE that
// changed nothing, propagates nothing.
func TestSortPropagation(t *testing.T) {
	h := hsStart(t)
	h.do("SADD", "s", "b", "a", "c")
	h.rec.take()
	h.do("SORT", "s", "ALPHA")
	h.do("SORT_RO", "s", "ALPHA")
	h.expect("SORT")
	h.do("SORT", "s", "BY", "nosort", "STORE", "d")
	h.expect("SORT STORE", "SORT s BY nosort STORE d")
	if got := strs(h.do("LRANGE", "d", 0, -1)); len(got) != 3 || got[0] != "a" || got[2] != "c" {
		t.Fatalf("SORT BY nosort STORE of a set stored %v, want it sorted", got)
	}
	h.do("SORT", "missing", "STORE", "d")
	h.expect("SORT STORE deleting", "SORT missing STORE d")
	h.do("SORT", "missing", "STORE", "d")
	h.expect("SORT STORE of nothing over nothing")
}
