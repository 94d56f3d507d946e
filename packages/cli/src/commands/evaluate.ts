import type { CommandModule } from 'yargs';
import { openRun, selectBackend } from '@embedcg/core';
import { assembleOptions } from '../context.js';
import { printMetrics, runMetrics } from '../evaluation.js';

export const evaluateCommand: CommandModule<object, { run: string; json: boolean; n?: number }> = {
  command: 'evaluate <run>',
  describe: 'Recompute and print the metrics of a trained run',
  builder: (y) =>
    y
      .positional('run', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
      .option('n', { type: 'number', describe: 'Samples (default: the config\'s evaluation.samples)' })
      .example('$0 evaluate runs/dw --json', 'metrics as JSON'),
  handler: async (argv) => {
    await selectBackend('auto', () => {});
    const run = await openRun(argv.run, assembleOptions(argv.run));
    try {
      // Evaluations already spent in training count toward the total.
      run.plugins.forceField.evaluations = run.state.energyEvaluations;
      const { metrics } = await runMetrics(run.config, run.plugins, run.state.wallSeconds, argv.n);
      if (argv.json) process.stdout.write(JSON.stringify(metrics, null, 2) + '\n');
      else printMetrics(metrics);
    } finally {
      await run.plugins.forceField.dispose();
    }
  },
};
