package redismanager

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
)

var kbDocs = []Document{
	{ID: "789", Title: "API Documentation", Type: "markdown", Tags: []string{"api", "documentation"},
		Content: "The REST API exposes endpoints for chat sessions. Authenticate with a bearer token in the Authorization header. Rate limits apply per user and route."},
	{ID: "790", Title: "Deployment guide", Type: "markdown", Tags: []string{"api", "ops"},
		Content: "Deploy the backend with docker compose. Redis keeps its data in a volume; back it up with BGSAVE and copy the dump file."},
	{ID: "791", Title: "Cooking pasta", Type: "text", Tags: []string{"documentation", "misc"},
		Content: "Boil salted water, add the spaghetti, stir, and cook for nine minutes until al dente. Drain and serve with tomato sauce."},
}

func TestKnowledgeBase(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		kb := m.KB()
		for _, d := range kbDocs {
			info, err := kb.Ingest(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			if info.Chunks != 1 || !info.Indexed {
				t.Fatalf("info %+v", info)
			}
		}
		// The seed's layout.
		raw := admin(t, m, 2)
		h := raw.HGetAll(ctx, m.Key(DBKnowledge, "kb:doc_<id>", "789")).Val()
		if h["title"] != "API Documentation" || h["type"] != "markdown" || h["indexed"] != "true" || h["size"] == "" {
			t.Fatalf("doc hash %v", h)
		}
		chunk := raw.Get(ctx, m.Key(DBKnowledge, "kb:doc_<id>:chunk_<n>", "789", "1")).Val()
		for _, f := range []string{`"content":"The REST API`, `"embedding":[`, `"metadata":{`} {
			if !strings.Contains(chunk, f) {
				t.Fatalf("chunk lacks %s: %.200s", f, chunk)
			}
		}
		if got := raw.SMembers(ctx, m.Key(DBKnowledge, "kb:index:<tag>", "api")).Val(); len(got) != 2 {
			t.Fatalf("kb:index:api %v", got)
		}

		// Tag queries with AND and OR.
		for q, want := range map[string]string{
			"api":                            "789,790",
			"api AND documentation":          "789",
			"api OR misc":                    "789,790,791",
			"documentation AND (ops OR api)": "789",
			"misc | ops":                     "790,791",
			"api & documentation | misc":     "789,791",
			"nothing":                        "",
		} {
			ids, err := kb.FindByTags(ctx, q)
			if err != nil || strings.Join(ids, ",") != want {
				t.Errorf("tags %q: %v %v, want %s", q, ids, err, want)
			}
		}
		if _, err := kb.FindByTags(ctx, "api AND"); err == nil {
			t.Error("bad query accepted")
		}

		// Semantic search: top-k by cosine.
		res, err := kb.Search(ctx, "how do I authenticate to the API with a token", SearchOptions{Limit: 2})
		if err != nil || len(res) != 2 || res[0].DocID != "789" || res[0].Score <= res[1].Score {
			t.Fatalf("search %+v %v", res, err)
		}
		if res[0].Title != "API Documentation" || !strings.Contains(res[0].Content, "bearer token") {
			t.Fatalf("result %+v", res[0])
		}
		res, _ = kb.Search(ctx, "spaghetti recipe", SearchOptions{Limit: 1})
		if len(res) != 1 || res[0].DocID != "791" {
			t.Fatalf("pasta search %+v", res)
		}
		res, _ = kb.Search(ctx, "spaghetti recipe", SearchOptions{Limit: 3, Tags: "api"})
		for _, r := range res {
			if r.DocID == "791" {
				t.Fatal("tag filter ignored")
			}
		}
		// Keyword search (BM25).
		res, err = kb.KeywordSearch(ctx, "docker volume", SearchOptions{})
		if err != nil || len(res) != 1 || res[0].DocID != "790" {
			t.Fatalf("keyword %+v %v", res, err)
		}

		// Re-ingesting a shorter version drops the extra chunks; deleting
		// leaves nothing behind.
		long := Document{ID: "big", Title: "Big", Tags: []string{"big"}, Content: strings.Repeat("lorem ipsum dolor sit amet ", 200)}
		info, err := kb.Ingest(ctx, long)
		if err != nil || info.Chunks < 5 {
			t.Fatalf("big %+v %v", info, err)
		}
		long.Content, long.Tags = "short now", []string{"small"}
		if info, _ = kb.Ingest(ctx, long); info.Chunks != 1 {
			t.Fatalf("short %+v", info)
		}
		if keysWith(t, m, "doc_big:chunk_") != 1 {
			t.Fatal("stale chunks left after re-ingest")
		}
		if ids, _ := kb.FindByTags(ctx, "big"); len(ids) != 0 {
			t.Fatal("old tag kept")
		}
		if err := kb.Delete(ctx, "big"); err != nil {
			t.Fatal(err)
		}
		if n := keysWith(t, m, "big"); n != 0 {
			t.Fatalf("%d keys of a deleted document remain", n)
		}
		if _, err := kb.Get(ctx, "big"); !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		if ids, _ := kb.List(ctx); strings.Join(ids, ",") != "789,790,791" {
			t.Fatalf("list %v", ids)
		}
		// Another process sees changes: its index follows kb:meta.
		other := m.KnowledgeBase(NewLocalEmbedder(0))
		if res, _ := other.Search(ctx, "spaghetti", SearchOptions{Limit: 1}); len(res) != 1 || res[0].DocID != "791" {
			t.Fatalf("second handle %+v", res)
		}
		kb.Delete(ctx, "791")
		if res, _ := other.Search(ctx, "spaghetti", SearchOptions{Limit: 3}); len(res) > 0 && res[0].DocID == "791" {
			t.Fatal("deleted document still found by another handle")
		}
	})
}

// keysWith counts the server's keys containing s.
func keysWith(t *testing.T, m *Manager, s string) int {
	n := 0
	for _, list := range allKeys(t, m) {
		for _, k := range list {
			if strings.Contains(k, s) {
				n++
			}
		}
	}
	return n
}

// fakeEmbedder is a remote-like embedder of a given model and dimension.
type fakeEmbedder struct {
	model string
	dim   int
}

func (f *fakeEmbedder) Model() string { return f.model }
func (f *fakeEmbedder) Dim() int      { return f.dim }
func (f *fakeEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	l := NewLocalEmbedder(f.dim)
	return l.Embed(ctx, texts)
}

func TestKnowledgeBaseModelMismatchAndReembed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		old := m.KB()
		for _, d := range kbDocs {
			if _, err := old.Ingest(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if info, _ := old.Info(ctx); info.Model != "autobot-local-hash-v1" || info.Dim != 256 || info.Documents != 3 {
			t.Fatalf("info %+v", info)
		}
		// A process configured with another model gets a clear error.
		next := m.KnowledgeBase(&fakeEmbedder{model: "ollama:nomic-embed-text", dim: 128})
		_, err := next.Search(ctx, "api", SearchOptions{})
		if !errors.Is(err, ErrEmbeddingMismatch) || !strings.Contains(err.Error(), "Reembed") ||
			!strings.Contains(err.Error(), "autobot-local-hash-v1") || !strings.Contains(err.Error(), "128") {
			t.Fatalf("mismatch error: %v", err)
		}
		if _, err := next.Ingest(ctx, Document{ID: "x", Content: "y"}); !errors.Is(err, ErrEmbeddingMismatch) {
			t.Fatalf("ingest with another model: %v", err)
		}
		// Keyword and tag queries do not depend on the model.
		if res, err := next.KeywordSearch(ctx, "spaghetti", SearchOptions{}); err != nil || len(res) != 1 {
			t.Fatalf("keyword with mismatched model: %v %v", res, err)
		}
		var calls []string
		if err := next.Reembed(ctx, func(done, total int) { calls = append(calls, fmt.Sprint(done, "/", total)) }); err != nil {
			t.Fatal(err)
		}
		if strings.Join(calls, " ") != "1/3 2/3 3/3" {
			t.Fatalf("progress %v", calls)
		}
		res, err := next.Search(ctx, "spaghetti tomato", SearchOptions{Limit: 1})
		if err != nil || len(res) != 1 || res[0].DocID != "791" {
			t.Fatalf("after reembed %+v %v", res, err)
		}
		if _, err := old.Search(ctx, "api", SearchOptions{}); !errors.Is(err, ErrEmbeddingMismatch) {
			t.Fatalf("old model after reembed: %v", err)
		}
		// The recorded model and every chunk changed.
		info, _ := next.Info(ctx)
		if info.Model != "ollama:nomic-embed-text" || info.Dim != 128 {
			t.Fatalf("info %+v", info)
		}
		c := admin(t, m, 2).Get(ctx, m.Key(DBKnowledge, "kb:doc_<id>:chunk_<n>", "790", "1")).Val()
		if !strings.Contains(c, `"model":"ollama:nomic-embed-text"`) {
			t.Fatalf("chunk not converted: %.300s", c)
		}
	})
}

func TestChunkText(t *testing.T) {
	var words []string
	for i := 0; i < 25; i++ {
		words = append(words, fmt.Sprintf("w%d", i))
	}
	text := strings.Join(words, "  ")
	chunks := ChunkText(text, 10, 3)
	if len(chunks) != 4 { // words 0-9, 7-16, 14-23, 21-24
		t.Fatalf("%d chunks", len(chunks))
	}
	first := strings.Fields(chunks[0].Content)
	second := strings.Fields(chunks[1].Content)
	if len(first) != 10 || first[0] != "w0" || second[0] != "w7" || chunks[1].N != 2 {
		t.Fatalf("chunks %+v", chunks)
	}
	// Overlap: the last 3 words of a chunk start the next one.
	if strings.Join(first[7:], " ") != strings.Join(second[:3], " ") {
		t.Fatal("no overlap")
	}
	if last := strings.Fields(chunks[3].Content); last[0] != "w21" || last[len(last)-1] != "w24" {
		t.Fatal("tail lost")
	}
	if text[chunks[1].Start:chunks[1].End] != chunks[1].Content {
		t.Fatal("offsets")
	}
	if ChunkText("   ", 10, 3) != nil {
		t.Fatal("empty text chunked")
	}
	if c := ChunkText("one two", 10, 3); len(c) != 1 || c[0].Content != "one two" {
		t.Fatalf("short %+v", c)
	}
}

func TestTagQueryParser(t *testing.T) {
	e, err := parseTagQuery("a AND b OR c AND (d OR e)")
	if err != nil {
		t.Fatal(err)
	}
	tags := e.tags(nil)
	sort.Strings(tags)
	if strings.Join(tags, ",") != "a,b,c,d,e" {
		t.Fatal(tags)
	}
	for _, bad := range []string{"", "(a", "a)", "AND a", "a OR", "a:b", "a b"} {
		if _, err := parseTagQuery(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
