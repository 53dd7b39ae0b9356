package persist

import (
	"encoding/binary"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/command"
	"github.com/autobot-ai/autobot-redis/internal/keyspace"
	"github.com/autobot-ai/autobot-redis/internal/rdb"
	"github.com/autobot-ai/autobot-redis/internal/types"
)

// FuzzRestore drives RESTORE's path past the payload decoder (which
// internal/rdb fuzzes on its own): the fuzzed bytes are a payload body
// (type byte and value) given a valid footer, so mutations reach the
// decoder and the value construction instead of failing the checksum. A
// body that decodes is turned into a keyspace value as RESTORE does,
// dumped again, and the new payload must decode to a value with the same
// digest. Nothing may panic.
func FuzzRestore(f *testing.F) {
	seeds := []*rdb.Value{
		{Kind: rdb.KindString, Str: []byte("hello")},
		{Kind: rdb.KindString, Str: []byte("12345")},
		{Kind: rdb.KindList, List: [][]byte{[]byte("a"), []byte("1"), make([]byte, 100)}},
		{Kind: rdb.KindSet, Set: [][]byte{[]byte("1"), []byte("2"), []byte("-3")}},
		{Kind: rdb.KindSet, Set: [][]byte{[]byte("a"), []byte("b")}},
		{Kind: rdb.KindZSet, ZSet: []rdb.ZMember{{Member: []byte("a"), Score: 1.5}, {Member: []byte("b"), Score: -2}}},
		{Kind: rdb.KindHash, Hash: []rdb.Field{{Name: []byte("f"), Value: []byte("v")}, {Name: []byte("n"), Value: []byte("7")}}},
		{Kind: rdb.KindStream, Stream: &rdb.Stream{
			Entries: []rdb.StreamEntry{{ID: rdb.StreamID{Ms: 1, Seq: 1}, Fields: []rdb.Field{{Name: []byte("f"), Value: []byte("v")}}}},
			LastID:  rdb.StreamID{Ms: 1, Seq: 1}, FirstID: rdb.StreamID{Ms: 1, Seq: 1}, EntriesAdded: 1,
			Groups: []rdb.StreamGroup{{Name: []byte("g"), LastID: rdb.StreamID{Ms: 1, Seq: 1}, EntriesRead: 1,
				Pending:   []rdb.StreamPendingEntry{{ID: rdb.StreamID{Ms: 1, Seq: 1}, DeliveryTime: 5, DeliveryCount: 2}},
				Consumers: []rdb.StreamConsumer{{Name: []byte("c"), SeenTime: 9, ActiveTime: -1, Pending: []rdb.StreamID{{Ms: 1, Seq: 1}}}}}},
		}},
	}
	for _, v := range seeds {
		body, err := rdb.AppendValue(nil, v, rdb.DefaultEncodeOptions())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	set := &command.Settings{Limits: types.DefaultLimits(), StreamNode: types.StreamNodeLimits{MaxBytes: 4096, MaxEntries: 100}}
	f.Fuzz(func(t *testing.T, body []byte) {
		payload := binary.LittleEndian.AppendUint16(append([]byte(nil), body...), rdb.Version)
		payload = binary.LittleEndian.AppendUint64(payload, rdb.CRC64(0, payload))
		v, err := rdb.DecodeDump(payload)
		if err != nil {
			return
		}
		var o keyspace.Object
		if err := fillObject(&o, v, set); err != nil {
			return
		}
		v2, err := toValue(&o)
		if err != nil {
			t.Fatalf("restored value cannot be serialized: %v", err)
		}
		again, err := rdb.AppendDump(nil, v2, rdb.DefaultEncodeOptions())
		if err != nil {
			t.Fatalf("restored value cannot be dumped: %v", err)
		}
		v3, err := rdb.DecodeDump(again)
		if err != nil {
			t.Fatalf("our DUMP of a restored value does not decode: %v", err)
		}
		if rdb.DigestValue(v2) != rdb.DigestValue(v3) {
			t.Fatalf("DUMP/RESTORE of a restored value changes it")
		}
	})
}
