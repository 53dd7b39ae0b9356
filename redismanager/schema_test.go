package redismanager

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSchemaTable(t *testing.T) {
	rows := Schema()
	if len(rows) != 6 {
		t.Fatalf("%d rows", len(rows))
	}
	want := map[DB]string{DBSessions: "session:", DBChat: "chat:", DBKnowledge: "kb:", DBCache: "api:", DBWebSocket: "ws:", DBJobs: "job:"}
	for i, r := range rows {
		if int(r.DB) != i || r.Name == "" || r.Purpose == "" || len(r.Keys) == 0 {
			t.Fatalf("row %d: %+v", i, r)
		}
		if !strings.HasPrefix(r.Keys[0], want[r.DB]) {
			t.Fatalf("db %d first layout %s", i, r.Keys[0])
		}
	}
	// Layouts of different databases never match each other's keys:
	// a key belongs to exactly one database.
	for _, ns := range []bool{false, true} {
		spaces := make([]*keyspace, 6)
		for i := range spaces {
			spaces[i] = newKeyspace(DB(i), ns)
		}
		samples := map[DB][]string{
			DBSessions:  {spaces[0].key("session:<id>", "a"), spaces[0].key("user:<id>", "1"), spaces[0].key("user:<id>:sessions", "1")},
			DBChat:      {spaces[1].key("chat:session_<id>", "9"), spaces[1].key("chat:session_<id>:messages", "9"), spaces[1].key("chat:user_<id>:sessions", "1")},
			DBKnowledge: {spaces[2].key("kb:doc_<id>", "d"), spaces[2].key("kb:doc_<id>:chunk_<n>", "d", "3"), spaces[2].key("kb:index:<tag>", "api"), spaces[2].key("kb:docs"), spaces[2].key("kb:meta")},
			DBCache:     {spaces[3].key("api:cache:<request...>", "/x?a=1"), spaces[3].key("api:ratelimit:<user>:<route...>", "u", "/api/chat")},
			DBWebSocket: {spaces[4].key("ws:connections"), spaces[4].key("ws:user_<id>:connection", "1")},
			DBJobs:      {spaces[5].key("job:<queue>.<id>", "mail", "x1"), spaces[5].key("queue:<name>", "mail"), spaces[5].key("queue:<name>:processing:<worker>", "mail", "w1")},
		}
		for db, keys := range samples {
			for _, k := range keys {
				for other := 0; other < 6; other++ {
					if got := spaces[other].allowed(k); got != (DB(other) == db) {
						t.Errorf("namespaced=%v: key %q allowed in db %d: %v", ns, k, other, got)
					}
				}
			}
		}
	}
	// Hash tags keep multi-key groups in one slot.
	ks := newKeyspace(DBChat, true)
	a, b := ks.key("chat:session_<id>", "456"), ks.key("chat:session_<id>:messages", "456")
	if a != "db1:{456}:chat:session_456" || slot(a) != slot(b) {
		t.Fatalf("%s %s", a, b)
	}
	jk := newKeyspace(DBJobs, true)
	if slot(jk.key("job:<queue>.<id>", "mail", "x")) != slot(jk.key("queue:<name>:delayed", "mail")) {
		t.Fatal("job and its queue in different slots")
	}
	if k := newKeyspace(DBCache, true).key("api:cache:<request...>", "/x"); k != "db3:{}:api:cache:/x" {
		t.Fatal(k)
	}
}

// slot is Redis Cluster's key slot (CRC16 of the hash tag, mod 16384).
func slot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for b := 0; b < 8; b++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % 16384
}

// TestEveryStoreWritesOnlySchemaKeys exercises every store, then scans the
// whole server: each key must sit in the database its layout belongs to.
func TestEveryStoreWritesOnlySchemaKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		exerciseAllStores(t, m)
		keys := allKeys(t, m)
		total := 0
		for db, list := range keys {
			for _, k := range list {
				total++
				if db >= 0 {
					if db >= 6 || !m.dbs[db].ks.allowed(k) {
						t.Errorf("db %d holds %q, outside its schema", db, k)
					}
					continue
				}
				owners := 0
				for _, d := range m.dbs {
					if d.ks.allowed(k) {
						owners++
					}
				}
				if owners != 1 {
					t.Errorf("key %q matches %d databases' layouts", k, owners)
				}
			}
		}
		if total < 20 {
			t.Fatalf("only %d keys: the stores were not exercised", total)
		}
		_ = ctx
	})
}

// exerciseAllStores touches every layout of every store.
func exerciseAllStores(t *testing.T, m *Manager) {
	t.Helper()
	ctx := ctxT(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := m.Sessions().Create(ctx, "u1", map[string]any{"a": 1})
	must(err)
	_, err = m.Sessions().Get(ctx, s.ID)
	must(err)
	must(m.Users().Put(ctx, User{ID: "u1", Name: "N", Email: "e@x"}))
	cs, err := m.Chat().CreateSession(ctx, ChatSession{UserID: "u1"})
	must(err)
	_, err = m.Chat().Append(ctx, cs.ID, Message{Role: "user", Content: "hello"})
	must(err)
	_, err = m.KB().Ingest(ctx, Document{ID: "d1", Title: "T", Tags: []string{"api"}, Content: strings.Repeat("word ", 500)})
	must(err)
	_, err = m.KB().Search(ctx, "word", SearchOptions{})
	must(err)
	h := m.Cache().Middleware(CacheOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/x?b=1&a=2", nil))
	_, err = m.RateLimiter().Allow(ctx, "u1", "/api/chat/send", RateLimit{Limit: 5, Window: time.Minute})
	must(err)
	_, err = m.RateLimiter().Allow(ctx, "u1", "/api/chat/other", RateLimit{Limit: 5, Window: time.Minute, Sliding: true})
	must(err)
	c, err := m.WebSockets().Register(ctx, Connection{UserID: "u1"})
	must(err)
	must(m.WebSockets().Heartbeat(ctx, c.ID))
	j := m.Jobs()
	_, err = j.Enqueue(ctx, "mail", []byte("a"), EnqueueOptions{})
	must(err)
	_, err = j.Enqueue(ctx, "mail", []byte("b"), EnqueueOptions{Priority: PriorityHigh})
	must(err)
	_, err = j.Enqueue(ctx, "mail", []byte("c"), EnqueueOptions{Priority: PriorityLow, Delay: time.Hour})
	must(err)
	must(j.Schedule(ctx, "mail", Schedule{Name: "hourly", Every: time.Hour}))
	_, err = j.FireSchedules(ctx, "mail")
	must(err)
	l, err := j.Lease(ctx, "mail", time.Minute)
	must(err)
	must(l.Fail(ctx, errors.New("boom")))
	l, err = j.Lease(ctx, "mail", time.Minute)
	must(err)
	must(l.Ack(ctx))
	_, err = j.Stats(ctx, "mail")
	must(err)
}
