package persist_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestMeasurePersistence prints the figures of the persistence report in
// one run covering both servers: RDB save and load time for 1M small
// keys, and the longest client-visible pause while BGSAVE runs under
// concurrent clients. It takes about a minute, so it only runs with
// PERSIST_MEASURE=1:
//
//	PERSIST_MEASURE=1 go test -run TestMeasurePersistence -v ./internal/persist
func TestMeasurePersistence(t *testing.T) {
	if os.Getenv("PERSIST_MEASURE") == "" {
		t.Skip("set PERSIST_MEASURE=1 to measure save/load times and BGSAVE pauses (1M keys, both servers)")
	}
	requireRedis(t)
	keys := 1000000
	if n, err := strconv.Atoi(os.Getenv("PERSIST_MEASURE_KEYS")); err == nil && n > 0 {
		keys = n
	}
	type result struct {
		save, bgsave, load    time.Duration
		basePause, bgPause    time.Duration
		baseP99, bgP99        time.Duration
		rdbBytes              int64
		requests, bgsaveCount int
		lockHold              float64 // longest snapshot chunk in ms, from our log
	}
	run := func(name string, start func(dir string) *proc) result {
		var r result
		dir := t.TempDir()
		p := start(dir)
		c := p.client()
		must(t, c.Do(bg, "DEBUG", "POPULATE", keys, "key", 10).Err())
		if n := c.DBSize(bg).Val(); n != int64(keys) {
			t.Fatalf("%s: dbsize %d", name, n)
		}
		t0 := time.Now()
		must(t, c.Do(bg, "SAVE").Err())
		r.save = time.Since(t0)
		fi, err := os.Stat(dir + "/dump.rdb")
		must(t, err)
		r.rdbBytes = fi.Size()

		// Pauses: clients GET and SET random keys and time each request;
		// first a baseline, then while BGSAVE runs (repeated to cover the
		// same duration).
		measure := func(during func()) (max, p99 time.Duration, n int) {
			var stop atomic.Bool
			var mu sync.Mutex
			var lat []time.Duration
			var wg sync.WaitGroup
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					cl := redis.NewClient(&redis.Options{Addr: p.addr, PoolSize: 1, ReadTimeout: 30 * time.Second})
					defer cl.Close()
					rng := rand.New(rand.NewPCG(uint64(w), 1))
					var mine []time.Duration
					for !stop.Load() {
						k := fmt.Sprintf("key:%d", rng.IntN(keys))
						s := time.Now()
						var err error
						if rng.IntN(4) == 0 {
							err = cl.Set(bg, k, "new-value", 0).Err()
						} else {
							err = cl.Get(bg, k).Err()
						}
						if err != nil && err != redis.Nil {
							t.Errorf("%s: %v", name, err)
							return
						}
						mine = append(mine, time.Since(s))
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}(w)
			}
			time.Sleep(200 * time.Millisecond)
			during()
			stop.Store(true)
			wg.Wait()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			return lat[len(lat)-1], lat[len(lat)*99/100], len(lat)
		}
		var bgDur time.Duration
		r.bgPause, r.bgP99, r.requests = measure(func() {
			for i := 0; i < 3; i++ {
				t0 := time.Now()
				must(t, c.Do(bg, "BGSAVE").Err())
				waitPersistence(t, c)
				bgDur += time.Since(t0)
				r.bgsaveCount++
			}
		})
		r.bgsave = bgDur / time.Duration(r.bgsaveCount)
		r.basePause, r.baseP99, _ = measure(func() { time.Sleep(bgDur) })
		for _, m := range regexp.MustCompile(`longest pause ([0-9.]+) ms`).FindAllStringSubmatch(p.logText(), -1) {
			if v, _ := strconv.ParseFloat(m[1], 64); v > r.lockHold {
				r.lockHold = v
			}
		}
		c.Close()
		p.kill()

		// Load time, as the server logs it.
		p2 := start(dir)
		re := regexp.MustCompile(`DB loaded from disk: ([0-9.]+) seconds`)
		m := re.FindStringSubmatch(p2.logText())
		if m == nil {
			t.Fatalf("%s: no load time in the log:\n%s", name, tail(p2.logText()))
		}
		secs, _ := strconv.ParseFloat(m[1], 64)
		r.load = time.Duration(secs * float64(time.Second))
		c2 := p2.client()
		if n := c2.DBSize(bg).Val(); n != int64(keys) {
			t.Fatalf("%s: %d keys after reload", name, n)
		}
		c2.Close()
		p2.kill()
		return r
	}
	redisPort := 0
	ref := run("redis-server", func(dir string) *proc {
		if redisPort == 0 {
			redisPort = freePort(t)
		}
		return startProc(t, requireRedis(t), dir, redisPort, "--port", strconv.Itoa(redisPort), "--bind", "127.0.0.1",
			"--dir", dir, "--save", "", "--appendonly", "no", "--enable-debug-command", "yes")
	})
	ours := run("autobot-redis", func(dir string) *proc { return startOursProc(t, dir) })
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	t.Logf("%d small keys (key:N -> 10-byte value), 8 clients GET/SET at random during the pause measurements", keys)
	t.Logf("%-34s %16s %16s", "", "redis-server", "autobot-redis")
	t.Logf("%-34s %16d %16d", "RDB size (bytes)", ref.rdbBytes, ours.rdbBytes)
	t.Logf("%-34s %16s %16s", "SAVE", ms(ref.save), ms(ours.save))
	t.Logf("%-34s %16s %16s", "BGSAVE (start to finish)", ms(ref.bgsave), ms(ours.bgsave))
	t.Logf("%-34s %16s %16s", "load at start-up", ms(ref.load), ms(ours.load))
	t.Logf("%-34s %16s %16s", "longest request, no BGSAVE", ms(ref.basePause), ms(ours.basePause))
	t.Logf("%-34s %16s %16s", "longest request, during BGSAVE", ms(ref.bgPause), ms(ours.bgPause))
	t.Logf("%-34s %16s %16s", "p99 request, no BGSAVE", ms(ref.baseP99), ms(ours.baseP99))
	t.Logf("%-34s %16s %16s", "p99 request, during BGSAVE", ms(ref.bgP99), ms(ours.bgP99))
	t.Logf("%-34s %16s %16s", "longest lock hold by BGSAVE (log)", "(fork)", fmt.Sprintf("%.1f ms", ours.lockHold))
	t.Logf("requests served: %d during %d BGSAVEs each", ours.requests, ours.bgsaveCount)
}
