#!/usr/bin/env bash
# Reference MD for a peptide, grown in chunks with `embedcg md --resume`, so that it can stop at any
# time and be extended session by session (see examples/alanine-tetrapeptide/reference/README.md).
#
# usage: tools/reference-md.sh DIR TARGET_NS CHUNK_NS SEED...
#   DIR holds system.json and peptide.pdb (from `embedcg prepare --sequence ...`), or an AMBER
#   system.prmtop and system.inpcrd (run with OBC2, as the alanine-flow bench's reference); run SEED writes
#   DIR/seedSEED.dcd (+ .pdb, .energies.csv, .chk). The seeds are extended in turn, CHUNK_NS each,
#   until every one reaches TARGET_NS or the file DIR/STOP exists. 330 K, Langevin 1/ps, 1 fs,
#   a frame (DCD, CSV row, checkpoint) every 1 ps. EMBEDCG (default: npx embedcg) runs the CLI.
set -u
dir=$1 target=$2 chunk=$3
shift 3
cli=${EMBEDCG:-npx embedcg}
cd "$dir" || exit 1
steps_per_ns=1000000
input=(--system-json system.json --coords peptide.pdb)
[[ -e system.prmtop ]] && input=(--prmtop system.prmtop --coords system.inpcrd --solvent obc2)
fails=0
for ((ns = chunk; ; ns += chunk)); do
  ((ns > target)) && ns=$target
  for seed in "$@"; do
    [[ -e STOP ]] && { echo "$(date -u +%FT%TZ) STOP file: stopping"; exit 0; }
    out=seed$seed.dcd
    resume=()
    if [[ -e seed$seed.chk.json ]]; then
      resume=(--resume)
      done_steps=$(sed -E 's/.*"step": *([0-9]+).*/\1/' "seed$seed.chk.json")
      ((done_steps >= ns * steps_per_ns)) && continue
    fi
    echo "$(date -u +%FT%TZ) seed $seed -> ${ns} ns"
    if ! $cli md "${input[@]}" --temperature 330 --friction 1 \
      --timestep 0.001 --interval 1000 --steps $((ns * steps_per_ns)) --seed "$seed" \
      --platform Reference --out "$out" "${resume[@]}" </dev/null; then
      ((++fails >= 5)) && { echo "$(date -u +%FT%TZ) 5 failures: giving up"; exit 1; }
      sleep 30
    else
      fails=0
    fi
  done
  ((ns >= target)) && { echo "$(date -u +%FT%TZ) all seeds at ${target} ns"; exit 0; }
done
