#!/usr/bin/env bash
# A real molecule: alanine dipeptide (Ace-Ala-Nme, Amber ff14SB) simulated with
# OpenMM, DynAE (d = 2) and the baselines TICA, TAE and VAE trained on the 45
# heavy-atom distances, every latent judged against the backbone dihedrals
# (phi, psi): phi-sign classifier, Ramachandran purity of its free-energy
# basins, slowest MSM timescale against the (phi, psi) MSM's, VAMP-2.
#   bash bench/alanine_dipeptide.sh [OUT_DIR]        (about 40 minutes on one core)
# Settings (environment): TEMPERATURE (K), STEPS (2 fs each), STRIDE (steps per
# frame), SOLVENT, SEED, EPOCHS, MSM_LAG (frames), SEEDS (DynAE training seeds).
# Defaults: vacuum, 500 K, 150 ns, a frame every ps. In vacuum at 300-450 K no
# C7eq -> C7ax transition (phi < 0 -> phi > 0) happened in 20 ns; at 500 K one
# happens every ~4 ns (36 in 150 ns, ~30 min on one core); at 600 K the
# C-terminal amide also flips cis/trans (once in 80 ns), a slow process that
# is not in (phi, psi). The force field, not the temperature, sets which
# basins exist; the temperature sets how often they are visited.
# The neural models train on standardised distances without being told
# (standardize = auto: the distances' spreads differ; TICA is invariant to
# it): raw, the few distances that phi changes are drowned by the ones that
# vibrate. DynAE runs its default starts and keeps the one whose latent has
# the slowest implied timescale (its train.log and model.pt give each start's).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-acceptance/alanine_dipeptide}
temperature=${TEMPERATURE:-500}
steps=${STEPS:-75000000}
stride=${STRIDE:-500}
solvent=${SOLVENT:-vacuum}
seed=${SEED:-1}
epochs=${EPOCHS:-50}
msm_lag=${MSM_LAG:-10}
seeds=${SEEDS:-0 1 2}
frame_ps=$(awk -v s="$stride" 'BEGIN { print s * 0.002 }')
mkdir -p "$out"
start=$(date +%s)
if [ ! -f "$out/distances.npy" ]; then
  build/dynae simulate --system alanine_dipeptide --temperature "$temperature" --solvent "$solvent" \
    --steps "$steps" --stride "$stride" --seed "$seed" --out-truth "$out/phi_psi.npy" --out-obs "$out/distances.npy" \
    | tee "$out/simulate.log"
fi
echo "simulation: $(( $(date +%s) - start )) s"
latents=()
train() {  # NAME, then training flags
  local name=$1
  shift
  local t0
  t0=$(date +%s)
  build/dynae train --input "$out/distances.npy" --d 2 --epochs "$epochs" --out "$out/$name" -q --overwrite "$@"
  echo "$name: $(( $(date +%s) - t0 )) s"
  latents+=(--latent "$name=$out/$name/latent_traj0.npy")
}
for s in $seeds; do train "DynAE_seed$s" --model DynAE --seed "$s"; done
train TICA --model TICA --lag "$msm_lag"
train TAE --model TAE --lag "$msm_lag" --seed 0
train VAE --model VAE --seed 0
build/dynae ramachandran --overwrite --truth "$out/phi_psi.npy" "${latents[@]}" --lag "$msm_lag" --dt-frame "$frame_ps" \
  --time-unit ps --out "$out" | tee "$out/table.txt"
# The DynAE latent's own landscape and kinetics (figures, CK test) for seed 0.
first=${seeds%% *}
build/dynae landscape --overwrite --model "$out/DynAE_seed$first/model.pt" --input "$out/distances.npy" \
  --out "$out/DynAE_seed$first/landscape" > /dev/null
echo "whole bench: $(( $(date +%s) - start )) s"
