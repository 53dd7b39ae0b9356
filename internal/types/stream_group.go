package types

import (
	"slices"
	"strings"
	"unsafe"
)

// StreamEntriesReadInvalid marks a group whose logical read counter is
// unknown (Redis's SCG_INVALID_ENTRIES_READ); XINFO shows it as nil.
const StreamEntriesReadInvalid int64 = -1

// StreamGroup is a consumer group. Mutate it only through Stream methods,
// which keep the PELs consistent and the memory accounting current.
type StreamGroup struct {
	name        string
	lastID      StreamID
	entriesRead int64
	pel         streamTree[*StreamNACK]
	consumers   map[string]*StreamConsumer
}

// StreamConsumer is a consumer of a group. Its PEL shares the NACKs of the
// group PEL.
type StreamConsumer struct {
	name     string
	seenTime int64
	pel      streamTree[*StreamNACK]
}

// StreamNACK is a pending entry: delivered to Consumer, not acknowledged.
type StreamNACK struct {
	DeliveryTime  int64 // unix ms of the last delivery
	DeliveryCount uint64
	consumer      *StreamConsumer
}

// Consumer returns the owner; nil only transiently inside XCLAIM FORCE.
func (n *StreamNACK) Consumer() *StreamConsumer { return n.consumer }

func (g *StreamGroup) Name() string         { return g.name }
func (g *StreamGroup) LastID() StreamID     { return g.lastID }
func (g *StreamGroup) PendingCount() int    { return g.pel.Len() }
func (g *StreamGroup) ConsumerCount() int   { return len(g.consumers) }
func (c *StreamConsumer) Name() string      { return c.name }
func (c *StreamConsumer) SeenTime() int64   { return c.seenTime }
func (c *StreamConsumer) PendingCount() int { return c.pel.Len() }

// EntriesRead returns the group's logical read counter; ok is false when
// it is unknown.
func (g *StreamGroup) EntriesRead() (n int64, ok bool) {
	return g.entriesRead, g.entriesRead != StreamEntriesReadInvalid
}

// Consumer looks a consumer up without touching its seen time, as XINFO,
// XPENDING and XGROUP DELCONSUMER do.
func (g *StreamGroup) Consumer(name string) *StreamConsumer { return g.consumers[name] }

// Consumers returns the consumers in name order (byte-wise, as Redis's rax).
func (g *StreamGroup) Consumers() []*StreamConsumer {
	out := make([]*StreamConsumer, 0, len(g.consumers))
	for _, c := range g.consumers {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *StreamConsumer) int { return strings.Compare(a.name, b.name) })
	return out
}

// Pending returns the NACK for id in the group PEL.
func (g *StreamGroup) Pending(id StreamID) (*StreamNACK, bool) { return g.pel.Get(id) }

// AscendPending calls fn for the group PEL from id upwards, in ID order.
// fn must not modify the stream.
func (g *StreamGroup) AscendPending(from StreamID, fn func(id StreamID, n *StreamNACK) bool) {
	g.pel.Ascend(from, fn)
}

// AscendPending calls fn for the consumer's PEL from id upwards.
func (c *StreamConsumer) AscendPending(from StreamID, fn func(id StreamID, n *StreamNACK) bool) {
	c.pel.Ascend(from, fn)
}

// Memory accounting for groups. A map entry costs roughly a key header,
// a value pointer and bucket overhead.
const (
	streamSizeofGroup    = int64(unsafe.Sizeof(StreamGroup{})) + 16
	streamSizeofConsumer = int64(unsafe.Sizeof(StreamConsumer{})) + 16
	streamSizeofNACK     = int64(unsafe.Sizeof(StreamNACK{}))
	streamMapEntryCost   = 40
)

func streamStringCost(s string) int64 { return int64(len(s)+7) &^ 7 }

// Group returns the named group or nil.
func (s *Stream) Group(name string) *StreamGroup { return s.groups[name] }

// GroupCount is the number of consumer groups.
func (s *Stream) GroupCount() int { return len(s.groups) }

// Groups returns the groups in name order, the order of XINFO GROUPS and
// of RDB serialization.
func (s *Stream) Groups() []*StreamGroup {
	out := make([]*StreamGroup, 0, len(s.groups))
	for _, g := range s.groups {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *StreamGroup) int { return strings.Compare(a.name, b.name) })
	return out
}

// CreateGroup adds a group (XGROUP CREATE); it returns nil when the name is
// taken (BUSYGROUP). entriesRead is StreamEntriesReadInvalid unless
// ENTRIESREAD was given.
func (s *Stream) CreateGroup(name string, lastID StreamID, entriesRead int64) *StreamGroup {
	if _, ok := s.groups[name]; ok {
		return nil
	}
	if s.groups == nil {
		s.groups = make(map[string]*StreamGroup)
	}
	g := &StreamGroup{name: name, lastID: lastID, entriesRead: entriesRead, consumers: make(map[string]*StreamConsumer)}
	s.groups[name] = g
	s.mem += streamSizeofGroup + streamStringCost(name) + streamMapEntryCost
	return g
}

// DestroyGroup removes a group (XGROUP DESTROY) and reports whether it
// existed.
func (s *Stream) DestroyGroup(name string) bool {
	g, ok := s.groups[name]
	if !ok {
		return false
	}
	s.mem -= s.groupMem(g)
	delete(s.groups, name)
	return true
}

func (s *Stream) groupMem(g *StreamGroup) int64 {
	m := streamSizeofGroup + streamStringCost(g.name) + streamMapEntryCost + g.pel.memUsage() +
		int64(g.pel.Len())*streamSizeofNACK
	for _, c := range g.consumers {
		m += streamSizeofConsumer + streamStringCost(c.name) + streamMapEntryCost + c.pel.memUsage()
	}
	return m
}

// SetGroupID moves the group's last delivered ID (XGROUP SETID).
func (s *Stream) SetGroupID(g *StreamGroup, id StreamID, entriesRead int64) {
	g.lastID = id
	g.entriesRead = entriesRead
}

// CreateConsumer adds a consumer if missing (XGROUP CREATECONSUMER and the
// implicit creation of XREADGROUP/XCLAIM/XAUTOCLAIM) and reports whether it
// was created. A new consumer's seen time is now.
func (s *Stream) CreateConsumer(g *StreamGroup, name string, now int64) (*StreamConsumer, bool) {
	if c, ok := g.consumers[name]; ok {
		return c, false
	}
	c := &StreamConsumer{name: name, seenTime: now}
	g.consumers[name] = c
	s.mem += streamSizeofConsumer + streamStringCost(name) + streamMapEntryCost
	return c, true
}

// TouchConsumer looks up a consumer, creating it if create is set, and
// sets its seen time to now, as Redis's default consumer lookup does for
// XREADGROUP, XCLAIM and XAUTOCLAIM. It returns nil when the consumer is
// missing and create is false.
func (s *Stream) TouchConsumer(g *StreamGroup, name string, now int64, create bool) (c *StreamConsumer, created bool) {
	c = g.consumers[name]
	if c == nil {
		if !create {
			return nil, false
		}
		c, created = s.CreateConsumer(g, name, now)
	}
	c.seenTime = now
	return c, created
}

// DeleteConsumer removes a consumer and its pending entries from the group
// PEL (XGROUP DELCONSUMER). It returns the number of entries it had
// pending; ok is false when there was no such consumer.
func (s *Stream) DeleteConsumer(g *StreamGroup, name string) (pending int, ok bool) {
	c := g.consumers[name]
	if c == nil {
		return 0, false
	}
	pending = c.pel.Len()
	before := g.pel.memUsage()
	c.pel.Ascend(StreamID{}, func(id StreamID, _ *StreamNACK) bool {
		g.pel.Delete(id)
		return true
	})
	s.mem += g.pel.memUsage() - before - int64(pending)*streamSizeofNACK
	s.mem -= streamSizeofConsumer + streamStringCost(name) + streamMapEntryCost + c.pel.memUsage()
	delete(g.consumers, name)
	return pending, true
}

// pelSet and pelDelete keep the memory accounting of a PEL tree current.
func (s *Stream) pelSet(t *streamTree[*StreamNACK], id StreamID, n *StreamNACK) {
	before := t.memUsage()
	t.Set(id, n)
	s.mem += t.memUsage() - before
}

func (s *Stream) pelDelete(t *streamTree[*StreamNACK], id StreamID) {
	before := t.memUsage()
	t.Delete(id)
	s.mem += t.memUsage() - before
}

// rangeHasTombstones reports whether an XDEL'd ID may lie in [start, +inf),
// using only max-deleted-entry-id as Redis does.
func (s *Stream) rangeHasTombstones(start StreamID) bool {
	if s.length == 0 || s.maxDeletedID.IsZero() {
		return false
	}
	if s.maxDeletedID.Less(s.firstID) {
		return false
	}
	return !s.maxDeletedID.Less(start)
}

// EstimateEntriesRead is the logical read counter of id (its distance from
// the first entry ever added) when it can be known without a scan, else
// StreamEntriesReadInvalid; this is streamEstimateDistanceFromFirstEverEntry.
func (s *Stream) EstimateEntriesRead(id StreamID) int64 {
	if s.entriesAdded == 0 {
		return 0
	}
	if s.length == 0 && id.Compare(s.lastID) <= 0 {
		return int64(s.entriesAdded)
	}
	switch id.Compare(s.lastID) {
	case 0:
		return int64(s.entriesAdded)
	case 1:
		return StreamEntriesReadInvalid
	}
	if s.maxDeletedID.IsZero() || s.maxDeletedID.Less(s.firstID) {
		switch id.Compare(s.firstID) {
		case -1:
			return int64(s.entriesAdded - s.length)
		case 0:
			return int64(s.entriesAdded - s.length + 1)
		}
	}
	return StreamEntriesReadInvalid
}

// Lag is the group's lag for XINFO; ok is false when Redis replies nil
// because deletions make it unknowable.
func (s *Stream) Lag(g *StreamGroup) (lag int64, ok bool) {
	if s.entriesAdded == 0 {
		return 0, true
	}
	if g.entriesRead != StreamEntriesReadInvalid && !s.rangeHasTombstones(g.lastID) {
		return int64(s.entriesAdded) - g.entriesRead, true
	}
	if er := s.EstimateEntriesRead(g.lastID); er != StreamEntriesReadInvalid {
		return int64(s.entriesAdded) - er, true
	}
	return 0, false
}

// advanceGroup moves the group's last delivered ID to a newly delivered
// entry and keeps entries-read in step. The tombstone test starts at the
// delivered ID, not the previous last ID, as in Redis 7.0.
func (s *Stream) advanceGroup(g *StreamGroup, id StreamID) {
	if !g.lastID.Less(id) {
		return
	}
	if g.entriesRead != StreamEntriesReadInvalid && !s.rangeHasTombstones(id) {
		g.entriesRead++
	} else if s.entriesAdded != 0 {
		g.entriesRead = s.EstimateEntriesRead(id)
	}
	g.lastID = id
}

// ReadGroupNew delivers up to count (0: no limit) entries never delivered
// to the group (XREADGROUP ">"): each advances the group's last ID and,
// unless noack, enters the group and consumer PELs with delivery time now
// and count 1, taking the NACK over from another consumer if an old one
// exists (possible after XGROUP SETID). The consumer's seen time is the
// caller's business (TouchConsumer).
func (s *Stream) ReadGroupNew(g *StreamGroup, c *StreamConsumer, count int, noack bool, now int64) []StreamEntry {
	var out []StreamEntry
	s.ReadGroupNewFunc(g, c, count, noack, now, func(id StreamID, f [][]byte) {
		out = append(out, StreamEntry{ID: id, Fields: append([][]byte(nil), f...)})
	})
	return out
}

// ReadGroupNewFunc is ReadGroupNew handing each delivered entry to fn
// instead of collecting them, so a reply can be written without
// allocating; fields is only valid during the call (its elements may be
// kept). fn must not modify the stream.
func (s *Stream) ReadGroupNewFunc(g *StreamGroup, c *StreamConsumer, count int, noack bool, now int64, fn func(id StreamID, fields [][]byte)) {
	start, ok := g.lastID.Next()
	if !ok {
		return
	}
	s.Range(start, StreamMaxID(), count, false, func(id StreamID, f [][]byte) bool {
		fn(id, f)
		s.advanceGroup(g, id)
		if !noack {
			s.deliver(g, c, id, now)
		}
		return true
	})
}

// deliver records a delivery of id to c in the PELs.
func (s *Stream) deliver(g *StreamGroup, c *StreamConsumer, id StreamID, now int64) {
	if n, ok := g.pel.Get(id); ok {
		if n.consumer != c {
			s.pelDelete(&n.consumer.pel, id)
			n.consumer = c
			s.pelSet(&c.pel, id, n)
		}
		n.DeliveryTime = now
		n.DeliveryCount = 1
		return
	}
	n := &StreamNACK{DeliveryTime: now, DeliveryCount: 1, consumer: c}
	s.pelSet(&g.pel, id, n)
	s.pelSet(&c.pel, id, n)
	s.mem += streamSizeofNACK
}

// LastLiveAfterGroup reports whether XREADGROUP ">" has something to serve
// synchronously: the last live entry is beyond the group's last ID.
func (s *Stream) LastLiveAfterGroup(g *StreamGroup) bool {
	if s.length == 0 {
		return false
	}
	top, _ := s.LastLiveID()
	return g.lastID.Less(top)
}

// ReadGroupHistory serves XREADGROUP with an explicit ID: the consumer's
// own pending entries with ID > after, up to count (0: all). Entries still
// in the stream get their delivery time set to now and their count raised;
// IDs no longer in the stream are returned with nil Fields and untouched.
func (s *Stream) ReadGroupHistory(c *StreamConsumer, after StreamID, count int, now int64) []StreamEntry {
	start, ok := after.Next()
	if !ok {
		return nil
	}
	var out []StreamEntry
	c.pel.Ascend(start, func(id StreamID, n *StreamNACK) bool {
		if count > 0 && len(out) >= count {
			return false
		}
		f, ok := s.Get(id)
		if ok {
			n.DeliveryTime = now
			n.DeliveryCount++
		}
		out = append(out, StreamEntry{ID: id, Fields: f})
		return true
	})
	return out
}

// Ack removes IDs from the group PEL and their owners' PELs (XACK) and
// returns how many were pending.
func (s *Stream) Ack(g *StreamGroup, ids ...StreamID) int {
	acked := 0
	for _, id := range ids {
		if s.dropNACK(g, id) {
			acked++
		}
	}
	return acked
}

func (s *Stream) dropNACK(g *StreamGroup, id StreamID) bool {
	n, ok := g.pel.Get(id)
	if !ok {
		return false
	}
	s.pelDelete(&g.pel, id)
	if n.consumer != nil {
		s.pelDelete(&n.consumer.pel, id)
	}
	s.mem -= streamSizeofNACK
	return true
}

// StreamPendingSummary is the short form of XPENDING.
type StreamPendingSummary struct {
	Count      int
	First      StreamID
	Last       StreamID
	ByConsumer []StreamConsumerPending // consumers with pending entries, by name
}

// StreamConsumerPending is one consumer's pending count.
type StreamConsumerPending struct {
	Name  string
	Count int
}

// PendingSummary returns XPENDING's summary.
func (s *Stream) PendingSummary(g *StreamGroup) StreamPendingSummary {
	sum := StreamPendingSummary{Count: g.pel.Len()}
	if sum.Count == 0 {
		return sum
	}
	sum.First, _ = g.pel.Min()
	sum.Last, _ = g.pel.Max()
	for _, c := range g.Consumers() {
		if n := c.pel.Len(); n > 0 {
			sum.ByConsumer = append(sum.ByConsumer, StreamConsumerPending{c.name, n})
		}
	}
	return sum
}

// StreamPendingEntry is one row of the extended XPENDING form and of
// XINFO STREAM FULL.
type StreamPendingEntry struct {
	ID            StreamID
	Consumer      string
	DeliveryTime  int64
	Idle          int64 // now - DeliveryTime, not below 0
	DeliveryCount uint64
}

// PendingRange is XPENDING's extended form: pending entries with
// start <= ID <= end, of consumer c (nil for the whole group), whose idle
// time is at least minIdle when minIdle > 0, at most count of them.
func (s *Stream) PendingRange(g *StreamGroup, c *StreamConsumer, start, end StreamID, count int64, minIdle int64, now int64) []StreamPendingEntry {
	var out []StreamPendingEntry
	if count <= 0 || end.Less(start) {
		return out
	}
	t := &g.pel
	if c != nil {
		t = &c.pel
	}
	t.Ascend(start, func(id StreamID, n *StreamNACK) bool {
		if end.Less(id) {
			return false
		}
		idle := now - n.DeliveryTime
		if minIdle > 0 && idle < minIdle {
			return true
		}
		out = append(out, StreamPendingEntry{ID: id, Consumer: n.consumer.name, DeliveryTime: n.DeliveryTime, Idle: max(idle, 0), DeliveryCount: n.DeliveryCount})
		return int64(len(out)) < count
	})
	return out
}

// StreamClaimOptions are XCLAIM's options, parsed.
type StreamClaimOptions struct {
	MinIdle int64 // values < 0 count as 0
	// DeliveryTime is the new delivery time from IDLE (now - idle) or TIME;
	// -1 when neither was given. Values < 0 or > now mean now.
	DeliveryTime int64
	RetryCount   int64 // -1 when not given
	Force        bool
	JustID       bool
	LastID       StreamID // 0-0 when not given
}

// StreamClaimResult is what XCLAIM / XAUTOCLAIM did.
type StreamClaimResult struct {
	// Claimed lists the claimed entries; Fields is nil with JUSTID.
	Claimed []StreamEntry
	// Deleted lists pending IDs dropped because their entry is gone.
	Deleted []StreamID
	// Next is XAUTOCLAIM's cursor: the first pending ID after the last one
	// examined, or 0-0 when the scan reached the end.
	Next StreamID
	// ConsumerCreated reports that the claiming consumer was created (Redis
	// fires the xgroup-createconsumer event).
	ConsumerCreated bool
}

// Claim is XCLAIM. LASTID raises the group's last ID first. For each ID:
// if the entry is gone from the stream its NACK (if any) is dropped;
// with FORCE a missing NACK is created; an existing NACK younger than
// MinIdle is skipped (not one just made by FORCE); a claimed NACK moves to
// the consumer (created on first claim, seen time set to now), takes the
// delivery time, and has its count set to RETRYCOUNT or raised unless
// JUSTID.
func (s *Stream) Claim(g *StreamGroup, consumer string, ids []StreamID, o StreamClaimOptions, now int64) StreamClaimResult {
	var res StreamClaimResult
	if g.lastID.Less(o.LastID) {
		g.lastID = o.LastID
	}
	dt := o.DeliveryTime
	if dt < 0 || dt > now {
		dt = now
	}
	minIdle := max(o.MinIdle, 0)
	var c *StreamConsumer
	for _, id := range ids {
		n, pending := g.pel.Get(id)
		if !s.Exists(id) {
			if pending {
				s.dropNACK(g, id)
				res.Deleted = append(res.Deleted, id)
			}
			continue
		}
		if o.Force && !pending {
			n = &StreamNACK{DeliveryTime: now, DeliveryCount: 1}
			s.pelSet(&g.pel, id, n)
			s.mem += streamSizeofNACK
			pending = true
		}
		if !pending {
			continue
		}
		if n.consumer != nil && minIdle > 0 && now-n.DeliveryTime < minIdle {
			continue
		}
		if c == nil {
			c, res.ConsumerCreated = s.TouchConsumer(g, consumer, now, true)
		}
		s.claimNACK(c, id, n, dt, o.RetryCount, o.JustID)
		res.Claimed = append(res.Claimed, s.claimedEntry(id, o.JustID))
	}
	return res
}

func (s *Stream) claimNACK(c *StreamConsumer, id StreamID, n *StreamNACK, dt, retry int64, justID bool) {
	if n.consumer != c && n.consumer != nil {
		s.pelDelete(&n.consumer.pel, id)
	}
	n.DeliveryTime = dt
	if retry >= 0 {
		n.DeliveryCount = uint64(retry)
	} else if !justID {
		n.DeliveryCount++
	}
	if n.consumer != c {
		s.pelSet(&c.pel, id, n)
		n.consumer = c
	}
}

func (s *Stream) claimedEntry(id StreamID, justID bool) StreamEntry {
	if justID {
		return StreamEntry{ID: id}
	}
	f, _ := s.Get(id)
	return StreamEntry{ID: id, Fields: f}
}

// AutoClaim is XAUTOCLAIM: it scans the group PEL from start, examining at
// most 10*count NACKs and stopping after count of them were claimed or
// found deleted (deleted ones are dropped from the PELs and listed). NACKs
// idle for less than minIdle (when > 0) are skipped. Claimed NACKs get
// delivery time now and, unless justID, one more delivery.
func (s *Stream) AutoClaim(g *StreamGroup, consumer string, start StreamID, count int64, minIdle int64, justID bool, now int64) StreamClaimResult {
	var res StreamClaimResult
	minIdle = max(minIdle, 0)
	attempts := count * 10
	var c *StreamConsumer
	type step struct {
		id StreamID
		n  *StreamNACK
	}
	// Collect first: the tree cannot change under Ascend. The scan stops
	// at the same point Redis's loop does, and remembers the next ID as
	// the cursor.
	var todo []step
	remaining := count
	g.pel.Ascend(start, func(id StreamID, n *StreamNACK) bool {
		if attempts == 0 || remaining == 0 {
			res.Next = id
			return false
		}
		attempts--
		if !s.Exists(id) {
			todo = append(todo, step{id, nil})
			remaining--
		} else if minIdle > 0 && now-n.DeliveryTime < minIdle {
			// skipped
		} else {
			todo = append(todo, step{id, n})
			remaining--
		}
		return true
	})
	for _, st := range todo {
		if st.n == nil {
			s.dropNACK(g, st.id)
			res.Deleted = append(res.Deleted, st.id)
			continue
		}
		if c == nil {
			c, res.ConsumerCreated = s.TouchConsumer(g, consumer, now, true)
		}
		s.claimNACK(c, st.id, st.n, now, -1, justID)
		res.Claimed = append(res.Claimed, s.claimedEntry(st.id, justID))
	}
	return res
}
