package redismanager

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWebSockets(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		ws := m.WebSockets()
		c1, err := ws.Register(ctx, Connection{ID: "conn_abc123", UserID: "123", SessionID: "456"})
		if err != nil {
			t.Fatal(err)
		}
		// The seed's layout: a hash of connections and a routing key with TTL.
		raw := admin(t, m, 4)
		v := raw.HGet(ctx, m.Key(DBWebSocket, "ws:connections"), "conn_abc123").Val()
		if !strings.Contains(v, `"user_id":"123"`) || !strings.Contains(v, `"session_id":"456"`) || !strings.Contains(v, `"connected":`) {
			t.Fatalf("connection record %s", v)
		}
		rk := m.Key(DBWebSocket, "ws:user_<id>:connection", "123")
		if raw.Get(ctx, rk).Val() != "conn_abc123" {
			t.Fatal("routing key not set")
		}
		if ttl := raw.TTL(ctx, rk).Val(); ttl < 7100*time.Second || ttl > 7200*time.Second {
			t.Fatalf("routing ttl %v", ttl)
		}
		time.Sleep(2 * time.Millisecond)
		c2, _ := ws.Register(ctx, Connection{UserID: "123"})
		if r, _ := ws.Route(ctx, "123"); r != c2.ID {
			t.Fatalf("route %s, want newest %s", r, c2.ID)
		}
		conns, err := ws.UserConnections(ctx, "123")
		if err != nil || len(conns) != 2 || conns[0].ID != c2.ID || conns[1].ID != c1.ID {
			t.Fatalf("user connections %v %v", conns, err)
		}
		if err := ws.Heartbeat(ctx, c1.ID); err != nil {
			t.Fatal(err)
		}
		// Unregistering the routed connection re-points the route.
		if err := ws.Unregister(ctx, c2.ID); err != nil {
			t.Fatal(err)
		}
		if r, _ := ws.Route(ctx, "123"); r != c1.ID {
			t.Fatalf("route after unregister %s", r)
		}
		if err := ws.Unregister(ctx, c1.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := ws.Route(ctx, "123"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("route of user without connections: %v", err)
		}
		if err := ws.Heartbeat(ctx, c1.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("heartbeat of unregistered: %v", err)
		}
	})
}

func TestWebSocketSweep(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		ws := m.WebSockets()
		stale, _ := ws.Register(ctx, Connection{UserID: "7"})
		time.Sleep(250 * time.Millisecond)
		fresh, _ := ws.Register(ctx, Connection{UserID: "7"})
		gone, err := ws.Sweep(ctx)
		if err != nil || len(gone) != 1 || gone[0] != stale.ID {
			t.Fatalf("swept %v %v", gone, err)
		}
		if _, err := ws.Get(ctx, stale.ID); !errors.Is(err, ErrNotFound) {
			t.Fatal("stale connection still recorded")
		}
		if err := ws.Heartbeat(ctx, stale.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("heartbeat of swept connection: %v", err)
		}
		conns, _ := ws.UserConnections(ctx, "7")
		if len(conns) != 1 || conns[0].ID != fresh.ID {
			t.Fatalf("connections after sweep %v", conns)
		}
		if r, _ := ws.Route(ctx, "7"); r != fresh.ID {
			t.Fatalf("route after sweep %s", r)
		}
	}, func(c *Config) { c.WSStaleAfter = 200 * time.Millisecond })
}

// TestWebSocketCrossInstanceDelivery delivers to a connection owned by
// another backend instance, over pub/sub.
func TestWebSocketCrossInstanceDelivery(t *testing.T) {
	for _, b := range wantBackends() {
		t.Run(string(b), func(t *testing.T) {
			a := openBackend(t, b, func(c *Config) { c.InstanceID = "instance-a" })
			var bm *Manager
			if b == beEmbedded {
				// A second Manager on the same embedded server.
				c := testConfig()
				c.Mode, c.Addr, c.InstanceID = ModeStandalone, a.Addr(), "instance-b"
				var err error
				if bm, err = Open(ctxT(t), c); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { bm.Close() })
			} else {
				bm = openBackend(t, b, func(c *Config) { c.InstanceID = "instance-b" })
			}
			ctx := ctxT(t)
			type got struct{ conn, msg string }
			recv := make(chan got, 10)
			if err := bm.WebSockets().Listen(ctx, func(conn string, p []byte) { recv <- got{conn, string(p)} }); err != nil {
				t.Fatal(err)
			}
			conn, err := bm.WebSockets().Register(ctx, Connection{UserID: "42"})
			if err != nil {
				t.Fatal(err)
			}
			// Instance A delivers to B's connection.
			if err := a.WebSockets().Deliver(ctx, conn.ID, []byte("hello from a")); err != nil {
				t.Fatal(err)
			}
			select {
			case g := <-recv:
				if g.conn != conn.ID || g.msg != "hello from a" {
					t.Fatalf("received %+v", g)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("message not delivered")
			}
			if n, err := a.WebSockets().DeliverToUser(ctx, "42", []byte("to user")); err != nil || n != 1 {
				t.Fatalf("deliver to user: %d %v", n, err)
			}
			<-recv
			// A local delivery goes straight to the handler.
			if err := bm.WebSockets().Deliver(ctx, conn.ID, []byte("local")); err != nil {
				t.Fatal(err)
			}
			if g := <-recv; g.msg != "local" {
				t.Fatalf("local %+v", g)
			}
			// After B closes, A's delivery reports that nobody listens
			// (once the server has seen B's subscription go).
			bm.Close()
			deadline := time.Now().Add(5 * time.Second)
			for {
				err := a.WebSockets().Deliver(ctx, conn.ID, []byte("x"))
				if errors.Is(err, ErrNotFound) {
					break
				}
				if err != nil || time.Now().After(deadline) {
					t.Fatalf("deliver to closed instance: %v", err)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}

func TestWebSocketConcurrentRegister(t *testing.T) {
	m := openBackend(t, beEmbedded)
	ctx := ctxT(t)
	ws := m.WebSockets()
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := ws.Register(ctx, Connection{UserID: "9"})
			if err != nil {
				t.Error(err)
				return
			}
			if err := ws.Unregister(context.Background(), c.ID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if conns, _ := ws.UserConnections(ctx, "9"); len(conns) != 0 {
		t.Fatalf("%d connections left", len(conns))
	}
	if _, err := ws.Route(ctx, "9"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("route left behind: %v", err)
	}
}
