#!/usr/bin/env bash
# Acceptance run of issue 4: DynAE against every baseline on the bundled warped
# three-state data, seeds 0-2, reference defaults (beta = 10), plus the betas
# that help the baselines (VAE 0.1, SWAE 100, SDE-VAE 1 and 0.1).
#   bash bench/acceptance_compare.sh [OUT_DIR] [JOBS]
# JOBS = 2 splits the runs over two processes (shards of one sweep, one core
# each), then writes the tables with --collect; about 12 minutes on 2 cores,
# twice that with JOBS = 1.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-acceptance/compare}
jobs=${2:-2}
data="$PWD/examples/data"
common=(-i "$data/three_state_transformed_traj_data200k.npy" -t "$data/three_state_traj_data200k.npy"
        --seeds 0,1,2 -o "$out" -q)
all=dynae,vae,vae:beta=0.1,swae,swae:beta=100,sdevae,sdevae:beta=1,sdevae:beta=0.1,tae,tica
if [ "$jobs" -ge 2 ]; then
  # Shards of one sweep may train at once into one --out; --collect then writes the tables.
  for ((i = 0; i < jobs; i++)); do
    build/dynae compare "${common[@]}" --models "$all" --shard "$i/$jobs" > /dev/null &
  done
  wait
  build/dynae compare "${common[@]}" --models "$all" --collect
else
  build/dynae compare "${common[@]}" --models "$all"
fi
