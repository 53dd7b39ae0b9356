module github.com/autobot-ai/autobot-redis

go 1.26
