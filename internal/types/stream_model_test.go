package types

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestStreamModel applies random operations to a Stream and to a plain
// model (a sorted slice of live entries plus metadata) and checks after
// every step that contents and metadata agree, that approximate trimming
// only ever removes a prefix no longer than exact trimming would, and that
// the internal invariants hold: node order, live/deleted counts, listpack
// size bookkeeping recomputed from scratch, PEL cross-links and the
// incremental memory figure.
func TestStreamModel(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			streamRunModel(t, rand.New(rand.NewPCG(seed, 7)), 3000)
		})
	}
}

type streamModelEntry struct {
	id     StreamID
	fields [][]byte
}

type streamModel struct {
	entries      []streamModelEntry
	lastID       StreamID
	maxDeleted   StreamID
	entriesAdded uint64
}

func (m *streamModel) firstID() StreamID {
	if len(m.entries) == 0 {
		return StreamID{}
	}
	return m.entries[0].id
}

func streamRunModel(t *testing.T, rng *rand.Rand, ops int) {
	s := NewStream()
	m := &streamModel{}
	gen := newStreamFieldGen(rng)
	lim := StreamNodeLimits{MaxBytes: int64(64 + rng.IntN(2000)), MaxEntries: int64(rng.IntN(30))}
	now := int64(1000)
	pick := func() StreamID {
		if len(m.entries) == 0 || rng.IntN(8) == 0 {
			return StreamID{uint64(rng.IntN(int(m.lastID.Ms) + 2)), uint64(rng.IntN(3))}
		}
		return m.entries[rng.IntN(len(m.entries))].id
	}
	for op := 0; op < ops; op++ {
		now += int64(rng.IntN(3))
		step := fmt.Sprintf("op %d", op)
		switch k := rng.IntN(100); {
		case k < 50:
			var a StreamAddID
			switch rng.IntN(3) {
			case 0:
				a.Auto = true
			case 1:
				a = StreamAddID{ID: StreamID{m.lastID.Ms + uint64(rng.IntN(2)), 0}, SeqAuto: true}
			default:
				a.ID = StreamID{m.lastID.Ms + uint64(rng.IntN(3)), uint64(rng.IntN(5))}
			}
			f := gen.fields()
			id, err := s.Add(a, f, now, lim)
			if a.ID.Compare(m.lastID) <= 0 && !a.Auto && !a.SeqAuto {
				if err == nil {
					t.Fatalf("%s: add %v <= last %v accepted", step, a.ID, m.lastID)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: add %+v: %v", step, a, err)
			}
			if !m.lastID.Less(id) {
				t.Fatalf("%s: id %v not above %v", step, id, m.lastID)
			}
			m.entries = append(m.entries, streamModelEntry{id, f})
			m.lastID = id
			m.entriesAdded++
		case k < 65:
			var del []StreamID
			for i := 0; i < 1+rng.IntN(3); i++ {
				del = append(del, pick())
			}
			want := 0
			for _, id := range del {
				if i := slices.IndexFunc(m.entries, func(e streamModelEntry) bool { return e.id == id }); i >= 0 {
					m.entries = slices.Delete(m.entries, i, i+1)
					if m.maxDeleted.Less(id) {
						m.maxDeleted = id
					}
					want++
				}
			}
			if got := s.Delete(del...); got != want {
				t.Fatalf("%s: delete %v: %d want %d", step, del, got, want)
			}
		case k < 80:
			tr := StreamTrimArgs{Approx: rng.IntN(2) == 0}
			exact := 0
			if rng.IntN(2) == 0 {
				tr.Strategy = StreamTrimMaxLen
				tr.MaxLen = int64(max(0, len(m.entries)-rng.IntN(30)))
				exact = len(m.entries) - int(tr.MaxLen)
			} else {
				tr.Strategy = StreamTrimMinID
				tr.MinID = pick()
				for exact < len(m.entries) && m.entries[exact].id.Less(tr.MinID) {
					exact++
				}
			}
			if tr.Approx && rng.IntN(2) == 0 {
				tr.Limit = int64(rng.IntN(50))
			}
			got := int(s.Trim(tr))
			if got > exact || (!tr.Approx && got != exact) {
				t.Fatalf("%s: trim %+v removed %d, exact would remove %d", step, tr, got, exact)
			}
			m.entries = m.entries[got:]
		case k < 83:
			id := pick()
			if top := m.firstID(); len(m.entries) > 0 {
				top = m.entries[len(m.entries)-1].id
				if id.Less(top) {
					if s.SetID(id, -1, StreamID{}) != StreamErrSetIDSmallTop {
						t.Fatalf("%s: setid below top accepted", step)
					}
					continue
				}
			}
			if err := s.SetID(id, int64(m.entriesAdded)+int64(rng.IntN(2)), StreamID{}); err != nil {
				t.Fatalf("%s: setid: %v", step, err)
			}
			m.lastID = id
			m.entriesAdded = s.EntriesAdded()
		default:
			streamRandomGroupOp(s, rng, pick, now)
		}
		streamCheckModel(t, s, m, step)
	}
}

func streamRandomGroupOp(s *Stream, rng *rand.Rand, pick func() StreamID, now int64) {
	names := []string{"g1", "g2"}
	gname := names[rng.IntN(2)]
	g := s.Group(gname)
	cname := []string{"a", "b", "c"}[rng.IntN(3)]
	if g == nil {
		s.CreateGroup(gname, pick(), StreamEntriesReadInvalid)
		return
	}
	switch rng.IntN(9) {
	case 0:
		s.SetGroupID(g, pick(), StreamEntriesReadInvalid)
	case 1, 2:
		c, _ := s.TouchConsumer(g, cname, now, true)
		s.ReadGroupNew(g, c, rng.IntN(5), rng.IntN(5) == 0, now)
	case 3:
		c, _ := s.TouchConsumer(g, cname, now, true)
		s.ReadGroupHistory(c, pick(), rng.IntN(3), now)
	case 4:
		s.Ack(g, pick(), pick())
	case 5:
		s.Claim(g, cname, []StreamID{pick(), pick()}, StreamClaimOptions{MinIdle: int64(rng.IntN(3)), DeliveryTime: -1, RetryCount: -1, Force: rng.IntN(2) == 0}, now)
	case 6:
		s.AutoClaim(g, cname, pick(), int64(1+rng.IntN(4)), int64(rng.IntN(3)), rng.IntN(2) == 0, now)
	case 7:
		s.DeleteConsumer(g, cname)
	case 8:
		if rng.IntN(4) == 0 {
			s.DestroyGroup(gname)
		} else {
			s.CreateConsumer(g, cname, now)
		}
	}
}

func streamCheckModel(t *testing.T, s *Stream, m *streamModel, step string) {
	t.Helper()
	got := s.Entries(StreamID{}, StreamMaxID(), 0, false)
	if len(got) != len(m.entries) {
		t.Fatalf("%s: %d entries, model %d", step, len(got), len(m.entries))
	}
	for i, e := range got {
		if e.ID != m.entries[i].id || fmt.Sprintf("%q", e.Fields) != fmt.Sprintf("%q", m.entries[i].fields) {
			t.Fatalf("%s: entry %d: %v %q, model %v %q", step, i, e.ID, e.Fields, m.entries[i].id, m.entries[i].fields)
		}
	}
	want := StreamMeta{LastID: m.lastID, FirstID: m.firstID(), MaxDeletedID: m.maxDeleted, EntriesAdded: m.entriesAdded}
	if s.Meta() != want || s.Length() != uint64(len(m.entries)) {
		t.Fatalf("%s: meta %+v len %d, model %+v len %d", step, s.Meta(), s.Length(), want, len(m.entries))
	}
	// Node invariants.
	var live uint64
	for i, n := range s.nodes {
		if i > 0 && !s.nodes[i-1].master.Less(n.master) {
			t.Fatalf("%s: node %d master not above its predecessor's", step, i)
		}
		for j := 1; j < len(n.entries); j++ {
			if !n.entries[j-1].id.Less(n.entries[j].id) {
				t.Fatalf("%s: node %d entries out of order at %d", step, i, j)
			}
		}
		if len(n.entries) == 0 || n.entries[0].id != n.master && n.entries[0].id.Less(n.master) {
			t.Fatalf("%s: node %d master %v vs first entry", step, i, n.master)
		}
		l, d := 0, 0
		for j := range n.entries {
			if n.entries[j].flags&streamFlagDeleted != 0 {
				d++
			} else {
				l++
			}
		}
		for _, g := range n.ghosts {
			d += g.n
		}
		if l != n.live || d != n.deleted {
			t.Fatalf("%s: node %d counts %d/%d, flags say %d/%d", step, i, n.live, n.deleted, l, d)
		}
		live += uint64(l)
		if got, want := n.lpBytes(), streamNodeListpackSize(n); got != want {
			t.Fatalf("%s: node %d lpBytes %d, recomputed %d", step, i, got, want)
		}
	}
	if live != s.length {
		t.Fatalf("%s: nodes hold %d live entries, length %d", step, live, s.length)
	}
	// PEL cross-links.
	for _, g := range s.groups {
		total := 0
		for _, c := range g.consumers {
			total += c.pel.Len()
			c.pel.Ascend(StreamID{}, func(id StreamID, n *StreamNACK) bool {
				if gn, ok := g.pel.Get(id); !ok || gn != n || n.consumer != c {
					t.Fatalf("%s: consumer %s NACK %v not linked", step, c.name, id)
				}
				return true
			})
		}
		if total != g.pel.Len() {
			t.Fatalf("%s: group %s PEL %d, consumers own %d", step, g.name, g.pel.Len(), total)
		}
	}
	// Memory recomputed from scratch.
	mem := streamSizeofStream
	for _, n := range s.nodes {
		mem += n.memUsage()
	}
	for _, g := range s.groups {
		mem += s.groupMem(g)
	}
	if mem != s.mem {
		t.Fatalf("%s: incremental mem %d, recomputed %d", step, s.mem, mem)
	}
}

// streamNodeListpackSize recomputes a node's listpack size by laying it
// out element by element, independently of the incremental bookkeeping.
func streamNodeListpackSize(n *streamNode) int {
	size := streamLPHeaderSize + streamLPEndSize
	size += streamLPIntSize(int64(n.live)) + streamLPIntSize(int64(n.deleted)) + streamLPIntSize(int64(n.nMaster))
	var mo uint32
	for i := 0; i < n.nMaster; i++ {
		size += streamLPStrSize(n.data[mo : mo+n.lens[i]])
		mo += n.lens[i]
	}
	size += streamLPIntSize(0)
	for _, g := range n.ghosts {
		size += g.bytes
	}
	for j := range n.entries {
		e := &n.entries[j]
		f := n.appendFields(nil, e)
		size += streamLPIntSize(int64(e.flags)) + streamLPIntSize(int64(e.id.Ms-n.master.Ms)) + streamLPIntSize(int64(e.id.Seq-n.master.Seq))
		same := e.flags&streamFlagSameFields != 0
		if !same {
			size += streamLPIntSize(int64(e.nf))
		}
		for i := 0; i < len(f); i += 2 {
			if !same {
				size += streamLPStrSize(f[i])
			}
			size += streamLPStrSize(f[i+1])
		}
		cnt := int64(e.nf) + 3
		if !same {
			cnt += int64(e.nf) + 1
		}
		size += streamLPIntSize(cnt)
	}
	return size
}
