package commands

import "github.com/autobot-ai/autobot-redis/internal/command"

func registerSort(t *command.Table) {}
