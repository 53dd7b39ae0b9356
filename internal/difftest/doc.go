// Package difftest is the differential test harness: it sends the same
// command scripts to Redis (Debian's redis-server 7.0) and to the server
// under test and compares the raw reply bytes.
//
// Scripts live in testdata/*.txt, one command per line in redis-cli syntax
// with a few prefixes for replies that legitimately differ; see
// testdata/README.md. Each file runs twice, over RESP2 and over RESP3.
//
// The test entry point is TestDiff in diff_test.go. The server under test
// comes from startOurs there.
package difftest
