#!/usr/bin/env bash
# Whole-process speed against the reference implementation (tiwarylab/DynamicsAE,
# Python + PyTorch), side by side on the bundled data: `dynae train` and the
# reference's main.py, each at its own defaults with 20 epochs and one thread,
# in alternating pairs so that both see the same host. Prints each pair's wall
# times and the ratio of the medians. OTHER=path/to/another/dynae adds a third
# column (e.g. an older build of dynae) in the same rounds.
#   bash bench/reference_speed.sh REFERENCE_DIR [PAIRS=3] [EPOCHS=20]
# REFERENCE_DIR holds the reference's main.py, models/, utils.py and
# examples/three_state_transformed_traj_data200k.npy; it needs python3 with
# torch and numpy (Debian: python3-torch). Nothing is written into it: each run
# works in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
REF=${1:?usage: bash bench/reference_speed.sh REFERENCE_DIR [PAIRS] [EPOCHS]}
PAIRS=${2:-3}
EPOCHS=${3:-20}
DYNAE=${DYNAE:-build/dynae}
PYTHON=${PYTHON:-/usr/bin/python3}
REF=$(cd "$REF" && pwd)
[ -x "$DYNAE" ] || { echo "no $DYNAE: build first (bash scripts/build.sh)" >&2; exit 1; }
[ -f "$REF/main.py" ] || { echo "$REF/main.py: not found (expected the reference implementation's folder)" >&2; exit 1; }
data="$REF/examples/three_state_transformed_traj_data200k.npy"
[ -f "$data" ] || { echo "$data: not found" >&2; exit 1; }
"$PYTHON" -c 'import torch, numpy' 2>/dev/null || { echo "$PYTHON has no torch/numpy (Debian: apt-get install python3-torch)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The reference reads its paths relative to its working folder: a folder of links.
mkdir -p "$work/ref/examples"
for f in main.py utils.py models; do ln -s "$REF/$f" "$work/ref/$f"; done
ln -s "$data" "$work/ref/examples/"
sed -e "s/^max_epochs = .*/max_epochs = $EPOCHS/" "$REF/examples/sample_config.ini" > "$work/ref/config.ini"
grep -q "^max_epochs = $EPOCHS$" "$work/ref/config.ini" || { echo "could not set max_epochs in the reference's config" >&2; exit 1; }
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}'; }
run_dynae() { rm -rf "$work/run"; seconds "$1" train --input "$data" --out "$work/run" --epochs "$EPOCHS" --threads 1 --seed 0 -q; }
run_ref() { (cd "$work/ref" && rm -rf Results && OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 seconds "$PYTHON" main.py -config config.ini); }
printf '%-5s %10s %10s %8s %s\n' pair dynae reference ratio "${OTHER:+other}"
rows=()
for p in $(seq "$PAIRS"); do
  a=$(run_dynae "$DYNAE"); b=$(run_ref)
  c=${OTHER:+$(run_dynae "$OTHER")}
  printf '%-5s %10s %10s %8s %s\n' "$p" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", a / b}')" "$c"
  rows+=("$a $b ${c:-0}")
done
printf '%s\n' "${rows[@]}" | awk '
  function median(v, n,   i, j, t) {
    for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  { a[NR] = $1; b[NR] = $2; c[NR] = $3 }
  END {
    ma = median(a, NR); mb = median(b, NR); mc = median(c, NR)
    printf "median: dynae %.2f s, reference %.2f s, dynae / reference %.3f\n", ma, mb, ma / mb
    if (mc > 0) printf "median: other %.2f s, dynae / other %.3f\n", mc, ma / mc
  }'
