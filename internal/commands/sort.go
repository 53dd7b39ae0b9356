package commands

import (
	"bytes"
	"math"
	"math/big"
	"slices"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/resp"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// SORT and SORT_RO. The parts of Redis's behaviour that decide the exact
// output are reproduced on purpose:
//   - numeric sorting compares scores and breaks ties by comparing the
//     elements' bytes, so the result never depends on the input order;
//   - ALPHA compares with strcoll (the server runs in a C/UTF-8 code point
//     locale, where that is strcmp: bytes up to the first NUL) unless
//     STORE is given, which compares binary-safe;
//   - a full sort is glibc's qsort, a merge sort, hence stable; with BY and
//     a LIMIT that does not cover everything Redis runs its own partial
//     quicksort, which is not stable, so ties (ALPHA BY with equal or
//     missing weights) come out in that algorithm's order; sortPartial
//     performs the same compares and swaps to get the same order;
//   - BY without '*' means no sorting at all (sticky, even if another BY
//     follows), except that a set is sorted ALPHA when stored or sorted
//     from a script, so the result does not depend on hash order.

func registerSort(t *command.Table) {
	t.Register("sort", func(c *command.Ctx) { sortGeneric(c, false) })
	t.Register("sort_ro", func(c *command.Ctx) { sortGeneric(c, true) })
}

// sortItem is one element being sorted with its sort key: a score for
// numeric sorting, or for ALPHA the bytes compared (the element or its BY
// weight, cut at a NUL unless STORE is given); hasWeight is false when a
// BY weight is missing, which sorts first.
type sortItem struct {
	elem      []byte
	score     float64
	weight    []byte
	hasWeight bool
}

// sortOptions are the parsed arguments and derived flags.
type sortOptions struct {
	desc, alpha, dontSort bool
	by                    []byte // nil: sort by the elements themselves
	store                 []byte // nil: reply
	gets                  [][]byte
	limitStart, limitCnt  int64
}

func sortGeneric(c *command.Ctx, readonly bool) {
	opt := sortOptions{limitCnt: -1}
	args := c.Args
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		switch {
		case c.Is(j, "asc"):
			opt.desc = false
		case c.Is(j, "desc"):
			opt.desc = true
		case c.Is(j, "alpha"):
			opt.alpha = true
		case c.Is(j, "limit") && left >= 2:
			var ok bool
			if opt.limitStart, ok = c.Int(j + 1); !ok {
				return
			}
			if opt.limitCnt, ok = c.Int(j + 2); !ok {
				return
			}
			j += 2
		case !readonly && c.Is(j, "store") && left >= 1:
			opt.store = args[j+1]
			j++
		case c.Is(j, "by") && left >= 1:
			opt.by = args[j+1]
			// A constant pattern names no per-element keys: nothing to
			// sort by. Redis never clears the flag once set.
			if bytes.IndexByte(sortCString(opt.by), '*') < 0 {
				opt.dontSort = true
			}
			j++
		case c.Is(j, "get") && left >= 1:
			opt.gets = append(opt.gets, args[j+1])
			j++
		default:
			c.SyntaxError()
			return
		}
	}

	key := args[1]
	o := c.DB.LookupRead(key)
	if o != nil {
		switch o.Type() {
		case keyspace.TypeList, keyspace.TypeSet, keyspace.TypeZSet:
		default:
			c.WrongType()
			return
		}
	}
	if o != nil && o.Type() == keyspace.TypeSet && opt.dontSort && (opt.store != nil || c.InScript) {
		// Hash order would make the stored (or scripted) result differ
		// between servers: force a deterministic sort.
		opt.dontSort = false
		opt.alpha = true
		opt.by = nil
	}
	if o != nil && o.Type() == keyspace.TypeZSet {
		sortZSetToSkiplist(c, key)
		o = c.DB.LookupNoTouch(key)
	}

	n := int64(0)
	if o != nil {
		n = int64(o.Collection().Len())
	}
	start := min(max(opt.limitStart, 0), n)
	count := min(max(opt.limitCnt, -1), n)
	end := n - 1
	if count >= 0 {
		end = start + count - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	if end >= n {
		end = n - 1
	}

	var items []sortItem
	if o != nil {
		items, start, end = sortLoad(o, &opt, start, end, n)
	}

	if !opt.dontSort {
		var kbuf []byte
		convErr := false
		for i := range items {
			it := &items[i]
			var v []byte
			if opt.by != nil {
				var found bool
				v, found, kbuf = sortLookup(c, opt.by, it.elem, kbuf)
				if !found {
					continue
				}
			} else {
				v = it.elem
			}
			if opt.alpha {
				// The comparison key, cut once here: strcoll stops at a
				// NUL byte, the binary-safe compare of STORE does not.
				if opt.store == nil {
					v = sortCString(v)
				}
				it.weight, it.hasWeight = v, true
				continue
			}
			s, ok := sortParseScore(v)
			if !ok {
				convErr = true
			}
			it.score = s
		}
		if convErr {
			c.Error("ERR One or more scores can't be converted into double")
			return
		}
		// Sort a permutation rather than the items: int32 swaps are cheap
		// and free of write barriers.
		order := make([]int32, len(items))
		for i := range order {
			order[i] = int32(i)
		}
		if opt.by != nil && (start != 0 || end != int64(len(items))-1) {
			cmp := sortComparator(&opt)
			sortPartial(order, int(start), int(end), func(a, b int32) int { return cmp(&items[a], &items[b]) })
		} else {
			sortFull(items, order, &opt)
		}
		// Only the requested range is needed from here on.
		if end >= start {
			out := make([]sortItem, end-start+1)
			for i := range out {
				out[i] = items[order[start+int64(i)]]
			}
			items = out
			end -= start
			start = 0
		}
	}

	outLen := end - start + 1
	if len(opt.gets) > 0 {
		outLen *= int64(len(opt.gets))
	}
	var out []sortItem
	if end >= start {
		out = items[start : end+1]
	}
	if opt.store == nil {
		sortReply(c, &opt, out, int(outLen))
		return
	}
	sortStore(c, &opt, out, outLen)
}

// sortLoad copies the elements to sort out of o into one arena. For a
// list or sorted set that needs no sorting only the LIMIT range is
// loaded, already in DESC order when asked (nothing reverses it later),
// and start/end are rebased onto the loaded slice.
func sortLoad(o *keyspace.Object, opt *sortOptions, start, end, n int64) ([]sortItem, int64, int64) {
	var arena []byte
	var spans []int // end offset of each element in arena
	add := func(m []byte) bool {
		arena = append(arena, m...)
		spans = append(spans, len(arena))
		return true
	}
	ranged := false
	switch col := o.Collection().(type) {
	case *types.List:
		switch {
		case !opt.dontSort:
			spans = make([]int, 0, n)
			col.Range(0, -1, add)
		case end >= start:
			ranged = true
			spans = make([]int, 0, end-start+1)
			if opt.desc {
				// Indexes n-1-start down to n-1-end: load the forward
				// range and reverse it below.
				col.Range(n-1-end, n-1-start, add)
			} else {
				col.Range(start, end, add)
			}
		default:
			ranged = true
		}
	case *types.Set:
		spans = make([]int, 0, n)
		col.Range(add)
	case *types.ZSet:
		addZ := func(m []byte, _ float64) bool { return add(m) }
		switch {
		case !opt.dontSort:
			spans = make([]int, 0, n)
			col.Range(addZ)
		case end >= start:
			ranged = true
			spans = make([]int, 0, end-start+1)
			col.RangeByRank(start, end, opt.desc, addZ)
		default:
			ranged = true
		}
	}
	items := make([]sortItem, len(spans))
	from := 0
	for i, to := range spans {
		items[i].elem = arena[from:to:to]
		from = to
	}
	if _, isList := o.Collection().(*types.List); isList && ranged && opt.desc {
		slices.Reverse(items)
	}
	if ranged {
		end -= start
		start = 0
		if end < -1 {
			end = -1
		}
	}
	return items, start, end
}

// sortZSetToSkiplist converts a listpack sorted set to a skiplist, as
// Redis's SORT does before reading one (visible in OBJECT ENCODING).
func sortZSetToSkiplist(c *command.Ctx, key []byte) {
	o := c.DB.LookupNoTouch(key)
	z := o.Collection().(*types.ZSet)
	if z.Encoding() != types.EncListpack {
		return
	}
	members := make([]types.ZMember, 0, z.Len())
	z.Range(func(m []byte, s float64) bool {
		members = append(members, types.ZMember{Member: append([]byte(nil), m...), Score: s})
		return true
	})
	lim := c.Settings.Limits
	lim.ZsetMaxListpackEntries = -1 // forces the skiplist encoding
	o = c.DB.LookupWrite(key)
	o.SetCollection(keyspace.TypeZSet, types.NewZSetFrom(&lim, members))
}

// sortFull sorts order (indexes into items) completely, with the
// comparison of sortComparator written out for speed. glibc's qsort is a
// merge sort, hence stable: ties keep their load order, even under DESC
// (which only negates the comparison); the index tie-break reproduces
// that. Numeric ties need none: only identical elements tie there.
func sortFull(items []sortItem, order []int32, opt *sortOptions) {
	sign := 1
	if opt.desc {
		sign = -1
	}
	if !opt.alpha {
		slices.SortFunc(order, func(a, b int32) int {
			x, y := &items[a], &items[b]
			switch {
			case x.score < y.score:
				return -sign
			case x.score > y.score:
				return sign
			}
			return sign * bytes.Compare(x.elem, y.elem)
		})
		return
	}
	slices.SortFunc(order, func(a, b int32) int {
		x, y := &items[a], &items[b]
		var r int
		switch {
		case x.hasWeight && y.hasWeight:
			r = bytes.Compare(x.weight, y.weight)
		case x.hasWeight:
			r = 1
		case y.hasWeight:
			r = -1
		}
		if r != 0 {
			return sign * r
		}
		return int(a - b)
	})
}

// sortComparator returns the comparison Redis's sortCompare performs for
// these options.
func sortComparator(opt *sortOptions) func(a, b *sortItem) int {
	var cmp func(a, b *sortItem) int
	switch {
	case !opt.alpha:
		cmp = func(a, b *sortItem) int {
			switch {
			case a.score > b.score:
				return 1
			case a.score < b.score:
				return -1
			}
			return bytes.Compare(a.elem, b.elem)
		}
	default:
		// ALPHA compares the keys prepared in sortGeneric; with BY a
		// missing weight sorts before any present one.
		cmp = func(a, b *sortItem) int {
			if !a.hasWeight || !b.hasWeight {
				switch {
				case a.hasWeight == b.hasWeight:
					return 0
				case !a.hasWeight:
					return -1
				}
				return 1
			}
			return bytes.Compare(a.weight, b.weight)
		}
	}
	if opt.desc {
		return func(a, b *sortItem) int { return -cmp(a, b) }
	}
	return cmp
}

// sortCString returns b up to its first NUL byte: what C string functions
// (strchr, strcoll, strtod) see of a Redis string.
func sortCString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// sortParseScore converts a weight to a double as Redis's SORT does with
// strtod: the text up to a NUL byte must parse entirely (leading white
// space is allowed, an empty string is 0), and NaN, overflow and
// underflow (ERANGE) are conversion errors.
func sortParseScore(b []byte) (float64, bool) {
	if n, ok := types.ParseInt64(b); ok {
		// The common case, without strtod's string conversion; the
		// conversion rounds exactly as strtod does.
		return float64(n), true
	}
	s := sortCString(b)
	v, ok := types.ParseStrtod(s)
	if !ok || math.IsNaN(v) {
		return 0, false
	}
	if math.IsInf(v, 0) {
		// Overflow reports ERANGE; a spelled-out infinity does not.
		return v, sortIsInfText(s)
	}
	if v == 0 {
		// A non-zero number that became 0 underflowed (ERANGE).
		return v, !sortHasNonZeroMantissa(s)
	}
	if math.Abs(v) < 0x1p-1022 {
		// glibc reports ERANGE for a subnormal result that is inexact.
		return v, sortExactSubnormal(s, v)
	}
	return v, true
}

// sortExactSubnormal reports whether the number written in s is exactly
// v. Only subnormal results get here, whose exact decimal forms are
// hundreds of digits long; anything longer than that is not checked.
func sortExactSubnormal(s []byte, v float64) bool {
	s = bytes.TrimLeft(s, " \t\n\v\f\r")
	if len(s) > 2048 {
		return false
	}
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	r, ok := new(big.Rat).SetString(string(s))
	if !ok {
		return false
	}
	return r.Cmp(new(big.Rat).SetFloat64(v)) == 0
}

// sortIsInfText reports whether s spells an infinity ("inf", "-Infinity").
func sortIsInfText(s []byte) bool {
	s = bytes.TrimLeft(s, " \t\n\v\f\r")
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return resp.EqualFold(s, "inf") || resp.EqualFold(s, "infinity")
}

// sortHasNonZeroMantissa reports whether the number in s has a non-zero
// digit before its exponent (so a zero result means underflow).
func sortHasNonZeroMantissa(s []byte) bool {
	s = bytes.TrimLeft(s, " \t\n\v\f\r+-")
	hex := len(s) > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
	if hex {
		s = s[2:]
	}
	for _, ch := range s {
		switch {
		case ch >= '1' && ch <= '9':
			return true
		case hex && (ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F'):
			return true
		case ch == 'e' || ch == 'E' || ch == 'p' || ch == 'P':
			if !hex && (ch == 'e' || ch == 'E') || hex && (ch == 'p' || ch == 'P') {
				return false
			}
		}
	}
	return false
}

// sortLookup resolves a BY or GET pattern for elem as Redis's
// lookupKeyByPattern: "#" is the element itself; otherwise the first '*'
// is replaced by the element and, when "->field" follows the '*', the
// field of the hash at that key is read; else the string at that key. A
// missing key, field, wrong type or a pattern without '*' gives nothing.
// kbuf is scratch space for the key name, returned for reuse.
func sortLookup(c *command.Ctx, pat, elem, kbuf []byte) ([]byte, bool, []byte) {
	cpat := sortCString(pat)
	if len(cpat) == 1 && cpat[0] == '#' {
		return elem, true, kbuf
	}
	star := bytes.IndexByte(cpat, '*')
	if star < 0 {
		return nil, false, kbuf
	}
	var field []byte
	keyEnd := len(pat)
	if arrow := bytes.Index(cpat[star+1:], []byte("->")); arrow >= 0 {
		at := star + 1 + arrow
		if at+2 < len(cpat) { // a field name that does not start with NUL
			field = pat[at+2:]
			keyEnd = at
		}
	}
	kbuf = append(kbuf[:0], pat[:star]...)
	kbuf = append(kbuf, elem...)
	kbuf = append(kbuf, pat[star+1:keyEnd]...)
	o := c.DB.LookupRead(kbuf)
	if o == nil {
		return nil, false, kbuf
	}
	if field != nil {
		if o.Type() != keyspace.TypeHash {
			return nil, false, kbuf
		}
		v, ok := o.Collection().(*types.Hash).Get(field)
		return v, ok, kbuf
	}
	if o.Type() != keyspace.TypeString {
		return nil, false, kbuf
	}
	return o.Bytes(), true, kbuf
}

func sortReply(c *command.Ctx, opt *sortOptions, items []sortItem, outLen int) {
	c.W.ArrayLen(outLen)
	var kbuf []byte
	for i := range items {
		if len(opt.gets) == 0 {
			c.W.Bulk(items[i].elem)
			continue
		}
		for _, g := range opt.gets {
			var v []byte
			var ok bool
			v, ok, kbuf = sortLookup(c, g, items[i].elem, kbuf)
			if ok {
				c.W.Bulk(v)
			} else {
				c.W.Null()
			}
		}
	}
}

// sortStore writes the result as a list at the STORE key (replacing any
// value and TTL), or deletes the key when the result is empty.
func sortStore(c *command.Ctx, opt *sortOptions, items []sortItem, outLen int64) {
	dst := opt.store
	if outLen == 0 {
		if c.DB.Delete(dst) {
			c.Modified(dst)
			c.Notify(command.NotifyGeneric, "del", dst)
			c.Dirty(1)
		}
		c.W.Int(0)
		return
	}
	l := types.NewList(c.Settings.Limits.ListMaxListpackSize)
	var kbuf []byte
	for i := range items {
		if len(opt.gets) == 0 {
			l.PushBack(items[i].elem)
			continue
		}
		for _, g := range opt.gets {
			var v []byte
			v, _, kbuf = sortLookup(c, g, items[i].elem, kbuf)
			l.PushBack(v) // a missing value is stored as ""
		}
	}
	c.DB.Set(dst, false).SetCollection(keyspace.TypeList, l)
	c.Modified(dst)
	c.Notify(command.NotifyList, "sortstore", dst)
	c.Ready(dst)
	c.Dirty(outLen)
	c.W.Int(outLen)
}

// sortPartial orders v so that positions lo..hi hold what a full sort
// would put there. It is the Bentley-McIlroy quicksort Redis's pqsort
// uses (insertion sort below 7 elements, median of three or ninther
// pivots, three-way partitioning, recursion only into the parts that
// overlap lo..hi), so elements comparing equal end in the same order as
// in Redis.
func sortPartial(v []int32, lo, hi int, cmp func(a, b int32) int) {
	sortPartialRange(v, 0, len(v), lo, hi, cmp)
}

// sortPartialRange sorts v[base:base+n] as far as lo..hi need it.
func sortPartialRange(v []int32, base, n, lo, hi int, cmp func(a, b int32) int) {
	less := func(i, j int) int { return cmp(v[i], v[j]) }
	swap := func(i, j int) { v[i], v[j] = v[j], v[i] }
	insertion := func() {
		for m := base + 1; m < base+n; m++ {
			for l := m; l > base && less(l-1, l) > 0; l-- {
				swap(l, l-1)
			}
		}
	}
	med3 := func(a, b, c int) int {
		if less(a, b) < 0 {
			if less(b, c) < 0 {
				return b
			}
			if less(a, c) < 0 {
				return c
			}
			return a
		}
		if less(b, c) > 0 {
			return b
		}
		if less(a, c) < 0 {
			return a
		}
		return c
	}
	// wanted reports whether v[b:b+r] overlaps lo..hi, with the boundary
	// tests pqsort applies to byte addresses.
	wanted := func(b, r int) bool {
		return !(lo < b && hi+1 <= b || lo >= b+r && hi+1 > b+r)
	}
	for {
		if n < 7 {
			insertion()
			return
		}
		pm := base + n/2
		if n > 7 {
			pl, pn := base, base+n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		swap(base, pm)
		// Three-way partition around v[base]: equal elements gather at
		// both ends ([base+1,pa) and (pd,end)) and are swapped into the
		// middle afterwards.
		pa, pb := base+1, base+1
		pc, pd := base+n-1, base+n-1
		swapped := false
		for {
			for pb <= pc {
				r := less(pb, base)
				if r > 0 {
					break
				}
				if r == 0 {
					swapped = true
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := less(pc, base)
				if r < 0 {
					break
				}
				if r == 0 {
					swapped = true
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			swapped = true
			pb++
			pc--
		}
		if !swapped {
			// Already partitioned without a single swap: pqsort assumes
			// nearly sorted input and finishes with insertion sort.
			insertion()
			return
		}
		end := base + n
		r := min(pa-base, pb-pa)
		for i := 0; i < r; i++ {
			swap(base+i, pb-r+i)
		}
		r = min(pd-pc, end-pd-1)
		for i := 0; i < r; i++ {
			swap(pb+i, end-r+i)
		}
		if r = pb - pa; r > 1 && wanted(base, r) {
			sortPartialRange(v, base, r, lo, hi, cmp)
		}
		r = pd - pc
		if r <= 1 || !wanted(end-r, r) {
			return
		}
		// The right part is handled by iteration, as pqsort does.
		base, n = end-r, r
	}
}
