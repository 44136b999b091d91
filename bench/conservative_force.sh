#!/usr/bin/env bash
# Acceptance runs of the conservative force (force_field = conservative) on the
# bundled three-state data: per training seed, the latent against the truth
# (bars R^2 0.995, disparity 0.01, anisotropy 1.15), the model free energy U
# against the histogram's (RMSE over bins holding >= 0.1 % of the frames), the
# basin populations of exp(-U), and for noise seeds 0-2 the largest population
# error of `generate` (10 trajectories of STEPS steps; default 20000, the issue's
# length; the data's own 20000-frame blocks differ by ~0.1 in population, so
# 10 x 20000 steps carry a sampling error of ~0.03).
#   bash bench/conservative_force.sh [OUT_DIR] [SEEDS...]    (STEPS=200000 EXTRA="--force-field free" ...)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out/conservative}
shift || true
seeds=${*:-0 1 2}
steps=${STEPS:-20000}
extra=${EXTRA:-}
data=examples/data/three_state_transformed_traj_data200k.npy
truth=examples/data/three_state_traj_data200k.npy
mkdir -p "$out"
status=0
for s in $seeds; do
  run="$out/seed$s"
  if [ ! -f "$run/model.pt" ]; then
    build/dynae train --input "$data" --seed "$s" --force-field conservative --out "$run" -q $extra
  fi
  echo "== training seed $s: $(grep training_seconds "$run/finished.txt")"
  build/dynae evaluate --latent "$run/latent_traj0.npy" --truth "$truth" --bars || status=1
  build/dynae landscape --overwrite -m "$run/model.pt" -i "$data" -o "$run/landscape" | grep -E "RMSE|exp\(-U\)|rotational" || true
  for n in 0 1 2; do
    build/dynae generate --overwrite -m "$run/model.pt" -n "$steps" --trajectories 10 -f "$data" --seed "$n" --no-decode \
      -o "$run/gen${steps}_$n" 2> /dev/null |
      awk -F'|' -v s="$s" -v n="$n" '/^\| [0-9]/ { e = $3 - $4; if (e < 0) e = -e; if (e > m) m = e;
             pops = pops sprintf(" %.3f/%.3f", $3, $4) }
           END { printf "   training seed %s, noise seed %s: populations encoded/generated%s, largest error %.3f\n", s, n, pops, m }'
  done
done
exit $status
