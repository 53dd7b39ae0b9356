package redismanager

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// maxIDLen bounds identifiers so keys stay small and a hostile request
// cannot create megabyte keys.
const maxIDLen = 200

// checkID validates an identifier that becomes part of a key. It rejects
// the characters that would make the key ambiguous (':' separates key
// segments), change its cluster slot ('{', '}'), or turn a SCAN MATCH
// pattern built from it into something else ('*', '?', '[', ']', '\\'),
// as well as whitespace and control characters.
func checkID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalidID, kind)
	}
	if len(id) > maxIDLen {
		return fmt.Errorf("%w: %s longer than %d bytes", ErrInvalidID, kind, maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c <= ' ' || c == 0x7f:
			return fmt.Errorf("%w: %s %q contains a space or control character", ErrInvalidID, kind, id)
		case c == ':' || c == '{' || c == '}' || c == '*' || c == '?' || c == '[' || c == ']' || c == '\\':
			return fmt.Errorf("%w: %s %q contains %q", ErrInvalidID, kind, id, c)
		}
	}
	return nil
}

// randomID returns n random bytes as lowercase hex.
func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("redismanager: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// sortableID returns an identifier that sorts by creation time: the
// current Unix time in milliseconds (11 base-36 digits) followed by 12
// random hex digits.
func sortableID(now time.Time) string {
	ts := strconv.FormatInt(now.UnixMilli(), 36)
	for len(ts) < 11 {
		ts = "0" + ts
	}
	return ts + randomID(6)
}
