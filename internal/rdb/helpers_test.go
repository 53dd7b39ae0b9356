package rdb

import (
	"math"
	"runtime"
)

var negInf = math.Inf(-1)

type runtimeMem struct{}

func (runtimeMem) alloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}
