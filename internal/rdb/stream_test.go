package rdb

import (
	"bytes"
	"strings"
	"testing"
)

func TestStreamRoundTripShapes(t *testing.T) {
	o := DefaultEncodeOptions()
	for _, n := range []int{0, 1, 3, 99, 100, 101, 250} {
		for _, maxEntries := range []int{0, 1, 7, 100} {
			o.StreamNodeMaxEntries = maxEntries
			v := &Value{Kind: KindStream, Stream: sampleStream(n)}
			d, err := AppendDump(nil, v, o)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeDump(d)
			if err != nil {
				t.Fatalf("n=%d max=%d: %v", n, maxEntries, err)
			}
			if DigestValue(got) != DigestValue(v) || len(got.Stream.Groups) != len(v.Stream.Groups) {
				t.Fatalf("n=%d max=%d: content differs", n, maxEntries)
			}
			gs := got.Stream
			if gs.EntriesAdded != v.Stream.EntriesAdded || gs.MaxDeletedEntryID != v.Stream.MaxDeletedEntryID ||
				gs.FirstID != v.Stream.FirstID || gs.LastID != v.Stream.LastID {
				t.Fatalf("metadata differs: %+v", gs)
			}
			if n >= 3 {
				g := gs.Groups[0] // sorted by name: alpha first
				if string(g.Name) != "alpha" || g.EntriesRead != 3 || len(g.Pending) != 2 ||
					g.Pending[0].DeliveryCount != 3 || string(g.Pending[0].Consumer) != "amy" ||
					len(g.Consumers) != 3 || string(g.Consumers[0].Name) != "amy" {
					t.Fatalf("group: %+v", g)
				}
				if gs.Groups[1].EntriesRead != -1 {
					t.Fatalf("entries read -1 lost: %d", gs.Groups[1].EntriesRead)
				}
			}
		}
	}
}

func TestStreamNegativeSeqDelta(t *testing.T) {
	// An entry whose sequence is below the node master's stores a negative
	// delta; decoding must wrap it back.
	s := &Stream{Entries: []StreamEntry{
		{ID: StreamID{5, 3}, Fields: []Field{{[]byte("a"), []byte("1")}}},
		{ID: StreamID{6, 0}, Fields: []Field{{[]byte("a"), []byte("2")}}},
		{ID: StreamID{1 << 63, 1<<64 - 1}, Fields: []Field{{[]byte("a"), []byte("3")}}},
	}, LastID: StreamID{1 << 63, 1<<64 - 1}}
	got, err := DecodeDump(EncodeDump(&Value{Kind: KindStream, Stream: s}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Entries {
		if got.Stream.Entries[i].ID != s.Entries[i].ID {
			t.Errorf("entry %d: %v", i, got.Stream.Entries[i].ID)
		}
	}
}

func TestStreamNodeMaxBytes(t *testing.T) {
	o := DefaultEncodeOptions()
	o.Compression = false
	o.StreamNodeMaxBytes = 1000
	s := &Stream{}
	for i := 0; i < 20; i++ {
		s.Entries = append(s.Entries, StreamEntry{ID: StreamID{uint64(i + 1), 0},
			Fields: []Field{{[]byte("f"), bytes.Repeat([]byte("x"), 200)}}})
	}
	s.LastID = StreamID{20, 0}
	b, err := AppendDump(nil, &Value{Kind: KindStream, Stream: s}, o)
	if err != nil {
		t.Fatal(err)
	}
	rd := newBytesReader(b[1:])
	nodes, _ := rd.readPlainLen()
	for i := 0; i < int(nodes); i++ {
		rd.readString()
		lp, _ := rd.readString()
		if len(lp) > 1000+200 {
			t.Errorf("node %d is %d bytes", i, len(lp))
		}
	}
	if nodes < 4 {
		t.Errorf("%d nodes", nodes)
	}
}

func TestEstimateEntriesRead(t *testing.T) {
	s := &Stream{Length: 10, EntriesAdded: 12, FirstID: StreamID{3, 0}, LastID: StreamID{20, 0}}
	cases := []struct {
		id   StreamID
		want int64
	}{
		{StreamID{20, 0}, 12}, // at the end: exact
		{StreamID{21, 0}, -1}, // future
		{StreamID{3, 0}, 3},   // first entry
		{StreamID{1, 0}, 2},   // before the first entry
		{StreamID{10, 0}, -1}, // in the middle: unknown
	}
	for _, c := range cases {
		if got := estimateEntriesRead(s, c.id); got != c.want {
			t.Errorf("%v: %d want %d", c.id, got, c.want)
		}
	}
	if got := estimateEntriesRead(&Stream{}, StreamID{1, 1}); got != 0 {
		t.Errorf("never used stream: %d", got)
	}
	s.MaxDeletedEntryID = StreamID{5, 0} // a tombstone after the first entry
	if got := estimateEntriesRead(s, StreamID{3, 0}); got != -1 {
		t.Errorf("fragmented: %d", got)
	}
}

func TestStreamDecodeRejectsInconsistency(t *testing.T) {
	ve := valueEncoder{opts: DefaultEncodeOptions()}
	ve.opts.Compression = false
	good := sampleStream(10)
	enc := func(s *Stream) []byte {
		b, err := ve.appendStream(nil, s, TypeStreamListpacks2)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	decode := func(payload []byte) error {
		_, err := readObject(newBytesReader(payload), TypeStreamListpacks2)
		return err
	}
	if err := decode(enc(good)); err != nil {
		t.Fatal(err)
	}
	base := enc(good)
	// Corrupt single bytes all over the payload: never a panic, mostly errors.
	for i := range base {
		b := append([]byte(nil), base...)
		b[i] ^= 0x5a
		_ = decode(b)
	}
	// Length field that disagrees with the entries: find it after the nodes.
	rd := newBytesReader(base)
	n, _ := rd.readPlainLen()
	for i := 0; i < int(n); i++ {
		rd.readString()
		rd.readString()
	}
	patched := append([]byte(nil), base...)
	patched[rd.off] = 9
	if err := decode(patched); err == nil || !strings.Contains(err.Error(), "stream length") {
		t.Errorf("wrong length accepted: %v", err)
	}
	g := good.Groups[1]
	g.Consumers = append([]StreamConsumer(nil), g.Consumers...)
	g.Consumers[0].Pending = []StreamID{{999, 9}}
	bad2 := *good
	bad2.Groups = []StreamGroup{g}
	if _, err := ve.appendStream(nil, &bad2, TypeStreamListpacks2); err == nil || !strings.Contains(err.Error(), "not in group PEL") {
		t.Errorf("encoder accepted dangling consumer PEL: %v", err)
	}
	unordered := *good
	unordered.Entries = []StreamEntry{good.Entries[1], good.Entries[0]}
	if _, err := ve.appendStream(nil, &unordered, TypeStreamListpacks2); err == nil {
		t.Error("encoder accepted unordered entries")
	}
	orphan := *good
	og := good.Groups[1]
	og.Consumers = og.Consumers[1:] // drops bob, who owns a pending entry
	orphan.Groups = []StreamGroup{og}
	if _, err := ve.appendStream(nil, &orphan, TypeStreamListpacks2); err == nil || !strings.Contains(err.Error(), "no consumer") {
		t.Errorf("encoder accepted an ownerless pending entry: %v", err)
	}
	twice := *good
	tg := good.Groups[1]
	tg.Consumers = append([]StreamConsumer(nil), tg.Consumers...)
	tg.Consumers[2].Pending = tg.Consumers[0].Pending
	twice.Groups = []StreamGroup{tg}
	if _, err := ve.appendStream(nil, &twice, TypeStreamListpacks2); err == nil || !strings.Contains(err.Error(), "two consumers") {
		t.Errorf("encoder accepted a doubly owned pending entry: %v", err)
	}
	dupGroups := *good
	dupGroups.Groups = []StreamGroup{good.Groups[0], good.Groups[0]}
	if _, err := ve.appendStream(nil, &dupGroups, TypeStreamListpacks2); err == nil {
		t.Error("encoder accepted duplicate groups")
	}
}

func TestStreamNodeParseErrors(t *testing.T) {
	master := StreamID{1, 0}
	mk := func(elems ...any) []byte {
		b := NewListpackBuilder(nil)
		for _, e := range elems {
			switch x := e.(type) {
			case int:
				b.AppendInt(int64(x))
			case string:
				b.AppendString([]byte(x))
			}
		}
		return b.Finish()
	}
	good := mk(1, 0, 1, "f", 0, streamFlagSameFields, 0, 0, "v", 4)
	if out, err := parseStreamNode(master, good, nil); err != nil || len(out) != 1 || string(out[0].Fields[0].Name) != "f" {
		t.Fatalf("good node: %v %v", out, err)
	}
	bad := map[string][]byte{
		"count":       mk(2, 0, 1, "f", 0, streamFlagSameFields, 0, 0, "v", 4),
		"terminator":  mk(1, 0, 1, "f", 1, streamFlagSameFields, 0, 0, "v", 4),
		"lp-count":    mk(1, 0, 1, "f", 0, streamFlagSameFields, 0, 0, "v", 5),
		"flags type":  mk(1, 0, 1, "f", 0, "x", 0, 0, "v", 4),
		"truncated":   mk(1, 0, 1, "f", 0, streamFlagSameFields, 0, 0),
		"empty":       mk(0, 0, 1, "f", 0),
		"fields":      mk(1, 0, 1, "f", 0, 0, 0, 0, 99999, "a", "b", 6),
		"order":       mk(2, 0, 1, "f", 0, streamFlagSameFields, 1, 0, "v", 4, streamFlagSameFields, 0, 0, "v", 4),
		"deleted cnt": mk(1, 1, 1, "f", 0, streamFlagSameFields, 0, 0, "v", 4),
	}
	for name, lp := range bad {
		if _, err := parseStreamNode(master, lp, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
