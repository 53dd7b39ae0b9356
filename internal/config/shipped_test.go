package config

// Tests of the configuration file shipped in config/redis.conf.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const shippedConfig = "../../config/redis.conf"

func TestShippedConfigLoads(t *testing.T) {
	c, err := Load(shippedConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	checks := map[string]string{
		"bind": "127.0.0.1 -::1", "port": "6379", "protected-mode": "yes", "console-port": "8001",
		"save": "900 1 300 10 60 10000", "appendonly": "yes", "appendfsync": "everysec",
		"dir": filepath.Join(wd, "data"), "dbfilename": "dump.rdb", "databases": "16",
		"maxmemory-policy": "noeviction", "maxmemory": "0", "requirepass": "",
	}
	for name, want := range checks {
		if got, _ := c.Value(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if c.ConsolePort != 8001 || !c.AppendOnly || len(c.Save) != 3 {
		t.Errorf("typed fields: %+v", c)
	}
}

// TestShippedConfigAcceptedByRedis starts a real redis-server on the shipped
// file (without our console-port line, on a free port and a scratch dir),
// and checks that it agrees with us on every value.
func TestShippedConfigAcceptedByRedis(t *testing.T) {
	needRedis(t)
	data, err := os.ReadFile(shippedConfig)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "console-port") {
			kept = append(kept, l)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "redis.conf")
	os.WriteFile(path, []byte(strings.Join(kept, "\n")), 0o644)
	args := []string{"--dir", dir, "--appendonly", "no"}
	// The file's "dir ./data" must exist for redis-server, which changes
	// into it while reading the file.
	os.Mkdir(filepath.Join(dir, "data"), 0o755)
	rc, port := startRedisIn(t, dir, append([]string{path}, args...)...)
	ours, err := Load(path, append(args, "--port", itoa(port), "--bind", "127.0.0.1", "--daemonize", "no", "--logfile", ""))
	if err != nil {
		t.Fatal(err)
	}
	theirs := rc.configGet(t, "*")
	g := ours.Get("*")
	for i := 0; i < len(g); i += 2 {
		if v, ok := theirs[g[i]]; ok && v != g[i+1] {
			t.Errorf("%s: redis %q, ours %q", g[i], v, g[i+1])
		}
	}
	if theirs["save"] != "900 1 300 10 60 10000" || theirs["maxmemory-policy"] != "noeviction" {
		t.Errorf("redis read the file differently: %v", theirs["save"])
	}
}
