package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDistributionConfigLoads loads the full, commented redis.conf that
// Debian's redis-server package installs, when it is present: a stock Redis
// 7.0 configuration must load unchanged.
func TestDistributionConfigLoads(t *testing.T) {
	const path = "/etc/redis/redis.conf"
	if _, err := os.Stat(path); err != nil {
		t.Skip("no " + path + " on this machine (it comes with Debian's redis-server package)")
	}
	c, err := Load(path, nil)
	if err != nil {
		t.Fatalf("stock redis.conf: %v", err)
	}
	if c.Port != 6379 || c.Databases != 16 {
		t.Errorf("port %d databases %d", c.Port, c.Databases)
	}

	// A rewritten copy keeps every comment line and loads to the same values.
	data, _ := os.ReadFile(path)
	cp := filepath.Join(t.TempDir(), "redis.conf")
	os.WriteFile(cp, data, 0o644)
	c, err = Load(cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set("maxmemory", "1gb", "appendonly", "yes"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rewrite(); err != nil {
		t.Fatal(err)
	}
	back, err := Load(cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range Directives() {
		a, _ := c.Value(d.Name)
		b, _ := back.Value(d.Name)
		if a != b {
			t.Errorf("%s: %q, reloaded %q", d.Name, a, b)
		}
	}
	out, _ := os.ReadFile(cp)
	comments := func(s string) int { return strings.Count(s, "\n#") }
	if comments(string(out)) < comments(string(data)) {
		t.Errorf("comments lost: %d -> %d", comments(string(data)), comments(string(out)))
	}
}
