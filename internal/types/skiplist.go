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

type zslNode struct {
	member   string
	score    float64
	backward *zslNode
	level    []zslLevel
}

// The levels of short nodes (more than 99% of them) are allocated in the
// same object as the node, saving an allocation per insert.
type (
	zslNode1 struct {
		n zslNode
		l [1]zslLevel
	}
	zslNode2 struct {
		n zslNode
		l [2]zslLevel
	}
	zslNode3 struct {
		n zslNode
		l [3]zslLevel
	}
	zslNode4 struct {
		n zslNode
		l [4]zslLevel
	}
)

var zslNodeMemByLevel = func() (m [zslMaxLevel + 1]int64) {
	m[1] = memPtrs(int(unsafe.Sizeof(zslNode1{})))
	m[2] = memPtrs(int(unsafe.Sizeof(zslNode2{})))
	m[3] = memPtrs(int(unsafe.Sizeof(zslNode3{})))
	m[4] = memPtrs(int(unsafe.Sizeof(zslNode4{})))
	base := memPtrs(int(unsafe.Sizeof(zslNode{})))
	for l := 5; l <= zslMaxLevel; l++ {
		m[l] = base + memPtrs(l*int(unsafe.Sizeof(zslLevel{})))
	}
	return m
}()

var skiplistStructMem = memPtrs(int(unsafe.Sizeof(skiplist{})))

func newZslNode(level int, score float64, member string) *zslNode {
	var n *zslNode
	switch level {
	case 1:
		x := &zslNode1{}
		n = &x.n
		n.level = x.l[:]
	case 2:
		x := &zslNode2{}
		n = &x.n
		n.level = x.l[:]
	case 3:
		x := &zslNode3{}
		n = &x.n
		n.level = x.l[:]
	case 4:
		x := &zslNode4{}
		n = &x.n
		n.level = x.l[:]
	default:
		n = &zslNode{level: make([]zslLevel, level)}
	}
	n.score, n.member = score, member
	return n
}

func (n *zslNode) mem() int64 { return zslNodeMemByLevel[len(n.level)] + memBytes(len(n.member)) }

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
	var update [zslMaxLevel]*zslNode
	var rank [zslMaxLevel]int
	x := z.header
	for i := z.level - 1; i >= 0; i-- {
		if i < z.level-1 {
			rank[i] = rank[i+1]
		}
		for f := x.level[i].forward; f != nil && zslBefore(f.score, f.member, score, member); f = x.level[i].forward {
			rank[i] += x.level[i].span
			x = f
		}
		update[i] = x
	}
	level := z.randomLevel()
	if level > z.level {
		for i := z.level; i < level; i++ {
			rank[i] = 0
			update[i] = z.header
			update[i].level[i].span = z.length
		}
		z.level = level
	}
	x = newZslNode(level, score, member)
	for i := 0; i < level; i++ {
		x.level[i].forward = update[i].level[i].forward
		update[i].level[i].forward = x
		// update[i] is rank[i]; the new node lands at rank[0]+1.
		x.level[i].span = update[i].level[i].span - (rank[0] - rank[i])
		update[i].level[i].span = rank[0] - rank[i] + 1
	}
	for i := level; i < z.level; i++ {
		update[i].level[i].span++
	}
	if update[0] != z.header {
		x.backward = update[0]
	}
	if f := x.level[0].forward; f != nil {
		f.backward = x
	} else {
		z.tail = x
	}
	z.length++
	z.mem += x.mem()
	return x
}

// unlink removes x given, for every level, the last node before it.
func (z *skiplist) unlink(x *zslNode, update *[zslMaxLevel]*zslNode) {
	for i := 0; i < z.level; i++ {
		if update[i].level[i].forward == x {
			update[i].level[i].span += x.level[i].span - 1
			update[i].level[i].forward = x.level[i].forward
		} else {
			update[i].level[i].span--
		}
	}
	if f := x.level[0].forward; f != nil {
		f.backward = x.backward
	} else {
		z.tail = x.backward
	}
	for z.level > 1 && z.header.level[z.level-1].forward == nil {
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
		for f := x.level[i].forward; f != nil && zslBefore(f.score, f.member, score, member); f = x.level[i].forward {
			x = f
		}
		update[i] = x
	}
	return x.level[0].forward
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
		(x.level[0].forward == nil || zslBefore(newScore, member, x.level[0].forward.score, x.level[0].forward.member)) {
		x.score = newScore
		return
	}
	z.unlink(x, &update)
	z.insert(newScore, member)
}

// rank returns the 1-based rank of an element, or 0 if absent.
func (z *skiplist) rank(score float64, member string) int {
	x := z.header
	r := 0
	for i := z.level - 1; i >= 0; i-- {
		for f := x.level[i].forward; f != nil && (zslBefore(f.score, f.member, score, member) ||
			(f.score == score && f.member == member)); f = x.level[i].forward {
			r += x.level[i].span
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
		for x.level[i].forward != nil && traversed+x.level[i].span <= r {
			traversed += x.level[i].span
			x = x.level[i].forward
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
		for f := x.level[i].forward; f != nil && !reached(f); f = x.level[i].forward {
			r += x.level[i].span
			x = f
		}
	}
	if x = x.level[0].forward; x == nil {
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
		for f := x.level[i].forward; f != nil && within(f); f = x.level[i].forward {
			r += x.level[i].span
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
		for f := x.level[i].forward; f != nil && !reached(f); f = x.level[i].forward {
			x = f
		}
		update[i] = x
	}
	n := 0
	for x = x.level[0].forward; x != nil && more(x); {
		next := x.level[0].forward
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
		for x.level[i].forward != nil && traversed+x.level[i].span < start {
			traversed += x.level[i].span
			x = x.level[i].forward
		}
		update[i] = x
	}
	traversed++
	n := 0
	for x = x.level[0].forward; x != nil && traversed <= end; traversed++ {
		next := x.level[0].forward
		z.unlink(x, &update)
		gone(x)
		n++
		x = next
	}
	return n
}

// first returns the lowest element, or nil.
func (z *skiplist) first() *zslNode { return z.header.level[0].forward }
