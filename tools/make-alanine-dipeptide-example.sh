#!/bin/sh
# Regenerates examples/alanine-dipeptide/ with the project's own tools (see its README): the
# structure from its sequence (ideal internal coordinates, OpenMM's Modeller hydrogens, minimised).
# Needs OpenMM for /usr/bin/python3 (or PYTHON=...) and a built workspace (npm run build).
set -e
cd "$(dirname "$0")/.."
PY="${PYTHON:-/usr/bin/python3}"
OUT=examples/alanine-dipeptide
mkdir -p "$OUT"
node packages/cli/dist/bin.js prepare --python "$PY" --sequence ACE-ALA-NME --forcefield amber96.xml amber96_obc.xml \
  --out "$OUT/system-obc2.json" --out-pdb "$OUT/ala2.pdb"
node packages/cli/dist/bin.js prepare --python "$PY" --pdb "$OUT/ala2.pdb" --forcefield amber96.xml \
  --out "$OUT/system-vacuum.json"
