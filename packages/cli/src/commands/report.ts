import type { CommandModule } from 'yargs';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  createRng,
  drawSamples,
  encodeConfigurations,
  openRun,
  selectBackend,
  targetBeta,
  type ForceField,
} from '@embedcg/core';
import { backboneDihedrals, dihedralSeries } from '@embedcg/core/molecules';
import { writeReport, type ReportData } from '@embedcg/viz';
import { log } from '../context.js';
import { readTrajectories } from './cvs.js';
import { runAccess, withRunAccess, type RunAccessArgs } from '../run-access.js';
import { UsageError } from '../errors.js';
import { WHOLE_NONNEGATIVE, WHOLE_POSITIVE, numberOption } from '../numbers.js';
import { checkOutputFolder } from '../output-paths.js';

interface ReportArgs extends RunAccessArgs {
  run: string;
  n: number;
  reference?: string;
  seed: number;
}

/** A synchronous energy function for 2-D force fields (contour plots); undefined when async. */
function syncEnergy(ff: ForceField): ((x: number, y: number) => number) | undefined {
  if (ff.dimension !== 2) return undefined;
  const buf = new Float64Array(2);
  const probe = ff.evaluate(buf, 1, { energiesOnly: true });
  if (probe instanceof Promise) {
    probe.catch(() => {});
    return undefined;
  }
  return (x, y) => {
    buf[0] = x;
    buf[1] = y;
    return (ff.evaluate(buf, 1, { energiesOnly: true }) as { energies: Float64Array }).energies[0]!;
  };
}

/** Plot ranges covering the bulk of the samples (0.5–99.5 %), padded. */
function range(values: Float64Array, stride: number, offset: number): [number, number] {
  const v = Float64Array.from({ length: values.length / stride }, (_, i) => values[i * stride + offset]!)
    .filter(Number.isFinite)
    .sort();
  if (v.length === 0) return [-1, 1];
  const lo = v[Math.floor(0.005 * (v.length - 1))]!,
    hi = v[Math.ceil(0.995 * (v.length - 1))]!;
  const pad = 0.15 * (hi - lo || 1);
  return [lo - pad, hi + pad];
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <run>',
  describe: 'Write RUN/report/index.html (self-contained, with plots and a 3-D viewer for molecules) and the PNGs',
  builder: (y) =>
    withRunAccess(y)
      .positional('run', { type: 'string', demandOption: true, describe: 'Run directory' })
      .option('n', numberOption('n', WHOLE_POSITIVE, { default: 5000, describe: 'Model samples drawn for the plots' }))
      .option('reference', {
        type: 'string',
        describe: 'Reference trajectory (.dcd with its sibling .pdb, or .pdb) for molecular comparisons',
      })
      .option('seed', numberOption('seed', WHOLE_NONNEGATIVE, { default: 2, describe: 'Seed of the draw' }))
      .example('$0 report runs/dw', 'open runs/dw/report/index.html in a browser'),
  handler: async (argv) => {
    if (!Number.isInteger(argv.n) || argv.n < 10) throw new UsageError(`-n must be an integer ≥ 10, got ${argv.n}`);
    if (argv.reference && !existsSync(argv.reference))
      throw new UsageError(`--reference ${argv.reference}: no such file`);
    checkOutputFolder('report folder', join(argv.run, 'report'));
    await selectBackend('auto', () => {});
    const run = await openRun(argv.run, runAccess(argv));
    try {
      const p = run.plugins;
      const beta = targetBeta(run.config);
      const s = await drawSamples({
        model: p.model,
        transform: p.transform,
        forceField: p.forceField,
        n: argv.n,
        beta,
        rng: createRng(argv.seed),
        latentSamples: run.config.evaluation.latentSamples,
      });
      const latent = s.z && p.model.encode ? encodeConfigurations(p.model, p.transform, s.x, s.n) : undefined;
      const data: ReportData = {
        beta,
        samples: {
          positions: s.x,
          n: s.n,
          dimension: s.dimension,
          logw: s.logw,
          energies: s.energies,
          beta,
          latent,
          latentDim: latent ? p.model.latentDimension : undefined,
        },
      };
      const energy = syncEnergy(p.forceField.inner);
      if (energy) {
        data.potential = { energy, xRange: range(s.x, 2, 0), yRange: range(s.x, 2, 1), xLabel: 'x1', yLabel: 'x2' };
      }
      const top = p.forceField.topology;
      if (top) {
        data.topology = top;
        const bb = backboneDihedrals(top);
        if (bb.phi.length) {
          const D = s.dimension;
          data.dihedrals = {
            model: { phi: dihedralSeries(s.x, D, s.n, bb.phi[0]!), psi: dihedralSeries(s.x, D, s.n, bb.psi[0]!) },
          };
          if (argv.reference) {
            // Count and atom order checked as for evaluate --reference (a DCD by its sibling PDB).
            const ref = readTrajectories([argv.reference], p.forceField);
            data.dihedrals.reference = {
              phi: dihedralSeries(ref.x, D, ref.n, bb.phi[0]!),
              psi: dihedralSeries(ref.x, D, ref.n, bb.psi[0]!),
            };
          }
        }
      }
      const out = await writeReport(run.runDir, data);
      for (const w of out.warnings) log(`warning: ${w}`);
      log(`wrote ${join(argv.run, relative(run.runDir, out.index))} and ${out.files.length} files`);
    } finally {
      await run.plugins.forceField.dispose();
    }
  },
};
