/**
 * `embedcg cvs`: the latent CVs (encoder means z = μ_φ(x)) of every frame of a trajectory, with
 * the backbone dihedrals φ/ψ in degrees when the topology has them. Also home of the helper that
 * reads trajectories for a run (also used by `evaluate --reference`).
 */
import type { CommandModule } from 'yargs';
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { extname } from 'node:path';
import {
  encodeConfigurations,
  openRun,
  selectBackend,
  type CoordinateTransform,
  type ForceField,
  type Model,
} from '@embedcg/core';
import {
  backboneDihedrals,
  checkAtomOrder,
  dihedralSeries,
  readDcd,
  readPdb,
  siblingPdb,
  type NamedCoordinates,
} from '@embedcg/core/molecules';
import { log, warn } from '../context.js';
import { runAccess, withRunAccess, type RunAccessArgs } from '../run-access.js';
import { UsageError } from '../errors.js';
import { WHOLE_NONNEGATIVE, WHOLE_POSITIVE, numberOption } from '../numbers.js';
import { checkOutputFile } from '../output-paths.js';

/** Frames of one or more trajectory files, concatenated, checked against the force field. */
export interface LoadedFrames {
  x: Float64Array;
  n: number;
  /** Frames kept from each file, in order. */
  runLengths: number[];
}

/**
 * Read DCD or PDB trajectories for a force field of `ff.dimension` coordinates. `skip` frames are
 * dropped from the start of each file (equilibration), then every `stride`-th frame is kept.
 */
export function readTrajectories(
  paths: string[],
  ff: Pick<ForceField, 'dimension' | 'name' | 'topology'>,
  o: { skip?: number; stride?: number } = {},
): LoadedFrames {
  const skip = o.skip ?? 0,
    stride = o.stride ?? 1;
  if (!Number.isInteger(skip) || skip < 0) throw new UsageError(`--skip must be a non-negative integer, got ${skip}`);
  if (!Number.isInteger(stride) || stride < 1)
    throw new UsageError(`--stride must be a positive integer, got ${stride}`);
  const D = ff.dimension;
  const parts: Float64Array[] = [];
  const runLengths: number[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError(`${p}: no such file`);
    const ext = extname(p).toLowerCase();
    let nAtoms: number, nFrames: number, positions: Float64Array;
    // Atom names and elements: a PDB's own, a DCD's from its sibling PDB when there is one.
    let named: (NamedCoordinates & { from: string }) | undefined;
    if (ext === '.dcd') {
      ({ nAtoms, nFrames, positions } = readDcd(p, { onWarning: warn }));
      if (ff.topology) named = siblingPdb(p, nAtoms);
    } else if (ext === '.pdb') {
      const f = readPdb(p);
      ({ nFrames, positions } = f);
      nAtoms = f.atoms.length;
      named = { ...f, from: p };
    } else throw new UsageError(`${p}: unsupported trajectory format "${ext}"; use .dcd or .pdb`);
    if (3 * nAtoms !== D) {
      throw new UsageError(
        `${p}: ${nAtoms} atoms, but force field "${ff.name}" has ${D / 3}; the trajectory is of another system`,
      );
    }
    if (named) checkNamedAtomOrder(p, named, ff);
    const keep: number[] = [];
    for (let f = skip; f < nFrames; f += stride) keep.push(f);
    const out = new Float64Array(keep.length * D);
    keep.forEach((f, j) => out.set(positions.subarray(f * D, (f + 1) * D), j * D));
    parts.push(out);
    runLengths.push(keep.length);
  }
  const n = runLengths.reduce((a, b) => a + b, 0);
  if (n === 0) throw new UsageError(`${paths.join(', ')}: no frames left after --skip ${skip}`);
  const x = new Float64Array(n * D);
  let at = 0;
  for (const p of parts) {
    x.set(p, at);
    at += p.length;
  }
  return { x, n, runLengths };
}

/**
 * The same atom count is not the same system: a trajectory whose atoms come in another order
 * (the same molecule from another builder, say) would give energies and CVs of scrambled
 * structures without a word. A DCD carries no atom names, so its sibling PDB (as `embedcg sample`
 * and `embedcg md` write it) stands for it. Core's checkAtomOrder compares residues, elements and
 * names after the usual PDB aliases.
 */
function checkNamedAtomOrder(
  path: string,
  named: NamedCoordinates & { from: string },
  ff: Pick<ForceField, 'name' | 'topology'>,
): void {
  const top = ff.topology;
  if (!top || named.atoms.length !== top.atoms.length) return;
  checkAtomOrder(path, named, top, `force field "${ff.name}"`, named.from);
}

/** Encoder means of n configurations (force-field space), in chunks to bound tfjs memory. */
export function latentOf(
  model: Model,
  transform: CoordinateTransform | undefined,
  x: Float64Array,
  n: number,
  D: number,
  chunk = 5000,
): Float64Array {
  if (!model.encode || !model.latentDimension)
    throw new UsageError(`model "${model.name}" has no encoder: it gives no latent CVs`);
  const L = model.latentDimension;
  const z = new Float64Array(n * L);
  for (let s = 0; s < n; s += chunk) {
    const b = Math.min(chunk, n - s);
    z.set(encodeConfigurations(model, transform, x.subarray(s * D, (s + b) * D), b)!, s * L);
  }
  return z;
}

/** φ/ψ (degrees) of the first residue that has both, or undefined without a backbone. */
export function backboneAnglesDeg(
  ff: Pick<ForceField, 'topology' | 'dimension'>,
  x: Float64Array,
  n: number,
): { phi: Float64Array; psi: Float64Array } | undefined {
  if (!ff.topology) return undefined;
  const bb = backboneDihedrals(ff.topology);
  if (bb.phi.length === 0) return undefined;
  const deg = (a: Float64Array) => a.map((v) => (v * 180) / Math.PI);
  return {
    phi: deg(dihedralSeries(x, ff.dimension, n, bb.phi[0]!)),
    psi: deg(dihedralSeries(x, ff.dimension, n, bb.psi[0]!)),
  };
}

/** Write rows to a CSV file with back-pressure. */
export async function writeCsv(
  path: string,
  header: string[],
  n: number,
  row: (i: number) => Array<number | string>,
): Promise<void> {
  const out = createWriteStream(path);
  out.write(header.join(',') + '\n');
  for (let i = 0; i < n; i++) if (!out.write(row(i).join(',') + '\n')) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

interface CvsArgs extends RunAccessArgs {
  run: string;
  coords: string[];
  out: string;
  skip: number;
  stride: number;
}

export const cvsCommand: CommandModule<object, CvsArgs> = {
  command: 'cvs <run>',
  describe: 'Latent CVs (encoder means) of every frame of a trajectory, with φ/ψ for peptides, as CSV',
  builder: (y) =>
    withRunAccess(y)
      .positional('run', { type: 'string', demandOption: true, describe: 'Run directory' })
      .option('coords', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Trajectory files (.dcd or .pdb), concatenated in order',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'Output CSV: frame,z1..zd[,phi,psi]' })
      .option(
        'skip',
        numberOption('skip', WHOLE_NONNEGATIVE, { default: 0, describe: 'Frames to drop at the start of each file' }),
      )
      .option('stride', numberOption('stride', WHOLE_POSITIVE, { default: 1, describe: 'Keep every stride-th frame' }))
      .example('$0 cvs runs/ala2 --coords ref.dcd --out cvs.csv', 'z1,z2 and φ/ψ (degrees) per frame'),
  handler: async (argv) => {
    checkOutputFile('--out', argv.out);
    await selectBackend('auto', () => {});
    const run = await openRun(argv.run, runAccess(argv));
    try {
      const p = run.plugins;
      const ff = p.forceField;
      const fr = readTrajectories(argv.coords, ff, { skip: argv.skip, stride: argv.stride });
      const z = latentOf(p.model, p.transform, fr.x, fr.n, ff.dimension);
      const L = p.model.latentDimension!;
      const ang = backboneAnglesDeg(ff, fr.x, fr.n);
      const header = ['frame', ...Array.from({ length: L }, (_, l) => `z${l + 1}`), ...(ang ? ['phi', 'psi'] : [])];
      await writeCsv(argv.out, header, fr.n, (i) => [
        i,
        ...Array.from({ length: L }, (_, l) => z[i * L + l]!),
        ...(ang ? [ang.phi[i]!.toFixed(3), ang.psi[i]!.toFixed(3)] : []),
      ]);
      log(`wrote CVs of ${fr.n} frames to ${argv.out}`);
    } finally {
      await run.plugins.forceField.dispose();
    }
  },
};
