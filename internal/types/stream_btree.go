package types

import "unsafe"

// streamTree is an ordered map from StreamID to V, used for pending entries
// lists. PELs need lookup by ID (XACK, XCLAIM), ordered range scans from an
// arbitrary ID (XPENDING, XAUTOCLAIM, history reads), and inserts in any
// order (XCLAIM moves IDs into another consumer's PEL), which a B-tree
// gives in O(log n) with few allocations and good locality.
type streamTree[V any] struct {
	root  *streamTreeNode[V]
	n     int
	nodes int // allocated tree nodes, for memory accounting
}

// A node holds between streamTreeDegree-1 and 2*streamTreeDegree-1 keys
// (the root may hold fewer); internal nodes have len(keys)+1 children.
const streamTreeDegree = 16

const streamTreeMaxKeys = 2*streamTreeDegree - 1

type streamTreeNode[V any] struct {
	keys []StreamID
	vals []V
	kids []*streamTreeNode[V] // nil for leaves
}

func (t *streamTree[V]) Len() int { return t.n }

// memUsage estimates the heap held by the tree: node headers plus, per
// item, the key and value slots with the average slack of half-full nodes.
func (t *streamTree[V]) memUsage() int64 {
	var v V
	per := int64(unsafe.Sizeof(StreamID{}) + unsafe.Sizeof(v))
	return int64(t.nodes)*int64(unsafe.Sizeof(streamTreeNode[V]{})+16) + int64(t.n)*per*3/2
}

// search returns the index of the first key >= k.
func streamTreeSearch(keys []StreamID, k StreamID) int {
	lo, hi := 0, len(keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if keys[m].Less(k) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (t *streamTree[V]) Get(k StreamID) (V, bool) {
	n := t.root
	for n != nil {
		i := streamTreeSearch(n.keys, k)
		if i < len(n.keys) && n.keys[i] == k {
			return n.vals[i], true
		}
		if n.kids == nil {
			break
		}
		n = n.kids[i]
	}
	var zero V
	return zero, false
}

// Set inserts or replaces; it reports whether k was already present.
func (t *streamTree[V]) Set(k StreamID, v V) bool {
	if t.root == nil {
		t.root = &streamTreeNode[V]{keys: make([]StreamID, 0, 4), vals: make([]V, 0, 4)}
		t.nodes++
	}
	if len(t.root.keys) == streamTreeMaxKeys {
		r := &streamTreeNode[V]{kids: []*streamTreeNode[V]{t.root}}
		t.nodes++
		t.splitChild(r, 0)
		t.root = r
	}
	n := t.root
	for {
		i := streamTreeSearch(n.keys, k)
		if i < len(n.keys) && n.keys[i] == k {
			n.vals[i] = v
			return true
		}
		if n.kids == nil {
			n.keys = append(n.keys, StreamID{})
			copy(n.keys[i+1:], n.keys[i:])
			n.keys[i] = k
			var zero V
			n.vals = append(n.vals, zero)
			copy(n.vals[i+1:], n.vals[i:])
			n.vals[i] = v
			t.n++
			return false
		}
		if len(n.kids[i].keys) == streamTreeMaxKeys {
			t.splitChild(n, i)
			switch n.keys[i].Compare(k) {
			case 0:
				n.vals[i] = v
				return true
			case -1:
				i++
			}
		}
		n = n.kids[i]
	}
}

// splitChild splits the full child p.kids[i] around its median key, which
// moves up into p.
func (t *streamTree[V]) splitChild(p *streamTreeNode[V], i int) {
	c := p.kids[i]
	const mid = streamTreeDegree - 1
	r := &streamTreeNode[V]{
		keys: append(make([]StreamID, 0, streamTreeMaxKeys), c.keys[mid+1:]...),
		vals: append(make([]V, 0, streamTreeMaxKeys), c.vals[mid+1:]...),
	}
	t.nodes++
	if c.kids != nil {
		r.kids = append(make([]*streamTreeNode[V], 0, streamTreeMaxKeys+1), c.kids[mid+1:]...)
		clear(c.kids[mid+1:])
		c.kids = c.kids[:mid+1]
	}
	mk, mv := c.keys[mid], c.vals[mid]
	clear(c.vals[mid:])
	c.keys, c.vals = c.keys[:mid], c.vals[:mid]

	p.keys = append(p.keys, StreamID{})
	copy(p.keys[i+1:], p.keys[i:])
	p.keys[i] = mk
	p.vals = append(p.vals, mv)
	copy(p.vals[i+1:], p.vals[i:])
	p.vals[i] = mv
	p.kids = append(p.kids, nil)
	copy(p.kids[i+2:], p.kids[i+1:])
	p.kids[i+1] = r
}

// Delete removes k and returns its value.
func (t *streamTree[V]) Delete(k StreamID) (V, bool) {
	v, ok := t.Get(k)
	if !ok {
		return v, false
	}
	t.delete(t.root, k)
	t.n--
	// An emptied root leaf is kept: PELs that are drained and refilled
	// (deliver, then ack) reuse its arrays instead of regrowing them.
	if len(t.root.keys) == 0 && t.root.kids != nil {
		t.root = t.root.kids[0]
		t.nodes--
	}
	return v, true
}

// delete removes k, known to be in the subtree of n, keeping every node it
// descends into above the minimum size so removal never has to back up.
func (t *streamTree[V]) delete(n *streamTreeNode[V], k StreamID) {
	for {
		i := streamTreeSearch(n.keys, k)
		found := i < len(n.keys) && n.keys[i] == k
		if n.kids == nil {
			if found {
				n.keys = append(n.keys[:i], n.keys[i+1:]...)
				last := len(n.vals) - 1
				copy(n.vals[i:], n.vals[i+1:])
				var zero V
				n.vals[last] = zero
				n.vals = n.vals[:last]
			}
			return
		}
		if found {
			switch {
			case len(n.kids[i].keys) >= streamTreeDegree:
				// Replace with the predecessor and delete that instead.
				c := n.kids[i]
				for c.kids != nil {
					c = c.kids[len(c.kids)-1]
				}
				pk, pv := c.keys[len(c.keys)-1], c.vals[len(c.vals)-1]
				n.keys[i], n.vals[i] = pk, pv
				n, k = n.kids[i], pk
			case len(n.kids[i+1].keys) >= streamTreeDegree:
				c := n.kids[i+1]
				for c.kids != nil {
					c = c.kids[0]
				}
				sk, sv := c.keys[0], c.vals[0]
				n.keys[i], n.vals[i] = sk, sv
				n, k = n.kids[i+1], sk
			default:
				t.merge(n, i)
				n = n.kids[i]
			}
			continue
		}
		if len(n.kids[i].keys) < streamTreeDegree {
			i = t.fill(n, i)
		}
		n = n.kids[i]
	}
}

// fill gives n.kids[i] at least streamTreeDegree keys by borrowing from a
// sibling or merging with one, and returns the index of the child that now
// covers the searched range.
func (t *streamTree[V]) fill(n *streamTreeNode[V], i int) int {
	c := n.kids[i]
	if i > 0 && len(n.kids[i-1].keys) >= streamTreeDegree {
		l := n.kids[i-1]
		c.keys = append(c.keys, StreamID{})
		copy(c.keys[1:], c.keys)
		c.keys[0] = n.keys[i-1]
		var zero V
		c.vals = append(c.vals, zero)
		copy(c.vals[1:], c.vals)
		c.vals[0] = n.vals[i-1]
		n.keys[i-1], n.vals[i-1] = l.keys[len(l.keys)-1], l.vals[len(l.vals)-1]
		l.vals[len(l.vals)-1] = zero
		l.keys, l.vals = l.keys[:len(l.keys)-1], l.vals[:len(l.vals)-1]
		if c.kids != nil {
			c.kids = append(c.kids, nil)
			copy(c.kids[1:], c.kids)
			c.kids[0] = l.kids[len(l.kids)-1]
			l.kids[len(l.kids)-1] = nil
			l.kids = l.kids[:len(l.kids)-1]
		}
		return i
	}
	if i < len(n.kids)-1 && len(n.kids[i+1].keys) >= streamTreeDegree {
		r := n.kids[i+1]
		c.keys = append(c.keys, n.keys[i])
		c.vals = append(c.vals, n.vals[i])
		n.keys[i], n.vals[i] = r.keys[0], r.vals[0]
		r.keys = append(r.keys[:0], r.keys[1:]...)
		var zero V
		copy(r.vals, r.vals[1:])
		r.vals[len(r.vals)-1] = zero
		r.vals = r.vals[:len(r.vals)-1]
		if c.kids != nil {
			c.kids = append(c.kids, r.kids[0])
			copy(r.kids, r.kids[1:])
			r.kids[len(r.kids)-1] = nil
			r.kids = r.kids[:len(r.kids)-1]
		}
		return i
	}
	if i == len(n.kids)-1 {
		i--
	}
	t.merge(n, i)
	return i
}

// merge folds n.keys[i] and n.kids[i+1] into n.kids[i].
func (t *streamTree[V]) merge(n *streamTreeNode[V], i int) {
	c, r := n.kids[i], n.kids[i+1]
	c.keys = append(append(c.keys, n.keys[i]), r.keys...)
	c.vals = append(append(c.vals, n.vals[i]), r.vals...)
	if c.kids != nil {
		c.kids = append(c.kids, r.kids...)
	}
	n.keys = append(n.keys[:i], n.keys[i+1:]...)
	last := len(n.vals) - 1
	copy(n.vals[i:], n.vals[i+1:])
	var zero V
	n.vals[last] = zero
	n.vals = n.vals[:last]
	copy(n.kids[i+1:], n.kids[i+2:])
	n.kids[len(n.kids)-1] = nil
	n.kids = n.kids[:len(n.kids)-1]
	t.nodes--
}

// Ascend calls fn for each key >= from in order until fn returns false.
// fn must not modify the tree.
func (t *streamTree[V]) Ascend(from StreamID, fn func(StreamID, V) bool) {
	if t.root != nil {
		t.root.ascend(from, fn)
	}
}

func (n *streamTreeNode[V]) ascend(from StreamID, fn func(StreamID, V) bool) bool {
	i := streamTreeSearch(n.keys, from)
	for ; i < len(n.keys); i++ {
		if n.kids != nil && !n.kids[i].ascend(from, fn) {
			return false
		}
		if !fn(n.keys[i], n.vals[i]) {
			return false
		}
	}
	if n.kids != nil {
		return n.kids[len(n.kids)-1].ascend(from, fn)
	}
	return true
}

// Min and Max return the smallest and greatest keys; ok is false when empty.
func (t *streamTree[V]) Min() (k StreamID, ok bool) {
	n := t.root
	if t.n == 0 {
		return k, false
	}
	for n.kids != nil {
		n = n.kids[0]
	}
	return n.keys[0], true
}

func (t *streamTree[V]) Max() (k StreamID, ok bool) {
	n := t.root
	if t.n == 0 {
		return k, false
	}
	for n.kids != nil {
		n = n.kids[len(n.kids)-1]
	}
	return n.keys[len(n.keys)-1], true
}
