#!/usr/bin/env bash
# Acceptance runs of Sparse Transformation Analysis (model kind sta, issue 42)
# on the transformation movies (a shape moved by one of translate x, translate
# y, rotate, scale per step): 8000 training frames (seed 1) and 3000 held-out
# frames (seed 2), 32 x 32 pixels; STA (Laplace speeds), its non-sparse
# version (sta_speed_prior = normal) and a VAE of the same size, seeds as
# given. Prints per run, on the held-out movie: the next-frame error and
# Gaussian log-likelihood per pixel, and for STA the mean count of active
# fields, the latent equivariance error and each primitive's dominant field
# with the share of |speed| it carries (bench/sta_eval.py). The bars of
# issue 42: share >= 0.8 for every primitive, active <= 1.5, STA's held-out
# next-frame likelihood above the VAE's and the non-sparse version's.
#   bash bench/sparse_transformations.sh [OUT_DIR] [SEEDS...]   (EXTRA="..." adds training flags)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out/sparse_transformations}
shift || true
seeds=${*:-0}
extra=${EXTRA:-}
mkdir -p "$out"
if [ ! -f "$out/test.npy" ]; then
  build/dynae simulate --system transformations --steps 8000 --frame-size 32 --seed 1 \
    --out-obs "$out/train.npy" --out-truth "$out/train_pose.npy" --out-moves "$out/train_moves.npy"
  build/dynae simulate --system transformations --steps 3000 --frame-size 32 --seed 2 \
    --out-obs "$out/test.npy" --out-truth "$out/test_pose.npy" --out-moves "$out/test_moves.npy"
fi
common="--d 5 --epochs 100 --beta 0.01 --encoder-hidden 256 --decoder-hidden 256 --encoder-layers 2 --decoder-layers 2"
runs=()
for s in $seeds; do
  build/dynae train --input "$out/train.npy" --model sta $common --seed "$s" --out "$out/sta_seed$s" --overwrite -q $extra
  build/dynae train --input "$out/train.npy" --model sta --sta-speed-prior normal $common --seed "$s" \
    --out "$out/dense_seed$s" --overwrite -q $extra
  build/dynae train --input "$out/train.npy" --model vae $common --seed "$s" --out "$out/vae_seed$s" --overwrite -q $extra
  runs+=("$out/sta_seed$s" "$out/dense_seed$s" "$out/vae_seed$s")
done
PYTHONPATH=build/python python3 bench/sta_eval.py "$out/test.npy" "$out/test_moves.npy" "${runs[@]}"
