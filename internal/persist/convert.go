package persist

import (
	"errors"
	"fmt"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/rdb"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// Conversions between keyspace objects and the rdb package's neutral
// value model. A string value built by toValue borrows the object's bytes
// (valid until the object is next modified, so it is encoded under the
// lock that guards the object, or from a private clone); the elements of
// collections are copied, since the collections hand out views that are
// valid only during their callbacks.

// arena copies many small byte slices into a few allocations.
type arena struct{ cur []byte }

func (a *arena) copy(b []byte) []byte {
	if len(b) > cap(a.cur)-len(a.cur) {
		if len(b) >= 16<<10 {
			return append([]byte(nil), b...)
		}
		size := min(max(2*cap(a.cur), 256, len(b)), 64<<10)
		a.cur = make([]byte, 0, size)
	}
	start := len(a.cur)
	a.cur = append(a.cur, b...)
	return a.cur[start:len(a.cur):len(a.cur)]
}

// toValue describes o for the rdb encoder.
func toValue(o *keyspace.Object) (*rdb.Value, error) {
	return toValueScratch(o, nil)
}

// toValueScratch is toValue reusing scratch (when not nil) for strings,
// the common case, so serializing a string allocates nothing.
func toValueScratch(o *keyspace.Object, scratch *rdb.Value) (*rdb.Value, error) {
	if o.Type() == keyspace.TypeString {
		if scratch == nil {
			return &rdb.Value{Kind: rdb.KindString, Str: o.Bytes()}, nil
		}
		*scratch = rdb.Value{Kind: rdb.KindString, Str: o.Bytes()}
		return scratch, nil
	}
	var ar arena
	switch c := o.Collection().(type) {
	case *types.List:
		v := &rdb.Value{Kind: rdb.KindList, List: make([][]byte, 0, c.Len())}
		c.RDBRange(func(e []byte) bool { v.List = append(v.List, ar.copy(e)); return true })
		return v, nil
	case *types.Set:
		v := &rdb.Value{Kind: rdb.KindSet, Set: make([][]byte, 0, c.Len())}
		c.RDBRange(func(m []byte) bool { v.Set = append(v.Set, ar.copy(m)); return true })
		return v, nil
	case *types.ZSet:
		v := &rdb.Value{Kind: rdb.KindZSet, ZSet: make([]rdb.ZMember, 0, c.Len())}
		c.RDBRange(func(m []byte, score float64) bool {
			v.ZSet = append(v.ZSet, rdb.ZMember{Member: ar.copy(m), Score: score})
			return true
		})
		return v, nil
	case *types.Hash:
		v := &rdb.Value{Kind: rdb.KindHash, Hash: make([]rdb.Field, 0, c.Len())}
		c.RDBRange(func(f, val []byte) bool {
			v.Hash = append(v.Hash, rdb.Field{Name: ar.copy(f), Value: ar.copy(val)})
			return true
		})
		return v, nil
	case *types.Stream:
		return &rdb.Value{Kind: rdb.KindStream, Stream: streamToRDB(c, &ar)}, nil
	}
	return nil, fmt.Errorf("cannot serialize a value of type %s", o.Type())
}

func streamToRDB(s *types.Stream, ar *arena) *rdb.Stream {
	out := &rdb.Stream{Entries: make([]rdb.StreamEntry, 0, s.Len())}
	s.Range(types.StreamID{}, types.StreamMaxID(), 0, false, func(id types.StreamID, fields [][]byte) bool {
		e := rdb.StreamEntry{ID: rdb.StreamID{Ms: id.Ms, Seq: id.Seq}, Fields: make([]rdb.Field, len(fields)/2)}
		for i := range e.Fields {
			e.Fields[i] = rdb.Field{Name: ar.copy(fields[2*i]), Value: ar.copy(fields[2*i+1])}
		}
		out.Entries = append(out.Entries, e)
		return true
	})
	out.Length = uint64(len(out.Entries))
	m := s.Meta()
	out.LastID = rdb.StreamID{Ms: m.LastID.Ms, Seq: m.LastID.Seq}
	out.FirstID = rdb.StreamID{Ms: m.FirstID.Ms, Seq: m.FirstID.Seq}
	out.MaxDeletedEntryID = rdb.StreamID{Ms: m.MaxDeletedID.Ms, Seq: m.MaxDeletedID.Seq}
	out.EntriesAdded = m.EntriesAdded
	for _, g := range s.Groups() {
		rg := rdb.StreamGroup{Name: []byte(g.Name()), LastID: rdb.StreamID{Ms: g.LastID().Ms, Seq: g.LastID().Seq}, EntriesRead: -1}
		if n, ok := g.EntriesRead(); ok {
			rg.EntriesRead = n
		}
		g.AscendPending(types.StreamID{}, func(id types.StreamID, n *types.StreamNACK) bool {
			pe := rdb.StreamPendingEntry{ID: rdb.StreamID{Ms: id.Ms, Seq: id.Seq}, DeliveryTime: n.DeliveryTime, DeliveryCount: n.DeliveryCount}
			if c := n.Consumer(); c != nil {
				pe.Consumer = []byte(c.Name())
			}
			rg.Pending = append(rg.Pending, pe)
			return true
		})
		for _, c := range g.Consumers() {
			rc := rdb.StreamConsumer{Name: []byte(c.Name()), SeenTime: c.SeenTime(), ActiveTime: -1}
			c.AscendPending(types.StreamID{}, func(id types.StreamID, _ *types.StreamNACK) bool {
				rc.Pending = append(rc.Pending, rdb.StreamID{Ms: id.Ms, Seq: id.Seq})
				return true
			})
			rg.Consumers = append(rg.Consumers, rc)
		}
		out.Groups = append(out.Groups, rg)
	}
	return out
}

// errEmptyValue reports a collection without elements, which Redis never
// stores (the loaders skip such keys).
var errEmptyValue = errors.New("empty collection")

// fillObject makes o hold v, choosing encodings the way Redis does when it
// loads a value: by the configured limits. v's byte slices are handed over
// (the rdb decoder allocates them afresh) or copied by the collections.
func fillObject(o *keyspace.Object, v *rdb.Value, set *command.Settings) error {
	lim := &set.Limits
	switch v.Kind {
	case rdb.KindString:
		o.SetStringOwned(v.Str)
		return nil
	case rdb.KindList:
		if len(v.List) == 0 {
			return errEmptyValue
		}
		o.SetCollection(keyspace.TypeList, types.NewListFrom(lim.ListMaxListpackSize, len(v.List), func(i int) []byte { return v.List[i] }))
		return nil
	case rdb.KindSet:
		if len(v.Set) == 0 {
			return errEmptyValue
		}
		o.SetCollection(keyspace.TypeSet, types.NewSetFrom(lim, len(v.Set), func(i int) []byte { return v.Set[i] }))
		return nil
	case rdb.KindZSet:
		if len(v.ZSet) == 0 {
			return errEmptyValue
		}
		ms := make([]types.ZMember, len(v.ZSet))
		for i, m := range v.ZSet {
			ms[i] = types.ZMember{Member: m.Member, Score: m.Score}
		}
		o.SetCollection(keyspace.TypeZSet, types.NewZSetFrom(lim, ms))
		return nil
	case rdb.KindHash:
		if len(v.Hash) == 0 {
			return errEmptyValue
		}
		o.SetCollection(keyspace.TypeHash, types.NewHashFromPairs(lim, len(v.Hash), func(i int) ([]byte, []byte) {
			return v.Hash[i].Name, v.Hash[i].Value
		}))
		return nil
	case rdb.KindStream:
		if v.Stream == nil {
			return errors.New("stream value without data")
		}
		s, err := streamFromRDB(v.Stream, set.StreamNode)
		if err != nil {
			return err
		}
		o.SetCollection(keyspace.TypeStream, s)
		return nil
	}
	return fmt.Errorf("cannot load a %s value", v.Kind)
}

func streamFromRDB(rs *rdb.Stream, lim types.StreamNodeLimits) (*types.Stream, error) {
	s := types.NewStream()
	var fields [][]byte
	for _, e := range rs.Entries {
		fields = fields[:0]
		for _, f := range e.Fields {
			fields = append(fields, f.Name, f.Value)
		}
		if err := s.LoadEntry(types.StreamID{Ms: e.ID.Ms, Seq: e.ID.Seq}, fields, lim); err != nil {
			return nil, err
		}
	}
	meta := types.StreamMeta{
		LastID:       types.StreamID{Ms: rs.LastID.Ms, Seq: rs.LastID.Seq},
		FirstID:      types.StreamID{Ms: rs.FirstID.Ms, Seq: rs.FirstID.Seq},
		MaxDeletedID: types.StreamID{Ms: rs.MaxDeletedEntryID.Ms, Seq: rs.MaxDeletedEntryID.Seq},
		EntriesAdded: rs.EntriesAdded,
	}
	if err := s.SetMeta(meta); err != nil {
		return nil, err
	}
	for _, rg := range rs.Groups {
		g, err := s.LoadGroup(string(rg.Name), types.StreamID{Ms: rg.LastID.Ms, Seq: rg.LastID.Seq}, rg.EntriesRead)
		if err != nil {
			return nil, err
		}
		for _, p := range rg.Pending {
			if err := s.LoadGroupPending(g, types.StreamID{Ms: p.ID.Ms, Seq: p.ID.Seq}, p.DeliveryTime, p.DeliveryCount); err != nil {
				return nil, err
			}
		}
		for _, rc := range rg.Consumers {
			c, err := s.LoadConsumer(g, string(rc.Name), rc.SeenTime)
			if err != nil {
				return nil, err
			}
			for _, id := range rc.Pending {
				if err := s.LoadConsumerPending(g, c, types.StreamID{Ms: id.Ms, Seq: id.Seq}); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := s.LoadCheck(); err != nil {
		return nil, err
	}
	return s, nil
}

// cloneObject returns an independent copy of o's value (a snapshot keeps
// it when the keyspace is about to change the original).
func cloneObject(o *keyspace.Object) keyspace.Object {
	var c keyspace.Object
	if o.Type() == keyspace.TypeString {
		c.CopyStringFrom(o)
	} else {
		c.SetCollection(o.Type(), o.Collection().Clone())
	}
	return c
}

// lruMeta returns the LRU/LFU metadata Redis writes in front of a key
// when the eviction policy uses it.
func lruMeta(ks *keyspace.Keyspace, policy string, o *keyspace.Object) rdb.KeyMeta {
	var m rdb.KeyMeta
	switch {
	case policy == "allkeys-lru" || policy == "volatile-lru":
		m.HasIdle = true
		m.Idle = uint64(ks.IdleMs(o) / 1000)
	case policy == "allkeys-lfu" || policy == "volatile-lfu":
		m.HasFreq = true
		m.Freq = uint8(ks.LFUFrequency(o))
	}
	return m
}

// setLRUMeta applies loaded LRU idle time or LFU frequency to o as Redis's
// objectSetLRUOrLFU does: each only under the matching policy kind.
func setLRUMeta(ks *keyspace.Keyspace, o *keyspace.Object, freq, idleSecs int64) {
	if ks.LFU {
		if freq >= 0 {
			minutes := uint32(ks.Now()/1000/60) & 0xffff
			o.SetLRU(minutes<<8 | uint32(freq&0xff))
		}
		return
	}
	if idleSecs >= 0 {
		const clockMax = 1<<24 - 1
		clock := int64(ks.LRUClock())
		abs := clock - idleSecs
		if abs < 0 {
			abs = (clock + clockMax/2) % clockMax
		}
		o.SetLRU(uint32(abs))
	}
}
