package redismanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// WebSocket state, database 4.
//
//	ws:connections              hash: connection id -> JSON {user_id, session_id, instance, connected}
//	ws:heartbeats               sorted set: connection id by last heartbeat (ms)
//	ws:user_<id>:connection     string: the user's most recent connection id, TTL Config.WSRouteTTL
//	                            (the seed's routing key)
//	ws:user_<id>:connections    sorted set: all of the user's connection ids by last heartbeat
//
// A connection belongs to the backend instance that accepted it. To send
// to a connection another instance owns, Deliver publishes on that
// instance's channel "ws:deliver:<instance id>" (prefixed by the
// namespace when namespaced; sharded pub/sub on a cluster, where a plain
// PUBLISH only counts the subscribers of one node); each instance listens
// on its own channel (Listen) and hands messages to its local sockets.
//
// Stale entries (no heartbeat for Config.WSStaleAfter, e.g. after a crash)
// are removed by Sweep: the stale ids are read and removed from
// ws:heartbeats in one MULTI, so two instances sweeping at once never
// both process the same connection, and a late heartbeat of a swept
// connection reports ErrNotFound so its owner registers it again.

// Connection is one WebSocket connection.
type Connection struct {
	ID        string            `json:"-"`
	UserID    string            `json:"user_id"`
	SessionID string            `json:"session_id,omitempty"`
	Instance  string            `json:"instance"`
	Connected time.Time         `json:"connected"`
	Meta      map[string]string `json:"meta,omitempty"`
}

// WebSocketStore tracks connections and routes messages (database 4).
type WebSocketStore struct {
	m          *Manager
	d          *dbConn
	routeTTL   time.Duration
	staleAfter time.Duration

	mu      sync.Mutex
	local   map[string]string // connection id -> user id, for connections registered here
	handler func(connID string, payload []byte)
	sub     *redis.PubSub
	done    chan struct{}
}

// WebSockets returns the WebSocket store.
func (m *Manager) WebSockets() *WebSocketStore {
	m.storesMu.Lock()
	defer m.storesMu.Unlock()
	if m.ws == nil {
		m.ws = &WebSocketStore{m: m, d: m.dbs[DBWebSocket], routeTTL: m.cfg.WSRouteTTL,
			staleAfter: m.cfg.WSStaleAfter, local: map[string]string{}}
		m.closers = append(m.closers, m.ws.stopListening)
	}
	return m.ws
}

func (w *WebSocketStore) connsKey() string { return w.d.ks.key("ws:connections") }
func (w *WebSocketStore) beatsKey() string { return w.d.ks.key("ws:heartbeats") }
func (w *WebSocketStore) routeKey(uid string) string {
	return w.d.ks.key("ws:user_<id>:connection", uid)
}
func (w *WebSocketStore) userConnsKey(uid string) string {
	return w.d.ks.key("ws:user_<id>:connections", uid)
}

// channel is the pub/sub channel of an instance.
func (w *WebSocketStore) channel(instance string) string {
	if w.m.namespaced {
		return w.d.ks.prefix + "ws:deliver:" + instance
	}
	return "ws:deliver:" + instance
}

// Register records a connection accepted by this instance and makes it
// the user's routing target. An empty ID gets a new "conn_..." id.
func (w *WebSocketStore) Register(ctx context.Context, c Connection) (*Connection, error) {
	if c.ID == "" {
		c.ID = "conn_" + randomID(8)
	}
	if err := checkID("connection id", c.ID); err != nil {
		return nil, opErr("ws", "register", err)
	}
	if err := checkID("user id", c.UserID); err != nil {
		return nil, opErr("ws", "register", err)
	}
	c.Instance = w.m.cfg.InstanceID
	if c.Connected.IsZero() {
		c.Connected = now().UTC()
	}
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, opErr("ws", "register", err)
	}
	t := float64(now().UnixMilli())
	err = w.m.run(ctx, w.d, idempotent, func(ctx context.Context) error {
		_, err := w.m.pipe(w.d, ctx, func(p redis.Pipeliner) error {
			p.ZAdd(ctx, w.beatsKey(), redis.Z{Score: t, Member: c.ID})
			p.HSet(ctx, w.connsKey(), c.ID, b)
			p.ZAdd(ctx, w.userConnsKey(c.UserID), redis.Z{Score: t, Member: c.ID})
			p.Expire(ctx, w.userConnsKey(c.UserID), w.routeTTL)
			p.Set(ctx, w.routeKey(c.UserID), c.ID, w.routeTTL)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, opErr("ws", "register "+c.ID, err)
	}
	w.mu.Lock()
	w.local[c.ID] = c.UserID
	w.mu.Unlock()
	return &c, nil
}

// Get returns a connection, or ErrNotFound.
func (w *WebSocketStore) Get(ctx context.Context, connID string) (*Connection, error) {
	if err := checkID("connection id", connID); err != nil {
		return nil, opErr("ws", "get", err)
	}
	var raw string
	err := w.m.run(ctx, w.d, idempotent, func(ctx context.Context) error {
		var err error
		raw, err = w.d.c.HGet(ctx, w.connsKey(), connID).Result()
		return err
	})
	if err == redis.Nil {
		return nil, opErr("ws", "get "+connID, ErrNotFound)
	}
	if err != nil {
		return nil, opErr("ws", "get "+connID, err)
	}
	c := &Connection{}
	if err := json.Unmarshal([]byte(raw), c); err != nil {
		return nil, opErr("ws", "get "+connID, fmt.Errorf("invalid connection JSON: %w", err))
	}
	c.ID = connID
	return c, nil
}

func (w *WebSocketStore) userOf(ctx context.Context, connID string) (string, error) {
	w.mu.Lock()
	uid, ok := w.local[connID]
	w.mu.Unlock()
	if ok {
		return uid, nil
	}
	c, err := w.Get(ctx, connID)
	if err != nil {
		return "", err
	}
	return c.UserID, nil
}

// Heartbeat marks a connection alive and extends the user's routing key.
// It gives ErrNotFound when the connection was swept or unregistered: the
// owner should Register it again.
func (w *WebSocketStore) Heartbeat(ctx context.Context, connID string) error {
	if err := checkID("connection id", connID); err != nil {
		return opErr("ws", "heartbeat", err)
	}
	uid, err := w.userOf(ctx, connID)
	if err != nil {
		return err
	}
	t := float64(now().UnixMilli())
	var changed *redis.IntCmd
	err = w.m.run(ctx, w.d, idempotent, func(ctx context.Context) error {
		_, err := w.m.pipe(w.d, ctx, func(p redis.Pipeliner) error {
			changed = p.ZAddArgs(ctx, w.beatsKey(), redis.ZAddArgs{XX: true, Ch: true, Members: []redis.Z{{Score: t, Member: connID}}})
			p.ZAddArgs(ctx, w.userConnsKey(uid), redis.ZAddArgs{XX: true, Members: []redis.Z{{Score: t, Member: connID}}})
			p.Expire(ctx, w.userConnsKey(uid), w.routeTTL)
			p.Expire(ctx, w.routeKey(uid), w.routeTTL)
			return nil
		})
		return err
	})
	if err != nil {
		return opErr("ws", "heartbeat "+connID, err)
	}
	if changed.Val() == 0 {
		// The same millisecond as the last beat also reports 0 changed:
		// check membership before declaring the connection gone.
		var score float64
		err := w.m.run(ctx, w.d, idempotent, func(ctx context.Context) error {
			var err error
			score, err = w.d.c.ZScore(ctx, w.beatsKey(), connID).Result()
			return err
		})
		if err == redis.Nil || (err == nil && score == 0) {
			w.forget(connID)
			return opErr("ws", "heartbeat "+connID, ErrNotFound)
		}
		if err != nil {
			return opErr("ws", "heartbeat "+connID, err)
		}
	}
	return nil
}

func (w *WebSocketStore) forget(connID string) {
	w.mu.Lock()
	delete(w.local, connID)
	w.mu.Unlock()
}

// Unregister removes a connection. The user's routing key moves to their
// most recent remaining connection, or is deleted.
func (w *WebSocketStore) Unregister(ctx context.Context, connID string) error {
	if err := checkID("connection id", connID); err != nil {
		return opErr("ws", "unregister", err)
	}
	uid, err := w.userOf(ctx, connID)
	if errors.Is(err, ErrNotFound) {
		w.forget(connID)
		return nil
	}
	if err != nil {
		return err
	}
	err = w.m.run(ctx, w.d, idempotent, func(ctx context.Context) error {
		_, err := w.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.ZRem(ctx, w.beatsKey(), connID)
			p.HDel(ctx, w.connsKey(), connID)
			return nil
		})
		if err != nil {
			return err
		}
		return w.dropUserConn(ctx, uid, connID)
	})
	w.forget(connID)
	return opErr("ws", "unregister "+connID, err)
}

// dropUserConn removes connID from the user's set and re-points the
// routing key, atomically with respect to other changes of the user's
// keys (WATCH on both, same hash tag).
func (w *WebSocketStore) dropUserConn(ctx context.Context, uid, connID string) error {
	rk, uk := w.routeKey(uid), w.userConnsKey(uid)
	for try := 0; try < 32; try++ {
		err := w.d.c.Watch(ctx, func(tx *redis.Tx) error {
			cur, err := tx.Get(ctx, rk).Result()
			if err != nil && err != redis.Nil {
				return err
			}
			rest, err := tx.ZRevRange(ctx, uk, 0, 1).Result()
			if err != nil {
				return err
			}
			next := ""
			for _, id := range rest {
				if id != connID {
					next = id
					break
				}
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.ZRem(ctx, uk, connID)
				if cur == connID || cur == "" {
					if next != "" {
						p.Set(ctx, rk, next, w.routeTTL)
					} else {
						p.Del(ctx, rk)
					}
				}
				return nil
			})
			return err
		}, rk, uk)
		if err == redis.TxFailedErr {
			continue
		}
		return err
	}
	return ErrConflict
}

// UserConnections lists a user's live connections, most recent first.
func (w *WebSocketStore) UserConnections(ctx context.Context, uid string) ([]*Connection, error) {
	if err := checkID("user id", uid); err != nil {
		return nil, opErr("ws", "user connections", err)
	}
	var out []*Connection
	err := w.m.run(ctx, w.d, idempotent, func(ctx context.Context) error {
		out = out[:0]
		ids, err := w.d.c.ZRevRange(ctx, w.userConnsKey(uid), 0, -1).Result()
		if err != nil || len(ids) == 0 {
			return err
		}
		vals, err := w.d.c.HMGet(ctx, w.connsKey(), ids...).Result()
		if err != nil {
			return err
		}
		var gone []any
		for i, v := range vals {
			s, ok := v.(string)
			if !ok {
				gone = append(gone, ids[i])
				continue
			}
			c := &Connection{}
			if json.Unmarshal([]byte(s), c) == nil {
				c.ID = ids[i]
				out = append(out, c)
			}
		}
		if len(gone) > 0 {
			_ = w.d.c.ZRem(ctx, w.userConnsKey(uid), gone...).Err()
		}
		return nil
	})
	if err != nil {
		return nil, opErr("ws", "connections of user "+uid, err)
	}
	return out, nil
}

// Route returns the user's routing target (ws:user_<id>:connection), or
// ErrNotFound.
func (w *WebSocketStore) Route(ctx context.Context, uid string) (string, error) {
	if err := checkID("user id", uid); err != nil {
		return "", opErr("ws", "route", err)
	}
	var id string
	err := w.m.run(ctx, w.d, idempotent, func(ctx context.Context) error {
		var err error
		id, err = w.d.c.Get(ctx, w.routeKey(uid)).Result()
		return err
	})
	if err == redis.Nil {
		return "", opErr("ws", "route of user "+uid, ErrNotFound)
	}
	return id, opErr("ws", "route of user "+uid, err)
}

// Sweep removes connections without a heartbeat for Config.WSStaleAfter
// and returns their ids. Run it periodically from any instance.
func (w *WebSocketStore) Sweep(ctx context.Context) ([]string, error) {
	cutoff := strconv.FormatInt(now().Add(-w.staleAfter).UnixMilli(), 10)
	var ids []string
	err := w.m.run(ctx, w.d, idempotent, func(ctx context.Context) error {
		var rng *redis.StringSliceCmd
		_, err := w.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			rng = p.ZRangeByScore(ctx, w.beatsKey(), &redis.ZRangeBy{Min: "-inf", Max: cutoff})
			p.ZRemRangeByScore(ctx, w.beatsKey(), "-inf", cutoff)
			return nil
		})
		if err != nil {
			return err
		}
		ids = append(ids, rng.Val()...)
		return nil
	})
	if err != nil || len(ids) == 0 {
		return ids, opErr("ws", "sweep", err)
	}
	// These ids are now ours alone: clean up their records.
	err = w.m.run(ctx, w.d, idempotent, func(ctx context.Context) error {
		vals, err := w.d.c.HMGet(ctx, w.connsKey(), ids...).Result()
		if err != nil {
			return err
		}
		if err := w.d.c.HDel(ctx, w.connsKey(), ids...).Err(); err != nil {
			return err
		}
		for i, v := range vals {
			s, ok := v.(string)
			if !ok {
				continue
			}
			c := Connection{}
			if json.Unmarshal([]byte(s), &c) == nil && checkID("user id", c.UserID) == nil {
				if err := w.dropUserConn(ctx, c.UserID, ids[i]); err != nil {
					return err
				}
			}
			w.forget(ids[i])
		}
		return nil
	})
	return ids, opErr("ws", "sweep", err)
}

// delivery is the pub/sub message format.
type delivery struct {
	Conn string `json:"conn"`
	Data []byte `json:"data"`
}

// Listen starts receiving messages for this instance's connections:
// handler is called (one message at a time) for every message delivered
// to a connection registered here, by this or another instance. Calling
// Listen again replaces the handler.
func (w *WebSocketStore) Listen(ctx context.Context, handler func(connID string, payload []byte)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.handler = handler
	if w.sub != nil {
		return nil
	}
	if w.m.closed.Load() {
		return ErrClosed
	}
	// On a cluster, plain PUBLISH reports only the subscribers of the node
	// it reached; sharded pub/sub routes by the channel's slot and counts
	// right.
	var sub *redis.PubSub
	if w.m.mode == ModeCluster {
		sub = w.d.c.SSubscribe(ctx, w.channel(w.m.cfg.InstanceID))
	} else {
		sub = w.d.c.Subscribe(ctx, w.channel(w.m.cfg.InstanceID))
	}
	// Wait for the subscription to be confirmed so a Deliver right after
	// Listen returns is not lost.
	if _, err := sub.Receive(ctx); err != nil {
		sub.Close()
		return opErr("ws", "listen", err)
	}
	w.sub = sub
	w.done = make(chan struct{})
	ch := sub.Channel(redis.WithChannelSize(1024))
	go func() {
		defer close(w.done)
		for msg := range ch {
			var d delivery
			if json.Unmarshal([]byte(msg.Payload), &d) != nil {
				continue
			}
			w.mu.Lock()
			h := w.handler
			w.mu.Unlock()
			if h != nil {
				h(d.Conn, d.Data)
			}
		}
	}()
	return nil
}

func (w *WebSocketStore) stopListening() {
	w.mu.Lock()
	sub, done := w.sub, w.done
	w.sub = nil
	w.mu.Unlock()
	if sub != nil {
		sub.Close()
		<-done
	}
}

// Deliver sends payload to a connection, whichever instance owns it: a
// local connection's message goes straight to the Listen handler, a
// remote one's is published to its owner. It gives ErrNotFound when the
// connection is unknown or its instance is not listening.
func (w *WebSocketStore) Deliver(ctx context.Context, connID string, payload []byte) error {
	c, err := w.Get(ctx, connID)
	if err != nil {
		return err
	}
	if c.Instance == w.m.cfg.InstanceID {
		w.mu.Lock()
		h := w.handler
		w.mu.Unlock()
		if h == nil {
			return opErr("ws", "deliver to "+connID, fmt.Errorf("%w: this instance is not listening", ErrNotFound))
		}
		h(connID, payload)
		return nil
	}
	b, _ := json.Marshal(delivery{Conn: connID, Data: payload})
	var receivers int64
	// Not idempotent: a repeated PUBLISH could deliver twice.
	err = w.m.run(ctx, w.d, notIdempotent, func(ctx context.Context) error {
		var err error
		if w.m.mode == ModeCluster {
			receivers, err = w.d.c.SPublish(ctx, w.channel(c.Instance), b).Result()
		} else {
			receivers, err = w.d.c.Publish(ctx, w.channel(c.Instance), b).Result()
		}
		return err
	})
	if err != nil {
		return opErr("ws", "deliver to "+connID, err)
	}
	if receivers == 0 {
		return opErr("ws", "deliver to "+connID, fmt.Errorf("%w: instance %s is not listening", ErrNotFound, c.Instance))
	}
	return nil
}

// DeliverToUser sends payload to every connection of a user and returns
// how many were reached.
func (w *WebSocketStore) DeliverToUser(ctx context.Context, uid string, payload []byte) (int, error) {
	conns, err := w.UserConnections(ctx, uid)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, c := range conns {
		if err := w.Deliver(ctx, c.ID, payload); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
