package ops

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Per-database backups. redis-cli --rdb copies a whole server; AutoBot's
// operators also need to export and import ONE logical database (say only
// the knowledge base, DB 2). The export is a portable file of DUMP
// payloads with absolute expiry times, sealed with a SHA-256 checksum, so
// it restores into our server or any Redis 7 (DUMP payloads carry their
// own RDB version and CRC64).
//
// File layout:
//
//	"AUTOBOT-DBDUMP 1\n"
//	one JSON line of metadata
//	records: 'K' uvarint(len(key)) key varint(expireAtMs or -1) uvarint(len(payload)) payload
//	trailer: 'E' uvarint(count) sha256(all bytes before the trailer)

const dumpMagic = "AUTOBOT-DBDUMP 1\n"

// DumpMeta describes an export.
type DumpMeta struct {
	DB      int       `json:"db"`
	Source  string    `json:"source"`
	Created time.Time `json:"created"`
	Version string    `json:"redis_version,omitempty"`
	Pattern string    `json:"pattern,omitempty"`
}

// ErrDumpCorrupt is returned for files that fail the format or checksum.
var ErrDumpCorrupt = errors.New("backup file is corrupt or truncated")

type hashingWriter struct {
	w io.Writer
	h hash.Hash
}

func (hw *hashingWriter) Write(p []byte) (int, error) {
	hw.h.Write(p)
	return hw.w.Write(p)
}

// ExportDB writes every key of the client's database (matching pattern,
// when given) to w. progress, when not nil, is called as keys are written.
func ExportDB(ctx context.Context, c *redis.Client, meta DumpMeta, w io.Writer, progress func(done int64)) (int64, error) {
	bw := bufio.NewWriter(w)
	hw := &hashingWriter{w: bw, h: sha256.New()}
	if info, err := FetchInfo(ctx, c, "server"); err == nil {
		meta.Version = info.Get("redis_version")
	}
	hdr, _ := json.Marshal(meta)
	io.WriteString(hw, dumpMagic)
	hw.Write(append(hdr, '\n'))
	var count int64
	var cursor uint64
	var tmp [binary.MaxVarintLen64]byte
	for {
		keys, next, err := c.Scan(ctx, cursor, meta.Pattern, 500).Result()
		if err != nil {
			return count, fmt.Errorf("SCAN: %w", err)
		}
		if len(keys) > 0 {
			pipe := c.Pipeline()
			dumps := make([]*redis.StringCmd, len(keys))
			ttls := make([]*redis.Cmd, len(keys))
			for i, k := range keys {
				dumps[i] = pipe.Dump(ctx, k)
				ttls[i] = pipe.Do(ctx, "PEXPIRETIME", k)
			}
			pipe.Exec(ctx) // per-command errors are read below
			for i, k := range keys {
				payload, err := dumps[i].Result()
				if err == redis.Nil {
					continue // deleted since SCAN returned it
				}
				if err != nil {
					return count, fmt.Errorf("DUMP %q: %w", k, err)
				}
				at, _ := ttls[i].Int64()
				if at < 0 {
					at = -1
				}
				hw.Write([]byte{'K'})
				hw.Write(tmp[:binary.PutUvarint(tmp[:], uint64(len(k)))])
				io.WriteString(hw, k)
				hw.Write(tmp[:binary.PutVarint(tmp[:], at)])
				hw.Write(tmp[:binary.PutUvarint(tmp[:], uint64(len(payload)))])
				io.WriteString(hw, payload)
				count++
			}
			if progress != nil {
				progress(count)
			}
		}
		cursor = next
		if cursor == 0 {
			break
		}
	}
	sum := hw.h.Sum(nil)
	bw.Write([]byte{'E'})
	bw.Write(tmp[:binary.PutUvarint(tmp[:], uint64(count))])
	bw.Write(sum)
	return count, bw.Flush()
}

// DumpRecord is one key read back from an export.
type DumpRecord struct {
	Key      string
	ExpireAt int64 // unix ms, -1 for none
	Payload  []byte
}

// hashReader hashes exactly the bytes consumed from a buffered reader.
type hashReader struct {
	r *bufio.Reader
	h hash.Hash
}

func (x *hashReader) ReadByte() (byte, error) {
	b, err := x.r.ReadByte()
	if err == nil {
		x.h.Write([]byte{b})
	}
	return b, err
}

func (x *hashReader) Read(p []byte) (int, error) {
	n, err := x.r.Read(p)
	x.h.Write(p[:n])
	return n, err
}

// ReadDump verifies and decodes an export, calling fn per key. The
// checksum is only known at the end, so callers that must not act on a
// corrupt file read it twice: once to verify (fn nil), once to apply.
func ReadDump(r io.Reader, fn func(DumpRecord) error) (DumpMeta, int64, error) {
	var meta DumpMeta
	x := &hashReader{r: bufio.NewReaderSize(r, 64<<10), h: sha256.New()}
	magic := make([]byte, len(dumpMagic))
	if _, err := io.ReadFull(x, magic); err != nil || string(magic) != dumpMagic {
		return meta, 0, fmt.Errorf("%w: not an autobot-redis database export", ErrDumpCorrupt)
	}
	var line []byte
	for {
		b, err := x.ReadByte()
		if err != nil || len(line) > 1<<16 {
			return meta, 0, fmt.Errorf("%w: bad header", ErrDumpCorrupt)
		}
		if b == '\n' {
			break
		}
		line = append(line, b)
	}
	if json.Unmarshal(line, &meta) != nil {
		return meta, 0, fmt.Errorf("%w: bad header", ErrDumpCorrupt)
	}
	var count int64
	for {
		peek, err := x.r.Peek(1)
		if err != nil {
			return meta, count, fmt.Errorf("%w: missing trailer", ErrDumpCorrupt)
		}
		if peek[0] == 'E' {
			break
		}
		if tag, _ := x.ReadByte(); tag != 'K' {
			return meta, count, fmt.Errorf("%w: bad record tag %q", ErrDumpCorrupt, tag)
		}
		klen, err := binary.ReadUvarint(x)
		if err != nil || klen > 512<<20 {
			return meta, count, fmt.Errorf("%w: bad key length", ErrDumpCorrupt)
		}
		key, err := readN(x, int64(klen))
		if err != nil {
			return meta, count, fmt.Errorf("%w: truncated key", ErrDumpCorrupt)
		}
		at, err := binary.ReadVarint(x)
		if err != nil {
			return meta, count, fmt.Errorf("%w: bad expiry", ErrDumpCorrupt)
		}
		plen, err := binary.ReadUvarint(x)
		if err != nil || plen > 1<<32 {
			return meta, count, fmt.Errorf("%w: bad payload length", ErrDumpCorrupt)
		}
		payload, err := readN(x, int64(plen))
		if err != nil {
			return meta, count, fmt.Errorf("%w: truncated payload", ErrDumpCorrupt)
		}
		count++
		if fn != nil {
			if err := fn(DumpRecord{Key: string(key), ExpireAt: at, Payload: payload}); err != nil {
				return meta, count, err
			}
		}
	}
	sum := x.h.Sum(nil)
	x.r.ReadByte() // the 'E'
	n, err := binary.ReadUvarint(x.r)
	if err != nil || int64(n) != count {
		return meta, count, fmt.Errorf("%w: %d records but the trailer says %d", ErrDumpCorrupt, count, n)
	}
	want := make([]byte, sha256.Size)
	if _, err := io.ReadFull(x.r, want); err != nil || string(want) != string(sum) {
		return meta, count, fmt.Errorf("%w: checksum mismatch", ErrDumpCorrupt)
	}
	return meta, count, nil
}

// readN reads n bytes, growing the buffer with the data that arrives so a
// forged length cannot force a huge allocation.
func readN(r io.Reader, n int64) ([]byte, error) {
	var b strings.Builder
	b.Grow(int(min(n, 1<<20)))
	if _, err := io.CopyN(&b, r, n); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// RestoreOptions control ImportDB.
type RestoreOptions struct {
	DryRun       bool
	Replace      bool
	SkipExisting bool
	Progress     func(done, total int64)
}

// RestoreResult counts what ImportDB did.
type RestoreResult struct {
	Meta     DumpMeta
	Total    int64 // keys in the file
	Restored int64
	Skipped  int64 // existing keys left alone (--skip-existing)
	Expired  int64 // keys whose expiry passed since the export
	Existing int64 // keys of the file already present before the restore
}

// ImportDB restores an export into the client's database. It verifies
// the whole file first, refuses to start when keys already exist and
// neither Replace nor SkipExisting is set, then restores with absolute
// expiry times, and finally checks the counts.
func ImportDB(ctx context.Context, c *redis.Client, open func() (io.ReadCloser, error), o RestoreOptions) (RestoreResult, error) {
	var res RestoreResult
	f, err := open()
	if err != nil {
		return res, err
	}
	// Pass 1: verify the checksum and find conflicts, without writing.
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := c.Exists(ctx, batch...).Result()
		res.Existing += n
		batch = batch[:0]
		return err
	}
	meta, total, err := ReadDump(f, func(r DumpRecord) error {
		batch = append(batch, r.Key)
		if len(batch) == 500 {
			return flush()
		}
		return nil
	})
	f.Close()
	if err == nil {
		err = flush()
	}
	if err != nil {
		return res, err
	}
	res.Meta, res.Total = meta, total
	if res.Existing > 0 && !o.Replace && !o.SkipExisting {
		return res, fmt.Errorf("%d of the %d keys already exist in the target database: use --replace to overwrite them or --skip-existing to keep them", res.Existing, total)
	}
	if o.DryRun {
		return res, nil
	}
	before, err := c.DBSize(ctx).Result()
	if err != nil {
		return res, err
	}
	f, err = open()
	if err != nil {
		return res, err
	}
	defer f.Close()
	now := time.Now().UnixMilli()
	var done int64
	_, _, err = ReadDump(f, func(r DumpRecord) error {
		done++
		if o.Progress != nil && done%256 == 0 {
			o.Progress(done, total)
		}
		if r.ExpireAt >= 0 && r.ExpireAt <= now {
			res.Expired++
			return nil
		}
		ttl := int64(0)
		args := []any{"RESTORE", r.Key}
		if r.ExpireAt >= 0 {
			ttl = r.ExpireAt
		}
		args = append(args, ttl, string(r.Payload))
		if r.ExpireAt >= 0 {
			args = append(args, "ABSTTL")
		}
		if o.Replace {
			args = append(args, "REPLACE")
		}
		err := c.Do(ctx, args...).Err()
		if err != nil && o.SkipExisting && strings.HasPrefix(err.Error(), "BUSYKEY") {
			res.Skipped++
			return nil
		}
		if err != nil {
			return fmt.Errorf("RESTORE %q: %w", r.Key, err)
		}
		res.Restored++
		return nil
	})
	if o.Progress != nil {
		o.Progress(done, total)
	}
	if err != nil {
		return res, err
	}
	if res.Restored+res.Skipped+res.Expired != total {
		return res, fmt.Errorf("count mismatch: %d restored + %d skipped + %d expired != %d in the file", res.Restored, res.Skipped, res.Expired, total)
	}
	after, err := c.DBSize(ctx).Result()
	if err != nil {
		return res, err
	}
	added := res.Restored
	if o.Replace {
		added -= res.Existing
	}
	if after-before < added {
		return res, fmt.Errorf("verification failed: the database grew by %d keys, expected at least %d", after-before, added)
	}
	return res, nil
}
