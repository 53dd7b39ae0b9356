package types

// StreamInfo is the data of XINFO STREAM without FULL.
type StreamInfo struct {
	Length         uint64
	RadixTreeKeys  int
	RadixTreeNodes int
	LastID         StreamID
	MaxDeletedID   StreamID
	EntriesAdded   uint64
	FirstID        StreamID // recorded-first-entry-id
	Groups         int
	// FirstEntry and LastEntry are nil for an empty stream.
	FirstEntry, LastEntry *StreamEntry
}

// Info returns XINFO STREAM's data.
func (s *Stream) Info() StreamInfo {
	in := StreamInfo{
		Length:         s.length,
		RadixTreeKeys:  len(s.nodes),
		RadixTreeNodes: s.RadixTreeNodes(),
		LastID:         s.lastID,
		MaxDeletedID:   s.maxDeletedID,
		EntriesAdded:   s.entriesAdded,
		FirstID:        s.firstID,
		Groups:         len(s.groups),
	}
	if e := s.Entries(StreamID{}, StreamMaxID(), 1, false); len(e) == 1 {
		in.FirstEntry = &e[0]
	}
	if e := s.Entries(StreamID{}, StreamMaxID(), 1, true); len(e) == 1 {
		in.LastEntry = &e[0]
	}
	return in
}

// StreamInfoFull is the data of XINFO STREAM FULL.
type StreamInfoFull struct {
	Length         uint64
	RadixTreeKeys  int
	RadixTreeNodes int
	LastID         StreamID
	MaxDeletedID   StreamID
	EntriesAdded   uint64
	FirstID        StreamID
	Entries        []StreamEntry
	Groups         []StreamGroupInfoFull
}

// StreamGroupInfoFull is one group in XINFO STREAM FULL.
type StreamGroupInfoFull struct {
	Name             string
	LastDeliveredID  StreamID
	EntriesRead      int64
	EntriesReadValid bool // false: reply nil
	Lag              int64
	LagValid         bool // false: reply nil
	PELCount         int
	Pending          []StreamPendingEntry // DeliveryTime absolute; Idle unused
	Consumers        []StreamConsumerInfoFull
}

// StreamConsumerInfoFull is one consumer in XINFO STREAM FULL.
type StreamConsumerInfoFull struct {
	Name     string
	SeenTime int64
	PELCount int
	Pending  []StreamPendingEntry // Consumer left empty
}

// InfoFull returns XINFO STREAM FULL's data; count limits the entries and
// each PEL listing, 0 meaning no limit (Redis's default is 10).
func (s *Stream) InfoFull(count int) StreamInfoFull {
	in := StreamInfoFull{
		Length:         s.length,
		RadixTreeKeys:  len(s.nodes),
		RadixTreeNodes: s.RadixTreeNodes(),
		LastID:         s.lastID,
		MaxDeletedID:   s.maxDeletedID,
		EntriesAdded:   s.entriesAdded,
		FirstID:        s.firstID,
		Entries:        s.Entries(StreamID{}, StreamMaxID(), count, false),
	}
	for _, g := range s.Groups() {
		gi := StreamGroupInfoFull{Name: g.name, LastDeliveredID: g.lastID, PELCount: g.pel.Len()}
		gi.EntriesRead, gi.EntriesReadValid = g.EntriesRead()
		gi.Lag, gi.LagValid = s.Lag(g)
		g.pel.Ascend(StreamID{}, func(id StreamID, n *StreamNACK) bool {
			if count > 0 && len(gi.Pending) >= count {
				return false
			}
			gi.Pending = append(gi.Pending, StreamPendingEntry{ID: id, Consumer: n.consumer.name, DeliveryTime: n.DeliveryTime, DeliveryCount: n.DeliveryCount})
			return true
		})
		for _, c := range g.Consumers() {
			ci := StreamConsumerInfoFull{Name: c.name, SeenTime: c.seenTime, PELCount: c.pel.Len()}
			c.pel.Ascend(StreamID{}, func(id StreamID, n *StreamNACK) bool {
				if count > 0 && len(ci.Pending) >= count {
					return false
				}
				ci.Pending = append(ci.Pending, StreamPendingEntry{ID: id, DeliveryTime: n.DeliveryTime, DeliveryCount: n.DeliveryCount})
				return true
			})
			gi.Consumers = append(gi.Consumers, ci)
		}
		in.Groups = append(in.Groups, gi)
	}
	return in
}

// StreamGroupInfo is one row of XINFO GROUPS.
type StreamGroupInfo struct {
	Name             string
	Consumers        int
	Pending          int
	LastDeliveredID  StreamID
	EntriesRead      int64
	EntriesReadValid bool
	Lag              int64
	LagValid         bool
}

// GroupsInfo returns XINFO GROUPS's rows in name order.
func (s *Stream) GroupsInfo() []StreamGroupInfo {
	var out []StreamGroupInfo
	for _, g := range s.Groups() {
		gi := StreamGroupInfo{Name: g.name, Consumers: len(g.consumers), Pending: g.pel.Len(), LastDeliveredID: g.lastID}
		gi.EntriesRead, gi.EntriesReadValid = g.EntriesRead()
		gi.Lag, gi.LagValid = s.Lag(g)
		out = append(out, gi)
	}
	return out
}

// StreamConsumerInfo is one row of XINFO CONSUMERS (Redis 7.0: name,
// pending, idle).
type StreamConsumerInfo struct {
	Name    string
	Pending int
	Idle    int64 // now - seen time
}

// ConsumersInfo returns XINFO CONSUMERS's rows in name order.
func (s *Stream) ConsumersInfo(g *StreamGroup, now int64) []StreamConsumerInfo {
	var out []StreamConsumerInfo
	for _, c := range g.Consumers() {
		out = append(out, StreamConsumerInfo{Name: c.name, Pending: c.pel.Len(), Idle: now - c.seenTime})
	}
	return out
}

// RadixTreeNodes is XINFO's radix-tree-nodes: the number of nodes of the
// rax that indexes Redis's listpack nodes by their 16-byte big-endian
// master IDs. It is computed, in O(nodes), as the size of the compressed
// trie rax keeps over those keys: a node per compressed run, per branching
// point and per key end, plus one per child of a branching point whose
// edge continues for more than one byte.
func (s *Stream) RadixTreeNodes() int {
	if len(s.nodes) == 0 {
		return 1
	}
	keys := make([][16]byte, len(s.nodes))
	for i, n := range s.nodes {
		keys[i] = streamRaxKey(n.master)
	}
	return streamRaxCount(keys, 0)
}

func streamRaxKey(id StreamID) [16]byte {
	var k [16]byte
	for i := 0; i < 8; i++ {
		k[i] = byte(id.Ms >> (56 - 8*i))
		k[8+i] = byte(id.Seq >> (56 - 8*i))
	}
	return k
}

// streamRaxCount counts the rax nodes from the state at depth d shared by
// the sorted keys.
func streamRaxCount(keys [][16]byte, d int) int {
	if len(keys) == 1 {
		if d == 16 {
			return 1 // the key node
		}
		return 2 // a compressed run, then the key node
	}
	first, last := &keys[0], &keys[len(keys)-1]
	p := d
	for p < 16 && first[p] == last[p] {
		p++
	}
	total := 1 // the branching node at depth p
	if p > d {
		total++ // a compressed run leading to it
	}
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j][p] == keys[i][p] {
			j++
		}
		total += streamRaxCount(keys[i:j], p+1)
		i = j
	}
	return total
}
