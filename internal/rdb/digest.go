package rdb

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"strconv"
)

// DEBUG DIGEST and DEBUG DIGEST-VALUE combine SHA1 hashes in two ways:
//   - xor: digest ^= SHA1(data). Order-independent; used for unordered
//     elements (set members, hash fields, zset members) and for keys.
//   - mix: xor, then digest = SHA1(digest). Order-dependent; used for
//     sequences (list elements, stream entries) and structure (type tag).
// The rules below follow what Redis hashes for each type so the server can
// reproduce its output bit for bit.

func xorDigest(d *[20]byte, p []byte) {
	h := sha1.Sum(p)
	for i := range d {
		d[i] ^= h[i]
	}
}

func mixDigest(d *[20]byte, p []byte) {
	xorDigest(d, p)
	*d = sha1.Sum(d[:])
}

// DigestValue returns what DEBUG DIGEST-VALUE prints (as 40 hex digits) for a
// key holding v without an expire.
//
// Scores are hashed as printf("%.17g") text, so -0 and 0 differ. Redis stores
// integral scores of small (listpack) sorted sets as integers, turning -0
// into 0; a server that keeps -0 in a sorted set it would encode as a
// listpack must normalise it to 0 to reproduce Redis's digest. Values decoded
// by this package already carry the sign Redis has.
func DigestValue(v *Value) [20]byte {
	return DigestValueExpire(v, false)
}

// DigestValueExpire is DigestValue for a key that may have an expire: the
// presence (not the time) of an expire changes the digest.
func DigestValueExpire(v *Value, hasExpire bool) [20]byte {
	var d [20]byte
	addObjectDigest(&d, v, hasExpire)
	return d
}

func addObjectDigest(d *[20]byte, v *Value, hasExpire bool) {
	var tag [4]byte
	binary.BigEndian.PutUint32(tag[:], uint32(v.Kind))
	mixDigest(d, tag[:])
	var buf [64]byte
	switch v.Kind {
	case KindString:
		mixDigest(d, v.Str)
	case KindList:
		for _, e := range v.List {
			mixDigest(d, e)
		}
	case KindSet:
		for _, m := range v.Set {
			xorDigest(d, m)
		}
	case KindZSet:
		for i := range v.ZSet {
			var ed [20]byte
			mixDigest(&ed, v.ZSet[i].Member)
			// Redis 7.0 renders the score with %.17g here (not d2string).
			mixDigest(&ed, appendG17(buf[:0], v.ZSet[i].Score))
			xorDigest(d, ed[:])
		}
	case KindHash:
		for i := range v.Hash {
			var ed [20]byte
			mixDigest(&ed, v.Hash[i].Name)
			mixDigest(&ed, v.Hash[i].Value)
			xorDigest(d, ed[:])
		}
	case KindStream:
		if v.Stream != nil {
			for i := range v.Stream.Entries {
				e := &v.Stream.Entries[i]
				// Entry IDs are hashed as "<ms>.<seq>"; groups are not hashed.
				id := strconv.AppendUint(buf[:0], e.ID.Ms, 10)
				id = append(id, '.')
				id = strconv.AppendUint(id, e.ID.Seq, 10)
				mixDigest(d, id)
				for _, f := range e.Fields {
					mixDigest(d, f.Name)
					mixDigest(d, f.Value)
				}
			}
		}
	}
	if hasExpire {
		xorDigest(d, []byte("!!expire!!"))
	}
}

// KeyDigest is the per-key digest DEBUG DIGEST folds into the dataset
// digest: the key name mixed in first, then the value as in DigestValueExpire.
func KeyDigest(key []byte, v *Value, hasExpire bool) [20]byte {
	var d [20]byte
	mixDigest(&d, key)
	addObjectDigest(&d, v, hasExpire)
	return d
}

// DatasetDigest computes DEBUG DIGEST. Feed databases in ascending order,
// skipping empty ones: call BeginDB, then AddKey for each of its keys in any
// order (keys are combined with xor). An empty dataset digests to all zeros.
type DatasetDigest struct {
	sum [20]byte
}

// BeginDB mixes in the number of the next non-empty database.
func (dd *DatasetDigest) BeginDB(db int) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(db))
	mixDigest(&dd.sum, b[:])
}

// AddKey folds one key into the current database.
func (dd *DatasetDigest) AddKey(key []byte, v *Value, hasExpire bool) {
	kd := KeyDigest(key, v, hasExpire)
	dd.AddKeyDigest(kd)
}

// AddKeyDigest folds a precomputed KeyDigest (e.g. cached per key).
func (dd *DatasetDigest) AddKeyDigest(kd [20]byte) {
	xorDigest(&dd.sum, kd[:])
}

// Sum returns the digest so far.
func (dd *DatasetDigest) Sum() [20]byte { return dd.sum }

// DigestHex renders a digest the way DEBUG prints it.
func DigestHex(d [20]byte) string { return hex.EncodeToString(d[:]) }
