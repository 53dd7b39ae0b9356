package console

// End-to-end test of the console in headless Chromium, driven by
// playwright-core (e2e/scenario.js). It runs the same scenario against
// our server (in-process, console in-process) and against Debian's
// redis-server with the standalone console (`autobot-redis console`).
//
// Needs node, /usr/bin/chromium (Debian's chromium package) and
// `npm ci` in internal/console/e2e; skipped with a message otherwise.
//
//	go test ./internal/console -run E2E -v
//	go test ./internal/console -run E2E/autobot-redis -screenshots ../../docs/console   # refresh the README's pictures
//	go test ./internal/console -run E2E -hold 10m   # keep the servers up to look around

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	screenshotDir = flag.String("screenshots", "", "directory for the e2e screenshots (default: a temporary one)")
	holdFor       = flag.Duration("hold", 0, "keep the e2e servers running this long before the scenario, to look around")
)

const chromiumPath = "/usr/bin/chromium"

func needBrowser(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("e2e: node not found; install Debian's nodejs and npm to run the browser test")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skip("e2e: " + chromiumPath + " not found; apt-get install -y chromium chromium-driver")
	}
	if _, err := os.Stat(filepath.Join("e2e", "node_modules", "playwright-core")); err != nil {
		t.Skip("e2e: playwright-core is not installed; run `npm ci` in internal/console/e2e")
	}
	return node
}

func TestE2E(t *testing.T) {
	node := needBrowser(t)
	shots := *screenshotDir
	if shots == "" {
		shots = t.TempDir()
	} else if abs, err := filepath.Abs(shots); err == nil {
		shots = abs
		os.MkdirAll(shots, 0o755)
	}

	t.Run("autobot-redis", func(t *testing.T) {
		addr := startOurs(t)
		seed(t, addr)
		env := []string{"E2E_BACKEND=autobot-redis (in-process, console in-process)", "E2E_SCREENSHOTS=" + shots}
		if err := addReadOnlyUser(context.Background(), admin(t, addr, 0)); err != nil {
			env = append(env, "E2E_RO_SKIP=the server has no ACL yet ("+err.Error()+")")
		} else {
			env = append(env, "E2E_RO_USER=reader", "E2E_RO_PASS=reader-pass")
		}
		stop := traffic(addr)
		defer stop()
		url := startConsole(t, addr)
		runScenario(t, node, url, env)
	})

	t.Run("redis-server", func(t *testing.T) {
		addr := startReferenceRedis(t)
		seed(t, addr)
		if err := addReadOnlyUser(context.Background(), admin(t, addr, 0)); err != nil {
			t.Fatalf("ACL SETUSER on redis-server: %v", err)
		}
		stop := traffic(addr)
		defer stop()
		url := startStandaloneConsole(t, addr)
		runScenario(t, node, url, []string{
			"E2E_BACKEND=redis-server (Debian) with the standalone console",
			"E2E_SCREENSHOTS=" + filepath.Join(t.TempDir()), // the pictures come from our server
			"E2E_RO_USER=reader", "E2E_RO_PASS=reader-pass",
		})
	})
}

func runScenario(t *testing.T, node, url string, env []string) {
	t.Helper()
	if *holdFor > 0 {
		t.Logf("holding %v: console at %s (password %s)", *holdFor, url, testPassword)
		time.Sleep(*holdFor)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "scenario.js", url)
	cmd.Dir = "e2e"
	cmd.Env = append(os.Environ(), append(env, "E2E_PASSWORD="+testPassword, "E2E_CHROMIUM="+chromiumPath)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	for _, line := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		t.Log(line)
	}
	if err != nil {
		t.Fatalf("scenario failed: %v", err)
	}
}

// traffic runs a light, steady load so the overview's charts move.
func traffic(addr string) func() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := redis.NewClient(&redis.Options{Addr: addr, Password: testPassword, Protocol: 2, DisableIdentity: true})
		defer c.Close()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			p := c.Pipeline()
			// A load that rises and falls over ten seconds.
			n := 6 + int(5*math.Sin(float64(i)/80))
			for j := 0; j < n+i%3; j++ {
				p.Get(ctx, fmt.Sprintf("session:user_%d", 1000+(i+j)%50))
			}
			p.Incr(ctx, "stats:requests")
			p.Exec(ctx)
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// startReferenceRedis starts Debian's redis-server with the password,
// or skips.
func startReferenceRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not found; apt-get install -y redis-server")
	}
	port := freePort(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no",
		"--requirepass", testPassword, "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	c := redis.NewClient(&redis.Options{Addr: addr, Password: testPassword, Protocol: 2, DisableIdentity: true})
	defer c.Close()
	for i := 0; ; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return addr
		}
		if i > 200 {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(25 * time.Millisecond)
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// startStandaloneConsole builds the binary and runs `autobot-redis
// console` against addr.
func startStandaloneConsole(t *testing.T, addr string) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "console-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "autobot-redis")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/autobot-ai/autobot-redis/cmd/autobot-redis").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(binPath, "console", "--redis-url", "redis://"+addr, "--listen", listen)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		t.Logf("standalone console output:\n%s", logs.String())
	})
	url := "http://" + listen
	for i := 0; ; i++ {
		if r, err := http.Get(url + "/api/session"); err == nil {
			r.Body.Close()
			return url
		}
		if i > 200 {
			t.Fatalf("the standalone console did not start: %s", logs.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
