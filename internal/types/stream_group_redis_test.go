package types

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestStreamGroupsMatchRedis drives consumer-group commands against
// redis-server and our Stream alike and compares every reply except
// time-dependent values (idle times, delivery and seen times). The small
// command shims below show how the command layer is expected to combine
// the Stream API.
func TestStreamGroupsMatchRedis(t *testing.T) {
	r := streamDial(t)
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			r.t = t
			streamRunGroupDiff(t, r, rand.New(rand.NewPCG(seed, 99)), 3000)
		})
	}
}

// streamFmt renders a Redis reply or our equivalent in one canonical form.
func streamFmt(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case []byte:
		if x == nil {
			return "nil"
		}
		return strconv.Quote(string(x))
	case string:
		return strconv.Quote(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case StreamID:
		return strconv.Quote(x.String())
	case streamRedisError:
		return "ERR(" + string(x) + ")"
	case []any:
		if x == nil {
			return "nil"
		}
		parts := make([]string, len(x))
		for i := range x {
			parts[i] = streamFmt(x[i])
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprintf("?%T", v)
}

func streamEntriesReply(es []StreamEntry, justID bool) []any {
	out := []any{}
	for _, e := range es {
		if justID {
			out = append(out, e.ID)
			continue
		}
		var f any
		if e.Fields != nil {
			fl := []any{}
			for _, b := range e.Fields {
				fl = append(fl, b)
			}
			f = fl
		}
		out = append(out, []any{e.ID, f})
	}
	return out
}

func streamRunGroupDiff(t *testing.T, r *streamRedisConn, rng *rand.Rand, ops int) {
	const key = "gs"
	r.do("DEL", key)
	r.do("CONFIG", "SET", "stream-node-max-entries", 5)
	r.do("CONFIG", "SET", "stream-node-max-bytes", 4096)
	lim := StreamNodeLimits{MaxBytes: 4096, MaxEntries: 5}
	s := NewStream()
	var ids []StreamID
	next := StreamID{1, 0}
	groups := []string{"g1", "g2", "g3"}
	consumers := []string{"alice", "bob", "carol"}
	now := int64(1) // our clock; times are never compared

	pickID := func() StreamID {
		if len(ids) == 0 || rng.IntN(10) == 0 {
			return StreamID{uint64(rng.IntN(int(next.Ms) + 2)), 0}
		}
		return ids[rng.IntN(len(ids))]
	}
	for op := 0; op < ops; op++ {
		now++
		var args []any
		var want, got any
		g := groups[rng.IntN(len(groups))]
		c := consumers[rng.IntN(len(consumers))]
		grp := s.Group(g)
		switch k := rng.IntN(100); {
		case k < 25 || len(ids) == 0:
			next = StreamID{next.Ms + uint64(rng.IntN(3)), next.Seq + 1}
			f := [][]byte{[]byte("k"), []byte(strconv.Itoa(op))}
			args = []any{"XADD", key, next, f[0], f[1]}
			id, err := s.Add(StreamAddID{ID: next}, f, now, lim)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
			got = id
		case k < 30:
			id := pickID()
			args = []any{"XDEL", key, id}
			got = int64(s.Delete(id))
		case k < 32:
			n := int64(len(ids)/2 + rng.IntN(5))
			args = []any{"XTRIM", key, "MAXLEN", n}
			got = s.Trim(StreamTrimArgs{Strategy: StreamTrimMaxLen, MaxLen: n})
		case k < 37:
			var id StreamID
			var word any
			switch rng.IntN(3) {
			case 0:
				word, id = "$", s.LastID()
			case 1:
				word, id = "0", StreamID{}
			default:
				id = pickID()
				word = id
			}
			er := StreamEntriesReadInvalid
			args = []any{"XGROUP", "CREATE", key, g, word}
			if rng.IntN(3) == 0 {
				er = int64(rng.IntN(int(s.EntriesAdded()) + 2))
				args = append(args, "ENTRIESREAD", er)
			}
			if s.CreateGroup(g, id, er) == nil {
				got = streamRedisError("BUSYGROUP Consumer Group name already exists")
			} else {
				got = "OK"
			}
		case k < 40 && grp != nil:
			id := pickID()
			er := StreamEntriesReadInvalid
			args = []any{"XGROUP", "SETID", key, g, id}
			if rng.IntN(2) == 0 {
				er = int64(rng.IntN(int(s.EntriesAdded()) + 2))
				args = append(args, "ENTRIESREAD", er)
			}
			s.SetGroupID(grp, id, er)
			got = "OK"
		case k < 41 && grp != nil:
			args = []any{"XGROUP", "DESTROY", key, g}
			got = int64(0)
			if s.DestroyGroup(g) {
				got = int64(1)
			}
		case k < 43 && grp != nil:
			args = []any{"XGROUP", "CREATECONSUMER", key, g, c}
			_, created := s.CreateConsumer(grp, c, now)
			got = int64(0)
			if created {
				got = int64(1)
			}
		case k < 45 && grp != nil:
			args = []any{"XGROUP", "DELCONSUMER", key, g, c}
			n, _ := s.DeleteConsumer(grp, c)
			got = int64(n)
		case k < 65 && grp != nil:
			count := rng.IntN(4)
			noack := rng.IntN(6) == 0
			args = []any{"XREADGROUP", "GROUP", g, c}
			if count > 0 {
				args = append(args, "COUNT", count)
			}
			if noack {
				args = append(args, "NOACK")
			}
			if rng.IntN(4) == 0 {
				after := StreamID{}
				if rng.IntN(2) == 0 {
					after = pickID()
				}
				args = append(args, "STREAMS", key, after)
				cons, _ := s.TouchConsumer(grp, c, now, true)
				got = []any{[]any{key, streamEntriesReply(s.ReadGroupHistory(cons, after, count, now), false)}}
			} else {
				args = append(args, "STREAMS", key, ">")
				got = []any(nil)
				if s.LastLiveAfterGroup(grp) {
					cons, _ := s.TouchConsumer(grp, c, now, true)
					got = []any{[]any{key, streamEntriesReply(s.ReadGroupNew(grp, cons, count, noack, now), false)}}
				}
			}
		case k < 72 && grp != nil:
			n := 1 + rng.IntN(3)
			args = []any{"XACK", key, g}
			var ack []StreamID
			for i := 0; i < n; i++ {
				id := pickID()
				ack = append(ack, id)
				args = append(args, id)
			}
			got = int64(s.Ack(grp, ack...))
		case k < 80 && grp != nil:
			args = []any{"XCLAIM", key, g, c, 0}
			var cl []StreamID
			for i := 0; i < 1+rng.IntN(3); i++ {
				id := pickID()
				cl = append(cl, id)
				args = append(args, id)
			}
			o := StreamClaimOptions{DeliveryTime: -1, RetryCount: -1}
			if rng.IntN(3) == 0 {
				o.JustID = true
				args = append(args, "JUSTID")
			}
			if rng.IntN(3) == 0 {
				o.Force = true
				args = append(args, "FORCE")
			}
			if rng.IntN(4) == 0 {
				o.RetryCount = int64(rng.IntN(5))
				args = append(args, "RETRYCOUNT", o.RetryCount)
			}
			if rng.IntN(5) == 0 {
				o.LastID = pickID()
				args = append(args, "LASTID", o.LastID)
			}
			res := s.Claim(grp, c, cl, o, now)
			got = streamEntriesReply(res.Claimed, o.JustID)
		case k < 86 && grp != nil:
			start := pickID()
			if rng.IntN(3) == 0 {
				start = StreamID{}
			}
			count := int64(1 + rng.IntN(4))
			justID := rng.IntN(2) == 0
			args = []any{"XAUTOCLAIM", key, g, c, 0, start, "COUNT", count}
			if justID {
				args = append(args, "JUSTID")
			}
			res := s.AutoClaim(grp, c, start, count, 0, justID, now)
			del := []any{}
			for _, id := range res.Deleted {
				del = append(del, id)
			}
			got = []any{res.Next, streamEntriesReply(res.Claimed, justID), del}
		case k < 90 && grp != nil:
			args = []any{"XPENDING", key, g}
			sum := s.PendingSummary(grp)
			if sum.Count == 0 {
				got = []any{int64(0), []byte(nil), []byte(nil), []any(nil)}
			} else {
				bc := []any{}
				for _, p := range sum.ByConsumer {
					bc = append(bc, []any{p.Name, strconv.Itoa(p.Count)})
				}
				got = []any{int64(sum.Count), sum.First, sum.Last, bc}
			}
		case k < 94 && grp != nil:
			start, end := StreamID{}, StreamMaxID()
			args = []any{"XPENDING", key, g, "-", "+", 50}
			var cons *StreamConsumer
			if rng.IntN(2) == 0 {
				args = append(args, c)
				cons = grp.Consumer(c)
			}
			rows := []any{}
			if cons != nil || len(args) == 6 {
				for _, p := range s.PendingRange(grp, cons, start, end, 50, 0, now) {
					rows = append(rows, []any{p.ID, p.Consumer, "IDLE", int64(p.DeliveryCount)})
				}
			}
			got = rows
			// Idle times differ by clock; blank them in Redis's reply.
			rv := r.do(args...)
			if rl, ok := rv.([]any); ok {
				for _, row := range rl {
					row.([]any)[2] = "IDLE"
				}
			}
			want = rv
		case k < 96:
			count := rng.IntN(4)
			args = []any{"XINFO", "STREAM", key, "FULL", "COUNT", count}
			got = streamFullReply(s.InfoFull(count))
			want = streamBlankFullTimes(r.do(args...))
		case grp != nil:
			args = []any{"XINFO", "GROUPS", key}
			rows := []any{}
			for _, gi := range s.GroupsInfo() {
				var er, lag any
				if gi.EntriesReadValid {
					er = gi.EntriesRead
				}
				if gi.LagValid {
					lag = gi.Lag
				}
				rows = append(rows, []any{"name", gi.Name, "consumers", int64(gi.Consumers), "pending", int64(gi.Pending),
					"last-delivered-id", gi.LastDeliveredID, "entries-read", er, "lag", lag})
			}
			got = rows
			// Also compare consumers of this group, minus idle.
			crows := []any{}
			for _, ci := range s.ConsumersInfo(grp, now) {
				crows = append(crows, []any{"name", ci.Name, "pending", int64(ci.Pending)})
			}
			rv := r.do("XINFO", "CONSUMERS", key, g).([]any)
			for i, row := range rv {
				rv[i] = row.([]any)[:4]
			}
			if streamFmt(rv) != streamFmt(crows) {
				t.Fatalf("op %d XINFO CONSUMERS %s:\nredis %s\nours  %s", op, g, streamFmt(rv), streamFmt(crows))
			}
		default:
			continue
		}
		if want == nil {
			want = r.do(args...)
		}
		if w, g := streamFmt(want), streamFmt(got); w != g {
			t.Fatalf("op %d %s:\nredis %s\nours  %s", op, streamFmt(args), w, g)
		}
	}
	streamCompareInfo(t, r, key, s, "end")
}

// streamFullReply renders InfoFull as Redis's RESP2 reply, with times
// replaced by "T".
func streamFullReply(in StreamInfoFull) []any {
	opt := func(v int64, ok bool) any {
		if ok {
			return v
		}
		return nil
	}
	groups := []any{}
	for _, g := range in.Groups {
		pend := []any{}
		for _, p := range g.Pending {
			pend = append(pend, []any{p.ID, p.Consumer, "T", int64(p.DeliveryCount)})
		}
		cons := []any{}
		for _, c := range g.Consumers {
			cp := []any{}
			for _, p := range c.Pending {
				cp = append(cp, []any{p.ID, "T", int64(p.DeliveryCount)})
			}
			cons = append(cons, []any{"name", c.Name, "seen-time", "T", "pel-count", int64(c.PELCount), "pending", cp})
		}
		groups = append(groups, []any{"name", g.Name, "last-delivered-id", g.LastDeliveredID,
			"entries-read", opt(g.EntriesRead, g.EntriesReadValid), "lag", opt(g.Lag, g.LagValid),
			"pel-count", int64(g.PELCount), "pending", pend, "consumers", cons})
	}
	return []any{"length", int64(in.Length), "radix-tree-keys", int64(in.RadixTreeKeys),
		"radix-tree-nodes", int64(in.RadixTreeNodes), "last-generated-id", in.LastID,
		"max-deleted-entry-id", in.MaxDeletedID, "entries-added", int64(in.EntriesAdded),
		"recorded-first-entry-id", in.FirstID, "entries", streamEntriesReply(in.Entries, false),
		"groups", groups}
}

func streamBlankFullTimes(v any) any {
	top, ok := v.([]any)
	if !ok || len(top) < 18 {
		return v
	}
	for _, g := range top[17].([]any) {
		gf := g.([]any)
		for _, p := range gf[11].([]any) {
			p.([]any)[2] = "T"
		}
		for _, c := range gf[13].([]any) {
			cf := c.([]any)
			cf[3] = "T"
			for _, p := range cf[7].([]any) {
				p.([]any)[1] = "T"
			}
		}
	}
	return v
}
