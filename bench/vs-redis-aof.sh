#!/usr/bin/env bash
# ../shared/bench/vs-redis.sh with both servers persisting every write to
# an append-only file (appendonly yes, appendfsync everysec, no save
# rules). Arguments are passed through (-r ROUNDS -c CLIENTS -n REQUESTS
# -P PIPELINE -d SIZE -t TESTS). Run from anywhere; builds bin/ first.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
go build -o bin/autobot-redis ./cmd/autobot-redis
export SERVER_CMD="$root/bin/autobot-redis serve --port {port} --dir {dir} --save '' --appendonly yes --appendfsync everysec"
export REDIS_SERVER="$root/bench/redis-server-aof"
exec "$root/../shared/bench/vs-redis.sh" "$@"
