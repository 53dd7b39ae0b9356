package types

import (
	"errors"
	"strconv"
)

// StreamID is a stream entry ID: a millisecond time and a sequence number,
// ordered numerically, ms first.
type StreamID struct {
	Ms, Seq uint64
}

// StreamMaxID returns the greatest possible ID ("+" in ranges). It is a
// function rather than a variable so no package state can be changed.
func StreamMaxID() StreamID { return StreamID{^uint64(0), ^uint64(0)} }

// Compare returns -1, 0 or 1 as a is less than, equal to or greater than b.
func (a StreamID) Compare(b StreamID) int {
	switch {
	case a.Ms < b.Ms:
		return -1
	case a.Ms > b.Ms:
		return 1
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

// Less reports a < b.
func (a StreamID) Less(b StreamID) bool {
	return a.Ms < b.Ms || (a.Ms == b.Ms && a.Seq < b.Seq)
}

// IsZero reports whether a is 0-0.
func (a StreamID) IsZero() bool { return a.Ms == 0 && a.Seq == 0 }

// Next returns the smallest ID greater than a; ok is false when a is the
// maximum ID.
func (a StreamID) Next() (next StreamID, ok bool) {
	switch {
	case a.Seq != ^uint64(0):
		return StreamID{a.Ms, a.Seq + 1}, true
	case a.Ms != ^uint64(0):
		return StreamID{a.Ms + 1, 0}, true
	}
	return StreamID{}, false
}

// Prev returns the greatest ID less than a; ok is false when a is 0-0.
func (a StreamID) Prev() (prev StreamID, ok bool) {
	switch {
	case a.Seq != 0:
		return StreamID{a.Ms, a.Seq - 1}, true
	case a.Ms != 0:
		return StreamID{a.Ms - 1, ^uint64(0)}, true
	}
	return StreamID{}, false
}

// AppendText appends the "ms-seq" form to dst.
func (a StreamID) AppendText(dst []byte) []byte {
	dst = strconv.AppendUint(dst, a.Ms, 10)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, a.Seq, 10)
}

func (a StreamID) String() string { return string(a.AppendText(make([]byte, 0, 41))) }

// Errors carry the exact text Redis replies with, "ERR " or the error code
// included, so the command layer can write err.Error() as the error reply.
var (
	StreamErrInvalidID         = errors.New("ERR Invalid stream ID specified as stream command argument")
	StreamErrIDTooSmall        = errors.New("ERR The ID specified in XADD is equal or smaller than the target stream top item")
	StreamErrIDZero            = errors.New("ERR The ID specified in XADD must be greater than 0-0")
	StreamErrExhausted         = errors.New("ERR The stream has exhausted the last possible ID, unable to add more items")
	StreamErrTooLarge          = errors.New("ERR Elements are too large to be stored")
	StreamErrBadStartID        = errors.New("ERR invalid start ID for the interval")
	StreamErrBadEndID          = errors.New("ERR invalid end ID for the interval")
	StreamErrGTInXRead         = errors.New("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
	StreamErrDollarInGroup     = errors.New("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
	StreamErrSetIDSmallTop     = errors.New("ERR The ID specified in XSETID is smaller than the target stream top item")
	StreamErrSetIDSmallMaxDel  = errors.New("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
	StreamErrSetIDEntriesAdded = errors.New("ERR The entries_added specified in XSETID is smaller than the target stream length")

	// Argument errors of the stream commands, for the command layer.
	StreamErrEntriesAddedNegative = errors.New("ERR entries_added must be positive")
	StreamErrEntriesReadRange     = errors.New("ERR value for ENTRIESREAD must be positive or -1")
	StreamErrBusyGroup            = errors.New("BUSYGROUP Consumer Group name already exists")
	StreamErrMaxLenNegative       = errors.New("ERR The MAXLEN argument must be >= 0.")
	StreamErrLimitNegative        = errors.New("ERR The LIMIT argument must be >= 0.")
	StreamErrLimitNeedsApprox     = errors.New("ERR syntax error, LIMIT cannot be used without the special ~ option")
	StreamErrLimitNeedsStrategy   = errors.New("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
	StreamErrMaxLenAndMinID       = errors.New("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
	StreamErrAutoClaimCount       = errors.New("ERR COUNT must be > 0")
)

// streamIDMaxArgLen mirrors the fixed 128-byte buffer Redis copies an ID
// argument into: anything longer is rejected outright.
const streamIDMaxArgLen = 127

// StreamParseID parses an ID argument the way most commands that accept
// "-" and "+" do (XRANGE bounds without "(", XGROUP CREATE/SETID,
// XAUTOCLAIM start). "ms" alone takes missingSeq as its sequence.
func StreamParseID(arg []byte, missingSeq uint64) (StreamID, error) {
	id, _, err := streamParseID(arg, missingSeq, false, false)
	return id, err
}

// StreamParseIDStrict parses an ID that must be concrete: "-" and "+" are
// rejected (XDEL, XACK, XCLAIM, XSETID, XTRIM MINID, XREAD ids).
func StreamParseIDStrict(arg []byte, missingSeq uint64) (StreamID, error) {
	id, _, err := streamParseID(arg, missingSeq, true, false)
	return id, err
}

// StreamAddID is a parsed XADD ID argument.
type StreamAddID struct {
	ID StreamID
	// Auto is true for "*": the stream generates the whole ID.
	Auto bool
	// SeqAuto is true for "ms-*": the stream picks the sequence.
	SeqAuto bool
}

// StreamParseAddID parses the ID argument of XADD: "*", "ms-*", "ms" or
// "ms-seq". It does not reject 0-0; Stream.Add does, after the key lookup,
// as Redis orders its checks.
func StreamParseAddID(arg []byte) (StreamAddID, error) {
	if len(arg) == 1 && arg[0] == '*' {
		return StreamAddID{Auto: true}, nil
	}
	id, seqAuto, err := streamParseID(arg, 0, true, true)
	if err != nil {
		return StreamAddID{}, err
	}
	return StreamAddID{ID: id, SeqAuto: seqAuto}, nil
}

// StreamParseRangeStart parses the start of an XRANGE/XREVRANGE/XPENDING
// interval (XREVRANGE's second argument): "-", "ms" (sequence 0), an ID, or
// "(" followed by a strict ID for an exclusive bound, which is returned
// already advanced to the next ID.
func StreamParseRangeStart(arg []byte) (StreamID, error) {
	return streamParseInterval(arg, 0, true)
}

// StreamParseRangeEnd is StreamParseRangeStart for the upper bound: "ms"
// alone means the greatest sequence, and an exclusive bound is moved to
// the previous ID.
func StreamParseRangeEnd(arg []byte) (StreamID, error) {
	return streamParseInterval(arg, ^uint64(0), false)
}

// StreamParseAutoClaimStart parses XAUTOCLAIM's start argument, which is an
// interval start: "-", "+", "(id" and "ms" are all accepted.
func StreamParseAutoClaimStart(arg []byte) (StreamID, error) {
	return streamParseInterval(arg, 0, true)
}

func streamParseInterval(arg []byte, missingSeq uint64, start bool) (StreamID, error) {
	if len(arg) > 1 && arg[0] == '(' {
		id, _, err := streamParseID(arg[1:], missingSeq, true, false)
		if err != nil {
			return StreamID{}, err
		}
		var ok bool
		if start {
			if id, ok = id.Next(); !ok {
				return StreamID{}, StreamErrBadStartID
			}
		} else if id, ok = id.Prev(); !ok {
			return StreamID{}, StreamErrBadEndID
		}
		return id, nil
	}
	id, _, err := streamParseID(arg, missingSeq, false, false)
	return id, err
}

// StreamReadIDKind says what an XREAD/XREADGROUP ID argument asked for.
type StreamReadIDKind uint8

const (
	// StreamReadAfter: entries after the given ID (a concrete ID, or for
	// XREADGROUP the consumer's history after it).
	StreamReadAfter StreamReadIDKind = iota
	// StreamReadLast is "$": only entries added after the call (XREAD).
	StreamReadLast
	// StreamReadNew is ">": entries never delivered to the group.
	StreamReadNew
)

// StreamParseReadID parses one ID of XREAD (group false) or XREADGROUP
// (group true). Redis looks up the key and group before parsing the ID, so
// the command layer reports NOGROUP before calling this.
func StreamParseReadID(arg []byte, group bool) (StreamID, StreamReadIDKind, error) {
	if len(arg) == 1 {
		switch arg[0] {
		case '$':
			if group {
				return StreamID{}, 0, StreamErrDollarInGroup
			}
			return StreamID{}, StreamReadLast, nil
		case '>':
			if !group {
				return StreamID{}, 0, StreamErrGTInXRead
			}
			return StreamMaxID(), StreamReadNew, nil
		}
	}
	id, _, err := streamParseID(arg, 0, true, false)
	return id, StreamReadAfter, err
}

// streamParseID follows Redis's ID parser: strict rejects "-" and "+";
// allowSeqAuto accepts "ms-*" (XADD) and reports it.
func streamParseID(arg []byte, missingSeq uint64, strict, allowSeqAuto bool) (id StreamID, seqAuto bool, err error) {
	if len(arg) > streamIDMaxArgLen {
		return StreamID{}, false, StreamErrInvalidID
	}
	// Redis works on a NUL-terminated copy, so an embedded NUL ends the
	// argument.
	for i, c := range arg {
		if c == 0 {
			arg = arg[:i]
			break
		}
	}
	if len(arg) == 1 && (arg[0] == '-' || arg[0] == '+') {
		if strict {
			return StreamID{}, false, StreamErrInvalidID
		}
		if arg[0] == '-' {
			return StreamID{}, false, nil
		}
		return StreamMaxID(), false, nil
	}
	msPart, seqPart, hasSeq := arg, []byte(nil), false
	for i, c := range arg {
		if c == '-' {
			msPart, seqPart, hasSeq = arg[:i], arg[i+1:], true
			break
		}
	}
	ms, ok := streamParseU64(msPart)
	if !ok {
		return StreamID{}, false, StreamErrInvalidID
	}
	seq := missingSeq
	if hasSeq {
		if allowSeqAuto && len(seqPart) == 1 && seqPart[0] == '*' {
			return StreamID{Ms: ms}, true, nil
		}
		if seq, ok = streamParseU64(seqPart); !ok {
			return StreamID{}, false, StreamErrInvalidID
		}
	}
	return StreamID{ms, seq}, false, nil
}

// streamParseU64 reproduces Redis's string2ull: a canonical signed integer
// is accepted when not negative; anything else goes through C's strtoull,
// which tolerates leading whitespace, a sign (negating modulo 2^64) and
// leading zeros, but not trailing garbage or overflow.
func streamParseU64(s []byte) (uint64, bool) {
	if v, ok := streamLPStringToInt(s); ok {
		if v < 0 {
			return 0, false
		}
		return uint64(v), true
	}
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if i == len(s) {
		return 0, false
	}
	var v uint64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (^uint64(0)-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}
