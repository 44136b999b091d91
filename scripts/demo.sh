#!/usr/bin/env bash
# Set-up and main job in one: install what is missing, build the command-line
# tool (only it: the tests, benchmarks and Python package are scripts/test.sh's
# and scripts/build.sh's), then train DynAE on the bundled warped three-state
# trajectory (reference defaults, 50 epochs) and print the identifiability
# metrics against the bundled ground truth.
set -euo pipefail
cd "$(dirname "$0")/.."
DYNAE_BUILD_TARGET=dynae_cli bash scripts/build.sh
./build/dynae demo --overwrite "$@"  # replaces the previous demo output in dynae_demo_out/
