package types

import (
	"unsafe"

	"github.com/autobot-ai/autobot-redis/internal/keyspace"
)

// Stream is the value of a stream key: entries in ID order plus the 7.0
// metadata and the consumer groups. It is not safe for concurrent use.
//
// Entries live in nodes that follow Redis's listpack nodes: a node is
// opened with a "master" field list taken from its first entry, entries
// whose field names equal the master list store only their values, the
// node closes by entry count or by its would-be listpack byte size, and
// XDEL only flags entries as deleted until a node has no live entry left.
// Keeping the same node boundaries as Redis is what makes approximate
// trimming (which only drops whole nodes) delete the same entries.
type Stream struct {
	nodes []*streamNode // ascending master ID; nodes never overlap

	length       uint64
	lastID       StreamID
	firstID      StreamID
	maxDeletedID StreamID
	entriesAdded uint64

	groups map[string]*StreamGroup

	// mem is MemUsage minus nodesMem; both are kept up to date by every
	// mutation so that MemUsage is O(1).
	mem      int64
	nodesMem int64 // bytes of the array behind nodes
}

// StreamNodeLimits are the stream-node-max-bytes and
// stream-node-max-entries settings in force when an entry is added.
type StreamNodeLimits struct {
	MaxBytes   int64 // 0 means no byte limit (Redis still caps at 1 GiB)
	MaxEntries int64 // 0 means no entry-count limit
}

// Redis's defaults for the node limits.
const (
	StreamDefaultNodeMaxBytes   = 4096
	StreamDefaultNodeMaxEntries = 100
)

// Entry flags, as in the listpack encoding.
const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

// streamNode stands for one Redis listpack node. Field and value bytes are
// packed into one arena per node (data) with their lengths in lens, so an
// entry costs no allocation of its own; arena bytes are never modified once
// written, which lets callers keep the slices we hand out.
type streamNode struct {
	master  StreamID
	entries []streamEntry // every entry ever added, deleted ones flagged
	// data starts with the master field names (nMaster of them, lengths
	// in lens[:nMaster]), followed by each entry's names and values.
	data    []byte
	lens    []uint32
	nMaster int
	live    int
	deleted int
	// lpBody is the listpack size of everything except the header, the
	// terminator and the live/deleted counters, which are added by lpBytes
	// because their encoded width changes as they count.
	lpBody int
	// ghosts records deleted entries dropped from entries to keep it
	// sorted; see appendNew. They still count in deleted and lpBody.
	ghosts []streamGhost
}

// streamGhost marks where deleted entries sat in a node before a smaller
// ID was appended after them (possible when XSETID moves the last ID back
// over deleted entries). Redis keeps them in place, so an exact MINID trim
// walking the node stops on them; at is the index in entries they
// preceded and min the smallest of their IDs.
type streamGhost struct {
	at    int
	min   StreamID
	n     int // how many entries
	bytes int // their listpack bytes, still in lpBody
}

type streamEntry struct {
	id      StreamID
	dataOff uint32
	lensOff uint32
	nf      uint32 // number of field/value pairs
	flags   uint8
}

// Sizes for memory accounting. Go rounds allocations up to size classes;
// slices grown by append already get class-sized capacities, so counting
// capacity is close to what the heap holds.
const (
	streamSizeofStream = int64(unsafe.Sizeof(Stream{})) + 8
	streamSizeofNode   = int64(unsafe.Sizeof(streamNode{})) + 8
	streamSizeofEntry  = int64(unsafe.Sizeof(streamEntry{}))
)

// NewStream returns an empty stream.
func NewStream() *Stream {
	return &Stream{mem: streamSizeofStream}
}

// Encoding implements keyspace.Collection: streams have a single encoding.
func (s *Stream) Encoding() keyspace.Encoding { return keyspace.EncStream }

// Len is the number of live entries.
func (s *Stream) Len() int { return int(s.length) }

// MemUsage is the approximate heap footprint in bytes, kept incrementally.
func (s *Stream) MemUsage() int64 { return s.mem + s.nodesMem }

// Length is the number of live entries (XLEN).
func (s *Stream) Length() uint64 { return s.length }

// LastID is the last generated ID (last-generated-id), which XDEL and XSETID
// can leave above the last live entry.
func (s *Stream) LastID() StreamID { return s.lastID }

// FirstID is recorded-first-entry-id: the first live entry, or 0-0.
func (s *Stream) FirstID() StreamID { return s.firstID }

// MaxDeletedID is max-deleted-entry-id: the greatest ID removed by XDEL (or
// set by XSETID MAXDELETEDID); trimming does not move it.
func (s *Stream) MaxDeletedID() StreamID { return s.maxDeletedID }

// EntriesAdded counts every entry ever added (entries-added).
func (s *Stream) EntriesAdded() uint64 { return s.entriesAdded }

// NodeCount is the number of nodes, XINFO's radix-tree-keys.
func (s *Stream) NodeCount() int { return len(s.nodes) }

func (n *streamNode) lpBytes() int {
	return streamLPHeaderSize + streamLPEndSize + streamLPIntSize(int64(n.live)) +
		streamLPIntSize(int64(n.deleted)) + n.lpBody
}

func (n *streamNode) memUsage() int64 {
	return streamSizeofNode + int64(cap(n.entries))*streamSizeofEntry +
		int64(cap(n.data)) + int64(cap(n.lens))*4 + int64(cap(n.ghosts))*48
}

func (n *streamNode) lastPhysicalID() StreamID { return n.entries[len(n.entries)-1].id }

// ghostStops reports whether Redis's walk of the node for an exact MINID
// trim would stop at ghosts lying just before entry j.
func (n *streamNode) ghostStops(j int, minID StreamID) bool {
	for _, g := range n.ghosts {
		if g.at == j && !g.min.Less(minID) {
			return true
		}
	}
	return false
}

// find returns the index of the first entry with ID >= id.
func (n *streamNode) find(id StreamID) int {
	lo, hi := 0, len(n.entries)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if n.entries[m].id.Less(id) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// appendFields appends the entry's field/value pairs to dst. The slices
// are capacity-limited views of the arena, safe to keep and never to modify.
func (n *streamNode) appendFields(dst [][]byte, e *streamEntry) [][]byte {
	d, l := e.dataOff, e.lensOff
	if e.flags&streamFlagSameFields != 0 {
		var mo uint32
		for i := uint32(0); i < e.nf; i++ {
			ml := n.lens[i]
			vl := n.lens[l+i]
			dst = append(dst, n.data[mo:mo+ml:mo+ml], n.data[d:d+vl:d+vl])
			mo += ml
			d += vl
		}
		return dst
	}
	for i := uint32(0); i < e.nf; i++ {
		fl, vl := n.lens[l+2*i], n.lens[l+2*i+1]
		dst = append(dst, n.data[d:d+fl:d+fl], n.data[d+fl:d+fl+vl:d+fl+vl])
		d += fl + vl
	}
	return dst
}

// sameAsMaster reports whether the field names equal the master fields.
func (n *streamNode) sameAsMaster(fields [][]byte) bool {
	if len(fields)/2 != n.nMaster {
		return false
	}
	var mo uint32
	for i := 0; i < n.nMaster; i++ {
		ml := n.lens[i]
		if string(n.data[mo:mo+ml]) != string(fields[2*i]) {
			return false
		}
		mo += ml
	}
	return true
}

// newStreamNode opens a node whose master entry takes the field names of
// its first entry.
//
// Streams tend to be uniform, so the arrays are sized like the node that
// was just closed (hint), which spares both the doubling copies of append
// and the final shrink; a first node starts small.
func newStreamNode(master StreamID, fields [][]byte, hint streamNodeHint) *streamNode {
	nf := len(fields) / 2
	size := 0
	for i := 0; i < nf; i++ {
		size += len(fields[2*i])
	}
	n := &streamNode{
		master:  master,
		nMaster: nf,
		entries: make([]streamEntry, 0, max(hint.entries, 1)),
		data:    make([]byte, 0, max(hint.data, size)),
		lens:    make([]uint32, 0, max(hint.lens, nf)),
	}
	n.lpBody = streamLPIntSize(int64(nf)) + streamLPIntSize(0) // field count, terminator
	for i := 0; i < nf; i++ {
		n.data = append(n.data, fields[2*i]...)
		n.lens = append(n.lens, uint32(len(fields[2*i])))
		n.lpBody += streamLPStrSize(fields[2*i])
	}
	return n
}

// appendEntry adds an entry at the end of the node, accounting its listpack
// size the way streamAppendItem lays it out: flags, ms and seq deltas from
// the master ID, the field count and names unless they match the master
// fields, the values, and the element count used for backward traversal.
func (n *streamNode) appendEntry(id StreamID, fields [][]byte, flags uint8) {
	nf := len(fields) / 2
	e := streamEntry{id: id, dataOff: uint32(len(n.data)), lensOff: uint32(len(n.lens)), nf: uint32(nf), flags: flags}
	same := flags&streamFlagSameFields != 0
	n.lpBody += streamLPIntSize(int64(flags)) +
		streamLPIntSize(int64(id.Ms-n.master.Ms)) +
		streamLPIntSize(int64(id.Seq-n.master.Seq))
	lpCount := int64(nf) + 3
	if !same {
		n.lpBody += streamLPIntSize(int64(nf))
		lpCount += int64(nf) + 1
	}
	for i := 0; i < nf; i++ {
		if !same {
			n.data = append(n.data, fields[2*i]...)
			n.lens = append(n.lens, uint32(len(fields[2*i])))
			n.lpBody += streamLPStrSize(fields[2*i])
		}
		n.data = append(n.data, fields[2*i+1]...)
		n.lens = append(n.lens, uint32(len(fields[2*i+1])))
		n.lpBody += streamLPStrSize(fields[2*i+1])
	}
	n.lpBody += streamLPIntSize(lpCount)
	n.entries = append(n.entries, e)
	if flags&streamFlagDeleted != 0 {
		n.deleted++
	} else {
		n.live++
	}
}

// entrySize is the listpack size of one entry, as appendEntry counted it.
func (n *streamNode) entrySize(e *streamEntry) int {
	same := e.flags&streamFlagSameFields != 0
	size := streamLPIntSize(int64(e.flags)) + streamLPIntSize(int64(e.id.Ms-n.master.Ms)) +
		streamLPIntSize(int64(e.id.Seq-n.master.Seq))
	cnt := int64(e.nf) + 3
	if !same {
		size += streamLPIntSize(int64(e.nf))
		cnt += int64(e.nf) + 1
	}
	d, l := e.dataOff, e.lensOff
	for i := uint32(0); i < e.nf; i++ {
		if !same {
			fl := n.lens[l]
			size += streamLPStrSize(n.data[d : d+fl])
			d += fl
			l++
		}
		vl := n.lens[l]
		size += streamLPStrSize(n.data[d : d+vl])
		d += vl
		l++
	}
	// The flags entry of a deleted entry keeps its width: 0/2 and 1/3 all
	// fit the 7-bit integer form.
	return size + streamLPIntSize(cnt)
}

// streamNodeHint carries the final sizes of the last closed node.
type streamNodeHint struct{ entries, data, lens int }

// shrink drops large spare capacity of a node that will receive no more
// entries, as Redis shrinks a listpack when it opens the next node. Small
// slack (up to 1/8) is not worth a copy.
func (n *streamNode) shrink() {
	if cap(n.entries)-len(n.entries) > len(n.entries)/8 {
		n.entries = append([]streamEntry(nil), n.entries...)
	}
	if cap(n.data)-len(n.data) > len(n.data)/8 {
		n.data = append([]byte(nil), n.data...)
	}
	if cap(n.lens)-len(n.lens) > len(n.lens)/8 {
		n.lens = append([]uint32(nil), n.lens...)
	}
}

// Validate reports the error XADD gives for an explicit 0-0 before it even
// looks up the key.
func (a StreamAddID) Validate() error {
	if !a.Auto && !a.SeqAuto && a.ID.IsZero() {
		return StreamErrIDZero
	}
	return nil
}

// nextAddID computes the ID XADD would use, with Redis's error precedence.
func (s *Stream) nextAddID(a StreamAddID, now int64) (StreamID, error) {
	if err := a.Validate(); err != nil {
		return StreamID{}, err
	}
	if s.lastID == StreamMaxID() {
		return StreamID{}, StreamErrExhausted
	}
	var id StreamID
	switch {
	case a.Auto:
		if ms := uint64(now); now > 0 && ms > s.lastID.Ms {
			id = StreamID{ms, 0}
		} else {
			id, _ = s.lastID.Next() // cannot fail: lastID is not the maximum
		}
	case a.SeqAuto:
		if a.ID.Ms == s.lastID.Ms {
			if s.lastID.Seq == ^uint64(0) {
				// Redis 7.0 reports this overflow with the size error.
				return StreamID{}, StreamErrTooLarge
			}
			id = StreamID{a.ID.Ms, s.lastID.Seq + 1}
		} else {
			id = StreamID{a.ID.Ms, 0}
		}
	default:
		id = a.ID
	}
	if id.Compare(s.lastID) <= 0 {
		return StreamID{}, StreamErrIDTooSmall
	}
	return id, nil
}

// Add appends an entry (XADD). fields alternates names and values and must
// hold at least one pair; the caller checks arity. now is the current unix
// time in ms, used for "*". The byte slices are copied.
func (s *Stream) Add(a StreamAddID, fields [][]byte, now int64, lim StreamNodeLimits) (StreamID, error) {
	id, err := s.nextAddID(a, now)
	if err != nil {
		return StreamID{}, err
	}
	total := 0
	for _, f := range fields {
		total += len(f)
	}
	if total > streamListpackMaxSize {
		return StreamID{}, StreamErrTooLarge
	}
	s.appendNew(id, fields, total, lim)
	s.length++
	s.entriesAdded++
	s.lastID = id
	if s.length == 1 {
		s.firstID = id
	}
	return id, nil
}

// appendNew places an entry in the tail node or opens a new one. A node is
// full when its listpack bytes plus the new entry's raw field and value
// bytes reach max-bytes, or when it holds max-entries entries counting
// deleted ones, exactly the tests streamAppendItem makes.
func (s *Stream) appendNew(id StreamID, fields [][]byte, total int, lim StreamNodeLimits) {
	var n *streamNode
	var hint streamNodeHint
	if len(s.nodes) > 0 {
		n = s.nodes[len(s.nodes)-1]
		maxBytes := lim.MaxBytes
		if maxBytes <= 0 || maxBytes > streamListpackMaxSize {
			maxBytes = streamListpackMaxSize
		}
		if int64(n.lpBytes()+total) >= maxBytes ||
			(lim.MaxEntries > 0 && int64(n.live+n.deleted) >= lim.MaxEntries) {
			before := n.memUsage()
			hint = streamNodeHint{len(n.entries), len(n.data), len(n.lens)}
			n.shrink()
			s.mem += n.memUsage() - before
			n = nil
		}
	}
	// After XSETID moved the last ID back over deleted entries, the new ID
	// can be below entries still physically in the tail node. Redis just
	// appends after them; we keep entries sorted instead, turning those
	// deleted entries into ghosts that keep their bytes and count. A tail
	// node with no live entry at all and a master above the new ID (left
	// by an exact MINID trim that emptied the stream) is dropped: Redis
	// would append below the node's key and lose ID order.
	if n != nil && !n.lastPhysicalID().Less(id) {
		if n.live == 0 && id.Less(n.master) {
			s.removeNode(len(s.nodes) - 1)
			n = nil
		} else {
			before := n.memUsage()
			j := n.find(id)
			g := streamGhost{at: j, min: n.entries[j].id, n: len(n.entries) - j}
			for k := j; k < len(n.entries); k++ {
				g.bytes += n.entrySize(&n.entries[k])
			}
			n.ghosts = append(n.ghosts, g)
			clear(n.entries[j:])
			n.entries = n.entries[:j]
			s.mem += n.memUsage() - before
		}
	}
	flags := uint8(streamFlagSameFields)
	if n == nil {
		n = newStreamNode(id, fields, hint)
		s.pushNode(n)
		s.mem += n.memUsage()
	} else if !n.sameAsMaster(fields) {
		flags = 0
	}
	before := n.memUsage()
	n.appendEntry(id, fields, flags)
	s.mem += n.memUsage() - before
}

func (s *Stream) pushNode(n *streamNode) {
	c := cap(s.nodes)
	s.nodes = append(s.nodes, n)
	if cap(s.nodes) != c {
		s.nodesMem = int64(cap(s.nodes)) * 8
	}
}

// removeNode drops nodes[i]. Trimming removes from the head, which only
// reslices; the array keeps being accounted until append reallocates it.
func (s *Stream) removeNode(i int) {
	s.mem -= s.nodes[i].memUsage()
	if i == 0 {
		s.nodes[0] = nil
		s.nodes = s.nodes[1:]
		if len(s.nodes) == 0 {
			s.nodes = nil
			s.nodesMem = 0
		}
		return
	}
	copy(s.nodes[i:], s.nodes[i+1:])
	s.nodes[len(s.nodes)-1] = nil
	s.nodes = s.nodes[:len(s.nodes)-1]
}

// nodeFor returns the index of the node that would hold id: the last node
// whose master ID is <= id, or -1.
func (s *Stream) nodeFor(id StreamID) int {
	lo, hi := 0, len(s.nodes)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if id.Less(s.nodes[m].master) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo - 1
}

// lookup finds the live entry with the given ID.
func (s *Stream) lookup(id StreamID) (*streamNode, int, bool) {
	ni := s.nodeFor(id)
	if ni < 0 {
		return nil, 0, false
	}
	n := s.nodes[ni]
	j := n.find(id)
	if j == len(n.entries) || n.entries[j].id != id || n.entries[j].flags&streamFlagDeleted != 0 {
		return nil, 0, false
	}
	return n, j, true
}

// Exists reports whether a live entry has this ID.
func (s *Stream) Exists(id StreamID) bool {
	_, _, ok := s.lookup(id)
	return ok
}

// Get returns the fields of a live entry.
func (s *Stream) Get(id StreamID) ([][]byte, bool) {
	n, j, ok := s.lookup(id)
	if !ok {
		return nil, false
	}
	return n.appendFields(nil, &n.entries[j]), true
}

// deleteEntry flags one live entry as deleted, dropping its node when it
// was the node's last live entry, as streamIteratorRemoveEntry does.
func (s *Stream) deleteEntry(id StreamID) bool {
	ni := s.nodeFor(id)
	if ni < 0 {
		return false
	}
	n := s.nodes[ni]
	j := n.find(id)
	if j == len(n.entries) || n.entries[j].id != id || n.entries[j].flags&streamFlagDeleted != 0 {
		return false
	}
	if n.live == 1 {
		s.removeNode(ni)
	} else {
		n.entries[j].flags |= streamFlagDeleted
		n.live--
		n.deleted++
	}
	s.length--
	return true
}

// Delete removes entries by ID (XDEL) and returns how many existed. It
// raises max-deleted-entry-id and refreshes the first ID as XDEL does.
func (s *Stream) Delete(ids ...StreamID) int {
	deleted := 0
	firstGone := false
	for _, id := range ids {
		if !s.deleteEntry(id) {
			continue
		}
		if id == s.firstID {
			firstGone = true
		}
		if s.maxDeletedID.Less(id) {
			s.maxDeletedID = id
		}
		deleted++
	}
	if deleted > 0 {
		if s.length == 0 {
			s.firstID = StreamID{}
		} else if firstGone {
			s.firstID, _ = s.FirstLiveID()
		}
	}
	return deleted
}

// FirstLiveID and LastLiveID return the first and last live entries' IDs.
// LastLiveID is what XSETID and XREADGROUP compare with, not LastID.
func (s *Stream) FirstLiveID() (StreamID, bool) {
	for _, n := range s.nodes {
		if n.live == 0 {
			continue
		}
		for j := range n.entries {
			if n.entries[j].flags&streamFlagDeleted == 0 {
				return n.entries[j].id, true
			}
		}
	}
	return StreamID{}, false
}

func (s *Stream) LastLiveID() (StreamID, bool) {
	for i := len(s.nodes) - 1; i >= 0; i-- {
		n := s.nodes[i]
		if n.live == 0 {
			continue
		}
		for j := len(n.entries) - 1; j >= 0; j-- {
			if n.entries[j].flags&streamFlagDeleted == 0 {
				return n.entries[j].id, true
			}
		}
	}
	return StreamID{}, false
}

// StreamTrimStrategy selects MAXLEN or MINID trimming.
type StreamTrimStrategy uint8

const (
	StreamTrimNone StreamTrimStrategy = iota
	StreamTrimMaxLen
	StreamTrimMinID
)

// StreamTrimArgs are the trimming options of XADD and XTRIM.
type StreamTrimArgs struct {
	Strategy StreamTrimStrategy
	MaxLen   int64 // for StreamTrimMaxLen, >= 0
	MinID    StreamID
	// Approx is "~": only whole nodes are removed.
	Approx bool
	// Limit caps the entries removed; 0 means no cap. Redis uses 0 for
	// exact trimming and StreamDefaultTrimLimit for "~" without LIMIT.
	Limit int64
}

// StreamDefaultTrimLimit is the LIMIT Redis applies to "~" trimming when
// none is given: 100 nodes' worth of entries, or 10000 when nodes have no
// entry cap.
func StreamDefaultTrimLimit(nodeMaxEntries int64) int64 {
	if nodeMaxEntries <= 0 || nodeMaxEntries > (1<<63-1)/100 {
		return 10000
	}
	return 100 * nodeMaxEntries
}

// Trim applies XTRIM / XADD trimming and returns the number of entries
// removed. Following streamTrim: whole nodes are dropped from the head
// while they fit entirely in the excess (MAXLEN) or end below MinID (their
// last entry, deleted or not, is below it); the first node that cannot go
// entirely stops "~" trimming, and with exact trimming its leading entries
// are flagged deleted one by one. LIMIT stops before a node that would
// exceed it.
func (s *Stream) Trim(a StreamTrimArgs) int64 {
	if a.Strategy == StreamTrimNone {
		return 0
	}
	maxLen := uint64(a.MaxLen)
	var deleted int64
	for len(s.nodes) > 0 {
		if a.Strategy == StreamTrimMaxLen && s.length <= maxLen {
			break
		}
		n := s.nodes[0]
		entries := int64(n.live)
		if a.Limit != 0 && deleted+entries > a.Limit {
			break
		}
		var remove bool
		if a.Strategy == StreamTrimMaxLen {
			remove = s.length-uint64(entries) >= maxLen
		} else {
			remove = n.lastPhysicalID().Less(a.MinID)
		}
		if remove {
			s.removeNode(0)
			s.length -= uint64(entries)
			deleted += entries
			continue
		}
		if a.Approx {
			break
		}
		for j := range n.entries {
			e := &n.entries[j]
			if a.Strategy == StreamTrimMaxLen {
				if s.length <= maxLen {
					break
				}
			} else if !e.id.Less(a.MinID) || n.ghostStops(j, a.MinID) {
				break
			}
			if e.flags&streamFlagDeleted == 0 {
				e.flags |= streamFlagDeleted
				n.live--
				n.deleted++
				s.length--
				deleted++
			}
		}
		// Redis leaves the node in place even if no live entry remains.
		break
	}
	if deleted > 0 {
		if s.length == 0 {
			s.firstID = StreamID{}
		} else {
			s.firstID, _ = s.FirstLiveID()
		}
	}
	return deleted
}

// SetID applies XSETID once the arguments are parsed: entriesAdded is -1
// when not given, maxDeleted 0-0 when not given. The checks that need no
// stream (MAXDELETEDID greater than the ID, negative ENTRIESADDED) are the
// caller's, because Redis makes them before looking up the key.
func (s *Stream) SetID(id StreamID, entriesAdded int64, maxDeleted StreamID) error {
	if s.length > 0 {
		// Redis 7.0 compares with the last live entry, so after XDEL of the
		// top entries the last ID may move backwards.
		if top, _ := s.LastLiveID(); id.Less(top) {
			return StreamErrSetIDSmallTop
		}
		if entriesAdded != -1 && s.length > uint64(entriesAdded) {
			return StreamErrSetIDEntriesAdded
		}
	}
	s.lastID = id
	if entriesAdded != -1 {
		s.entriesAdded = uint64(entriesAdded)
	}
	if !maxDeleted.IsZero() {
		s.maxDeletedID = maxDeleted
	}
	return nil
}

// StreamEntry is an entry handed to callers. Fields alternates names and
// values; its byte slices are shared with the stream and must not be
// modified, but stay valid after later mutations. Fields is nil for an ID
// that is pending but no longer in the stream (XREADGROUP history).
type StreamEntry struct {
	ID     StreamID
	Fields [][]byte
}

// Range calls fn for live entries with start <= ID <= end in ascending
// order (descending when rev), at most count of them when count > 0, until
// fn returns false. fields is reused between calls; its elements may be
// kept. fn must not modify the stream.
func (s *Stream) Range(start, end StreamID, count int, rev bool, fn func(id StreamID, fields [][]byte) bool) {
	if end.Less(start) {
		return
	}
	buf := make([][]byte, 0, 16)
	emitted := 0
	if !rev {
		ni := s.nodeFor(start)
		j := 0
		if ni < 0 {
			ni = 0
		} else {
			j = s.nodes[ni].find(start)
		}
		for ; ni < len(s.nodes); ni, j = ni+1, 0 {
			n := s.nodes[ni]
			for ; j < len(n.entries); j++ {
				e := &n.entries[j]
				// Deleted entries are skipped before the bound check, as
				// Redis does: a node may end with deleted entries above
				// the next node's IDs (see appendNew).
				if e.flags&streamFlagDeleted != 0 {
					continue
				}
				if end.Less(e.id) {
					return
				}
				buf = n.appendFields(buf[:0], e)
				if !fn(e.id, buf) {
					return
				}
				if emitted++; count > 0 && emitted >= count {
					return
				}
			}
		}
		return
	}
	ni := s.nodeFor(end)
	if ni < 0 {
		return
	}
	j := s.nodes[ni].find(end)
	if j == len(s.nodes[ni].entries) || s.nodes[ni].entries[j].id != end {
		j--
	}
	for ; ni >= 0; ni-- {
		n := s.nodes[ni]
		if j == -2 {
			j = len(n.entries) - 1
		}
		for ; j >= 0; j-- {
			e := &n.entries[j]
			if e.flags&streamFlagDeleted != 0 {
				continue
			}
			if e.id.Less(start) {
				return
			}
			buf = n.appendFields(buf[:0], e)
			if !fn(e.id, buf) {
				return
			}
			if emitted++; count > 0 && emitted >= count {
				return
			}
		}
		j = -2
	}
}

// Entries collects what Range visits into freshly allocated entries.
func (s *Stream) Entries(start, end StreamID, count int, rev bool) []StreamEntry {
	var out []StreamEntry
	s.Range(start, end, count, rev, func(id StreamID, f [][]byte) bool {
		out = append(out, StreamEntry{ID: id, Fields: append([][]byte(nil), f...)})
		return true
	})
	return out
}
