#!/usr/bin/env bash
# Issue 16's kinetics acceptance on the bundled three-state data: per training
# seed, the slowest two implied timescales (lag 100 frames, where the ground
# truth's have converged: 354 / 300 frames) of the DynAE latent's basins and of
# the model's generated dynamics, against the truth's; the mean of the latent's
# measured diffusion (Model::latent_diffusion, the generated noise) beside them.
#   bash bench/generated_kinetics.sh [OUT_DIR] [SEEDS...]
#   EXTRA="--threads 1" ...   (training options)   KIN="--unit-diffusion" ...   (kinetics options)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out/generated_kinetics}
shift || true
seeds=${*:-0 1 2 3 4}
extra=${EXTRA:-}
kin=${KIN:-}
data=examples/data/three_state_transformed_traj_data200k.npy
truth=examples/data/three_state_traj_data200k.npy
mkdir -p "$out"
for s in $seeds; do
  run="$out/seed$s"
  [ -f "$run/model.pt" ] || build/dynae train --input "$data" --seed "$s" --out "$run" $extra 2> "$run.train.log" > /dev/null
  d=$(grep -o "mean [0-9.]*" "$run.train.log" | grep -o "[0-9.]*$" || echo "n/a")
  build/dynae kinetics --overwrite --model "$run/model.pt" --input "$data" --truth "$truth" --bootstrap 20 $kin \
    --out "$run/kinetics${kin:+_unit}" > "$run.kinetics.log" 2>&1
  awk -v s="$s" -v d="$d" -F'|' '
    /^\| (latent|truth|generated) \|/ { name = $2; gsub(/ /, "", name); if (name in t1) next; split($3, a, " "); split($4, b, " ");
                                       t1[name] = a[1]; t2[name] = b[1] }
    END { printf "seed %s (D mean %s): truth %.0f, %.0f  latent %.0f, %.0f (%+.1f %%, %+.1f %%)  generated %.0f, %.0f (%+.1f %%, %+.1f %%)\n",
                 s, d, t1["truth"], t2["truth"], t1["latent"], t2["latent"], 100 * (t1["latent"] / t1["truth"] - 1),
                 100 * (t2["latent"] / t2["truth"] - 1), t1["generated"], t2["generated"],
                 100 * (t1["generated"] / t1["truth"] - 1), 100 * (t2["generated"] / t2["truth"] - 1) }' "$run.kinetics.log"
done
