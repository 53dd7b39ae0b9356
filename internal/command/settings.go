package command

import "github.com/autobot-ai/autobot-redis/internal/types"

// Settings are the configuration values command handlers read. The server
// owns one, keeps it in step with CONFIG SET, and points every Ctx at it;
// handlers only read it (under the server lock, like everything else).
type Settings struct {
	// Limits are the encoding thresholds (hash-max-listpack-entries ...).
	Limits types.Limits
	// StreamNode bounds stream nodes (stream-node-max-bytes/-entries).
	StreamNode types.StreamNodeLimits
	// ProtoMaxBulkLen caps strings built by APPEND, SETRANGE and friends.
	ProtoMaxBulkLen int64
}
