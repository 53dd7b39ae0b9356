// Package commands implements the data commands: one file per command
// group (strings, keys, hashes, lists, sets, sorted sets, streams), each
// registering its handlers in the command table. Handlers see only the
// execution context (command.Ctx): the keyspace, the reply writer and the
// hooks for propagation, notifications, WATCH and blocking.
package commands

import "github.com/autobot-ai/autobot-redis/internal/command"

// Register adds every data command to t.
func Register(t *command.Table) {
	registerStrings(t)
	registerKeys(t)
	registerHashes(t)
	registerSets(t)
	registerLists(t)
	registerZSets(t)
	registerStreams(t)
	registerSort(t)
}
