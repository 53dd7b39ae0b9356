package redismanager

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by a store wraps one of these when
// it applies, so callers test with errors.Is.
var (
	// ErrNotFound: the session, user, chat session, document, job or
	// connection does not exist (or has expired).
	ErrNotFound = errors.New("not found")

	// ErrUnavailable: Redis could not be reached, timed out, or the
	// circuit breaker is open because it recently could not be reached.
	// Nothing was changed, or (for an operation that is not idempotent
	// and timed out) the change may or may not have been applied.
	ErrUnavailable = errors.New("redis unavailable")

	// ErrCircuitOpen: the circuit breaker refused the call without
	// contacting Redis. It always comes wrapped together with
	// ErrUnavailable.
	ErrCircuitOpen = errors.New("circuit breaker open")

	// ErrKeyNotAllowed: a command would touch a key outside the patterns
	// of the database it was sent to (see Schema). This is a programming
	// error; the command is never sent.
	ErrKeyNotAllowed = errors.New("key not allowed in this database")

	// ErrInvalidID: an identifier is empty, too long, or contains a
	// character that would break the key layout (':', '{', '}', spaces,
	// control characters or glob metacharacters).
	ErrInvalidID = errors.New("invalid identifier")

	// ErrEmbeddingMismatch: the knowledge base holds embeddings made by a
	// different model or dimension than the configured embedder.
	ErrEmbeddingMismatch = errors.New("embedding model mismatch")

	// ErrLeaseLost: a job's lease expired (or the job was recovered by
	// another worker) before the worker acknowledged it.
	ErrLeaseLost = errors.New("job lease lost")

	// ErrConflict: an optimistic transaction kept losing to concurrent
	// writers and gave up.
	ErrConflict = errors.New("too much contention")

	// ErrDecrypt: a value could not be decrypted (wrong key, or the value
	// was tampered with or moved to another key).
	ErrDecrypt = errors.New("cannot decrypt value")

	// ErrClosed: the Manager was closed.
	ErrClosed = errors.New("manager closed")
)

// Error is what store operations return: which store and operation
// failed, and why. Err wraps the sentinel errors above where they apply.
type Error struct {
	Store string // "sessions", "chat", "kb", "cache", "ratelimit", "ws", "jobs", "manager"
	Op    string // e.g. "get session 9f2c..."
	Err   error
}

func (e *Error) Error() string {
	return fmt.Sprintf("redismanager: %s: %s: %v", e.Store, e.Op, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

func opErr(store, op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) && e.Store == store {
		return err
	}
	return &Error{Store: store, Op: op, Err: err}
}

// unavailableError marks a connectivity failure: errors.Is matches
// ErrUnavailable (and ErrCircuitOpen when the breaker refused) while the
// message keeps the underlying cause.
type unavailableError struct {
	cause   error
	circuit bool
}

func (e *unavailableError) Error() string {
	if e.circuit {
		return fmt.Sprintf("%v (%v; last failure: %v)", ErrUnavailable, ErrCircuitOpen, e.cause)
	}
	return fmt.Sprintf("%v: %v", ErrUnavailable, e.cause)
}

func (e *unavailableError) Unwrap() error { return e.cause }

func (e *unavailableError) Is(target error) bool {
	return target == ErrUnavailable || (e.circuit && target == ErrCircuitOpen)
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
