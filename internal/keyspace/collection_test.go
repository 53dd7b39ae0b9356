package keyspace_test

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// TestCollectionsSurviveGC stores collections in objects (their interface
// is kept as two raw words) and checks they read back intact after the
// garbage collector has run, including under -race's pointer checks.
func TestCollectionsSurviveGC(t *testing.T) {
	ks := keyspace.New(1)
	db := ks.DB(0)
	lim := types.DefaultLimits()
	const n = 5000
	for i := 0; i < n; i++ {
		h := types.NewHash()
		h.Set(&lim, []byte("f"), []byte("v"+strconv.Itoa(i)))
		s := types.NewSet()
		s.Add(&lim, []byte(strconv.Itoa(i)))
		db.Add([]byte("h"+strconv.Itoa(i))).SetCollection(keyspace.TypeHash, h)
		db.Add([]byte("s"+strconv.Itoa(i))).SetCollection(keyspace.TypeSet, s)
	}
	ks.Settle()
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	for i := 0; i < n; i++ {
		h := db.Lookup([]byte("h" + strconv.Itoa(i))).Collection().(*types.Hash)
		if v, ok := h.Get([]byte("f")); !ok || string(v) != "v"+strconv.Itoa(i) {
			t.Fatalf("hash %d: %q %v", i, v, ok)
		}
		s := db.Lookup([]byte("s" + strconv.Itoa(i))).Collection().(*types.Set)
		if !s.IsMember([]byte(strconv.Itoa(i))) || s.Encoding() != keyspace.EncIntset {
			t.Fatalf("set %d", i)
		}
	}
	// Replacing a collection by a string and back keeps both readable.
	o := db.Lookup([]byte("h0"))
	o.SetString([]byte("now a string"))
	if o.Collection() != nil || string(o.Bytes()) != "now a string" {
		t.Fatal("string over collection")
	}
}
