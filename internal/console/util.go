package console

import (
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

//go:embed assets
var assetFS embed.FS

// writeJSON sends v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// writeError sends {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// redisError reports an error from Redis (NOPERM, WRONGTYPE, ...) or
// from the console's own checks to the UI, with the server's own text.
func redisError(w http.ResponseWriter, err error) {
	if errors.Is(err, redis.Nil) {
		writeError(w, http.StatusNotFound, "no such key")
		return
	}
	writeError(w, statusOf(err), err.Error())
}

// statusOf maps an error to an HTTP status: 403 for ACL denials, 502
// when Redis could not be reached, 422 for errors Redis (or a check)
// answered.
func statusOf(err error) int {
	var re redis.Error
	var ne net.Error
	switch {
	case strings.HasPrefix(err.Error(), "NOPERM"):
		return http.StatusForbidden
	case errors.As(err, &re):
		return http.StatusUnprocessableEntity
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, redis.ErrClosed):
		return http.StatusBadGateway
	}
	return http.StatusUnprocessableEntity
}

// decodeBody reads a JSON request body (at most 8 MiB) into v.
func decodeBody(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return errors.New("expected a JSON body")
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 8<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad request body: %v", err)
	}
	return nil
}

// Keys and values are binary-safe in Redis but JSON strings are text.
// A name that is not valid UTF-8 travels as base64 beside a readable
// form, and the UI sends the base64 back to address it.

// Bin is a Redis string for the UI: S is the text (or, for binary data,
// redis-cli's escaped form) and B the base64 of binary data.
type Bin struct {
	S string `json:"s"`
	B string `json:"b,omitempty"`
}

func toBin(s string) Bin {
	if utf8.ValidString(s) {
		return Bin{S: s}
	}
	return Bin{S: escape(s), B: base64.StdEncoding.EncodeToString([]byte(s))}
}

// fromBin returns the raw string named by b.
func fromBin(b Bin) (string, error) {
	if b.B != "" {
		raw, err := base64.StdEncoding.DecodeString(b.B)
		if err != nil {
			return "", errors.New("bad base64 name")
		}
		return string(raw), nil
	}
	return b.S, nil
}

// escape renders non-UTF-8 data like redis-cli does: \xHH for bytes that
// are not printable ASCII.
func escape(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			b.WriteString(`\x`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
	}
	return b.String()
}

// keyParam reads the key of a GET request: ?key= or ?keyb64=.
func keyParam(r *http.Request) (string, error) {
	q := r.URL.Query()
	if b := q.Get("keyb64"); b != "" {
		return fromBin(Bin{B: b})
	}
	k := q.Get("key")
	if k == "" {
		return "", errors.New("key is required")
	}
	return k, nil
}

// intParam reads an integer query parameter with a default and bounds.
func intParam(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be an integer between %d and %d", name, lo, hi)
	}
	return n, nil
}

// dbParam reads ?db=, 0 to 15 by default bounds.
func dbParam(r *http.Request) (int, error) {
	n, err := intParam(r, "db", 0, 0, 1<<20)
	return int(n), err
}
