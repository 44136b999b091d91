#!/usr/bin/env bash
# Acceptance run: DynAE recovers Mueller-Brown's (x, y) from a smooth nonlinear
# embedding into 10 dimensions. kT 20 crosses the barriers; dt 1e-5 and stride 2
# keep the lag (2e-5) well below the stiffest relaxation time (1/4000), so that
# one latent step looks like one Euler step. d_min 10: the latent spans ~130 units.
#   bash bench/acceptance_mueller_brown.sh [OUT_DIR] [SEEDS...]   (~3 min a seed on one core)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-acceptance/mueller_brown}
shift || true
seeds=${*:-0 1 2}
mkdir -p "$out"
build/dynae simulate --overwrite --system mueller_brown --kT 20 --dt 1e-5 --stride 2 --steps 1000000 \
  --observe embed --obs-dim 10 --seed 1 --out-truth "$out/truth.npy" --out-obs "$out/obs.npy"
status=0
for s in $seeds; do
  build/dynae train --input "$out/obs.npy" --min-dist 10 --seed "$s" --out "$out/seed$s" -q
  build/dynae evaluate --latent "$out/seed$s/latent_traj0.npy" --truth "$out/truth.npy" \
    --r2-min 0.99 --disparity-max 0.02 --anisotropy-max 1.2 --bars || status=1
done
exit $status
