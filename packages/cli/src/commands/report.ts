import type { CommandModule } from 'yargs';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  encodeConfigurations,
  openRun,
  runMetrics,
  selectBackend,
  targetBeta,
  type ForceField,
  type OpenedRun,
  type SampleSet,
} from '@embedcg/core';
import { backboneDihedrals, residueAngles, type ReferenceSet, type ResidueAngles } from '@embedcg/core/molecules';
import { readRun, writeReport, type ReportData } from '@embedcg/viz';
import { log } from '../context.js';
import { runAccess, withRunAccess, type RunAccessArgs } from '../run-access.js';
import { UsageError } from '../errors.js';
import { WHOLE_NONNEGATIVE, WHOLE_POSITIVE, numberOption } from '../numbers.js';
import { checkOutputFolder } from '../output-paths.js';
import { molecularReference } from '../molecular-reference.js';
import { parseRange, plotFrame, type Frame } from '../report-frame.js';

interface ReportArgs extends RunAccessArgs {
  run: string;
  n?: number;
  reference?: string[];
  seed?: number;
  range?: string;
}

/**
 * Counts of a fresh evaluation that describe the run, not the samples: the report's own draw would
 * show as the run's cost, so only the stored values appear.
 */
const RUN_COST_KEYS = ['energyEvaluations', 'evaluationEnergyEvaluations'];

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

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <run>',
  describe: 'Write RUN/report/index.html (self-contained, with plots and a 3-D viewer for molecules) and the PNGs',
  builder: (y) =>
    withRunAccess(y)
      .positional('run', { type: 'string', demandOption: true, describe: 'Run directory' })
      .option(
        'n',
        numberOption('n', WHOLE_POSITIVE, {
          describe: "Model samples for the plots and numbers (default: the config's evaluation.samples, as evaluate)",
        }),
      )
      .option('reference', {
        type: 'string',
        array: true,
        describe:
          'Reference trajectories (.dcd with its sibling .pdb, or .pdb) or MD series (.csv/.csv.gz), one per independent run, for molecular comparisons as evaluate --reference',
      })
      .option(
        'seed',
        numberOption('seed', WHOLE_NONNEGATIVE, {
          describe: "Seed of the draw (default: the run's seed, so the numbers match evaluate's)",
        }),
      )
      .option('range', {
        type: 'string',
        describe: "x0,x1,y0,y1: frame of 2-D plots (default: the force field's reference basins and the samples)",
      })
      .example('$0 report runs/dw', 'open runs/dw/report/index.html in a browser'),
  handler: async (argv) => {
    if (argv.n !== undefined && argv.n < 10) throw new UsageError(`-n must be an integer ≥ 10, got ${argv.n}`);
    const frame = argv.range !== undefined ? parseRange(argv.range) : undefined;
    for (const f of argv.reference ?? []) if (!existsSync(f)) throw new UsageError(`--reference ${f}: no such file`);
    checkOutputFolder('report folder', join(argv.run, 'report'));
    await selectBackend('auto', () => {});
    const run = await openRun(argv.run, runAccess(argv));
    try {
      const data = await reportData(run, argv, frame);
      const out = await writeReport(run.runDir, data);
      for (const w of out.warnings) log(`warning: ${w}`);
      log(`wrote ${join(argv.run, relative(run.runDir, out.index))} and ${out.files.length} files`);
    } finally {
      await run.plugins.forceField.dispose();
    }
  },
};

/**
 * What the report shows: evaluate's draw (same seed, same count by default) with its metrics over
 * the stored ones, the potential framed by the reference basins, and the dihedrals of the model
 * and of the reference with evaluate's molecular metrics.
 */
async function reportData(run: OpenedRun, argv: ReportArgs, frame: Frame | undefined): Promise<ReportData> {
  const p = run.plugins;
  if (argv.reference?.length && !p.forceField.topology)
    throw new UsageError(`--reference: force field "${p.forceField.name}" has no atoms; a reference needs a molecule`);
  const beta = targetBeta(run.config);
  const config = argv.seed === undefined ? run.config : { ...run.config, seed: argv.seed };
  const { metrics: fresh, samples: s } = await runMetrics(config, p, run.state.wallSeconds, argv.n);
  const stored = readRun(run.runDir);
  const metrics: Record<string, number | string | null> = { ...stored.metrics };
  // The checkpoint's training time stands in when metrics.json has none (a stopped run).
  for (const [k, v] of Object.entries(fresh))
    if (!RUN_COST_KEYS.includes(k) && !(k === 'wallSeconds' && k in metrics)) metrics[k] = v;
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
    const f = frame ?? plotFrame(p.forceField.inner, beta, s.x);
    data.potential = { energy, xRange: f.xRange, yRange: f.yRange, xLabel: 'x1', yLabel: 'x2' };
  }
  if (p.forceField.topology) await moleculeData(run, argv, s, data, metrics);
  data.run = { ...stored, metrics };
  return data;
}

/**
 * The molecule's part of the report: its topology, and every residue's φ/ψ in the model samples
 * and the reference (trajectory frames or MD series) with evaluate's molecular metrics.
 */
async function moleculeData(
  run: OpenedRun,
  argv: ReportArgs,
  s: SampleSet,
  data: ReportData,
  metrics: Record<string, number | string | null>,
): Promise<void> {
  const top = run.plugins.forceField.topology!;
  data.topology = top;
  if (backboneDihedrals(top).phi.length === 0) return;
  const model = residueAngles(top, s);
  let reference: ReferenceSet['angles'];
  if (argv.reference?.length) {
    const mol = await molecularReference(run, s, argv.reference, { skip: 0, stride: 1, chirality: 'report' });
    reference = mol.frames ? residueAngles(top, mol.frames) : mol.seriesAngles;
    Object.assign(metrics, mol.metrics);
  }
  data.dihedrals = dihedralData(model, reference);
}

/** The first residue's φ/ψ (the dipeptide's plots) and, residue by residue, everyone's. */
function dihedralData(model: ResidueAngles[], reference: ReferenceSet['angles']): NonNullable<ReportData['dihedrals']> {
  const pair = (a: { phi: Float64Array; psi: Float64Array }) => ({ phi: a.phi, psi: a.psi });
  return {
    model: pair(model[0]!),
    ...(reference ? { reference: pair(reference[0]!) } : {}),
    residues: model.map((r, k) => ({
      label: r.label,
      model: pair(r),
      ...(reference ? { reference: pair(reference[k]!) } : {}),
    })),
  };
}
