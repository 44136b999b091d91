#!/usr/bin/env bash
# Set-up and main job in one: build, then train DynAE on the bundled warped
# three-state trajectory (reference defaults, 50 epochs, ~1.5 min) and print
# the identifiability metrics against the bundled ground truth.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
./build/dynae demo --overwrite "$@"  # replaces the previous demo output in dynae_demo_out/
