import type { CommandModule } from 'yargs';
import { openRun, runMetrics, selectBackend, targetBeta, type OpenedRun } from '@embedcg/core';
import { molecularMetrics, type ReferenceSet } from '@embedcg/core/molecules';
import { log } from '../context.js';
import { runAccess, withRunAccess, type RunAccessArgs } from '../run-access.js';
import { checkLatentSamples, latentSamplesOption, printMetrics } from '../evaluation.js';
import { UsageError } from '../errors.js';
import { latentOf, readTrajectories } from './cvs.js';
import { isSeriesPath, readReferenceSeries } from '../reference-series.js';
import { applyChirality, chiralityOption, type ChiralityMode } from '../chirality.js';
import { WHOLE_NONNEGATIVE, WHOLE_POSITIVE, numberOption } from '../numbers.js';

interface EvaluateArgs extends RunAccessArgs {
  run: string;
  json: boolean;
  n?: number;
  reference?: string[];
  skip: number;
  stride: number;
  chirality: ChiralityMode;
  latentSamples?: number;
}

export const evaluateCommand: CommandModule<object, EvaluateArgs> = {
  command: 'evaluate <run>',
  describe: 'Recompute and print the metrics of a trained run (with --reference: molecular metrics against MD)',
  builder: (y) =>
    withRunAccess(y)
      .positional('run', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
      .option(
        'n',
        numberOption('n', WHOLE_POSITIVE, { describe: "Samples (default: the config's evaluation.samples)" }),
      )
      .option('latent-samples', latentSamplesOption)
      .option('reference', {
        type: 'string',
        array: true,
        describe:
          'Reference trajectories (.dcd/.pdb) or MD series (.csv/.csv.gz from tools/md-series.mjs), one per independent run: Ramachandran KL/JS, ΔF, basin populations (per residue and joint for longer peptides), energy and Rg distances, chirality, CV quality',
      })
      .option(
        'skip',
        numberOption('skip', WHOLE_NONNEGATIVE, {
          default: 0,
          describe: 'Reference frames to drop at the start of each file (equilibration)',
        }),
      )
      .option(
        'stride',
        numberOption('stride', WHOLE_POSITIVE, { default: 1, describe: 'Keep every stride-th reference frame' }),
      )
      .option('chirality', {
        ...chiralityOption,
        describe:
          'With --reference: filter drops wrong-enantiomer samples before the molecular metrics (weights renormalised); report only reports the rate',
      })
      .example('$0 evaluate runs/dw --json', 'metrics as JSON')
      .example(
        '$0 evaluate runs/ala2 --reference md1.dcd md2.dcd --skip 100 --json',
        'molecular metrics against two MD runs',
      ),
  handler: async (argv) => {
    await selectBackend('auto', () => {});
    const run = await openRun(argv.run, runAccess(argv));
    try {
      // Evaluations already spent in training count toward the total.
      run.plugins.forceField.evaluations = run.state.energyEvaluations;
      const { metrics, samples } = await runMetrics(
        run.config,
        run.plugins,
        run.state.wallSeconds,
        argv.n,
        checkLatentSamples(argv.latentSamples, run.plugins.model),
      );
      let all: Record<string, unknown> = metrics;
      if (argv.reference?.length) {
        const p = run.plugins;
        const ff = p.forceField;
        if (!ff.topology)
          throw new UsageError(
            `--reference: force field "${ff.name}" has no atoms; molecular metrics need a molecular system`,
          );
        const series = argv.reference.filter(isSeriesPath);
        if (series.length && series.length !== argv.reference.length)
          throw new UsageError('--reference: give trajectories (.dcd/.pdb) or MD series (.csv/.csv.gz), not both');
        const reference = series.length
          ? readReferenceSeries(series, ff.topology, { skip: argv.skip, stride: argv.stride })
          : await trajectoryReference(argv.reference, ff, p, { skip: argv.skip, stride: argv.stride });
        log(`molecular metrics against ${reference.n} reference frames from ${argv.reference.length} file(s)`);
        const filtered = argv.chirality === 'filter' ? applyChirality('filter', samples, ff) : undefined;
        const s = filtered?.samples ?? samples;
        const mol = molecularMetrics({
          topology: ff.topology,
          beta: targetBeta(run.config),
          samples: { x: s.x, n: s.n, energies: s.energies, logw: s.logw },
          reference,
          // A series has no coordinates: the handedness comes from the system's own structure.
          chiralityReference: series.length ? ff.initialPositions : undefined,
          seed: run.config.seed,
        });
        all = { ...metrics, ...mol };
        // After filtering, mol.chirality.wrongRate is 0 by construction; keep the model's own rate.
        if (filtered)
          all = { ...all, 'mol.chirality.filtered': 1, 'mol.chirality.wrongRateUnfiltered': filtered.wrongRate ?? 0 };
      }
      if (argv.json) process.stdout.write(JSON.stringify(all, null, 2) + '\n');
      else printMetrics(all);
    } finally {
      await run.plugins.forceField.dispose();
    }
  },
};

/** Reference frames from trajectories, their energies (uncounted) and the model's latent CVs of them. */
async function trajectoryReference(
  paths: string[],
  ff: OpenedRun['plugins']['forceField'],
  p: OpenedRun['plugins'],
  o: { skip: number; stride: number },
): Promise<ReferenceSet> {
  const ref = readTrajectories(paths, ff, o);
  // Reference energies are the reference's cost, not the model's: evaluate them uncounted.
  const energies = new Float64Array(ref.n);
  const D = ff.dimension;
  for (let s = 0; s < ref.n; s += 5000) {
    const b = Math.min(5000, ref.n - s);
    energies.set((await ff.inner.evaluate(ref.x.subarray(s * D, (s + b) * D), b, { energiesOnly: true })).energies, s);
  }
  const latent =
    p.model.encode && p.model.latentDimension ? latentOf(p.model, p.transform, ref.x, ref.n, D) : undefined;
  return { x: ref.x, n: ref.n, energies, runLengths: ref.runLengths, latent, latentDim: p.model.latentDimension };
}
