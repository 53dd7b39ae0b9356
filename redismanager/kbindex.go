package redismanager

import (
	"container/heap"
	"math"
	"runtime"
	"sort"
	"sync"
)

// The in-process search index of the knowledge base. Redis holds the
// truth (chunk JSON with its embedding); each process keeps the vectors
// and term statistics of every chunk in memory so a query scans them
// without fetching 100k chunks per search. The index follows Redis
// through kb:meta's version counter, which every ingest and delete
// increments: a search reads the counter (one round trip), and when it
// moved, reloads only the documents whose revision in kb:docs changed.

type kbDoc struct {
	id, rev string
	nums    []int32   // chunk numbers
	vecs    []float32 // len(nums)*dim, unit length; zero for chunks without a usable vector
	valid   []bool    // chunk has a vector of the index's model and dimension
	terms   [][]uint64
	tfs     [][]uint16
	lens    []int32
	pos     int // index in kbIndex.list
}

type kbIndex struct {
	mu       sync.RWMutex
	syncMu   sync.Mutex
	version  int64 // kb:meta version loaded; -1 before the first load
	dim      int
	model    string // kb:meta model the vectors were loaded for
	docs     map[string]*kbDoc
	list     []*kbDoc
	df       map[uint64]int32
	nChunks  int
	totalLen int64
}

func newKBIndex(dim int) *kbIndex {
	return &kbIndex{version: -1, dim: dim, docs: map[string]*kbDoc{}, df: map[uint64]int32{}}
}

// termsOf returns the sorted distinct term hashes of text with their
// counts, and the number of words.
func termsOf(text string) ([]uint64, []uint16, int32) {
	words := tokenize(text)
	counts := map[uint64]uint16{}
	for _, w := range words {
		if stopWords[w] {
			continue
		}
		h := fnv64(w)
		if counts[h] < math.MaxUint16 {
			counts[h]++
		}
	}
	hs := make([]uint64, 0, len(counts))
	for h := range counts {
		hs = append(hs, h)
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i] < hs[j] })
	tfs := make([]uint16, len(hs))
	for i, h := range hs {
		tfs[i] = counts[h]
	}
	return hs, tfs, int32(len(words))
}

// put replaces (or adds) a document. Lock held.
func (x *kbIndex) put(d *kbDoc) {
	x.remove(d.id)
	d.pos = len(x.list)
	x.list = append(x.list, d)
	x.docs[d.id] = d
	for i := range d.nums {
		for _, h := range d.terms[i] {
			x.df[h]++
		}
		x.totalLen += int64(d.lens[i])
	}
	x.nChunks += len(d.nums)
}

// remove drops a document. Lock held.
func (x *kbIndex) remove(id string) {
	d := x.docs[id]
	if d == nil {
		return
	}
	for i := range d.nums {
		for _, h := range d.terms[i] {
			if x.df[h]--; x.df[h] <= 0 {
				delete(x.df, h)
			}
		}
		x.totalLen -= int64(d.lens[i])
	}
	x.nChunks -= len(d.nums)
	last := x.list[len(x.list)-1]
	x.list[d.pos] = last
	last.pos = d.pos
	x.list = x.list[:len(x.list)-1]
	delete(x.docs, id)
}

// hit is one scored chunk.
type hit struct {
	doc   *kbDoc
	chunk int // index into doc.nums
	score float64
}

type hitHeap []hit

func (h hitHeap) Len() int           { return len(h) }
func (h hitHeap) Less(i, j int) bool { return h[i].score < h[j].score }
func (h hitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *hitHeap) Push(x any)        { *h = append(*h, x.(hit)) }
func (h *hitHeap) Pop() any          { old := *h; x := old[len(old)-1]; *h = old[:len(old)-1]; return x }
func (h *hitHeap) offer(x hit, k int) {
	if h.Len() < k {
		heap.Push(h, x)
	} else if x.score > (*h)[0].score {
		(*h)[0] = x
		heap.Fix(h, 0)
	}
}

// topK scores every chunk of the allowed documents (all when allow is
// nil) with score and keeps the k best, scanning in parallel on large
// indexes. Read lock held.
func (x *kbIndex) topK(k int, allow map[string]bool, score func(d *kbDoc, i int) (float64, bool)) []hit {
	parts := 1
	if x.nChunks > 20000 {
		parts = runtime.GOMAXPROCS(0)
	}
	results := make([]hitHeap, parts)
	var wg sync.WaitGroup
	per := (len(x.list) + parts - 1) / parts
	for p := 0; p < parts; p++ {
		lo, hi := p*per, min((p+1)*per, len(x.list))
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var h hitHeap
			for _, d := range x.list[lo:hi] {
				if allow != nil && !allow[d.id] {
					continue
				}
				for i := range d.nums {
					if s, ok := score(d, i); ok {
						h.offer(hit{d, i, s}, k)
					}
				}
			}
			results[p] = h
		}()
	}
	wg.Wait()
	var all hitHeap
	for _, h := range results {
		for _, x := range h {
			all.offer(x, k)
		}
	}
	out := []hit(all)
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		if out[i].doc.id != out[j].doc.id {
			return out[i].doc.id < out[j].doc.id
		}
		return out[i].doc.nums[out[i].chunk] < out[j].doc.nums[out[j].chunk]
	})
	return out
}

// cosine scores chunks by their dot product with the unit query vector.
func (x *kbIndex) cosine(q []float32) func(d *kbDoc, i int) (float64, bool) {
	dim := x.dim
	return func(d *kbDoc, i int) (float64, bool) {
		if !d.valid[i] {
			return 0, false
		}
		return float64(dot(q, d.vecs[i*dim:(i+1)*dim])), true
	}
}

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// bm25 scores chunks against query terms with Okapi BM25 (k1 1.2, b 0.75).
func (x *kbIndex) bm25(query []uint64) func(d *kbDoc, i int) (float64, bool) {
	const k1, b = 1.2, 0.75
	n := float64(x.nChunks)
	avg := 1.0
	if x.nChunks > 0 {
		avg = float64(x.totalLen) / n
	}
	idf := make([]float64, len(query))
	for i, h := range query {
		df := float64(x.df[h])
		idf[i] = math.Log(1 + (n-df+0.5)/(df+0.5))
	}
	return func(d *kbDoc, c int) (float64, bool) {
		terms, tfs := d.terms[c], d.tfs[c]
		var s float64
		found := false
		for qi, h := range query {
			j := sort.Search(len(terms), func(k int) bool { return terms[k] >= h })
			if j == len(terms) || terms[j] != h {
				continue
			}
			found = true
			tf := float64(tfs[j])
			s += idf[qi] * tf * (k1 + 1) / (tf + k1*(1-b+b*float64(d.lens[c])/avg))
		}
		return s, found
	}
}
