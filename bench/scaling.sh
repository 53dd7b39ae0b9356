#!/usr/bin/env bash
# Client scaling of both servers, in one run.
#
#   bench/scaling.sh [-r ROUNDS] [-C "50 500 5000"] [-n REQUESTS] [-t TESTS] [-i IDLE]
#
# Starts redis-server ($REDIS_SERVER, default redis-server on PATH) and our
# server ($OURS, default bin/autobot-redis) on free loopback ports with the
# same flags: --save '' --appendonly no --maxclients 20000. For each client
# count it runs redis-benchmark -c N -n REQUESTS -d 3 -r 100000 -t TESTS
# against both, ROUNDS times; within a round the two servers take turns
# going first, so that machine noise hits both alike. It prints a markdown
# table of median rps (and the median of redis-benchmark's p99) per test and
# client count, each server's rps as a fraction of its own figure at the
# first (smallest) client count, each round's rps, and a line
# "ours at N clients: min X of the C-client figure (TEST)" per count.
# Then it runs bench/idleconns with IDLE (default 10000) idle connections
# to a fresh server of each kind (-i 0 skips that).
# Raises ulimit -n to 20000 (or the hard limit) first. Exit 2 if a server
# cannot start, 1 if a benchmark run fails or a server dies.
set -u
rounds=3 counts="50 500 5000" requests=100000 tests=set,get idle=10000
while getopts r:C:n:t:i: o; do
  case $o in
    r) rounds=$OPTARG;; C) counts=$OPTARG;; n) requests=$OPTARG;; t) tests=$OPTARG;; i) idle=$OPTARG;;
    *) sed -n 2,21p "$0"; exit 2;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
OURS=${OURS:-$root/bin/autobot-redis}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
command -v redis-benchmark >/dev/null || { echo "needs redis-benchmark (Debian package redis-tools)"; exit 2; }
command -v "$REDIS_SERVER" >/dev/null || { echo "needs $REDIS_SERVER (Debian package redis-server)"; exit 2; }
[ -x "$OURS" ] || { echo "no $OURS: run make build"; exit 2; }

want=20000
ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
max=0; for c in $counts; do [ "$c" -gt "$max" ] && max=$c; done
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((max + 100)) ]; then
  echo "ulimit -n is $(ulimit -n), too low for $max clients"; exit 2
fi

work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 100); do redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.1; done; return 1; }
flags=(--bind 127.0.0.1 --save '' --appendonly no --maxclients 20000)

mkdir -p "$work/redis" "$work/ours"
rport=$(free_port)
"$REDIS_SERVER" --port "$rport" --dir "$work/redis" "${flags[@]}" >"$work/redis.log" 2>&1 &
pids+=($!); rpid=$!
oport=$(free_port)
"$OURS" serve --port "$oport" --dir "$work/ours" "${flags[@]}" >"$work/ours.log" 2>&1 &
pids+=($!); opid=$!
wait_up "$rport" || { echo "redis-server did not start"; cat "$work/redis.log"; exit 2; }
wait_up "$oport" || { echo "our server did not start"; tail -20 "$work/ours.log"; exit 2; }
echo "maxclients: redis $(redis-cli -p "$rport" config get maxclients | tail -1), ours $(redis-cli -p "$oport" config get maxclients | tail -1); ulimit -n $(ulimit -n)"

status=0
bench() { # side port clients round
  local out="$work/out.$1.$3.$4"
  redis-benchmark -p "$2" -c "$3" -n "$requests" -d 3 -r 100000 -t "$tests" --csv >"$out" 2>"$out.err"
  local rc=$?
  awk -F'","' -v side="$1" -v c="$3" 'NR>1 && /^"/ {gsub(/"/,"",$1); gsub(/"/,"",$NF); print side "\t" c "\t" $1 "\t" $2 "\t" $7}' "$out" >>"$work/rows"
  if [ $rc -ne 0 ] || [ "$(grep -c '^"' "$out")" -le 1 ]; then
    echo "redis-benchmark -c $3 against $1 failed (exit $rc): $(tr '\r' '\n' <"$out.err" | grep -v '^$' | tail -3 | tr '\n' ' ')"
    status=1
  fi
}
for c in $counts; do
  for i in $(seq "$rounds"); do
    if [ $((i % 2)) -eq 1 ]; then
      bench redis "$rport" "$c" "$i"; bench ours "$oport" "$c" "$i"
    else
      bench ours "$oport" "$c" "$i"; bench redis "$rport" "$c" "$i"
    fi
    redis-cli -p "$rport" flushall >/dev/null; redis-cli -p "$oport" flushall >/dev/null
  done
done
for side in redis ours; do
  p=$rpid; [ $side = ours ] && p=$opid
  if ! kill -0 "$p" 2>/dev/null; then
    echo "$side server died during the client-scaling runs; last log lines:"; tail -5 "$work/$side.log"; status=1
  fi
done

echo "redis-benchmark -n $requests -d 3 -r 100000 -t $tests, $rounds rounds, median of rounds"
echo
awk -F'\t' -v counts="$counts" '
  function median(s,   a, k, i, j, t) { k = split(s, a, " "); for (i=1;i<=k;i++) for (j=i+1;j<=k;j++) if (a[j]+0 < a[i]+0) { t=a[i]; a[i]=a[j]; a[j]=t }
    return k ? (k%2 ? a[(k+1)/2] : (a[k/2]+a[k/2+1])/2) : 0 }
  function rounds(l,   a, n, i, o) { n = split(l, a, " "); o = ""; for (i = 1; i <= n; i++) o = o (i > 1 ? " " : "") sprintf("%.1fk", a[i] / 1000); return o }
  { rps[$1 SUBSEP $2 SUBSEP $3] = rps[$1 SUBSEP $2 SUBSEP $3] " " $4
    p99[$1 SUBSEP $2 SUBSEP $3] = p99[$1 SUBSEP $2 SUBSEP $3] " " $5
    if (!($3 in seen)) { seen[$3] = 1; order[++nt] = $3 } }
  END {
    nc = split(counts, cs, " ")
    print "| test | clients | redis rps | ours rps | ours/redis | redis p99 ms | ours p99 ms | redis vs " cs[1] " clients | ours vs " cs[1] " clients | redis, each round | ours, each round |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for (i=1;i<=nt;i++) { t = order[i]
      r0 = median(rps["redis" SUBSEP cs[1] SUBSEP t]); o0 = median(rps["ours" SUBSEP cs[1] SUBSEP t])
      for (j=1;j<=nc;j++) { c = cs[j]
        r = median(rps["redis" SUBSEP c SUBSEP t]); o = median(rps["ours" SUBSEP c SUBSEP t])
        printf "| %s | %d | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s |\n", t, c, r, o, r ? o/r : 0,
          median(p99["redis" SUBSEP c SUBSEP t]), median(p99["ours" SUBSEP c SUBSEP t]), r0 ? r/r0 : 0, o0 ? o/o0 : 0,
          rounds(rps["redis" SUBSEP c SUBSEP t]), rounds(rps["ours" SUBSEP c SUBSEP t])
        if (j > 1) { f = o0 ? o/o0 : 0; if (!(c in min) || f < min[c]) { min[c] = f; mt[c] = t }
          f = r0 ? r/r0 : 0; if (!(c in rmin) || f < rmin[c]) { rmin[c] = f; rmt[c] = t } } } }
    print ""
    for (j=2;j<=nc;j++) { c = cs[j]
      printf "ours at %d clients: min %.2f of the %d-client figure (%s); redis: min %.2f (%s)\n", c, min[c], cs[1], mt[c], rmin[c], rmt[c] }
  }' "$work/rows"

if [ "$idle" -gt 0 ]; then
  echo
  go run ./bench/idleconns -ours "$OURS" -redis "$REDIS_SERVER" -n "$idle" || status=1
fi
exit $status
