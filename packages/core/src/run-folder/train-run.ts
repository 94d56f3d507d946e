/**
 * `trainRun`: a whole training run from code, as `embedcg train` makes it (the CLI command is a
 * wrapper over this): config → plugins → run folder → trainer → metrics.json.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { selectBackend, type BackendName } from '../backend.js';
import { isJsonObject } from '../config/extends.js';
import { applyOverrides, parseOverride } from '../config/overrides.js';
import { loadRunConfig, validateRunConfig, type RunConfig } from '../config/run-config.js';
import { InputError } from '../errors.js';
import type { AnyPlugin } from '../plugin.js';
import { assemblePlugins, type AssembleOptions, type RunPlugins } from '../run.js';
import { checkTrainerInputs } from '../training/session.js';
import { untrustedFolderOf } from '../plugin-trust.js';
import { train } from '../training/trainer.js';
import { checkForcesAtStart } from '../training/force-check.js';
import type { TrainerState } from '../training/trainer-state.js';
import { CORE_VERSION } from '../version.js';
import { initModelFrom } from './checkpoint.js';
import { RunFolder } from './run-folder.js';
import { acquireTrainLock } from './train-lock.js';
import type { RunMeta } from './run-meta.js';
import { runMetrics } from './run-metrics.js';

export interface TrainRunOptions {
  /** A config file, read with the configs it `extends`. Give this or `config`. */
  configPath?: string;
  /** A config object (validated here, defaults filled in). Give this or `configPath`. */
  config?: unknown;
  /** With `config`: the folder its relative paths and plugin packages resolve from (default: the working directory). */
  configDir?: string;
  /** The run folder. */
  out: string;
  /** Continue the run in `out` from its newest checkpoint (same config, same `set`). */
  resume?: boolean;
  /** Start over in a folder that already holds a run. */
  force?: boolean;
  /** Config overrides, `path=value` as `embedcg train --set` takes them. */
  set?: readonly string[];
  /** Warm start: copy another run's trained variables by name. */
  initFrom?: string;
  /** tfjs backend (default: the config's training.backend). */
  backend?: BackendName;
  /** Stop after this many steps in this call, with a checkpoint; resume later. */
  maxSteps?: number;
  /** Show the progress line on stderr (default true). */
  progress?: boolean;
  /** Stop at the next step boundary, with a checkpoint. */
  signal?: AbortSignal;
  /** Where progress messages go (default: nowhere). */
  log?: (message: string) => void;
  /** Extra folders to resolve plugin packages from. */
  searchDirs?: string[];
  /** Plugin packages in memory: package name → plugins. */
  preloaded?: Record<string, AnyPlugin[]>;
  /**
   * With `resume` and a config that lies inside the run folder (the run's own config.json): load
   * the path plugins it names (`package` ./x.js). Without it they are refused, as `openRun` does.
   */
  allowPathPlugins?: boolean;
  /** The command line, recorded in run.json. */
  argv?: string[];
  /** Called when the run folder is ready, just before the first step (the CLI starts its live view here). */
  onReady?: (runDir: string) => void | Promise<void>;
}

/**
 * How a `trainRun` call ended: 'done' when training finished and metrics.json was written (the
 * metrics are here too); 'stopped' at `maxSteps` or the signal, with a checkpoint to resume from.
 */
export type TrainRunResult = {
  /** Absolute path of the run folder. */
  runDir: string;
  /** The config as the run uses it. */
  config: RunConfig;
  state: TrainerState;
  /** Seconds spent in the force field and in total during this call. */
  timing: { forceFieldSeconds: number; totalSeconds: number };
} & ({ status: 'done'; metrics: Record<string, number | string> } | { status: 'stopped' });

interface ConfigSource {
  config: RunConfig;
  configDir: string;
  /** The config file, absolute, when the config came from one. */
  path?: string;
  /** Configs merged through `extends`, the file asked for first. */
  sources: string[];
  /** How messages name the config. */
  label: string;
}

function loadConfig(o: TrainRunOptions): ConfigSource {
  const set = o.set ?? [];
  if ((o.configPath === undefined) === (o.config === undefined))
    throw new InputError('trainRun: give exactly one of configPath (a config file) and config (a config object)');
  if (o.configPath !== undefined) return loadRunConfig(o.configPath, set);
  const label = set.length ? `config (with ${set.map((s) => `--set ${s}`).join(' ')})` : 'config';
  if (!isJsonObject(o.config)) throw new InputError(`trainRun: config must be a config object, got ${typeof o.config}`);
  const raw = applyOverrides(structuredClone(o.config), set.map(parseOverride));
  return { config: validateRunConfig(raw, label), configDir: resolve(o.configDir ?? '.'), sources: [], label };
}

/** Refuse to start over a run by accident, or to resume what is not there. */
function checkStart(folder: RunFolder, o: TrainRunOptions): void {
  if (o.initFrom && o.resume)
    throw new InputError('--init-from starts a new run from another one; it cannot be combined with --resume');
  if (!o.resume && !o.force && folder.holdsRun())
    throw new InputError(`${o.out} already holds a run; pass --resume to continue it or --force to start over`);
  if (o.resume) {
    if (!folder.latestCheckpoint()) throw new InputError(`--resume: ${o.out} holds no checkpoint to resume from`);
    folder.format();
  }
}

/**
 * Where a run's code may come from. A new run loads what its config names. A resume loads nothing
 * from inside the run folder, and a config that lies inside it is the run's own, data like the
 * rest of the folder: its packages do not resolve from there, and path plugins need
 * `allowPathPlugins`, as when the run is opened.
 */
function codeSources(src: ConfigSource, folder: RunFolder, o: TrainRunOptions): Partial<AssembleOptions> {
  const searchDirs = o.searchDirs;
  if (!o.resume) return { searchDirs };
  if (!untrustedFolderOf(src.path ?? src.configDir, [folder.dir])) return { searchDirs, untrustedDirs: [folder.dir] };
  return {
    searchDirs: searchDirs ?? [process.cwd()],
    untrustedDirs: [folder.dir],
    packagesFromConfigDir: false,
    allowPathPlugins: o.allowPathPlugins ?? false,
  };
}

function runMeta(src: ConfigSource, o: TrainRunOptions, backend: string, plugins: RunPlugins): RunMeta {
  return {
    ...(src.path ? { configPath: src.path } : {}),
    ...(src.sources.length > 1 ? { configExtends: src.sources.slice(1) } : {}),
    ...(o.set?.length ? { configOverrides: [...o.set] } : {}),
    configDir: src.configDir,
    backend,
    coreVersion: CORE_VERSION,
    plugins: plugins.versions,
    started: new Date().toISOString(),
    node: process.version,
    ...(o.argv ? { argv: o.argv } : {}),
  };
}

function warmStart(from: string, plugins: RunPlugins, log: (m: string) => void): void {
  const { copied, fresh } = initModelFrom(resolve(from), plugins.model);
  const some = fresh.length ? ` (${fresh.slice(0, 4).join(', ')}${fresh.length > 4 ? ', …' : ''})` : '';
  log(`warm start from ${from}: ${copied.length} variables copied, ${fresh.length} kept fresh${some}`);
}

/**
 * Train a run as `embedcg train` does, through the run folder: config.json and run.json for a
 * new run, history.jsonl and checkpoints as training goes, metrics.json at the end. The folder
 * then reopens with `openRun` and `embedcg evaluate|sample|report`. The plugins are disposed when
 * this returns; reopen the run to use the trained model.
 */
export async function trainRun(o: TrainRunOptions): Promise<TrainRunResult> {
  const src = loadConfig(o);
  const folder = new RunFolder(o.out);
  // A folder that exists is locked before anything reads or replaces its files; a new one once
  // it is created, so that a config refused before then leaves no folder behind.
  let release: (() => void) | undefined = existsSync(folder.dir)
    ? acquireTrainLock(folder.path('trainLock'), o.out)
    : undefined;
  try {
    checkStart(folder, o);
    return await trainLocked(o, src, folder, () => (release ??= acquireTrainLock(folder.path('trainLock'), o.out)));
  } finally {
    release?.();
  }
}

async function trainLocked(
  o: TrainRunOptions,
  src: ConfigSource,
  folder: RunFolder,
  lock: () => void,
): Promise<TrainRunResult> {
  const log = o.log ?? (() => {});
  const { config } = src;
  // A run from before fused kernels continues on the path it was made with (see readConfig).
  if (o.resume && folder.predatesFusedKernels()) config.training.fusedKernels = false;
  // The backend is logged only once the plugins exist, so a config error stays the only output.
  const backend = await selectBackend(o.backend ?? config.training.backend);
  const sources = { configDir: src.configDir, configPath: src.label, ...codeSources(src, folder, o) };
  const plugins = await assemblePlugins(config, { ...sources, preloaded: o.preloaded, log });
  try {
    // The session checks these again; here they come before anything is written, so a config
    // they refuse leaves no run folder behind (and `checkRunConfig` finds the same).
    checkTrainerInputs({ config, ...plugins });
    log(`tfjs backend: ${backend}`);
    if (o.initFrom) warmStart(o.initFrom, plugins, log);
    if (!o.resume) {
      // Before the folder is touched: a refused force field leaves an earlier run (--force) in place.
      const { forceField, model, transform } = plugins;
      const forceCheck = await checkForcesAtStart({ config, forceField: forceField.inner, model, transform, log });
      folder.create(config, { ...runMeta(src, o, backend, plugins), forceCheck });
      lock();
    }
    await o.onReady?.(folder.dir);
    const result = await train({
      runDir: folder.dir,
      config,
      ...plugins,
      resume: o.resume,
      log,
      progress: o.progress,
      stopAfterSteps: o.maxSteps,
      signal: o.signal,
      // Gradient workers resolve the same packages; plugins handed over in memory cannot cross.
      ...(o.preloaded && Object.keys(o.preloaded).length ? {} : { workerPlugins: sources }),
      backend: backend as BackendName,
    });
    const { state, timing } = result;
    const ended = { runDir: folder.dir, config, state, timing };
    if (result.status !== 'done') return { ...ended, status: 'stopped' };
    log(
      `time: ${timing.totalSeconds.toFixed(1)} s this call, of which force field ${timing.forceFieldSeconds.toFixed(1)} s`,
    );
    const { metrics } = await runMetrics(config, plugins, state.wallSeconds);
    folder.writeMetrics(metrics);
    return { ...ended, status: 'done', metrics };
  } finally {
    await plugins.forceField.dispose();
    plugins.model.dispose();
  }
}
