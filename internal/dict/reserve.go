package dict

// Reserve sizes the table for n entries ahead of time, as Redis does when
// an RDB announces a database's size (RESIZEDB): loading a million keys
// into a table that starts at four buckets would otherwise rehash every
// key about twenty times over. An empty table gets its buckets at once;
// a populated one starts an incremental rehash to the larger size. It
// never shrinks a table and does nothing while a rehash is under way.
func (d *Dict[V]) Reserve(n int) {
	if n <= len(d.t[0].buckets) || d.rehashing() {
		return
	}
	if d.Len() == 0 {
		size := initialSize
		for size < n {
			size <<= 1
		}
		d.t[0] = table[V]{buckets: make([]*Entry[V], size)}
		return
	}
	d.resize(n)
}
