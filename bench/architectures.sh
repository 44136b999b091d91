#!/usr/bin/env bash
# Universality across architectures (issue 38): DynAE, and the VAE and TAE
# baselines beside it, on the bundled warped three-state data with 18
# encoder/decoder architectures (depth 1-3 hidden layers, width 16-128, ReLU,
# tanh, ELU and SiLU, two with a width per layer), seeds 0 and 1; each run
# scored against the truth, then
# `dynae align` over each model's runs (and all of them, grouped by model).
#   bash bench/architectures.sh OUT            (resumable: finished runs are kept)
#   MODELS="dynae" SEEDS="0" bash bench/architectures.sh OUT
set -euo pipefail
cd "$(dirname "$0")/.."
DYNAE=${DYNAE:-build/dynae}
OUT=${1:-architecture_runs}
MODELS=${MODELS:-"dynae vae tae"}
SEEDS=${SEEDS:-"0 1"}
# activation:hidden layers:width, or activation:hidden layers:w1-w2-... (the
# encoder's widths from the input side; the decoder's mirrored)
ARCHS=${ARCHS:-"relu:1:32 relu:2:64 relu:3:128 relu:3:16 tanh:1:64 tanh:2:16 tanh:3:32 tanh:2:128 elu:1:128 elu:2:32 elu:3:64 elu:1:16 silu:1:64 silu:2:16 silu:3:32 silu:2:128 relu:3:128-64-32 silu:2:96-24"}
X=examples/data/three_state_transformed_traj_data200k.npy
T=examples/data/three_state_traj_data200k.npy
mkdir -p "$OUT"
for m in $MODELS; do
  runs=()
  for a in $ARCHS; do
    IFS=: read -r act depth width <<< "$a"
    if [[ $width == *-* ]]; then
      enc=$width
      dec=$(tr '-' '\n' <<< "$width" | tac | paste -sd- -)
      shape=(--encoder-widths "$enc" --decoder-widths "$dec")
    else
      shape=(--encoder-layers "$depth" --decoder-layers "$depth" --encoder-hidden "$width" --decoder-hidden "$width")
    fi
    for s in $SEEDS; do
      dir="$OUT/$m/${act}_l${depth}_w${width}_s${s}"
      "$DYNAE" train --input "$X" --truth "$T" --model "$m" --activation "$act" "${shape[@]}" --seed "$s" \
        --out "$dir" --reuse --quiet
      runs+=("$dir")
    done
  done
  "$DYNAE" align "${runs[@]}" --out "$OUT/$m/align" --overwrite
done
all=(); groups=()
for m in $MODELS; do
  for d in "$OUT/$m"/*_s*; do all+=("$d"); groups+=("$m"); done
done
"$DYNAE" align "${all[@]}" --groups "$(IFS=,; echo "${groups[*]}")" --out "$OUT/align_all" --overwrite
