// The reference MD of the alanine dipeptide benches (ff96 + OBC2 on the shared prmtop, 330 K), from
// one of two places:
//   bench-results/alanine-ref/*.dcd   trajectories of `embedcg md` (gitignored; coordinates, so every
//                                     bench can use them), one file per independent run;
//   examples/alanine-dipeptide/reference/*.csv.gz
//                                     the committed compact series (φ/ψ and the energy per ps, from
//                                     tools/md-series.mjs), which survive between working sessions
//                                     but hold no coordinates: enough for the flow and ΔF benches,
//                                     not for those that encode reference frames.
// Trajectories win when both exist.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { backboneDihedrals, dihedralSeries, readDcd } from '@embedcg/core/molecules';
import { readReferenceSeries } from '../../packages/cli/dist/reference-series.js';
import { repoRoot, sharedDir } from './lib.mjs';

export const refDir = join(repoRoot, 'bench-results', 'alanine-ref');
export const seriesDir = join(repoRoot, 'examples', 'alanine-dipeptide', 'reference');

/** The command that makes one more independent reference run: 40 ns at 1 fs, a frame every 2 ps (26 min on one core). */
export function referenceHint(k = 1) {
  const d = join(sharedDir, 'data/alanine-dipeptide');
  return (
    `node packages/cli/dist/bin.js md --prmtop ${join(d, 'alanine-dipeptide-implicit.prmtop')} --coords ${join(d, 'alanine-dipeptide-implicit.inpcrd')} ` +
    `--solvent obc2 --temperature 330 --steps 40000000 --interval 2000 --platform Reference --seed ${k} --out ${join(refDir, `run${k}.dcd`)}`
  );
}

/** The complete trajectories in refDir; a file touched in the last two minutes is a run in progress. */
function trajectoryFiles() {
  const all = existsSync(refDir)
    ? readdirSync(refDir)
        .filter((f) => f.endsWith('.dcd'))
        .sort()
        .map((f) => join(refDir, f))
    : [];
  // `embedcg md` appends a frame every interval: half a run would bias the reference toward its
  // starting basin.
  return all.filter((f) => {
    const age = (Date.now() - statSync(f).mtimeMs) / 1000;
    if (age < 120)
      console.error(`reference: skipping ${basename(f)}, still being written (modified ${age.toFixed(0)} s ago)`);
    return age >= 120;
  });
}

function concat(parts) {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The committed series after `skip` frames per run, read as `embedcg evaluate --reference` reads
 * them (checked against the system's residues): { n, energies, angles: [{phi, psi}], runLengths, files }.
 */
export function loadReferenceSeries(topology, skip) {
  const files = existsSync(seriesDir)
    ? readdirSync(seriesDir)
        .filter((f) => /\.csv(\.gz)?$/.test(f))
        .sort()
        .map((f) => join(seriesDir, f))
    : [];
  if (files.length === 0) return undefined;
  return { ...readReferenceSeries(files, topology, { skip, stride: 1 }), files };
}

/**
 * The reference after `skip` frames per run: trajectories ({x, n, energies, runLengths, files};
 * energies NaN with `energies: false`, for a bench that needs only geometry) or, when there are
 * none and the caller needs no coordinates, the committed series ({n, energies, angles, …}).
 * Undefined when there is neither.
 */
export async function loadReference(ff, skip, { energies: withEnergies = true, coordinates = true } = {}) {
  const files = trajectoryFiles();
  if (files.length === 0) {
    const series = coordinates ? undefined : loadReferenceSeries(ff.topology, skip);
    if (series)
      console.error(`reference: ${series.files.length} committed series in ${seriesDir} (${series.n} frames)`);
    else
      console.error(
        `no reference trajectory in ${refDir}; make one (or more, with other seeds) with\n  ${referenceHint(1)}`,
      );
    return series;
  }
  const D = ff.dimension;
  const parts = files.map((f) => readDcd(f)).map((t) => t.positions.subarray(Math.min(skip, t.nFrames) * D));
  const runLengths = parts.map((p) => p.length / D);
  const x = concat(parts);
  const n = x.length / D;
  const energies = new Float64Array(n).fill(NaN);
  for (let s = 0; withEnergies && s < n; s += 5000) {
    const b = Math.min(5000, n - s);
    energies.set((await ff.inner.evaluate(x.subarray(s * D, (s + b) * D), b, { energiesOnly: true })).energies, s);
  }
  return { x, n, energies, runLengths, files };
}

/** φ of each reference run after `skip` frames (radians), from trajectories or the committed series. */
export function referencePhi(topology, dimension, skip) {
  const files = trajectoryFiles();
  if (files.length > 0) {
    const [phiQuad] = backboneDihedrals(topology).phi;
    return files.map((f) => {
      const t = readDcd(f);
      const from = Math.min(skip, t.nFrames);
      return dihedralSeries(t.positions.subarray(from * dimension), dimension, t.nFrames - from, phiQuad);
    });
  }
  const series = loadReferenceSeries(topology, skip);
  if (!series) throw new Error(`no reference: neither trajectories in ${refDir} nor series in ${seriesDir}`);
  const out = [];
  let at = 0;
  for (const len of series.runLengths) {
    out.push(series.angles[0].phi.subarray(at, at + len));
    at += len;
  }
  return out;
}
