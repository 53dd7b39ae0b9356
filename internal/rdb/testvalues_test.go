package rdb

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// sampleValues covers every kind in small and large encodings under the
// default options.
func sampleValues() map[string]*Value {
	vals := map[string]*Value{
		"str:empty":  strVal(""),
		"str:int":    strVal("-32769"),
		"str:int64":  strVal("9223372036854775807"),
		"str:text":   strVal(string(bytes.Repeat([]byte("abc "), 40))),
		"str:binary": {Kind: KindString, Str: []byte{0, 1, 2, 0xff, '\r', '\n'}},
		"list:small": listVal("a", "1", "-5", "", "70000", "x"),
		"set:intset": setVal("1", "-2", "3000000000"),
		"set:str":    setVal("a", "b", "7"),
		"zset:small": zsetVal("a", 1.0, "b", 0.1, "c", math.Inf(-1), "d", -0.0, "e", 1e300),
		"hash:small": hashVal("f", "v", "n", "12", "e", ""),
		"stream":     {Kind: KindStream, Stream: sampleStream(30)},
	}
	big := &Value{Kind: KindList}
	bigSet := &Value{Kind: KindSet}
	bigZ := &Value{Kind: KindZSet}
	bigH := &Value{Kind: KindHash}
	intSet := &Value{Kind: KindSet}
	for i := 0; i < 1000; i++ {
		s := []byte(fmt.Sprintf("element-%d", i))
		big.List = append(big.List, s)
		bigSet.Set = append(bigSet.Set, s)
		bigZ.ZSet = append(bigZ.ZSet, ZMember{s, float64(i) / 3})
		bigH.Hash = append(bigH.Hash, Field{s, []byte(strconv.Itoa(i * i))})
		intSet.Set = append(intSet.Set, []byte(strconv.Itoa(i*1000)))
	}
	vals["list:big"], vals["set:big"], vals["zset:big"], vals["hash:big"], vals["set:bigints"] = big, bigSet, bigZ, bigH, intSet
	return vals
}

func sampleStream(n int) *Stream {
	s := &Stream{}
	for i := 0; i < n; i++ {
		id := StreamID{1700000000000 + uint64(i/3), uint64(i % 3)}
		f := []Field{{[]byte("name"), []byte(fmt.Sprintf("v%d", i))}, {[]byte("n"), []byte(strconv.Itoa(i))}}
		if i%7 == 3 {
			f = []Field{{[]byte("different"), []byte("shape")}}
		}
		s.Entries = append(s.Entries, StreamEntry{ID: id, Fields: f})
	}
	s.Length = uint64(n)
	if n > 0 {
		s.FirstID, s.LastID = s.Entries[0].ID, s.Entries[n-1].ID
	}
	s.EntriesAdded = uint64(n) + 2
	s.MaxDeletedEntryID = StreamID{1, 1}
	if n >= 3 {
		p0, p1 := s.Entries[0].ID, s.Entries[1].ID
		s.Groups = []StreamGroup{
			{Name: []byte("zeta"), LastID: s.LastID, EntriesRead: -1},
			{Name: []byte("alpha"), LastID: s.Entries[2].ID, EntriesRead: 3,
				Pending: []StreamPendingEntry{
					{ID: p1, DeliveryTime: 1700000000500, DeliveryCount: 1, Consumer: []byte("bob")},
					{ID: p0, DeliveryTime: 1700000000400, DeliveryCount: 3, Consumer: []byte("amy")},
				},
				Consumers: []StreamConsumer{
					{Name: []byte("bob"), SeenTime: 1700000000500, ActiveTime: -1, Pending: []StreamID{p1}},
					{Name: []byte("amy"), SeenTime: 1700000000400, ActiveTime: -1, Pending: []StreamID{p0}},
					{Name: []byte("idle"), SeenTime: 1700000000000, ActiveTime: -1},
				}},
		}
	}
	return s
}
