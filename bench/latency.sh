#!/usr/bin/env bash
# Throughput and latency of both servers from the same runs.
#
#   bench/latency.sh [vs-redis.sh options: -r ROUNDS -c CLIENTS -n REQUESTS -P PIPELINE -d SIZE -t TESTS]
#
# Runs ../shared/bench/vs-redis.sh (or $VS_REDIS) unchanged, with
# bench/lib/redis-benchmark first on PATH: that stand-in runs the real
# redis-benchmark and keeps a copy of each --csv row, latency columns
# included. The output is vs-redis.sh's throughput table as it prints it,
# then a latency table: per test, the median over the rounds of
# redis-benchmark's p50, p95 and p99 (milliseconds) for each server, the
# ratio of the p99s (ours/redis), and a line "max p99 ratio: R (TEST)";
# last, a table "rps by round" with each round's rps per server, in round
# order, comma-separated, to show how much the rounds differed.
# SERVER_CMD and REDIS_SERVER are passed through to vs-redis.sh. The
# reference is the server benchmarked first (vs-redis.sh runs the
# reference first in every round). LATENCY_LOG=FILE keeps the raw rows.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
vs=${VS_REDIS:-$root/../shared/bench/vs-redis.sh}
real=$(command -v redis-benchmark) || { echo "needs redis-benchmark (Debian package redis-tools)"; exit 2; }
log=${LATENCY_LOG:-$(mktemp)}
: >"$log"
PATH="$root/bench/lib:$PATH" RB_REAL="$real" RB_LOG="$log" "$vs" "$@"
rc=$?
[ $rc -eq 0 ] || { [ -n "${LATENCY_LOG:-}" ] || rm -f "$log"; exit $rc; }
echo
awk -F'\t' '
  function median(s,   a, k, i, j, t) { k = split(s, a, " "); for (i=1;i<=k;i++) for (j=i+1;j<=k;j++) if (a[j]+0 < a[i]+0) { t=a[i]; a[i]=a[j]; a[j]=t }
    return k ? (k%2 ? a[(k+1)/2] : (a[k/2]+a[k/2+1])/2) : 0 }
  {
    if (!($2 in side)) side[$2] = (++nports == 1) ? "redis" : "ours"
    s = side[$2]
    n = split($3, f, "\",\""); gsub(/"/, "", f[1]); gsub(/"/, "", f[n])
    t = f[1]
    if (!(t in seen)) { seen[t] = 1; order[++nt] = t }
    p50[s SUBSEP t] = p50[s SUBSEP t] " " f[5]
    p95[s SUBSEP t] = p95[s SUBSEP t] " " f[6]
    p99[s SUBSEP t] = p99[s SUBSEP t] " " f[7]
    rps[s SUBSEP t] = rps[s SUBSEP t] (rps[s SUBSEP t] == "" ? "" : ",") sprintf("%.0f", f[2])
  }
  END {
    if (nports != 2) { printf "latency: expected 2 servers in the benchmark log, saw %d\n", nports; exit 1 }
    printf "%-40s %9s %9s %9s %9s %9s %9s %7s\n", "latency ms (median of rounds)", "redis p50", "ours p50", "redis p95", "ours p95", "redis p99", "ours p99", "p99 ratio"
    max = -1
    for (i=1;i<=nt;i++) { t = order[i]
      r99 = median(p99["redis" SUBSEP t]); o99 = median(p99["ours" SUBSEP t])
      ratio = r99 > 0 ? o99/r99 : 0
      printf "%-40s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %7.2f\n", t,
        median(p50["redis" SUBSEP t]), median(p50["ours" SUBSEP t]),
        median(p95["redis" SUBSEP t]), median(p95["ours" SUBSEP t]), r99, o99, ratio
      if (ratio > max) { max = ratio; mt = t } }
    printf "max p99 ratio: %.2f (%s)\n", max, mt
    printf "\n%-40s %s %s\n", "rps by round", "redis", "ours"
    for (i=1;i<=nt;i++) { t = order[i]; printf "%-40s %s %s\n", t, rps["redis" SUBSEP t], rps["ours" SUBSEP t] }
  }' "$log"
rc=$?
[ -n "${LATENCY_LOG:-}" ] || rm -f "$log"
exit $rc
