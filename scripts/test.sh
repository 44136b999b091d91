#!/usr/bin/env bash
# Set-up and tests in one: build, then run the GoogleTest suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
DYNAE_TEST_DEPS=1 bash scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)"
