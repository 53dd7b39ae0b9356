package server

import (
	"sort"
	"strings"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// Client-side caching (CLIENT TRACKING). In the default mode the server
// remembers which clients read which keys and sends each an invalidation
// when one of its keys changes; in BCAST mode clients name key prefixes
// and hear about every change under them. Invalidations go to the client
// itself as a RESP3 push, or to its REDIRECT client (as a push, or as a
// pub/sub message on __redis__:invalidate for a RESP2 client).

const invalidateChannel = "__redis__:invalidate"

type trackingState struct {
	redirect int64 // client receiving the invalidations; 0 = self
	bcast    bool
	optin    bool
	optout   bool
	noloop   bool
	prefixes []string
	// caching is CLIENT CACHING's answer for the next command: +1 yes,
	// -1 no, 0 not given.
	caching     int
	brokenRedir bool
}

type trackingTable struct {
	keys     map[string]map[int64]struct{} // key -> reading client ids
	prefixes map[string]map[int64]struct{} // BCAST prefix -> client ids
	clients  int
	// pending BCAST keys per prefix, sent at the end of the command.
	pending map[string][]string
}

func (s *Server) cmdClientTracking(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	args := ctx.Args
	var on bool
	switch {
	case ctx.Is(2, "on"):
		on = true
	case ctx.Is(2, "off"):
	default:
		ctx.SyntaxError()
		return
	}
	st := trackingState{}
	for i := 3; i < len(args); i++ {
		more := len(args) - 1 - i
		switch {
		case resp.EqualFold(args[i], "redirect") && more >= 1:
			if st.redirect != 0 {
				ctx.Error("ERR A client can only redirect to a single other client")
				return
			}
			id, ok := resp.ParseInt(args[i+1])
			if !ok {
				ctx.Error(command.ErrNotInt)
				return
			}
			if id != c.id && s.clients[id] == nil {
				ctx.Error("ERR The client ID you want redirect to does not exist")
				return
			}
			st.redirect = id
			i++
		case resp.EqualFold(args[i], "bcast"):
			st.bcast = true
		case resp.EqualFold(args[i], "optin"):
			st.optin = true
		case resp.EqualFold(args[i], "optout"):
			st.optout = true
		case resp.EqualFold(args[i], "noloop"):
			st.noloop = true
		case resp.EqualFold(args[i], "prefix") && more >= 1:
			st.prefixes = append(st.prefixes, string(args[i+1]))
			i++
		default:
			ctx.SyntaxError()
			return
		}
	}
	if !on {
		s.trackingOff(c)
		ctx.W.OK()
		return
	}
	if !st.bcast && len(st.prefixes) > 0 {
		ctx.Error("ERR PREFIX option requires BCAST mode to be enabled")
		return
	}
	if cur := c.tracking; cur != nil {
		if cur.bcast != st.bcast {
			ctx.Error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
			return
		}
	}
	if st.optin && st.optout {
		ctx.Error("ERR You can't specify both OPTIN mode and OPTOUT mode")
		return
	}
	if cur := c.tracking; cur != nil && (cur.optin && st.optout || cur.optout && st.optin) {
		ctx.Error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
		return
	}
	if st.bcast && (st.optin || st.optout) {
		ctx.Error("ERR OPTIN and OPTOUT are not compatible with BCAST")
		return
	}
	if st.bcast {
		// Prefixes of one client must not overlap, including with the
		// ones it registered before.
		all := append([]string(nil), st.prefixes...)
		if c.tracking != nil {
			all = append(all, c.tracking.prefixes...)
		}
		for i, a := range st.prefixes {
			for j, b := range all {
				if i == j || a == b && j >= len(st.prefixes) {
					continue
				}
				if strings.HasPrefix(a, b) || strings.HasPrefix(b, a) {
					if a == b {
						continue
					}
					ctx.Error("ERR Prefix '" + a + "' overlaps with " + overlapWord(j >= len(st.prefixes)) + " prefix '" + b + "'. Prefixes for a single client must not overlap.")
					return
				}
			}
		}
	}
	s.trackingOn(c, st)
	ctx.W.OK()
}

func overlapWord(existing bool) string {
	if existing {
		return "an existing"
	}
	return "another provided"
}

func (s *Server) trackingOn(c *client, st trackingState) {
	t := &s.tracking
	if c.tracking == nil {
		t.clients++
		c.tracking = &trackingState{}
	}
	cur := c.tracking
	cur.redirect, cur.bcast, cur.optin, cur.optout, cur.noloop = st.redirect, st.bcast, st.optin, st.optout, st.noloop
	cur.brokenRedir = false
	if st.bcast {
		if len(st.prefixes) == 0 && len(cur.prefixes) == 0 {
			st.prefixes = []string{""}
		}
		if t.prefixes == nil {
			t.prefixes = map[string]map[int64]struct{}{}
		}
		for _, p := range st.prefixes {
			if t.prefixes[p] == nil {
				t.prefixes[p] = map[int64]struct{}{}
			}
			t.prefixes[p][c.id] = struct{}{}
			if !containsString(cur.prefixes, p) {
				cur.prefixes = append(cur.prefixes, p)
			}
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) trackingOff(c *client) {
	if c.tracking == nil {
		return
	}
	t := &s.tracking
	for _, p := range c.tracking.prefixes {
		if set := t.prefixes[p]; set != nil {
			delete(set, c.id)
			if len(set) == 0 {
				delete(t.prefixes, p)
			}
		}
	}
	// Key entries naming this client are left in place and skipped when
	// sent, as Redis does: removing them would mean walking the table.
	c.tracking = nil
	t.clients--
}

func (s *Server) cmdClientCaching(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	st := c.tracking
	if st == nil || !st.optin && !st.optout {
		ctx.Error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
		return
	}
	switch {
	case ctx.Is(2, "yes"):
		if !st.optin {
			ctx.Error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
			return
		}
		st.caching = 1
	case ctx.Is(2, "no"):
		if !st.optout {
			ctx.Error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
			return
		}
		st.caching = -1
	default:
		ctx.SyntaxError()
		return
	}
	ctx.W.OK()
}

func (s *Server) cmdClientTrackingInfo(ctx *command.Ctx) {
	c := ctx.Client.(*client)
	st := c.tracking
	w := ctx.W
	w.MapLen(3)
	w.BulkString("flags")
	if st == nil {
		w.SetLen(1)
		w.BulkString("off")
		w.BulkString("redirect")
		w.Int(-1)
		w.BulkString("prefixes")
		w.ArrayLen(0)
		return
	}
	flags := []string{"on"}
	if st.bcast {
		flags = append(flags, "bcast")
	}
	if st.optin {
		flags = append(flags, "optin")
		if st.caching == 1 {
			flags = append(flags, "caching-yes")
		}
	}
	if st.optout {
		flags = append(flags, "optout")
		if st.caching == -1 {
			flags = append(flags, "caching-no")
		}
	}
	if st.noloop {
		flags = append(flags, "noloop")
	}
	if st.brokenRedir {
		flags = append(flags, "broken_redirect")
	}
	w.SetLen(len(flags))
	for _, f := range flags {
		w.BulkString(f)
	}
	w.BulkString("redirect")
	if st.redirect == 0 {
		w.Int(0)
	} else {
		w.Int(st.redirect)
	}
	w.BulkString("prefixes")
	prefixes := append([]string(nil), st.prefixes...)
	sort.Strings(prefixes)
	w.StringArray(prefixes)
}

// trackRead remembers the keys a tracking client just read, after a
// read-only command (the default, non-BCAST mode).
func (s *Server) trackRead(c *client, cmd *command.Command, args [][]byte) {
	st := c.tracking
	if cmd.Name == "client|caching" {
		return // the answer applies to the next command
	}
	caching := st.caching
	st.caching = 0
	if st.bcast || cmd.Flags&command.FlagReadonly == 0 {
		return
	}
	if st.optin && caching != 1 || st.optout && caching == -1 {
		return
	}
	keys, err := cmd.Spec.Keys(args)
	if err != nil {
		return
	}
	t := &s.tracking
	if t.keys == nil {
		t.keys = map[string]map[int64]struct{}{}
	}
	for _, k := range keys {
		key := string(args[k.Pos])
		set := t.keys[key]
		if set == nil {
			set = map[int64]struct{}{}
			t.keys[key] = set
		}
		set[c.id] = struct{}{}
	}
	s.trackingEnforceLimit()
}

// trackingEnforceLimit evicts keys from the table past
// tracking-table-max-keys, invalidating them for their readers.
func (s *Server) trackingEnforceLimit() {
	max := s.cfg.TrackingTableMaxKeys
	t := &s.tracking
	if max <= 0 || int64(len(t.keys)) <= max {
		return
	}
	for key := range t.keys {
		if int64(len(t.keys)) <= max {
			break
		}
		s.invalidateKey(key, nil)
	}
}

// trackingInvalidate is called for every modified key.
func (s *Server) trackingInvalidate(db *keyspace.DB, key []byte, by *client) {
	t := &s.tracking
	if t.clients == 0 {
		return
	}
	if len(t.prefixes) > 0 {
		for p := range t.prefixes {
			if strings.HasPrefix(string(key), p) {
				if t.pending == nil {
					t.pending = map[string][]string{}
				}
				t.pending[p] = append(t.pending[p], string(key))
			}
		}
	}
	if _, ok := t.keys[string(key)]; ok {
		s.invalidateKey(string(key), by)
	}
}

func (s *Server) invalidateKey(key string, by *client) {
	t := &s.tracking
	ids := t.keys[key]
	delete(t.keys, key)
	for id := range ids {
		c := s.clients[id]
		if c == nil || c.tracking == nil || c.tracking.bcast {
			continue
		}
		if c.tracking.noloop && c == by {
			continue
		}
		s.sendInvalidation(c, []string{key}, false)
	}
}

// flushBroadcasts sends the BCAST invalidations gathered during a command.
func (s *Server) flushBroadcasts(by *client) {
	t := &s.tracking
	if len(t.pending) == 0 {
		return
	}
	for p, keys := range t.pending {
		for id := range t.prefixes[p] {
			c := s.clients[id]
			if c == nil || c.tracking == nil {
				continue
			}
			send := keys
			if c.tracking.noloop && c == by {
				continue
			}
			s.sendInvalidation(c, send, false)
		}
	}
	t.pending = nil
}

// trackingFlushAll invalidates every client's cache (FLUSHDB/FLUSHALL).
func (s *Server) trackingFlushAll() {
	t := &s.tracking
	if t.clients == 0 {
		return
	}
	for _, c := range s.clients {
		if c.tracking != nil {
			s.sendInvalidation(c, nil, true)
		}
	}
	t.keys = nil
}

// sendInvalidation delivers an invalidation to c or its redirect target.
func (s *Server) sendInvalidation(c *client, keys []string, all bool) {
	target := c
	if r := c.tracking.redirect; r != 0 && r != c.id {
		target = s.clients[r]
		if target == nil {
			if !c.tracking.brokenRedir {
				c.tracking.brokenRedir = true
				if c.proto == 3 {
					c.out.PushLen(2)
					c.out.BulkString("tracking-redir-broken")
					c.out.Int(r)
					c.signal()
				}
			}
			return
		}
	}
	w := &target.out
	if target.proto == 2 {
		// A RESP2 target hears it as a pub/sub message, if subscribed.
		if target.subs == nil || !containsString(target.subs.channels, invalidateChannel) {
			return
		}
		w.ArrayLen(3)
		w.BulkString("message")
		w.BulkString(invalidateChannel)
	} else {
		w.PushLen(2)
		w.BulkString("invalidate")
	}
	if all {
		w.NullArray()
	} else {
		w.StringArray(keys)
	}
	target.signal()
}
