package redismanager

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaultsMirrorSeed(t *testing.T) {
	c := DefaultConfig()
	if c.SocketTimeout != 2*time.Second || c.ConnectTimeout != 2*time.Second || !c.RetryOnTimeout ||
		c.HealthCheckInterval != 30*time.Second || c.SessionTTL != 86400*time.Second || c.WSRouteTTL != 7200*time.Second {
		t.Fatalf("%+v", c)
	}
	if c.mode() != ModeEmbedded {
		t.Fatal("no address should mean embedded")
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"AUTOBOT_REDIS_ADDR":             "rediss://alice:s3cret@redis.internal:6380/4",
		"AUTOBOT_REDIS_SOCKET_TIMEOUT":   "1.5",
		"AUTOBOT_REDIS_CONNECT_TIMEOUT":  "750ms",
		"AUTOBOT_REDIS_RETRY_ON_TIMEOUT": "false",
		"AUTOBOT_REDIS_MAX_RETRIES":      "7",
		"AUTOBOT_REDIS_SESSION_TTL":      "3600",
		"AUTOBOT_REDIS_ENCRYPTION_KEY":   strings.Repeat("ab", 32),
		"AUTOBOT_REDIS_EMBEDDER":         "ollama",
	}
	c := DefaultConfig()
	if err := c.applyLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	if c.mode() != ModeStandalone || c.Addr != "redis.internal:6380" || !c.TLS || c.Username != "alice" || c.Password != "s3cret" {
		t.Fatalf("addr parsing: %+v", c)
	}
	if c.SocketTimeout != 1500*time.Millisecond || c.ConnectTimeout != 750*time.Millisecond || c.RetryOnTimeout ||
		c.MaxRetries != 7 || c.SessionTTL != time.Hour || len(c.EncryptionKey) != 32 || c.Embedder != "ollama" {
		t.Fatalf("%+v", c)
	}
	bad := map[string]string{"AUTOBOT_REDIS_SOCKET_TIMEOUT": "soon", "AUTOBOT_REDIS_MODE": "mesh"}
	err := DefaultConfig().applyLookup(func(k string) (string, bool) { v, ok := bad[k]; return v, ok })
	if err == nil || !strings.Contains(err.Error(), "AUTOBOT_REDIS_SOCKET_TIMEOUT") || !strings.Contains(err.Error(), "AUTOBOT_REDIS_MODE") {
		t.Fatalf("errors: %v", err)
	}
}

func TestConfigFromFile(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte(GenerateKey()+"\n"), 0o600)
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte("hunter2\n"), 0o600)
	path := filepath.Join(dir, "redis.env")
	os.WriteFile(path, []byte(`# AutoBot data layer
cluster_addrs = 10.0.0.1:7000, 10.0.0.2:7000
password-file: `+pwFile+`
export AUTOBOT_REDIS_HEALTH_CHECK_INTERVAL=10s
encryption_key_file = "`+keyFile+`"
job_lease = 45s   # trailing comment
`), 0o600)
	c, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	if c.mode() != ModeCluster || len(c.ClusterAddrs) != 2 || c.Password != "hunter2" || c.HealthCheckInterval != 10*time.Second ||
		len(c.EncryptionKey) != 32 || c.JobLease != 45*time.Second {
		t.Fatalf("%+v", c)
	}
	os.WriteFile(path, []byte("nonsense line\nfoo = 1\n"), 0o600)
	if _, err := LoadFile(path); err == nil || !strings.Contains(err.Error(), ":1:") || !strings.Contains(err.Error(), ":2:") {
		t.Fatalf("errors: %v", err)
	}
	// LoadConfig: the file named by AUTOBOT_REDIS_CONFIG_FILE, then env.
	os.WriteFile(path, []byte("addr = a:1\nsession_ttl = 60\n"), 0o600)
	t.Setenv("AUTOBOT_REDIS_CONFIG_FILE", path)
	t.Setenv("AUTOBOT_REDIS_SESSION_TTL", "120")
	c, err = LoadConfig()
	if err != nil || c.Addr != "a:1" || c.SessionTTL != 2*time.Minute {
		t.Fatalf("%+v %v", c, err)
	}
}

func TestConfigValidation(t *testing.T) {
	c := DefaultConfig()
	c.EncryptionKey = []byte("short")
	c.KBChunkOverlap = 500
	err := c.validate()
	if err == nil || !strings.Contains(err.Error(), "32 bytes") || !strings.Contains(err.Error(), "kb_chunk_overlap") {
		t.Fatalf("%v", err)
	}
	// Every setting has a description (they are the documentation).
	for _, s := range SettingNames() {
		if s[1] == "" {
			t.Errorf("setting %s undocumented", s[0])
		}
	}
}

// TestDocListsEverySetting keeps the manual's table in step with the code.
func TestDocListsEverySetting(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range SettingNames() {
		if !strings.Contains(string(doc), "//\t"+EnvPrefix+strings.ToUpper(s[0])+" ") {
			t.Errorf("doc.go does not document %s", EnvPrefix+strings.ToUpper(s[0]))
		}
	}
}
