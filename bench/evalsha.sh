#!/usr/bin/env bash
# EVALSHA throughput of our server against redis-server, in one run.
#
#   bench/evalsha.sh [ROUNDS]
#
# Loads the same small script into both servers (an INCR of a random key
# and a GET, the shape of a rate limiter) and runs redis-benchmark with
# EVALSHA against each, rounds alternating so that machine noise hits both
# alike. Prints the median rps of each and the ratio ours/redis.
set -u
rounds=${1:-3}
OURS=${OURS:-bin/autobot-redis}
work=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 100); do redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.1; done; return 1; }
rport=$(free_port); oport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/ref.log" 2>&1 & pids+=($!)
"$OURS" serve --port "$oport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/ours.log" 2>&1 & pids+=($!)
wait_up "$rport" && wait_up "$oport" || { echo "a server did not start"; exit 2; }
script="local n = redis.call('incr', KEYS[1]) return {n, redis.call('get', KEYS[1])}"
sha=$(redis-cli -p "$rport" script load "$script")
[ "$sha" = "$(redis-cli -p "$oport" script load "$script")" ] || { echo "SCRIPT LOAD digests differ"; exit 1; }
run() { redis-benchmark -p "$1" -c 50 -n 200000 -r 100000 --csv evalsha "$sha" 1 'k:__rand_int__' 2>/dev/null | awk -F'","' 'NR>1 {print $2}'; }
for i in $(seq "$rounds"); do
  echo "ref $(run "$rport")" >>"$work/rows"
  echo "ours $(run "$oport")" >>"$work/rows"
done
awk '{ v[$1] = v[$1] " " $2 }
  function median(s,   a, k, i, j, t) { k = split(s, a, " "); for (i=1;i<=k;i++) for (j=i+1;j<=k;j++) if (a[j]+0 < a[i]+0) { t=a[i]; a[i]=a[j]; a[j]=t }
    return k%2 ? a[(k+1)/2] : (a[k/2]+a[k/2+1])/2 }
  END { r = median(v["ref"]); o = median(v["ours"]); printf "EVALSHA (incr+get script, 50 clients): redis %.0f rps, ours %.0f rps, ratio %.2f\n", r, o, o/r }' "$work/rows"
