package redismanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Knowledge base, database 2.
//
//	kb:doc_<id>            hash: title, type, size, indexed, tags, chunks, rev, model, updated, metadata
//	kb:doc_<id>:chunk_<n>  string, JSON {"content", "embedding", "metadata", "model"}; n from 1
//	kb:index:<tag>         set of document ids carrying the tag
//	kb:docs                hash: document id -> revision (the list of documents)
//	kb:meta                hash: model and dim of the embeddings, version (bumped on every change)
//
// Ingest registers the document in kb:docs first (as "pending" when it is
// new), then writes the document hash and all its chunks — and deletes
// the chunks a shorter new version no longer has — in one MULTI, then
// updates the tag sets, and finally publishes the new revision and bumps
// the version. Delete runs the same steps backwards and removes the
// kb:docs entry last. Every key of a document is thus reachable from
// kb:docs until it is gone, so an interrupted ingest or delete leaves
// nothing behind that a repeated Delete would not remove: no orphans.
//
// The embedding model and dimension are recorded in kb:meta by the first
// ingest. A knowledge base opened with another embedder refuses semantic
// search and ingest with ErrEmbeddingMismatch (keyword and tag queries
// still work) until Reembed has converted every chunk.

// Document is a knowledge-base document.
type Document struct {
	ID       string // generated when empty
	Title    string
	Type     string // e.g. "markdown"
	Tags     []string
	Content  string
	Metadata map[string]string
}

// DocInfo describes a stored document.
type DocInfo struct {
	ID       string
	Title    string
	Type     string
	Tags     []string
	Size     int // bytes of content
	Chunks   int
	Indexed  bool
	Model    string
	Updated  time.Time
	Metadata map[string]string
}

// SearchResult is one matching chunk.
type SearchResult struct {
	DocID    string
	Chunk    int
	Score    float64 // cosine similarity (semantic) or BM25 score (keyword)
	Title    string
	Content  string
	Metadata map[string]any
}

// SearchOptions narrow a search.
type SearchOptions struct {
	Limit int // results (5)
	// Tags restricts the search to documents matching a tag query (see
	// FindByTags), e.g. "api AND (guide OR reference)".
	Tags string
	// MinScore drops weaker results.
	MinScore float64
}

// KnowledgeBase is the document store with search (database 2).
type KnowledgeBase struct {
	m       *Manager
	d       *dbConn
	emb     Embedder
	words   int
	overlap int
	idx     *kbIndex
}

// KB returns the knowledge base with the configured embedder
// (Config.Embedder). An embedder that cannot be built (e.g. "ollama"
// without a URL) makes every call return the configuration error.
func (m *Manager) KB() *KnowledgeBase {
	m.embedOnce.Do(func() { m.embedder, m.embedErr = embedderFromConfig(m.cfg) })
	m.storesMu.Lock()
	defer m.storesMu.Unlock()
	if m.kb == nil {
		m.kb = m.newKB(m.embedder)
	}
	return m.kb
}

// KnowledgeBase returns a knowledge-base handle that uses emb, for
// example to Reembed with a new model. Each handle keeps its own search
// index in memory.
func (m *Manager) KnowledgeBase(emb Embedder) *KnowledgeBase {
	return m.newKB(emb)
}

func (m *Manager) newKB(emb Embedder) *KnowledgeBase {
	return &KnowledgeBase{m: m, d: m.dbs[DBKnowledge], emb: emb, words: m.cfg.KBChunkWords,
		overlap: m.cfg.KBChunkOverlap, idx: newKBIndex(0)}
}

// Embedder is the embedder of this handle.
func (kb *KnowledgeBase) Embedder() Embedder { return kb.emb }

func (kb *KnowledgeBase) docKey(id string) string { return kb.d.ks.key("kb:doc_<id>", id) }
func (kb *KnowledgeBase) chunkKey(id string, n int) string {
	return kb.d.ks.key("kb:doc_<id>:chunk_<n>", id, strconv.Itoa(n))
}
func (kb *KnowledgeBase) tagKey(tag string) string { return kb.d.ks.key("kb:index:<tag>", tag) }
func (kb *KnowledgeBase) docsKey() string          { return kb.d.ks.key("kb:docs") }
func (kb *KnowledgeBase) metaKey() string          { return kb.d.ks.key("kb:meta") }

// kbMeta is the content of kb:meta.
type kbMeta struct {
	model   string
	dim     int
	version int64
}

func (kb *KnowledgeBase) readMeta(ctx context.Context) (kbMeta, error) {
	var v []any
	err := kb.m.run(ctx, kb.d, idempotent, func(ctx context.Context) error {
		var err error
		v, err = kb.d.c.HMGet(ctx, kb.metaKey(), "model", "dim", "version").Result()
		return err
	})
	if err != nil {
		return kbMeta{}, err
	}
	var m kbMeta
	if s, ok := v[0].(string); ok {
		m.model = s
	}
	if s, ok := v[1].(string); ok {
		m.dim, _ = strconv.Atoi(s)
	}
	if s, ok := v[2].(string); ok {
		m.version, _ = strconv.ParseInt(s, 10, 64)
	}
	return m, nil
}

// embedDim returns the embedder's dimension, asking it once if unknown.
func (kb *KnowledgeBase) embedDim(ctx context.Context) (int, error) {
	if kb.m.embedErr != nil && kb.emb == kb.m.embedder {
		return 0, kb.m.embedErr
	}
	if kb.emb == nil {
		return 0, errors.New("no embedder configured")
	}
	if d := kb.emb.Dim(); d > 0 {
		return d, nil
	}
	v, err := kb.emb.Embed(ctx, []string{"dimension probe"})
	if err != nil {
		return 0, err
	}
	if len(v) != 1 || len(v[0]) == 0 {
		return 0, fmt.Errorf("embedder %s returned no vector", kb.emb.Model())
	}
	return len(v[0]), nil
}

// checkModel compares kb:meta with the embedder, recording the embedder
// when the knowledge base is new (record).
func (kb *KnowledgeBase) checkModel(ctx context.Context, meta kbMeta, record bool) (kbMeta, error) {
	dim, err := kb.embedDim(ctx)
	if err != nil {
		return meta, err
	}
	if meta.model == "" {
		if !record {
			return meta, nil
		}
		err := kb.m.run(ctx, kb.d, idempotent, func(ctx context.Context) error {
			_, err := kb.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSetNX(ctx, kb.metaKey(), "model", kb.emb.Model())
				p.HSetNX(ctx, kb.metaKey(), "dim", dim)
				return nil
			})
			return err
		})
		if err != nil {
			return meta, err
		}
		if meta, err = kb.readMeta(ctx); err != nil {
			return meta, err
		}
	}
	if meta.model != kb.emb.Model() || meta.dim != dim {
		return meta, fmt.Errorf("%w: the knowledge base holds embeddings of model %q (dimension %d) but the embedder is %q (dimension %d); run Reembed with the new embedder to convert it",
			ErrEmbeddingMismatch, meta.model, meta.dim, kb.emb.Model(), dim)
	}
	return meta, nil
}

// vec is an embedding serialized with 7 significant digits (plenty for
// cosine ranking, about 40% smaller than full float32 precision).
type vec []float32

func (v vec) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(v)*11+2)
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		if math32IsBad(x) {
			x = 0
		}
		b = strconv.AppendFloat(b, float64(x), 'g', 7, 32)
	}
	return append(b, ']'), nil
}

func math32IsBad(x float32) bool { return x != x || x > 3.4e38 || x < -3.4e38 }

type chunkRecord struct {
	Content   string         `json:"content"`
	Embedding vec            `json:"embedding"`
	Metadata  map[string]any `json:"metadata"`
	Model     string         `json:"model"`
}

// Ingest stores a document: it is chunked (Config.KBChunkWords words with
// Config.KBChunkOverlap words of overlap), every chunk is embedded, and
// the document replaces any previous version with the same ID.
func (kb *KnowledgeBase) Ingest(ctx context.Context, doc Document) (*DocInfo, error) {
	if doc.ID == "" {
		doc.ID = sortableID(now())
	}
	if err := checkID("document id", doc.ID); err != nil {
		return nil, opErr("kb", "ingest", err)
	}
	for _, t := range doc.Tags {
		if err := checkID("tag", t); err != nil {
			return nil, opErr("kb", "ingest "+doc.ID, err)
		}
	}
	fail := func(err error) (*DocInfo, error) { return nil, opErr("kb", "ingest "+doc.ID, err) }
	meta, err := kb.readMeta(ctx)
	if err != nil {
		return fail(err)
	}
	if _, err := kb.checkModel(ctx, meta, true); err != nil {
		return fail(err)
	}
	chunks := ChunkText(doc.Content, kb.words, kb.overlap)
	texts := make([]string, len(chunks))
	for i, c := range chunks {
		texts[i] = doc.Title + "\n" + c.Content
	}
	var vecs [][]float32
	if len(texts) > 0 {
		if vecs, err = kb.emb.Embed(ctx, texts); err != nil {
			return fail(err)
		}
		if len(vecs) != len(chunks) {
			return fail(fmt.Errorf("embedder returned %d vectors for %d chunks", len(vecs), len(chunks)))
		}
	}
	tags := dedupe(doc.Tags)
	info := &DocInfo{ID: doc.ID, Title: doc.Title, Type: doc.Type, Tags: tags, Size: len(doc.Content), Chunks: len(chunks),
		Indexed: true, Model: kb.emb.Model(), Updated: now().UTC().Truncate(time.Millisecond), Metadata: doc.Metadata}
	rev := sortableID(now())
	payloads := make([]string, len(chunks))
	for i, c := range chunks {
		rec := chunkRecord{Content: c.Content, Embedding: vecs[i], Model: kb.emb.Model(), Metadata: map[string]any{
			"doc_id": doc.ID, "chunk": c.N, "title": doc.Title, "start": c.Start, "end": c.End}}
		if len(tags) > 0 {
			rec.Metadata["tags"] = tags
		}
		b, err := json.Marshal(&rec)
		if err != nil {
			return fail(err)
		}
		payloads[i] = string(b)
	}
	metaJSON, _ := json.Marshal(doc.Metadata)
	dk := kb.docKey(doc.ID)
	err = kb.m.run(ctx, kb.d, idempotent, func(ctx context.Context) error {
		// 1. Register (a new document stays invisible while pending).
		if err := kb.d.c.HSetNX(ctx, kb.docsKey(), doc.ID, "pending").Err(); err != nil {
			return err
		}
		old, err := kb.d.c.HMGet(ctx, dk, "chunks", "tags").Result()
		if err != nil {
			return err
		}
		oldChunks, oldTags := 0, []string(nil)
		if s, ok := old[0].(string); ok {
			oldChunks, _ = strconv.Atoi(s)
		}
		if s, ok := old[1].(string); ok && s != "" {
			oldTags = strings.Split(s, ",")
		}
		// 2. The document and its chunks, atomically.
		_, err = kb.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, dk)
			p.HSet(ctx, dk, map[string]any{
				"title": doc.Title, "type": doc.Type, "size": len(doc.Content), "indexed": "true",
				"tags": strings.Join(tags, ","), "chunks": len(chunks), "rev": rev, "model": kb.emb.Model(),
				"updated": ms(info.Updated), "metadata": string(metaJSON)})
			for i, pl := range payloads {
				p.Set(ctx, kb.chunkKey(doc.ID, i+1), pl, 0)
			}
			for n := len(chunks) + 1; n <= oldChunks; n++ {
				p.Del(ctx, kb.chunkKey(doc.ID, n))
			}
			return nil
		})
		if err != nil {
			return err
		}
		// 3. Tag sets.
		keep := map[string]bool{}
		for _, t := range tags {
			keep[t] = true
		}
		_, err = kb.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, t := range oldTags {
				if !keep[t] && checkID("tag", t) == nil {
					p.SRem(ctx, kb.tagKey(t), doc.ID)
				}
			}
			for _, t := range tags {
				p.SAdd(ctx, kb.tagKey(t), doc.ID)
			}
			return nil
		})
		if err != nil {
			return err
		}
		// 4. Publish.
		_, err = kb.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, kb.docsKey(), doc.ID, rev)
			p.HIncrBy(ctx, kb.metaKey(), "version", 1)
			return nil
		})
		return err
	})
	if err != nil {
		return fail(err)
	}
	return info, nil
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Get returns a document's description, or ErrNotFound.
func (kb *KnowledgeBase) Get(ctx context.Context, id string) (*DocInfo, error) {
	if err := checkID("document id", id); err != nil {
		return nil, opErr("kb", "get", err)
	}
	h, err := kb.m.getHash(ctx, kb.d, "kb", "get "+id, kb.docKey(id))
	if err != nil {
		return nil, err
	}
	info := &DocInfo{ID: id, Title: h["title"], Type: h["type"], Indexed: h["indexed"] == "true", Model: h["model"],
		Updated: fromMs(h["updated"])}
	info.Size, _ = strconv.Atoi(h["size"])
	info.Chunks, _ = strconv.Atoi(h["chunks"])
	if h["tags"] != "" {
		info.Tags = strings.Split(h["tags"], ",")
	}
	if h["metadata"] != "" && h["metadata"] != "null" {
		_ = json.Unmarshal([]byte(h["metadata"]), &info.Metadata)
	}
	return info, nil
}

// Chunk returns one chunk's content and metadata.
func (kb *KnowledgeBase) Chunk(ctx context.Context, id string, n int) (*SearchResult, error) {
	if err := checkID("document id", id); err != nil {
		return nil, opErr("kb", "chunk", err)
	}
	var raw string
	err := kb.m.run(ctx, kb.d, idempotent, func(ctx context.Context) error {
		var err error
		raw, err = kb.d.c.Get(ctx, kb.chunkKey(id, n)).Result()
		return err
	})
	if err == redis.Nil {
		return nil, opErr("kb", fmt.Sprintf("chunk %d of %s", n, id), ErrNotFound)
	}
	if err != nil {
		return nil, opErr("kb", fmt.Sprintf("chunk %d of %s", n, id), err)
	}
	var rec chunkRecord
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return nil, opErr("kb", fmt.Sprintf("chunk %d of %s", n, id), err)
	}
	title, _ := rec.Metadata["title"].(string)
	return &SearchResult{DocID: id, Chunk: n, Title: title, Content: rec.Content, Metadata: rec.Metadata}, nil
}

// List returns the ids of all documents, sorted.
func (kb *KnowledgeBase) List(ctx context.Context) ([]string, error) {
	var revs map[string]string
	err := kb.m.run(ctx, kb.d, idempotent, func(ctx context.Context) error {
		var err error
		revs, err = kb.d.c.HGetAll(ctx, kb.docsKey()).Result()
		return err
	})
	if err != nil {
		return nil, opErr("kb", "list", err)
	}
	ids := make([]string, 0, len(revs))
	for id, rev := range revs {
		if rev != "pending" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// Delete removes a document, its chunks and its tag memberships.
// Deleting a missing document is not an error.
func (kb *KnowledgeBase) Delete(ctx context.Context, id string) error {
	if err := checkID("document id", id); err != nil {
		return opErr("kb", "delete", err)
	}
	dk := kb.docKey(id)
	err := kb.m.run(ctx, kb.d, idempotent, func(ctx context.Context) error {
		h, err := kb.d.c.HMGet(ctx, dk, "chunks", "tags").Result()
		if err != nil {
			return err
		}
		chunks := 0
		if s, ok := h[0].(string); ok {
			chunks, _ = strconv.Atoi(s)
		}
		var tags []string
		if s, ok := h[1].(string); ok && s != "" {
			tags = strings.Split(s, ",")
		}
		if len(tags) > 0 {
			if _, err := kb.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
				for _, t := range tags {
					if checkID("tag", t) == nil {
						p.SRem(ctx, kb.tagKey(t), id)
					}
				}
				return nil
			}); err != nil {
				return err
			}
		}
		if _, err := kb.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for n := 1; n <= chunks; n++ {
				p.Del(ctx, kb.chunkKey(id, n))
			}
			p.Del(ctx, dk)
			return nil
		}); err != nil {
			return err
		}
		_, err = kb.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HDel(ctx, kb.docsKey(), id)
			p.HIncrBy(ctx, kb.metaKey(), "version", 1)
			return nil
		})
		return err
	})
	return opErr("kb", "delete "+id, err)
}

// FindByTags returns the ids of the documents matching a tag query: tags
// combined with AND and OR (also written & and |), grouped with
// parentheses; AND binds tighter. Example: "api AND (guide OR howto)".
func (kb *KnowledgeBase) FindByTags(ctx context.Context, query string) ([]string, error) {
	set, err := kb.tagSet(ctx, query)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

func (kb *KnowledgeBase) tagSet(ctx context.Context, query string) (map[string]bool, error) {
	expr, err := parseTagQuery(query)
	if err != nil {
		return nil, opErr("kb", "tag query", err)
	}
	tags := expr.tags(nil)
	members := map[string]map[string]bool{}
	err = kb.m.run(ctx, kb.d, idempotent, func(ctx context.Context) error {
		cmds := make([]*redis.StringSliceCmd, len(tags))
		_, err := kb.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, t := range tags {
				cmds[i] = p.SMembers(ctx, kb.tagKey(t))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i, t := range tags {
			s := map[string]bool{}
			for _, id := range cmds[i].Val() {
				s[id] = true
			}
			members[t] = s
		}
		return nil
	})
	if err != nil {
		return nil, opErr("kb", "tag query "+query, err)
	}
	return expr.eval(members), nil
}

// Search returns the chunks most similar to query (cosine similarity of
// embeddings), best first.
func (kb *KnowledgeBase) Search(ctx context.Context, query string, opts SearchOptions) ([]SearchResult, error) {
	meta, err := kb.readMeta(ctx)
	if err != nil {
		return nil, opErr("kb", "search", err)
	}
	if meta.model == "" {
		return nil, nil // nothing ingested yet
	}
	if _, err := kb.checkModel(ctx, meta, false); err != nil {
		return nil, opErr("kb", "search", err)
	}
	vs, err := kb.emb.Embed(ctx, []string{query})
	if err != nil {
		return nil, opErr("kb", "search", err)
	}
	q := append([]float32(nil), vs[0]...)
	normalize(q)
	return kb.query(ctx, meta, opts, func(x *kbIndex) func(*kbDoc, int) (float64, bool) {
		if len(q) != x.dim {
			return func(*kbDoc, int) (float64, bool) { return 0, false }
		}
		return x.cosine(q)
	})
}

// KeywordSearch ranks chunks by the query's words with BM25.
func (kb *KnowledgeBase) KeywordSearch(ctx context.Context, query string, opts SearchOptions) ([]SearchResult, error) {
	meta, err := kb.readMeta(ctx)
	if err != nil {
		return nil, opErr("kb", "keyword search", err)
	}
	terms, _, _ := termsOf(query)
	if len(terms) == 0 {
		return nil, nil
	}
	return kb.query(ctx, meta, opts, func(x *kbIndex) func(*kbDoc, int) (float64, bool) { return x.bm25(terms) })
}

func (kb *KnowledgeBase) query(ctx context.Context, meta kbMeta, opts SearchOptions, scorer func(*kbIndex) func(*kbDoc, int) (float64, bool)) ([]SearchResult, error) {
	if opts.Limit <= 0 {
		opts.Limit = 5
	}
	var allow map[string]bool
	if strings.TrimSpace(opts.Tags) != "" {
		var err error
		if allow, err = kb.tagSet(ctx, opts.Tags); err != nil {
			return nil, err
		}
	}
	if err := kb.sync(ctx, meta); err != nil {
		return nil, opErr("kb", "search", err)
	}
	x := kb.idx
	x.mu.RLock()
	hits := x.topK(opts.Limit, allow, scorer(x))
	type ref struct {
		id    string
		n     int
		score float64
	}
	refs := make([]ref, 0, len(hits))
	for _, h := range hits {
		if h.score < opts.MinScore {
			continue
		}
		refs = append(refs, ref{h.doc.id, int(h.doc.nums[h.chunk]), h.score})
	}
	x.mu.RUnlock()
	if len(refs) == 0 {
		return nil, nil
	}
	// Fetch the winners' content.
	var out []SearchResult
	err := kb.m.run(ctx, kb.d, idempotent, func(ctx context.Context) error {
		out = out[:0]
		cmds := make([]*redis.StringCmd, len(refs))
		_, err := kb.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, r := range refs {
				cmds[i] = p.Get(ctx, kb.chunkKey(r.id, r.n))
			}
			return nil
		})
		if err != nil && err != redis.Nil {
			return err
		}
		for i, r := range refs {
			raw, err := cmds[i].Result()
			if err != nil {
				continue // deleted since the index was loaded
			}
			var rec chunkRecord
			if json.Unmarshal([]byte(raw), &rec) != nil {
				continue
			}
			title, _ := rec.Metadata["title"].(string)
			out = append(out, SearchResult{DocID: r.id, Chunk: r.n, Score: r.score, Title: title, Content: rec.Content, Metadata: rec.Metadata})
		}
		return nil
	})
	if err != nil {
		return nil, opErr("kb", "search", err)
	}
	return out, nil
}

// sync brings the in-memory index up to the version in meta.
func (kb *KnowledgeBase) sync(ctx context.Context, meta kbMeta) error {
	x := kb.idx
	x.syncMu.Lock()
	defer x.syncMu.Unlock()
	x.mu.RLock()
	current := x.version == meta.version && x.dim == meta.dim && x.model == meta.model
	reset := x.dim != meta.dim || x.model != meta.model
	x.mu.RUnlock()
	if current {
		return nil
	}
	if reset {
		// A new model (after Reembed) or dimension: every vector changes.
		x.mu.Lock()
		x.version, x.dim, x.model = -1, meta.dim, meta.model
		x.docs, x.list, x.df, x.nChunks, x.totalLen = map[string]*kbDoc{}, nil, map[uint64]int32{}, 0, 0
		x.mu.Unlock()
	}
	var revs map[string]string
	err := kb.m.run(ctx, kb.d, idempotent, func(ctx context.Context) error {
		var err error
		revs, err = kb.d.c.HGetAll(ctx, kb.docsKey()).Result()
		return err
	})
	if err != nil {
		return err
	}
	var load []string
	var drop []string
	x.mu.RLock()
	for id, rev := range revs {
		if rev == "pending" {
			continue
		}
		if d := x.docs[id]; d == nil || d.rev != rev {
			load = append(load, id)
		}
	}
	for id := range x.docs {
		if rev, ok := revs[id]; !ok || rev == "pending" {
			drop = append(drop, id)
		}
	}
	x.mu.RUnlock()
	sort.Strings(load)
	model := ""
	if kb.emb != nil {
		model = kb.emb.Model()
	}
	const batch = 200
	for start := 0; start < len(load); start += batch {
		ids := load[start:min(start+batch, len(load))]
		docs, err := kb.loadDocs(ctx, ids, revs, model, meta.dim)
		if err != nil {
			return err
		}
		x.mu.Lock()
		for _, d := range docs {
			x.put(d)
		}
		x.mu.Unlock()
	}
	x.mu.Lock()
	for _, id := range drop {
		x.remove(id)
	}
	x.version = meta.version
	x.mu.Unlock()
	return nil
}

func (kb *KnowledgeBase) loadDocs(ctx context.Context, ids []string, revs map[string]string, model string, dim int) ([]*kbDoc, error) {
	var out []*kbDoc
	err := kb.m.run(ctx, kb.d, idempotent, func(ctx context.Context) error {
		out = out[:0]
		counts := make([]*redis.StringCmd, len(ids))
		_, err := kb.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range ids {
				counts[i] = p.HGet(ctx, kb.docKey(id), "chunks")
			}
			return nil
		})
		if err != nil && err != redis.Nil {
			return err
		}
		type want struct {
			doc int
			n   int
		}
		var wants []want
		nums := make([]int, len(ids))
		for i, c := range counts {
			nums[i], _ = strconv.Atoi(c.Val())
			for n := 1; n <= nums[i]; n++ {
				wants = append(wants, want{i, n})
			}
		}
		gets := make([]*redis.StringCmd, len(wants))
		_, err = kb.d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, w := range wants {
				gets[i] = p.Get(ctx, kb.chunkKey(ids[w.doc], w.n))
			}
			return nil
		})
		if err != nil && err != redis.Nil {
			return err
		}
		docs := make([]*kbDoc, len(ids))
		for i, id := range ids {
			docs[i] = &kbDoc{id: id, rev: revs[id]}
		}
		for i, w := range wants {
			raw, err := gets[i].Result()
			if err != nil {
				continue
			}
			var rec chunkRecord
			if json.Unmarshal([]byte(raw), &rec) != nil {
				continue
			}
			d := docs[w.doc]
			d.nums = append(d.nums, int32(w.n))
			ok := rec.Model == model && len(rec.Embedding) == dim && dim > 0
			d.valid = append(d.valid, ok)
			if ok {
				v := []float32(rec.Embedding)
				normalize(v)
				d.vecs = append(d.vecs, v...)
			} else {
				d.vecs = append(d.vecs, make([]float32, dim)...)
			}
			terms, tfs, n := termsOf(rec.Content)
			d.terms = append(d.terms, terms)
			d.tfs = append(d.tfs, tfs)
			d.lens = append(d.lens, n)
		}
		out = docs
		return nil
	})
	return out, err
}

// KBInfo summarizes the knowledge base.
type KBInfo struct {
	Model     string
	Dim       int
	Version   int64
	Documents int
}

// Info returns the recorded model and dimension and the document count.
func (kb *KnowledgeBase) Info(ctx context.Context) (*KBInfo, error) {
	meta, err := kb.readMeta(ctx)
	if err != nil {
		return nil, opErr("kb", "info", err)
	}
	ids, err := kb.List(ctx)
	if err != nil {
		return nil, err
	}
	return &KBInfo{Model: meta.model, Dim: meta.dim, Version: meta.version, Documents: len(ids)}, nil
}

// Reembed recomputes every chunk's embedding with this handle's embedder
// and then records its model and dimension in kb:meta, so that it
// becomes the knowledge base's model. It can be interrupted and run
// again: chunks already converted are skipped. progress, if not nil, is
// called after each document.
func (kb *KnowledgeBase) Reembed(ctx context.Context, progress func(done, total int)) error {
	dim, err := kb.embedDim(ctx)
	if err != nil {
		return opErr("kb", "reembed", err)
	}
	ids, err := kb.List(ctx)
	if err != nil {
		return err
	}
	model := kb.emb.Model()
	for i, id := range ids {
		if err := kb.reembedDoc(ctx, id, model, dim); err != nil {
			return opErr("kb", "reembed "+id, err)
		}
		if progress != nil {
			progress(i+1, len(ids))
		}
	}
	err = kb.m.run(ctx, kb.d, idempotent, func(ctx context.Context) error {
		_, err := kb.d.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, kb.metaKey(), "model", model, "dim", dim)
			p.HIncrBy(ctx, kb.metaKey(), "version", 1)
			return nil
		})
		return err
	})
	return opErr("kb", "reembed", err)
}

// reembedDoc converts one document, under WATCH on its hash so that a
// concurrent re-ingest wins over the conversion (and is retried).
func (kb *KnowledgeBase) reembedDoc(ctx context.Context, id, model string, dim int) error {
	dk := kb.docKey(id)
	return kb.m.run(ctx, kb.d, idempotent, func(ctx context.Context) error {
		for try := 0; try < 8; try++ {
			err := kb.d.c.Watch(ctx, func(tx *redis.Tx) error {
				s, err := tx.HGet(ctx, dk, "chunks").Result()
				if err == redis.Nil {
					return nil // deleted meanwhile
				}
				if err != nil {
					return err
				}
				n, _ := strconv.Atoi(s)
				raws := make([]*redis.StringCmd, n)
				if _, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
					for k := 1; k <= n; k++ {
						raws[k-1] = p.Get(ctx, kb.chunkKey(id, k))
					}
					return nil
				}); err != nil && err != redis.Nil {
					return err
				}
				var recs []chunkRecord
				var nums []int
				var texts []string
				for k, c := range raws {
					var rec chunkRecord
					if c.Err() != nil || json.Unmarshal([]byte(c.Val()), &rec) != nil {
						continue
					}
					if rec.Model == model && len(rec.Embedding) == dim {
						continue
					}
					title, _ := rec.Metadata["title"].(string)
					recs, nums, texts = append(recs, rec), append(nums, k+1), append(texts, title+"\n"+rec.Content)
				}
				if len(recs) == 0 {
					return nil
				}
				vecs, err := kb.emb.Embed(ctx, texts)
				if err != nil {
					return err
				}
				if len(vecs) != len(recs) {
					return fmt.Errorf("embedder returned %d vectors for %d chunks", len(vecs), len(recs))
				}
				_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					for i := range recs {
						recs[i].Embedding, recs[i].Model = vecs[i], model
						b, _ := json.Marshal(&recs[i])
						p.Set(ctx, kb.chunkKey(id, nums[i]), b, 0)
					}
					p.HSet(ctx, dk, "model", model)
					return nil
				})
				return err
			}, dk)
			if err == redis.TxFailedErr {
				continue
			}
			return err
		}
		return ErrConflict
	})
}
