package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/resp"
)

// Live streams (MONITOR, SUBSCRIBE) reach the browser as Server-Sent
// Events. Each runs on a dedicated Redis connection opened with the
// session's credentials, and ends when the browser closes the stream
// (the Stop button), the session ends, or the console shuts down.

type sseWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func startSSE(w http.ResponseWriter) *sseWriter {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	sw := &sseWriter{w: w, rc: http.NewResponseController(w)}
	sw.rc.Flush()
	return sw
}

// event sends one event with v as JSON data.
func (sw *sseWriter) event(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sw.rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(sw.w, "event: %s\ndata: %s\n\n", name, data); err != nil {
		return err
	}
	return sw.rc.Flush()
}

// ping keeps proxies and the browser from timing the stream out.
func (sw *sseWriter) ping() error {
	sw.rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprint(sw.w, ": ping\n\n"); err != nil {
		return err
	}
	return sw.rc.Flush()
}

// sseFail answers a stream that cannot start with a "failure" event:
// a browser's EventSource cannot read the body of an error response.
func sseFail(w http.ResponseWriter, msg string) {
	startSSE(w).event("failure", map[string]string{"error": msg})
}

const (
	streamFlushEvery = 200 * time.Millisecond
	streamPingEvery  = 15 * time.Second
	monitorBuffer    = 10000 // lines held for a slow browser, then dropped
	monitorBatch     = 500   // lines per event at most
)

// handleMonitor streams MONITOR. The reading goroutine never blocks on
// the browser: when the browser falls behind, lines are dropped and
// counted rather than piling up in Redis's output buffer.
func (c *Console) handleMonitor(w http.ResponseWriter, r *http.Request, s *session) {
	c.streamsMu.Lock()
	if c.monitors >= maxMonitors {
		c.streamsMu.Unlock()
		sseFail(w, "too many monitors running; stop one first")
		return
	}
	c.monitors++
	c.streamsMu.Unlock()
	defer func() {
		c.streamsMu.Lock()
		c.monitors--
		c.streamsMu.Unlock()
	}()
	if !s.acquireStream() {
		sseFail(w, "too many live streams in this session")
		return
	}
	defer s.releaseStream()

	rc, err := c.dialRaw(s.user, s.password)
	if err != nil {
		sseFail(w, "cannot connect to Redis: "+err.Error())
		return
	}
	defer rc.close()
	rep, err := rc.do(5*time.Second, "MONITOR")
	if err != nil {
		sseFail(w, err.Error())
		return
	}
	if rep.IsError() {
		sseFail(w, string(rep.Str))
		return
	}
	lines := make(chan string, monitorBuffer)
	var dropped atomic.Int64
	go func() {
		defer close(lines)
		for {
			rep, err := resp.ReadReply(rc.r)
			if err != nil {
				return
			}
			select {
			case lines <- toBin(string(rep.Str)).S:
			default:
				dropped.Add(1)
			}
		}
	}()
	sw := startSSE(w)
	if sw.event("started", map[string]any{"t": time.Now().UnixMilli()}) != nil {
		return
	}
	flush := time.NewTicker(streamFlushEvery)
	defer flush.Stop()
	lastSend := time.Now()
	batch := make([]string, 0, monitorBatch)
	var reported int64
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.ctx.Done():
			sw.event("end", map[string]string{"reason": "session ended"})
			return
		case <-flush.C:
		}
		batch = batch[:0]
		closed := false
	drain:
		for len(batch) < monitorBatch {
			select {
			case l, ok := <-lines:
				if !ok {
					closed = true
					break drain
				}
				batch = append(batch, l)
			default:
				break drain
			}
		}
		d := dropped.Load()
		if len(batch) > 0 || d != reported {
			if sw.event("lines", map[string]any{"lines": batch, "dropped": d}) != nil {
				return
			}
			reported = d
			lastSend = time.Now()
		} else if time.Since(lastSend) > streamPingEvery {
			if sw.ping() != nil {
				return
			}
			lastSend = time.Now()
		}
		if closed {
			sw.event("end", map[string]string{"reason": "connection to Redis closed"})
			return
		}
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

type pubsubMessage struct {
	Channel Bin    `json:"channel"`
	Pattern string `json:"pattern,omitempty"`
	Payload Elem   `json:"payload"`
	T       int64  `json:"t"`
}

// handleSubscribe streams the messages of ?channels=a,b and
// ?patterns=p*,q*.
func (c *Console) handleSubscribe(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	channels, patterns := splitList(q.Get("channels")), splitList(q.Get("patterns"))
	if len(channels)+len(patterns) == 0 {
		sseFail(w, "name at least one channel or pattern")
		return
	}
	if len(channels)+len(patterns) > 100 {
		sseFail(w, "at most 100 channels and patterns")
		return
	}
	if !s.acquireStream() {
		sseFail(w, "too many live streams in this session")
		return
	}
	defer s.releaseStream()
	cl, err := s.client(0)
	if err != nil {
		sseFail(w, err.Error())
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-s.ctx.Done():
			cancel()
		case <-ctx.Done():
		}
	}()
	ps := cl.Subscribe(ctx)
	defer ps.Close()
	if len(channels) > 0 {
		if err := ps.Subscribe(ctx, channels...); err != nil {
			sseFail(w, err.Error())
			return
		}
	}
	if len(patterns) > 0 {
		if err := ps.PSubscribe(ctx, patterns...); err != nil {
			sseFail(w, err.Error())
			return
		}
	}
	// Wait for every confirmation: an ACL denial arrives as an error here.
	for i := 0; i < len(channels)+len(patterns); i++ {
		m, err := ps.ReceiveTimeout(ctx, 5*time.Second)
		if err != nil {
			sseFail(w, err.Error())
			return
		}
		if _, ok := m.(*redis.Subscription); !ok {
			break
		}
	}
	msgs := ps.Channel(redis.WithChannelSize(1000))
	sw := startSSE(w)
	if sw.event("started", map[string]any{"channels": channels, "patterns": patterns}) != nil {
		return
	}
	ping := time.NewTicker(streamPingEvery)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			if s.ctx.Err() != nil {
				sw.event("end", map[string]string{"reason": "session ended"})
			}
			return
		case <-ping.C:
			if sw.ping() != nil {
				return
			}
		case m, ok := <-msgs:
			if !ok {
				sw.event("end", map[string]string{"reason": "connection to Redis closed"})
				return
			}
			if sw.event("message", pubsubMessage{
				Channel: toBin(m.Channel), Pattern: m.Pattern,
				Payload: toElem(m.Payload, maxElementView), T: time.Now().UnixMilli(),
			}) != nil {
				return
			}
		}
	}
}

type publishRequest struct {
	Channel string `json:"channel"`
	Message string `json:"message"`
}

func (c *Console) handlePublish(w http.ResponseWriter, r *http.Request, s *session) {
	var req publishRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Channel == "" {
		writeError(w, http.StatusBadRequest, "channel is required")
		return
	}
	cl, err := s.client(0)
	if err != nil {
		redisError(w, err)
		return
	}
	n, err := cl.Publish(r.Context(), req.Channel, req.Message).Result()
	if err != nil {
		redisError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "receivers": n})
}

type channelInfo struct {
	Channel     Bin   `json:"channel"`
	Subscribers int64 `json:"subscribers"`
}

// handleChannels lists the active channels (PUBSUB CHANNELS, at most
// 500) with their subscriber counts.
func (c *Console) handleChannels(w http.ResponseWriter, r *http.Request, s *session) {
	cl, err := s.client(0)
	if err != nil {
		redisError(w, err)
		return
	}
	ctx := r.Context()
	names, err := cl.PubSubChannels(ctx, orDefault(r.URL.Query().Get("pattern"), "*")).Result()
	if err != nil {
		redisError(w, err)
		return
	}
	if len(names) > 500 {
		names = names[:500]
	}
	out := []channelInfo{}
	if len(names) > 0 {
		counts, err := cl.PubSubNumSub(ctx, names...).Result()
		if err != nil {
			redisError(w, err)
			return
		}
		for _, n := range names {
			out = append(out, channelInfo{toBin(n), counts[n]})
		}
	}
	numpat, _ := cl.PubSubNumPat(ctx).Result()
	writeJSON(w, http.StatusOK, map[string]any{"channels": out, "patterns": numpat})
}
