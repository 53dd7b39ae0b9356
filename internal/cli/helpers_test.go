package cli

import (
	"bufio"
	"strings"
	"testing"

	"github.com/autobot-ai/autobot-redis/internal/resp"
)

func mustParse(t *testing.T, s string) resp.Reply {
	t.Helper()
	r, err := resp.ReadReply(bufio.NewReader(strings.NewReader(s)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}
