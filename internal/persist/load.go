package persist

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"time"
	"unsafe"

	"github.com/autobot-ai/autobot-redis/internal/rdb"
)

// Loading an RDB stream into the keyspace, as a master does: keys whose
// expire time has passed are skipped (and counted), a key present twice is
// an error unless merging (DEBUG RELOAD MERGE), and anything the decoder
// rejects stops the load with an error naming the offset and key. The
// caller holds the lock.

// loadResult counts what a load did.
type loadResult struct {
	loaded, expired int64
	empty           int
	version         int
	consumed        int64 // input bytes consumed (AOF preambles continue after)
}

// loadOptions adjust a load.
type loadOptions struct {
	allowDup bool // replace existing keys (DEBUG RELOAD MERGE)
	logAux   bool // log the creator's AUX fields, as Redis does at start-up
}

// loadRDB reads an RDB stream from r into the keyspace.
func (m *Manager) loadRDB(r io.Reader, opt loadOptions) (loadResult, error) {
	// Loading only adds live data: collecting garbage as often as usual
	// would mark the growing heap over and over.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	var res loadResult
	ks := m.srv.Keyspace()
	set := m.srv.Settings()
	d := rdb.NewDecoder(r)
	d.SkipChecksum = !m.cfg.RDBChecksum
	now := time.Now().UnixMilli()
	ks.SetNow(now)
	// Every key record takes at least three bytes (type, key length,
	// value), which bounds what a RESIZEDB hint can make us reserve when
	// the input is a file of known size.
	maxKeys := uint64(math.MaxUint64)
	if st, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			maxKeys = uint64(fi.Size()) / 3
		}
	}
	n := 0
	for {
		rec, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			res.consumed = d.Offset()
			return res, err
		}
		switch rec.Type {
		case rdb.RecordAux:
			if opt.logAux {
				m.logAux(rec.AuxKey, rec.AuxValue)
			}
		case rdb.RecordFunction:
			sc := m.srv.Scripting()
			if sc == nil {
				return res, errors.New("the RDB contains function libraries (FUNCTION LOAD) and scripting is not available")
			}
			if err := sc.LoadLibrary(string(rec.Function), opt.allowDup); err != nil {
				return res, fmt.Errorf("loading a function library from the RDB: %w", err)
			}
		case rdb.RecordSelectDB:
			if ks.DB(rec.DB) == nil {
				return res, fmt.Errorf("the RDB was created by a server configured for more than %d databases (it selects database %d)", ks.NumDBs(), rec.DB)
			}
		case rdb.RecordResizeDB:
			if db := ks.DB(rec.DB); db != nil {
				db.ReserveForLoad(min(rec.DBSize, maxKeys), min(rec.ExpiresSize, maxKeys))
			}
		case rdb.RecordKey:
			db := ks.DB(rec.DB)
			if db == nil {
				return res, fmt.Errorf("key in database %d, beyond the %d configured", rec.DB, ks.NumDBs())
			}
			if rec.Expire && rec.ExpireMs < now {
				res.expired++
				continue
			}
			// The decoder allocates each key afresh: the entry can own it.
			o, created := db.AddForLoad(unsafe.String(unsafe.SliceData(rec.Key), len(rec.Key)))
			if !created {
				if !opt.allowDup {
					return res, fmt.Errorf("the RDB has the key %q twice in database %d", rec.Key, rec.DB)
				}
				db.Delete(rec.Key)
				o = db.Add(rec.Key)
			}
			if err := fillObject(o, rec.Value, set); err != nil {
				db.Delete(rec.Key)
				return res, fmt.Errorf("key %q in database %d: %w", rec.Key, rec.DB, err)
			}
			if rec.Expire {
				db.SetExpire(rec.Key, rec.ExpireMs)
			}
			freq, idle := int64(-1), int64(-1)
			if rec.HasFreq {
				freq = int64(rec.Freq)
			}
			if rec.HasIdle {
				idle = int64(rec.Idle)
			}
			setLRUMeta(ks, o, freq, idle)
			res.loaded++
			if n++; n%1024 == 0 {
				ks.Settle()
			}
		}
	}
	ks.Settle()
	res.empty = d.EmptyKeysSkipped
	res.version = d.Version()
	res.consumed = d.Offset()
	return res, nil
}

// logAux reports the creator of a file being loaded, like Redis.
func (m *Manager) logAux(key, value []byte) {
	log := m.srv.Log()
	switch string(key) {
	case "redis-ver":
		log.Noticef("Loading RDB produced by version %s", value)
	case "ctime":
		if t, err := strconv.ParseInt(string(value), 10, 64); err == nil {
			age := time.Now().Unix() - t
			if age < 0 {
				age = 0
			}
			log.Noticef("RDB age %d seconds", age)
		}
	case "used-mem":
		if b, err := strconv.ParseInt(string(value), 10, 64); err == nil {
			log.Noticef("RDB memory usage when created %.2f Mb", float64(b)/(1024*1024))
		}
	}
}

// loadRDBFile loads path at start-up or for DEBUG RELOAD. A missing file
// is not an error (found reports whether it existed).
func (m *Manager) loadRDBFile(path string, opt loadOptions) (res loadResult, found bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return res, false, nil
		}
		return res, false, err
	}
	defer f.Close()
	m.beginLoading(f)
	defer m.endLoading()
	res, err = m.loadRDB(f, opt)
	if err != nil {
		return res, true, fmt.Errorf("loading %s: %w", path, err)
	}
	m.lastLoadLoaded, m.lastLoadExpired = res.loaded, res.expired
	return res, true, nil
}

// beginLoading and endLoading maintain the INFO loading fields.
func (m *Manager) beginLoading(f *os.File) {
	m.loading = true
	m.loadStart = time.Now()
	m.loadTotal = 0
	if fi, err := f.Stat(); err == nil {
		m.loadTotal = fi.Size()
	}
	m.cfg.SetLoading(true)
}

func (m *Manager) endLoading() {
	m.loading = false
	m.cfg.SetLoading(false)
}
