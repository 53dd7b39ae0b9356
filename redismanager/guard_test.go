package redismanager

import (
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestGuardRefusesForeignKeys(t *testing.T) {
	m := openBackend(t, beEmbedded)
	ctx := ctxT(t)
	// A session key through the chat client, a chat key through the
	// sessions client, a key outside every layout: all refused before
	// anything is sent.
	cases := []struct {
		db  DB
		cmd func(c redis.UniversalClient) error
	}{
		{DBChat, func(c redis.UniversalClient) error { return c.Set(ctx, "session:abc", "x", 0).Err() }},
		{DBSessions, func(c redis.UniversalClient) error { return c.LPush(ctx, "chat:session_1:messages", "x").Err() }},
		{DBSessions, func(c redis.UniversalClient) error { return c.Set(ctx, "random", "x", 0).Err() }},
		{DBSessions, func(c redis.UniversalClient) error { return c.Del(ctx, "session:a", "kb:doc_1").Err() }},
		{DBSessions, func(c redis.UniversalClient) error { return c.FlushDB(ctx).Err() }},
		{DBSessions, func(c redis.UniversalClient) error { return c.Do(ctx, "select", "3").Err() }},
		{DBSessions, func(c redis.UniversalClient) error { return c.Do(ctx, "frobnicate", "x").Err() }},
		{DBSessions, func(c redis.UniversalClient) error { return c.Set(ctx, "session:a:b", "x", 0).Err() }},
		{DBSessions, func(c redis.UniversalClient) error {
			_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "session:ok", "1", 0)
				p.Set(ctx, "chat:session_1", "2", 0)
				return nil
			})
			return err
		}},
	}
	for i, tc := range cases {
		if err := tc.cmd(m.Client(tc.db)); !errors.Is(err, ErrKeyNotAllowed) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	// Nothing was written, not even the valid half of the pipeline.
	if n := admin(t, m, 0).DBSize(ctx).Val(); n != 0 {
		t.Fatalf("%d keys written", n)
	}
	if err := m.Client(DBSessions).Set(ctx, m.Key(DBSessions, "session:<id>", "ok"), "1", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	// An identifier with ':' cannot smuggle a key into another layout.
	if _, err := m.Sessions().Get(ctx, "x:y"); !errors.Is(err, ErrInvalidID) {
		t.Fatal(err)
	}
}
