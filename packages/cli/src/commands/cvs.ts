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
  createRng,
  drawSamples,
  encodeConfigurations,
  openRun,
  selectBackend,
  targetBeta,
  type OpenedRun,
  type CoordinateTransform,
  type ForceField,
  type Model,
} from '@embedcg/core';
import {
  backboneDihedrals,
  checkAtomOrder,
  latentCapture,
  latentCaptureMetrics,
  residueAngles,
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
import { formatLatentCapture } from '../latent-capture-report.js';

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

/**
 * φ/ψ (degrees) of every residue that has both, as CSV columns: "phi", "psi" for a single residue
 * (alanine dipeptide), "phi_ALA2", "psi_ALA2", … for several; undefined without a backbone.
 */
export function backboneAnglesDeg(
  ff: Pick<ForceField, 'topology' | 'dimension'>,
  x: Float64Array,
  n: number,
): { header: string[]; columns: Float64Array[] } | undefined {
  if (!ff.topology || backboneDihedrals(ff.topology).phi.length === 0) return undefined;
  const residues = residueAngles(ff.topology, { x, n });
  const deg = (a: Float64Array) => a.map((v) => (v * 180) / Math.PI);
  const one = residues.length === 1;
  return {
    header: residues.flatMap((r) => (one ? ['phi', 'psi'] : [`phi_${r.label}`, `psi_${r.label}`])),
    columns: residues.flatMap((r) => [deg(r.phi), deg(r.psi)]),
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
  coords?: string[];
  samples?: number;
  seed: number;
  out?: string;
  skip: number;
  stride: number;
  capture: boolean;
  json: boolean;
  bins: number;
}

/** Frames and their latent values: a trajectory's encoder means, or the model's draws with their z. */
async function framesWithLatent(
  run: OpenedRun,
  argv: CvsArgs,
): Promise<{ x: Float64Array; n: number; z: Float64Array; source: string }> {
  const p = run.plugins;
  const ff = p.forceField;
  if (argv.coords?.length) {
    const fr = readTrajectories(argv.coords, ff, { skip: argv.skip, stride: argv.stride });
    const z = latentOf(p.model, p.transform, fr.x, fr.n, ff.dimension);
    return { x: fr.x, n: fr.n, z, source: `${argv.coords.join(', ')}, z = encoder means` };
  }
  if (!p.model.latentDimension)
    throw new UsageError(`--samples: model "${p.model.name}" has no latent variables: it gives no CVs`);
  // No energies: what z captures is a property of the model's draws, not of their weights.
  const s = await drawSamples({
    model: p.model,
    transform: p.transform,
    n: argv.samples!,
    beta: targetBeta(run.config),
    rng: createRng(argv.seed),
    batchSize: run.config.evaluation.batchSize,
  });
  if (!s.z) throw new UsageError(`--samples: model "${p.model.name}" does not return the latent values of its draws`);
  return { x: s.x, n: s.n, z: s.z, source: `${s.n} model draws, seed ${argv.seed}, z as drawn` };
}

/** Checks that need no run: one frame source, something to do, bins. */
function checkCvsArgs(argv: CvsArgs): void {
  if (Boolean(argv.coords?.length) === (argv.samples !== undefined))
    throw new UsageError(
      'give --coords FILES (the encoder means of trajectory frames) or --samples N (model draws with their latent z), one of them',
    );
  if (!argv.out && !argv.capture) throw new UsageError('nothing to do: give --out CSV, --capture, or both');
  if (argv.out) checkOutputFile('--out', argv.out);
}

export const cvsCommand: CommandModule<object, CvsArgs> = {
  command: 'cvs <run>',
  describe:
    'Latent CVs of trajectory frames (encoder means) or of model draws, with φ/ψ of every residue, as CSV; --capture: which torsions and states each CV captures',
  builder: (y) =>
    withRunAccess(y)
      .positional('run', { type: 'string', demandOption: true, describe: 'Run directory' })
      .option('coords', {
        type: 'string',
        array: true,
        describe: 'Trajectory files (.dcd or .pdb), concatenated in order; z = encoder means',
      })
      .option(
        'samples',
        numberOption('samples', WHOLE_POSITIVE, {
          describe:
            'Instead of --coords: draw this many configurations from the model, each with the latent z it was drawn with',
        }),
      )
      .option('seed', numberOption('seed', WHOLE_NONNEGATIVE, { default: 1, describe: 'Seed of the --samples draw' }))
      .option('out', { type: 'string', describe: 'Output CSV: frame,z1..zd[,phi,psi per residue]' })
      .option('capture', {
        type: 'boolean',
        default: false,
        describe:
          'Print what each latent coordinate captures: mutual information and circular-linear correlation with every φ, ψ and methyl rotor, and each residue and joint state along every z',
      })
      .option('json', { type: 'boolean', default: false, describe: 'With --capture: print the numbers as JSON' })
      .option(
        'bins',
        numberOption('bins', WHOLE_POSITIVE, { default: 16, describe: 'With --capture: histogram bins per axis' }),
      )
      .option(
        'skip',
        numberOption('skip', WHOLE_NONNEGATIVE, { default: 0, describe: 'Frames to drop at the start of each file' }),
      )
      .option('stride', numberOption('stride', WHOLE_POSITIVE, { default: 1, describe: 'Keep every stride-th frame' }))
      .example('$0 cvs runs/ala2 --coords ref.dcd --out cvs.csv', 'z1,z2 and φ/ψ (degrees) per frame')
      .example(
        '$0 cvs runs/ala4 --samples 20000 --capture',
        'which torsions and states each latent coordinate captures',
      ),
  handler: async (argv) => {
    checkCvsArgs(argv);
    await selectBackend('auto', () => {});
    const run = await openRun(argv.run, runAccess(argv));
    try {
      const ff = run.plugins.forceField;
      if (argv.capture && !ff.topology)
        throw new UsageError(
          `--capture: force field "${ff.name}" has no atoms; the capture needs a molecule's torsions`,
        );
      const { x, n, z, source } = await framesWithLatent(run, argv);
      const L = run.plugins.model.latentDimension!;
      if (argv.out) {
        const ang = backboneAnglesDeg(ff, x, n);
        const header = ['frame', ...Array.from({ length: L }, (_, l) => `z${l + 1}`), ...(ang?.header ?? [])];
        await writeCsv(argv.out, header, n, (i) => [
          i,
          ...Array.from({ length: L }, (_, l) => z[i * L + l]!),
          ...(ang?.columns.map((c) => c[i]!.toFixed(3)) ?? []),
        ]);
        log(`wrote CVs of ${n} frames to ${argv.out}`);
      }
      if (argv.capture) {
        const c = latentCapture({ topology: ff.topology!, x, n, z, latentDim: L, bins: argv.bins });
        if (argv.json) process.stdout.write(JSON.stringify(latentCaptureMetrics(c), null, 2) + '\n');
        else process.stdout.write(formatLatentCapture(c, source));
      }
    } finally {
      await run.plugins.forceField.dispose();
    }
  },
};
