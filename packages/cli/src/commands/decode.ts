/**
 * `embedcg decode`: what the CVs mean. Decoder means μ_θ(z) along a grid of latent values
 * (1-D: z ∈ [−r, r]; 2-D: a grid × grid lattice; more dimensions: the first two vary, the rest
 * stay 0), written as a multi-model PDB (or DCD + PDB topology) and a CSV of z, φ/ψ and U.
 */
import type { CommandModule } from 'yargs';
import * as tf from '@embedcg/core/tf';
import { extname, join } from 'node:path';
import { openRun, selectBackend } from '@embedcg/core';
import { writeDcd, writePdb } from '@embedcg/core/molecules';
import { log } from '../context.js';
import { runAccess, withRunAccess, type RunAccessArgs } from '../run-access.js';
import { UsageError } from '../errors.js';
import { backboneAnglesDeg, writeCsv } from './cvs.js';
import { POSITIVE, numberOption } from '../numbers.js';
import { checkOutputFile, siblings } from '../output-paths.js';

interface DecodeArgs extends RunAccessArgs {
  run: string;
  grid?: number;
  range: number;
  out?: string;
}

/** Latent grid points, row-major (z1 slowest), n × L. */
export function latentGrid(L: number, points: number, range: number): { z: Float32Array; n: number } {
  const axis = Array.from({ length: points }, (_, i) => (points === 1 ? 0 : -range + (2 * range * i) / (points - 1)));
  const varying = Math.min(L, 2);
  const n = varying === 1 ? points : points * points;
  const z = new Float32Array(n * L);
  for (let i = 0; i < n; i++) {
    if (varying === 1) z[i * L] = axis[i]!;
    else {
      z[i * L] = axis[Math.floor(i / points)]!;
      z[i * L + 1] = axis[i % points]!;
    }
  }
  return { z, n };
}

export const decodeCommand: CommandModule<object, DecodeArgs> = {
  command: 'decode <run>',
  describe:
    'Decoder means along a grid of latent values (what each CV does): multi-model PDB or DCD, plus CSV with z, φ/ψ and energy',
  builder: (y) =>
    withRunAccess(y)
      .positional('run', { type: 'string', demandOption: true, describe: 'Run directory' })
      .option(
        'grid',
        numberOption(
          'grid',
          { integer: true, min: 2 },
          {
            describe: 'Points per latent axis (default 101 for one CV, 21 for two or more)',
          },
        ),
      )
      .option(
        'range',
        numberOption('range', POSITIVE, {
          default: 3,
          describe: 'Latent values run from −range to +range (prior standard deviations)',
        }),
      )
      .option('out', {
        type: 'string',
        describe:
          'Output .pdb (multi-model) or .dcd (+ .pdb topology); default RUN/decoded.pdb. The CSV goes beside it',
      })
      .example(
        '$0 decode runs/ala2 --grid 21 --out decoded.pdb',
        '441 structures on a 21 × 21 latent grid, decoded.csv with z1,z2,phi,psi,energy',
      ),
  handler: async (argv) => {
    if (!(argv.range > 0)) throw new UsageError(`--range must be positive, got ${argv.range}`);
    const out = argv.out ?? join(argv.run, 'decoded.pdb');
    const ext = extname(out).toLowerCase();
    if (ext !== '.pdb' && ext !== '.dcd')
      throw new UsageError(`--out ${out}: unsupported extension "${ext}"; use .pdb or .dcd`);
    // The default goes into the run folder, which openRun checks first.
    const checkOut = () => {
      for (const p of [out, ...siblings(out, ext, ext === '.dcd' ? ['.pdb', '.csv'] : ['.csv'])])
        checkOutputFile('--out', p);
    };
    if (argv.out !== undefined) checkOut();
    await selectBackend('auto', () => {});
    const run = await openRun(argv.run, runAccess(argv));
    try {
      if (argv.out === undefined) checkOut();
      const p = run.plugins;
      const model = p.model;
      if (!model.decode || !model.latentDimension)
        throw new UsageError(
          `model "${model.name}" has no decoder of latent values; decode needs a latent-variable model`,
        );
      const L = model.latentDimension;
      const points = argv.grid ?? (L === 1 ? 101 : 21);
      if (!Number.isInteger(points) || points < 1)
        throw new UsageError(`--grid must be a positive integer, got ${argv.grid}`);
      if (L > 2) log(`decode: the model has ${L} CVs; z1 and z2 vary, the others stay at 0`);
      const { z, n } = latentGrid(L, points, argv.range);
      const yv = tf.tidy(() => model.decode!(tf.tensor2d(z, [n, L])).dataSync() as Float32Array);
      const y = Float64Array.from(yv);
      const ff = p.forceField;
      const x = p.transform ? p.transform.forward64(y, n).x : y;
      const energies = (await ff.inner.evaluate(x, n, { energiesOnly: true })).energies;
      const top = ff.topology;
      if (!top)
        throw new UsageError(
          `force field "${ff.name}" has no atoms; decode writes molecular structures (use \`embedcg sample\` for other systems)`,
        );
      const base = out.slice(0, -ext.length);
      const files: string[] = [];
      if (ext === '.pdb') {
        writePdb(
          out,
          { atoms: top.atoms, nFrames: n, positions: x },
          { title: `embedcg decoded latent grid (${n} models)`, bonds: top.bonds },
        );
        files.push(out);
      } else {
        writeDcd(out, x, top.atoms.length, { title: 'embedcg decoded latent grid' });
        writePdb(
          `${base}.pdb`,
          { atoms: top.atoms, nFrames: 1, positions: x.slice(0, 3 * top.atoms.length) },
          { title: 'embedcg decoded topology', bonds: top.bonds },
        );
        files.push(out, `${base}.pdb`);
      }
      const ang = backboneAnglesDeg(ff, x, n);
      const header = [...Array.from({ length: L }, (_, l) => `z${l + 1}`), ...(ang?.header ?? []), 'energy_kJmol'];
      await writeCsv(`${base}.csv`, header, n, (i) => [
        ...Array.from({ length: L }, (_, l) => z[i * L + l]!.toPrecision(6)),
        ...(ang?.columns.map((c) => c[i]!.toFixed(3)) ?? []),
        energies[i]!,
      ]);
      files.push(`${base}.csv`);
      log(`decoded ${n} latent points: ${files.join(', ')}`);
    } finally {
      await run.plugins.forceField.dispose();
    }
  },
};
