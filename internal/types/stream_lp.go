package types

// Redis keeps stream entries in listpacks, and the byte size of the tail
// listpack decides when XADD opens a new node; node boundaries in turn
// decide how many entries XTRIM ~ / MAXLEN ~ / MINID ~ remove, because
// approximate trimming only drops whole nodes. So we do not store
// listpacks, but we account each node's size exactly as listpack encoding
// would, using the functions below.

const (
	// A listpack has a 6-byte header (total bytes, element count) and a
	// one-byte terminator.
	streamLPHeaderSize = 6
	streamLPEndSize    = 1
	// Redis caps a node at 1 GiB whatever stream-node-max-bytes says.
	streamListpackMaxSize = 1 << 30
)

// streamLPBacklenSize is the size of the reverse-traversal length that follows
// every listpack element, given the size of the element's encoding.
func streamLPBacklenSize(encLen int) int {
	switch {
	case encLen <= 127:
		return 1
	case encLen < 16383:
		return 2
	case encLen < 2097151:
		return 3
	case encLen < 268435455:
		return 4
	}
	return 5
}

// streamLPIntEncSize is the encoded size of an integer element (without backlen).
func streamLPIntEncSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= -32768 && v <= 32767:
		return 3
	case v >= -8388608 && v <= 8388607:
		return 4
	case v >= -2147483648 && v <= 2147483647:
		return 5
	}
	return 9
}

// streamLPIntSize is the full size of an integer element.
func streamLPIntSize(v int64) int {
	n := streamLPIntEncSize(v)
	return n + streamLPBacklenSize(n)
}

// streamLPStrSize is the full size of a string element. Listpack stores strings
// that are canonical 64-bit integers as integers, which is why "12345"
// costs 4 bytes and "012345" costs 8.
func streamLPStrSize(s []byte) int {
	if v, ok := streamLPStringToInt(s); ok {
		return streamLPIntSize(v)
	}
	var n int
	switch l := len(s); {
	case l <= 63:
		n = 1 + l
	case l <= 4095:
		n = 2 + l
	default:
		n = 5 + l
	}
	return n + streamLPBacklenSize(n)
}

// streamLPStringToInt accepts exactly the strings that convert to int64 and
// back unchanged: no sign "+", no leading zeros, no "-0", no spaces. It
// runs for every field and value XADD stores, so it does not allocate.
func streamLPStringToInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	neg := s[0] == '-'
	d := s
	if neg {
		d = s[1:]
		if len(d) == 0 {
			return 0, false
		}
	}
	if d[0] == '0' {
		return 0, len(s) == 1
	}
	var v uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		n := v*10 + uint64(c-'0')
		if v > (1<<64-1)/10 || n < v {
			return 0, false
		}
		v = n
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}
