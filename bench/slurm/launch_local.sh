#!/usr/bin/env bash
# Starts N ranks of one data-parallel `dynae train` on this machine, as
# torchrun would (RANK, WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT), each
# rank's output in rank<R>.log in the current directory; waits for all, shows
# rank 0's output and exits with the first non-zero status. Ctrl-C stops
# every rank.
#
#   bash bench/slurm/launch_local.sh N [--port P] -- dynae train --input data.npy --out run --threads 1
set -uo pipefail
N=${1:?usage: launch_local.sh N [--port P] -- dynae train ...}
shift
PORT=29500
if [ "${1:-}" = "--port" ]; then PORT=$2; shift 2; fi
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: launch_local.sh N [--port P] -- dynae train ..." >&2; exit 2; }
pids=()
trap 'kill "${pids[@]}" 2>/dev/null' INT TERM
for ((r = 0; r < N; r++)); do
  RANK=$r WORLD_SIZE=$N MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT "$@" > "rank$r.log" 2>&1 &
  pids+=($!)
done
status=0
for ((r = 0; r < N; r++)); do
  wait "${pids[$r]}"; s=$?
  if [ $s -ne 0 ] && [ $status -eq 0 ]; then status=$s; echo "rank $r exited with $s (rank$r.log):" >&2; tail -n 3 "rank$r.log" >&2; fi
done
cat rank0.log
exit $status
