#!/usr/bin/env bash
# Installs missing packages, then configures and builds dynae into build/.
# Extra arguments go to cmake (e.g. -DTorch_DIR=/opt/libtorch/share/cmake/Torch).
# DYNAE_BUILD_TARGET=dynae_cli builds only the command-line tool (what the demo needs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j "$(nproc)" ${DYNAE_BUILD_TARGET:+--target "$DYNAE_BUILD_TARGET"}
