import type { CommandModule } from 'yargs';
import { openRun, runMetrics, selectBackend } from '@embedcg/core';
import { runAccess, withRunAccess, type RunAccessArgs } from '../run-access.js';
import { checkLatentSamples, latentSamplesOption, printMetrics } from '../evaluation.js';
import { chiralityOption, type ChiralityMode } from '../chirality.js';
import { molecularReference } from '../molecular-reference.js';
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
      .option(
        'seed',
        numberOption('seed', WHOLE_NONNEGATIVE, {
          describe:
            "Seed of the evaluation's draw (default: the run's seed, as training's own evaluation). Heavy-tailed weights (k̂ > 0.5) give another ESS from every draw: compare a few seeds",
        }),
      )
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
        argv.seed as number | undefined,
      );
      let all: Record<string, unknown> = metrics;
      if (argv.reference?.length) {
        const mol = await molecularReference(run, samples, argv.reference, argv);
        all = { ...metrics, ...mol.metrics };
      }
      if (argv.json) process.stdout.write(JSON.stringify(all, null, 2) + '\n');
      else printMetrics(all);
    } finally {
      await run.plugins.forceField.dispose();
    }
  },
};
