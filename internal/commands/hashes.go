package commands

import "github.com/autobot-ai/autobot-redis/internal/command"

func registerHashes(t *command.Table) {}
