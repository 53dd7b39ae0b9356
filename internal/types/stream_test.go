package types

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

var streamDefaultLimits = StreamNodeLimits{MaxBytes: StreamDefaultNodeMaxBytes, MaxEntries: StreamDefaultNodeMaxEntries}

func streamAdd(t testing.TB, s *Stream, id StreamID, kv ...string) {
	t.Helper()
	f := make([][]byte, len(kv))
	for i, x := range kv {
		f[i] = []byte(x)
	}
	if _, err := s.Add(StreamAddID{ID: id}, f, 0, streamDefaultLimits); err != nil {
		t.Fatalf("add %v: %v", id, err)
	}
}

type streamShape struct {
	length, keys, nodes int
	first               StreamID
}

func streamCheckShape(t *testing.T, s *Stream, want streamShape, what string) {
	t.Helper()
	in := s.Info()
	got := streamShape{int(in.Length), in.RadixTreeKeys, in.RadixTreeNodes, in.FirstID}
	if got != want {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
}

// Expected values in these tests were recorded from redis-server 7.0.15.
func TestStreamTrimGolden(t *testing.T) {
	t.Run("maxlen approx on uniform entries", func(t *testing.T) {
		s := NewStream()
		for i := 1; i <= 1000; i++ {
			streamAdd(t, s, StreamID{uint64(i), 1}, "a", strconv.Itoa(i))
		}
		lim := StreamDefaultTrimLimit(100)
		if n := s.Trim(StreamTrimArgs{Strategy: StreamTrimMaxLen, MaxLen: 950, Approx: true, Limit: lim}); n != 0 {
			t.Errorf("MAXLEN ~ 950 trimmed %d, want 0", n)
		}
		if n := s.Trim(StreamTrimArgs{Strategy: StreamTrimMaxLen, MaxLen: 555, Approx: true, Limit: lim}); n != 400 {
			t.Errorf("MAXLEN ~ 555 trimmed %d, want 400", n)
		}
		streamCheckShape(t, s, streamShape{600, 6, 17, StreamID{401, 1}}, "after")
	})
	t.Run("byte-limited nodes with mixed fields", func(t *testing.T) {
		s := NewStream()
		for i := 1; i <= 1000; i++ {
			v := strings.Repeat("v", (i*37)%300)
			if v == "" {
				continue // redis-cli dropped these empty arguments
			}
			f := "a"
			if i%7 == 0 {
				f = "b"
			}
			streamAdd(t, s, StreamID{uint64(i), 0}, f, v, "c", strconv.Itoa(i*1000))
		}
		streamCheckShape(t, s, streamShape{997, 42, 90, StreamID{1, 0}}, "built")
		if n := s.Trim(StreamTrimArgs{Strategy: StreamTrimMaxLen, MaxLen: 10, Approx: true}); n != 975 {
			t.Errorf("MAXLEN ~ 10 LIMIT 0 trimmed %d, want 975", n)
		}
		streamCheckShape(t, s, streamShape{22, 1, 2, StreamID{979, 0}}, "trimmed")
	})
	t.Run("minid uses a node's last entry even if deleted", func(t *testing.T) {
		s := NewStream()
		for i := 1; i <= 250; i++ {
			streamAdd(t, s, StreamID{uint64(i), 0}, "a", strconv.Itoa(i))
		}
		if n := s.Delete(StreamID{100, 0}); n != 1 {
			t.Fatal(n)
		}
		steps := []struct {
			minID  uint64
			approx bool
			want   int64
		}{{101, true, 99}, {101, false, 0}, {150, true, 0}}
		for _, st := range steps {
			if n := s.Trim(StreamTrimArgs{Strategy: StreamTrimMinID, MinID: StreamID{st.minID, 0}, Approx: st.approx, Limit: 10000}); n != st.want {
				t.Errorf("MINID %v approx=%v trimmed %d, want %d", st.minID, st.approx, n, st.want)
			}
		}
		streamCheckShape(t, s, streamShape{150, 2, 6, StreamID{101, 0}}, "after")
	})
	t.Run("exact minid can leave an empty node", func(t *testing.T) {
		s := NewStream()
		for i := 1; i <= 100; i++ {
			streamAdd(t, s, StreamID{uint64(i), 0}, "a", strconv.Itoa(i))
		}
		s.Delete(StreamID{100, 0})
		if n := s.Trim(StreamTrimArgs{Strategy: StreamTrimMinID, MinID: StreamID{100, 0}}); n != 99 {
			t.Errorf("trimmed %d, want 99", n)
		}
		streamCheckShape(t, s, streamShape{0, 1, 2, StreamID{}}, "empty node kept")
		streamAdd(t, s, StreamID{101, 0}, "a", "1")
		streamCheckShape(t, s, streamShape{1, 2, 6, StreamID{101, 0}}, "added")
		if n := s.Trim(StreamTrimArgs{Strategy: StreamTrimMaxLen, MaxLen: 0}); n != 1 {
			t.Errorf("MAXLEN 0 trimmed %d, want 1", n)
		}
		streamCheckShape(t, s, streamShape{0, 0, 1, StreamID{}}, "all gone")
	})
	t.Run("limit stops before a node", func(t *testing.T) {
		s := NewStream()
		for i := 1; i <= 1000; i++ {
			streamAdd(t, s, StreamID{uint64(i), 0}, "a", "x")
		}
		if n := s.Trim(StreamTrimArgs{Strategy: StreamTrimMaxLen, MaxLen: 0, Approx: true, Limit: 250}); n != 200 {
			t.Errorf("LIMIT 250 trimmed %d, want 200", n)
		}
	})
}

func TestStreamAddErrors(t *testing.T) {
	max := ^uint64(0)
	f := [][]byte{[]byte("f"), []byte("v")}
	s := NewStream()
	if _, err := s.Add(StreamAddID{ID: StreamID{5, max}}, f, 0, streamDefaultLimits); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(StreamAddID{ID: StreamID{5, 0}, SeqAuto: true}, f, 0, streamDefaultLimits); err != StreamErrTooLarge {
		t.Errorf("5-* after 5-max: %v", err)
	}
	if _, err := s.Add(StreamAddID{ID: StreamID{5, max}}, f, 0, streamDefaultLimits); err != StreamErrIDTooSmall {
		t.Errorf("equal ID: %v", err)
	}
	if id, err := s.Add(StreamAddID{Auto: true}, f, 3, streamDefaultLimits); err != nil || id != (StreamID{6, 0}) {
		t.Errorf("* with clock behind: %v %v", id, err)
	}
	if id, err := s.Add(StreamAddID{Auto: true}, f, 1000, streamDefaultLimits); err != nil || id != (StreamID{1000, 0}) {
		t.Errorf("* with clock ahead: %v %v", id, err)
	}
	if id, err := s.Add(StreamAddID{ID: StreamID{1000, 0}, SeqAuto: true}, f, 0, streamDefaultLimits); err != nil || id != (StreamID{1000, 1}) {
		t.Errorf("1000-*: %v %v", id, err)
	}
	if _, err := s.Add(StreamAddID{ID: StreamID{max, max}}, f, 0, streamDefaultLimits); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(StreamAddID{Auto: true}, f, 0, streamDefaultLimits); err != StreamErrExhausted {
		t.Errorf("after max: %v", err)
	}
	if _, err := NewStream().Add(StreamAddID{}, f, 0, streamDefaultLimits); err != StreamErrIDZero {
		t.Errorf("0-0: %v", err)
	}
	if id, err := NewStream().Add(StreamAddID{SeqAuto: true}, f, 0, streamDefaultLimits); err != nil || id != (StreamID{0, 1}) {
		t.Errorf("0-* on empty: %v %v", id, err)
	}
	if s.EntriesAdded() != 5 || s.Length() != 5 || s.LastID() != StreamMaxID() || s.FirstID() != (StreamID{5, max}) {
		t.Errorf("meta: %+v", s.Meta())
	}
}

func TestStreamDeleteAndSetID(t *testing.T) {
	s := NewStream()
	streamAdd(t, s, StreamID{1, 1}, "a", "1")
	streamAdd(t, s, StreamID{2, 1}, "a", "1")
	if n := s.Delete(StreamID{2, 1}, StreamID{2, 1}, StreamID{9, 9}); n != 1 {
		t.Fatalf("deleted %d", n)
	}
	// Redis 7.0 lets XSETID go below max_deleted_entry_id and below the
	// last ID, down to the last live entry.
	if err := s.SetID(StreamID{1, 5}, -1, StreamID{}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetID(StreamID{1, 4}, -1, StreamID{}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetID(StreamID{1, 0}, -1, StreamID{}); err != StreamErrSetIDSmallTop {
		t.Errorf("below top: %v", err)
	}
	if err := s.SetID(StreamID{5, 0}, 0, StreamID{}); err != StreamErrSetIDEntriesAdded {
		t.Errorf("entries added: %v", err)
	}
	m := s.Meta()
	want := StreamMeta{LastID: StreamID{1, 4}, FirstID: StreamID{1, 1}, MaxDeletedID: StreamID{2, 1}, EntriesAdded: 2}
	if m != want {
		t.Errorf("meta %+v, want %+v", m, want)
	}
	if err := s.SetID(StreamID{7, 0}, 10, StreamID{6, 0}); err != nil {
		t.Fatal(err)
	}
	if m := s.Meta(); m.LastID != (StreamID{7, 0}) || m.EntriesAdded != 10 || m.MaxDeletedID != (StreamID{6, 0}) {
		t.Errorf("meta after setid %+v", m)
	}
	s.Delete(StreamID{1, 1})
	if s.FirstID() != (StreamID{}) || s.Length() != 0 || s.NodeCount() != 0 {
		t.Errorf("emptied: %+v nodes %d", s.Meta(), s.NodeCount())
	}
}

func TestStreamRange(t *testing.T) {
	s := NewStream()
	lim := StreamNodeLimits{MaxBytes: 4096, MaxEntries: 3}
	for i := 1; i <= 20; i++ {
		f := [][]byte{[]byte("n"), []byte(strconv.Itoa(i))}
		if i%4 == 0 {
			f = append(f, []byte("extra"), []byte("x"))
		}
		if _, err := s.Add(StreamAddID{ID: StreamID{uint64(i), 0}}, f, 0, lim); err != nil {
			t.Fatal(err)
		}
	}
	s.Delete(StreamID{5, 0}, StreamID{6, 0}, StreamID{10, 0})
	ids := func(es []StreamEntry) string {
		var b []string
		for _, e := range es {
			b = append(b, strconv.FormatUint(e.ID.Ms, 10))
		}
		return strings.Join(b, ",")
	}
	tests := []struct {
		start, end uint64
		count      int
		rev        bool
		want       string
	}{
		{0, 100, 0, false, "1,2,3,4,7,8,9,11,12,13,14,15,16,17,18,19,20"},
		{4, 11, 0, false, "4,7,8,9,11"},
		{4, 11, 2, false, "4,7"},
		{4, 11, 0, true, "11,9,8,7,4"},
		{0, 100, 3, true, "20,19,18"},
		{5, 6, 0, false, ""},
		{5, 6, 0, true, ""},
		{11, 4, 0, false, ""},
		{21, 30, 0, true, ""},
		{0, 0, 0, true, ""},
	}
	for _, tc := range tests {
		got := ids(s.Entries(StreamID{tc.start, 0}, StreamID{tc.end, 0}, tc.count, tc.rev))
		if got != tc.want {
			t.Errorf("range %d..%d count %d rev %v: %q want %q", tc.start, tc.end, tc.count, tc.rev, got, tc.want)
		}
	}
	f, ok := s.Get(StreamID{8, 0})
	if !ok || fmt.Sprintf("%s", f) != "[n 8 extra x]" {
		t.Errorf("Get 8: %s %v", f, ok)
	}
	if _, ok := s.Get(StreamID{10, 0}); ok {
		t.Error("deleted entry found")
	}
	// Returned slices are capacity-limited: appending cannot clobber the
	// arena.
	f[1] = append(f[1], 'Z')
	if f2, _ := s.Get(StreamID{8, 0}); string(f2[1]) != "8" || string(f2[2]) != "extra" {
		t.Errorf("arena modified: %s", f2)
	}
}

func TestStreamListpackSizes(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 2}, {"0", 2}, {"127", 2}, {"128", 3}, {"-1", 3}, {"4095", 3}, {"-4096", 3},
		{"4096", 4}, {"32767", 4}, {"32768", 5}, {"8388607", 5}, {"8388608", 6},
		{"2147483647", 6}, {"2147483648", 10}, {"9223372036854775807", 10},
		{"-9223372036854775808", 10}, {"9223372036854775808", 21}, {"01", 4}, {"-0", 4},
		{"+1", 4}, {" 1", 4}, {"abc", 5}, {strings.Repeat("x", 63), 65}, {strings.Repeat("x", 64), 67},
		{strings.Repeat("x", 125), 128}, {strings.Repeat("x", 126), 130}, {strings.Repeat("x", 4095), 4099},
		{strings.Repeat("x", 4096), 4103},
	}
	for _, tc := range tests {
		if got := streamLPStrSize([]byte(tc.s)); got != tc.want {
			t.Errorf("size(%.12q len %d) = %d, want %d", tc.s, len(tc.s), got, tc.want)
		}
	}
}

func TestStreamTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var tr streamTree[int]
	model := map[StreamID]int{}
	for i := 0; i < 20000; i++ {
		k := StreamID{uint64(rng.IntN(300)), uint64(rng.IntN(20))}
		switch rng.IntN(3) {
		case 0, 1:
			_, had := model[k]
			if tr.Set(k, i) != had {
				t.Fatalf("Set %v presence mismatch", k)
			}
			model[k] = i
		default:
			v, ok := tr.Delete(k)
			mv, had := model[k]
			if ok != had || (ok && v != mv) {
				t.Fatalf("Delete %v: %v %v, model %v %v", k, v, ok, mv, had)
			}
			delete(model, k)
		}
		if tr.Len() != len(model) {
			t.Fatalf("len %d model %d", tr.Len(), len(model))
		}
		if i%1000 == 0 {
			from := StreamID{uint64(rng.IntN(300)), 0}
			var prev *StreamID
			n := 0
			tr.Ascend(from, func(k StreamID, v int) bool {
				if k.Less(from) || (prev != nil && !prev.Less(k)) || model[k] != v {
					t.Fatalf("ascend order/value broken at %v", k)
				}
				kk := k
				prev = &kk
				n++
				return true
			})
			want := 0
			for k := range model {
				if !k.Less(from) {
					want++
				}
			}
			if n != want {
				t.Fatalf("ascend from %v visited %d, want %d", from, n, want)
			}
		}
	}
	for k := range model {
		tr.Delete(k)
	}
	if tr.Len() != 0 || len(tr.root.keys) != 0 || tr.root.kids != nil || tr.nodes != 1 {
		t.Fatalf("not empty: len %d nodes %d", tr.Len(), tr.nodes)
	}
}

func TestStreamLag(t *testing.T) {
	ids := func(n int) []StreamID {
		var out []StreamID
		for i := 1; i <= n; i++ {
			out = append(out, StreamID{uint64(i), 0})
		}
		return out
	}
	build := func(n int) *Stream {
		s := NewStream()
		for _, id := range ids(n) {
			streamAdd(t, s, id, "a", "1")
		}
		return s
	}
	check := func(s *Stream, g *StreamGroup, er, lag any, what string) {
		t.Helper()
		e, eok := g.EntriesRead()
		l, lok := s.Lag(g)
		ge, gl := any(nil), any(nil)
		if eok {
			ge = e
		}
		if lok {
			gl = l
		}
		if fmt.Sprint(ge) != fmt.Sprint(er) || fmt.Sprint(gl) != fmt.Sprint(lag) {
			t.Errorf("%s: entries-read %v lag %v, want %v %v", what, ge, gl, er, lag)
		}
	}
	// Empty stream after XDEL: the estimate knows the count.
	s := build(1)
	s.Delete(StreamID{1, 0})
	check(s, s.CreateGroup("g", StreamID{}, StreamEntriesReadInvalid), nil, 0, "emptied")
	// Group at $.
	s = build(3)
	check(s, s.CreateGroup("g", s.LastID(), StreamEntriesReadInvalid), nil, 0, "at $")
	check(s, s.CreateGroup("g0", StreamID{}, StreamEntriesReadInvalid), nil, 3, "at 0")
	g := s.CreateGroup("g2", StreamID{5, 0}, 1)
	check(s, g, 1, 2, "future with ENTRIESREAD")
	s.SetGroupID(g, StreamID{1, 0}, 7)
	check(s, g, 7, -4, "negative lag")
	// Redis 7.0 checks tombstones from the delivered ID on, so a deletion
	// behind it is missed and entries-read undercounts.
	s = build(3)
	g = s.CreateGroup("g", StreamID{}, 0)
	c, _ := s.TouchConsumer(g, "c", 0, true)
	s.ReadGroupNew(g, c, 1, false, 0)
	check(s, g, 1, 2, "after one read")
	s.Delete(StreamID{2, 0})
	s.ReadGroupNew(g, c, 1, false, 0)
	check(s, g, 2, 1, "read past a tombstone")
	// A tombstone ahead of the group makes the lag unknown.
	s = build(5)
	g = s.CreateGroup("g", StreamID{2, 0}, 2)
	s.Delete(StreamID{4, 0})
	check(s, g, 2, nil, "tombstone ahead")
}

func TestStreamAutoClaimGolden(t *testing.T) {
	s := NewStream()
	for i := 1; i <= 6; i++ {
		streamAdd(t, s, StreamID{uint64(i), 0}, "a", strconv.Itoa(i))
	}
	g := s.CreateGroup("g", StreamID{}, StreamEntriesReadInvalid)
	c1, _ := s.TouchConsumer(g, "c1", 0, true)
	s.ReadGroupNew(g, c1, 6, false, 0)
	s.Delete(StreamID{2, 0}, StreamID{3, 0}, StreamID{5, 0})
	res := s.AutoClaim(g, "c2", StreamID{}, 2, 0, false, 10)
	if res.Next != (StreamID{3, 0}) || len(res.Claimed) != 1 || res.Claimed[0].ID != (StreamID{1, 0}) ||
		fmt.Sprint(res.Deleted) != "[2-0]" || !res.ConsumerCreated {
		t.Errorf("first: %+v", res)
	}
	res = s.AutoClaim(g, "c2", StreamID{}, 1, 0, true, 11)
	if res.Next != (StreamID{3, 0}) || len(res.Claimed) != 1 || res.Claimed[0].Fields != nil || len(res.Deleted) != 0 || res.ConsumerCreated {
		t.Errorf("justid: %+v", res)
	}
	res = s.AutoClaim(g, "c2", StreamID{4, 1}, 100, 0, true, 12)
	if res.Next != (StreamID{}) || fmt.Sprint(res.Claimed) != "[{6-0 []}]" || fmt.Sprint(res.Deleted) != "[5-0]" {
		t.Errorf("from (4-0: %+v", res)
	}
	var rows []string
	for _, p := range s.PendingRange(g, nil, StreamID{}, StreamMaxID(), 10, 0, 20) {
		rows = append(rows, fmt.Sprintf("%v %s %d %d", p.ID, p.Consumer, p.Idle, p.DeliveryCount))
	}
	want := "1-0 c2 9 2|3-0 c1 20 1|4-0 c1 20 1|6-0 c2 8 1"
	if strings.Join(rows, "|") != want {
		t.Errorf("pending %q, want %q", strings.Join(rows, "|"), want)
	}
	// Idle filter and count.
	if got := s.PendingRange(g, nil, StreamID{}, StreamMaxID(), 10, 15, 20); len(got) != 2 {
		t.Errorf("IDLE 15: %v", got)
	}
	if got := s.PendingRange(g, g.Consumer("c2"), StreamID{}, StreamMaxID(), 1, 0, 20); len(got) != 1 || got[0].ID != (StreamID{1, 0}) {
		t.Errorf("consumer c2 count 1: %v", got)
	}
	sum := s.PendingSummary(g)
	if sum.Count != 4 || sum.First != (StreamID{1, 0}) || sum.Last != (StreamID{6, 0}) || fmt.Sprint(sum.ByConsumer) != "[{c1 2} {c2 2}]" {
		t.Errorf("summary %+v", sum)
	}
}

func TestStreamClaim(t *testing.T) {
	s := NewStream()
	for i := 1; i <= 4; i++ {
		streamAdd(t, s, StreamID{uint64(i), 0}, "a", strconv.Itoa(i))
	}
	g := s.CreateGroup("g", s.LastID(), StreamEntriesReadInvalid)
	// Nothing to claim: the consumer is not created.
	res := s.Claim(g, "c2", []StreamID{{9, 9}}, StreamClaimOptions{DeliveryTime: -1, RetryCount: -1}, 100)
	if len(res.Claimed) != 0 || g.Consumer("c2") != nil {
		t.Fatalf("claimed nothing yet created consumer: %+v", res)
	}
	// FORCE creates the NACK (count 1, then raised).
	res = s.Claim(g, "c3", []StreamID{{1, 0}}, StreamClaimOptions{DeliveryTime: -1, RetryCount: -1, Force: true}, 100)
	n, _ := g.Pending(StreamID{1, 0})
	if len(res.Claimed) != 1 || n.DeliveryCount != 2 || n.Consumer().Name() != "c3" || n.DeliveryTime != 100 {
		t.Fatalf("force: %+v %+v", res, n)
	}
	// Min idle filter; TIME in the future is clamped to now; RETRYCOUNT.
	res = s.Claim(g, "c4", []StreamID{{1, 0}}, StreamClaimOptions{MinIdle: 50, DeliveryTime: -1, RetryCount: -1}, 120)
	if len(res.Claimed) != 0 {
		t.Fatalf("claimed a young entry")
	}
	res = s.Claim(g, "c4", []StreamID{{1, 0}}, StreamClaimOptions{MinIdle: 50, DeliveryTime: 999, RetryCount: 7, LastID: StreamID{3, 0}}, 200)
	n, _ = g.Pending(StreamID{1, 0})
	if len(res.Claimed) != 1 || n.DeliveryCount != 7 || n.DeliveryTime != 200 || n.Consumer().Name() != "c4" ||
		g.Consumer("c3").PendingCount() != 0 || g.LastID() != (StreamID{4, 0}) {
		t.Fatalf("claim to c4: %+v %+v last %v", res, n, g.LastID())
	}
	s.Claim(g, "c4", nil, StreamClaimOptions{DeliveryTime: -1, RetryCount: -1, LastID: StreamID{9, 0}}, 200)
	if g.LastID() != (StreamID{9, 0}) {
		t.Errorf("LASTID not applied: %v", g.LastID())
	}
	// Deleted entry: NACK dropped and not returned.
	s.Delete(StreamID{1, 0})
	res = s.Claim(g, "c4", []StreamID{{1, 0}}, StreamClaimOptions{DeliveryTime: -1, RetryCount: -1}, 300)
	if len(res.Claimed) != 0 || fmt.Sprint(res.Deleted) != "[1-0]" || g.PendingCount() != 0 || g.Consumer("c4").PendingCount() != 0 {
		t.Errorf("deleted: %+v", res)
	}
	// DELCONSUMER drops its PEL from the group.
	g2 := s.CreateGroup("g2", StreamID{}, StreamEntriesReadInvalid)
	c, _ := s.TouchConsumer(g2, "x", 0, true)
	s.ReadGroupNew(g2, c, 0, false, 0)
	if n, ok := s.DeleteConsumer(g2, "x"); n != 3 || !ok || g2.PendingCount() != 0 {
		t.Errorf("delconsumer %d %v pending %d", n, ok, g2.PendingCount())
	}
	if s.CreateGroup("g2", StreamID{}, 0) != nil || !s.DestroyGroup("g2") || s.DestroyGroup("g2") {
		t.Error("group create/destroy")
	}
}

func TestStreamReadGroupHistory(t *testing.T) {
	s := NewStream()
	for i := 1; i <= 5; i++ {
		streamAdd(t, s, StreamID{uint64(i), 0}, "a", strconv.Itoa(i))
	}
	g := s.CreateGroup("g", StreamID{}, StreamEntriesReadInvalid)
	a, _ := s.TouchConsumer(g, "a", 1, true)
	b, _ := s.TouchConsumer(g, "b", 1, true)
	s.ReadGroupNew(g, a, 2, false, 10)
	s.ReadGroupNew(g, b, 2, true, 10) // NOACK: not pending
	s.ReadGroupNew(g, b, 0, false, 10)
	if g.LastID() != (StreamID{5, 0}) || a.PendingCount() != 2 || b.PendingCount() != 1 {
		t.Fatalf("last %v a %d b %d", g.LastID(), a.PendingCount(), b.PendingCount())
	}
	s.Delete(StreamID{1, 0})
	h := s.ReadGroupHistory(a, StreamID{}, 0, 50)
	if len(h) != 2 || h[0].Fields != nil || fmt.Sprintf("%s", h[1].Fields) != "[a 2]" {
		t.Fatalf("history %+v", h)
	}
	n1, _ := g.Pending(StreamID{1, 0})
	n2, _ := g.Pending(StreamID{2, 0})
	if n1.DeliveryCount != 1 || n1.DeliveryTime != 10 || n2.DeliveryCount != 2 || n2.DeliveryTime != 50 {
		t.Errorf("deleted entry touched or live one not: %+v %+v", n1, n2)
	}
	if h := s.ReadGroupHistory(a, StreamID{1, 0}, 1, 60); len(h) != 1 || h[0].ID != (StreamID{2, 0}) {
		t.Errorf("history after 1-0: %+v", h)
	}
	// Moving the group back redelivers and takes NACKs over.
	s.SetGroupID(g, StreamID{}, StreamEntriesReadInvalid)
	s.ReadGroupNew(g, b, 0, false, 70)
	if a.PendingCount() != 1 || b.PendingCount() != 4 {
		t.Errorf("after SETID: a %d b %d", a.PendingCount(), b.PendingCount())
	}
	if n, _ := g.Pending(StreamID{2, 0}); n.Consumer() != b || n.DeliveryCount != 1 {
		t.Errorf("takeover %+v", n)
	}
	if got := s.Ack(g, StreamID{2, 0}, StreamID{2, 0}, StreamID{1, 0}); got != 2 {
		t.Errorf("ack %d", got)
	}
}

func TestStreamCopyAndPersist(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := NewStream()
	lim := StreamNodeLimits{MaxBytes: 512, MaxEntries: 20}
	gen := newStreamFieldGen(rng)
	for i := 1; i <= 500; i++ {
		if _, err := s.Add(StreamAddID{ID: StreamID{uint64(i), 0}}, gen.fields(), 0, lim); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			s.Delete(StreamID{uint64(i - 3), 0})
		}
	}
	s.Trim(StreamTrimArgs{Strategy: StreamTrimMinID, MinID: StreamID{45, 0}})
	g := s.CreateGroup("g", StreamID{}, StreamEntriesReadInvalid)
	c, _ := s.TouchConsumer(g, "c", 5, true)
	s.ReadGroupNew(g, c, 50, false, 7)
	s.CreateConsumer(g, "idle", 9)
	s.CreateGroup("a", StreamID{3, 0}, 2)

	for name, cp := range map[string]*Stream{"copy": s.Copy(), "reload": streamReload(t, s)} {
		if streamDump(cp) != streamDump(s) {
			t.Errorf("%s differs:\n%s\nvs\n%s", name, streamDump(cp), streamDump(s))
		}
		// Clones have exact capacities, so the copy may be a little smaller.
		if d := cp.MemUsage() - s.MemUsage(); d > 0 || d < -s.MemUsage()/20 {
			t.Errorf("%s mem %d vs %d", name, cp.MemUsage(), s.MemUsage())
		}
		// The copy is independent.
		cp.Add(StreamAddID{Auto: true}, [][]byte{[]byte("x"), []byte("y")}, 1e6, lim)
		cp.Ack(cp.Group("g"), StreamID{50, 0})
		if streamDump(cp) == streamDump(s) {
			t.Errorf("%s shares state", name)
		}
	}
}

// streamReload round-trips through the serialization and load APIs.
func streamReload(t *testing.T, s *Stream) *Stream {
	t.Helper()
	out := NewStream()
	s.ForEachNode(func(v StreamNodeView) bool {
		if err := out.LoadNode(v.Master, v.MasterFields, v.Entries); err != nil {
			t.Fatal(err)
		}
		return true
	})
	if err := out.SetMeta(s.Meta()); err != nil {
		t.Fatal(err)
	}
	for _, g := range s.Groups() {
		ng, err := out.LoadGroup(g.Name(), g.LastID(), g.entriesRead)
		if err != nil {
			t.Fatal(err)
		}
		g.AscendPending(StreamID{}, func(id StreamID, n *StreamNACK) bool {
			if err := out.LoadGroupPending(ng, id, n.DeliveryTime, n.DeliveryCount); err != nil {
				t.Fatal(err)
			}
			return true
		})
		for _, c := range g.Consumers() {
			nc, err := out.LoadConsumer(ng, c.Name(), c.SeenTime())
			if err != nil {
				t.Fatal(err)
			}
			c.AscendPending(StreamID{}, func(id StreamID, _ *StreamNACK) bool {
				if err := out.LoadConsumerPending(ng, nc, id); err != nil {
					t.Fatal(err)
				}
				return true
			})
		}
	}
	if err := out.LoadCheck(); err != nil {
		t.Fatal(err)
	}
	return out
}

// streamDump renders the complete state, node layout included.
func streamDump(s *Stream) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "len %d meta %+v\n", s.Length(), s.Meta())
	s.ForEachNode(func(v StreamNodeView) bool {
		fmt.Fprintf(&b, "node %v %q live %d del %d\n", v.Master, v.MasterFields, v.Live, v.Deleted)
		for _, e := range v.Entries {
			fmt.Fprintf(&b, "  %v del=%v same=%v %q\n", e.ID, e.Deleted, e.SameFields, e.Fields)
		}
		return true
	})
	for _, g := range s.Groups() {
		er, _ := g.EntriesRead()
		fmt.Fprintf(&b, "group %s %v %d\n", g.Name(), g.LastID(), er)
		g.AscendPending(StreamID{}, func(id StreamID, n *StreamNACK) bool {
			fmt.Fprintf(&b, "  pel %v %s %d %d\n", id, n.Consumer().Name(), n.DeliveryTime, n.DeliveryCount)
			return true
		})
		for _, c := range g.Consumers() {
			fmt.Fprintf(&b, "  consumer %s %d %d\n", c.Name(), c.SeenTime(), c.PendingCount())
		}
	}
	return b.String()
}

func TestStreamLoadErrors(t *testing.T) {
	s := NewStream()
	e := []StreamNodeEntry{{ID: StreamID{5, 0}, Fields: [][]byte{[]byte("a"), []byte("1")}}}
	if err := s.LoadNode(StreamID{5, 0}, [][]byte{[]byte("a")}, nil); err == nil {
		t.Error("empty node accepted")
	}
	if err := s.LoadNode(StreamID{5, 0}, [][]byte{[]byte("a")}, e); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadNode(StreamID{5, 0}, [][]byte{[]byte("a")}, e); err == nil {
		t.Error("overlapping node accepted")
	}
	if err := s.SetMeta(StreamMeta{LastID: StreamID{4, 0}}); err == nil {
		t.Error("last ID below last entry accepted")
	}
	g, _ := s.LoadGroup("g", StreamID{}, 0)
	if _, err := s.LoadGroup("g", StreamID{}, 0); err == nil {
		t.Error("duplicate group accepted")
	}
	s.LoadGroupPending(g, StreamID{5, 0}, 1, 1)
	if err := s.LoadGroupPending(g, StreamID{5, 0}, 1, 1); err == nil {
		t.Error("duplicate NACK accepted")
	}
	if err := s.LoadCheck(); err == nil {
		t.Error("orphan NACK accepted")
	}
	c, _ := s.LoadConsumer(g, "c", 0)
	if err := s.LoadConsumerPending(g, c, StreamID{6, 0}); err == nil {
		t.Error("consumer NACK missing from group PEL accepted")
	}
	if err := s.LoadConsumerPending(g, c, StreamID{5, 0}); err != nil {
		t.Fatal(err)
	}
	c2, _ := s.LoadConsumer(g, "c2", 0)
	if err := s.LoadConsumerPending(g, c2, StreamID{5, 0}); err == nil {
		t.Error("NACK owned twice accepted")
	}
	if err := s.LoadCheck(); err != nil {
		t.Error(err)
	}
}

func TestStreamMemUsage(t *testing.T) {
	s := NewStream()
	base := s.MemUsage()
	lim := streamDefaultLimits
	val := bytes.Repeat([]byte("x"), 100)
	for i := 1; i <= 10000; i++ {
		s.Add(StreamAddID{ID: StreamID{uint64(i), 0}}, [][]byte{[]byte("field"), val}, 0, lim)
	}
	full := s.MemUsage()
	per := float64(full-base) / 10000
	// 100 value bytes, 4 of length, a 32-byte entry record, and node and
	// slack overhead: expect roughly 140-200 bytes an entry.
	if per < 130 || per > 220 {
		t.Errorf("%.1f bytes per entry", per)
	}
	g := s.CreateGroup("g", StreamID{}, StreamEntriesReadInvalid)
	c, _ := s.TouchConsumer(g, "c", 0, true)
	s.ReadGroupNew(g, c, 0, false, 0)
	withPEL := s.MemUsage()
	if d := float64(withPEL-full) / 10000; d < 50 || d > 150 {
		t.Errorf("%.1f bytes per pending entry", d)
	}
	s.Ack(g, s.Entries(StreamID{}, StreamMaxID(), 0, false)[0].ID)
	s.DestroyGroup("g")
	if got := s.MemUsage(); got != full {
		t.Errorf("after destroying the group: %d, want %d", got, full)
	}
	s.Trim(StreamTrimArgs{Strategy: StreamTrimMaxLen, MaxLen: 0})
	if got := s.MemUsage(); got-base > 8*int64(cap(s.nodes))+64 {
		t.Errorf("after trimming all: %d, base %d", got, base)
	}
}
