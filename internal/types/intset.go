package types

import "slices"

// intset is the "intset" encoding of a set: distinct int64 values kept
// sorted, so membership is a binary search and iteration is ascending,
// which is the order SMEMBERS shows for such sets in Redis.
//
// Redis additionally narrows the element width to 16 or 32 bits when all
// values fit; that only changes memory use, which MemUsage reports for
// what this representation really costs.
type intset struct {
	vals []int64
}

func (s *intset) len() int { return len(s.vals) }

func (s *intset) find(v int64) (int, bool) { return slices.BinarySearch(s.vals, v) }

func (s *intset) contains(v int64) bool {
	_, ok := s.find(v)
	return ok
}

// add inserts v and reports whether it was absent.
func (s *intset) add(v int64) bool {
	i, ok := s.find(v)
	if ok {
		return false
	}
	s.vals = slices.Insert(s.vals, i, v)
	return true
}

// remove deletes v and reports whether it was present.
func (s *intset) remove(v int64) bool {
	i, ok := s.find(v)
	if !ok {
		return false
	}
	s.vals = slices.Delete(s.vals, i, i+1)
	if c := cap(s.vals); c > 32 && len(s.vals) < c/4 {
		s.vals = append(make([]int64, 0, 2*len(s.vals)), s.vals...)
	}
	return true
}

func (s *intset) mem() int64 { return memBytes(8 * cap(s.vals)) }

func (s *intset) clone() intset { return intset{vals: slices.Clone(s.vals)} }
