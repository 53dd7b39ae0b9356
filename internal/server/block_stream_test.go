package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/autobot-ai/autobot-redis/internal/servertest"
)

// Blocking stream reads (XREAD / XREADGROUP BLOCK) under concurrency, and
// the commands streams propagate to the AOF and replicas.

// waitBlocked waits until the server reports n blocked clients.
func waitBlocked(t *testing.T, rdb *redis.Client, n int) {
	t.Helper()
	want := "blocked_clients:" + strconv.Itoa(n) + "\r\n"
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		info, err := rdb.Info(context.Background(), "clients").Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(info, want) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %d blocked clients", n)
}

func newClient(t *testing.T, addr string, proto int) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, ReadTimeout: 10 * time.Second, PoolSize: 4})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// TestStreamBlockingManyReaders blocks many XREAD clients on one stream:
// a single XADD must wake every one of them with the same entry.
func TestStreamBlockingManyReaders(t *testing.T) {
	_, addr := servertest.Start(t)
	ctx := context.Background()
	admin := newClient(t, addr, 3)
	const readers = 20
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for i := 0; i < readers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rdb := newClient(t, addr, 2+i%2)
			res, err := rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{"events", "$"}, Block: 0}).Result()
			if err != nil {
				errs <- err
				return
			}
			if len(res) != 1 || res[0].Stream != "events" || len(res[0].Messages) != 1 ||
				res[0].Messages[0].ID != "7-1" || res[0].Messages[0].Values["kind"] != "login" {
				errs <- fmt.Errorf("reader %d got %+v", i, res)
			}
		}(i)
	}
	waitBlocked(t, admin, readers)
	if err := admin.XAdd(ctx, &redis.XAddArgs{Stream: "events", ID: "7-1", Values: []string{"kind", "login"}}).Err(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitBlocked(t, admin, 0)
}

// TestStreamBlockingWorkQueue runs a consumer group as a work queue:
// producers add entries while consumers loop on XREADGROUP BLOCK and
// XACK. Every entry must be delivered exactly once and end acknowledged.
func TestStreamBlockingWorkQueue(t *testing.T) {
	_, addr := servertest.Start(t)
	ctx := context.Background()
	admin := newClient(t, addr, 3)
	if err := admin.XGroupCreateMkStream(ctx, "jobs", "workers", "$").Err(); err != nil {
		t.Fatal(err)
	}
	const producers, perProducer, consumers = 4, 250, 6
	const total = producers * perProducer

	var mu sync.Mutex
	seen := map[string]string{} // entry ID -> consumer
	var dup []string
	done := make(chan struct{})
	var cwg sync.WaitGroup
	for i := 0; i < consumers; i++ {
		cwg.Add(1)
		go func(name string, proto int) {
			defer cwg.Done()
			rdb := newClient(t, addr, proto)
			for {
				select {
				case <-done:
					return
				default:
				}
				res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
					Group: "workers", Consumer: name, Streams: []string{"jobs", ">"},
					Count: 7, Block: 50 * time.Millisecond,
				}).Result()
				if err == redis.Nil {
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
				var ids []string
				for _, m := range res[0].Messages {
					ids = append(ids, m.ID)
				}
				mu.Lock()
				for _, id := range ids {
					if prev, ok := seen[id]; ok {
						dup = append(dup, id+" to "+prev+" and "+name)
					}
					seen[id] = name
				}
				mu.Unlock()
				if err := rdb.XAck(ctx, "jobs", "workers", ids...).Err(); err != nil {
					t.Errorf("%s: xack: %v", name, err)
					return
				}
			}
		}(fmt.Sprintf("worker-%d", i), 2+i%2)
	}
	var pwg sync.WaitGroup
	for p := 0; p < producers; p++ {
		pwg.Add(1)
		go func(p int) {
			defer pwg.Done()
			rdb := newClient(t, addr, 3)
			for i := 0; i < perProducer; i++ {
				if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "jobs", Values: []string{"p", strconv.Itoa(p), "i", strconv.Itoa(i)}}).Err(); err != nil {
					t.Errorf("producer %d: %v", p, err)
					return
				}
			}
		}(p)
	}
	pwg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n >= total || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(done)
	cwg.Wait()
	if len(dup) > 0 {
		t.Fatalf("entries delivered twice: %v", dup)
	}
	if len(seen) != total {
		t.Fatalf("delivered %d entries, want %d", len(seen), total)
	}
	pending, err := admin.XPending(ctx, "jobs", "workers").Result()
	if err != nil || pending.Count != 0 {
		t.Fatalf("xpending = %+v, %v; want nothing pending", pending, err)
	}
	groups, err := admin.XInfoGroups(ctx, "jobs").Result()
	if err != nil || len(groups) != 1 || groups[0].EntriesRead != total || groups[0].Lag != 0 {
		t.Fatalf("xinfo groups = %+v, %v", groups, err)
	}
}

// TestStreamBlockingFIFO checks that consumers of a group blocked on the
// same stream are served in the order they blocked, one entry each.
func TestStreamBlockingFIFO(t *testing.T) {
	_, addr := servertest.Start(t)
	ctx := context.Background()
	admin := newClient(t, addr, 2)
	if err := admin.XGroupCreateMkStream(ctx, "q", "g", "$").Err(); err != nil {
		t.Fatal(err)
	}
	const n = 5
	got := make([]chan string, n)
	for i := 0; i < n; i++ {
		got[i] = make(chan string, 1)
		go func(i int) {
			rdb := newClient(t, addr, 2)
			res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c" + strconv.Itoa(i), Streams: []string{"q", ">"}, Block: 0}).Result()
			if err != nil {
				got[i] <- "error: " + err.Error()
				return
			}
			got[i] <- res[0].Messages[0].ID
		}(i)
		// Block one at a time so the order is known.
		waitBlocked(t, admin, i+1)
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%d-0", i+1)
		if err := admin.XAdd(ctx, &redis.XAddArgs{Stream: "q", ID: id, Values: []string{"i", strconv.Itoa(i)}}).Err(); err != nil {
			t.Fatal(err)
		}
		select {
		case v := <-got[i]:
			if v != id {
				t.Fatalf("client %d got %s, want %s", i, v, id)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("client %d was not served", i)
		}
	}
}

// TestStreamBlockingTimeouts covers BLOCK timeouts, MULTI (where BLOCK
// answers at once as on timeout) and the errors a blocked XREADGROUP gets
// when its group goes away.
func TestStreamBlockingTimeouts(t *testing.T) {
	_, addr := servertest.Start(t)
	ctx := context.Background()
	rdb := newClient(t, addr, 3)

	start := time.Now()
	_, err := rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{"none", "$"}, Block: 120 * time.Millisecond}).Result()
	if err != redis.Nil {
		t.Fatalf("xread timeout: %v, want nil reply", err)
	}
	if el := time.Since(start); el < 110*time.Millisecond || el > 3*time.Second {
		t.Fatalf("xread BLOCK 120 returned after %v", el)
	}

	// In MULTI a BLOCK 0 read answers nil immediately.
	pipe := rdb.TxPipeline()
	cmd := pipe.XRead(ctx, &redis.XReadArgs{Streams: []string{"none", "$"}, Block: 0})
	start = time.Now()
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		t.Fatalf("exec: %v", err)
	}
	if cmd.Err() != redis.Nil || time.Since(start) > time.Second {
		t.Fatalf("xread in multi: %v after %v", cmd.Err(), time.Since(start))
	}

	if err := rdb.XGroupCreateMkStream(ctx, "s", "g", "$").Err(); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		c := newClient(t, addr, 2)
		errc <- c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"s", ">"}, Block: 0}).Err()
	}()
	waitBlocked(t, rdb, 1)
	if err := rdb.XGroupDestroy(ctx, "s", "g").Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err == nil || err.Error() != "NOGROUP the consumer group this client was blocked on no longer exists" {
			t.Fatalf("blocked xreadgroup after destroy: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("blocked xreadgroup not woken by XGROUP DESTROY")
	}
	waitBlocked(t, rdb, 0)
}

// propRecorder captures what the server propagates.
type propRecorder struct {
	mu   sync.Mutex
	cmds []string
}

func (p *propRecorder) Feed(db int, args [][]byte) {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = string(a)
	}
	p.mu.Lock()
	p.cmds = append(p.cmds, strings.Join(parts, " "))
	p.mu.Unlock()
}

func (p *propRecorder) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.cmds
	p.cmds = nil
	return out
}

// propagatedArgs returns the propagated commands as argument lists.
func (p *propRecorder) argLists() [][]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([][]string, len(p.cmds))
	for i, c := range p.cmds {
		out[i] = strings.Split(c, " ")
	}
	return out
}

// TestStreamPropagation checks the commands streams propagate, which must
// be Redis 7.0's: generated IDs and approximate trims made explicit, PEL
// changes as XCLAIM ... FORCE JUSTID with absolute times, group moves as
// XGROUP SETID, and nothing for reads that changed nothing.
func TestStreamPropagation(t *testing.T) {
	srv, addr := servertest.Start(t)
	rec := &propRecorder{}
	srv.AddPropagator(rec)
	ctx := context.Background()
	rdb := newClient(t, addr, 2)
	do := func(args ...any) any {
		t.Helper()
		v, err := rdb.Do(ctx, args...).Result()
		if err != nil && err != redis.Nil {
			t.Fatalf("%v: %v", args, err)
		}
		return v
	}
	// Times and generated IDs are replaced by placeholders.
	timeRe := regexp.MustCompile(`\b1[0-9]{12}\b`)
	expect := func(step string, want ...string) {
		t.Helper()
		// Several propagated commands come wrapped in MULTI/EXEC (checked
		// in the commands package's tests); only the commands matter here.
		var got []string
		for _, g := range rec.take() {
			if g != "MULTI" && g != "EXEC" {
				got = append(got, timeRe.ReplaceAllString(g, "T"))
			}
		}
		if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("%s propagated:\n  %s\nwant:\n  %s", step, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}

	do("XADD", "s", "*", "f", "v")
	expect("XADD *", "XADD s T-0 f v")
	do("XADD", "s", "5000000000000-*", "f", "v")
	expect("XADD ms-*", "XADD s 5000000000000-0 f v")
	do("XADD", "s", "5000000000001-7", "f", "v")
	expect("XADD explicit", "XADD s 5000000000001-7 f v")
	do("XADD", "s", "MAXLEN", "~", "1", "5000000000002-0", "f", "v")
	expect("XADD MAXLEN ~", "XADD s MAXLEN = 4 5000000000002-0 f v")
	// The last ID is in the future, so "*" takes the next sequence.
	do("XADD", "s", "MINID", "~", "0", "*", "f", "v")
	got := rec.take()
	if len(got) != 1 || !regexp.MustCompile(`^XADD s MINID = 1[0-9]{12}-0 5000000000002-1 f v$`).MatchString(got[0]) {
		t.Fatalf("XADD MINID ~ * propagated %q", got)
	}
	do("XADD", "missing", "NOMKSTREAM", "*", "f", "v")
	expect("XADD NOMKSTREAM on a missing key")
	do("XTRIM", "s", "MAXLEN", "~", "3")
	expect("XTRIM ~ with nothing removable")
	do("XTRIM", "s", "MAXLEN", "3")
	expect("XTRIM exact", "XTRIM s MAXLEN 3")
	do("XTRIM", "s", "MAXLEN", "~", "0")
	expect("XTRIM ~", "XTRIM s MAXLEN = 0")
	do("XDEL", "s", "1-1")
	expect("XDEL of nothing")

	do("DEL", "q")
	rec.take()
	for i := 1; i <= 4; i++ {
		do("XADD", "q", fmt.Sprintf("%d-1", i), "n", strconv.Itoa(i))
	}
	do("XGROUP", "CREATE", "q", "g", "0")
	rec.take()
	do("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "q", ">")
	expect("XREADGROUP >",
		"XCLAIM q g alice 0 1-1 TIME T RETRYCOUNT 1 FORCE JUSTID LASTID 1-1",
		"XCLAIM q g alice 0 2-1 TIME T RETRYCOUNT 1 FORCE JUSTID LASTID 2-1")
	do("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "q", "0")
	expect("XREADGROUP history")
	do("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "q", "0")
	expect("XREADGROUP history creating a consumer")
	do("XREADGROUP", "GROUP", "g", "carol", "NOACK", "COUNT", "1", "STREAMS", "q", ">")
	expect("XREADGROUP NOACK",
		"XGROUP CREATECONSUMER q g carol",
		"XGROUP SETID q g 3-1 ENTRIESREAD 3")
	do("XREADGROUP", "GROUP", "g", "dave", "NOACK", "STREAMS", "q", "0")
	expect("XREADGROUP NOACK history creating a consumer", "XGROUP CREATECONSUMER q g dave")

	do("XCLAIM", "q", "g", "bob", "0", "1-1", "RETRYCOUNT", "5")
	expect("XCLAIM", "XCLAIM q g bob 0 1-1 TIME T RETRYCOUNT 5 FORCE JUSTID LASTID 3-1")
	do("XCLAIM", "q", "g", "bob", "0", "1-01", "TIME", "1000", "JUSTID")
	expect("XCLAIM with the ID as given", "XCLAIM q g bob 0 1-01 TIME 1000 RETRYCOUNT 5 FORCE JUSTID LASTID 3-1")
	do("XCLAIM", "q", "g", "bob", "0", "9-9", "LASTID", "4-0")
	expect("XCLAIM LASTID alone", "XGROUP SETID q g 4-0 ENTRIESREAD 3")
	do("XCLAIM", "q", "g", "bob", "0", "9-9")
	expect("XCLAIM of nothing")
	do("XDEL", "q", "2-1")
	rec.take()
	do("XCLAIM", "q", "g", "bob", "0", "2-1", "1-1", "LASTID", "4-1")
	expect("XCLAIM of a deleted entry",
		"XCLAIM q g alice 0 2-1 TIME T RETRYCOUNT 2 FORCE JUSTID LASTID 4-1",
		"XCLAIM q g bob 0 1-1 TIME T RETRYCOUNT 6 FORCE JUSTID LASTID 4-1")
	do("XADD", "q", "5-1", "n", "5")
	do("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "q", ">")
	do("XDEL", "q", "5-1")
	rec.take()
	do("XAUTOCLAIM", "q", "g", "erin", "0", "0", "JUSTID")
	expect("XAUTOCLAIM",
		"XCLAIM q g erin 0 1-1 TIME T RETRYCOUNT 6 FORCE JUSTID LASTID 5-1",
		"XCLAIM q g alice 0 5-1 TIME T RETRYCOUNT 1 FORCE JUSTID LASTID 5-1")
	do("XACK", "q", "g", "1-1", "9-9")
	expect("XACK", "XACK q g 1-1 9-9")
	do("XACK", "q", "g", "9-9")
	expect("XACK of nothing")
	do("XGROUP", "CREATECONSUMER", "q", "g", "erin")
	expect("XGROUP CREATECONSUMER of an existing consumer")

	// A blocked XREADGROUP propagates when it is served.
	errc := make(chan error, 1)
	go func() {
		c := newClient(t, addr, 3)
		errc <- c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "frank", Streams: []string{"q", ">"}, Block: 0}).Err()
	}()
	waitBlocked(t, rdb, 1)
	expect("a blocked XREADGROUP")
	do("XADD", "q", "6-1", "n", "6")
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	expect("XADD waking an XREADGROUP",
		"XADD q 6-1 n 6",
		"XCLAIM q g frank 0 6-1 TIME T RETRYCOUNT 1 FORCE JUSTID LASTID 6-1")
	go func() {
		c := newClient(t, addr, 2)
		errc <- c.Do(ctx, "XREADGROUP", "GROUP", "g", "gina", "NOACK", "BLOCK", "0", "STREAMS", "q", ">").Err()
	}()
	waitBlocked(t, rdb, 1)
	do("XADD", "q", "7-1", "n", "7")
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	expect("XADD waking an XREADGROUP NOACK",
		"XADD q 7-1 n 7",
		"XGROUP CREATECONSUMER q g gina",
		"XGROUP SETID q g 7-1 ENTRIESREAD 6")
	// Blocked XREAD propagates nothing.
	go func() {
		c := newClient(t, addr, 2)
		errc <- c.XRead(ctx, &redis.XReadArgs{Streams: []string{"q", "$"}, Block: 0}).Err()
	}()
	waitBlocked(t, rdb, 1)
	do("XADD", "q", "8-1", "n", "8")
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	expect("XADD waking an XREAD", "XADD q 8-1 n 8")
}

// TestStreamPropagationReplays replays everything a session propagated on
// a second server and checks that the streams come out the same.
func TestStreamPropagationReplays(t *testing.T) {
	srv, addr := servertest.Start(t)
	rec := &propRecorder{}
	srv.AddPropagator(rec)
	ctx := context.Background()
	rdb := newClient(t, addr, 2)
	script := [][]any{
		{"XADD", "s", "1-1", "a", "1"}, {"XADD", "s", "*", "b", "2"}, {"XADD", "s", "*", "c", "3"},
		{"XADD", "s", "MAXLEN", "~", "2", "*", "d", "4"},
		{"XGROUP", "CREATE", "s", "g", "0"}, {"XGROUP", "CREATE", "s", "h", "$"},
		{"XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g", "bob", "NOACK", "COUNT", "1", "STREAMS", "s", ">"},
		{"XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", ">"},
		{"XADD", "s", "*", "e", "5"},
		{"XCLAIM", "s", "g", "dave", "0", "1-1", "RETRYCOUNT", "9"},
		{"XDEL", "s", "1-1"},
		{"XAUTOCLAIM", "s", "g", "erin", "0", "0"},
		{"XACK", "s", "g", "1-1"},
		{"XGROUP", "SETID", "s", "h", "0"},
		{"XSETID", "s", "9999999999999-0", "ENTRIESADDED", "40", "MAXDELETEDID", "2-0"},
		{"XGROUP", "CREATECONSUMER", "s", "h", "zed"},
		{"XGROUP", "DELCONSUMER", "s", "g", "carol"},
		{"XTRIM", "s", "MINID", "~", "0"},
	}
	for _, cmd := range script {
		if err := rdb.Do(ctx, cmd...).Err(); err != nil && err != redis.Nil && !strings.HasPrefix(err.Error(), "ERR") {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
	_, addr2 := servertest.Start(t)
	replica := newClient(t, addr2, 2)
	for _, args := range rec.argLists() {
		a := make([]any, len(args))
		for i, s := range args {
			a[i] = s
		}
		if err := replica.Do(ctx, a...).Err(); err != nil && err != redis.Nil {
			t.Fatalf("replaying %v: %v", args, err)
		}
	}
	// Delivery and seen times are absolute in the propagated commands, but
	// idle times are relative to each server's clock: compare the rest.
	// Entries-read (and so the lag) is left out: Redis 7.0 carries a
	// group's position in XCLAIM ... LASTID, which does not update the
	// counter, so a replica's counter drifts from its primary's as well.
	state := func(c *redis.Client) string {
		var b strings.Builder
		for _, cmd := range [][]any{
			{"XRANGE", "s", "-", "+"}, {"XPENDING", "s", "g"}, {"XLEN", "s"},
		} {
			v, err := c.Do(ctx, cmd...).Result()
			fmt.Fprintf(&b, "%v => %v %v\n", cmd, v, err)
		}
		rows, err := c.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: "-", End: "+", Count: 100}).Result()
		for _, r := range rows {
			fmt.Fprintf(&b, "pending %s %s %d\n", r.ID, r.Consumer, r.RetryCount)
		}
		fmt.Fprintf(&b, "%v\n", err)
		groups, err := c.XInfoGroups(ctx, "s").Result()
		for _, g := range groups {
			fmt.Fprintf(&b, "group %s consumers=%d pending=%d last=%s\n", g.Name, g.Consumers, g.Pending, g.LastDeliveredID)
		}
		fmt.Fprintf(&b, "%v\n", err)
		info, err := c.XInfoStream(ctx, "s").Result()
		if err == nil {
			fmt.Fprintf(&b, "len=%d last=%s maxdel=%s added=%d first=%s groups=%d\n", info.Length, info.LastGeneratedID,
				info.MaxDeletedEntryID, info.EntriesAdded, info.RecordedFirstEntryID, info.Groups)
		}
		return b.String()
	}
	if a, b := state(rdb), state(replica); a != b {
		t.Fatalf("replayed state differs:\nprimary:\n%s\nreplica:\n%s", a, b)
	}
}

// startRedisWithAOF starts Debian's redis-server with an AOF written on
// every command, returning a client and a function that reads the
// commands the AOF holds so far.
func startRedisWithAOF(t *testing.T) (*redis.Client, func() [][]string) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "yes", "--appendfsync", "always", "--dir", dir, "--daemonize", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	rdb := newClient(t, "127.0.0.1:"+strconv.Itoa(port), 2)
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	read := func() [][]string {
		files, _ := filepath.Glob(filepath.Join(dir, "appendonlydir", "*.incr.aof"))
		if len(files) != 1 {
			t.Fatalf("AOF files: %v", files)
		}
		data, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		return parseAOF(t, data)
	}
	return rdb, read
}

// parseAOF splits an AOF into its commands.
func parseAOF(t *testing.T, data []byte) [][]string {
	var out [][]string
	r := bufio.NewReader(bytes.NewReader(data))
	line := func() string {
		s, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("AOF: %v", err)
		}
		return strings.TrimSuffix(s, "\r\n")
	}
	for {
		if _, err := r.Peek(1); err != nil {
			return out
		}
		n, err := strconv.Atoi(strings.TrimPrefix(line(), "*"))
		if err != nil {
			t.Fatalf("AOF: bad array header")
		}
		args := make([]string, n)
		for i := range args {
			size, err := strconv.Atoi(strings.TrimPrefix(line(), "$"))
			if err != nil {
				t.Fatalf("AOF: bad bulk header")
			}
			buf := make([]byte, size+2)
			if _, err := io.ReadFull(r, buf); err != nil {
				t.Fatal(err)
			}
			args[i] = string(buf[:size])
		}
		out = append(out, args)
	}
}

// TestStreamPropagationMatchesRedis runs one script on redis-server with
// an AOF and on our server with a recorder, and compares what each
// propagated, times masked. Redis wraps the several commands one command
// propagates in MULTI/EXEC; SELECT, MULTI and EXEC are left out here.
func TestStreamPropagationMatchesRedis(t *testing.T) {
	ref, readAOF := startRedisWithAOF(t)
	srv, addr := servertest.Start(t)
	rec := &propRecorder{}
	srv.AddPropagator(rec)
	ours := newClient(t, addr, 2)
	ctx := context.Background()

	type step struct {
		cmd   []any
		block []any // run on another connection first, until it blocks
	}
	c := func(args ...any) step { return step{cmd: args} }
	script := []step{
		c("XADD", "s", "1-1", "a", "1"), c("XADD", "s", "1-*", "a", "2"), c("XADD", "s", "*", "a", "3"),
		c("XADD", "s", "MAXLEN", "~", "1", "9000000000000-0", "b", "4"),
		c("XADD", "s", "MINID", "~", "0", "9000000000000-*", "b", "5"),
		c("XADD", "s", "MAXLEN", "=", "4", "9000000000001-0", "b", "6"),
		c("XTRIM", "s", "MAXLEN", "~", "0"), c("XTRIM", "s", "MINID", "1"),
		c("XADD", "t", "NOMKSTREAM", "*", "a", "1"),
		// "MINID ~" propagates the first entry of the first node, even
		// when exact trimming left it deleted in place.
		c("XADD", "u", "1-1", "a", "1"), c("XADD", "u", "1-2", "a", "2"), c("XADD", "u", "1-3", "a", "3"),
		c("XTRIM", "u", "MAXLEN", "1"), c("XADD", "u", "MINID", "~", "0", "1-4", "a", "4"),
		c("XTRIM", "u", "MINID", "~", "1-4"), c("XTRIM", "u", "MAXLEN", "~", "0"),
		c("XADD", "u", "MINID", "~", "5", "2-1", "a", "5"),
		c("XADD", "q", "1-1", "n", "1"), c("XADD", "q", "2-1", "n", "2"), c("XADD", "q", "3-1", "n", "3"),
		c("XADD", "q", "4-1", "n", "4"), c("XADD", "q", "5-1", "n", "5"),
		c("XGROUP", "CREATE", "q", "g", "0"), c("XGROUP", "CREATE", "q", "h", "$", "ENTRIESREAD", "5"),
		c("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"),
		c("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "q", ">"),
		c("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "q", "0"),
		c("XREADGROUP", "GROUP", "g", "bob", "NOACK", "COUNT", "1", "STREAMS", "q", ">"),
		c("XREADGROUP", "GROUP", "g", "carol", "NOACK", "STREAMS", "q", "0"),
		c("XREADGROUP", "GROUP", "g", "dave", "STREAMS", "q", "0"),
		c("XREADGROUP", "GROUP", "g", "erin", "STREAMS", "q", "new", ">", ">"),
		c("XDEL", "q", "2-1", "9-9"),
		c("XCLAIM", "q", "g", "bob", "0", "1-1", "2-1", "3-01", "RETRYCOUNT", "4"),
		c("XCLAIM", "q", "g", "bob", "0", "9-9", "LASTID", "6-0"),
		c("XCLAIM", "q", "g", "bob", "0", "9-9", "FORCE"),
		c("XCLAIM", "q", "g", "frank", "0", "1-1", "TIME", "1000", "JUSTID"),
		c("XADD", "q", "7-1", "n", "7"), c("XADD", "q", "8-1", "n", "8"),
		c("XREADGROUP", "GROUP", "g", "gina", "STREAMS", "q", ">"),
		c("XDEL", "q", "7-1"),
		c("XAUTOCLAIM", "q", "g", "hank", "0", "0", "COUNT", "2"),
		c("XAUTOCLAIM", "q", "g", "hank", "0", "0", "JUSTID"),
		c("XACK", "q", "g", "1-1", "9-9"), c("XACK", "q", "g", "9-9"),
		c("XGROUP", "SETID", "q", "h", "0", "ENTRIESREAD", "0"),
		c("XGROUP", "CREATECONSUMER", "q", "h", "zed"), c("XGROUP", "CREATECONSUMER", "q", "h", "zed"),
		c("XGROUP", "DELCONSUMER", "q", "g", "bob"), c("XGROUP", "DELCONSUMER", "q", "g", "nobody"),
		c("XSETID", "q", "100-0", "ENTRIESADDED", "50", "MAXDELETEDID", "7-1"),
		{block: []any{"XREADGROUP", "GROUP", "g", "ivan", "BLOCK", "0", "STREAMS", "q", ">"}, cmd: []any{"XADD", "q", "101-1", "n", "9"}},
		c("XGROUP", "SETID", "q", "h", "$"),
		{block: []any{"XREADGROUP", "GROUP", "h", "jill", "NOACK", "BLOCK", "0", "COUNT", "1", "STREAMS", "q", ">"}, cmd: []any{"XADD", "q", "102-1", "n", "10"}},
		{block: []any{"XREAD", "BLOCK", "0", "STREAMS", "q", "$"}, cmd: []any{"XADD", "q", "103-1", "n", "11"}},
		c("XGROUP", "SETID", "q", "g", "$"),
		{block: []any{"XREADGROUP", "GROUP", "g", "kim", "BLOCK", "0", "STREAMS", "q", ">"}, cmd: []any{"XGROUP", "DESTROY", "q", "g"}},
		c("XGROUP", "DESTROY", "q", "g"),
		c("XINFO", "STREAM", "q"), c("XPENDING", "q", "h"), c("XRANGE", "q", "-", "+"), c("XLEN", "q"),
	}
	run := func(rdb *redis.Client, addr string) {
		for _, st := range script {
			var wg sync.WaitGroup
			if st.block != nil {
				wg.Add(1)
				go func() {
					defer wg.Done()
					other := newClient(t, addr, 2)
					other.Do(ctx, st.block...)
				}()
				waitBlocked(t, rdb, 1)
			}
			rdb.Do(ctx, st.cmd...)
			wg.Wait()
		}
	}
	run(ref, ref.Options().Addr)
	run(ours, addr)

	mask := regexp.MustCompile(`^1[0-9]{12}(-[0-9]+)?$`)
	norm := func(cmds [][]string) []string {
		var out []string
		for _, args := range cmds {
			switch strings.ToUpper(args[0]) {
			case "SELECT", "MULTI", "EXEC":
				continue
			}
			parts := make([]string, len(args))
			for i, a := range args {
				parts[i] = mask.ReplaceAllString(a, "T")
			}
			out = append(out, strings.Join(parts, " "))
		}
		return out
	}
	want, got := norm(readAOF()), norm(rec.argLists())
	if !reflect.DeepEqual(got, want) {
		var b strings.Builder
		for i := 0; i < max(len(got), len(want)); i++ {
			var g, w string
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			mark := " "
			if g != w {
				mark = "!"
			}
			fmt.Fprintf(&b, "%s redis: %s\n  ours:  %s\n", mark, w, g)
		}
		t.Fatalf("propagation differs from redis-server's AOF:\n%s", b.String())
	}
}
