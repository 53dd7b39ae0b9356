package redismanager

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestChat(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		c := m.Chat()
		s, err := c.CreateSession(ctx, ChatSession{ID: "456", UserID: "123", Title: "Hello"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateSession(ctx, ChatSession{ID: "456", UserID: "123"}); err == nil {
			t.Fatal("duplicate session id accepted")
		}
		for i := 1; i <= 5; i++ {
			got, err := c.Append(ctx, s.ID, Message{Role: "user", Content: fmt.Sprintf("message %d", i)})
			if err != nil {
				t.Fatal(err)
			}
			if got.MessageCount != int64(i) {
				t.Fatalf("count %d after %d appends", got.MessageCount, i)
			}
		}
		// The seed's layout: metadata JSON and a newest-first list.
		raw := admin(t, m, 1)
		meta := raw.Get(ctx, m.Key(DBChat, "chat:session_<id>", "456")).Val()
		if !strings.Contains(meta, `"id":"456"`) || !strings.Contains(meta, `"user_id":"123"`) || !strings.Contains(meta, `"message_count":5`) {
			t.Fatalf("metadata %s", meta)
		}
		first := raw.LIndex(ctx, m.Key(DBChat, "chat:session_<id>:messages", "456"), 0).Val()
		if !strings.Contains(first, `"role":"user"`) || !strings.Contains(first, `"content":"message 5"`) || !strings.Contains(first, `"timestamp":`) {
			t.Fatalf("newest message %s", first)
		}

		// Paging, stable while messages arrive.
		p1, err := c.History(ctx, s.ID, 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(p1.Messages) != 2 || p1.Messages[0].Seq != 5 || p1.Messages[1].Seq != 4 || p1.Next != 4 {
			t.Fatalf("page 1 %+v", p1)
		}
		if _, err := c.Append(ctx, s.ID, Message{Role: "assistant", Content: "interleaved"}); err != nil {
			t.Fatal(err)
		}
		p2, err := c.History(ctx, s.ID, p1.Next, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(p2.Messages) != 2 || p2.Messages[0].Seq != 3 || p2.Messages[1].Seq != 2 {
			t.Fatalf("page 2 %+v", p2)
		}
		p3, _ := c.History(ctx, s.ID, p2.Next, 2)
		if len(p3.Messages) != 1 || p3.Messages[0].Seq != 1 || p3.Next != 0 {
			t.Fatalf("page 3 %+v", p3)
		}

		// Recent sessions of the user, most recently updated first.
		time.Sleep(3 * time.Millisecond) // distinct update times
		s2, _ := c.CreateSession(ctx, ChatSession{UserID: "123", Title: "Second"})
		if _, err := c.Append(ctx, s2.ID, Message{Role: "user", Content: "hi"}); err != nil {
			t.Fatal(err)
		}
		recent, err := c.RecentSessions(ctx, "123", 10)
		if err != nil || len(recent) != 2 || recent[0].ID != s2.ID {
			t.Fatalf("recent %v %v", recent, err)
		}

		// Deleting a session deletes its messages.
		if err := c.DeleteSession(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
		if n := raw.Exists(ctx, m.Key(DBChat, "chat:session_<id>", "456"), m.Key(DBChat, "chat:session_<id>:messages", "456")).Val(); n != 0 {
			t.Fatalf("%d keys left after delete", n)
		}
		if _, err := c.Append(ctx, s.ID, Message{Content: "x"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("append to deleted session: %v", err)
		}
		if recent, _ := c.RecentSessions(ctx, "123", 10); len(recent) != 1 {
			t.Fatalf("recent after delete %v", recent)
		}
	})
}

func TestChatCapAndConcurrentAppends(t *testing.T) {
	forEachBackend(t, func(t *testing.T, m *Manager) {
		ctx := ctxT(t)
		c := m.Chat()
		s, err := c.CreateSession(ctx, ChatSession{UserID: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		const workers, each = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					if _, err := c.Append(ctx, s.ID, Message{Role: "user", Content: fmt.Sprintf("w%d-%d", w, i)}); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got, _ := c.GetSession(ctx, s.ID)
		if got.MessageCount != workers*each {
			t.Fatalf("count %d, want %d: an append was lost", got.MessageCount, workers*each)
		}
		// The list is capped.
		n, _ := c.Len(ctx, s.ID)
		if want := int64(min(workers*each, m.cfg.ChatMaxMessages)); n != want {
			t.Fatalf("len %d want %d", n, want)
		}
		// Sequence numbers are unique and dense.
		seen := map[int64]bool{}
		for before := int64(0); ; {
			p, err := c.History(ctx, s.ID, before, 37)
			if err != nil {
				t.Fatal(err)
			}
			for _, msg := range p.Messages {
				if seen[msg.Seq] {
					t.Fatalf("seq %d twice", msg.Seq)
				}
				seen[msg.Seq] = true
			}
			if p.Next == 0 {
				break
			}
			before = p.Next
		}
		if len(seen) != int(n) {
			t.Fatalf("paged %d messages, stored %d", len(seen), n)
		}
	}, func(c *Config) { c.ChatMaxMessages = 100 })
}
