#!/usr/bin/env bash
# Acceptance runs of DynAE at coarse lags (one frame = a big move), at the
# defaults: Mueller-Brown at kT 15, dt 1e-4, stride 10 (lag 1e-3, where the
# stiffest well relaxes in about a third of a lag) seen through a smooth
# embedding into 5-D, and the double well (x^2-1)^2 + y^2 at kT 0.6, dt 1e-3,
# stride 20, bent and sheared. 100k frames each. Prints, per system and seed,
# R^2 / disparity / anisotropy / step variance against the truth, and the
# seed-to-seed disparities.
#   bash bench/coarse_lag.sh [OUT_DIR] [SEEDS...]     (EXTRA="--prior-substeps 16" to override)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out/coarse_lag}
shift || true
seeds=${*:-0 1 2}
extra=${EXTRA:-}
mkdir -p "$out"
if [ ! -f "$out/mb_obs.npy" ]; then
  build/dynae simulate --system mueller_brown --kT 15 --dt 1e-4 --stride 10 --steps 1000000 --seed 7 \
    --observe embed --obs-dim 5 --out-truth "$out/mb_truth.npy" --out-obs "$out/mb_obs.npy"
  build/dynae simulate --system double_well_2d --kT 0.6 --dt 1e-3 --stride 20 --steps 2000000 --seed 7 \
    --observe warp --warp 0.6 --shear 0.5 --out-truth "$out/dw_truth.npy" --out-obs "$out/dw_obs.npy"
fi
status=0
for sys in mb dw; do
  for s in $seeds; do
    build/dynae train --input "$out/${sys}_obs.npy" --seed "$s" --out "$out/${sys}_seed$s" --overwrite -q $extra
    echo "== $sys seed $s"
    build/dynae evaluate --latent "$out/${sys}_seed$s/latent_traj0.npy" --truth "$out/${sys}_truth.npy" \
      --r2-min 0.99 --disparity-max 0.02 --anisotropy-max 1.2 --bars || status=1
  done
  set -- $seeds
  first=$1
  shift
  for s in "$@"; do
    echo "== $sys seed $first vs seed $s"
    build/dynae evaluate --latent "$out/${sys}_seed$s/latent_traj0.npy" --other "$out/${sys}_seed$first/latent_traj0.npy" \
      --r2-min 0.99 --disparity-max 0.01 --anisotropy-max 1.2 --bars || status=1
  done
  set -- $seeds
done
exit $status
