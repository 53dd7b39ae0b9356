// Command memory compares memory use of our server and redis-server on
// the datasets of the performance issue: 1M small strings, one hash with
// 1M fields, 100k small user hashes, 100k lists of 20 chat messages. Both
// servers run with no persistence on free loopback ports, are loaded the
// same way (pipelined), and report INFO used_memory and used_memory_rss
// after a MEMORY PURGE.
//
//	go run ./bench/memory -ours bin/autobot-redis
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

type dataset struct {
	name string
	load func(ctx context.Context, c *redis.Client) error
}

func pipelined(ctx context.Context, c *redis.Client, n int, add func(p redis.Pipeliner, i int)) error {
	const batch = 1000
	for i := 0; i < n; i += batch {
		p := c.Pipeline()
		for j := i; j < i+batch && j < n; j++ {
			add(p, j)
		}
		if _, err := p.Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

var datasets = []dataset{
	{"1M small string keys", func(ctx context.Context, c *redis.Client) error {
		return pipelined(ctx, c, 1_000_000, func(p redis.Pipeliner, i int) {
			p.Set(ctx, "key:"+strconv.Itoa(i), "value:"+strconv.Itoa(i), 0)
		})
	}},
	{"one hash with 1M fields", func(ctx context.Context, c *redis.Client) error {
		return pipelined(ctx, c, 1_000_000, func(p redis.Pipeliner, i int) {
			p.HSet(ctx, "big", "field:"+strconv.Itoa(i), "value:"+strconv.Itoa(i))
		})
	}},
	{"100k small hashes (user:<id>)", func(ctx context.Context, c *redis.Client) error {
		return pipelined(ctx, c, 100_000, func(p redis.Pipeliner, i int) {
			p.HSet(ctx, "user:"+strconv.Itoa(i), "name", "User "+strconv.Itoa(i),
				"email", "user"+strconv.Itoa(i)+"@example.com", "last_active", "2024-01-01T00:00:00Z")
		})
	}},
	{"100k lists of 20 chat messages", func(ctx context.Context, c *redis.Client) error {
		return pipelined(ctx, c, 100_000, func(p redis.Pipeliner, i int) {
			msgs := make([]any, 20)
			for m := range msgs {
				msgs[m] = `{"role": "user", "content": "message ` + strconv.Itoa(m) + `", "timestamp": "2024-01-01T00:00:00Z"}`
			}
			p.LPush(ctx, "chat:session_"+strconv.Itoa(i)+":messages", msgs...)
		})
	}},
}

func freePort() int {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func start(bin string, args ...string) (*exec.Cmd, string, error) {
	port := freePort()
	dir, _ := os.MkdirTemp("", "membench")
	all := append(args, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	cmd := exec.Command(bin, all...)
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for i := 0; i < 100; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return cmd, addr, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	return nil, "", fmt.Errorf("%s did not start", bin)
}

func measure(ctx context.Context, addr string) (used, rss int64) {
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	c.Do(ctx, "MEMORY", "PURGE")
	time.Sleep(200 * time.Millisecond)
	info := c.Info(ctx, "memory").Val()
	for _, line := range strings.Split(info, "\r\n") {
		k, v, _ := strings.Cut(line, ":")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "used_memory":
			used = n
		case "used_memory_rss":
			rss = n
		}
	}
	return
}

func main() {
	ours := flag.String("ours", "bin/autobot-redis", "our server binary")
	ref := flag.String("redis", "redis-server", "reference redis-server binary")
	flag.Parse()
	ctx := context.Background()
	fmt.Printf("%-34s %12s %12s %6s %12s %12s %6s\n", "dataset", "redis used", "ours used", "ratio", "redis rss", "ours rss", "ratio")
	for _, ds := range datasets {
		var res [2][2]int64
		for side, bin := range []string{*ref, *ours} {
			var cmd *exec.Cmd
			var addr string
			var err error
			if side == 0 {
				cmd, addr, err = start(bin)
			} else {
				cmd, addr, err = start(bin, "serve")
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			base, baseRSS := measure(ctx, addr)
			c := redis.NewClient(&redis.Options{Addr: addr})
			if err := ds.load(ctx, c); err != nil {
				fmt.Fprintln(os.Stderr, ds.name, err)
				os.Exit(1)
			}
			c.Close()
			used, rss := measure(ctx, addr)
			res[side] = [2]int64{used - base, rss - baseRSS}
			cmd.Process.Kill()
			cmd.Wait()
		}
		fmt.Printf("%-34s %11.1fM %11.1fM %6.2f %11.1fM %11.1fM %6.2f\n", ds.name,
			mb(res[0][0]), mb(res[1][0]), ratio(res[1][0], res[0][0]),
			mb(res[0][1]), mb(res[1][1]), ratio(res[1][1], res[0][1]))
	}
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
