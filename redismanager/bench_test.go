package redismanager

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Benchmarks of the hot paths, one sub-benchmark per backend:
//
//	go test ./redismanager -run '^$' -bench . -benchtime 2s
//
// KB search builds a 100k-chunk knowledge base first (tens of seconds per
// backend); AUTOBOT_TEST_BACKENDS limits the backends.

// benchManagers opens one Manager per available backend on the parent
// benchmark, so sub-benchmark rounds reuse it.
func benchManagers(b *testing.B, mutate ...func(*Config)) map[backendKind]*Manager {
	out := map[backendKind]*Manager{}
	for _, be := range wantBackends() {
		switch be {
		case beRedis:
			if _, err := shared.redisServer(); err != nil {
				b.Logf("skipping redis: %v", err)
				continue
			}
		case beCluster:
			if _, err := shared.clusterNodes(); err != nil {
				b.Logf("skipping cluster: %v", err)
				continue
			}
		}
		out[be] = openBackend(b, be, mutate...)
	}
	return out
}

func eachBench(b *testing.B, ms map[backendKind]*Manager, name string, fn func(b *testing.B, m *Manager)) {
	for _, be := range wantBackends() {
		if m := ms[be]; m != nil {
			b.Run(string(be)+"/"+name, func(b *testing.B) { fn(b, m) })
		}
	}
}

func BenchmarkHotPaths(b *testing.B) {
	ms := benchManagers(b)
	ctx := context.Background()
	eachBench(b, ms, "SessionGet", func(b *testing.B, m *Manager) {
		s, err := m.Sessions().Create(ctx, "bench-user", map[string]any{"theme": "dark", "lang": "en"})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := m.Sessions().Get(ctx, s.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	eachBench(b, ms, "ChatAppend", func(b *testing.B, m *Manager) {
		cs, err := m.Chat().CreateSession(ctx, ChatSession{UserID: "bench-user"})
		if err != nil {
			b.Fatal(err)
		}
		msg := Message{Role: "user", Content: "How do I reset my password? I tried the link from the email but it expired."}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := m.Chat().Append(ctx, cs.ID, msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	eachBench(b, ms, "CacheHit", func(b *testing.B, m *Manager) {
		body := []byte(`{"status":"healthy","timestamp":"2024-01-01T00:00:00Z","components":{"redis":"ok","llm":"ok"}}`)
		h := m.Cache().Middleware(CacheOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}))
		req := httptest.NewRequest("GET", "/api/system/health?verbose=1", nil)
		h.ServeHTTP(httptest.NewRecorder(), req) // fill
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Header().Get("X-Cache") != "HIT" {
				b.Fatal("miss")
			}
		}
	})
	eachBench(b, ms, "RateLimitFixed", func(b *testing.B, m *Manager) {
		lim := RateLimit{Limit: 1 << 30, Window: time.Hour}
		for i := 0; i < b.N; i++ {
			if _, err := m.RateLimiter().Allow(ctx, "bench-user", "/api/chat/send", lim); err != nil {
				b.Fatal(err)
			}
		}
	})
	eachBench(b, ms, "RateLimitSliding", func(b *testing.B, m *Manager) {
		lim := RateLimit{Limit: 1 << 30, Window: time.Second, Sliding: true}
		for i := 0; i < b.N; i++ {
			if _, err := m.RateLimiter().Allow(ctx, "bench-user", "/api/chat/sliding", lim); err != nil {
				b.Fatal(err)
			}
		}
	})
	eachBench(b, ms, "EnqueueDequeueAck", func(b *testing.B, m *Manager) {
		j := m.Jobs()
		payload := []byte(`{"to":"user@example.com","template":"welcome"}`)
		for i := 0; i < b.N; i++ {
			if _, err := j.Enqueue(ctx, "bench", payload, EnqueueOptions{}); err != nil {
				b.Fatal(err)
			}
			l, err := j.Lease(ctx, "bench", time.Minute)
			if err != nil || l == nil {
				b.Fatal(l, err)
			}
			if err := l.Ack(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	eachBench(b, ms, "WorkerThroughput", func(b *testing.B, m *Manager) {
		// Enqueue b.N jobs, then time a 4-slot worker draining them.
		j := m.Jobs()
		for i := 0; i < b.N; i++ {
			if _, err := j.Enqueue(ctx, "drain", []byte("x"), EnqueueOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		done := make(chan struct{})
		n := 0
		wctx, cancel := context.WithCancel(ctx)
		go j.Work(wctx, "drain", func(ctx context.Context, job *Job) error {
			n++ // slots run concurrently, but only the count at the end matters
			return nil
		}, WorkerOptions{Concurrency: 4, PollInterval: 5 * time.Millisecond})
		go func() {
			for {
				st, _ := j.Stats(ctx, "drain")
				if st != nil && st.Ready == 0 && st.InFlight == 0 {
					close(done)
					return
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
		<-done
		b.StopTimer()
		cancel()
	})
}

// synthText writes n words from a Zipf-distributed vocabulary.
func synthText(r *rand.Rand, vocab []string, n int) string {
	var sb strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(' ')
		}
		// Zipf-like: squares bias towards the common words.
		f := r.Float64()
		sb.WriteString(vocab[int(f*f*float64(len(vocab)))])
	}
	return sb.String()
}

func BenchmarkKBSearch100k(b *testing.B) {
	const docs, chunksPerDoc = 10000, 10
	ms := benchManagers(b, func(c *Config) { c.KBChunkWords, c.KBChunkOverlap = 50, 10 })
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 5000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("%c%c%c%d", 'a'+r.IntN(26), 'a'+r.IntN(26), 'a'+r.IntN(26), i)
	}
	words := 50 + 40*(chunksPerDoc-1)
	texts := make([]string, docs)
	for i := range texts {
		texts[i] = synthText(r, vocab, words)
	}
	for _, be := range wantBackends() {
		m := ms[be]
		if m == nil {
			continue
		}
		kb := m.KB()
		start := time.Now()
		for i := 0; i < docs; i++ {
			info, err := kb.Ingest(ctx, Document{ID: fmt.Sprintf("d%05d", i), Title: "doc", Tags: []string{fmt.Sprintf("t%d", i%10)}, Content: texts[i]})
			if err != nil {
				b.Fatal(err)
			}
			if info.Chunks != chunksPerDoc {
				b.Fatalf("%d chunks", info.Chunks)
			}
		}
		ingest := time.Since(start)
		start = time.Now()
		if _, err := kb.Search(ctx, "warm up", SearchOptions{}); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: ingested %d chunks in %v, loaded the search index in %v", be, kb.idx.nChunks, ingest, time.Since(start))
		queries := make([]string, 64)
		for i := range queries {
			queries[i] = synthText(r, vocab, 8)
		}
		b.Run(string(be)+"/semantic", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				res, err := kb.Search(ctx, queries[i%len(queries)], SearchOptions{Limit: 5})
				if err != nil || len(res) != 5 {
					b.Fatal(len(res), err)
				}
			}
		})
		b.Run(string(be)+"/keyword", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := kb.KeywordSearch(ctx, queries[i%len(queries)], SearchOptions{Limit: 5}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(be)+"/semantic+tags", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := kb.Search(ctx, queries[i%len(queries)], SearchOptions{Limit: 5, Tags: "t1 OR t2"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkKBIndexScan is the in-memory part of a search over 100k
// chunks of 256 dimensions: the scan and top-k, without Redis.
func BenchmarkKBIndexScan(b *testing.B) {
	const n, dim, per = 100000, 256, 10
	r := rand.New(rand.NewPCG(3, 4))
	x := newKBIndex(dim)
	for d := 0; d < n/per; d++ {
		doc := &kbDoc{id: fmt.Sprint(d)}
		for c := 0; c < per; c++ {
			v := make([]float32, dim)
			for i := range v {
				v[i] = float32(r.NormFloat64())
			}
			normalize(v)
			doc.nums = append(doc.nums, int32(c+1))
			doc.vecs = append(doc.vecs, v...)
			doc.valid = append(doc.valid, true)
			terms, tfs, l := termsOf(fmt.Sprintf("w%d w%d w%d", r.IntN(5000), r.IntN(5000), r.IntN(5000)))
			doc.terms, doc.tfs, doc.lens = append(doc.terms, terms), append(doc.tfs, tfs), append(doc.lens, l)
		}
		x.put(doc)
	}
	q := NewLocalEmbedder(dim).Vector("some query words")
	b.Run("cosine", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			x.topK(5, nil, x.cosine(q))
		}
	})
	qt, _, _ := termsOf("w1 w2 w3")
	b.Run("bm25", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			x.topK(5, nil, x.bm25(qt))
		}
	})
}
