#!/usr/bin/env bash
# A real molecule: alanine dipeptide (Ace-Ala-Nme, Amber ff14SB) simulated with
# OpenMM, DynAE (d = 2) and the baselines TICA, TAE and VAE trained on the 45
# heavy-atom distances, every latent judged against the backbone dihedrals
# (phi, psi): phi-sign classifier, Ramachandran purity of its free-energy
# basins, slowest MSM timescale against the (phi, psi) MSM's, VAMP-2.
#   bash bench/alanine_dipeptide.sh [OUT_DIR]        (about 45 minutes on one core)
# Settings (environment): TEMPERATURE (K), STEPS (2 fs each), STRIDE (steps per
# frame), SOLVENT, SEED, EPOCHS, MSM_LAG (frames), SEEDS (DynAE training seeds).
# In vacuum at 300 K the C7eq -> C7ax transition (phi < 0 -> phi > 0) takes tens
# of nanoseconds; at 600 K it happens about once a nanosecond, so 20 ns (~30 min
# on one core) hold some 20 of them. The force field, not the temperature, sets
# which basins exist; the temperature sets how often they are visited.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-acceptance/alanine_dipeptide}
temperature=${TEMPERATURE:-600}
steps=${STEPS:-10000000}
stride=${STRIDE:-100}
solvent=${SOLVENT:-vacuum}
seed=${SEED:-1}
epochs=${EPOCHS:-50}
msm_lag=${MSM_LAG:-50}
seeds=${SEEDS:-0}
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
build/dynae ramachandran --truth "$out/phi_psi.npy" "${latents[@]}" --lag "$msm_lag" --dt-frame "$frame_ps" \
  --time-unit ps --out "$out" | tee "$out/table.txt"
echo "whole bench: $(( $(date +%s) - start )) s"
