// Package deploy holds the deployment files (Dockerfile, docker-compose,
// systemd unit). Docker does not run here, so this test checks the files
// statically: the compose file against the compose specification's
// structure, and the Dockerfile and unit for the properties we rely on.
package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Keys the compose specification allows, for the parts we use.
var (
	composeTop     = set("services", "volumes", "networks", "configs", "secrets", "name", "version")
	composeService = set("build", "image", "container_name", "ports", "volumes", "environment", "env_file",
		"command", "entrypoint", "networks", "restart", "healthcheck", "depends_on", "user", "deploy",
		"logging", "ulimits", "labels", "expose", "read_only", "security_opt", "cap_drop", "tmpfs")
	composeHealth  = set("test", "interval", "timeout", "retries", "start_period", "disable")
	restartPolicy  = set("no", "always", "on-failure", "unless-stopped")
	portPattern    = regexp.MustCompile(`^(\d{1,5}:)?\d{1,5}(/(tcp|udp))?$`)
	durationFormat = regexp.MustCompile(`^(\d+(ms|s|m|h))+$`)
)

func set(items ...string) map[string]bool {
	m := map[string]bool{}
	for _, i := range items {
		m[i] = true
	}
	return m
}

func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("not valid YAML: %v", err)
	}
	for k := range doc {
		if !composeTop[k] && !strings.HasPrefix(k, "x-") {
			t.Errorf("unknown top-level key %q", k)
		}
	}
	services := doc["services"].(map[string]any)
	svc, ok := services["autobot-redis"].(map[string]any)
	if !ok {
		t.Fatal("no autobot-redis service")
	}
	for k := range svc {
		if !composeService[k] {
			t.Errorf("unknown service key %q", k)
		}
	}
	ports := map[string]bool{}
	for _, p := range svc["ports"].([]any) {
		s := p.(string)
		if !portPattern.MatchString(s) {
			t.Errorf("bad port mapping %q", s)
		}
		ports[s] = true
	}
	if !ports["6379:6379"] || !ports["8002:8001"] {
		t.Errorf("ports %v: want 6379:6379 and 8002:8001 as in the AutoBot seed", ports)
	}
	if svc["restart"] != "unless-stopped" || !restartPolicy[svc["restart"].(string)] {
		t.Errorf("restart %v", svc["restart"])
	}
	declaredVolumes := doc["volumes"].(map[string]any)
	var hasData, hasConfig bool
	for _, v := range svc["volumes"].([]any) {
		parts := strings.Split(v.(string), ":")
		if len(parts) < 2 {
			t.Errorf("bad volume %q", v)
			continue
		}
		if !strings.HasPrefix(parts[0], ".") && !strings.HasPrefix(parts[0], "/") {
			if _, ok := declaredVolumes[parts[0]]; !ok {
				t.Errorf("volume %q is not declared", parts[0])
			}
		}
		hasData = hasData || parts[1] == "/data"
		hasConfig = hasConfig || strings.HasSuffix(parts[0], "config/redis.conf")
	}
	if !hasData || !hasConfig {
		t.Error("the data volume and the config mount are both required")
	}
	declaredNets := doc["networks"].(map[string]any)
	for _, n := range svc["networks"].([]any) {
		net, ok := declaredNets[n.(string)].(map[string]any)
		if !ok {
			t.Errorf("network %q is not declared", n)
		} else if net["internal"] != true {
			t.Errorf("network %q must be internal: Redis stays off public networks", n)
		}
	}
	hc := svc["healthcheck"].(map[string]any)
	for k, v := range hc {
		if !composeHealth[k] {
			t.Errorf("unknown healthcheck key %q", k)
		}
		if s, ok := v.(string); ok && k != "test" && !durationFormat.MatchString(s) {
			t.Errorf("healthcheck %s: bad duration %q", k, s)
		}
	}
	if test := hc["test"].([]any); test[0] != "CMD" || !strings.Contains(strings.Join(toStrings(test), " "), "autobot-redis health") {
		t.Errorf("healthcheck must run autobot-redis health: %v", test)
	}
	if strings.Contains(string(raw), "requirepass ") && !strings.Contains(string(raw), "${") {
		t.Error("a literal password is committed in the compose file")
	}
}

func toStrings(a []any) []string {
	out := make([]string, len(a))
	for i, v := range a {
		out[i], _ = v.(string)
	}
	return out
}

func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(s, -1)); n < 2 {
		t.Errorf("want a multi-stage build, found %d FROM lines", n)
	}
	if !regexp.MustCompile(`(?m)^USER (nonroot|[1-9]\d*)`).MatchString(s) {
		t.Error("the image must run as a non-root user")
	}
	if !regexp.MustCompile(`(?m)^HEALTHCHECK .*\n?.*autobot-redis", "health"`).MatchString(s) {
		t.Error("HEALTHCHECK must run autobot-redis health")
	}
	if !strings.Contains(s, "CGO_ENABLED=0") {
		t.Error("the binary must be static")
	}
}

func TestSystemdUnit(t *testing.T) {
	raw, err := os.ReadFile("autobot-redis.service")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]map[string]string{}
	cur := ""
	for i, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			cur = line[1 : len(line)-1]
			sections[cur] = map[string]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || cur == "" {
				t.Fatalf("line %d is not key=value inside a section: %q", i+1, line)
			}
			sections[cur][k] = v
		}
	}
	for _, sec := range []string{"Unit", "Service", "Install"} {
		if sections[sec] == nil {
			t.Errorf("missing [%s]", sec)
		}
	}
	if !strings.Contains(sections["Service"]["ExecStart"], "autobot-redis serve") {
		t.Error("ExecStart must run autobot-redis serve")
	}
	if sections["Service"]["User"] == "" || sections["Service"]["User"] == "root" {
		t.Error("the service must not run as root")
	}
}
