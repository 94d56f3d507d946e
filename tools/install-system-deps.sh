#!/usr/bin/env bash
# System packages embedcg's tests and tools need: OpenMM for /usr/bin/python3 (reference energies,
# the OpenMM bridge, reference MD), mdtraj (an independent DCD/PDB reader), Chromium (report tests),
# clang, lld and wabt (CI rebuilds core's SIMD kernels and compares the bytes: tools/build-simd.mjs).
# Idempotent: installs only what is missing.
set -euo pipefail
need=()
/usr/bin/python3 -c 'import openmm' 2>/dev/null || need+=(python3-simtk libopenmm-plugins)
/usr/bin/python3 -c 'import mdtraj' 2>/dev/null || need+=(python3-mdtraj)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v wasm-ld >/dev/null 2>&1 || need+=(lld)
command -v wasm-objdump >/dev/null 2>&1 || need+=(wabt)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
/usr/bin/python3 -c 'import openmm; print("OpenMM", openmm.__version__)'
