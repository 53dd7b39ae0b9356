package console

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The key browser. Listing is SCAN-based and paged: one request returns
// a page of keys and the cursor to continue from, never the whole
// database, so it stays fast with millions of keys.

type keyItem struct {
	Name  Bin    `json:"name"`
	Type  string `json:"type"`
	TTLms int64  `json:"ttl_ms"` // -1 without TTL, -2 vanished
}

type scanResponse struct {
	Keys   []keyItem `json:"keys"`
	Cursor string    `json:"cursor"` // "0" when the scan is complete
	Done   bool      `json:"done"`
	Calls  int       `json:"calls"`
	DBSize int64     `json:"dbsize"`
}

// Bounds of one page: SCAN is called until the page has `count` keys,
// the scan completes, or these limits are reached (a pattern that
// matches few of a million keys returns partial pages quickly rather
// than walking the whole keyspace in one request).
const (
	scanPageBudget = 300 * time.Millisecond
	scanMaxCalls   = 64
)

var validTypes = map[string]bool{"": true, "string": true, "hash": true, "list": true, "set": true, "zset": true, "stream": true}

func (c *Console) handleScan(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	db, err := dbParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	count, err := intParam(r, "count", 200, 1, 5000)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cursor := uint64(0)
	if cs := q.Get("cursor"); cs != "" {
		if cursor, err = strconv.ParseUint(cs, 10, 64); err != nil {
			writeError(w, http.StatusBadRequest, "bad cursor")
			return
		}
	}
	match := q.Get("match")
	if match == "" {
		match = "*"
	}
	typ := strings.ToLower(q.Get("type"))
	if !validTypes[typ] {
		writeError(w, http.StatusBadRequest, "unknown type "+typ)
		return
	}
	cl, err := s.client(db)
	if err != nil {
		redisError(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	out := scanResponse{Keys: []keyItem{}}
	var names []string
	step := max(count, 500)
	deadline := time.Now().Add(scanPageBudget)
	for {
		var keys []string
		var next uint64
		if typ != "" {
			keys, next, err = cl.ScanType(ctx, cursor, match, step, typ).Result()
		} else {
			keys, next, err = cl.Scan(ctx, cursor, match, step).Result()
		}
		if err != nil {
			redisError(w, err)
			return
		}
		out.Calls++
		names = append(names, keys...)
		cursor = next
		if cursor == 0 || int64(len(names)) >= count || out.Calls >= scanMaxCalls || time.Now().After(deadline) {
			break
		}
	}
	out.Cursor = strconv.FormatUint(cursor, 10)
	out.Done = cursor == 0
	// Type and TTL of the page, pipelined.
	pipe := cl.Pipeline()
	types := make([]*redis.StatusCmd, len(names))
	ttls := make([]*redis.DurationCmd, len(names))
	for i, k := range names {
		if typ == "" {
			types[i] = pipe.Type(ctx, k)
		}
		ttls[i] = pipe.PTTL(ctx, k)
	}
	size := pipe.DBSize(ctx)
	pipe.Exec(ctx) // per-command errors are read below
	for i, k := range names {
		it := keyItem{Name: toBin(k), Type: typ, TTLms: -1}
		if types[i] != nil {
			it.Type = types[i].Val()
		}
		if d, err := ttls[i].Result(); err == nil {
			it.TTLms = ttlMillis(d)
		}
		if it.Type == "none" {
			continue // deleted since SCAN saw it
		}
		out.Keys = append(out.Keys, it)
	}
	out.DBSize = size.Val()
	writeJSON(w, http.StatusOK, out)
}

// ttlMillis converts go-redis's PTTL result: -1 (no TTL) and -2 (no key)
// come back as those many nanoseconds.
func ttlMillis(d time.Duration) int64 {
	if d < 0 {
		return int64(d)
	}
	return d.Milliseconds()
}

// Limits of one key view.
const (
	maxStringView  = 1 << 20  // bytes of a string value shown
	maxElementView = 64 << 10 // bytes of one collection element shown
)

// Elem is a collection element or value for the UI; T marks a value cut
// at maxElementView (not editable from the UI).
type Elem struct {
	Bin
	T bool `json:"t,omitempty"`
}

func toElem(s string, limit int) Elem {
	if len(s) > limit {
		return Elem{Bin: toBin(s[:limit]), T: true}
	}
	return Elem{Bin: toBin(s)}
}

type hashField struct {
	Field Elem `json:"field"`
	Value Elem `json:"value"`
}

type listItem struct {
	Index int64 `json:"index"`
	Value Elem  `json:"value"`
}

type zsetItem struct {
	Member Elem    `json:"member"`
	Score  float64 `json:"score"`
}

type streamEntry struct {
	ID     string `json:"id"`
	Fields []Elem `json:"fields"` // field, value, field, value...
}

type keyView struct {
	Name     Bin    `json:"name"`
	Type     string `json:"type"`
	TTLms    int64  `json:"ttl_ms"`
	Encoding string `json:"encoding,omitempty"`
	Memory   int64  `json:"memory,omitempty"`
	Length   int64  `json:"length"`

	Value   *Elem         `json:"value,omitempty"` // string
	Fields  []hashField   `json:"fields,omitempty"`
	Items   []listItem    `json:"items,omitempty"`
	Members []Elem        `json:"members,omitempty"`
	Scored  []zsetItem    `json:"scored,omitempty"`
	Entries []streamEntry `json:"entries,omitempty"`
	Groups  int64         `json:"groups,omitempty"`

	// Paging: Cursor for HSCAN/SSCAN ("0" = done), Next for the offset of
	// the next list/zset page or the stream id to continue before; "" at
	// the end.
	Cursor string `json:"cursor,omitempty"`
	Next   string `json:"next,omitempty"`
}

// handleKey shows one key: its metadata and one page of its value.
func (c *Console) handleKey(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	db, err := dbParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	key, err := keyParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	count, err := intParam(r, "count", 100, 1, 1000)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	offset, err := intParam(r, "offset", 0, 0, 1<<62)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cursor, err := strconv.ParseUint(orDefault(q.Get("cursor"), "0"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad cursor")
		return
	}
	cl, err := s.client(db)
	if err != nil {
		redisError(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	typ, err := cl.Type(ctx, key).Result()
	if err != nil {
		redisError(w, err)
		return
	}
	if typ == "none" {
		writeError(w, http.StatusNotFound, "no such key")
		return
	}
	v := keyView{Name: toBin(key), Type: typ}
	// Metadata; OBJECT and MEMORY may be denied by ACL: shown when allowed.
	pipe := cl.Pipeline()
	ttl := pipe.PTTL(ctx, key)
	enc := pipe.ObjectEncoding(ctx, key)
	mem := pipe.MemoryUsage(ctx, key)
	var length *redis.IntCmd
	switch typ {
	case "string":
		length = pipe.StrLen(ctx, key)
	case "hash":
		length = pipe.HLen(ctx, key)
	case "list":
		length = pipe.LLen(ctx, key)
	case "set":
		length = pipe.SCard(ctx, key)
	case "zset":
		length = pipe.ZCard(ctx, key)
	case "stream":
		length = pipe.XLen(ctx, key)
	}
	pipe.Exec(ctx)
	if d, err := ttl.Result(); err == nil {
		v.TTLms = ttlMillis(d)
	}
	v.Encoding = enc.Val()
	v.Memory = mem.Val()
	if length != nil {
		v.Length = length.Val()
	}
	switch typ {
	case "string":
		val, err := cl.GetRange(ctx, key, 0, maxStringView-1).Result()
		if err != nil {
			redisError(w, err)
			return
		}
		e := Elem{Bin: toBin(val), T: v.Length > int64(len(val))}
		v.Value = &e
	case "hash":
		kv, next, err := cl.HScan(ctx, key, cursor, "*", count).Result()
		if err != nil {
			redisError(w, err)
			return
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Fields = append(v.Fields, hashField{toElem(kv[i], maxElementView), toElem(kv[i+1], maxElementView)})
		}
		v.Cursor = strconv.FormatUint(next, 10)
	case "set":
		ms, next, err := cl.SScan(ctx, key, cursor, "*", count).Result()
		if err != nil {
			redisError(w, err)
			return
		}
		for _, m := range ms {
			v.Members = append(v.Members, toElem(m, maxElementView))
		}
		v.Cursor = strconv.FormatUint(next, 10)
	case "list":
		items, err := cl.LRange(ctx, key, offset, offset+count-1).Result()
		if err != nil {
			redisError(w, err)
			return
		}
		for i, it := range items {
			v.Items = append(v.Items, listItem{offset + int64(i), toElem(it, maxElementView)})
		}
		if offset+int64(len(items)) < v.Length {
			v.Next = strconv.FormatInt(offset+int64(len(items)), 10)
		}
	case "zset":
		zs, err := cl.ZRangeWithScores(ctx, key, offset, offset+count-1).Result()
		if err != nil {
			redisError(w, err)
			return
		}
		for _, z := range zs {
			m, _ := z.Member.(string)
			v.Scored = append(v.Scored, zsetItem{toElem(m, maxElementView), z.Score})
		}
		if offset+int64(len(zs)) < v.Length {
			v.Next = strconv.FormatInt(offset+int64(len(zs)), 10)
		}
	case "stream":
		// Newest first; ?before= continues below an entry id.
		end := "+"
		if b := q.Get("before"); b != "" {
			end = "(" + b
		}
		xs, err := cl.XRevRangeN(ctx, key, end, "-", count).Result()
		if err != nil {
			redisError(w, err)
			return
		}
		for _, x := range xs {
			e := streamEntry{ID: x.ID}
			for f, val := range x.Values {
				sv, _ := val.(string)
				e.Fields = append(e.Fields, toElem(f, maxElementView), toElem(sv, maxElementView))
			}
			v.Entries = append(v.Entries, e)
		}
		if int64(len(xs)) == count {
			v.Next = xs[len(xs)-1].ID
		}
		if gs, err := cl.XInfoGroups(ctx, key).Result(); err == nil {
			v.Groups = int64(len(gs))
		}
	default:
		// Other types (modules): metadata only.
	}
	writeJSON(w, http.StatusOK, v)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// editRequest is a change to one key. Which fields matter depends on
// Action.
type editRequest struct {
	DB        int      `json:"db"`
	Key       Bin      `json:"key"`
	Action    string   `json:"action"`
	Type      string   `json:"type,omitempty"`   // create
	Value     *string  `json:"value,omitempty"`  // string value, hash value, list element
	Member    Bin      `json:"member,omitempty"` // hash field, set/zset member
	Score     *float64 `json:"score,omitempty"`
	Index     *int64   `json:"index,omitempty"`
	TTL       *int64   `json:"ttl,omitempty"` // seconds; -1 removes the TTL
	NewName   Bin      `json:"new_name,omitempty"`
	Overwrite bool     `json:"overwrite,omitempty"`
	ID        string   `json:"id,omitempty"`     // stream entry
	Fields    []string `json:"fields,omitempty"` // stream entry: field, value, ...
}

var errMissing = errors.New("missing argument")

// handleKeyEdit applies one change. Every change is an ordinary Redis
// command run as the session's user: ACL decides what is allowed.
func (c *Console) handleKeyEdit(w http.ResponseWriter, r *http.Request, s *session) {
	var req editRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	key, err := fromBin(req.Key)
	if err != nil || key == "" {
		writeError(w, http.StatusBadRequest, "key is required")
		return
	}
	if req.DB < 0 {
		writeError(w, http.StatusBadRequest, "bad db")
		return
	}
	member, err := fromBin(req.Member)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cl, err := s.client(req.DB)
	if err != nil {
		redisError(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	result, err := c.applyEdit(ctx, cl, key, member, &req)
	if err != nil {
		if err == errMissing {
			writeError(w, http.StatusBadRequest, "missing argument for "+req.Action)
			return
		}
		redisError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func (c *Console) applyEdit(ctx context.Context, cl *redis.Client, key, member string, req *editRequest) (any, error) {
	val := ""
	if req.Value != nil {
		val = *req.Value
	}
	needValue := func() error {
		if req.Value == nil {
			return errMissing
		}
		return nil
	}
	switch req.Action {
	case "create":
		return createKey(ctx, cl, key, member, req)
	case "set":
		if err := needValue(); err != nil {
			return nil, err
		}
		return cl.SetArgs(ctx, key, val, redis.SetArgs{KeepTTL: true}).Result()
	case "ttl":
		if req.TTL == nil {
			return nil, errMissing
		}
		if *req.TTL < 0 {
			return cl.Persist(ctx, key).Result()
		}
		if *req.TTL == 0 {
			return nil, errors.New("a TTL must be positive (or -1 to remove it)")
		}
		ok, err := cl.Expire(ctx, key, time.Duration(*req.TTL)*time.Second).Result()
		if err == nil && !ok {
			return nil, redis.Nil
		}
		return ok, err
	case "rename":
		to, err := fromBin(req.NewName)
		if err != nil || to == "" {
			return nil, errMissing
		}
		if req.Overwrite {
			return cl.Rename(ctx, key, to).Result()
		}
		ok, err := cl.RenameNX(ctx, key, to).Result()
		if err == nil && !ok {
			return nil, errors.New("a key named " + toBin(to).S + " already exists")
		}
		return ok, err
	case "hset":
		if err := needValue(); err != nil {
			return nil, err
		}
		return cl.HSet(ctx, key, member, val).Result()
	case "hdel":
		return cl.HDel(ctx, key, member).Result()
	case "lset":
		if err := needValue(); err != nil || req.Index == nil {
			return nil, errMissing
		}
		return cl.LSet(ctx, key, *req.Index, val).Result()
	case "lpush":
		if err := needValue(); err != nil {
			return nil, err
		}
		return cl.LPush(ctx, key, val).Result()
	case "rpush":
		if err := needValue(); err != nil {
			return nil, err
		}
		return cl.RPush(ctx, key, val).Result()
	case "lrem":
		// Remove the element at Index, provided it still holds Value.
		if err := needValue(); err != nil || req.Index == nil {
			return nil, errMissing
		}
		return removeListIndex(ctx, cl, key, *req.Index, val)
	case "sadd":
		if member == "" && req.Member.S == "" {
			return nil, errMissing
		}
		return cl.SAdd(ctx, key, member).Result()
	case "srem":
		return cl.SRem(ctx, key, member).Result()
	case "zadd":
		if req.Score == nil {
			return nil, errMissing
		}
		return cl.ZAdd(ctx, key, redis.Z{Score: *req.Score, Member: member}).Result()
	case "zrem":
		return cl.ZRem(ctx, key, member).Result()
	case "xadd":
		if len(req.Fields) == 0 || len(req.Fields)%2 != 0 {
			return nil, errors.New("a stream entry needs field/value pairs")
		}
		return cl.XAdd(ctx, &redis.XAddArgs{Stream: key, ID: orDefault(req.ID, "*"), Values: req.Fields}).Result()
	case "xdel":
		if req.ID == "" {
			return nil, errMissing
		}
		return cl.XDel(ctx, key, req.ID).Result()
	}
	return nil, errors.New("unknown action " + req.Action)
}

// createKey makes a new key of req.Type; it refuses to touch an existing
// key.
func createKey(ctx context.Context, cl *redis.Client, key, member string, req *editRequest) (any, error) {
	n, err := cl.Exists(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, errors.New("a key named " + toBin(key).S + " already exists")
	}
	val := ""
	if req.Value != nil {
		val = *req.Value
	}
	var res any
	switch req.Type {
	case "string":
		res, err = cl.SetArgs(ctx, key, val, redis.SetArgs{Mode: "NX"}).Result()
	case "hash":
		if member == "" {
			return nil, errors.New("a hash needs a first field")
		}
		res, err = cl.HSetNX(ctx, key, member, val).Result()
	case "list":
		res, err = cl.RPush(ctx, key, val).Result()
	case "set":
		res, err = cl.SAdd(ctx, key, orDefault(member, val)).Result()
	case "zset":
		score := 0.0
		if req.Score != nil {
			score = *req.Score
		}
		res, err = cl.ZAdd(ctx, key, redis.Z{Score: score, Member: orDefault(member, val)}).Result()
	case "stream":
		fields := req.Fields
		if len(fields) == 0 || len(fields)%2 != 0 {
			return nil, errors.New("a stream entry needs field/value pairs")
		}
		res, err = cl.XAdd(ctx, &redis.XAddArgs{Stream: key, ID: orDefault(req.ID, "*"), Values: fields}).Result()
	default:
		return nil, errors.New("unknown type " + req.Type)
	}
	if err != nil {
		return nil, err
	}
	if req.TTL != nil && *req.TTL > 0 {
		if err := cl.Expire(ctx, key, time.Duration(*req.TTL)*time.Second).Err(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// removeListIndex deletes one list element by position: under WATCH, it
// checks the element is still the one the user saw, then replaces it
// with a unique marker and removes the marker, atomically.
func removeListIndex(ctx context.Context, cl *redis.Client, key string, index int64, expect string) (any, error) {
	marker := "__autobot_console_deleted_" + newID()
	var removed int64
	err := cl.Watch(ctx, func(tx *redis.Tx) error {
		cur, err := tx.LIndex(ctx, key, index).Result()
		if err != nil {
			return err
		}
		if cur != expect {
			return errors.New("the list changed; reload it")
		}
		cmds, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.LSet(ctx, key, index, marker)
			p.LRem(ctx, key, 1, marker)
			return nil
		})
		if err == nil {
			removed = cmds[1].(*redis.IntCmd).Val()
		}
		return err
	}, key)
	if errors.Is(err, redis.TxFailedErr) {
		return nil, errors.New("the list changed; reload it")
	}
	return removed, err
}

// handleKeyDelete deletes one key (UNLINK: a big value is freed in the
// background on Redis).
func (c *Console) handleKeyDelete(w http.ResponseWriter, r *http.Request, s *session) {
	db, err := dbParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	key, err := keyParam(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cl, err := s.client(db)
	if err != nil {
		redisError(w, err)
		return
	}
	n, err := cl.Unlink(r.Context(), key).Result()
	if err != nil {
		redisError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "deleted": n})
}

// Bulk delete is two steps: a preview counts the keys the pattern
// matches and returns a one-time token; the delete takes that token,
// after the user confirmed the count.

type bulkPlan struct {
	db      int
	pattern string
	typ     string
	count   int64
	expires time.Time
}

type bulkRequest struct {
	DB      int    `json:"db"`
	Pattern string `json:"pattern"`
	Type    string `json:"type,omitempty"`
	Token   string `json:"token,omitempty"`
}

const (
	bulkScanBudget = 30 * time.Second
	bulkTokenTTL   = 5 * time.Minute
)

func (c *Console) handleBulkPreview(w http.ResponseWriter, r *http.Request, s *session) {
	var req bulkRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Pattern == "" || !validTypes[req.Type] || req.DB < 0 {
		writeError(w, http.StatusBadRequest, "a pattern (and a valid type) is required")
		return
	}
	cl, err := s.client(req.DB)
	if err != nil {
		redisError(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), bulkScanBudget+5*time.Second)
	defer cancel()
	deadline := time.Now().Add(bulkScanBudget)
	var count int64
	sample := []Bin{}
	var cursor uint64
	complete := false
	for {
		var keys []string
		var next uint64
		if req.Type != "" {
			keys, next, err = cl.ScanType(ctx, cursor, req.Pattern, 1000, req.Type).Result()
		} else {
			keys, next, err = cl.Scan(ctx, cursor, req.Pattern, 1000).Result()
		}
		if err != nil {
			redisError(w, err)
			return
		}
		count += int64(len(keys))
		for _, k := range keys {
			if len(sample) < 20 {
				sample = append(sample, toBin(k))
			}
		}
		cursor = next
		if cursor == 0 {
			complete = true
			break
		}
		if time.Now().After(deadline) {
			break
		}
	}
	token := ""
	if count > 0 {
		token = newID()
		s.mu.Lock()
		for t, p := range s.bulk {
			if time.Now().After(p.expires) {
				delete(s.bulk, t)
			}
		}
		s.bulk[token] = bulkPlan{db: req.DB, pattern: req.Pattern, typ: req.Type, count: count, expires: time.Now().Add(bulkTokenTTL)}
		s.mu.Unlock()
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": count, "complete": complete, "sample": sample, "token": token})
}

func (c *Console) handleBulkDelete(w http.ResponseWriter, r *http.Request, s *session) {
	var req bulkRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	plan, ok := s.bulk[req.Token]
	delete(s.bulk, req.Token)
	s.mu.Unlock()
	if !ok || time.Now().After(plan.expires) {
		writeError(w, http.StatusBadRequest, "no confirmed bulk delete with this token: preview again")
		return
	}
	cl, err := s.client(plan.db)
	if err != nil {
		redisError(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Minute)
	defer cancel()
	var deleted int64
	var cursor uint64
	for {
		var keys []string
		var next uint64
		if plan.typ != "" {
			keys, next, err = cl.ScanType(ctx, cursor, plan.pattern, 1000, plan.typ).Result()
		} else {
			keys, next, err = cl.Scan(ctx, cursor, plan.pattern, 1000).Result()
		}
		if err == nil && len(keys) > 0 {
			var n int64
			n, err = cl.Unlink(ctx, keys...).Result()
			deleted += n
		}
		if err != nil {
			writeJSON(w, statusOf(err), map[string]any{"error": err.Error(), "deleted": deleted})
			return
		}
		cursor = next
		if cursor == 0 {
			break
		}
	}
	s.mu.Lock()
	s.dbCache = nil
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "deleted": deleted, "previewed": plan.count})
}
