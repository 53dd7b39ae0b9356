package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
)

// StreamID is a stream entry ID (milliseconds-sequence).
type StreamID struct {
	Ms, Seq uint64
}

// Compare orders IDs numerically.
func (a StreamID) Compare(b StreamID) int {
	switch {
	case a.Ms < b.Ms:
		return -1
	case a.Ms > b.Ms:
		return 1
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

func (a StreamID) String() string { return fmt.Sprintf("%d-%d", a.Ms, a.Seq) }

// raw is the 16-byte big-endian form Redis uses for radix-tree keys and PEL
// entries, which makes byte order equal numeric order.
func (a StreamID) raw() [16]byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], a.Ms)
	binary.BigEndian.PutUint64(b[8:], a.Seq)
	return b
}

func streamIDFromRaw(b []byte) StreamID {
	return StreamID{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
}

// StreamEntry is one live stream entry. Field names may be shared between
// entries (they come from a node's master entry); treat them as read-only.
type StreamEntry struct {
	ID     StreamID
	Fields []Field
}

// Stream is the complete state of a stream key.
type Stream struct {
	Entries []StreamEntry // live entries, ascending ID
	// Length is the live entry count stored in the file; the decoder checks it
	// equals len(Entries) and the encoder writes len(Entries).
	Length            uint64
	LastID            StreamID
	FirstID           StreamID // 0-0 for an empty stream
	MaxDeletedEntryID StreamID
	EntriesAdded      uint64
	Groups            []StreamGroup // any order; written sorted by name
}

// StreamGroup is a consumer group.
type StreamGroup struct {
	Name   []byte
	LastID StreamID
	// EntriesRead is the group's logical read counter; -1 means unknown
	// (Redis's SCG_INVALID_ENTRIES_READ).
	EntriesRead int64
	Pending     []StreamPendingEntry // the group PEL, any order
	Consumers   []StreamConsumer
}

// StreamPendingEntry is an entry of a group's pending entries list.
type StreamPendingEntry struct {
	ID            StreamID
	DeliveryTime  int64 // unix ms of the last delivery
	DeliveryCount uint64
	// Consumer names the owning consumer. The decoder fills it in; the
	// encoder takes ownership from StreamConsumer.Pending (the file stores it
	// there) and checks every PEL entry is owned exactly once.
	Consumer []byte
}

// StreamConsumer is a consumer of a group.
type StreamConsumer struct {
	Name     []byte
	SeenTime int64 // unix ms
	// ActiveTime is only stored by Redis 7.2 (RDB type 21); -1 when absent.
	// Redis 7.0 files do not carry it, so the encoder does not write it.
	ActiveTime int64
	Pending    []StreamID // IDs owned by this consumer; each must be in the group PEL
}

// Flags of stream listpack entries.
const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

func lpNextInt(it *lpIter, what string) (int64, error) {
	e, ok, err := it.next()
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("stream listpack ends before %s", what)
	}
	if !e.isInt {
		return 0, fmt.Errorf("stream listpack %s is not an integer", what)
	}
	return e.v, nil
}

func lpNextBytes(it *lpIter, what string) ([]byte, error) {
	e, ok, err := it.next()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("stream listpack ends before %s", what)
	}
	return e.bytes(), nil
}

// parseStreamNode appends the live entries of one stream node to out.
// A node listpack starts with a "master entry" (live count, deleted count,
// master field names, 0) followed by entries whose IDs are deltas from the
// node's key and whose field names may be omitted (SAMEFIELDS flag) when they
// equal the master fields.
func parseStreamNode(master StreamID, lp []byte, out []StreamEntry) ([]StreamEntry, error) {
	it, err := newLPIter(lp)
	if err != nil {
		return nil, err
	}
	count, err := lpNextInt(it, "entry count")
	if err != nil {
		return nil, err
	}
	deleted, err := lpNextInt(it, "deleted count")
	if err != nil {
		return nil, err
	}
	nf, err := lpNextInt(it, "master field count")
	if err != nil {
		return nil, err
	}
	if nf < 0 || nf > int64(len(lp)/2) {
		return nil, fmt.Errorf("stream master field count %d invalid", nf)
	}
	masterFields := make([][]byte, nf)
	for i := range masterFields {
		if masterFields[i], err = lpNextBytes(it, "master field"); err != nil {
			return nil, err
		}
	}
	if z, err := lpNextInt(it, "master terminator"); err != nil {
		return nil, err
	} else if z != 0 {
		return nil, fmt.Errorf("stream master entry terminator is %d, not 0", z)
	}
	var live, dead int64
	for {
		e, ok, err := it.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if !e.isInt {
			return nil, fmt.Errorf("stream entry flags are not an integer")
		}
		flags := e.v
		msd, err := lpNextInt(it, "ms delta")
		if err != nil {
			return nil, err
		}
		seqd, err := lpNextInt(it, "seq delta")
		if err != nil {
			return nil, err
		}
		id := StreamID{master.Ms + uint64(msd), master.Seq + uint64(seqd)}
		n := nf
		same := flags&streamFlagSameFields != 0
		if !same {
			if n, err = lpNextInt(it, "field count"); err != nil {
				return nil, err
			}
			if n < 0 || n > int64(len(lp)/4) {
				return nil, fmt.Errorf("stream entry %s field count %d invalid", id, n)
			}
		}
		fields := make([]Field, n)
		for i := range fields {
			if same {
				fields[i].Name = masterFields[i]
			} else if fields[i].Name, err = lpNextBytes(it, "field"); err != nil {
				return nil, err
			}
			if fields[i].Value, err = lpNextBytes(it, "value"); err != nil {
				return nil, err
			}
		}
		lpCount, err := lpNextInt(it, "lp-count")
		if err != nil {
			return nil, err
		}
		want := n + 3
		if !same {
			want += n + 1
		}
		if lpCount != want {
			return nil, fmt.Errorf("stream entry %s lp-count %d, expected %d", id, lpCount, want)
		}
		if flags&streamFlagDeleted != 0 {
			dead++
			continue
		}
		live++
		if len(out) > 0 && id.Compare(out[len(out)-1].ID) <= 0 {
			return nil, fmt.Errorf("stream entry %s not after %s", id, out[len(out)-1].ID)
		}
		out = append(out, StreamEntry{ID: id, Fields: fields})
	}
	if live != count || dead != deleted {
		return nil, fmt.Errorf("stream node counts %d live/%d deleted, header says %d/%d", live, dead, count, deleted)
	}
	if live+dead == 0 {
		return nil, fmt.Errorf("empty stream node")
	}
	return out, nil
}

func readStreamID(rd *reader) (StreamID, error) {
	ms, err := rd.readPlainLen()
	if err != nil {
		return StreamID{}, err
	}
	seq, err := rd.readPlainLen()
	return StreamID{ms, seq}, err
}

func readStream(rd *reader, t byte) (*Stream, error) {
	nodes, err := rd.readCount("stream node", 2)
	if err != nil {
		return nil, err
	}
	s := &Stream{}
	for i := 0; i < nodes; i++ {
		key, err := rd.readString()
		if err != nil {
			return nil, fmt.Errorf("stream node %d key: %w", i, err)
		}
		if len(key) != 16 {
			return nil, fmt.Errorf("stream node %d key is %d bytes, not 16", i, len(key))
		}
		lp, err := rd.readString()
		if err != nil {
			return nil, fmt.Errorf("stream node %d: %w", i, err)
		}
		if s.Entries, err = parseStreamNode(streamIDFromRaw(key), lp, s.Entries); err != nil {
			return nil, fmt.Errorf("stream node %d: %w", i, err)
		}
	}
	if s.Length, err = rd.readPlainLen(); err != nil {
		return nil, err
	}
	if s.Length != uint64(len(s.Entries)) {
		return nil, fmt.Errorf("stream length %d but %d live entries", s.Length, len(s.Entries))
	}
	if s.LastID, err = readStreamID(rd); err != nil {
		return nil, err
	}
	if n := len(s.Entries); n > 0 && s.Entries[n-1].ID.Compare(s.LastID) > 0 {
		return nil, fmt.Errorf("stream last ID %s is before entry %s", s.LastID, s.Entries[n-1].ID)
	}
	if t >= TypeStreamListpacks2 {
		if s.FirstID, err = readStreamID(rd); err != nil {
			return nil, err
		}
		if s.MaxDeletedEntryID, err = readStreamID(rd); err != nil {
			return nil, err
		}
		if s.EntriesAdded, err = rd.readPlainLen(); err != nil {
			return nil, err
		}
	} else {
		// Pre-7.0 streams do not record these; derive them as Redis does.
		if len(s.Entries) > 0 {
			s.FirstID = s.Entries[0].ID
		}
		s.EntriesAdded = s.Length
	}
	ngroups, err := rd.readCount("consumer group", 4)
	if err != nil {
		return nil, err
	}
	seenGroups := map[string]bool{}
	for g := 0; g < ngroups; g++ {
		grp, err := readStreamGroup(rd, t, s)
		if err != nil {
			return nil, fmt.Errorf("consumer group %d: %w", g, err)
		}
		if seenGroups[string(grp.Name)] {
			return nil, fmt.Errorf("duplicate consumer group %q", grp.Name)
		}
		seenGroups[string(grp.Name)] = true
		s.Groups = append(s.Groups, grp)
	}
	return s, nil
}

func readStreamGroup(rd *reader, t byte, s *Stream) (StreamGroup, error) {
	var g StreamGroup
	var err error
	if g.Name, err = rd.readString(); err != nil {
		return g, err
	}
	if g.LastID, err = readStreamID(rd); err != nil {
		return g, err
	}
	if t >= TypeStreamListpacks2 {
		v, err := rd.readPlainLen()
		if err != nil {
			return g, err
		}
		g.EntriesRead = int64(v) // -1 is stored as 2^64-1
	} else {
		g.EntriesRead = estimateEntriesRead(s, g.LastID)
	}
	npel, err := rd.readCount("pending entry", 17)
	if err != nil {
		return g, err
	}
	idx := make(map[StreamID]int, capHint(npel))
	g.Pending = make([]StreamPendingEntry, 0, capHint(npel))
	for i := 0; i < npel; i++ {
		raw, err := rd.readSmall(16)
		if err != nil {
			return g, err
		}
		pe := StreamPendingEntry{ID: streamIDFromRaw(raw)}
		t, err := rd.readUint64LE()
		if err != nil {
			return g, err
		}
		pe.DeliveryTime = int64(t)
		if pe.DeliveryCount, err = rd.readPlainLen(); err != nil {
			return g, err
		}
		if _, dup := idx[pe.ID]; dup {
			return g, fmt.Errorf("duplicate pending entry %s", pe.ID)
		}
		idx[pe.ID] = len(g.Pending)
		g.Pending = append(g.Pending, pe)
	}
	ncons, err := rd.readCount("consumer", 10)
	if err != nil {
		return g, err
	}
	seen := map[string]bool{}
	for i := 0; i < ncons; i++ {
		c := StreamConsumer{ActiveTime: -1}
		if c.Name, err = rd.readString(); err != nil {
			return g, err
		}
		if seen[string(c.Name)] {
			return g, fmt.Errorf("duplicate consumer %q", c.Name)
		}
		seen[string(c.Name)] = true
		v, err := rd.readUint64LE()
		if err != nil {
			return g, err
		}
		c.SeenTime = int64(v)
		if t >= TypeStreamListpacks3 {
			if v, err = rd.readUint64LE(); err != nil {
				return g, err
			}
			c.ActiveTime = int64(v)
		}
		n, err := rd.readCount("consumer pending entry", 16)
		if err != nil {
			return g, err
		}
		c.Pending = make([]StreamID, 0, capHint(n))
		for j := 0; j < n; j++ {
			raw, err := rd.readSmall(16)
			if err != nil {
				return g, err
			}
			id := streamIDFromRaw(raw)
			k, ok := idx[id]
			if !ok {
				return g, fmt.Errorf("consumer %q pending entry %s not in group PEL", c.Name, id)
			}
			if g.Pending[k].Consumer != nil {
				return g, fmt.Errorf("pending entry %s owned by two consumers", id)
			}
			g.Pending[k].Consumer = c.Name
			c.Pending = append(c.Pending, id)
		}
		g.Consumers = append(g.Consumers, c)
	}
	for _, pe := range g.Pending {
		if pe.Consumer == nil {
			return g, fmt.Errorf("pending entry %s has no consumer", pe.ID)
		}
	}
	return g, nil
}

// estimateEntriesRead reproduces how Redis 7 guesses a group's read counter
// when loading a pre-7.0 stream that did not store it: it is only known when
// the group's last ID is at the very start or end of the stream.
func estimateEntriesRead(s *Stream, id StreamID) int64 {
	if s.EntriesAdded == 0 {
		return 0
	}
	if s.Length == 0 && id.Compare(s.LastID) < 1 {
		return int64(s.EntriesAdded)
	}
	switch c := id.Compare(s.LastID); {
	case c == 0:
		return int64(s.EntriesAdded)
	case c > 0:
		return -1
	}
	zero := StreamID{}
	if s.MaxDeletedEntryID == zero || s.MaxDeletedEntryID.Compare(s.FirstID) < 0 {
		switch s.FirstID.Compare(id) {
		case 1:
			return int64(s.EntriesAdded - s.Length)
		case 0:
			return int64(s.EntriesAdded - s.Length + 1)
		}
	}
	return -1
}

// streamNode accumulates one node the way XADD would have built it, so that
// the node boundaries (and therefore DUMP bytes) match Redis.
type streamNode struct {
	master       StreamID
	masterFields []Field
	body         []byte // every listpack entry after the live-count entry
	live         int
}

func (n *streamNode) size() int {
	return lpHeaderSize + lpIntEntrySize(int64(n.live)) + len(n.body) + 1
}

// appendStream writes the payload of a stream value in the layout of RDB
// type t: STREAM_LISTPACKS_2 is what Redis 7.0 writes; the older and newer
// layouts exist for test fixtures and differ only in the metadata fields.
func (e *valueEncoder) appendStream(dst []byte, s *Stream, t byte) ([]byte, error) {
	const listpackMaxSize = 1 << 30
	maxBytes := e.opts.StreamNodeMaxBytes
	if maxBytes <= 0 || maxBytes > listpackMaxSize {
		maxBytes = listpackMaxSize
	}
	maxEntries := e.opts.StreamNodeMaxEntries

	var nodes [][]byte // encoded node listpacks
	var keys []StreamID
	var cur *streamNode
	var curElems int
	flush := func() {
		if cur == nil {
			return
		}
		lb := &ListpackBuilder{}
		lb.Reset(nil)
		lb.AppendInt(int64(cur.live))
		lb.buf = append(lb.buf, cur.body...)
		lb.count += curElems
		nodes = append(nodes, lb.Finish())
		keys = append(keys, cur.master)
		cur = nil
	}
	for i := range s.Entries {
		ent := &s.Entries[i]
		if i > 0 && ent.ID.Compare(s.Entries[i-1].ID) <= 0 {
			return nil, fmt.Errorf("stream entries not strictly ascending at %s", ent.ID)
		}
		tot := 0
		for _, f := range ent.Fields {
			tot += len(f.Name) + len(f.Value)
		}
		if cur != nil && (cur.size()+tot >= maxBytes || (maxEntries > 0 && cur.live >= maxEntries)) {
			flush()
		}
		flags := int64(0)
		if cur == nil {
			cur = &streamNode{master: ent.ID, masterFields: ent.Fields}
			curElems = 0
			cur.body = lpAppendInt(cur.body, 0) // deleted
			cur.body = lpAppendInt(cur.body, int64(len(ent.Fields)))
			for _, f := range ent.Fields {
				cur.body = lpAppendString(cur.body, f.Name)
			}
			cur.body = lpAppendInt(cur.body, 0) // master terminator
			curElems += 3 + len(ent.Fields)
			flags = streamFlagSameFields
		} else if len(ent.Fields) == len(cur.masterFields) {
			same := true
			for k, f := range ent.Fields {
				if !bytes.Equal(f.Name, cur.masterFields[k].Name) {
					same = false
					break
				}
			}
			if same {
				flags = streamFlagSameFields
			}
		}
		nf := int64(len(ent.Fields))
		cur.body = lpAppendInt(cur.body, flags)
		cur.body = lpAppendInt(cur.body, int64(ent.ID.Ms-cur.master.Ms))
		cur.body = lpAppendInt(cur.body, int64(ent.ID.Seq-cur.master.Seq))
		curElems += 4
		lpCount := nf + 3
		if flags == 0 {
			cur.body = lpAppendInt(cur.body, nf)
			curElems++
			lpCount += nf + 1
		}
		for _, f := range ent.Fields {
			if flags == 0 {
				cur.body = lpAppendString(cur.body, f.Name)
				curElems++
			}
			cur.body = lpAppendString(cur.body, f.Value)
			curElems++
		}
		cur.body = lpAppendInt(cur.body, lpCount)
		cur.live++
	}
	flush()

	dst = appendLen(dst, uint64(len(nodes)))
	for i, lp := range nodes {
		k := keys[i].raw()
		dst = e.appendString(dst, k[:])
		dst = e.appendString(dst, lp)
	}
	dst = appendLen(dst, uint64(len(s.Entries)))
	dst = appendStreamID(dst, s.LastID)
	if t >= TypeStreamListpacks2 {
		dst = appendStreamID(dst, s.FirstID)
		dst = appendStreamID(dst, s.MaxDeletedEntryID)
		dst = appendLen(dst, s.EntriesAdded)
	}

	groups := s.Groups
	if !slices.IsSortedFunc(groups, func(a, b StreamGroup) int { return bytes.Compare(a.Name, b.Name) }) {
		groups = slices.Clone(groups)
		slices.SortFunc(groups, func(a, b StreamGroup) int { return bytes.Compare(a.Name, b.Name) })
	}
	dst = appendLen(dst, uint64(len(groups)))
	for gi := range groups {
		g := &groups[gi]
		if gi > 0 && bytes.Equal(g.Name, groups[gi-1].Name) {
			return nil, fmt.Errorf("duplicate consumer group %q", g.Name)
		}
		dst = e.appendString(dst, g.Name)
		dst = appendStreamID(dst, g.LastID)
		if t >= TypeStreamListpacks2 {
			dst = appendLen(dst, uint64(g.EntriesRead))
		}
		pel := g.Pending
		cmpPE := func(a, b StreamPendingEntry) int { return a.ID.Compare(b.ID) }
		if !slices.IsSortedFunc(pel, cmpPE) {
			pel = slices.Clone(pel)
			slices.SortFunc(pel, cmpPE)
		}
		// owned: false = in the PEL, not yet claimed by a consumer.
		owned := make(map[StreamID]bool, len(pel))
		dst = appendLen(dst, uint64(len(pel)))
		for _, pe := range pel {
			if _, dup := owned[pe.ID]; dup {
				return nil, fmt.Errorf("group %q: duplicate pending entry %s", g.Name, pe.ID)
			}
			owned[pe.ID] = false
			r := pe.ID.raw()
			dst = append(dst, r[:]...)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(pe.DeliveryTime))
			dst = appendLen(dst, pe.DeliveryCount)
		}
		cons := g.Consumers
		if len(cons) > 1 {
			names := make([][]byte, len(cons))
			for i := range cons {
				names[i] = cons[i].Name
			}
			if i := findDup(names); i >= 0 {
				return nil, fmt.Errorf("group %q: duplicate consumer %q", g.Name, names[i])
			}
		}
		cmpC := func(a, b StreamConsumer) int { return bytes.Compare(a.Name, b.Name) }
		if !slices.IsSortedFunc(cons, cmpC) {
			cons = slices.Clone(cons)
			slices.SortFunc(cons, cmpC)
		}
		dst = appendLen(dst, uint64(len(cons)))
		for _, c := range cons {
			dst = e.appendString(dst, c.Name)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(c.SeenTime))
			if t >= TypeStreamListpacks3 {
				dst = binary.LittleEndian.AppendUint64(dst, uint64(c.ActiveTime))
			}
			ids := c.Pending
			if !slices.IsSortedFunc(ids, StreamID.Compare) {
				ids = slices.Clone(ids)
				slices.SortFunc(ids, StreamID.Compare)
			}
			dst = appendLen(dst, uint64(len(ids)))
			for _, id := range ids {
				if o, ok := owned[id]; !ok {
					return nil, fmt.Errorf("group %q consumer %q: pending %s not in group PEL", g.Name, c.Name, id)
				} else if o {
					return nil, fmt.Errorf("group %q: pending %s owned by two consumers", g.Name, id)
				}
				owned[id] = true
				r := id.raw()
				dst = append(dst, r[:]...)
			}
		}
		for id, o := range owned {
			if !o {
				// Redis would load an ownerless NACK and trip over it later.
				return nil, fmt.Errorf("group %q: pending %s has no consumer", g.Name, id)
			}
		}
	}
	return dst, nil
}

func appendStreamID(dst []byte, id StreamID) []byte {
	return appendLen(appendLen(dst, id.Ms), id.Seq)
}
