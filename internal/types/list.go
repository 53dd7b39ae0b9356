package types

import (
	"bytes"
	"unsafe"
)

// List is a Redis list ("quicklist" encoding, the only one in 7.0): a
// doubly linked list of nodes, each holding a run of elements packed in
// one byte buffer. Pushes and pops at either end are O(1) amortized,
// indexing walks nodes from the nearer end and then entries inside one
// node, like Redis.
//
// Node fill follows list-max-listpack-size as Redis applies it: a negative
// value caps a node at 4, 8, 16, 32 or 64 KiB of listpack bytes (measured
// with Redis's listpack element sizes, so nodes split where Redis's do), a
// positive value caps the element count (with an 8 KiB safety cap). The
// fill is fixed when the list is created, as in Redis. list-compress-depth
// is not implemented (nodes are never compressed).
type List struct {
	head, tail *lnode
	count      int
	nodes      int
	fill       int
	mem        int64
}

// lnode is one quicklist node. Its entries occupy buf[lo:] (encoded by
// putEntry); the free space before lo and the capacity beyond len(buf)
// let it grow in either direction without moving data. Using the slice's
// length as the end offset keeps the node at 64 bytes (a size class)
// instead of 80.
type lnode struct {
	prev, next *lnode
	buf        []byte
	lo         int
	n          int // entries
	lpsz       int // bytes Redis's listpack for these entries would take
}

// hi is the offset one past the last entry.
func (nd *lnode) hi() int { return len(nd.buf) }

var (
	listStructMem = memPtrs(int(unsafe.Sizeof(List{})))
	lnodeMem      = memPtrs(int(unsafe.Sizeof(lnode{})))
)

const (
	quicklistSafetyLimit = 8192 // SIZE_SAFETY_LIMIT
	quicklistFillMax     = 1<<15 - 1
	quicklistMinBuf      = 32
)

// NewList returns an empty list whose nodes are filled according to
// list-max-listpack-size (fill).
func NewList(fill int) *List {
	fill = max(min(fill, quicklistFillMax), -5)
	return &List{fill: fill, mem: listStructMem}
}

// NewListFrom builds a list from n elements in head-to-tail order (RDB
// load).
func NewListFrom(fill int, n int, at func(i int) []byte) *List {
	l := NewList(fill)
	for i := 0; i < n; i++ {
		l.PushBack(at(i))
	}
	return l
}

// Encoding is always EncQuicklist.
func (l *List) Encoding() Encoding { return EncQuicklist }

// Len returns the number of elements.
func (l *List) Len() int { return l.count }

// Nodes returns the number of quicklist nodes (for DEBUG-style reports).
func (l *List) Nodes() int { return l.nodes }

// MemUsage returns the estimated heap bytes owned by the list.
func (l *List) MemUsage() int64 { return l.mem }

// sizeLimit is the listpack byte cap of a node for negative fills.
func (l *List) sizeLimit() int { return 4096 << (-l.fill - 1) }

// maxNodeBytes bounds buffer growth so full nodes do not carry slack
// beyond their fill limit.
func (l *List) maxNodeBytes() int {
	if l.fill < 0 {
		return l.sizeLimit()
	}
	return quicklistSafetyLimit
}

// nodeCap is the capacity to give nd's buffer when it must hold used
// bytes. A node grows to the size class of its contents, like a listpack
// that Redis reallocates to its exact size, plus headroom of up to as
// much again (doubling) but never more than an eighth of the rest of the
// list: a short list, the common case in number, carries no slack, while
// a long one, where pushes are the hot path, grows its end nodes
// geometrically at a bounded cost in memory.
func (l *List) nodeCap(nd *lnode, used int) int {
	rest := l.mem - listStructMem - lnodeMem - memBytes(cap(nd.buf))
	target := used + int(min(int64(used), rest/8))
	if m := l.maxNodeBytes(); target > m {
		target = max(used, m)
	}
	return memCapBytes(max(target, quicklistMinBuf))
}

// allowInsert reports whether an element of sz bytes may join nd. The
// per-entry overhead estimate is the one Redis 7.0 uses.
func (l *List) allowInsert(nd *lnode, sz int) bool {
	if nd == nil {
		return false
	}
	over := 1
	if sz >= 254 {
		over = 5
	}
	switch {
	case sz < 64:
		over++
	case sz < 16384:
		over += 2
	default:
		over += 5
	}
	newSz := nd.lpsz + sz + over
	if l.fill < 0 {
		return newSz <= l.sizeLimit()
	}
	return newSz <= quicklistSafetyLimit && nd.n < l.fill
}

// allowMerge reports whether a and b may be combined into one node.
func (l *List) allowMerge(a, b *lnode) bool {
	if a == nil || b == nil {
		return false
	}
	sz := a.lpsz + b.lpsz - lpHeaderBytes
	if l.fill < 0 {
		return sz <= l.sizeLimit()
	}
	return sz <= quicklistSafetyLimit && a.n+b.n <= l.fill
}

func (l *List) newNode() *lnode {
	l.nodes++
	l.mem += lnodeMem
	return &lnode{lpsz: lpHeaderBytes}
}

// linkAfter inserts nd after at (at == nil: at the head).
func (l *List) linkAfter(at, nd *lnode) {
	nd.prev = at
	if at == nil {
		nd.next = l.head
		l.head = nd
	} else {
		nd.next = at.next
		at.next = nd
	}
	if nd.next != nil {
		nd.next.prev = nd
	} else {
		l.tail = nd
	}
}

func (l *List) unlink(nd *lnode) {
	if nd.prev != nil {
		nd.prev.next = nd.next
	} else {
		l.head = nd.next
	}
	if nd.next != nil {
		nd.next.prev = nd.prev
	} else {
		l.tail = nd.prev
	}
	l.nodes--
	l.mem -= lnodeMem + memBytes(cap(nd.buf))
	nd.prev, nd.next = nil, nil
}

// setBuf replaces nd's buffer with nb (entries at nb[lo:]), keeping the
// memory count.
func (l *List) setBuf(nd *lnode, nb []byte, lo int) {
	l.mem += memBytes(cap(nb)) - memBytes(cap(nd.buf))
	nd.buf, nd.lo = nb, lo
}

// open makes a gap of need bytes at absolute offset pos (lo <= pos <= hi)
// and returns the gap's offset. It uses free space on the side being
// written when there is enough, else moves the data within the buffer
// when the buffer has room in total, and otherwise reallocates.
//
// A reallocated buffer is sized by nodeCap. (Size classes are close
// enough, at most about 15% apart, that growing class by class still
// copies each byte a bounded number of times.)
func (l *List) open(nd *lnode, pos, need int) int {
	lo, hi, c := nd.lo, nd.hi(), cap(nd.buf)
	front, back := pos-lo, hi-pos
	roomFront, roomBack := lo, c-hi
	switch {
	case back == 0 && roomBack >= need:
		nd.buf = nd.buf[:hi+need]
		return pos
	case front == 0 && roomFront >= need:
		nd.lo -= need
		return nd.lo
	case front > 0 && back > 0 && roomBack >= need && (back <= front || roomFront < need):
		nd.buf = nd.buf[:hi+need]
		copy(nd.buf[pos+need:], nd.buf[pos:hi])
		return pos
	case front > 0 && back > 0 && roomFront >= need:
		copy(nd.buf[lo-need:], nd.buf[lo:pos])
		nd.lo -= need
		return pos - need
	}
	used := hi - lo + need
	if free := c - used; free >= 0 && (front > 0 && back > 0 || free >= need) {
		// Room in total: recentre so that the free space is split around
		// the data and the next pushes at either end find room. (For an
		// end push, only when that leaves room for about one more push,
		// else reallocating is cheaper than moving every few pushes.)
		buf := nd.buf[:c]
		nlo := free / 2
		// Move the part that travels right first, so that neither copy
		// overwrites bytes the other has yet to read.
		if nlo > lo {
			copy(buf[nlo+front+need:], buf[pos:hi])
			copy(buf[nlo:], buf[lo:pos])
		} else {
			copy(buf[nlo:], buf[lo:pos])
			copy(buf[nlo+front+need:], buf[pos:hi])
		}
		nd.buf, nd.lo = buf[:nlo+used], nlo
		return nlo + front
	}
	nb := make([]byte, l.nodeCap(nd, used))
	slack := len(nb) - used
	var nlo int
	switch {
	case back == 0 && front > 0:
		nlo = 0 // growing at the back
	case front == 0 && back > 0:
		nlo = slack // growing at the front
	default:
		nlo = slack / 2
	}
	copy(nb[nlo:], nd.buf[lo:pos])
	gap := nlo + front
	copy(nb[gap+need:], nd.buf[pos:hi])
	l.setBuf(nd, nb[:nlo+used], nlo)
	return gap
}

// close removes size bytes at pos and reports whether the bytes before
// pos moved (by +size) rather than those after it (by -size).
func (l *List) close(nd *lnode, pos, size int) (frontMoved bool) {
	hi := nd.hi()
	switch {
	case pos == nd.lo:
		nd.lo += size
		frontMoved = true
	case pos+size == hi:
		nd.buf = nd.buf[:hi-size]
	case pos-nd.lo < hi-pos-size:
		copy(nd.buf[nd.lo+size:], nd.buf[nd.lo:pos])
		nd.lo += size
		frontMoved = true
	default:
		copy(nd.buf[pos:], nd.buf[pos+size:hi])
		nd.buf = nd.buf[:hi-size]
	}
	if nd.lo == nd.hi() {
		// Empty: recentre so either end can grow.
		nd.lo = cap(nd.buf) / 2
		nd.buf = nd.buf[:nd.lo]
	}
	return frontMoved
}

// maybeShrink reallocates a node's buffer that has become mostly free.
// Only called where no offsets into the node are held.
func (l *List) maybeShrink(nd *lnode) {
	used := nd.hi() - nd.lo
	if c := cap(nd.buf); c > 256 && used < c/4 {
		nb := make([]byte, l.nodeCap(nd, used))
		lo := (len(nb) - used) / 2
		copy(nb[lo:], nd.buf[nd.lo:])
		l.setBuf(nd, nb[:lo+used], lo)
	}
}

// insertAt writes v as a new entry at absolute offset pos of nd.
func (l *List) insertAt(nd *lnode, pos int, v []byte) {
	at := l.open(nd, pos, entrySize(len(v)))
	putEntry(nd.buf[at:], v)
	nd.n++
	nd.lpsz += lpEntrySize(v)
	l.count++
}

// deleteAt removes the entry [pos, end) whose data is data, and reports
// the direction the surrounding bytes moved (see close).
func (l *List) deleteAt(nd *lnode, pos, end int, data []byte) bool {
	nd.lpsz -= lpEntrySize(data)
	nd.n--
	l.count--
	return l.close(nd, pos, end-pos)
}

// PushFront adds v at the head (LPUSH). v is copied.
func (l *List) PushFront(v []byte) {
	if !l.allowInsert(l.head, len(v)) {
		l.linkAfter(nil, l.newNode())
	}
	l.insertAt(l.head, l.head.lo, v)
}

// PushBack adds v at the tail (RPUSH). v is copied.
func (l *List) PushBack(v []byte) {
	if !l.allowInsert(l.tail, len(v)) {
		l.linkAfter(l.tail, l.newNode())
	}
	l.insertAt(l.tail, l.tail.hi(), v)
}

// PopFront removes and returns the head element (LPOP). The returned
// slice is a fresh copy.
func (l *List) PopFront() ([]byte, bool) {
	nd := l.head
	if nd == nil {
		return nil, false
	}
	data, next := entryAt(nd.buf, nd.lo)
	v := append([]byte(nil), data...)
	l.deleteAt(nd, nd.lo, next, data)
	l.afterDelete(nd)
	return v, true
}

// PopBack removes and returns the tail element (RPOP). The returned slice
// is a fresh copy.
func (l *List) PopBack() ([]byte, bool) {
	nd := l.tail
	if nd == nil {
		return nil, false
	}
	data, start := entryBefore(nd.buf, nd.hi())
	v := append([]byte(nil), data...)
	l.deleteAt(nd, start, nd.hi(), data)
	l.afterDelete(nd)
	return v, true
}

// afterDelete drops an emptied node or shrinks a sparse one.
func (l *List) afterDelete(nd *lnode) {
	if nd.n == 0 {
		l.unlink(nd)
		return
	}
	l.maybeShrink(nd)
}

// entryOffset returns the offsets [start, end) of entry i of nd, walking
// from the nearer end of the node.
func entryOffset(nd *lnode, i int) (start, end int) {
	if i < nd.n/2 {
		off := nd.lo
		for ; i > 0; i-- {
			_, off = entryAt(nd.buf, off)
		}
		_, end = entryAt(nd.buf, off)
		return off, end
	}
	end = nd.hi()
	for k := nd.n - 1; k > i; k-- {
		_, end = entryBefore(nd.buf, end)
	}
	_, start = entryBefore(nd.buf, end)
	return start, end
}

// locate finds the node holding 0-based index i and i's position in it.
func (l *List) locate(i int) (*lnode, int) {
	if i < 0 || i >= l.count {
		return nil, 0
	}
	if i < l.count/2 {
		for nd := l.head; nd != nil; nd = nd.next {
			if i < nd.n {
				return nd, i
			}
			i -= nd.n
		}
		return nil, 0
	}
	j := l.count - 1 - i // index from the tail
	for nd := l.tail; nd != nil; nd = nd.prev {
		if j < nd.n {
			return nd, nd.n - 1 - j
		}
		j -= nd.n
	}
	return nil, 0
}

func (l *List) absIndex(index int64) (int, bool) {
	if index < 0 {
		index += int64(l.count)
	}
	if index < 0 || index >= int64(l.count) {
		return 0, false
	}
	return int(index), true
}

// Index returns the element at index (negative counts from the tail), as
// LINDEX. The slice is read-only and valid until the next modification.
func (l *List) Index(index int64) ([]byte, bool) {
	i, ok := l.absIndex(index)
	if !ok {
		return nil, false
	}
	nd, k := l.locate(i)
	s, _ := entryOffset(nd, k)
	data, _ := entryAt(nd.buf, s)
	return data, true
}

// Set replaces the element at index (LSET) and reports whether the index
// was in range. As in Redis 7.0 the node is edited in place even if that
// takes it past the fill limit.
func (l *List) Set(index int64, v []byte) bool {
	i, ok := l.absIndex(index)
	if !ok {
		return false
	}
	nd, k := l.locate(i)
	s, e := entryOffset(nd, k)
	data, _ := entryAt(nd.buf, s)
	need := entrySize(len(v))
	if need == e-s {
		nd.lpsz += lpEntrySize(v) - lpEntrySize(data)
		putEntry(nd.buf[s:], v)
		return true
	}
	frontMoved := l.deleteAt(nd, s, e, data)
	if frontMoved {
		s += e - s
	}
	if nd.n == 0 {
		s = nd.lo
	}
	l.insertAt(nd, s, v)
	return true
}

// Insert implements LINSERT: it puts v before (or after) the first
// element equal to pivot, scanning from the head, and returns the new
// length, or -1 when pivot is absent.
func (l *List) Insert(before bool, pivot, v []byte) int {
	for nd := l.head; nd != nil; nd = nd.next {
		off := nd.lo
		for k := 0; k < nd.n; k++ {
			data, next := entryAt(nd.buf, off)
			if bytes.Equal(data, pivot) {
				pos, idx := next, k+1
				if before {
					pos, idx = off, k
				}
				l.insertInNode(nd, pos, idx, v)
				return l.count
			}
			off = next
		}
	}
	return -1
}

// insertInNode inserts v at entry index idx (absolute offset pos) of nd,
// spilling to a neighbour, a new node or a split node when nd is full,
// the way quicklist does.
func (l *List) insertInNode(nd *lnode, pos, idx int, v []byte) {
	sz := len(v)
	switch {
	case l.allowInsert(nd, sz):
		l.insertAt(nd, pos, v)
	case idx == nd.n && l.allowInsert(nd.next, sz):
		l.insertAt(nd.next, nd.next.lo, v)
	case idx == 0 && l.allowInsert(nd.prev, sz):
		l.insertAt(nd.prev, nd.prev.hi(), v)
	case idx == nd.n:
		nn := l.newNode()
		l.linkAfter(nd, nn)
		l.insertAt(nn, nn.hi(), v)
	case idx == 0:
		nn := l.newNode()
		l.linkAfter(nd.prev, nn)
		l.insertAt(nn, nn.hi(), v)
	default:
		right := l.split(nd, pos, idx)
		if l.allowInsert(nd, sz) {
			l.insertAt(nd, nd.hi(), v)
		} else if l.allowInsert(right, sz) {
			l.insertAt(right, right.lo, v)
		} else {
			nn := l.newNode()
			l.linkAfter(nd, nn)
			l.insertAt(nn, nn.hi(), v)
		}
		l.mergeAround(nd)
	}
}

// split moves the entries of nd from absolute offset pos (entry index
// idx) on into a new node linked after nd, and returns it.
func (l *List) split(nd *lnode, pos, idx int) *lnode {
	nn := l.newNode()
	tail := nd.buf[pos:]
	nb := make([]byte, memCapBytes(max(len(tail)+len(tail)/4, quicklistMinBuf)))
	lo := (len(nb) - len(tail)) / 2
	copy(nb[lo:], tail)
	l.setBuf(nn, nb[:lo+len(tail)], lo)
	for off := nn.lo; off < nn.hi(); {
		data, next := entryAt(nn.buf, off)
		nn.lpsz += lpEntrySize(data)
		off = next
	}
	nn.n = nd.n - idx
	nd.n = idx
	nd.lpsz -= nn.lpsz - lpHeaderBytes
	nd.buf = nd.buf[:pos]
	l.linkAfter(nd, nn)
	return nn
}

// mergeAround tries to merge nd's neighbourhood after a split, as
// quicklist does (prev with its prev, next with its next, then nd with
// its neighbours).
func (l *List) mergeAround(nd *lnode) {
	if p := nd.prev; p != nil && l.allowMerge(p.prev, p) {
		l.merge(p.prev, p)
	}
	if n := nd.next; n != nil && l.allowMerge(n, n.next) {
		l.merge(n, n.next)
	}
	if l.allowMerge(nd, nd.next) {
		l.merge(nd, nd.next)
	}
	if nd.prev != nil && l.allowMerge(nd.prev, nd) {
		l.merge(nd.prev, nd)
	}
}

// merge appends b's entries to a and drops b.
func (l *List) merge(a, b *lnode) {
	data := b.buf[b.lo:]
	at := l.open(a, a.hi(), len(data))
	copy(a.buf[at:], data)
	a.n += b.n
	a.lpsz += b.lpsz - lpHeaderBytes
	l.unlink(b)
}

// Remove implements LREM: it deletes up to count elements equal to v
// scanning from the head (count > 0), from the tail (count < 0) or all of
// them (count == 0), and returns the number removed.
func (l *List) Remove(count int64, v []byte) int {
	removed := 0
	limit := count
	if limit < 0 {
		limit = -limit
	}
	done := func() bool { return limit != 0 && int64(removed) >= limit }
	if count >= 0 {
		for nd := l.head; nd != nil && !done(); {
			next := nd.next
			off := nd.lo
			for k := 0; k < nd.n && !done(); {
				data, end := entryAt(nd.buf, off)
				if !bytes.Equal(data, v) {
					off, k = end, k+1
					continue
				}
				if l.deleteAt(nd, off, end, data) {
					off = end
				}
				removed++
			}
			l.afterDelete(nd)
			nd = next
		}
		return removed
	}
	for nd := l.tail; nd != nil && !done(); {
		prev := nd.prev
		end := nd.hi()
		for k := 0; k < nd.n && !done(); {
			data, start := entryBefore(nd.buf, end)
			if !bytes.Equal(data, v) {
				end, k = start, k+1
				continue
			}
			if !l.deleteAt(nd, start, end, data) {
				end = start
			}
			removed++
		}
		l.afterDelete(nd)
		nd = prev
	}
	return removed
}

// Trim implements LTRIM with the raw start and stop arguments.
func (l *List) Trim(start, stop int64) {
	s, e, ok := NormalizeRange(start, stop, l.count)
	if !ok {
		l.clear()
		return
	}
	l.deleteHead(s)
	l.deleteTail(l.count - (e - s + 1))
}

func (l *List) clear() {
	for l.head != nil {
		l.unlink(l.head)
	}
	l.count = 0
}

// deleteHead removes the first n elements, dropping whole nodes first.
func (l *List) deleteHead(n int) {
	for n > 0 && l.head != nil {
		nd := l.head
		if nd.n <= n {
			n -= nd.n
			l.count -= nd.n
			l.unlink(nd)
			continue
		}
		for ; n > 0; n-- {
			data, end := entryAt(nd.buf, nd.lo)
			l.deleteAt(nd, nd.lo, end, data)
		}
		l.maybeShrink(nd)
	}
}

// deleteTail removes the last n elements.
func (l *List) deleteTail(n int) {
	for n > 0 && l.tail != nil {
		nd := l.tail
		if nd.n <= n {
			n -= nd.n
			l.count -= nd.n
			l.unlink(nd)
			continue
		}
		for ; n > 0; n-- {
			data, start := entryBefore(nd.buf, nd.hi())
			l.deleteAt(nd, start, nd.hi(), data)
		}
		l.maybeShrink(nd)
	}
}

// Range implements LRANGE with the raw start and stop arguments, calling
// fn head to tail until it returns false. fn must not modify the list;
// the slice is valid only during the call.
func (l *List) Range(start, stop int64, fn func(v []byte) bool) {
	s, e, ok := NormalizeRange(start, stop, l.count)
	if !ok {
		return
	}
	nd, k := l.locate(s)
	left := e - s + 1
	off, _ := entryOffset(nd, k)
	for nd != nil {
		for ; k < nd.n; k++ {
			data, next := entryAt(nd.buf, off)
			if !fn(data) {
				return
			}
			if left--; left == 0 {
				return
			}
			off = next
		}
		nd, k = nd.next, 0
		if nd != nil {
			off = nd.lo
		}
	}
}

// RangeReverse calls fn tail to head for every element until fn returns
// false.
func (l *List) RangeReverse(fn func(v []byte) bool) {
	for nd := l.tail; nd != nil; nd = nd.prev {
		end := nd.hi()
		for k := 0; k < nd.n; k++ {
			data, start := entryBefore(nd.buf, end)
			if !fn(data) {
				return
			}
			end = start
		}
	}
}

// RDBRange iterates head to tail, the order Redis serializes a list in.
func (l *List) RDBRange(fn func(v []byte) bool) { l.Range(0, -1, fn) }

// RDBNodes calls fn once per node, head to tail, with that node's
// elements: Redis 7.0 writes each quicklist node as one listpack, and the
// nodes here split where Redis's do for pushes. The slices are valid only
// during the call; fn must not modify the list.
func (l *List) RDBNodes(fn func(elems [][]byte) bool) {
	var elems [][]byte
	for nd := l.head; nd != nil; nd = nd.next {
		elems = elems[:0]
		for off := nd.lo; off < nd.hi(); {
			var data []byte
			data, off = entryAt(nd.buf, off)
			elems = append(elems, data)
		}
		if !fn(elems) {
			return
		}
	}
}

// Pos implements LPOS: the indexes (from the head) of matches of elem.
// rank must not be 0: rank r > 0 skips the first r-1 matches scanning
// from the head, r < 0 scans from the tail skipping -r-1 matches. count
// 0 means all matches, otherwise at most count (pass 1 when the command
// has no COUNT option). maxlen > 0 limits how many elements are compared.
func (l *List) Pos(elem []byte, rank, count, maxlen int64) []int64 {
	var out []int64
	reverse := rank < 0
	if reverse {
		rank = -rank
	}
	var index, matches int64
	visit := func(v []byte) bool {
		if maxlen != 0 && index >= maxlen {
			return false
		}
		if bytes.Equal(v, elem) {
			matches++
			if matches >= rank {
				pos := index
				if reverse {
					pos = int64(l.count) - index - 1
				}
				out = append(out, pos)
				if count != 0 && int64(len(out)) >= count {
					return false
				}
			}
		}
		index++
		return true
	}
	if reverse {
		l.RangeReverse(visit)
	} else {
		l.Range(0, -1, visit)
	}
	return out
}

// Copy returns a deep copy (COPY command).
func (l *List) Copy() *List {
	c := NewList(l.fill)
	for nd := l.head; nd != nil; nd = nd.next {
		nn := c.newNode()
		data := nd.buf[nd.lo:]
		nb := make([]byte, len(data), memCapBytes(max(len(data), quicklistMinBuf)))
		copy(nb, data)
		c.setBuf(nn, nb, 0)
		nn.n, nn.lpsz = nd.n, nd.lpsz
		c.linkAfter(c.tail, nn)
	}
	c.count = l.count
	return c
}
