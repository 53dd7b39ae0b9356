package acl

import (
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/command"
)

func BenchmarkCheckDefaultUser(b *testing.B) {
	a := New()
	s := command.Lookup("set")
	argv := args("set", "session:1", "v")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		a.Check(a.Default(), s, argv)
	}
}

func BenchmarkCheckRestrictedUser(b *testing.B) {
	a := New()
	if _, _, err := a.SetUser("u", []string{"on", "~session:*", "%R~cache:*", "+@read", "+@write", "-flushall"}); err != nil {
		b.Fatal(err)
	}
	u := a.User("u")
	s := command.Lookup("mset")
	argv := args("mset", "session:1", "v", "session:2", "v")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if d, _ := a.Check(u, s, argv); d != Allowed {
			b.Fatal(d)
		}
	}
}
