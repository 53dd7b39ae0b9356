package redismanager

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestManagerLifecycle(t *testing.T) {
	m := openBackend(t, beEmbedded)
	ctx := ctxT(t)
	if m.Mode() != ModeEmbedded || !strings.HasPrefix(m.Addr(), "127.0.0.1:") || m.Namespaced() || m.Encrypted() || m.InstanceID() == "" {
		t.Fatalf("%s %s %v %v %q", m.Mode(), m.Addr(), m.Namespaced(), m.Encrypted(), m.InstanceID())
	}
	if err := m.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// The guarded clients take keys built with Key.
	key := m.Key(DBSessions, "user:<id>", "42")
	if err := m.Client(DBSessions).HSet(ctx, key, "name", "x").Err(); err != nil {
		t.Fatal(err)
	}
	if u, err := m.Users().Get(ctx, "42"); err != nil || u.Name != "x" {
		t.Fatalf("%+v %v", u, err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := m.Sessions().Get(ctx, "abc"); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	port, _ := freePort() // nothing listens there
	c := testConfig()
	c.Addr = "127.0.0.1:" + itoaTest(port)
	c.MaxRetries, c.ConnectTimeout = 1, 200*time.Millisecond
	start := time.Now()
	_, err := Open(ctxT(t), c)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), c.Addr) || time.Since(start) > 2*time.Second {
		t.Fatalf("%v after %v", err, time.Since(start))
	}
}

// TestNamespacedStandalone runs the stores with the cluster key layout on
// one server (Config.Namespaced): everything lands in database 0, each key
// under its database's namespace.
func TestNamespacedStandalone(t *testing.T) {
	m := openBackend(t, beEmbedded, func(c *Config) { c.Namespaced = true })
	exerciseAllStores(t, m)
	keys := allKeys(t, m)
	if len(keys) != 1 || len(keys[-1]) < 20 {
		t.Fatalf("keys outside database 0 or too few: %d groups", len(keys))
	}
	for _, k := range keys[-1] {
		owners := 0
		for _, d := range m.dbs {
			if d.ks.allowed(k) {
				owners++
				if !strings.HasPrefix(k, d.ks.prefix+"{") {
					t.Errorf("%s not under %s", k, d.ks.prefix)
				}
			}
		}
		if owners != 1 {
			t.Errorf("%s belongs to %d databases", k, owners)
		}
	}
	h := m.Health(ctxT(t))
	if !h.Healthy || h.DBs[DBSessions].Keys < 2 {
		t.Fatalf("namespaced key counts: %+v", h.DBs[DBSessions])
	}
}

func itoaTest(n int) string { return strconv.Itoa(n) }
