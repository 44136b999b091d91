#!/usr/bin/env bash
# Does a run's own quality figure (the slowest implied timescale of an MSM on
# its latent, no ground truth) tell good latents from bad ones? On the alanine
# dipeptide bench data (bench/alanine_dipeptide.sh simulates it): DynAE with a
# single start (--starts 1) for each seed, trained to EPOCHS and, as starts
# stopped early, to EARLY epochs; each latent's figure (from its train.log)
# against its slowest ITS / the (phi, psi) MSM's (dynae ramachandran), and
# Spearman's rank correlation of the two over all runs.
#   bash bench/quality_correlation.sh [DIR]     (DIR holds distances.npy and phi_psi.npy)
# Settings (environment): SEEDS (default 0-9), EPOCHS (50), EARLY (5),
# MSM_LAG (frames, 10), DT_FRAME (ps per frame, 1), EXTRA (more training flags, e.g.
# "--warm-start none --final-decay 0" for the defaults before the warm start).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-acceptance/alanine_dipeptide}
seeds=${SEEDS:-0 1 2 3 4 5 6 7 8 9}
epochs=${EPOCHS:-50}
early=${EARLY:-5}
msm_lag=${MSM_LAG:-10}
dt_frame=${DT_FRAME:-1}
extra=${EXTRA:-}
out="$dir/quality"
mkdir -p "$out"
latents=()
for s in $seeds; do
  for e in "$epochs" "$early"; do
    name="seed${s}_epochs$e"
    if [ ! -f "$out/$name/finished.txt" ]; then
      build/dynae train --input "$dir/distances.npy" --d 2 --epochs "$e" --starts 1 --seed "$s" --out "$out/$name" $extra \
        --overwrite 2> "$out/$name.log"
    fi
    latents+=(--latent "$name=$out/$name/latent_traj0.npy")
  done
done
build/dynae ramachandran --overwrite --truth "$dir/phi_psi.npy" "${latents[@]}" --lag "$msm_lag" --dt-frame "$dt_frame" \
  --out "$out/ramachandran" > /dev/null
# name, figure (frames), ITS ratio
for s in $seeds; do
  for e in "$epochs" "$early"; do
    name="seed${s}_epochs$e"
    figure=$(sed -n 's/.*slowest implied timescale is \([0-9.e+-]*\) frames.*/\1/p' "$out/$name/train.log" | tail -1)
    ratio=$(awk -F, -v n="$name" '$1 == n { print $9 }' "$out/ramachandran/ramachandran.csv")
    echo "$name $figure $ratio"
  done
done > "$out/figures.txt"
echo "run  quality figure (frames)  slowest ITS / (phi, psi)'s"
cat "$out/figures.txt"
awk '
  { name[NR] = $1; x[NR] = $2; y[NR] = $3 }
  function rank(v, i,   j, r) { r = 1; for (j = 1; j <= NR; ++j) if (j != i) r += (v[j] < v[i]) + 0.5 * (v[j] == v[i]); return r }
  END {
    for (i = 1; i <= NR; ++i) { rx[i] = rank(x, i); ry[i] = rank(y, i); mx += rx[i] / NR; my += ry[i] / NR }
    for (i = 1; i <= NR; ++i) { sxy += (rx[i] - mx) * (ry[i] - my); sxx += (rx[i] - mx) ^ 2; syy += (ry[i] - my) ^ 2 }
    printf "Spearman rank correlation over %d runs: %.3f\n", NR, sxy / sqrt(sxx * syy)
  }' "$out/figures.txt"
