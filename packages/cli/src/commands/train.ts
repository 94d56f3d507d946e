import type { CommandModule } from 'yargs';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  assemblePlugins,
  findCheckpoint,
  initModelFrom,
  loadRunConfig,
  selectBackend,
  train,
  writeRunFiles,
  CORE_VERSION,
  type BackendName,
} from '@embedcg/core';
import { assembleOptions, log } from '../context.js';
import { UsageError } from '../errors.js';
import { printMetrics, runMetrics } from '../evaluation.js';
import { WHOLE_POSITIVE, numberOption } from '../numbers.js';

interface TrainArgs {
  config: string;
  out: string;
  resume: boolean;
  initFrom?: string;
  force: boolean;
  backend?: BackendName;
  maxSteps?: number;
  progress: boolean;
  serve: boolean;
  port: number;
  set?: string | string[];
}

/** A --set argument as it would be typed back into a POSIX shell. */
const shellWord = (w: string) => (/^[\w.,:=+/-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train <config>',
  describe:
    'Train a model from a run config (reverse KL with adaptive tempering); writes checkpoints, history.jsonl and metrics.json',
  builder: (y) =>
    y
      .positional('config', { type: 'string', demandOption: true, describe: 'Run config JSON' })
      .option('out', { type: 'string', demandOption: true, describe: 'Run directory' })
      .option('resume', {
        type: 'boolean',
        default: false,
        describe: "Continue from the run directory's last checkpoint",
      })
      .option('init-from', {
        type: 'string',
        describe:
          'Warm start: copy the trained variables of another run by name (new ones, e.g. a flow decoder, keep their initialisation)',
      })
      .option('force', { type: 'boolean', default: false, describe: 'Start over in an existing run directory' })
      .option('backend', {
        choices: ['auto', 'tensorflow', 'wasm', 'cpu'] as const,
        describe: "tfjs backend (default: the config's, else auto)",
      })
      .option(
        'max-steps',
        numberOption('max-steps', WHOLE_POSITIVE, {
          describe: 'Stop after this many steps (with a checkpoint); resume later',
        }),
      )
      .option('progress', { type: 'boolean', default: true, describe: 'Show progress (--no-progress to hide)' })
      .option('serve', { type: 'boolean', default: false, describe: 'Serve live training curves on 127.0.0.1' })
      .option(
        'port',
        numberOption(
          'port',
          { integer: true, min: 0, max: 65535 },
          { default: 0, describe: 'Port for --serve (0 = any free port)' },
        ),
      )
      .option('set', {
        type: 'string',
        describe:
          'Override one config key, path=value (value read as JSON, else as text); repeatable. A resume needs the same --set options',
      })
      .example('$0 train examples/double-well.json --out runs/dw', 'train the double well (about a minute)')
      .example('$0 train examples/double-well.json --out runs/dw --resume', 'continue an interrupted run')
      .example(
        '$0 train vae-flowdecoder.json --out runs/fd --init-from runs/vae',
        'fine-tune a trained VAE with a flow decoder',
      )
      .example(
        '$0 train examples/double-well.json --out runs/dw-s2 --set seed=2 --set model.options.latentDim=2',
        'the same recipe with another seed and a 2-D latent',
      ),
  handler: async (argv) => {
    const overrides = [argv.set ?? []].flat();
    const { config, configDir, path, sources, label } = loadRunConfig(argv.config, overrides);
    const runDir = resolve(argv.out);
    if (!argv.resume && !argv.force && existsSync(join(runDir, 'config.json'))) {
      throw new UsageError(`${argv.out} already holds a run; pass --resume to continue it or --force to start over`);
    }
    if (argv.resume && !findCheckpoint(runDir)) {
      throw new UsageError(`--resume: ${argv.out} holds no checkpoint to resume from`);
    }
    // The backend is logged only once the plugins exist, so a config error stays the only output.
    const backend = await selectBackend(argv.backend ?? config.training.backend);
    const plugins = await assemblePlugins(config, assembleOptions(configDir, label));
    log(`tfjs backend: ${backend}`);
    if (argv.initFrom && argv.resume)
      throw new UsageError('--init-from starts a new run from another one; it cannot be combined with --resume');
    if (argv.initFrom) {
      const { copied, fresh } = initModelFrom(resolve(argv.initFrom), plugins.model);
      log(
        `warm start from ${argv.initFrom}: ${copied.length} variables copied, ${fresh.length} kept fresh${fresh.length ? ` (${fresh.slice(0, 4).join(', ')}${fresh.length > 4 ? ', …' : ''})` : ''}`,
      );
    }
    if (!argv.resume) {
      writeRunFiles(runDir, config, {
        configPath: path,
        ...(sources.length > 1 ? { configExtends: sources.slice(1) } : {}),
        ...(overrides.length ? { configOverrides: overrides } : {}),
        configDir,
        backend,
        coreVersion: CORE_VERSION,
        plugins: plugins.versions,
        started: new Date().toISOString(),
        node: process.version,
        argv: process.argv.slice(2),
      });
    }
    let live: { url: string; close(): Promise<void> } | undefined;
    if (argv.serve) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the optional viz package is imported by name at run time, untyped
        const viz: any = await import('@embedcg/viz' as string);
        live = await viz.serveLive(runDir, { port: argv.port });
        log(`live training curves: ${live!.url}`);
      } catch (e) {
        throw new UsageError(`--serve needs @embedcg/viz: ${(e as Error).message}`);
      }
    }
    const abort = new AbortController();
    const onSigint = () => {
      log('\ninterrupt: writing a checkpoint, then stopping (press Ctrl-C again to quit at once)');
      if (abort.signal.aborted) process.exit(130);
      abort.abort();
    };
    process.on('SIGINT', onSigint);
    try {
      const result = await train({
        runDir,
        config,
        ...plugins,
        resume: argv.resume,
        log,
        progress: argv.progress,
        stopAfterSteps: argv.maxSteps,
        signal: abort.signal,
      });
      if (result.status !== 'done') {
        log(
          `stopped at step ${result.state.step}; continue with: embedcg train ${argv.config} --out ${argv.out}${overrides.map((o) => ` --set ${shellWord(o)}`).join('')} --resume`,
        );
        return;
      }
      const t = result.timing;
      log(`time: ${t.totalSeconds.toFixed(1)} s this call, of which force field ${t.forceFieldSeconds.toFixed(1)} s`);
      const { metrics } = await runMetrics(config, plugins, result.state.wallSeconds);
      writeFileSync(join(runDir, 'metrics.json'), JSON.stringify(metrics, null, 2));
      printMetrics(metrics);
      log(`wrote ${join(argv.out, 'metrics.json')}`);
    } finally {
      process.off('SIGINT', onSigint);
      await live?.close();
      await plugins.forceField.dispose();
    }
  },
};
