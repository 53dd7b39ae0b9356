package server

import (
	"sort"
	"strconv"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
)

// Pub/sub. Messages are encoded into each subscriber's output buffer
// under the server lock and the subscriber's goroutine is woken to write
// them, so a publisher never waits for a slow subscriber; a subscriber
// whose buffer passes client-output-buffer-limit pubsub is disconnected.

type pubsubRegistry struct {
	channels map[string]map[*client]struct{}
	patterns map[string]map[*client]struct{}
	shard    map[string]map[*client]struct{}
}

func newPubsubRegistry() pubsubRegistry {
	return pubsubRegistry{
		channels: map[string]map[*client]struct{}{},
		patterns: map[string]map[*client]struct{}{},
		shard:    map[string]map[*client]struct{}{},
	}
}

// subscriptions are one client's channels and patterns, in subscription
// order (UNSUBSCRIBE without arguments replies in that order).
type subscriptions struct {
	channels []string
	patterns []string
	shard    []string
}

func (sub *subscriptions) count() int {
	if sub == nil {
		return 0
	}
	return len(sub.channels) + len(sub.patterns)
}

type subKind int

const (
	kindChannel subKind = iota
	kindPattern
	kindShard
)

func (s *Server) subTable(k subKind) map[string]map[*client]struct{} {
	switch k {
	case kindPattern:
		return s.pubsub.patterns
	case kindShard:
		return s.pubsub.shard
	}
	return s.pubsub.channels
}

func subList(sub *subscriptions, k subKind) *[]string {
	switch k {
	case kindPattern:
		return &sub.patterns
	case kindShard:
		return &sub.shard
	}
	return &sub.channels
}

var subReplyNames = [...][2]string{
	kindChannel: {"subscribe", "unsubscribe"},
	kindPattern: {"psubscribe", "punsubscribe"},
	kindShard:   {"ssubscribe", "sunsubscribe"},
}

func (c *client) subCount(k subKind) int {
	if c.subs == nil {
		return 0
	}
	if k == kindShard {
		return len(c.subs.shard)
	}
	return c.subs.count()
}

func (s *Server) updatePubSubFlag(c *client) {
	if c.subs != nil && (c.subs.count() > 0 || len(c.subs.shard) > 0) {
		c.flags |= flagPubSub
	} else {
		c.flags &^= flagPubSub
	}
}

func (s *Server) subscribe(ctx *command.Ctx, k subKind) {
	c := ctx.Client.(*client)
	if c.subs == nil {
		c.subs = &subscriptions{}
	}
	table := s.subTable(k)
	list := subList(c.subs, k)
	for _, a := range ctx.Args[1:] {
		name := string(a)
		set := table[name]
		if set == nil {
			set = map[*client]struct{}{}
			table[name] = set
		}
		if _, ok := set[c]; !ok {
			set[c] = struct{}{}
			*list = append(*list, name)
		}
		s.updatePubSubFlag(c)
		c.out.PushLen(3)
		c.out.BulkString(subReplyNames[k][0])
		c.out.Bulk(a)
		c.out.Int(int64(c.subCount(k)))
	}
}

func (s *Server) unsubscribe(ctx *command.Ctx, k subKind) {
	c := ctx.Client.(*client)
	var names []string
	if len(ctx.Args) > 1 {
		for _, a := range ctx.Args[1:] {
			names = append(names, string(a))
		}
	} else if c.subs != nil {
		names = append(names, *subList(c.subs, k)...)
	}
	if len(names) == 0 {
		c.out.PushLen(3)
		c.out.BulkString(subReplyNames[k][1])
		c.out.Null()
		c.out.Int(int64(c.subCount(k)))
		return
	}
	for _, name := range names {
		s.removeSub(c, k, name)
		s.updatePubSubFlag(c)
		c.out.PushLen(3)
		c.out.BulkString(subReplyNames[k][1])
		c.out.BulkString(name)
		c.out.Int(int64(c.subCount(k)))
	}
}

func (s *Server) removeSub(c *client, k subKind, name string) {
	table := s.subTable(k)
	if set := table[name]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(table, name)
		}
	}
	if c.subs == nil {
		return
	}
	list := subList(c.subs, k)
	for i, n := range *list {
		if n == name {
			*list = append((*list)[:i], (*list)[i+1:]...)
			break
		}
	}
}

// unsubscribeAll drops every subscription of c (disconnect, RESET).
func (s *Server) unsubscribeAll(c *client) {
	if c.subs == nil {
		return
	}
	for _, k := range []subKind{kindChannel, kindPattern, kindShard} {
		for _, name := range append([]string(nil), *subList(c.subs, k)...) {
			s.removeSub(c, k, name)
		}
	}
	c.subs = nil
	c.flags &^= flagPubSub
}

// publish delivers message to subscribers of channel and returns how many
// received it.
func (s *Server) publish(channel, message []byte, shard bool) int64 {
	var n int64
	if shard {
		for c := range s.pubsub.shard[string(channel)] {
			s.deliver(c, "smessage", nil, channel, message)
			n++
		}
		return n
	}
	for c := range s.pubsub.channels[string(channel)] {
		s.deliver(c, "message", nil, channel, message)
		n++
	}
	for pat, set := range s.pubsub.patterns {
		if !keyspace.Match([]byte(pat), channel, false) {
			continue
		}
		for c := range set {
			s.deliver(c, "pmessage", []byte(pat), channel, message)
			n++
		}
	}
	return n
}

func (s *Server) deliver(c *client, kind string, pattern, channel, message []byte) {
	if c.flags&flagCloseASAP != 0 {
		return
	}
	if pattern != nil {
		c.out.PushLen(4)
		c.out.BulkString(kind)
		c.out.Bulk(pattern)
	} else {
		c.out.PushLen(3)
		c.out.BulkString(kind)
	}
	c.out.Bulk(channel)
	c.out.Bulk(message)
	s.checkOutputLimit(c, config.ClientPubSub)
	c.signal()
}

// checkOutputLimit disconnects c when its pending output passes the hard
// limit of its class, or stays above the soft limit for too long.
func (s *Server) checkOutputLimit(c *client, class int) {
	lim := s.cfg.ClientOutputBufferLimit[class]
	n := uint64(c.out.Len())
	over := lim.Hard > 0 && n >= lim.Hard
	if !over && lim.Soft > 0 && n >= lim.Soft {
		now := s.ks.Now()
		if c.softLimitSince == 0 {
			c.softLimitSince = now
		} else if now-c.softLimitSince >= lim.SoftSeconds*1000 {
			over = true
		}
	} else if lim.Soft > 0 {
		c.softLimitSince = 0
	}
	if over && c.flags&flagCloseASAP == 0 {
		c.flags |= flagCloseASAP
		c.out.Reset()
		s.log.warning("Client id=%d addr=%s scheduled to be closed ASAP for overcoming of output buffer limits.", c.id, c.addr)
		// Closing the socket unblocks a goroutine stuck writing to it.
		c.conn.Close()
	}
}

// notifyKeyspaceEvent publishes __keyspace@db__:key and
// __keyevent@db__:event when notify-keyspace-events enables the class.
func (s *Server) notifyKeyspaceEvent(db *keyspace.DB, class command.NotifyClass, event string, key []byte) {
	flags := s.cfg.NotifyKeyspaceEvents
	if flags == 0 || !notifyEnabled(flags, class) {
		return
	}
	dbid := strconv.Itoa(db.ID())
	if flags.Has(config.EventKeyspace) {
		ch := append(append(append([]byte("__keyspace@"), dbid...), "__:"...), key...)
		s.publish(ch, []byte(event), false)
	}
	if flags.Has(config.EventKeyevent) {
		ch := append(append(append([]byte("__keyevent@"), dbid...), "__:"...), event...)
		s.publish(ch, key, false)
	}
}

func notifyEnabled(f config.KeyspaceEvents, class command.NotifyClass) bool {
	pairs := [...]struct {
		c command.NotifyClass
		e config.KeyspaceEvents
	}{
		{command.NotifyGeneric, config.EventGeneric},
		{command.NotifyString, config.EventString},
		{command.NotifyList, config.EventList},
		{command.NotifySet, config.EventSet},
		{command.NotifyHash, config.EventHash},
		{command.NotifyZSet, config.EventZset},
		{command.NotifyExpired, config.EventExpired},
		{command.NotifyEvicted, config.EventEvicted},
		{command.NotifyStream, config.EventStream},
		{command.NotifyKeyMiss, config.EventKeyMiss},
		{command.NotifyModule, config.EventModule},
		{command.NotifyNew, config.EventNew},
	}
	for _, p := range pairs {
		if class&p.c != 0 && f.Has(p.e) {
			return true
		}
	}
	return false
}

func (s *Server) cmdSubscribe(ctx *command.Ctx)    { s.subscribe(ctx, kindChannel) }
func (s *Server) cmdPSubscribe(ctx *command.Ctx)   { s.subscribe(ctx, kindPattern) }
func (s *Server) cmdSSubscribe(ctx *command.Ctx)   { s.subscribe(ctx, kindShard) }
func (s *Server) cmdUnsubscribe(ctx *command.Ctx)  { s.unsubscribe(ctx, kindChannel) }
func (s *Server) cmdPUnsubscribe(ctx *command.Ctx) { s.unsubscribe(ctx, kindPattern) }
func (s *Server) cmdSUnsubscribe(ctx *command.Ctx) { s.unsubscribe(ctx, kindShard) }

func (s *Server) cmdPublish(ctx *command.Ctx) {
	ctx.W.Int(s.publish(ctx.Args[1], ctx.Args[2], false))
}

func (s *Server) cmdSPublish(ctx *command.Ctx) {
	ctx.W.Int(s.publish(ctx.Args[1], ctx.Args[2], true))
}

func (s *Server) cmdPubsubChannels(ctx *command.Ctx) { s.pubsubChannels(ctx, s.pubsub.channels) }
func (s *Server) cmdPubsubShardChannels(ctx *command.Ctx) {
	s.pubsubChannels(ctx, s.pubsub.shard)
}

func (s *Server) pubsubChannels(ctx *command.Ctx, table map[string]map[*client]struct{}) {
	var pat []byte
	if len(ctx.Args) > 2 {
		pat = ctx.Args[2]
	}
	var names []string
	for name := range table {
		if pat == nil || keyspace.Match(pat, []byte(name), false) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	ctx.W.StringArray(names)
}

func (s *Server) cmdPubsubNumsub(ctx *command.Ctx) { s.pubsubNumsub(ctx, s.pubsub.channels) }
func (s *Server) cmdPubsubShardNumsub(ctx *command.Ctx) {
	s.pubsubNumsub(ctx, s.pubsub.shard)
}

func (s *Server) pubsubNumsub(ctx *command.Ctx, table map[string]map[*client]struct{}) {
	args := ctx.Args[2:]
	// A flat array even in RESP3, as Redis 7.0 replies.
	ctx.W.ArrayLen(2 * len(args))
	for _, a := range args {
		ctx.W.Bulk(a)
		ctx.W.Int(int64(len(table[string(a)])))
	}
}

func (s *Server) cmdPubsubNumpat(ctx *command.Ctx) {
	ctx.W.Int(int64(len(s.pubsub.patterns)))
}
