#!/usr/bin/env bash
# Data-parallel speed (README "Data-parallel training"): seconds per epoch of
# 1 process and of 2 ranks on 127.0.0.1 (1 thread each), in alternating
# rounds so that both see the same host, and the ratio of their medians.
# Each round also times 1 process pinned to each core: on a shared host one
# core can be much slower than the other for minutes at a time, and 2 ranks
# go at the pace of the slower core, so the rounds where the cores differ by
# more than 10 % are shown apart.
#   bash bench/data_parallel.sh [ROUNDS=5] [TILE=1] [EPOCHS=6]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
TILE=${2:-1}
EPOCHS=${3:-6}
B=${DYNAE_BENCH:-build/bench/dynae_bench}
[ -x "$B" ] || { echo "no $B: build first (cmake --build build --target dynae_bench)" >&2; exit 1; }
PORT=$((29700 + $$ % 200))
per_epoch() { awk '/seconds_per_epoch_median/ {print $3}'; }
one() { "$B" --threads 1 --tile "$TILE" --epochs "$EPOCHS" "$@" 2>&1 | per_epoch; }
ranks() {
  "$B" --threads 1 --tile "$TILE" --epochs "$EPOCHS" --ranks 2 --rank 1 --port "$PORT" > /dev/null 2>&1 &
  local other=$!
  "$B" --threads 1 --tile "$TILE" --epochs "$EPOCHS" --ranks 2 --rank 0 --port "$PORT" 2>&1 | per_epoch
  wait "$other"
}
core() { taskset -c "$1" "$B" --threads 1 --tile "$TILE" --epochs 3 2>&1 | per_epoch; }
printf '%-6s %10s %10s %8s %10s %10s\n' round 1proc 2ranks ratio core0 core1
rows=()
for r in $(seq "$ROUNDS"); do
  c0=$(core 0); c1=$(core 1)
  a=$(one); b=$(ranks)
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", b / a}')
  printf '%-6s %10s %10s %8s %10s %10s\n' "$r" "$a" "$b" "$ratio" "$c0" "$c1"
  rows+=("$a $b $c0 $c1")
done
printf '%s\n' "${rows[@]}" | awk '
  function median(v, n,   i, j, t) {
    for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  {
    n++; a[n] = $1; b[n] = $2
    slow = ($3 > $4 ? $3 : $4) / ($3 < $4 ? $3 : $4)
    if (slow <= 1.10) { m++; ea[m] = $1; eb[m] = $2 }
  }
  END {
    ma = median(a, n); mb = median(b, n)
    printf "all %d rounds: 1 process %.4f s/epoch, 2 ranks %.4f s/epoch, ratio %.3f\n", n, ma, mb, mb / ma
    if (m > 0) {
      ma = median(ea, m); mb = median(eb, m)
      printf "%d rounds with cores within 10 %% of each other: 1 process %.4f, 2 ranks %.4f, ratio %.3f\n", m, ma, mb, mb / ma
    } else {
      print "no round had both cores within 10 % of each other"
    }
  }'
