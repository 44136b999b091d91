#!/usr/bin/env bash
# Installs the Debian 12 packages dynae builds with, when missing (run as root).
#   libtorch-dev           LibTorch (CPU), the PyTorch C++ frontend
#   libopenblas0-pthread   fast BLAS/LAPACK; LibTorch picks it up through Debian's
#                          alternatives (the default reference BLAS is ~20x slower)
#   libblas-dev            CBLAS header and link library (cblas_sgemm of the fused kernels)
#   libeigen3-dev          Eigen (header-only): vectorised tanh of the fused kernels
#   libcli11-dev           command-line parsing;  libinih-dev: INI parsing
#   libboost-dev           Boost headers (pdqsort for the sliced-Wasserstein sorts)
#   libmuparser-dev        muParser, for potentials typed as expressions (dynae simulate)
#   gnuplot-nox            gnuplot (png/svg terminals), drives the pictures (dynae report)
#   libopenmm-dev          OpenMM 7.7 C++ API: molecular dynamics (simulate --system alanine_dipeptide)
#   libopenmm-plugins      OpenMM's CPU platform (a plugin; without it only the slow Reference platform)
#   libgloo-dev            Gloo's headers: the collectives of data-parallel training (c10d's
#                          ProcessGroupGloo header includes them)
#   libgtest-dev           GoogleTest;  cmake, g++, make: the toolchain
#   pybind11-dev, python3-dev, python3-numpy
#                          the Python package `dynae` (python/; built where they are found)
#   python3-pytest         (tests only) the Python package's test suite (tests/python)
#   python3-torch          (tests only, DYNAE_TEST_DEPS=1 as scripts/test.sh sets it): Python
#                          loads an exported model (tests/export_python.py)
#   python3-simtk          (tests only) OpenMM's Python API: the energy of the shipped molecule
#                          computed independently (tests/openmm_energy.py)
set -euo pipefail
PACKAGES=(cmake g++ make libtorch-dev libopenblas0-pthread libblas-dev libeigen3-dev libgtest-dev libcli11-dev libinih-dev libboost-dev libmuparser-dev gnuplot-nox libopenmm-dev libopenmm-plugins libgloo-dev pybind11-dev python3-dev python3-numpy)
if [ "${DYNAE_TEST_DEPS:-0}" = 1 ]; then PACKAGES+=(python3-torch python3-simtk python3-pytest); fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > /tmp/dynae-apt.log 2>&1 || {
    tail -20 /tmp/dynae-apt.log >&2
    exit 1
  }
fi
# Make sure OpenBLAS, not the reference BLAS, is what libblas.so.3 points at.
for alt in libblas.so.3-x86_64-linux-gnu liblapack.so.3-x86_64-linux-gnu; do
  target=$(update-alternatives --list "$alt" 2>/dev/null | grep openblas-pthread | head -n 1 || true)
  if [ -n "$target" ] && [ "$(id -u)" -eq 0 ]; then update-alternatives --set "$alt" "$target" > /dev/null; fi
done
