package server_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/config"
	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// TestWatchOptimisticConcurrency: many clients increment one counter with
// WATCH/MULTI/EXEC, retrying on conflicts. No increment may be lost or
// applied twice, which only holds if EXEC is atomic and WATCH sees every
// competing write.
func TestWatchOptimisticConcurrency(t *testing.T) {
	_, addr := servertest.Start(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 16})
	defer rdb.Close()
	const workers, each = 8, 50
	var wg sync.WaitGroup
	var conflicts sync.Map
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				for {
					err := rdb.Watch(ctx, func(tx *redis.Tx) error {
						n, err := tx.Get(ctx, "counter").Int()
						if err != nil && err != redis.Nil {
							return err
						}
						_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
							p.Set(ctx, "counter", n+1, 0)
							return nil
						})
						return err
					}, "counter")
					if errors.Is(err, redis.TxFailedErr) {
						conflicts.Store(w, true)
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					break
				}
			}
		}(w)
	}
	wg.Wait()
	if got := rdb.Get(ctx, "counter").Val(); got != strconv.Itoa(workers*each) {
		t.Fatalf("counter = %s, want %d", got, workers*each)
	}
}

// TestPubSubFanOutAndSlowSubscriber: every subscriber gets every message
// in order, and a subscriber that stops reading is cut off at the pubsub
// output limit without slowing the publisher or the others.
func TestPubSubFanOutAndSlowSubscriber(t *testing.T) {
	_, addr := servertest.Start(t, func(c *config.Config) {
		c.ClientOutputBufferLimit[config.ClientPubSub] = config.OutputBufferLimit{Hard: 1 << 20}
	})
	ctx := context.Background()
	pub := redis.NewClient(&redis.Options{Addr: addr})
	defer pub.Close()
	const subs, msgs = 5, 500
	var wg sync.WaitGroup
	drain, stopDrain := context.WithCancel(ctx)
	defer stopDrain()
	for i := 0; i < subs; i++ {
		sub := redis.NewClient(&redis.Options{Addr: addr}).Subscribe(ctx, "events")
		defer sub.Close()
		if _, err := sub.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch := sub.Channel()
			for want := 0; want < msgs; want++ {
				select {
				case m := <-ch:
					if m.Payload != strconv.Itoa(want) {
						t.Errorf("got %q, want %d", m.Payload, want)
						return
					}
				case <-time.After(5 * time.Second):
					t.Errorf("timed out waiting for message %d", want)
					return
				}
			}
			// Keep reading, like a healthy subscriber.
			go func() {
				for {
					select {
					case <-ch:
					case <-drain.Done():
						return
					}
				}
			}()
		}()
	}
	// A raw subscriber that never reads.
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.Write([]byte("*2\r\n$9\r\nSUBSCRIBE\r\n$6\r\nevents\r\n"))
	time.Sleep(50 * time.Millisecond)
	big := strings.Repeat("x", 4096)
	start := time.Now()
	for i := 0; i < msgs; i++ {
		if err := pub.Publish(ctx, "events", strconv.Itoa(i)).Err(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	// Flood the slow subscriber past its 1 MB limit (after the kernel's
	// socket buffers fill up): it must be dropped.
	for i := 0; i < 5000; i++ {
		pub.Publish(ctx, "events", big)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("publishing took %v: a slow subscriber slowed the publisher", d)
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if n := pub.PubSubNumSub(ctx, "events").Val()["events"]; n == subs {
			return // the slow one is gone, the others remain
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("slow subscriber still subscribed: %v", pub.PubSubNumSub(ctx, "events").Val())
}
