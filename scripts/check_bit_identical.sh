#!/usr/bin/env bash
# Checks that this checkout trains bit-identical latents to another commit
# (default: 16b1b76, the build before the restructuring of issue 14): both
# build with this machine's compiler and libraries, then train 3 epochs on the
# bundled data at the defaults with one thread, on the fused path and on the
# plain LibTorch path (--fused-kernels False), and the latents and cluster
# centres are compared byte for byte.
#   bash scripts/check_bit_identical.sh [REF] [EPOCHS]
# A refactoring must pass it; a change of kernels may change the numbers on
# purpose (say so in its commit).
set -euo pipefail
cd "$(dirname "$0")/.."
REF=${1:-16b1b76}
EPOCHS=${2:-3}
WORK=$(mktemp -d /tmp/dynae-bitcheck.XXXXXX)
trap 'git worktree remove --force "$WORK/ref" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" --target dynae_cli
git worktree add --detach "$WORK/ref" "$REF" > /dev/null
cmake -S "$WORK/ref" -B "$WORK/ref-build" -DCMAKE_BUILD_TYPE=Release -DDYNAE_BUILD_TESTS=OFF -DDYNAE_BUILD_BENCH=OFF > /dev/null
cmake --build "$WORK/ref-build" -j "$(nproc)" --target dynae_cli
DATA=examples/data/three_state_transformed_traj_data200k.npy
status=0
for fused in True False; do
  for side in ref new; do
    bin=build/dynae
    [ "$side" = ref ] && bin="$WORK/ref-build/dynae"
    "$bin" train --input "$DATA" --epochs "$EPOCHS" --threads 1 --fused-kernels "$fused" \
      --out "$WORK/$side-$fused" -q > /dev/null
  done
  for f in latent_traj0.npy cluster_centers.npy; do
    if cmp -s "$WORK/ref-$fused/$f" "$WORK/new-$fused/$f"; then
      echo "fused_kernels=$fused $f: bit-identical to $REF"
    else
      echo "fused_kernels=$fused $f: DIFFERS from $REF"
      status=1
    fi
  done
done
exit $status
