#!/usr/bin/env bash
# The whole performance report in one command (also: make bench-report).
#
#   bench/report.sh
#
# Runs, against redis-server and bin/autobot-redis (which must be built;
# make bench-report builds it first):
#   1. throughput and latency, 50 clients, no pipelining   bench/latency.sh (vs-redis.sh)
#   2. throughput and latency, 50 clients, -P 16           bench/latency.sh -P 16
#   3. the same as 1 with appendonly yes / everysec         (as bench/vs-redis-aof.sh)
#   4. the cost of the AOF for each server: vs-redis.sh with the same server
#      on both sides, appendonly no as the reference, everysec as the project
#   5. memory on the four datasets                          go run ./bench/memory
#   6. client scaling 50/500/5000 and 10k idle connections  bench/scaling.sh
#   7. RDB save/load and BGSAVE pauses                      TestMeasurePersistence
# and writes bench/results.md (tables, summary against the targets,
# machine and versions) and bench/throughput.svg (go run ./bench/chart).
#
# Knobs (environment): ROUNDS (3), REQUESTS (100000, runs 1 and 3),
# REQUESTS_P16 (200000), AOF_COST_REQUESTS (60000), AOF_COST_TESTS (the write tests:
# set,incr,lpush,rpop,sadd,hset,zadd,mset), SCALING_REQUESTS (100000), SCALING_CLIENTS
# ("50 500 5000"), IDLE (10000), PERSIST_KEYS (1000000), PERSIST_RUNS (3),
# OUT_DIR (bench).
# Exit status 1 if any part failed; the report is written regardless and
# says which part failed.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-100000}
REQUESTS_P16=${REQUESTS_P16:-200000}
AOF_COST_REQUESTS=${AOF_COST_REQUESTS:-60000}
AOF_COST_TESTS=${AOF_COST_TESTS:-set,incr,lpush,rpop,sadd,hset,zadd,mset}
SCALING_REQUESTS=${SCALING_REQUESTS:-100000}
SCALING_CLIENTS=${SCALING_CLIENTS:-50 500 5000}
IDLE=${IDLE:-10000}
PERSIST_KEYS=${PERSIST_KEYS:-1000000}
PERSIST_RUNS=${PERSIST_RUNS:-3}
OUT_DIR=${OUT_DIR:-bench}
md=$OUT_DIR/results.md
svg=$OUT_DIR/throughput.svg

[ -x bin/autobot-redis ] || { echo "no bin/autobot-redis: run make build (or make bench-report)"; exit 2; }
for t in redis-server redis-benchmark redis-cli go python3; do
  command -v $t >/dev/null || { echo "needs $t"; exit 2; }
done
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Every part uses this copy, so that a rebuild of bin/ while the report
# runs cannot mix two builds in one report.
snap=$work/autobot-redis
cp bin/autobot-redis "$snap"

t_start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
failed=()
declare -A secs status

# part NAME CMD...: runs CMD with output in $work/NAME.txt (echoed to the
# terminal), records its exit status and duration.
part() {
  local name=$1; shift
  echo "== $name: $*" >&2
  local t0; t0=$(date +%s)
  "$@" 2>&1 | tee "$work/$name.txt" >&2
  status[$name]=${PIPESTATUS[0]}
  secs[$name]=$(( $(date +%s) - t0 ))
  [ "${status[$name]}" -eq 0 ] || failed+=("$name")
}

vs=${VS_REDIS:-$root/../shared/bench/vs-redis.sh}
# vs-redis.sh gives the reference --bind 127.0.0.1 itself; ours gets it here.
ours_cmd="$snap serve --port {port} --bind 127.0.0.1 --dir {dir} --save '' --appendonly no"
ours_aof="$snap serve --port {port} --bind 127.0.0.1 --dir {dir} --save '' --appendonly yes --appendfsync everysec"
redis_aof="$root/bench/redis-server-aof --port {port} --bind 127.0.0.1 --dir {dir} --save ''"
# Our server in the reference's seat (vs-redis.sh passes it redis-server's flags).
printf '#!/bin/sh\nexec "%s" serve "$@"\n' "$snap" >"$work/ours-as-reference"
chmod +x "$work/ours-as-reference"
SERVER_CMD=$ours_cmd part p1 bench/latency.sh -r "$ROUNDS" -n "$REQUESTS"
SERVER_CMD=$ours_cmd part p16 bench/latency.sh -r "$ROUNDS" -n "$REQUESTS_P16" -P 16
SERVER_CMD=$ours_aof REDIS_SERVER=$root/bench/redis-server-aof part aof bench/latency.sh -r "$ROUNDS" -n "$REQUESTS"
SERVER_CMD=$redis_aof REDIS_SERVER=redis-server part aofcost_redis bench/latency.sh -r "$ROUNDS" -n "$AOF_COST_REQUESTS" -t "$AOF_COST_TESTS"
SERVER_CMD=$ours_aof REDIS_SERVER=$work/ours-as-reference part aofcost_ours bench/latency.sh -r "$ROUNDS" -n "$AOF_COST_REQUESTS" -t "$AOF_COST_TESTS"
part memory go run ./bench/memory -ours "$snap"
OURS=$snap part scaling bench/scaling.sh -r "$ROUNDS" -n "$SCALING_REQUESTS" -C "$SCALING_CLIENTS" -i "$IDLE"
# One persistence run measures each server once, so it is repeated and
# the report takes medians.
persist_runs() {
  local i rc=0
  for i in $(seq "$PERSIST_RUNS"); do
    PERSIST_MEASURE=1 PERSIST_MEASURE_KEYS=$PERSIST_KEYS go test -count=1 -run TestMeasurePersistence -v ./internal/persist || rc=1
  done
  return $rc
}
part persist persist_runs

t_total=$(( $(date +%s) - t_start ))
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- parsing helpers -------------------------------------------------

# throughput rows of a vs-redis.sh table: test<TAB>redis<TAB>ours<TAB>ratio
tput_rows() {
  awk '/^test .*redis rps/ {on=1; next} /^min ratio:/ {on=0} on && NF >= 4 {
    name = $1; for (i = 2; i <= NF-3; i++) name = name " " $i
    print name "\t" $(NF-2) "\t" $(NF-1) "\t" $NF }' "$1"
}
# latency rows: test<TAB>r50<TAB>o50<TAB>r95<TAB>o95<TAB>r99<TAB>o99<TAB>ratio
lat_rows() {
  awk '/^latency ms/ {on=1; next} /^max p99 ratio:/ {on=0} on && NF >= 8 {
    name = $1; for (i = 2; i <= NF-7; i++) name = name " " $i
    printf "%s", name; for (i = NF-6; i <= NF; i++) printf "\t%s", $i; print "" }' "$1"
}
# each round's rps, from bench/latency.sh's "rps by round" table:
# test<TAB>reference rounds<TAB>project rounds, as "48.2k 51.0k 47.9k",
# then <TAB>min<TAB>max of each side
rounds_rows() {
  awk 'function k(x) { return sprintf("%.1fk", x / 1000) }
    function fmt(l,   a, n, i, o) { n = split(l, a, ","); o = ""; for (i = 1; i <= n; i++) o = o (i > 1 ? " " : "") k(a[i]); return o }
    function lo(l,   a, n, i, m) { n = split(l, a, ","); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]; return m }
    function hi(l,   a, n, i, m) { n = split(l, a, ","); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]; return m }
    /^rps by round/ { on = 1; next } on && NF >= 3 {
    name = $1; for (i = 2; i <= NF-2; i++) name = name " " $i
    print name "\t" fmt($(NF-1)) "\t" fmt($NF) "\t" lo($(NF-1)) "\t" hi($(NF-1)) "\t" lo($NF) "\t" hi($NF) }' "$1"
}
# tput_table PART: the throughput table of a bench/latency.sh run with each round's rps
tput_table() {
  echo "| test | redis rps | ours rps | ours/redis | redis, each round | ours, each round |"
  echo "|---|---:|---:|---:|---:|---:|"
  awk -F'\t' 'NR == FNR { r[$1] = $2; o[$1] = $3; next }
    { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, r[$1], o[$1] }' "$work/$1.rounds" "$work/$1.tsv"
}
# memory rows: dataset<TAB>redis used<TAB>ours used<TAB>ratio<TAB>redis rss<TAB>ours rss<TAB>ratio
mem_rows() {
  awk 'NR > 1 && NF >= 7 && $NF ~ /^[0-9.]+$/ {
    name = $1; for (i = 2; i <= NF-6; i++) name = name " " $i
    printf "%s", name; for (i = NF-5; i <= NF; i++) printf "\t%s", $i; print "" }' "$1"
}
# the persistence test's table, without the t.Logf prefixes
persist_lines() { sed -n 's/^ *measure_test\.go:[0-9]*: //p' "$1"; }
# The persistence runs as one table: label<TAB>redis<TAB>ours<TAB>ratio
# with, per cell, the median over the runs and the runs in brackets
# ("668.0 ms (668.0, 1823.0, 700.0)"); ratio is the median of the per-run
# ratios ours/redis for rows in ms.
persist_table() {
  persist_lines "$1" | awk '
    function med(s,   a, k, i, j, t) { k = split(s, a, " "); for (i=1;i<=k;i++) for (j=i+1;j<=k;j++) if (a[j]+0 < a[i]+0) { t=a[i]; a[i]=a[j]; a[j]=t }
      return k%2 ? a[(k+1)/2] : (a[k/2]+a[k/2+1])/2 }
    function cell(l, c,   m, a, i, nums, unit, allsame) {
      m = split(v[l, c], a, "|"); nums = ""; unit = ""; allsame = 1
      for (i = 1; i <= m; i++) {
        if (a[i] != a[1]) allsame = 0
        if (a[i] !~ /^[0-9.]+( ms)?$/) return a[1]
        if (a[i] ~ / ms$/) unit = " ms"
        nums = nums " " (a[i] + 0)
      }
      if (allsame) return a[1]
      list = a[1]; sub(/ ms$/, "", list)
      for (i = 2; i <= m; i++) { x = a[i]; sub(/ ms$/, "", x); list = list ", " x }
      return sprintf(unit ? "%.1f%s (%s)" : "%.0f%s (%s)", med(nums), unit, list)
    }
    length($0) > 34 && substr($0, 1, 34) !~ /^ *$/ {
      l = substr($0, 1, 34); sub(/ +$/, "", l); r = substr($0, 35); gsub(/^ +| +$/, "", r)
      n = split(r, f, /  +/); if (n != 2) next
      if (!(l in seen)) { seen[l] = 1; order[++k] = l }
      for (c = 1; c <= 2; c++) v[l, c] = v[l, c] (v[l, c] == "" ? "" : "|") f[c]
      if (f[1] ~ / ms$/ && f[2] ~ / ms$/ && f[1] + 0 > 0) ratios[l] = ratios[l] " " (f[2] + 0) / (f[1] + 0)
    }
    END { for (i = 1; i <= k; i++) { l = order[i]
      printf "%s\t%s\t%s\t%s\n", l, cell(l, 1), cell(l, 2), (l in ratios) ? sprintf("%.2f", med(ratios[l])) : "" } }'
}
# persist_cell LABEL COLUMN (1 redis, 2 ours, 3 ratio) from persist.tsv
persist_cell() { awk -F'\t' -v l="$1" -v c="$2" '$1 == l { print $(c+1) }' "$work/persist.tsv"; }
header_line() { grep -m1 "^clients=" "$1"; }
failed_block() { # name
  echo "**FAILED** (exit ${status[$1]}). Last lines of its output:"
  echo
  echo '```'
  tail -15 "$work/$1.txt"
  echo '```'
}
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a/b; else printf "n/a" }'; }
yesno() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { if (v == "n/a" || v == "") { print "n/a"; exit }
  ok = (op == "<=") ? (v+0 <= t+0) : (v+0 >= t+0); print ok ? "yes" : "**no**" }'; }

tput_rows "$work/p1.txt" >"$work/p1.tsv"
tput_rows "$work/p16.txt" >"$work/p16.tsv"
tput_rows "$work/aof.txt" >"$work/aof.tsv"
for p in p1 p16 aof aofcost_redis aofcost_ours; do rounds_rows "$work/$p.txt" >"$work/$p.rounds"; done
lat_rows "$work/p1.txt" >"$work/p1lat.tsv"
lat_rows "$work/p16.txt" >"$work/p16lat.tsv"
lat_rows "$work/aof.txt" >"$work/aoflat.tsv"
mem_rows "$work/memory.txt" >"$work/mem.tsv"

# AOF cost: rps with everysec / rps without, per server (each from its own
# alternating run), joined on test: test, redis none, redis everysec,
# ratio, ours none, ours everysec, ratio.
tput_rows "$work/aofcost_redis.txt" >"$work/aofcost_redis.tsv"
tput_rows "$work/aofcost_ours.txt" >"$work/aofcost_ours.tsv"
awk -F'\t' 'NR == FNR { r[$1] = $2 "\t" $3 "\t" $4; next }
  ($1 in r) { print $1 "\t" r[$1] "\t" $2 "\t" $3 "\t" $4 }' \
  "$work/aofcost_redis.tsv" "$work/aofcost_ours.tsv" >"$work/aofcost.tsv"
# and the rounds: test, redis none, redis everysec, ours none, ours everysec
awk -F'\t' 'NR == FNR { r[$1] = $2 "\t" $3; next }
  ($1 in r) { print $1 "\t" r[$1] "\t" $2 "\t" $3 }' \
  "$work/aofcost_redis.rounds" "$work/aofcost_ours.rounds" >"$work/aofcost.rounds"

# Chart.
# Chart rows: panel, test, medians, then each side's min and max round.
chart_rows() { # part panel
  awk -F'\t' -v panel="$2" 'NR == FNR { m[$1] = $4 "\t" $5 "\t" $6 "\t" $7; next }
    { print panel "\t" $1 "\t" $2 "\t" $3 (($1 in m) ? "\t" m[$1] : "") }' "$work/$1.rounds" "$work/$1.tsv"
}
{ chart_rows p1 "50 clients, no pipelining"; chart_rows p16 "50 clients, pipeline 16 (-P 16)"; } >"$work/chart.tsv"
cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
ncpu=$(nproc)
when=$(date -u '+%Y-%m-%d %H:%M UTC')
redis_v=$(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')
if [ -s "$work/chart.tsv" ]; then
  go run ./bench/chart -in "$work/chart.tsv" -o "$svg" -a "redis-server $redis_v" -b "autobot-redis" \
    -title "Throughput, redis-benchmark: autobot-redis vs redis-server (median of $ROUNDS rounds)" \
    -subtitle "$when · $ncpu cores, $cpu · loopback · same flags for both servers" || failed+=(chart)
else
  failed+=(chart)
fi

# ---- summary values --------------------------------------------------

min_ratio() { awk -F'\t' -v c="$2" 'NF { if (m == "" || $c+0 < m+0) { m = $c; t = $1 } } END { if (m == "") print "n/a"; else printf "%.2f (%s)\n", m, t }' "$1"; }
max_ratio() { awk -F'\t' -v c="$2" 'NF { if (m == "" || $c+0 > m+0) { m = $c; t = $1 } } END { if (m == "") print "n/a"; else printf "%.2f (%s)\n", m, t }' "$1"; }
med_ratio() { awk -F'\t' -v c="$2" 'NF { a[++n] = $c } END { if (!n) { print "n/a"; exit }
  for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (a[j]+0 < a[i]+0) { t=a[i]; a[i]=a[j]; a[j]=t }
  printf "%.2f\n", n%2 ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2 }' "$1"; }
count_over() { awk -F'\t' -v c="$2" -v t="$3" 'NF { n++; if ($c+0 > t+0) k++ } END { printf "%d of %d", k, n }' "$1"; }
first() { echo "${1%% *}"; }

# Noise: fastest / slowest round of the same server and test, median
# over the tests and parts that ran with rounds.
spread() { # column of min
  cat "$work"/p1.rounds "$work"/p16.rounds "$work"/aof.rounds "$work"/aofcost_*.rounds 2>/dev/null |
    awk -F'\t' -v c="$1" 'NF >= 7 && $c > 0 { a[++n] = $(c+1) / $c } END { if (!n) { print "n/a"; exit }
      for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (a[j] < a[i]) { t=a[i]; a[i]=a[j]; a[j]=t }
      printf "%.2f (worst %.2f)", n%2 ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2, a[n] }'
}
spread_r=$(spread 4)
spread_o=$(spread 6)
p99max=$(max_ratio "$work/p1lat.tsv" 8)
p99max16=$(max_ratio "$work/p16lat.tsv" 8)
aof_ours=$(min_ratio "$work/aofcost.tsv" 7)
aof_redis=$(min_ratio "$work/aofcost.tsv" 4)
mem_used=$(max_ratio "$work/mem.tsv" 4)
mem_rss=$(max_ratio "$work/mem.tsv" 7)
scal_ours=$(grep '^ours at ' "$work/scaling.txt" | sed 's/^ours at //; s/; redis: / — redis: /')
persist_table "$work/persist.txt" >"$work/persist.tsv"
load_r=$(persist_cell "load at start-up" 1)
load_o=$(persist_cell "load at start-up" 2)
load_ratio=$(persist_cell "load at start-up" 3)
bgp_r=$(persist_cell "longest request, during BGSAVE" 1)
bgp_o=$(persist_cell "longest request, during BGSAVE" 2)
idle_row() { grep -F "$1" "$work/scaling.txt" | head -1; }
idle_cell() { idle_row "$1" | awk -F'|' -v c="$2" '{ gsub(/^ +| +$/, "", $(c+2)); gsub(/\*/, "", $(c+2)); print $(c+2) }'; }

# ---- results.md ------------------------------------------------------

{
cat <<EOF
# Benchmark results

Written by \`make bench-report\` (bench/report.sh) on $when; the whole run took
$((t_total / 60)) min $((t_total % 60)) s. How each figure is measured: [README.md](README.md).

| | |
|---|---|
| machine | $ncpu cores (nproc), $cpu, $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo), Linux $(uname -r) |
| load average (1/5/15 min) | $load_start at the start, $load_end at the end |
| spread of rounds (fastest / slowest round, same server and test; median over all tests) | redis-server $spread_r, autobot-redis $spread_o |
| redis-server | $(redis-server --version) |
| redis-benchmark | $(redis-benchmark --version) |
| autobot-redis | $("$snap" --version 2>&1 | head -1), commit $(git rev-parse --short HEAD 2>/dev/null)$( [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && echo " with uncommitted changes in the work tree"), binary sha256 $(sha256sum "$snap" | cut -c1-12) |
| go | $(go env GOVERSION) |
| network | loopback (127.0.0.1) only |

The machine has $ncpu cores shared by redis-benchmark, the server under test and whatever else
runs: the load average above shows how busy it was. Each server is measured in alternating rounds
in the same run, so noise affects both, but absolute figures from a loaded machine are lower than on
a quiet one and the ratios move by several percent from run to run.
EOF
[ ${#failed[@]} -eq 0 ] || printf '\n**Parts that failed: %s** (details in their sections).\n' "${failed[*]}"

cat <<EOF

## Summary against the targets

All ratios are ours / redis from the same run unless said otherwise.

| target | measured | met |
|---|---|---|
| throughput, 50 clients, no pipelining (ratio per test) | min $(min_ratio "$work/p1.tsv" 4), median $(med_ratio "$work/p1.tsv" 4) | see table |
| throughput, 50 clients, -P 16 (ratio per test) | min $(min_ratio "$work/p16.tsv" 4), median $(med_ratio "$work/p16.tsv" 4) | see table |
| p99 latency no worse than Redis's (50 clients, no pipelining) | p99 ratio max $p99max; ours above redis in $(count_over "$work/p1lat.tsv" 8 1) tests | $(yesno "$(first "$p99max")" "<=" 1) |
| p99 latency, -P 16 | p99 ratio max $p99max16; ours above redis in $(count_over "$work/p16lat.tsv" 8 1) tests | $(yesno "$(first "$p99max16")" "<=" 1) |
| memory (used_memory, RSS) | used ratio max $mem_used; RSS ratio max $mem_rss | see table |
| AOF everysec costs ≤ 10% (rps everysec / rps none, per server) | ours min $aof_ours; redis min $aof_redis | $(yesno "$(first "$aof_ours")" ">=" 0.9) |
EOF
while read -r line; do
  [ -n "$line" ] || continue
  c=${line%% *}
  v=$(echo "$line" | sed -n 's/^[0-9]* clients: min \([0-9.]*\).*/\1/p')
  echo "| throughput at $c clients ≥ 0.8× the 50-client figure (ours) | ours $(echo "$line" | sed 's/^[0-9]* clients: //') | $(yesno "$v" ">=" 0.8) |"
done <<<"$scal_ours"
ours_clients=$(idle_cell "INFO connected_clients" 2)
ours_ping=$(idle_cell "PING from a fresh connection" 2)
ours_alive=$(idle_cell "server still running" 2)
idle_ok="**no**"
if [ "$ours_alive" = yes ] && [ "${ours_clients%%,*}" -ge $((IDLE + 1)) ] 2>/dev/null && [ "${ours_ping%%,*}" = 9/9 ]; then idle_ok=yes; fi
cat <<EOF
| $IDLE idle connections: server survives, PING answers | ours: connected_clients $ours_clients; fresh-connection PING answered, median, max: $ours_ping; still running: $ours_alive | $idle_ok |
| RSS growth per idle connection | ours $(idle_cell "RSS growth per idle connection" 2), redis $(idle_cell "RSS growth per idle connection" 1) | see table |
| RDB load of $PERSIST_KEYS keys ≤ 1.5× Redis (median of $PERSIST_RUNS runs) | ours $load_o, redis $load_r; ratio $load_ratio | $(yesno "$load_ratio" "<=" 1.5) |
| longest request during BGSAVE (median of $PERSIST_RUNS runs) | ours $bgp_o, redis $bgp_r | see table |

## Throughput, 50 clients, no pipelining

\`bench/latency.sh -r $ROUNDS -n $REQUESTS\` ($(header_line "$work/p1.txt")), median rps of the rounds.

![throughput chart](throughput.svg)

EOF
if [ -s "$work/p1.tsv" ]; then tput_table p1; else failed_block p1; fi

cat <<EOF

## Throughput, 50 clients, pipeline 16

\`bench/latency.sh -r $ROUNDS -n $REQUESTS_P16 -P 16\` ($(header_line "$work/p16.txt")).

EOF
if [ -s "$work/p16.tsv" ]; then tput_table p16; else failed_block p16; fi

lat_table() {
  echo "| test | redis p50 | ours p50 | redis p95 | ours p95 | redis p99 | ours p99 | p99 ours/redis |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ flag = ($8+0 > 1) ? " ▲" : ""; printf "| %s | %s | %s | %s | %s | %s | %s | %s%s |\n", $1, $2, $3, $4, $5, $6, $7, $8, flag }' "$1"
}
cat <<EOF

## Latency

redis-benchmark's own percentiles (milliseconds, per request, measured by the client) from the
runs of the throughput tables above: median over the $ROUNDS rounds of each percentile. ▲ marks
a p99 above Redis's.

### 50 clients, no pipelining

EOF
if [ -s "$work/p1lat.tsv" ]; then lat_table "$work/p1lat.tsv"; else failed_block p1; fi
cat <<EOF

### 50 clients, pipeline 16 (latency of a request inside a pipeline of 16)

EOF
if [ -s "$work/p16lat.tsv" ]; then lat_table "$work/p16lat.tsv"; else failed_block p16; fi

cat <<EOF

## AOF (appendonly yes, appendfsync everysec, on both servers)

\`bench/latency.sh -r $ROUNDS -n $REQUESTS\` with both servers writing an AOF (what
bench/vs-redis-aof.sh runs), ($(header_line "$work/aof.txt")).

EOF
if [ -s "$work/aof.tsv" ]; then
  tput_table aof
  echo
  echo "Latency with the AOF, as above (median of the rounds, ms):"
  echo
  lat_table "$work/aoflat.tsv"
else failed_block aof; fi

cat <<EOF

### Cost of the AOF for each server

rps with appendfsync everysec / rps with appendonly no, target ≥ 0.90. Each server is compared
with itself in its own alternating run (bench/latency.sh, that is vs-redis.sh, -r $ROUNDS -n $AOF_COST_REQUESTS -t $AOF_COST_TESTS
with the same server on both sides: no AOF as the reference, everysec as the project), so the
ratio does not depend on how busy the machine was from one run to the next.

EOF
if [ -s "$work/aofcost.tsv" ]; then
  echo "| test | redis none | redis everysec | redis ratio | ours none | ours everysec | ours ratio |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$work/aofcost.tsv"
  echo
  echo "Each round's rps of those runs:"
  echo
  echo "| test | redis none | redis everysec | ours none | ours everysec |"
  echo "|---|---:|---:|---:|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$work/aofcost.rounds"
fi
[ "${status[aofcost_redis]}" -eq 0 ] || failed_block aofcost_redis
[ "${status[aofcost_ours]}" -eq 0 ] || failed_block aofcost_ours

cat <<EOF

## Memory

\`go run ./bench/memory\`: each dataset loaded (pipelined) into a fresh server of each kind;
INFO used_memory and used_memory_rss after MEMORY PURGE, minus the empty server's figures.

EOF
if [ -s "$work/mem.tsv" ]; then
  echo "| dataset | redis used | ours used | ratio | redis RSS | ours RSS | ratio |"; echo "|---|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$work/mem.tsv"
fi
[ "${status[memory]}" -eq 0 ] || failed_block memory

cat <<EOF

## Client scaling and idle connections

\`bench/scaling.sh -r $ROUNDS -n $SCALING_REQUESTS -C "$SCALING_CLIENTS" -i $IDLE\`: both servers
with --maxclients 20000, ulimit -n 20000; redis-benchmark -c N, median of the rounds.
redis-benchmark is one single-threaded process on the same $ncpu cores, so at many clients it is
itself part of what limits the figures: Redis's own ratio shows how far the harness can go.

EOF
sed -n '/^| test | clients/,/^$/p' "$work/scaling.txt"
grep -E '^(ours at|redis-benchmark -c .* failed|maxclients:)' "$work/scaling.txt" | sed 's/^/- /'
echo
sed -n '/idle connections to each server/,$p' "$work/scaling.txt"
[ "${status[scaling]}" -eq 0 ] || failed_block scaling

cat <<EOF

## Persistence

\`PERSIST_MEASURE=1 PERSIST_MEASURE_KEYS=$PERSIST_KEYS go test -count=1 -run TestMeasurePersistence -v ./internal/persist\`,
$PERSIST_RUNS times (the test builds its own binary from the work tree, and measures each server
once per run, one after the other, so the report repeats it and shows the median and every run in
brackets). RDB load time as each server logs it at start-up; pauses are the longest request seen
by 8 clients doing random GET/SET while BGSAVE runs three times, against a baseline of the same
length without BGSAVE. The last column is the median of the per-run ratios.

EOF
if [ -n "$load_o" ]; then
  echo "| | redis-server | autobot-redis | ours/redis |"; echo "|---|---:|---:|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$work/persist.tsv"
  echo
  persist_lines "$work/persist.txt" | grep -E '^[0-9]+ small keys|^requests served' | awk '!seen[$0]++ { print "- " $0 }'
fi
[ "${status[persist]}" -eq 0 ] || failed_block persist

cat <<EOF

## Run times

| part | seconds | exit |
|---|---:|---:|
EOF
for p in p1 p16 aof aofcost_redis aofcost_ours memory scaling persist; do echo "| $p | ${secs[$p]} | ${status[$p]} |"; done
echo "| total | $t_total | |"
} >"$md"

echo "wrote $md and $svg in $((t_total / 60)) min $((t_total % 60)) s" >&2
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
