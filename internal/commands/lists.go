package commands

import "github.com/autobot-ai/autobot-redis/internal/command"

func registerLists(t *command.Table) {}
