package redismanager

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		s := m.Sessions()
		a, err := s.Create(ctx, "123", map[string]any{"theme": "dark"})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.ID) != 32 || a.UserID != "123" {
			t.Fatalf("created %+v", a)
		}
		got, err := s.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.UserID != "123" || got.Data["theme"] != "dark" || !got.Created.Equal(a.Created) {
			t.Fatalf("got %+v, want %+v", got, a)
		}

		// The stored value is the seed's JSON with a TTL of 86400 s.
		raw := admin(t, m, 0)
		key := m.Key(DBSessions, "session:<id>", a.ID)
		v, err := raw.Get(ctx, key).Result()
		if err != nil || !strings.Contains(v, `"user_id":"123"`) || !strings.Contains(v, `"created":`) {
			t.Fatalf("stored %q %v", v, err)
		}
		if ttl := raw.TTL(ctx, key).Val(); ttl < 86300*time.Second || ttl > 86400*time.Second {
			t.Fatalf("ttl %v", ttl)
		}
		// Sliding refresh: Get restores the full TTL.
		raw.Expire(ctx, key, 100*time.Second)
		if _, err := s.Get(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if ttl := raw.TTL(ctx, key).Val(); ttl < 86300*time.Second {
			t.Fatalf("ttl after get %v", ttl)
		}

		// Update keeps the session, refuses a missing one.
		got.Data["theme"] = "light"
		if err := s.Update(ctx, got); err != nil {
			t.Fatal(err)
		}
		if g, _ := s.Get(ctx, a.ID); g.Data["theme"] != "light" {
			t.Fatalf("after update %+v", g)
		}
		if err := s.Update(ctx, &Session{ID: "nope", UserID: "123"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("update missing: %v", err)
		}

		// Listing and revoking.
		b, _ := s.Create(ctx, "123", nil)
		c, _ := s.Create(ctx, "456", nil)
		list, err := s.List(ctx, "123")
		if err != nil || len(list) != 2 {
			t.Fatalf("list %v %v", list, err)
		}
		if err := s.Revoke(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, a.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get revoked: %v", err)
		}
		if err := s.Revoke(ctx, a.ID); err != nil {
			t.Fatalf("revoke twice: %v", err)
		}
		// An expired session disappears from the listing.
		raw.Del(ctx, m.Key(DBSessions, "session:<id>", b.ID))
		if list, _ := s.List(ctx, "123"); len(list) != 0 {
			t.Fatalf("list after revoke/expiry: %v", list)
		}
		if n := raw.ZCard(ctx, m.Key(DBSessions, "user:<id>:sessions", "123")).Val(); n != 0 {
			t.Fatalf("index not pruned: %d", n)
		}
		d, _ := s.Create(ctx, "456", nil)
		n, err := s.RevokeUser(ctx, "456")
		if err != nil || n != 2 {
			t.Fatalf("revoke user: %d %v", n, err)
		}
		for _, id := range []string{c.ID, d.ID} {
			if _, err := s.Get(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("session %s survived RevokeUser: %v", id, err)
			}
		}

		// Bad identifiers never reach Redis.
		for _, bad := range []string{"", "a:b", "x{y}", "sp ace", "*", strings.Repeat("x", 300)} {
			if _, err := s.Get(ctx, bad); !errors.Is(err, ErrInvalidID) {
				t.Fatalf("get %q: %v", bad, err)
			}
		}
	})
}

func TestUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		u := m.Users()
		err := u.Put(ctx, User{ID: "123", Name: "John Doe", Email: "john@example.com", Fields: map[string]string{"plan": "pro"}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := u.Get(ctx, "123")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "John Doe" || got.Email != "john@example.com" || got.Fields["plan"] != "pro" || got.LastActive.IsZero() {
			t.Fatalf("got %+v", got)
		}
		// The seed's hash layout.
		h := admin(t, m, 0).HGetAll(ctx, m.Key(DBSessions, "user:<id>", "123")).Val()
		if h["name"] != "John Doe" || h["email"] != "john@example.com" || h["last_active"] == "" {
			t.Fatalf("hash %v", h)
		}
		before := got.LastActive
		time.Sleep(2 * time.Millisecond)
		if err := u.Touch(ctx, "123"); err != nil {
			t.Fatal(err)
		}
		if g, _ := u.Get(ctx, "123"); !g.LastActive.After(before) {
			t.Fatalf("touch did not move last_active: %v -> %v", before, g.LastActive)
		}
		if _, err := m.Sessions().Create(ctx, "123", nil); err != nil {
			t.Fatal(err)
		}
		if err := u.Put(ctx, User{ID: "123", Fields: map[string]string{"email": "x"}}); err == nil {
			t.Fatal("reserved field accepted")
		}
		if err := u.Delete(ctx, "123"); err != nil {
			t.Fatal(err)
		}
		if _, err := u.Get(ctx, "123"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		if l, _ := m.Sessions().List(ctx, "123"); len(l) != 0 {
			t.Fatalf("sessions survived user deletion: %v", l)
		}
	})
}
