package commands

import "github.com/autobot-ai/autobot-redis/internal/command"

func registerZSets(t *command.Table) {}
