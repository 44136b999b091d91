#!/usr/bin/env bash
# Acceptance runs of Sparse Transformation Analysis (model kind sta, issue 42)
# on the transformation movies (a shape moved by one of translate x, translate
# y, rotate, scale per step): 8000 training frames (seed 1) and 3000 held-out
# frames (seed 2), 32 x 32 pixels, seen three ways (INPUTS, default all):
#   pose   the pose as 5 features (bench/sta_inputs.py): no image to learn;
#   blur   the frames blurred by 1.5 pixels (smoother, for the fully connected nets);
#   movie  the frames as simulated.
# Each: STA (Laplace speeds), its non-sparse version (sta_speed_prior =
# normal) and a VAE of the same size, per seed. Printed per run, on the
# held-out frames (bench/sta_eval.py): the next-frame error, log-likelihood,
# the information taken from the next frame (KL) and the evidence bound per
# value; for STA the active fields per transition, the latent equivariance
# error and each primitive's dominant field with its share of |speed|.
# Issue 42's bars: share >= 0.8 for every primitive, active <= 1.5, STA's
# held-out next-frame evidence above the VAE's and the non-sparse version's.
#   bash bench/sparse_transformations.sh [OUT_DIR] [SEEDS...]   (INPUTS="pose blur", EXTRA="..." adds flags)
# About 7 min per pose run and 20 min per image run (200 epochs) on 2 cores: the whole
# bench (three inputs, three models, one seed) about 2 h.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out/sparse_transformations}
shift || true
seeds=${*:-0}
inputs=${INPUTS:-pose blur movie}
extra=${EXTRA:-}
# The Python the build's package was made for (it has numpy), unless PYTHON says otherwise.
py=${PYTHON:-$(sed -n 's/^Python3_EXECUTABLE:[A-Z]*=//p' build/CMakeCache.txt 2>/dev/null)}
py=${py:-python3}
mkdir -p "$out"
if [ ! -f "$out/test_pose.npy" ]; then
  for part in train:8000:1 test:3000:2; do
    IFS=: read -r name steps seed <<< "$part"
    build/dynae simulate --system transformations --steps "$steps" --frame-size 32 --seed "$seed" \
      --out-obs "$out/${name}_movie.npy" --out-truth "$out/${name}_truth.npy" --out-moves "$out/${name}_moves.npy"
    "$py" bench/sta_inputs.py "$out/${name}_movie.npy" "$out/${name}_truth.npy" "$out/$name"
  done
fi
for input in $inputs; do
  if [ "$input" = pose ]; then
    common="--d 5 --epochs 150 --batch-size 64 --beta 0.01"
  else
    common="--d 5 --epochs 200 --batch-size 64 --beta 0.01 --encoder-hidden 256 --decoder-hidden 256 --encoder-layers 2 --decoder-layers 2"
  fi
  runs=()
  for s in $seeds; do
    for variant in "sta:--model sta" "dense:--model sta --sta-speed-prior normal" "vae:--model vae"; do
      name=${variant%%:*}
      build/dynae train --input "$out/train_$input.npy" ${variant#*:} $common --seed "$s" \
        --out "$out/${input}_${name}_seed$s" --overwrite -q $extra
      runs+=("$out/${input}_${name}_seed$s")
    done
  done
  echo "== $input"
  PYTHONPATH=build/python "$py" bench/sta_eval.py "$out/test_$input.npy" "$out/test_moves.npy" "${runs[@]}"
done
