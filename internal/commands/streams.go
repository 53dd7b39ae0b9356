package commands

import "github.com/autobot-ai/autobot-redis/internal/command"

func registerStreams(t *command.Table) {}
