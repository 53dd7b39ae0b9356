package cli

import "github.com/autobot-ai/autobot-redis/internal/resp"

// FormatReply renders a reply exactly as redis-cli prints it on a
// terminal ("(integer) 1", quoted strings, numbered nested lists). The
// web console's workbench uses it.
func FormatReply(r resp.Reply) string { return formatTTY(r, "") }
