// Package redismanager is AutoBot's data layer for Go services: one
// Manager holding a connection per logical database, and a small typed
// store for each of the six databases AutoBot keeps in Redis.
//
// # Quick start
//
//	m, err := redismanager.Open(ctx, nil) // configuration from AUTOBOT_REDIS_* variables
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer m.Close()
//
//	sess, _ := m.Sessions().Create(ctx, "123", map[string]any{"theme": "dark"})
//	chat, _ := m.Chat().CreateSession(ctx, redismanager.ChatSession{UserID: "123"})
//	m.Chat().Append(ctx, chat.ID, redismanager.Message{Role: "user", Content: "Hello"})
//	hits, _ := m.KB().Search(ctx, "how do I authenticate?", redismanager.SearchOptions{Limit: 5})
//	m.Jobs().Enqueue(ctx, "emails", []byte(`{"to":"john@example.com"}`), redismanager.EnqueueOptions{})
//	http.Handle("/api/", m.RateLimiter().Middleware(limits)(m.Cache().Middleware(routes)(api)))
//
// With no address configured, Open starts this repository's Redis-compatible
// server inside the process and keeps its data in ./data: a service runs
// with zero setup. Point AUTOBOT_REDIS_ADDR at a Redis or Valkey server, or
// AUTOBOT_REDIS_CLUSTER_ADDRS at a Redis Cluster, and nothing else changes.
// "autobot-redis demo" is a runnable example backend using every store.
//
// # The six databases
//
// Schema returns the authoritative table; it is the only place that
// assigns database numbers, and the key layouts below are enforced.
//
//	DB  store            keys
//	0   Sessions, Users  session:<id>, user:<id>, user:<id>:sessions
//	1   Chat             chat:session_<id>, chat:session_<id>:messages, chat:user_<id>:sessions
//	2   KB               kb:doc_<id>, kb:doc_<id>:chunk_<n>, kb:index:<tag>, kb:docs, kb:meta
//	3   Cache,           api:cache:<path>?<query>,
//	    RateLimiter      api:ratelimit:<user>:<route>
//	4   WebSockets       ws:connections, ws:heartbeats, ws:user_<id>:connection, ws:user_<id>:connections
//	5   Jobs             job:<queue>.<id>, queue:<name>[:high|:low|:delayed|:dead|:stats|:workers|
//	                     :processing:<worker>|:lease:<worker>|:schedules|:schedules:next]
//
// The seed's other prefixes (message:, document:, cache:, connection:) are
// reserved for other components of AutoBot in databases 1 to 4.
//
// Enforcement: every go-redis client the Manager creates carries a hook
// bound to one database. Before a command or pipeline is sent, the hook
// finds its key arguments and checks each against that database's
// layouts; a key that does not fit (a session key sent to the chat
// database, an identifier containing ':' that would forge another layout,
// a command that switches or flushes databases) fails with
// ErrKeyNotAllowed and nothing is sent. Manager.Client gives access to the
// guarded clients for operations the stores do not offer; Manager.Key
// builds keys for them. The tests run every store and then scan the whole
// server to check that each key sits in the database its layout names.
//
// # Backends
//
//   - Embedded (Mode "embedded", the default without an address): the
//     server of this repository on a loopback port, with scripting and
//     persistence (AOF with everysec fsync plus RDB snapshots) in
//     Config.DataDir. The directory is locked: one embedded server per
//     directory. Set Config.EmbeddedAddr to a fixed port to look inside
//     with redis-cli.
//   - External ("standalone"): any Redis 6.2+ or Valkey, through
//     go-redis v9, with TLS, ACL users and passwords. The logical
//     databases are the numbered databases 0 to 5.
//   - Redis Cluster ("cluster"): numbered databases do not exist there,
//     so each logical database becomes a key namespace: a key is written
//     as "db<N>:{<tag>}:<key>", for example db1:{456}:chat:session_456.
//     The hash tag is the entity that multi-key operations group around
//     (the chat session, the user, the job queue, the knowledge-base
//     document), so every MULTI/EXEC and WATCH stays in one slot.
//     Operations across entities (a session and its user's index) are
//     separate steps ordered so that an interruption leaves nothing
//     dangling. WebSocket delivery uses sharded pub/sub there.
//
// Config.Namespaced applies the cluster layout to a standalone server
// (for hosted Redis without SELECT).
//
// # Configuration
//
// LoadConfig reads the defaults, then the file named by
// AUTOBOT_REDIS_CONFIG_FILE, then the environment. The file holds "name =
// value" lines using the names below without the prefix (or KEY=VALUE
// environment-file lines). Durations accept Go syntax ("1m30s") or plain
// seconds ("2"), the unit of the seed's REDIS_CONFIG, whose values are the
// defaults: 2 s socket and connect timeouts, retry on timeout, a health
// check every 30 s.
//
//	AUTOBOT_REDIS_ADDR                 host:port or redis[s]://[user:password@]host:port of a Redis or Valkey server
//	AUTOBOT_REDIS_BREAKER_COOLDOWN     how long the breaker stays open before a probe (1s)
//	AUTOBOT_REDIS_BREAKER_THRESHOLD    consecutive failures that open the circuit breaker (5)
//	AUTOBOT_REDIS_CACHE_TTL            default API cache TTL (60s)
//	AUTOBOT_REDIS_CHAT_MAX_MESSAGES    messages kept per chat session (1000)
//	AUTOBOT_REDIS_CHAT_TTL             idle chat session lifetime, 0 = forever (0)
//	AUTOBOT_REDIS_CLUSTER_ADDRS        comma-separated seed nodes of a Redis Cluster
//	AUTOBOT_REDIS_CONFIG_FILE          configuration file read by LoadConfig before the environment
//	AUTOBOT_REDIS_CONNECT_TIMEOUT      dial timeout (2s)
//	AUTOBOT_REDIS_DATA_DIR             embedded server data directory (data)
//	AUTOBOT_REDIS_EMBED_API_KEY        bearer token for the embedding endpoint
//	AUTOBOT_REDIS_EMBED_DIM            embedding dimension; 0: 256 locally, learned from a remote embedder
//	AUTOBOT_REDIS_EMBED_MODEL          embedding model name
//	AUTOBOT_REDIS_EMBED_URL            embedding endpoint base URL, e.g. http://localhost:11434 or https://api.openai.com/v1
//	AUTOBOT_REDIS_EMBEDDED_ADDR        embedded server listen address (127.0.0.1:0)
//	AUTOBOT_REDIS_EMBEDDER             local, openai or ollama (local)
//	AUTOBOT_REDIS_ENCRYPTION_KEY       AES-256 key, base64 or hex, enabling client-side encryption
//	AUTOBOT_REDIS_ENCRYPTION_KEY_FILE  file holding the encryption key (raw 32 bytes, base64 or hex)
//	AUTOBOT_REDIS_HEALTH_CHECK_INTERVAL background health check period, 0 = off (30s)
//	AUTOBOT_REDIS_HEALTH_TIMEOUT       time bound of one health report (1s)
//	AUTOBOT_REDIS_INSTANCE_ID          name of this process for WebSocket routing
//	AUTOBOT_REDIS_JOB_BACKOFF          first retry delay, doubled per attempt (1s)
//	AUTOBOT_REDIS_JOB_BACKOFF_MAX      retry delay cap (1h)
//	AUTOBOT_REDIS_JOB_LEASE            job lease duration (30s)
//	AUTOBOT_REDIS_JOB_MAX_ATTEMPTS     attempts before dead-lettering (5)
//	AUTOBOT_REDIS_JOB_RETENTION        how long finished jobs stay readable (24h)
//	AUTOBOT_REDIS_KB_CHUNK_OVERLAP     words shared by consecutive chunks (40)
//	AUTOBOT_REDIS_KB_CHUNK_WORDS       words per knowledge-base chunk (200)
//	AUTOBOT_REDIS_LOADING_TIMEOUT      how long to wait while Redis is LOADING (60s)
//	AUTOBOT_REDIS_MAX_RETRIES          retries per operation (3)
//	AUTOBOT_REDIS_MODE                 embedded, standalone or cluster; empty chooses from the addresses
//	AUTOBOT_REDIS_NAMESPACED           key namespaces instead of numbered databases on a standalone server
//	AUTOBOT_REDIS_PASSWORD             password (requirepass or the ACL user's)
//	AUTOBOT_REDIS_PASSWORD_FILE        file holding the password (trailing newline ignored)
//	AUTOBOT_REDIS_POOL_SIZE            connections per database (go-redis default)
//	AUTOBOT_REDIS_RETRY_BACKOFF_MAX    retry delay cap (512ms)
//	AUTOBOT_REDIS_RETRY_BACKOFF_MIN    first retry delay (8ms)
//	AUTOBOT_REDIS_RETRY_ON_TIMEOUT     retry idempotent operations on timeout (true)
//	AUTOBOT_REDIS_SESSION_TTL          session lifetime, refreshed on read (86400s)
//	AUTOBOT_REDIS_SOCKET_TIMEOUT       read/write timeout (2s)
//	AUTOBOT_REDIS_TLS                  use TLS (true/false)
//	AUTOBOT_REDIS_TLS_CA_FILE          PEM file of the CA that signed the server certificate
//	AUTOBOT_REDIS_TLS_CERT_FILE        PEM client certificate (mutual TLS)
//	AUTOBOT_REDIS_TLS_INSECURE_SKIP_VERIFY do not verify the server certificate (tests only)
//	AUTOBOT_REDIS_TLS_KEY_FILE         PEM client key (mutual TLS)
//	AUTOBOT_REDIS_TLS_SERVER_NAME      name to verify in the server certificate
//	AUTOBOT_REDIS_USERNAME             ACL user name
//	AUTOBOT_REDIS_WS_ROUTE_TTL         lifetime of ws:user_<id>:connection (7200s)
//	AUTOBOT_REDIS_WS_STALE_AFTER       heartbeat age after which a connection is swept (90s)
//
// Code can also build a Config with DefaultConfig and set fields, or call
// Config.Set(name, value).
//
// # Resilience
//
// Every store call takes a context and goes through one policy:
//
//   - LOADING (Redis loading its dataset after a restart) is waited out,
//     up to LoadingTimeout, on every call and in Open.
//   - Failures that prove the command never ran (dial errors, TRYAGAIN,
//     CLUSTERDOWN, MASTERDOWN, BUSY) are retried with exponential backoff
//     and jitter, up to MaxRetries. Timeouts and dropped connections,
//     after which the command may or may not have run, are retried only
//     for idempotent operations (reads, SET of a computed value, deletes).
//     Non-idempotent ones (chat Append, rate-limit checks, Enqueue
//     without an ID, job claims) report the failure instead of risking a
//     double effect; the error wraps ErrUnavailable.
//   - A circuit breaker shared by the six databases opens after
//     BreakerThreshold consecutive connectivity failures; while open, calls
//     fail at once with ErrUnavailable and ErrCircuitOpen. After
//     BreakerCooldown one call probes; success closes the breaker,
//     failure doubles the cooldown (up to 30 s). Health checks probe too.
//   - Health reports, per database, the ping latency, the key count and
//     the operation, error, timeout and refusal counters. It returns
//     within HealthTimeout even when Redis hangs. A background check runs
//     every HealthCheckInterval; LastHealth returns its latest report.
//
// Multi-step operations use MULTI/EXEC, or WATCH-based optimistic
// transactions where a step depends on a read; no store needs Lua, so
// every backend behaves the same with or without scripting.
//
// # Sessions and users (DB 0)
//
// A session is JSON {"user_id", "created", "data"} under session:<id>
// with a TTL of SessionTTL (86400 s); Get refreshes it (sliding expiry).
// Sessions can be updated (never resurrected), revoked one by one or all
// of a user's at once, and listed per user. Users are the seed's hash
// user:<id> with name, email and last_active, plus free fields.
//
// # Chat (DB 1)
//
// A conversation's metadata is JSON under chat:session_<id>; its messages
// are a newest-first list under chat:session_<id>:messages, capped at
// ChatMaxMessages. Append pushes the message, trims the list and rewrites
// the metadata (message count, update time) in one WATCH-guarded
// transaction, so the count is exact under concurrent appends. Messages
// get sequence numbers; History pages backwards from a sequence number,
// which stays stable while messages arrive. DeleteSession removes the
// messages with the metadata; RecentSessions lists a user's
// conversations by last update.
//
// # Knowledge base (DB 2)
//
// Ingest splits a document into overlapping chunks of KBChunkWords words,
// embeds each, and stores the document hash, the chunks (JSON with
// content, embedding and metadata, as in the seed) and the tag sets.
// Re-ingesting replaces a document, shorter versions included; Delete
// leaves no orphan (see the ordering notes in kb.go). Queries:
//
//   - FindByTags: tag expressions with AND, OR and parentheses;
//   - Search: top-k chunks by cosine similarity to the query's embedding,
//     optionally restricted by a tag expression;
//   - KeywordSearch: BM25 ranking of the query's words.
//
// Each process keeps the vectors and term statistics in memory and
// follows changes through a version counter, so a search costs one round
// trip plus the scan (10 to 25 ms for 100k chunks of 256 dimensions on
// two cores, see the benchmarks).
//
// Embedders implement Embedder. NewLocalEmbedder needs no network: it
// hashes words, word pairs and character trigrams into a fixed-size
// vector (lexical similarity, deterministic everywhere). NewOpenAIEmbedder
// and NewOllamaEmbedder call OpenAI-compatible /embeddings and Ollama
// /api/embed endpoints. The first ingest records the embedder's model and
// dimension in kb:meta; a handle with another embedder gets
// ErrEmbeddingMismatch from Search and Ingest, naming both models, until
// KnowledgeBase(newEmbedder).Reembed has converted every chunk (it is
// resumable and leaves keyword and tag queries working throughout).
//
// # API cache and rate limits (DB 3)
//
// Cache().Middleware caches 200 responses to GET under
// api:cache:<path>?<sorted, re-encoded query>, with a TTL per route
// prefix. Errors, responses that set cookies or say no-store, and POSTs
// are never cached. Authenticated requests (Authorization header or a
// "session" cookie, or your own CacheOptions.User) are cached per user:
// the key ends with a SHA-256 of the identity, the same in every process.
// Hits carry X-Cache: HIT and Age. Invalidate drops a path prefix.
//
// RateLimiter().Allow counts a request of a user on a route. The fixed
// window fixes the seed's invalid "INCR ... EX 3600": the counter and its
// expiry are created in one MULTI (SET key 0 PX window NX; INCR; PTTL),
// so the count is exact under parallel requests and never outlives its
// window. RateLimit.Sliding keeps a sorted set of admitted request times
// and admits through a WATCH-guarded transaction, exact as well; rejected
// requests leave no trace. The middleware answers 429 with Retry-After
// and sets X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset
// on every response; by default it lets requests through when Redis is
// down (RateLimitOptions.FailClosed to refuse them).
//
// # WebSocket state (DB 4)
//
// Register records a connection in the ws:connections hash and points the
// seed's routing key ws:user_<id>:connection (TTL WSRouteTTL) at it;
// Heartbeat keeps it alive, Unregister removes it and re-points the route,
// UserConnections lists a user's connections, and Sweep removes those
// without a heartbeat for WSStaleAfter. Every connection belongs to the
// instance (InstanceID) that accepted it; Deliver and DeliverToUser reach
// connections held by any instance over pub/sub, and Listen receives the
// messages for this instance's connections.
//
// # Jobs (DB 5)
//
// Enqueue adds a job with a priority (high, normal, low) or a delay;
// Schedule adds recurring jobs. Work runs a worker pool: each worker holds
// a lease key renewed by heartbeats and claims jobs with LMOVE into its own
// processing list, so a job is always in exactly one place. Handlers
// returning nil acknowledge; errors retry with exponential backoff, then
// move the job to the dead-letter queue after MaxAttempts. Jobs of workers
// whose lease expired (a crashed process) are recovered by any instance;
// a job is never lost, and never runs twice while its lease is alive: a
// worker that lost its lease gets ErrLeaseLost and cannot overwrite the
// outcome. Lease, Ack, Fail and Release are the building blocks for
// custom workers; Stats, DeadJobs, RetryDead and Cancel manage queues.
//
// # Encryption
//
// With EncryptionKey (or AUTOBOT_REDIS_ENCRYPTION_KEY / _FILE; make one
// with GenerateKey) the sensitive fields are sealed with AES-256-GCM before
// they leave the process: session payloads, user names and emails, and
// chat messages. Each value is bound to its key and field, so it cannot be
// moved elsewhere, and tagged with a key id, so a wrong key is reported as
// such (ErrDecrypt). Callers see plaintext; values written before
// encryption was enabled remain readable.
//
// # Errors
//
// Store errors are *Error values naming the store and operation; test
// them with errors.Is against ErrNotFound, ErrUnavailable,
// ErrCircuitOpen, ErrInvalidID, ErrKeyNotAllowed, ErrEmbeddingMismatch,
// ErrLeaseLost, ErrDuplicateJob, ErrConflict, ErrDecrypt and ErrClosed.
package redismanager
