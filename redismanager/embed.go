package redismanager

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Embedder turns texts into vectors for semantic search.
type Embedder interface {
	// Model names the vector space. Vectors of different models (or
	// dimensions) are not comparable; the knowledge base records the
	// model and dimension it was built with and refuses to mix them.
	Model() string
	// Dim is the vector length; 0 while unknown (a remote embedder
	// learns it from its first answer).
	Dim() int
	// Embed returns one vector per text, in order.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// LocalEmbedder is the built-in embedder: it needs no network and no
// model files. A text becomes a bag of hashed features — each word, each
// pair of adjacent words, and the character trigrams of each word
// (which make it tolerant of inflections and typos) — folded into Dim
// signed buckets with FNV-1a ("feature hashing") and normalized to unit
// length. Very common English words count little. Texts sharing words
// and word fragments get a high cosine similarity; it is lexical rather
// than truly semantic, which is what a zero-setup default can offer.
// Vectors are deterministic across processes and machines.
type LocalEmbedder struct {
	dim int
}

// NewLocalEmbedder returns a local embedder producing vectors of length
// dim (256 when dim <= 0).
func NewLocalEmbedder(dim int) *LocalEmbedder {
	if dim <= 0 {
		dim = 256
	}
	return &LocalEmbedder{dim: dim}
}

// Model implements Embedder.
func (e *LocalEmbedder) Model() string { return "autobot-local-hash-v1" }

// Dim implements Embedder.
func (e *LocalEmbedder) Dim() int { return e.dim }

// Embed implements Embedder.
func (e *LocalEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = e.Vector(t)
	}
	return out, nil
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be but by for from has have how i if in into is it its
		of on or our so that the their then there these this to was we were what when which who will with you your`) {
		m[w] = true
	}
	return m
}()

// Vector embeds one text.
func (e *LocalEmbedder) Vector(text string) []float32 {
	v := make([]float32, e.dim)
	words := tokenize(text)
	add := func(feature string, w float32) {
		h := fnv64(feature)
		i := h % uint64(e.dim)
		if h>>63 == 1 {
			w = -w
		}
		v[i] += w
	}
	for i, wd := range words {
		weight := float32(1)
		if stopWords[wd] {
			weight = 0.15
		}
		add("w:"+wd, weight)
		if i+1 < len(words) {
			add("b:"+wd+" "+words[i+1], 0.5*weight)
		}
		padded := "#" + wd + "#"
		if utf8.RuneCountInString(padded) >= 3 {
			r := []rune(padded)
			for k := 0; k+3 <= len(r); k++ {
				add("c:"+string(r[k:k+3]), 0.25*weight)
			}
		}
	}
	normalize(v)
	return v
}

// tokenize lower-cases text and splits it into words of letters and
// digits.
func tokenize(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// normalize scales v to unit length (a zero vector stays zero).
func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

// HTTPEmbedder calls an embedding service: any OpenAI-compatible
// /embeddings endpoint (OpenAI, Azure-style gateways, vLLM, LM Studio,
// llama.cpp server, ...) or Ollama's /api/embed.
type HTTPEmbedder struct {
	Kind      string // "openai" or "ollama"
	URL       string // base URL: https://api.openai.com/v1, http://localhost:11434
	ModelName string
	APIKey    string // sent as a bearer token when set
	// Dimension is the expected vector length; 0 learns it from the
	// first answer.
	Dimension int
	// BatchSize is the number of texts per request (64).
	BatchSize int
	Client    *http.Client

	mu      sync.Mutex
	learned int
}

// NewOpenAIEmbedder returns an embedder for an OpenAI-compatible API;
// baseURL is the API root (for OpenAI, https://api.openai.com/v1).
func NewOpenAIEmbedder(baseURL, model, apiKey string) *HTTPEmbedder {
	return &HTTPEmbedder{Kind: "openai", URL: baseURL, ModelName: model, APIKey: apiKey}
}

// NewOllamaEmbedder returns an embedder for an Ollama server (e.g.
// http://localhost:11434 with model nomic-embed-text).
func NewOllamaEmbedder(baseURL, model string) *HTTPEmbedder {
	return &HTTPEmbedder{Kind: "ollama", URL: baseURL, ModelName: model}
}

// Model implements Embedder: the kind and model name, e.g.
// "ollama:nomic-embed-text".
func (e *HTTPEmbedder) Model() string { return e.Kind + ":" + e.ModelName }

// Dim implements Embedder.
func (e *HTTPEmbedder) Dim() int {
	if e.Dimension > 0 {
		return e.Dimension
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.learned
}

// Embed implements Embedder, batching the texts.
func (e *HTTPEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	bs := e.BatchSize
	if bs <= 0 {
		bs = 64
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += bs {
		end := min(start+bs, len(texts))
		vecs, err := e.batch(ctx, texts[start:end])
		if err != nil {
			return nil, err
		}
		if len(vecs) != end-start {
			return nil, fmt.Errorf("embedder %s returned %d vectors for %d texts", e.Model(), len(vecs), end-start)
		}
		for _, v := range vecs {
			if err := e.checkDim(len(v)); err != nil {
				return nil, err
			}
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (e *HTTPEmbedder) checkDim(n int) error {
	want := e.Dim()
	if want == 0 {
		e.mu.Lock()
		if e.learned == 0 {
			e.learned = n
		}
		want = e.learned
		e.mu.Unlock()
	}
	if n != want {
		return fmt.Errorf("%w: embedder %s returned %d dimensions, expected %d", ErrEmbeddingMismatch, e.Model(), n, want)
	}
	return nil
}

func (e *HTTPEmbedder) batch(ctx context.Context, texts []string) ([][]float32, error) {
	var url string
	var body any
	base := strings.TrimRight(e.URL, "/")
	switch e.Kind {
	case "openai":
		url = base
		if !strings.HasSuffix(url, "/embeddings") {
			url += "/embeddings"
		}
		body = map[string]any{"model": e.ModelName, "input": texts}
	case "ollama":
		url = base
		if !strings.HasSuffix(url, "/api/embed") {
			url += "/api/embed"
		}
		body = map[string]any{"model": e.ModelName, "input": texts}
	default:
		return nil, fmt.Errorf("unknown embedder kind %q (want openai or ollama)", e.Kind)
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	client := e.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	var lastErr error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			if err := sleepCtx(ctx, backoff(attempt, 200*time.Millisecond, 5*time.Second)); err != nil {
				return nil, err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		if e.APIKey != "" {
			req.Header.Set("Authorization", "Bearer "+e.APIKey)
		}
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			lastErr = fmt.Errorf("embedder %s: %w", e.Model(), err)
			continue
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
		resp.Body.Close()
		if err != nil {
			lastErr = fmt.Errorf("embedder %s: %w", e.Model(), err)
			continue
		}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			lastErr = fmt.Errorf("embedder %s: HTTP %d: %s", e.Model(), resp.StatusCode, snippet(data))
			continue
		}
		if resp.StatusCode/100 != 2 {
			return nil, fmt.Errorf("embedder %s: HTTP %d: %s", e.Model(), resp.StatusCode, snippet(data))
		}
		return e.decode(data)
	}
	return nil, lastErr
}

func (e *HTTPEmbedder) decode(data []byte) ([][]float32, error) {
	if e.Kind == "ollama" {
		var r struct {
			Embeddings [][]float32 `json:"embeddings"`
		}
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("embedder %s: bad response: %w", e.Model(), err)
		}
		return r.Embeddings, nil
	}
	var r struct {
		Data []struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("embedder %s: bad response: %w", e.Model(), err)
	}
	sort.SliceStable(r.Data, func(a, b int) bool { return r.Data[a].Index < r.Data[b].Index })
	out := make([][]float32, len(r.Data))
	for i, d := range r.Data {
		out[i] = d.Embedding
	}
	return out, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return strconv.Quote(s)
}

// embedderFromConfig builds the configured embedder.
func embedderFromConfig(c *Config) (Embedder, error) {
	switch c.Embedder {
	case "", "local":
		return NewLocalEmbedder(c.EmbedDim), nil
	case "openai", "ollama":
		if c.EmbedURL == "" || c.EmbedModel == "" {
			return nil, fmt.Errorf("embedder %s needs embed_url and embed_model", c.Embedder)
		}
		return &HTTPEmbedder{Kind: c.Embedder, URL: c.EmbedURL, ModelName: c.EmbedModel, APIKey: c.EmbedAPIKey, Dimension: c.EmbedDim}, nil
	}
	return nil, fmt.Errorf("unknown embedder %q", c.Embedder)
}
