import type { CommandModule } from 'yargs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { trainRun, RUN_LAYOUT, type BackendName } from '@embedcg/core';
import { log, pluginSearchDirs } from '../context.js';
import { Interrupted, UsageError } from '../errors.js';
import { printMetrics } from '../evaluation.js';
import { allowPathPluginsOption } from '../run-access.js';
import { WHOLE_POSITIVE, numberOption } from '../numbers.js';
import { checkOutputFolder } from '../output-paths.js';

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
  allowPathPlugins?: boolean;
}

/** A word as it would be typed back into a POSIX shell: quoted unless it is plainly safe. */
export const shellWord = (w: string) => (/^[\w.,:=+/-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** The command that resumes a stopped run, every word quoted for a POSIX shell. */
export function resumeCommand(config: string, out: string, overrides: string[]): string {
  const words = ['embedcg', 'train', config, '--out', out, ...overrides.flatMap((o) => ['--set', o]), '--resume'];
  return words.map(shellWord).join(' ');
}

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
      .option('allow-path-plugins', {
        ...allowPathPluginsOption,
        describe:
          "With --resume and the run's own config (RUN/config.json): load the plugins it names by path; a resume never loads code from inside the run directory",
      })
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
    checkOutputFolder('--out', argv.out);
    if (argv.serve) await checkPortFree(argv.port);
    const overrides = [argv.set ?? []].flat();
    let live: { url: string; close(): Promise<void> } | undefined;
    const abort = new AbortController();
    const onSigint = () => {
      log('\ninterrupt: writing a checkpoint, then stopping (press Ctrl-C again to quit at once)');
      if (abort.signal.aborted) process.exit(130);
      abort.abort();
    };
    try {
      const result = await trainRun({
        configPath: argv.config,
        set: overrides,
        out: argv.out,
        resume: argv.resume,
        force: argv.force,
        initFrom: argv.initFrom,
        backend: argv.backend,
        maxSteps: argv.maxSteps,
        progress: argv.progress,
        signal: abort.signal,
        log,
        searchDirs: pluginSearchDirs(),
        allowPathPlugins: argv.allowPathPlugins,
        argv: process.argv.slice(2),
        onReady: async (runDir) => {
          if (argv.serve) live = await serveLive(runDir, argv.port);
          process.on('SIGINT', onSigint);
        },
      });
      if (result.status !== 'done') {
        log(`stopped at step ${result.state.step}; continue with: ${resumeCommand(argv.config, argv.out, overrides)}`);
        // A stop at --max-steps is planned (exit 0); Ctrl-C is not, so a chained command stops too.
        if (abort.signal.aborted) throw new Interrupted();
        return;
      }
      printMetrics(result.metrics);
      log(`wrote ${join(argv.out, RUN_LAYOUT.metrics)}`);
    } finally {
      process.off('SIGINT', onSigint);
      await live?.close();
    }
  },
};

/** The live view of --serve, from the optional @embedcg/viz. */
async function serveLive(runDir: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the optional viz package is imported by name at run time, untyped
  let viz: any;
  try {
    viz = await import('@embedcg/viz' as string);
  } catch (e) {
    throw new UsageError(`--serve needs @embedcg/viz: ${(e as Error).message}`);
  }
  try {
    const live = await viz.serveLive(runDir, { port });
    log(`live training curves: ${live.url}`);
    return live;
  } catch (e) {
    throw new UsageError(portProblem(port, e));
  }
}

function portProblem(port: number, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'EADDRINUSE' ? 'the port is in use' : (e as Error).message;
  return `--port ${port}: cannot serve on 127.0.0.1:${port} (${why}); pick another port, or --port 0 for any free one`;
}

/** Before any work: a --port another process holds is refused, so no run folder is left behind. */
async function checkPortFree(port: number): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new UsageError(portProblem(port, e))));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}
