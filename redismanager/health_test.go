package redismanager

import (
	"testing"
	"time"
)

func TestHealth(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		m.Sessions().Create(ctx, "u", nil)
		m.Chat().CreateSession(ctx, ChatSession{UserID: "u"})
		h := m.Health(ctx)
		if !h.Healthy || len(h.DBs) != 6 || h.Breaker.State != BreakerClosed {
			t.Fatalf("%+v", h)
		}
		for i, d := range h.DBs {
			if int(d.DB) != i || !d.OK || d.Latency <= 0 || d.Name != DB(i).String() || d.Purpose == "" {
				t.Fatalf("db %d: %+v", i, d)
			}
		}
		if h.DBs[0].Keys != 2 || h.DBs[1].Keys != 2 || h.DBs[2].Keys != 0 {
			t.Fatalf("key counts %d %d %d", h.DBs[0].Keys, h.DBs[1].Keys, h.DBs[2].Keys)
		}
		if h.DBs[0].Ops == 0 {
			t.Fatal("no op counted")
		}
	})
}

func TestBackgroundHealthCheck(t *testing.T) {
	m := openBackend(t, beEmbedded, func(c *Config) { c.HealthCheckInterval = 50 * time.Millisecond })
	deadline := time.Now().Add(5 * time.Second)
	for m.LastHealth() == nil {
		if time.Now().After(deadline) {
			t.Fatal("no background health report")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !m.LastHealth().Healthy {
		t.Fatalf("%+v", m.LastHealth())
	}
}
