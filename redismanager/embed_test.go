package redismanager

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestLocalEmbedder(t *testing.T) {
	e := NewLocalEmbedder(0)
	if e.Dim() != 256 || e.Model() == "" {
		t.Fatal(e.Dim(), e.Model())
	}
	vs, _ := e.Embed(context.Background(), []string{
		"Authenticate with a bearer token",
		"authentication uses bearer tokens",
		"boil the spaghetti in salted water",
		"",
	})
	norm := func(v []float32) float64 { return math.Sqrt(float64(dot(v, v))) }
	if math.Abs(norm(vs[0])-1) > 1e-5 || norm(vs[3]) != 0 {
		t.Fatal("not unit length")
	}
	related, unrelated := dot(vs[0], vs[1]), dot(vs[0], vs[2])
	if related < 0.3 || related <= unrelated+0.2 {
		t.Fatalf("related %.3f unrelated %.3f", related, unrelated)
	}
	// Deterministic: the same text gives the same vector in any process.
	again := e.Vector("Authenticate with a bearer token")
	for i := range again {
		if again[i] != vs[0][i] {
			t.Fatal("not deterministic")
		}
	}
}

func TestHTTPEmbedderOpenAI(t *testing.T) {
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		if r.URL.Path != "/v1/embeddings" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		type item struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var data []item
		// Out of order, as the API allows: the client sorts by index.
		for i := len(req.Input) - 1; i >= 0; i-- {
			data = append(data, item{i, []float32{float32(len(req.Input[i])), 1, 0}})
		}
		json.NewEncoder(w).Encode(map[string]any{"data": data, "model": req.Model})
	}))
	defer srv.Close()
	e := NewOpenAIEmbedder(srv.URL+"/v1", "text-embedding-3-small", "sk-test")
	e.BatchSize = 2
	vs, err := e.Embed(context.Background(), []string{"a", "bb", "ccc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || vs[0][0] != 1 || vs[1][0] != 2 || vs[2][0] != 3 {
		t.Fatalf("%v", vs)
	}
	if e.Dim() != 3 || e.Model() != "openai:text-embedding-3-small" || auth.Load() != "Bearer sk-test" {
		t.Fatal(e.Dim(), e.Model(), auth.Load())
	}
}

func TestHTTPEmbedderOllama(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "loading model", http.StatusServiceUnavailable) // retried
			return
		}
		if r.URL.Path != "/api/embed" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Input []string `json:"input"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		out := make([][]float32, len(req.Input))
		for i := range out {
			out[i] = []float32{1, 2, 3, 4}
		}
		json.NewEncoder(w).Encode(map[string]any{"embeddings": out})
	}))
	defer srv.Close()
	e := NewOllamaEmbedder(srv.URL, "nomic-embed-text")
	vs, err := e.Embed(context.Background(), []string{"x", "y"})
	if err != nil || len(vs) != 2 || len(vs[1]) != 4 {
		t.Fatalf("%v %v", vs, err)
	}
	// A dimension change is an error, not silently mixed vectors.
	e2 := NewOllamaEmbedder(srv.URL, "nomic-embed-text")
	e2.Dimension = 768
	if _, err := e2.Embed(context.Background(), []string{"x"}); !errors.Is(err, ErrEmbeddingMismatch) {
		t.Fatalf("dimension check: %v", err)
	}
	// Client errors are reported with the server's message.
	bad := NewOllamaEmbedder(srv.URL+"/nope", "m")
	if _, err := bad.Embed(context.Background(), []string{"x"}); err == nil {
		t.Fatal("404 accepted")
	}
}

// TestKnowledgeBaseWithHTTPEmbedder runs ingest and search through an
// Ollama-compatible endpoint serving the local embedder's vectors.
func TestKnowledgeBaseWithHTTPEmbedder(t *testing.T) {
	local := NewLocalEmbedder(64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		vs, _ := local.Embed(r.Context(), req.Input)
		json.NewEncoder(w).Encode(map[string]any{"embeddings": vs})
	}))
	defer srv.Close()
	m := openBackend(t, beEmbedded, func(c *Config) {
		c.Embedder, c.EmbedURL, c.EmbedModel = "ollama", srv.URL, "all-minilm"
	})
	ctx := ctxT(t)
	for _, d := range kbDocs {
		if _, err := m.KB().Ingest(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	res, err := m.KB().Search(ctx, "docker compose deployment", SearchOptions{Limit: 1})
	if err != nil || len(res) != 1 || res[0].DocID != "790" {
		t.Fatalf("%+v %v", res, err)
	}
	info, _ := m.KB().Info(ctx)
	if info.Model != "ollama:all-minilm" || info.Dim != 64 {
		t.Fatalf("%+v", info)
	}
}
