package types

import (
	"errors"
	"fmt"
	"slices"
)

// Copy returns a deep copy (COPY). Node layout, flags and metadata are
// preserved, so the copy trims exactly like the original.
func (s *Stream) Copy() *Stream {
	c := &Stream{
		length:       s.length,
		lastID:       s.lastID,
		firstID:      s.firstID,
		maxDeletedID: s.maxDeletedID,
		entriesAdded: s.entriesAdded,
		mem:          streamSizeofStream,
	}
	if len(s.nodes) > 0 {
		c.nodes = make([]*streamNode, len(s.nodes))
		c.nodesMem = int64(cap(c.nodes)) * 8
	}
	for i, n := range s.nodes {
		// Exact-capacity clones: any later append reallocates instead of
		// writing into memory another stream could share.
		m := *n
		m.entries = slices.Clone(n.entries)
		m.data = slices.Clone(n.data)
		m.lens = slices.Clone(n.lens)
		m.ghosts = slices.Clone(n.ghosts)
		c.nodes[i] = &m
		c.mem += m.memUsage()
	}
	for _, g := range s.Groups() {
		cg := c.CreateGroup(g.name, g.lastID, g.entriesRead)
		owners := make(map[*StreamConsumer]*StreamConsumer, len(g.consumers))
		for _, oc := range g.consumers {
			nc, _ := c.CreateConsumer(cg, oc.name, oc.seenTime)
			owners[oc] = nc
		}
		g.pel.Ascend(StreamID{}, func(id StreamID, n *StreamNACK) bool {
			nn := &StreamNACK{DeliveryTime: n.DeliveryTime, DeliveryCount: n.DeliveryCount, consumer: owners[n.consumer]}
			c.pelSet(&cg.pel, id, nn)
			c.mem += streamSizeofNACK
			if nn.consumer != nil {
				c.pelSet(&nn.consumer.pel, id, nn)
			}
			return true
		})
	}
	return c
}

// StreamNodeView describes one node for RDB/DUMP serialization, which
// writes each node as a listpack keyed by its master ID.
type StreamNodeView struct {
	Master       StreamID
	MasterFields [][]byte
	Live         int
	Deleted      int
	// Entries holds every entry in the node, deleted ones included, in ID
	// order. SameFields tells that the entry's names equal MasterFields
	// (the listpack then omits them).
	Entries []StreamNodeEntry
}

// StreamNodeEntry is one entry of a node; Fields alternates names and
// values and, like all slices handed out, must not be modified.
type StreamNodeEntry struct {
	ID         StreamID
	Deleted    bool
	SameFields bool
	Fields     [][]byte
}

// ForEachNode calls fn for each node in order until it returns false. The
// view is built fresh for each node.
func (s *Stream) ForEachNode(fn func(StreamNodeView) bool) {
	for _, n := range s.nodes {
		v := StreamNodeView{Master: n.master, Live: n.live, Deleted: n.deleted}
		var mo uint32
		for i := 0; i < n.nMaster; i++ {
			l := n.lens[i]
			v.MasterFields = append(v.MasterFields, n.data[mo:mo+l:mo+l])
			mo += l
		}
		v.Entries = make([]StreamNodeEntry, len(n.entries))
		for j := range n.entries {
			e := &n.entries[j]
			v.Entries[j] = StreamNodeEntry{
				ID:         e.id,
				Deleted:    e.flags&streamFlagDeleted != 0,
				SameFields: e.flags&streamFlagSameFields != 0,
				Fields:     n.appendFields(nil, e),
			}
		}
		if !fn(v) {
			return
		}
	}
}

// StreamMeta is the stream metadata stored after the nodes in an RDB.
type StreamMeta struct {
	LastID       StreamID
	FirstID      StreamID
	MaxDeletedID StreamID
	EntriesAdded uint64
}

// Meta returns the metadata for serialization.
func (s *Stream) Meta() StreamMeta {
	return StreamMeta{LastID: s.lastID, FirstID: s.firstID, MaxDeletedID: s.maxDeletedID, EntriesAdded: s.entriesAdded}
}

// SetMeta installs loaded metadata. It rejects a last ID below the last
// live entry, which would let XADD break ID monotonicity.
func (s *Stream) SetMeta(m StreamMeta) error {
	if top, ok := s.LastLiveID(); ok && m.LastID.Less(top) {
		return fmt.Errorf("stream last ID %s is smaller than its last entry %s", m.LastID, top)
	}
	s.lastID, s.firstID, s.maxDeletedID, s.entriesAdded = m.LastID, m.FirstID, m.MaxDeletedID, m.EntriesAdded
	return nil
}

// LoadNode appends a node as stored in an RDB, keeping its boundaries and
// deleted entries so later trimming matches Redis. Entries must be in
// ascending order, at or after master, after every entry already loaded.
// The byte slices are copied. Length grows by the live entries; call
// SetMeta afterwards.
func (s *Stream) LoadNode(master StreamID, masterFields [][]byte, entries []StreamNodeEntry) error {
	if len(entries) == 0 {
		return errors.New("empty stream node")
	}
	// A node may end with deleted entries above the next node's master
	// (see appendNew), so only masters and live entries must ascend.
	if len(s.nodes) > 0 && !s.nodes[len(s.nodes)-1].master.Less(master) {
		return fmt.Errorf("stream node %s out of order", master)
	}
	lastLive, hasLive := s.LastLiveID()
	mf := make([][]byte, 0, 2*len(masterFields))
	for _, f := range masterFields {
		mf = append(mf, f, nil)
	}
	n := newStreamNode(master, mf, streamNodeHint{})
	prev := master
	for i, e := range entries {
		if len(e.Fields)%2 != 0 {
			return fmt.Errorf("stream entry %s has an odd number of fields", e.ID)
		}
		if e.ID.Less(prev) || (i > 0 && e.ID == prev) {
			return fmt.Errorf("stream entry %s out of order", e.ID)
		}
		prev = e.ID
		if !e.Deleted && hasLive && !lastLive.Less(e.ID) {
			return fmt.Errorf("stream entry %s out of order", e.ID)
		}
		var flags uint8
		if n.sameAsMaster(e.Fields) {
			flags = streamFlagSameFields
		}
		if e.Deleted {
			flags |= streamFlagDeleted
		}
		n.appendEntry(e.ID, e.Fields, flags)
	}
	n.shrink()
	s.pushNode(n)
	s.mem += n.memUsage()
	s.length += uint64(n.live)
	return nil
}

// LoadEntry appends a live entry, forming nodes as XADD would with the
// given limits; for sources that do not carry node boundaries. Call
// SetMeta afterwards.
func (s *Stream) LoadEntry(id StreamID, fields [][]byte, lim StreamNodeLimits) error {
	if len(fields)%2 != 0 {
		return fmt.Errorf("stream entry %s has an odd number of fields", id)
	}
	if top, ok := s.LastLiveID(); ok && !top.Less(id) {
		return fmt.Errorf("stream entry %s out of order", id)
	}
	total := 0
	for _, f := range fields {
		total += len(f)
	}
	s.appendNew(id, fields, total, lim)
	s.length++
	return nil
}

// LoadGroup adds a loaded consumer group.
func (s *Stream) LoadGroup(name string, lastID StreamID, entriesRead int64) (*StreamGroup, error) {
	g := s.CreateGroup(name, lastID, entriesRead)
	if g == nil {
		return nil, fmt.Errorf("duplicated consumer group name %q", name)
	}
	return g, nil
}

// LoadGroupPending adds a loaded entry of the group PEL; its owner is set
// by LoadConsumerPending.
func (s *Stream) LoadGroupPending(g *StreamGroup, id StreamID, deliveryTime int64, deliveryCount uint64) error {
	if _, ok := g.pel.Get(id); ok {
		return fmt.Errorf("duplicated global PEL entry %s", id)
	}
	s.pelSet(&g.pel, id, &StreamNACK{DeliveryTime: deliveryTime, DeliveryCount: deliveryCount})
	s.mem += streamSizeofNACK
	return nil
}

// LoadConsumer adds a loaded consumer.
func (s *Stream) LoadConsumer(g *StreamGroup, name string, seenTime int64) (*StreamConsumer, error) {
	c, created := s.CreateConsumer(g, name, seenTime)
	if !created {
		return nil, fmt.Errorf("duplicated consumer name %q", name)
	}
	return c, nil
}

// LoadConsumerPending assigns a group PEL entry to the consumer that owns
// it; the entry must be in the group PEL and not owned yet.
func (s *Stream) LoadConsumerPending(g *StreamGroup, c *StreamConsumer, id StreamID) error {
	n, ok := g.pel.Get(id)
	if !ok {
		return fmt.Errorf("consumer PEL entry %s not found in group PEL", id)
	}
	if n.consumer != nil {
		return fmt.Errorf("PEL entry %s owned by two consumers", id)
	}
	n.consumer = c
	s.pelSet(&c.pel, id, n)
	return nil
}

// LoadCheck verifies, after loading, that every group PEL entry has an
// owner (a NACK without one would break XPENDING and XCLAIM).
func (s *Stream) LoadCheck() error {
	for _, g := range s.groups {
		var bad error
		g.pel.Ascend(StreamID{}, func(id StreamID, n *StreamNACK) bool {
			if n.consumer == nil {
				bad = fmt.Errorf("group %q PEL entry %s has no consumer", g.name, id)
				return false
			}
			return true
		})
		if bad != nil {
			return bad
		}
	}
	return nil
}
