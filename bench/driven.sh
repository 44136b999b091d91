#!/usr/bin/env bash
# Driven (non-equilibrium) systems: the double well (x^2-1)^2 + y^2 (kT 0.6, dt 1e-3,
# stride 20) and the triple well (kT 0.6, dt 1e-4, stride 100) with the rotation
# omega J (x - c) added to the drift (dynae simulate --rotation; c = the mean of the
# named states), seen through the warp map (0.6 x^2, shear 0.5), 100k frames. DynAE
# at its defaults (free force); prints per system, omega and seed the truth's
# rotational fraction (simulate), the learned force's (landscape) and the latent's
# R^2 / disparity / anisotropy.
#   bash bench/driven.sh [OUT_DIR] [SEEDS...]      (OMEGAS="0 1 2" by default)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out/driven}
shift || true
seeds=${*:-0 1 2}
omegas=${OMEGAS:-0 1 2}
mkdir -p "$out"
for sys in double_well_2d triple_well_2d; do
  case $sys in
    double_well_2d) sim="--kT 0.6 --dt 1e-3 --stride 20 --steps 2000000" ;;
    triple_well_2d) sim="--steps 10000000 --stride 100" ;;
  esac
  for w in $omegas; do
    tag="${sys}_w$w"
    if [ ! -f "$out/${tag}_obs.npy" ]; then
      build/dynae simulate --system $sys $sim --seed 7 --rotation "$w" --observe warp --warp 0.6 --shear 0.5 \
        --out-truth "$out/${tag}_truth.npy" --out-obs "$out/${tag}_obs.npy" > "$out/${tag}_simulate.log"
    fi
    truth=$(grep -o "rotational fraction.*: [0-9.]*" "$out/${tag}_simulate.log" | grep -o "[0-9.]*$")
    for s in $seeds; do
      run="$out/${tag}_seed$s"
      [ -f "$run/model.pt" ] || build/dynae train --input "$out/${tag}_obs.npy" --seed "$s" --out "$run" -q
      learned=$(build/dynae landscape --overwrite -m "$run/model.pt" -i "$out/${tag}_obs.npy" -o "$run/landscape" |
        grep -o "rotational fraction [0-9.]*" | grep -o "[0-9.]*$")
      metrics=$(build/dynae evaluate --latent "$run/latent_traj0.npy" --truth "$out/${tag}_truth.npy" |
        awk '/^r2|^disparity|^anisotropy/ { printf "%s %.4g  ", $1, $2 }')
      echo "$sys omega $w seed $s: rotational fraction truth $truth learned $learned   $metrics"
    done
  done
done
