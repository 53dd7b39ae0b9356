package commands

import "github.com/autobot-ai/autobot-redis/internal/command"

func registerSets(t *command.Table) {}
