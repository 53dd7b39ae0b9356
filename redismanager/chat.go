package redismanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Chat history, database 1.
//
//	chat:session_<id>            string, JSON ChatSession (the session metadata)
//	chat:session_<id>:messages   list of JSON Message, newest first (LPUSH), capped at
//	                             Config.ChatMaxMessages; each element sealed when encryption is on
//	chat:user_<id>:sessions      sorted set of the user's chat session ids by last update (ms)
//
// Appending a message pushes it, trims the list and rewrites the metadata
// (message count, update time) in one MULTI/EXEC guarded by WATCH on the
// metadata, so the count always equals the number of messages ever
// appended and no append is lost to a concurrent one. In namespaced mode
// both keys carry the session id as hash tag and stay in one slot.

// ChatSession is the metadata of a conversation.
type ChatSession struct {
	ID           string         `json:"id"`
	UserID       string         `json:"user_id"`
	Title        string         `json:"title,omitempty"`
	Created      time.Time      `json:"created"`
	Updated      time.Time      `json:"updated"`
	MessageCount int64          `json:"message_count"`
	Metadata     map[string]any `json:"metadata,omitempty"`
}

// Message is one chat message. Seq numbers the messages of a session from
// 1 in append order; it is set by Append.
type Message struct {
	Seq       int64          `json:"seq"`
	Role      string         `json:"role"`
	Content   string         `json:"content"`
	Timestamp time.Time      `json:"timestamp"`
	Metadata  map[string]any `json:"metadata,omitempty"`
}

// ChatStore manages chat sessions (database 1).
type ChatStore struct {
	m      *Manager
	d      *dbConn
	max    int
	ttl    time.Duration
	tries  int
	sealer *sealer
}

// Chat returns the chat store.
func (m *Manager) Chat() *ChatStore {
	m.storesMu.Lock()
	defer m.storesMu.Unlock()
	if m.chat == nil {
		m.chat = &ChatStore{m: m, d: m.dbs[DBChat], max: m.cfg.ChatMaxMessages, ttl: m.cfg.ChatTTL, tries: 64, sealer: m.sealer}
	}
	return m.chat
}

func (c *ChatStore) metaKey(id string) string { return c.d.ks.key("chat:session_<id>", id) }
func (c *ChatStore) msgsKey(id string) string { return c.d.ks.key("chat:session_<id>:messages", id) }
func (c *ChatStore) userKey(uid string) string {
	return c.d.ks.key("chat:user_<id>:sessions", uid)
}

// CreateSession stores a new conversation. An empty ID gets a new
// time-ordered one. Creating an ID that exists fails.
func (c *ChatStore) CreateSession(ctx context.Context, s ChatSession) (*ChatSession, error) {
	if err := checkID("user id", s.UserID); err != nil {
		return nil, opErr("chat", "create session", err)
	}
	generated := s.ID == ""
	if generated {
		s.ID = sortableID(now())
	} else if err := checkID("chat session id", s.ID); err != nil {
		return nil, opErr("chat", "create session", err)
	}
	t := now().UTC().Truncate(time.Millisecond)
	s.Created, s.Updated, s.MessageCount = t, t, 0
	b, err := json.Marshal(&s)
	if err != nil {
		return nil, opErr("chat", "create session", err)
	}
	meta, ukey := c.metaKey(s.ID), c.userKey(s.UserID)
	created := true
	// A generated id cannot collide, so repeating the write after a
	// timeout is harmless; a caller-chosen id is created with NX and is
	// not repeated.
	err = c.m.run(ctx, c.d, generated, func(ctx context.Context) error {
		ok, err := c.d.c.SetNX(ctx, meta, b, c.ttl).Result()
		if err != nil {
			return err
		}
		if !ok && !generated {
			created = false
			return nil
		}
		return c.d.c.ZAdd(ctx, ukey, redis.Z{Score: float64(t.UnixMilli()), Member: s.ID}).Err()
	})
	if err != nil {
		return nil, opErr("chat", "create session "+s.ID, err)
	}
	if !created {
		return nil, opErr("chat", "create session "+s.ID, errors.New("a chat session with this id exists"))
	}
	return &s, nil
}

// GetSession returns a conversation's metadata, or ErrNotFound.
func (c *ChatStore) GetSession(ctx context.Context, id string) (*ChatSession, error) {
	if err := checkID("chat session id", id); err != nil {
		return nil, opErr("chat", "get session", err)
	}
	var raw string
	err := c.m.run(ctx, c.d, idempotent, func(ctx context.Context) error {
		var err error
		raw, err = c.d.c.Get(ctx, c.metaKey(id)).Result()
		return err
	})
	if err == redis.Nil {
		return nil, opErr("chat", "get session "+id, ErrNotFound)
	}
	if err != nil {
		return nil, opErr("chat", "get session "+id, err)
	}
	s := &ChatSession{}
	if err := json.Unmarshal([]byte(raw), s); err != nil {
		return nil, opErr("chat", "get session "+id, fmt.Errorf("invalid metadata JSON: %w", err))
	}
	return s, nil
}

// Append adds a message to a conversation and updates its metadata in the
// same atomic step; it returns the updated metadata. The message gets the
// next sequence number and, when unset, the current time. Appending to a
// conversation that does not exist gives ErrNotFound. Older messages
// beyond Config.ChatMaxMessages are dropped.
//
// Append is not idempotent: after a timeout it is not repeated and the
// error wraps ErrUnavailable (the message may or may not have been
// stored).
func (c *ChatStore) Append(ctx context.Context, sessionID string, msg Message) (*ChatSession, error) {
	if err := checkID("chat session id", sessionID); err != nil {
		return nil, opErr("chat", "append", err)
	}
	if msg.Timestamp.IsZero() {
		msg.Timestamp = now().UTC()
	}
	meta, msgs := c.metaKey(sessionID), c.msgsKey(sessionID)
	var out *ChatSession
	err := c.m.run(ctx, c.d, notIdempotent, func(ctx context.Context) error {
		for try := 0; try < c.tries; try++ {
			var get *redis.StringCmd
			err := c.m.watch(ctx, c.d, []string{meta}, func(p redis.Pipeliner) {
				get = p.Get(ctx, meta)
			}, func(t *txn) error {
				raw, err := get.Result()
				if err == redis.Nil {
					return ErrNotFound
				}
				if err != nil {
					return err
				}
				s := &ChatSession{}
				if err := json.Unmarshal([]byte(raw), s); err != nil {
					return fmt.Errorf("invalid metadata JSON: %w", err)
				}
				s.MessageCount++
				msg.Seq = s.MessageCount
				s.Updated = now().UTC().Truncate(time.Millisecond)
				mb, err := json.Marshal(&msg)
				if err != nil {
					return err
				}
				sb, err := json.Marshal(s)
				if err != nil {
					return err
				}
				err = t.exec(func(p redis.Pipeliner) error {
					p.LPush(ctx, msgs, c.sealer.seal(mb, "chat:session_"+sessionID+":messages"))
					p.LTrim(ctx, msgs, 0, int64(c.max-1))
					p.Set(ctx, meta, sb, c.ttl)
					if c.ttl > 0 {
						p.Expire(ctx, msgs, c.ttl)
					}
					if c.m.mode != ModeCluster {
						p.ZAdd(ctx, c.userKey(s.UserID), redis.Z{Score: float64(s.Updated.UnixMilli()), Member: sessionID})
					}
					return nil
				})
				if err == nil {
					out = s
				}
				return err
			})
			if err == redis.TxFailedErr {
				// Another append won the race: read the new state and
				// try again after a short pause.
				if err := sleepCtx(ctx, backoff(try+1, 100*time.Microsecond, 5*time.Millisecond)); err != nil {
					return err
				}
				continue
			}
			return err
		}
		return ErrConflict
	})
	if err != nil {
		return nil, opErr("chat", "append to session "+sessionID, err)
	}
	if c.m.mode == ModeCluster {
		// The user index is in another slot: a separate step, harmless to
		// repeat, and only an ordering hint for RecentSessions.
		_ = c.m.run(ctx, c.d, idempotent, func(ctx context.Context) error {
			return c.d.c.ZAdd(ctx, c.userKey(out.UserID), redis.Z{Score: float64(out.Updated.UnixMilli()), Member: sessionID}).Err()
		})
	}
	return out, nil
}

// HistoryPage is one page of messages, newest first. Next is the Before
// cursor of the following (older) page, 0 when there is none.
type HistoryPage struct {
	Messages []Message
	Next     int64
}

// History pages through a conversation from the newest message back.
// before is the sequence number to start below (0: from the newest);
// pass the previous page's Next to continue. Paging by sequence number is
// stable while new messages arrive. limit defaults to 50.
func (c *ChatStore) History(ctx context.Context, sessionID string, before int64, limit int) (*HistoryPage, error) {
	if err := checkID("chat session id", sessionID); err != nil {
		return nil, opErr("chat", "history", err)
	}
	if limit <= 0 {
		limit = 50
	}
	meta, msgs := c.metaKey(sessionID), c.msgsKey(sessionID)
	var page *HistoryPage
	err := c.m.run(ctx, c.d, idempotent, func(ctx context.Context) error {
		// The metadata count tells where sequence number before-1 sits
		// in the newest-first list; the two are read in one transaction
		// so they agree.
		var getMeta *redis.StringCmd
		var lr *redis.StringSliceCmd
		start := int64(0)
		for try := 0; try < 8; try++ {
			_, err := c.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
				getMeta = p.Get(ctx, meta)
				lr = p.LRange(ctx, msgs, start, start+int64(limit)-1)
				return nil
			})
			if err == redis.Nil {
				return ErrNotFound
			}
			if err != nil {
				return err
			}
			s := &ChatSession{}
			if err := json.Unmarshal([]byte(getMeta.Val()), s); err != nil {
				return fmt.Errorf("invalid metadata JSON: %w", err)
			}
			want := int64(0)
			if before > 0 {
				want = s.MessageCount - (before - 1)
				if want < 0 {
					want = 0
				}
			}
			if want != start && before > 0 {
				start = want
				continue
			}
			page = &HistoryPage{}
			for _, raw := range lr.Val() {
				b, err := c.sealer.open(raw, "chat:session_"+sessionID+":messages")
				if err != nil {
					return err
				}
				var m Message
				if err := json.Unmarshal(b, &m); err != nil {
					return fmt.Errorf("invalid message JSON: %w", err)
				}
				if before > 0 && m.Seq >= before {
					continue
				}
				page.Messages = append(page.Messages, m)
			}
			if n := len(page.Messages); n > 0 && page.Messages[n-1].Seq > 1 && len(lr.Val()) == limit {
				page.Next = page.Messages[n-1].Seq
			}
			return nil
		}
		return ErrConflict
	})
	if err != nil {
		return nil, opErr("chat", "history of session "+sessionID, err)
	}
	return page, nil
}

// Len returns the number of stored messages of a conversation (at most
// Config.ChatMaxMessages).
func (c *ChatStore) Len(ctx context.Context, sessionID string) (int64, error) {
	if err := checkID("chat session id", sessionID); err != nil {
		return 0, opErr("chat", "len", err)
	}
	var n int64
	err := c.m.run(ctx, c.d, idempotent, func(ctx context.Context) error {
		var err error
		n, err = c.d.c.LLen(ctx, c.msgsKey(sessionID)).Result()
		return err
	})
	return n, opErr("chat", "len of session "+sessionID, err)
}

// DeleteSession deletes a conversation with all its messages. Deleting
// one that does not exist is not an error.
func (c *ChatStore) DeleteSession(ctx context.Context, id string) error {
	if err := checkID("chat session id", id); err != nil {
		return opErr("chat", "delete session", err)
	}
	s, err := c.GetSession(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	err = c.m.run(ctx, c.d, idempotent, func(ctx context.Context) error {
		_, err := c.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, c.metaKey(id))
			p.Del(ctx, c.msgsKey(id))
			return nil
		})
		if err != nil || s == nil {
			return err
		}
		return c.d.c.ZRem(ctx, c.userKey(s.UserID), id).Err()
	})
	return opErr("chat", "delete session "+id, err)
}

// RecentSessions returns a user's conversations, most recently updated
// first (at most limit; 20 by default).
func (c *ChatStore) RecentSessions(ctx context.Context, userID string, limit int) ([]*ChatSession, error) {
	if err := checkID("user id", userID); err != nil {
		return nil, opErr("chat", "recent sessions", err)
	}
	if limit <= 0 {
		limit = 20
	}
	ukey := c.userKey(userID)
	var out []*ChatSession
	err := c.m.run(ctx, c.d, idempotent, func(ctx context.Context) error {
		out = out[:0]
		ids, err := c.d.c.ZRevRange(ctx, ukey, 0, int64(limit)-1).Result()
		if err != nil || len(ids) == 0 {
			return err
		}
		gets := make([]*redis.StringCmd, len(ids))
		_, err = c.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				gets[i] = p.Get(ctx, c.metaKey(id))
			}
			return nil
		})
		if err != nil && err != redis.Nil {
			return err
		}
		var gone []any
		for i, g := range gets {
			raw, err := g.Result()
			if err == redis.Nil {
				gone = append(gone, ids[i])
				continue
			}
			if err != nil {
				return err
			}
			s := &ChatSession{}
			if json.Unmarshal([]byte(raw), s) == nil {
				out = append(out, s)
			}
		}
		if len(gone) > 0 {
			_ = c.d.c.ZRem(ctx, ukey, gone...).Err()
		}
		return nil
	})
	if err != nil {
		return nil, opErr("chat", "recent sessions of user "+userID, err)
	}
	return out, nil
}
