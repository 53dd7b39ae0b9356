# autobot-redis: build, test and benchmark entry points.
# `make test` is what CI runs (see .ci/run); it needs Debian's redis-server
# and redis-tools for the differential and client tests, which otherwise skip.

GO      ?= go
BIN     := bin/autobot-redis
# Packages that make up the server: run under the race detector.
RACE_PKGS := ./internal/resp/... ./internal/dict/... ./internal/keyspace/... ./internal/command/... ./internal/scripting/... ./internal/acl/... \
             ./internal/commands/... ./internal/server/... ./internal/difftest/... ./internal/console/... \
             ./internal/aof/... ./internal/persist/... ./redismanager/...
FUZZTIME ?= 10s

.PHONY: all build test lint unit race fuzz bench bench-aof bench-report run clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/autobot-redis

run: build
	$(BIN) serve config/redis.conf

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

race:
	$(GO) test -race -count=1 $(RACE_PKGS)

# A short pass of every fuzz target over its committed corpus and beyond.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/resp
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/config
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeFile$$' -fuzztime $(FUZZTIME) ./internal/rdb
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeDump$$' -fuzztime $(FUZZTIME) ./internal/rdb
	$(GO) test -run '^$$' -fuzz '^FuzzReadReply$$' -fuzztime $(FUZZTIME) ./internal/resp
	$(GO) test -run '^$$' -fuzz '^FuzzSetUser$$' -fuzztime $(FUZZTIME) ./internal/acl
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./internal/aof
	$(GO) test -run '^$$' -fuzz '^FuzzRestore$$' -fuzztime $(FUZZTIME) ./internal/persist
	$(GO) test -run '^$$' -fuzz '^FuzzCompile$$' -fuzztime $(FUZZTIME) ./internal/scripting
	$(GO) test -run '^$$' -fuzz '^FuzzRunScript$$' -fuzztime $(FUZZTIME) ./internal/scripting
	$(GO) test -run '^$$' -fuzz '^FuzzReplyToLua$$' -fuzztime $(FUZZTIME) ./internal/scripting
	$(GO) test -run '^$$' -fuzz '^FuzzParsePayload$$' -fuzztime $(FUZZTIME) ./internal/scripting

test: lint build unit race fuzz

# Throughput against redis-server on this machine (needs redis-benchmark).
bench: build
	../shared/bench/vs-redis.sh

# The same with both servers on appendonly yes / appendfsync everysec.
bench-aof: build
	bench/vs-redis-aof.sh

# The full performance report (throughput, latency, AOF, memory, client
# scaling, idle connections, persistence): bench/results.md and
# bench/throughput.svg. About 15 minutes; see bench/README.md.
bench-report: build
	bench/report.sh

clean:
	rm -rf bin
