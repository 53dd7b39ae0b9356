package redismanager

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Sessions and users, database 0.
//
//	session:<id>         string, JSON {"user_id", "created", "data"}, TTL Config.SessionTTL,
//	                     refreshed by every Get (sliding expiry); sealed when encryption is on
//	user:<id>:sessions   sorted set of the user's session ids, scored by creation time (ms)
//	user:<id>            hash: name, email (both sealed when encryption is on), last_active,
//	                     plus any extra fields

// Session is a login session.
type Session struct {
	ID      string         `json:"-"`
	UserID  string         `json:"user_id"`
	Created time.Time      `json:"created"`
	Data    map[string]any `json:"data,omitempty"`
}

// SessionStore manages sessions (database 0).
type SessionStore struct {
	m   *Manager
	d   *dbConn
	ttl time.Duration
}

// Sessions returns the session store.
func (m *Manager) Sessions() *SessionStore {
	m.storesMu.Lock()
	defer m.storesMu.Unlock()
	if m.sessions == nil {
		m.sessions = &SessionStore{m: m, d: m.dbs[DBSessions], ttl: m.cfg.SessionTTL}
	}
	return m.sessions
}

// TTL is the session lifetime; every Get extends it to this again.
func (s *SessionStore) TTL() time.Duration { return s.ttl }

func (s *SessionStore) seal(id string, sess *Session) (string, error) {
	b, err := json.Marshal(sess)
	if err != nil {
		return "", err
	}
	return s.m.sealer.seal(b, "session:"+id), nil
}

func (s *SessionStore) open(id, stored string) (*Session, error) {
	b, err := s.m.sealer.open(stored, "session:"+id)
	if err != nil {
		return nil, err
	}
	sess := &Session{}
	if err := json.Unmarshal(b, sess); err != nil {
		return nil, fmt.Errorf("session %s holds invalid JSON: %w", id, err)
	}
	sess.ID = id
	return sess, nil
}

// Create starts a session for userID with an optional payload and returns
// it with its new random id (128 bits).
func (s *SessionStore) Create(ctx context.Context, userID string, data map[string]any) (*Session, error) {
	if err := checkID("user id", userID); err != nil {
		return nil, opErr("sessions", "create", err)
	}
	sess := &Session{ID: randomID(16), UserID: userID, Created: now().UTC().Truncate(time.Millisecond), Data: data}
	payload, err := s.seal(sess.ID, sess)
	if err != nil {
		return nil, opErr("sessions", "create", err)
	}
	skey := s.d.ks.key("session:<id>", sess.ID)
	ikey := s.d.ks.key("user:<id>:sessions", userID)
	// The index entry goes first: a session is never live without being
	// listed (List drops index entries whose session is gone).
	err = s.m.run(ctx, s.d, idempotent, func(ctx context.Context) error {
		_, err := s.m.pipe(s.d, ctx, func(p redis.Pipeliner) error {
			p.ZAdd(ctx, ikey, redis.Z{Score: float64(sess.Created.UnixMilli()), Member: sess.ID})
			p.Set(ctx, skey, payload, s.ttl)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, opErr("sessions", "create", err)
	}
	return sess, nil
}

// Get returns a live session and extends its lifetime to the full TTL
// (sliding expiry). A missing or expired session gives ErrNotFound.
func (s *SessionStore) Get(ctx context.Context, id string) (*Session, error) {
	if err := checkID("session id", id); err != nil {
		return nil, opErr("sessions", "get", err)
	}
	key := s.d.ks.key("session:<id>", id)
	var stored string
	err := s.m.run(ctx, s.d, idempotent, func(ctx context.Context) error {
		var err error
		stored, err = s.d.c.GetEx(ctx, key, s.ttl).Result()
		return err
	})
	if err == redis.Nil {
		return nil, opErr("sessions", "get session "+id, ErrNotFound)
	}
	if err != nil {
		return nil, opErr("sessions", "get session "+id, err)
	}
	sess, err := s.open(id, stored)
	if err != nil {
		return nil, opErr("sessions", "get session "+id, err)
	}
	return sess, nil
}

// Update replaces the payload of a live session and refreshes its TTL.
// It gives ErrNotFound when the session has expired or was revoked: an
// update never resurrects a session.
func (s *SessionStore) Update(ctx context.Context, sess *Session) error {
	if err := checkID("session id", sess.ID); err != nil {
		return opErr("sessions", "update", err)
	}
	payload, err := s.seal(sess.ID, sess)
	if err != nil {
		return opErr("sessions", "update", err)
	}
	key := s.d.ks.key("session:<id>", sess.ID)
	var ok bool
	err = s.m.run(ctx, s.d, idempotent, func(ctx context.Context) error {
		res, err := s.d.c.SetArgs(ctx, key, payload, redis.SetArgs{Mode: "XX", TTL: s.ttl}).Result()
		ok = err == nil && res == "OK"
		if err == redis.Nil {
			return nil
		}
		return err
	})
	if err != nil {
		return opErr("sessions", "update session "+sess.ID, err)
	}
	if !ok {
		return opErr("sessions", "update session "+sess.ID, ErrNotFound)
	}
	return nil
}

// Revoke ends a session now. Revoking a session that does not exist is
// not an error.
func (s *SessionStore) Revoke(ctx context.Context, id string) error {
	if err := checkID("session id", id); err != nil {
		return opErr("sessions", "revoke", err)
	}
	key := s.d.ks.key("session:<id>", id)
	var stored string
	err := s.m.run(ctx, s.d, idempotent, func(ctx context.Context) error {
		var err error
		stored, err = s.d.c.Get(ctx, key).Result()
		return err
	})
	if err == redis.Nil {
		return nil
	}
	if err != nil {
		return opErr("sessions", "revoke session "+id, err)
	}
	var userID string
	if sess, err := s.open(id, stored); err == nil {
		userID = sess.UserID
	}
	err = s.m.run(ctx, s.d, idempotent, func(ctx context.Context) error {
		_, err := s.m.pipe(s.d, ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, key)
			if userID != "" && checkID("user id", userID) == nil {
				p.ZRem(ctx, s.d.ks.key("user:<id>:sessions", userID), id)
			}
			return nil
		})
		return err
	})
	return opErr("sessions", "revoke session "+id, err)
}

// List returns the live sessions of a user, oldest first. Entries of
// sessions that expired are removed from the index on the way.
func (s *SessionStore) List(ctx context.Context, userID string) ([]*Session, error) {
	if err := checkID("user id", userID); err != nil {
		return nil, opErr("sessions", "list", err)
	}
	ikey := s.d.ks.key("user:<id>:sessions", userID)
	var ids []string
	var gets []*redis.StringCmd
	err := s.m.run(ctx, s.d, idempotent, func(ctx context.Context) error {
		var err error
		ids, err = s.d.c.ZRange(ctx, ikey, 0, -1).Result()
		if err != nil || len(ids) == 0 {
			return err
		}
		gets = make([]*redis.StringCmd, len(ids))
		_, err = s.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				gets[i] = p.Get(ctx, s.d.ks.key("session:<id>", id))
			}
			return nil
		})
		if err == redis.Nil {
			err = nil
		}
		return err
	})
	if err != nil {
		return nil, opErr("sessions", "list sessions of user "+userID, err)
	}
	var out []*Session
	var gone []any
	for i, g := range gets {
		stored, err := g.Result()
		if err == redis.Nil {
			gone = append(gone, ids[i])
			continue
		}
		if err != nil {
			return nil, opErr("sessions", "list sessions of user "+userID, err)
		}
		sess, err := s.open(ids[i], stored)
		if err != nil {
			return nil, opErr("sessions", "list sessions of user "+userID, err)
		}
		out = append(out, sess)
	}
	if len(gone) > 0 {
		// Best effort: a failure here only leaves entries for next time.
		_ = s.m.run(ctx, s.d, idempotent, func(ctx context.Context) error {
			return s.d.c.ZRem(ctx, ikey, gone...).Err()
		})
	}
	return out, nil
}

// RevokeUser ends every session of a user and returns how many were live.
func (s *SessionStore) RevokeUser(ctx context.Context, userID string) (int, error) {
	if err := checkID("user id", userID); err != nil {
		return 0, opErr("sessions", "revoke user", err)
	}
	ikey := s.d.ks.key("user:<id>:sessions", userID)
	var n int
	err := s.m.run(ctx, s.d, idempotent, func(ctx context.Context) error {
		ids, err := s.d.c.ZRange(ctx, ikey, 0, -1).Result()
		if err != nil {
			return err
		}
		dels := make([]*redis.IntCmd, len(ids))
		_, err = s.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				dels[i] = p.Del(ctx, s.d.ks.key("session:<id>", id))
			}
			return nil
		})
		if err != nil {
			return err
		}
		n = 0
		for _, d := range dels {
			n += int(d.Val())
		}
		// Only the ids seen are removed: a session created meanwhile
		// stays listed (and live).
		if len(ids) > 0 {
			members := make([]any, len(ids))
			for i, id := range ids {
				members[i] = id
			}
			return s.d.c.ZRem(ctx, ikey, members...).Err()
		}
		return nil
	})
	if err != nil {
		return 0, opErr("sessions", "revoke sessions of user "+userID, err)
	}
	return n, nil
}

// User is the profile hash of the seed's user:<id>.
type User struct {
	ID         string
	Name       string
	Email      string
	LastActive time.Time
	// Fields are further hash fields, stored as given (not encrypted).
	Fields map[string]string
}

// UserStore manages user profiles (database 0).
type UserStore struct {
	m *Manager
	d *dbConn
}

// Users returns the user store.
func (m *Manager) Users() *UserStore {
	m.storesMu.Lock()
	defer m.storesMu.Unlock()
	if m.users == nil {
		m.users = &UserStore{m: m, d: m.dbs[DBSessions]}
	}
	return m.users
}

var userReserved = map[string]bool{"name": true, "email": true, "last_active": true}

// Put creates or replaces a user's profile.
func (u *UserStore) Put(ctx context.Context, user User) error {
	if err := checkID("user id", user.ID); err != nil {
		return opErr("sessions", "put user", err)
	}
	key := u.d.ks.key("user:<id>", user.ID)
	aad := "user:" + user.ID + "/"
	if user.LastActive.IsZero() {
		user.LastActive = now()
	}
	fields := map[string]any{
		"name":        u.m.sealer.seal([]byte(user.Name), aad+"name"),
		"email":       u.m.sealer.seal([]byte(user.Email), aad+"email"),
		"last_active": user.LastActive.UTC().Format(time.RFC3339Nano),
	}
	for k, v := range user.Fields {
		if userReserved[k] {
			return opErr("sessions", "put user "+user.ID, fmt.Errorf("field %q is reserved", k))
		}
		fields[k] = v
	}
	err := u.m.run(ctx, u.d, idempotent, func(ctx context.Context) error {
		_, err := u.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, key)
			p.HSet(ctx, key, fields)
			return nil
		})
		return err
	})
	return opErr("sessions", "put user "+user.ID, err)
}

// Get returns a user's profile, or ErrNotFound.
func (u *UserStore) Get(ctx context.Context, id string) (*User, error) {
	if err := checkID("user id", id); err != nil {
		return nil, opErr("sessions", "get user", err)
	}
	key := u.d.ks.key("user:<id>", id)
	h, err := u.m.getHash(ctx, u.d, "sessions", "get user "+id, key)
	if err != nil {
		return nil, err
	}
	user := &User{ID: id}
	aad := "user:" + id + "/"
	for k, v := range h {
		switch k {
		case "name", "email":
			b, err := u.m.sealer.open(v, aad+k)
			if err != nil {
				return nil, opErr("sessions", "get user "+id, fmt.Errorf("field %s: %w", k, err))
			}
			if k == "name" {
				user.Name = string(b)
			} else {
				user.Email = string(b)
			}
		case "last_active":
			user.LastActive, _ = time.Parse(time.RFC3339Nano, v)
		default:
			if user.Fields == nil {
				user.Fields = map[string]string{}
			}
			user.Fields[k] = v
		}
	}
	return user, nil
}

// Touch sets a user's last_active to now.
func (u *UserStore) Touch(ctx context.Context, id string) error {
	if err := checkID("user id", id); err != nil {
		return opErr("sessions", "touch user", err)
	}
	key := u.d.ks.key("user:<id>", id)
	err := u.m.run(ctx, u.d, idempotent, func(ctx context.Context) error {
		return u.d.c.HSet(ctx, key, "last_active", now().UTC().Format(time.RFC3339Nano)).Err()
	})
	return opErr("sessions", "touch user "+id, err)
}

// Delete removes a user's profile and revokes all their sessions.
func (u *UserStore) Delete(ctx context.Context, id string) error {
	if err := checkID("user id", id); err != nil {
		return opErr("sessions", "delete user", err)
	}
	if _, err := u.m.Sessions().RevokeUser(ctx, id); err != nil {
		return err
	}
	key := u.d.ks.key("user:<id>", id)
	err := u.m.run(ctx, u.d, idempotent, func(ctx context.Context) error {
		return u.d.c.Del(ctx, key).Err()
	})
	return opErr("sessions", "delete user "+id, err)
}

// pipe runs fn as a MULTI/EXEC transaction on a standalone server and as
// a plain pipeline on a cluster, where the commands may touch several
// slots. Callers use it for groups whose atomicity is welcome but not
// required for correctness (for example a session and its index entry).
func (m *Manager) pipe(d *dbConn, ctx context.Context, fn func(redis.Pipeliner) error) ([]redis.Cmder, error) {
	if m.mode == ModeCluster {
		return d.c.Pipelined(ctx, fn)
	}
	return d.c.TxPipelined(ctx, fn)
}
