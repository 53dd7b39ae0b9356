package types

// Memory accounting. Every structure keeps a running estimate of the heap
// bytes it owns so MemUsage is O(1). The estimate models what the Go
// allocator really hands out: objects are rounded up to the runtime's size
// classes, objects larger than 32 KiB to whole 8 KiB pages, small
// pointer-free objects share 16-byte tiny blocks, and pointer-carrying
// objects above 512 bytes carry an 8-byte malloc header. Slice and string
// headers embedded in a struct are part of that struct's size.

// memClassSizes are the Go runtime's small-object size classes (Go 1.22+;
// unchanged through 1.26).
var memClassSizes = [...]uint16{
	8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224,
	240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768,
	896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200,
	3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240,
	10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576,
	27264, 28672, 32768,
}

const (
	memMaxSmall   = 32768
	memPageSize   = 8192
	memTinySize   = 16
	memHeaderSize = 8   // malloc header of pointerful objects > 512 bytes
	memHeaderMin  = 512 // objects up to this size keep type info in the span
)

// memRoundClass rounds n up to the size the allocator will use.
func memRoundClass(n int) int {
	if n <= 0 {
		return 0
	}
	if n > memMaxSmall {
		return (n + memPageSize - 1) &^ (memPageSize - 1)
	}
	// Binary search: the table is short and this is not on a hot path
	// that matters compared with the allocation it models.
	lo, hi := 0, len(memClassSizes)-1
	for lo < hi {
		m := (lo + hi) / 2
		if int(memClassSizes[m]) < n {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return int(memClassSizes[lo])
}

// memBytes is the cost of a pointer-free allocation of n bytes (string
// data, []byte backing arrays, []int64, []float64). Tiny ones share
// 16-byte blocks; with neighbours of similar size a block holds 16/n of
// them, so a 3-byte string costs about 3 bytes but an 11-byte one 16.
func memBytes(n int) int64 {
	if n <= 0 {
		return 0
	}
	if n < memTinySize {
		return int64(memTinySize / (memTinySize / n))
	}
	return int64(memRoundClass(n))
}

// memPtrs is the cost of an allocation of n bytes that contains pointers
// (structs, pointer slices).
func memPtrs(n int) int64 {
	if n <= 0 {
		return 0
	}
	if n > memHeaderMin {
		n += memHeaderSize
	}
	return int64(memRoundClass(n))
}

// memCapBytes is the capacity to request for a pointer-free buffer that
// must hold at least n bytes: the whole size class, which the allocator
// hands out anyway.
func memCapBytes(n int) int {
	if n < memTinySize {
		return n
	}
	return memRoundClass(n)
}
