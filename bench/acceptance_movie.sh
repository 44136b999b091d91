#!/usr/bin/env bash
# Acceptance run: DynAE with the convolutional encoder/decoder recovers the
# (x, y) of a Gaussian spot diffusing in the 2-D double well (x^2-1)^2 + y^2
# at kT 0.5, from the movie alone.
#   bash bench/acceptance_movie.sh [OUT_DIR] [FRAME_SIZE] [EPOCHS] [SEEDS...]
# Defaults: 16 x 16 frames (spot sigma 1.5 px), 20000 frames (lag 0.01 time units:
# 200000 steps of 1e-3, stride 10), 30 epochs, batches of 128, 128 hidden units.
# 32 x 32 frames use a spot sigma of 3 px (the same image scaled up). The movie
# shows the box [-4, 4] x [-4, 4] of the (x, y) plane. Extra training flags come
# from TRAIN_FLAGS, e.g. TRAIN_FLAGS="--warmup-epochs 5" (what 32 x 32 needs).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-acceptance/movie}
size=${2:-16}
epochs=${3:-30}
shift 3 || shift $#
seeds=${*:-0}
radius=$(awk -v s="$size" 'BEGIN { print 1.5 * s / 16 }')
mkdir -p "$out"
build/dynae simulate --overwrite --system double_well_2d --steps 200000 --stride 10 --seed 2 \
  --observe spot --frame-size "$size" --radius "$radius" --box=-4,4,-4,4 \
  --out-truth "$out/truth.npy" --out-obs "$out/movie${size}.npy"
status=0
for s in $seeds; do
  run="$out/size${size}_seed$s"
  start=$(date +%s)
  build/dynae train --input "$out/movie${size}.npy" --encoder-type conv_encoder --decoder-type deconv_decoder \
    --encoder-hidden 128 --decoder-hidden 128 --batch-size 128 --epochs "$epochs" --seed "$s" --out "$run" -q \
    ${TRAIN_FLAGS:-}
  echo "training took $(( $(date +%s) - start )) s"
  build/dynae evaluate --latent "$run/latent_traj0.npy" --truth "$out/truth.npy" \
    --r2-min 0.98 --anisotropy-max 1.2 --disparity-max 0.05 --bars || status=1
done
exit $status
