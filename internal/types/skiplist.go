package types

import (
	"hash/maphash"
	"unsafe"
)

// skiplist is the ordered half of the "skiplist" sorted-set encoding
// (the other half is a dict from member to score). It is a Pugh skip list
// ordered by (score, member bytes), with a backward pointer on level 0 for
// reverse iteration and, on every forward link, the number of level-0
// steps it jumps ("span"), so that ranks can be computed and looked up in
// O(log n) while descending.

const (
	zslMaxLevel = 32
	// A node reaches the next level with probability 1/4: expected 1.33
	// links per node, and about log4(n) levels to descend.
	zslLevelBits = 2
)

type zslLevel struct {
	forward *zslNode
	span    int
}

// zslNode is one element. Its levels are stored inline, right after the
// node's fields, in one allocation: level holds the first one and a node
// of height h is allocated as a larger struct (zslNode2, zslNode3...) whose
// extra levels follow it; lv(i) reaches them. Compared with a []zslLevel
// this saves the slice header (24 bytes) and a dependent load on every step
// of a search, and a height-1 node (3 in 4 of them) fits one 64-byte
// size class: a search touches one cache line per node it passes, as in
// Redis, which is what ZADD on a large sorted set is bound by.
type zslNode struct {
	score    float64
	backward *zslNode
	member   string
	height   int
	level    [1]zslLevel
}

// The node types by height. Heights above 4 (one node in 256) round up to
// 8, 16 or 32 levels.
type (
	zslNode2 struct {
		n zslNode
		l [1]zslLevel
	}
	zslNode3 struct {
		n zslNode
		l [2]zslLevel
	}
	zslNode4 struct {
		n zslNode
		l [3]zslLevel
	}
	zslNode8 struct {
		n zslNode
		l [7]zslLevel
	}
	zslNode16 struct {
		n zslNode
		l [15]zslLevel
	}
	zslNode32 struct {
		n zslNode
		l [zslMaxLevel - 1]zslLevel
	}
)

// lv returns level i, which must be below n.height. The levels are
// contiguous in n's allocation (see zslNode), so the offset stays inside
// the object, which is what -race's pointer checks verify.
func (n *zslNode) lv(i int) *zslLevel {
	return (*zslLevel)(unsafe.Add(unsafe.Pointer(&n.level[0]), uintptr(i)*unsafe.Sizeof(zslLevel{})))
}

var zslNodeMemByLevel = func() (m [zslMaxLevel + 1]int64) {
	for l := 1; l <= zslMaxLevel; l++ {
		var size uintptr
		switch {
		case l == 1:
			size = unsafe.Sizeof(zslNode{})
		case l == 2:
			size = unsafe.Sizeof(zslNode2{})
		case l == 3:
			size = unsafe.Sizeof(zslNode3{})
		case l == 4:
			size = unsafe.Sizeof(zslNode4{})
		case l <= 8:
			size = unsafe.Sizeof(zslNode8{})
		case l <= 16:
			size = unsafe.Sizeof(zslNode16{})
		default:
			size = unsafe.Sizeof(zslNode32{})
		}
		m[l] = memPtrs(int(size))
	}
	return m
}()

var skiplistStructMem = memPtrs(int(unsafe.Sizeof(skiplist{})))

func newZslNode(level int, score float64, member string) *zslNode {
	var n *zslNode
	switch {
	case level == 1:
		n = &zslNode{}
	case level == 2:
		n = &(&zslNode2{}).n
	case level == 3:
		n = &(&zslNode3{}).n
	case level == 4:
		n = &(&zslNode4{}).n
	case level <= 8:
		n = &(&zslNode8{}).n
	case level <= 16:
		n = &(&zslNode16{}).n
	default:
		n = &(&zslNode32{}).n
	}
	n.height = level
	n.score, n.member = score, member
	return n
}

func (n *zslNode) mem() int64 { return zslNodeMemByLevel[n.height] + memBytes(len(n.member)) }

// next is the level-0 successor.
func (n *zslNode) next() *zslNode { return n.level[0].forward }

type skiplist struct {
	header *zslNode // sentinel with zslMaxLevel levels; not an element
	tail   *zslNode
	length int
	level  int    // levels in use, >= 1
	rng    uint64 // level generator state
	mem    int64  // nodes including the header, and member strings
}

func newSkiplist() *skiplist {
	h := newZslNode(zslMaxLevel, 0, "")
	// Seed the level generator unpredictably per list: with a known
	// sequence a client could choose insertion orders that cluster the
	// tall nodes and degrade searches to linear time.
	seed := maphash.String(maphash.MakeSeed(), "zsl")
	return &skiplist{header: h, level: 1, rng: seed, mem: h.mem()}
}

// randomLevel draws a level with P(level > k) = 4^-k, capped at 32.
func (z *skiplist) randomLevel() int {
	// splitmix64 step.
	z.rng += 0x9e3779b97f4a7c15
	x := z.rng
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	level := 1
	for level < zslMaxLevel && x&(1<<zslLevelBits-1) == 0 {
		level++
		x >>= zslLevelBits
	}
	return level
}

// zslBefore reports whether (s1, m1) sorts before (s2, m2): scores as
// float64, ties broken by member bytes (memcmp order).
func zslBefore(s1 float64, m1 string, s2 float64, m2 string) bool {
	return s1 < s2 || (s1 == s2 && m1 < m2)
}

// insert adds an element that must not be present and returns its node.
func (z *skiplist) insert(score float64, member string) *zslNode {
	x := newZslNode(z.randomLevel(), score, member)
	z.link(x)
	return x
}

// link places the unlinked node x at the position of its score and member,
// with the height it already has.
func (z *skiplist) link(x *zslNode) {
	score, member := x.score, x.member
	var update [zslMaxLevel]*zslNode
	var rank [zslMaxLevel]int
	p := z.header
	for i := z.level - 1; i >= 0; i-- {
		if i < z.level-1 {
			rank[i] = rank[i+1]
		}
		for f := p.lv(i).forward; f != nil && zslBefore(f.score, f.member, score, member); f = p.lv(i).forward {
			rank[i] += p.lv(i).span
			p = f
		}
		update[i] = p
	}
	level := x.height
	if level > z.level {
		for i := z.level; i < level; i++ {
			rank[i] = 0
			update[i] = z.header
			update[i].lv(i).span = z.length
		}
		z.level = level
	}
	for i := 0; i < level; i++ {
		x.lv(i).forward = update[i].lv(i).forward
		update[i].lv(i).forward = x
		// update[i] is rank[i]; the new node lands at rank[0]+1.
		x.lv(i).span = update[i].lv(i).span - (rank[0] - rank[i])
		update[i].lv(i).span = rank[0] - rank[i] + 1
	}
	for i := level; i < z.level; i++ {
		update[i].lv(i).span++
	}
	x.backward = nil
	if update[0] != z.header {
		x.backward = update[0]
	}
	if f := x.lv(0).forward; f != nil {
		f.backward = x
	} else {
		z.tail = x
	}
	z.length++
	z.mem += x.mem()
}

// unlink removes x given, for every level, the last node before it.
func (z *skiplist) unlink(x *zslNode, update *[zslMaxLevel]*zslNode) {
	for i := 0; i < z.level; i++ {
		if update[i].lv(i).forward == x {
			update[i].lv(i).span += x.lv(i).span - 1
			update[i].lv(i).forward = x.lv(i).forward
		} else {
			update[i].lv(i).span--
		}
	}
	if f := x.lv(0).forward; f != nil {
		f.backward = x.backward
	} else {
		z.tail = x.backward
	}
	for z.level > 1 && z.header.lv(z.level-1).forward == nil {
		z.level--
	}
	z.length--
	z.mem -= x.mem()
}

// path fills update with the last node before (score, member) on every
// level and returns the level-0 successor of that position.
func (z *skiplist) path(score float64, member string, update *[zslMaxLevel]*zslNode) *zslNode {
	x := z.header
	for i := z.level - 1; i >= 0; i-- {
		for f := x.lv(i).forward; f != nil && zslBefore(f.score, f.member, score, member); f = x.lv(i).forward {
			x = f
		}
		update[i] = x
	}
	return x.lv(0).forward
}

// remove deletes the element and reports whether it was present.
func (z *skiplist) remove(score float64, member string) bool {
	var update [zslMaxLevel]*zslNode
	x := z.path(score, member, &update)
	if x == nil || x.score != score || x.member != member {
		return false
	}
	z.unlink(x, &update)
	return true
}

// updateScore moves an existing element to newScore, in place when its
// neighbours still bracket it.
func (z *skiplist) updateScore(cur float64, member string, newScore float64) {
	var update [zslMaxLevel]*zslNode
	x := z.path(cur, member, &update)
	if x == nil || x.score != cur || x.member != member {
		panic("types: zset skiplist and dict disagree")
	}
	if (x.backward == nil || zslBefore(x.backward.score, x.backward.member, newScore, member)) &&
		(x.lv(0).forward == nil || zslBefore(newScore, member, x.lv(0).forward.score, x.lv(0).forward.member)) {
		x.score = newScore
		return
	}
	// Move the node itself rather than freeing it and allocating another:
	// its height is independent of its position, so the level
	// distribution stays as if it were new.
	z.unlink(x, &update)
	x.score = newScore
	z.link(x)
}

// rank returns the 1-based rank of an element, or 0 if absent.
func (z *skiplist) rank(score float64, member string) int {
	x := z.header
	r := 0
	for i := z.level - 1; i >= 0; i-- {
		for f := x.lv(i).forward; f != nil && (zslBefore(f.score, f.member, score, member) ||
			(f.score == score && f.member == member)); f = x.lv(i).forward {
			r += x.lv(i).span
			x = f
		}
		if x != z.header && x.score == score && x.member == member {
			return r
		}
	}
	return 0
}

// byRank returns the node with 1-based rank r, or nil.
func (z *skiplist) byRank(r int) *zslNode {
	if r < 1 || r > z.length {
		return nil
	}
	x := z.header
	traversed := 0
	for i := z.level - 1; i >= 0; i-- {
		for x.lv(i).forward != nil && traversed+x.lv(i).span <= r {
			traversed += x.lv(i).span
			x = x.lv(i).forward
		}
		if traversed == r {
			return x
		}
	}
	return nil
}

// firstWhere descends past every node for which reached is false and
// returns the next node and its 1-based rank (nil, 0 at the end). For a
// predicate that is monotone over the order this is the first node
// satisfying it; otherwise it is whatever the descent meets, as in Redis.
func (z *skiplist) firstWhere(reached func(*zslNode) bool) (*zslNode, int) {
	x := z.header
	r := 0
	for i := z.level - 1; i >= 0; i-- {
		for f := x.lv(i).forward; f != nil && !reached(f); f = x.lv(i).forward {
			r += x.lv(i).span
			x = f
		}
	}
	if x = x.lv(0).forward; x == nil {
		return nil, 0
	}
	return x, r + 1
}

// lastWhere descends while within holds and returns the last node reached
// and its rank (nil, 0 if none).
func (z *skiplist) lastWhere(within func(*zslNode) bool) (*zslNode, int) {
	x := z.header
	r := 0
	for i := z.level - 1; i >= 0; i-- {
		for f := x.lv(i).forward; f != nil && within(f); f = x.lv(i).forward {
			r += x.lv(i).span
			x = f
		}
	}
	if x == z.header {
		return nil, 0
	}
	return x, r
}

// deleteWhile removes the run of nodes that starts where firstWhere(reached)
// lands and continues while more holds, calling gone for each removed
// node. It returns the number removed.
func (z *skiplist) deleteWhile(reached, more func(*zslNode) bool, gone func(*zslNode)) int {
	var update [zslMaxLevel]*zslNode
	x := z.header
	for i := z.level - 1; i >= 0; i-- {
		for f := x.lv(i).forward; f != nil && !reached(f); f = x.lv(i).forward {
			x = f
		}
		update[i] = x
	}
	n := 0
	for x = x.lv(0).forward; x != nil && more(x); {
		next := x.lv(0).forward
		z.unlink(x, &update)
		gone(x)
		n++
		x = next
	}
	return n
}

// deleteRanks removes the nodes with 1-based ranks start..end inclusive.
func (z *skiplist) deleteRanks(start, end int, gone func(*zslNode)) int {
	var update [zslMaxLevel]*zslNode
	x := z.header
	traversed := 0
	for i := z.level - 1; i >= 0; i-- {
		for x.lv(i).forward != nil && traversed+x.lv(i).span < start {
			traversed += x.lv(i).span
			x = x.lv(i).forward
		}
		update[i] = x
	}
	traversed++
	n := 0
	for x = x.lv(0).forward; x != nil && traversed <= end; traversed++ {
		next := x.lv(0).forward
		z.unlink(x, &update)
		gone(x)
		n++
		x = next
	}
	return n
}

// first returns the lowest element, or nil.
func (z *skiplist) first() *zslNode { return z.header.lv(0).forward }
