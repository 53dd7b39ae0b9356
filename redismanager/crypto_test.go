package redismanager

import (
	"errors"
	"strings"
	"testing"
)

func TestSealer(t *testing.T) {
	key, _ := decodeKey(GenerateKey())
	s, err := newSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.seal([]byte("secret@example.com"), "user:1/email")
	if !strings.HasPrefix(sealed, "enc:v1:"+s.kid+":") || strings.Contains(sealed, "secret") {
		t.Fatal(sealed)
	}
	if s.seal([]byte("x"), "a") == s.seal([]byte("x"), "a") {
		t.Fatal("nonce reuse")
	}
	if p, err := s.open(sealed, "user:1/email"); err != nil || string(p) != "secret@example.com" {
		t.Fatal(p, err)
	}
	// Moved to another key or field: refused.
	if _, err := s.open(sealed, "user:2/email"); !errors.Is(err, ErrDecrypt) {
		t.Fatal(err)
	}
	// Tampered: refused.
	b := []byte(sealed)
	b[len(b)-3] ^= 1
	if _, err := s.open(string(b), "user:1/email"); !errors.Is(err, ErrDecrypt) {
		t.Fatal(err)
	}
	// Another key: a clear message.
	other, _ := newSealer(make([]byte, 32))
	if _, err := other.open(sealed, "user:1/email"); !errors.Is(err, ErrDecrypt) || !strings.Contains(err.Error(), s.kid) {
		t.Fatal(err)
	}
	// No key configured but encrypted data.
	var none *sealer
	if _, err := none.open(sealed, "x"); !errors.Is(err, ErrDecrypt) || !strings.Contains(err.Error(), "no encryption key") {
		t.Fatal(err)
	}
	// Plaintext (written before encryption was enabled) still reads.
	if p, err := s.open(`{"user_id":"1"}`, "session:x"); err != nil || string(p) != `{"user_id":"1"}` {
		t.Fatal(p, err)
	}
}

// TestEncryptionIsTransparent: with a key configured, sensitive fields
// are ciphertext in Redis and plaintext through the stores.
func TestEncryptionIsTransparent(t *testing.T) {
	key := GenerateKey()
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		if !m.Encrypted() {
			t.Fatal("encryption off")
		}
		sess, err := m.Sessions().Create(ctx, "u1", map[string]any{"token": "top-secret"})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Users().Put(ctx, User{ID: "u1", Name: "Ada Lovelace", Email: "ada@example.com"}); err != nil {
			t.Fatal(err)
		}
		cs, _ := m.Chat().CreateSession(ctx, ChatSession{UserID: "u1"})
		if _, err := m.Chat().Append(ctx, cs.ID, Message{Role: "user", Content: "my password is hunter2"}); err != nil {
			t.Fatal(err)
		}
		// Through the stores: plaintext.
		if got, _ := m.Sessions().Get(ctx, sess.ID); got.Data["token"] != "top-secret" {
			t.Fatalf("%+v", got)
		}
		if u, _ := m.Users().Get(ctx, "u1"); u.Email != "ada@example.com" || u.Name != "Ada Lovelace" {
			t.Fatalf("%+v", u)
		}
		if h, _ := m.Chat().History(ctx, cs.ID, 0, 10); h.Messages[0].Content != "my password is hunter2" {
			t.Fatalf("%+v", h)
		}
		// In Redis: ciphertext only.
		for db, list := range allKeys(t, m) {
			for _, k := range list {
				c := admin(t, m, max(db, 0))
				var vals []string
				switch c.Type(ctx, k).Val() {
				case "string":
					vals = []string{c.Get(ctx, k).Val()}
				case "hash":
					for _, v := range c.HGetAll(ctx, k).Val() {
						vals = append(vals, v)
					}
				case "list":
					vals = c.LRange(ctx, k, 0, -1).Val()
				}
				for _, v := range vals {
					for _, secret := range []string{"top-secret", "ada@example.com", "Lovelace", "hunter2"} {
						if strings.Contains(v, secret) {
							t.Errorf("%s holds %q in clear: %.100s", k, secret, v)
						}
					}
				}
			}
		}
		// A process without the key gets a clear error, not garbage.
		c := m.Config()
		c.EncryptionKey, c.InstanceID = nil, ""
		if m.mode == ModeEmbedded {
			c.Mode, c.Addr = ModeStandalone, m.Addr()
		}
		m2, err := Open(ctx, &c)
		if err != nil {
			t.Fatal(err)
		}
		defer m2.Close()
		if _, err := m2.Sessions().Get(ctx, sess.ID); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("without key: %v", err)
		}
	}, func(c *Config) { c.EncryptionKey, _ = decodeKey(key) })
}
