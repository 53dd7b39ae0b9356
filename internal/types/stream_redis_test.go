package types

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/autobot-ai/autobot-redis/internal/difftest"
)

// These tests drive a real redis-server (skipped when it is not installed)
// with the same operations as our Stream and compare everything that
// depends on node layout: replies of XADD/XDEL/XTRIM (trimmed counts),
// and XINFO STREAM's metadata including radix-tree-keys and -nodes.

type streamRedisConn struct {
	t  testing.TB
	c  net.Conn
	rd *bufio.Reader
}

type streamRedisError string

func (e streamRedisError) Error() string { return string(e) }

func streamDial(t testing.TB, extra ...string) *streamRedisConn {
	t.Helper()
	target := difftest.StartReference(t, extra...)
	c, err := net.DialTimeout("tcp", target.Addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial redis-server: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return &streamRedisConn{t: t, c: c, rd: bufio.NewReaderSize(c, 1<<16)}
}

// do sends one command and returns its reply: string for simple strings,
// streamRedisError, int64, []byte (nil for a null bulk), []any (nil for a
// null array).
func (r *streamRedisConn) do(args ...any) any {
	r.t.Helper()
	var b []byte
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, "\r\n"...)
	for _, a := range args {
		var s []byte
		switch v := a.(type) {
		case string:
			s = []byte(v)
		case []byte:
			s = v
		case int:
			s = strconv.AppendInt(nil, int64(v), 10)
		case int64:
			s = strconv.AppendInt(nil, v, 10)
		case StreamID:
			s = v.AppendText(nil)
		default:
			r.t.Fatalf("bad arg type %T", a)
		}
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, "\r\n"...)
		b = append(b, s...)
		b = append(b, "\r\n"...)
	}
	r.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.c.Write(b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
	v, err := r.read()
	if err != nil {
		r.t.Fatalf("read: %v", err)
	}
	return v
}

func (r *streamRedisConn) read() (any, error) {
	line, err := r.rd.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 {
		return nil, errors.New("short line")
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return streamRedisError(body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return []byte(nil), nil
		}
		buf := make([]byte, n+2)
		if _, err := io_ReadFull(r.rd, buf); err != nil {
			return nil, err
		}
		return buf[:n], nil
	case '*':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return []any(nil), nil
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = r.read(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

func io_ReadFull(rd *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := rd.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func streamReplyInt(t testing.TB, v any) int64 {
	t.Helper()
	n, ok := v.(int64)
	if !ok {
		t.Fatalf("expected integer reply, got %#v", v)
	}
	return n
}

func streamMustParseID(t testing.TB, b []byte) StreamID {
	t.Helper()
	id, err := StreamParseIDStrict(b, 0)
	if err != nil {
		t.Fatalf("bad id %q", b)
	}
	return id
}

// streamXInfo extracts XINFO STREAM's fields as strings.
func streamXInfo(t testing.TB, r *streamRedisConn, key string) map[string]any {
	t.Helper()
	v, ok := r.do("XINFO", "STREAM", key).([]any)
	if !ok {
		t.Fatalf("XINFO STREAM failed")
	}
	m := map[string]any{}
	for i := 0; i+1 < len(v); i += 2 {
		m[string(v[i].([]byte))] = v[i+1]
	}
	return m
}

// streamCompareInfo compares XINFO STREAM of Redis with ours.
func streamCompareInfo(t testing.TB, r *streamRedisConn, key string, s *Stream, step string) {
	t.Helper()
	if _, isErr := r.do("XINFO", "STREAM", key).(streamRedisError); isErr && s.EntriesAdded() == 0 {
		return // Redis has no key yet: nothing was ever added
	}
	m := streamXInfo(t, r, key)
	in := s.Info()
	check := func(name string, want any, got any) {
		t.Helper()
		if fmt.Sprint(want) != fmt.Sprint(got) {
			t.Fatalf("%s: %s: redis %v, ours %v", step, name, want, got)
		}
	}
	check("length", m["length"], int64(in.Length))
	check("radix-tree-keys", m["radix-tree-keys"], int64(in.RadixTreeKeys))
	check("radix-tree-nodes", m["radix-tree-nodes"], int64(in.RadixTreeNodes))
	check("last-generated-id", string(m["last-generated-id"].([]byte)), in.LastID)
	check("max-deleted-entry-id", string(m["max-deleted-entry-id"].([]byte)), in.MaxDeletedID)
	check("entries-added", m["entries-added"], int64(in.EntriesAdded))
	check("recorded-first-entry-id", string(m["recorded-first-entry-id"].([]byte)), in.FirstID)
	for _, k := range []string{"first-entry", "last-entry"} {
		var e *StreamEntry
		if k == "first-entry" {
			e = in.FirstEntry
		} else {
			e = in.LastEntry
		}
		rv, _ := m[k].([]any)
		if (rv == nil) != (e == nil) {
			t.Fatalf("%s: %s presence differs: redis %v ours %v", step, k, rv, e)
		}
		if e != nil {
			check(k, string(rv[0].([]byte)), e.ID)
			fv := rv[1].([]any)
			if len(fv) != len(e.Fields) {
				t.Fatalf("%s: %s field count redis %d ours %d", step, k, len(fv), len(e.Fields))
			}
			for i := range fv {
				check(k+" field", string(fv[i].([]byte)), string(e.Fields[i]))
			}
		}
	}
}

// streamFieldGen makes field lists that exercise master-field compression
// (repeated field sets), differing sets, integer-encodable values and
// values of every listpack string width.
type streamFieldGen struct {
	rng  *rand.Rand
	sets [][]string
}

func newStreamFieldGen(rng *rand.Rand) *streamFieldGen {
	g := &streamFieldGen{rng: rng}
	for i := 0; i < 4; i++ {
		n := 1 + rng.IntN(4)
		var set []string
		for j := 0; j < n; j++ {
			set = append(set, fmt.Sprintf("f%d_%d", i, j))
		}
		g.sets = append(g.sets, set)
	}
	g.sets = append(g.sets, []string{"12", "-7"}) // numeric field names
	return g
}

func (g *streamFieldGen) value() []byte {
	r := g.rng
	switch r.IntN(10) {
	case 0:
		return []byte(strconv.FormatInt(r.Int64N(200)-100, 10))
	case 1:
		return []byte(strconv.FormatInt(r.Int64()-r.Int64(), 10))
	case 2:
		return []byte("0" + strconv.Itoa(r.IntN(1000))) // not integer-encodable
	case 3:
		return make([]byte, 60+r.IntN(10)) // around the 63-byte width step
	case 4:
		if r.IntN(8) == 0 {
			return make([]byte, 4090+r.IntN(20)) // around the 4095-byte step
		}
		return make([]byte, 100+r.IntN(400))
	default:
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte('a' + r.IntN(26))
		}
		return b
	}
}

func (g *streamFieldGen) fields() [][]byte {
	r := g.rng
	var names []string
	if r.IntN(4) == 0 {
		n := 1 + r.IntN(5)
		for j := 0; j < n; j++ {
			names = append(names, fmt.Sprintf("x%d", r.IntN(6)))
		}
	} else {
		names = g.sets[r.IntN(len(g.sets))]
	}
	var f [][]byte
	for _, n := range names {
		f = append(f, []byte(n), g.value())
	}
	return f
}

type streamDiffConfig struct {
	maxBytes, maxEntries int64
}

func TestStreamTrimMatchesRedis(t *testing.T) {
	r := streamDial(t)
	configs := []streamDiffConfig{
		{4096, 100}, {4096, 10}, {1024, 100}, {256, 0}, {0, 7}, {16384, 1000},
	}
	for ci, cfg := range configs {
		for seed := uint64(1); seed <= 3; seed++ {
			name := fmt.Sprintf("bytes%d_entries%d_seed%d", cfg.maxBytes, cfg.maxEntries, seed)
			t.Run(name, func(t *testing.T) {
				r.t = t
				streamRunTrimDiff(t, r, cfg, rand.New(rand.NewPCG(seed, uint64(ci))), 4000)
			})
		}
	}
}

func streamRunTrimDiff(t *testing.T, r *streamRedisConn, cfg streamDiffConfig, rng *rand.Rand, ops int) {
	r.do("CONFIG", "SET", "stream-node-max-bytes", cfg.maxBytes)
	r.do("CONFIG", "SET", "stream-node-max-entries", cfg.maxEntries)
	const key = "s"
	r.do("DEL", key)
	s := NewStream()
	lim := StreamNodeLimits{MaxBytes: cfg.maxBytes, MaxEntries: cfg.maxEntries}
	gen := newStreamFieldGen(rng)
	var ids []StreamID // IDs we added, for picking XDEL and MINID targets
	next := StreamID{1, 0}
	trimmed, setids := 0, 0
	target := 200 + rng.Int64N(2000) // length the trims hover around
	for op := 0; op < ops; op++ {
		step := fmt.Sprintf("op %d", op)
		switch k := rng.IntN(100); {
		case k < 80:
			// XADD with an explicit ID; sometimes "ms-*", sometimes with
			// a sequence jump so seq deltas go negative across ms.
			switch rng.IntN(5) {
			case 0:
				next = StreamID{next.Ms + uint64(rng.IntN(100000)), uint64(rng.IntN(1 << 20))}
			case 1:
				next = StreamID{next.Ms + 1, 0}
			default:
				next = StreamID{next.Ms, next.Seq + 1}
			}
			argID := next.AppendText(nil)
			aid := StreamAddID{ID: next}
			if rng.IntN(6) == 0 && next.Seq == 0 {
				argID = []byte(strconv.FormatUint(next.Ms, 10) + "-*")
				aid = StreamAddID{ID: StreamID{Ms: next.Ms}, SeqAuto: true}
				if s.lastID.Ms == next.Ms {
					next.Seq = s.lastID.Seq + 1
				}
			}
			fields := gen.fields()
			args := []any{"XADD", key}
			var tr StreamTrimArgs
			if rng.IntN(10) == 0 {
				var targs []any
				tr, targs = streamRandomTrim(rng, s, ids, cfg.maxEntries, target)
				args = append(args, targs...)
			}
			args = append(args, argID)
			for _, f := range fields {
				args = append(args, f)
			}
			got := r.do(args...)
			id, err := s.Add(aid, fields, 0, lim)
			if err != nil {
				t.Fatalf("%s: XADD %s: ours failed: %v (redis %v)", step, argID, err, got)
			}
			if string(got.([]byte)) != id.String() {
				t.Fatalf("%s: XADD id redis %s ours %s", step, got, id)
			}
			ids = append(ids, id)
			if tr.Strategy != StreamTrimNone {
				trimmed += int(s.Trim(tr))
			}
		case k < 83:
			// XSETID back to (or just above) the last live entry, which
			// after XDEL of the top entries moves the last ID backwards.
			top, ok := s.LastLiveID()
			if !ok {
				continue
			}
			id := StreamID{top.Ms, top.Seq + uint64(rng.IntN(2))}
			want := r.do("XSETID", key, id)
			if err := s.SetID(id, -1, StreamID{}); err != nil || want != "OK" {
				t.Fatalf("%s: XSETID %v: redis %v ours %v", step, id, want, err)
			}
			next = id
			setids++
		case k < 90:
			if len(ids) == 0 {
				continue
			}
			n := 1 + rng.IntN(3)
			var del []StreamID
			args := []any{"XDEL", key}
			for i := 0; i < n; i++ {
				id := ids[rng.IntN(len(ids))]
				if rng.IntN(2) == 0 {
					id = ids[len(ids)-1-rng.IntN(min(len(ids), 5))]
				}
				del = append(del, id)
				args = append(args, id)
			}
			want := streamReplyInt(t, r.do(args...))
			if got := int64(s.Delete(del...)); got != want {
				t.Fatalf("%s: XDEL %v redis %d ours %d", step, del, want, got)
			}
		default:
			tr, targs := streamRandomTrim(rng, s, ids, cfg.maxEntries, target)
			args := append([]any{"XTRIM", key}, targs...)
			want := streamReplyInt(t, r.do(args...))
			got := s.Trim(tr)
			if got != want {
				t.Fatalf("%s: %v: redis trimmed %d ours %d", step, args, want, got)
			}
			trimmed += int(got)
		}
		if op%10 == 0 || op == ops-1 {
			streamCompareInfo(t, r, key, s, step)
		}
	}
	// Full content check at the end.
	rv := r.do("XRANGE", key, "-", "+").([]any)
	ours := s.Entries(StreamID{}, StreamMaxID(), 0, false)
	if len(rv) != len(ours) {
		t.Fatalf("XRANGE length redis %d ours %d", len(rv), len(ours))
	}
	for i, e := range rv {
		ev := e.([]any)
		if string(ev[0].([]byte)) != ours[i].ID.String() {
			t.Fatalf("XRANGE[%d] redis %s ours %s", i, ev[0], ours[i].ID)
		}
	}
	ghosts := 0
	for _, n := range s.nodes {
		ghosts += len(n.ghosts)
	}
	t.Logf("%d ops, %d entries trimmed, %d XSETID, final length %d in %d nodes (%d ghost runs)", ops, trimmed, setids, s.Length(), s.NodeCount(), ghosts)
}

// streamRandomTrim picks trimming arguments that bite: thresholds near the
// current length or inside the current ID range. It returns the resolved
// arguments for Stream.Trim and the words to send to Redis.
func streamRandomTrim(rng *rand.Rand, s *Stream, ids []StreamID, nodeMaxEntries, target int64) (StreamTrimArgs, []any) {
	tr := StreamTrimArgs{Approx: rng.IntN(2) == 0}
	var args []any
	if rng.IntN(2) == 0 || len(ids) == 0 {
		tr.Strategy = StreamTrimMaxLen
		l := int64(s.Length())
		tr.MaxLen = target - target/10 + rng.Int64N(target/5+1)
		if l < target {
			tr.MaxLen = max(0, l-rng.Int64N(4))
		}
		switch rng.IntN(400) {
		case 0:
			tr.MaxLen = 0
		case 1:
			tr.MaxLen = l + 1 // nothing to do
		}
		args = append(args, "MAXLEN")
	} else {
		tr.Strategy = StreamTrimMinID
		// Somewhere in the oldest third of the live range, or anywhere.
		first, _ := s.FirstLiveID()
		lo := 0
		for lo < len(ids) && ids[lo].Less(first) {
			lo++
		}
		span := 3
		if live := len(ids) - lo; int64(live) > target {
			span = live - int(target) + int(target/5)
		}
		if rng.IntN(400) == 0 {
			lo, span = 0, len(ids)
		}
		tr.MinID = ids[min(lo+rng.IntN(span), len(ids)-1)]
		if rng.IntN(3) == 0 {
			tr.MinID.Seq++ // between entries
		}
		args = append(args, "MINID")
	}
	if tr.Approx {
		args = append(args, "~")
	} else if rng.IntN(2) == 0 {
		args = append(args, "=")
	}
	if tr.Strategy == StreamTrimMaxLen {
		args = append(args, tr.MaxLen)
	} else {
		args = append(args, tr.MinID)
	}
	if tr.Approx {
		if rng.IntN(3) == 0 {
			tr.Limit = int64(rng.IntN(300)) // 0 means no limit
			args = append(args, "LIMIT", tr.Limit)
		} else {
			tr.Limit = StreamDefaultTrimLimit(nodeMaxEntries)
		}
	}
	return tr, args
}
