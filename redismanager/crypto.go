package redismanager

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// Client-side encryption. Sensitive values are sealed with AES-256-GCM
// before they leave the process and opened after they come back; callers
// of the stores only ever see plaintext. A sealed value is the text
//
//	enc:v1:<key id>:<base64url(nonce || ciphertext || tag)>
//
// where the key id is the first 4 bytes of SHA-256(key) in hex, so a
// value sealed with another key is reported as such instead of as
// corruption. The associated data is the logical key (and hash field)
// the value is stored under: a sealed value copied to another key or
// field does not open. Values without the prefix are returned as they
// are, so enabling encryption on an existing database needs no migration
// (new writes are sealed, old plaintext stays readable).

const sealedPrefix = "enc:v1:"

type sealer struct {
	aead cipher.AEAD
	kid  string
}

func newSealer(key []byte) (*sealer, error) {
	if key == nil {
		return nil, nil
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("encryption key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(key)
	return &sealer{aead: aead, kid: hex.EncodeToString(sum[:4])}, nil
}

// seal encrypts plain for storage under aad. A nil sealer returns the
// plaintext.
func (s *sealer) seal(plain []byte, aad string) string {
	if s == nil {
		return string(plain)
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("redismanager: crypto/rand failed: " + err.Error())
	}
	out := s.aead.Seal(nonce, nonce, plain, []byte(aad))
	var b strings.Builder
	b.Grow(len(sealedPrefix) + len(s.kid) + 1 + base64.RawURLEncoding.EncodedLen(len(out)))
	b.WriteString(sealedPrefix)
	b.WriteString(s.kid)
	b.WriteByte(':')
	b.WriteString(base64.RawURLEncoding.EncodeToString(out))
	return b.String()
}

// open returns the plaintext of a stored value. Unsealed values come back
// unchanged; a sealed value without a configured key, under another key,
// or tampered with gives ErrDecrypt.
func (s *sealer) open(stored string, aad string) ([]byte, error) {
	if !strings.HasPrefix(stored, sealedPrefix) {
		return []byte(stored), nil
	}
	rest := stored[len(sealedPrefix):]
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return nil, fmt.Errorf("%w: malformed sealed value", ErrDecrypt)
	}
	kid, body := rest[:i], rest[i+1:]
	if s == nil {
		return nil, fmt.Errorf("%w: the value is encrypted (key id %s) but no encryption key is configured", ErrDecrypt, kid)
	}
	if kid != s.kid {
		return nil, fmt.Errorf("%w: the value was encrypted with key id %s, the configured key is %s", ErrDecrypt, kid, s.kid)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: malformed sealed value", ErrDecrypt)
	}
	ns := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:ns], raw[ns:], []byte(aad))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed (tampered, or stored under another key)", ErrDecrypt)
	}
	return plain, nil
}

// decodeKey reads a 32-byte key written in base64 (standard or URL, with
// or without padding) or hex.
func decodeKey(v string) ([]byte, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	if len(v) == 64 {
		if b, err := hex.DecodeString(v); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil {
			if len(b) != 32 {
				return nil, fmt.Errorf("encryption key must decode to 32 bytes, got %d", len(b))
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("encryption key is neither base64 nor 64 hex digits")
}

// GenerateKey returns a new random AES-256 key in base64, suitable for
// AUTOBOT_REDIS_ENCRYPTION_KEY.
func GenerateKey() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("redismanager: crypto/rand failed: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(b)
}
