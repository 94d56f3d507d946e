/**
 * Assembling a run: config → plugins (force field, transform, model, schedule) → trainer → run
 * directory. The CLI and the programmatic API both go through here.
 *
 * Run directory layout:
 *   config.json   the validated config with defaults filled in
 *   run.json      metadata: backend, plugin versions, start time, command
 *   history.jsonl one line per logged step and per level
 *   checkpoint/   model weights, optimizer state, trainer state (atomic)
 *   metrics.json  evaluation metrics after training
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CoordinateTransform } from './contracts/transform.js';
import type { Model } from './contracts/model.js';
import type { TemperingSchedule } from './contracts/schedule.js';
import { CountingForceField } from './counting-force-field.js';
import { validateRunConfig, type RunConfig } from './config/run-config.js';
import { createPlugin, resolvePluginOptions, type ResolveOptions } from './plugin-loader.js';
import type { AnyPlugin, PluginContext } from './plugin.js';
import { plugins as corePlugins } from './builtin-plugins.js';
import { InputError } from './errors.js';
import { findCheckpoint, loadModelWeights, readCheckpointState } from './training/checkpoint.js';

export interface RunPlugins {
  forceField: CountingForceField;
  transform?: CoordinateTransform;
  model: Model;
  schedule: TemperingSchedule;
  /** Plugin name → {package, version, options} for run.json. */
  versions: Record<string, { package: string; name: string; version: string }>;
}

export interface AssembleOptions {
  configDir: string;
  configPath?: string;
  /** Extra folders to resolve plugin packages from (e.g. the CLI's own). */
  searchDirs?: string[];
  /** Plugin packages in memory: package name → plugins (programmatic use, built-ins). */
  preloaded?: Record<string, AnyPlugin[]>;
  log?: (m: string) => void;
}

export function resolveOptionsFor(o: AssembleOptions): ResolveOptions {
  return {
    searchDirs: [o.configDir, ...(o.searchDirs ?? [])],
    preloaded: { '@embedcg/core': corePlugins, ...(o.preloaded ?? {}) },
  };
}

/** Create every plugin a config names, in dependency order. */
export async function assemblePlugins(config: RunConfig, o: AssembleOptions): Promise<RunPlugins> {
  const r = { ...resolveOptionsFor(o), configPath: o.configPath };
  const log = o.log ?? (() => {});
  const ctx: PluginContext = { configDir: o.configDir, seed: config.seed, log };
  const versions: RunPlugins['versions'] = {};
  const ff = await createPlugin('forcefield', config.forceField, ctx, { ...r, jsonPath: '/forceField' });
  versions.forceField = {
    package: config.forceField.package,
    name: config.forceField.name,
    version: ff.packageVersion,
  };
  ctx.forceField = ff.instance;
  let transform: CoordinateTransform | undefined;
  if (config.transform) {
    const t = await createPlugin('transform', config.transform, ctx, { ...r, jsonPath: '/transform' });
    transform = t.instance;
    ctx.transform = transform;
    versions.transform = { package: config.transform.package, name: config.transform.name, version: t.packageVersion };
  }
  ctx.modelDimension = transform ? transform.inputDimension : ff.instance.dimension;
  const model = await createPlugin('model', config.model, ctx, { ...r, jsonPath: '/model' });
  versions.model = { package: config.model.package, name: config.model.name, version: model.packageVersion };
  const sch = await createPlugin('schedule', config.schedule, ctx, { ...r, jsonPath: '/schedule' });
  versions.schedule = { package: config.schedule.package, name: config.schedule.name, version: sch.packageVersion };
  return {
    forceField: new CountingForceField(ff.instance),
    transform,
    model: model.instance,
    schedule: sch.instance,
    versions,
  };
}

/**
 * The config as a run will use it, without creating anything: each plugin found and its options
 * checked, their defaults filled in (`embedcg config`).
 */
export async function resolveRunConfig(config: RunConfig, o: AssembleOptions): Promise<RunConfig> {
  const r = { ...resolveOptionsFor(o), configPath: o.configPath };
  const out = structuredClone(config);
  const slots = [
    ['forceField', 'forcefield'],
    ['transform', 'transform'],
    ['model', 'model'],
    ['schedule', 'schedule'],
  ] as const;
  for (const [slot, kind] of slots) {
    const ref = out[slot];
    if (ref) ref.options = (await resolvePluginOptions(kind, ref, { ...r, jsonPath: `/${slot}` })).options;
  }
  return out;
}

export function writeRunFiles(runDir: string, config: RunConfig, meta: Record<string, unknown>): void {
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(runDir, 'run.json'), JSON.stringify(meta, null, 2));
}

export interface OpenedRun {
  runDir: string;
  config: RunConfig;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- run.json written by any version of embedcg
  meta: Record<string, any>;
  plugins: RunPlugins;
  /** Trainer state of the checkpoint the weights came from. */
  state: ReturnType<typeof readCheckpointState>;
}

/** Re-create a run's plugins and load its newest checkpoint (for sample / evaluate / report). */
export async function openRun(runDir: string, o: Omit<AssembleOptions, 'configDir'> = {}): Promise<OpenedRun> {
  const dir = resolve(runDir);
  const cfgPath = join(dir, 'config.json');
  if (!existsSync(cfgPath))
    throw new InputError(
      `${runDir}: not a run directory (no config.json); train first with \`embedcg train CONFIG --out ${runDir}\``,
    );
  const meta = existsSync(join(dir, 'run.json')) ? JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) : {};
  const config = validateRunConfig(JSON.parse(readFileSync(cfgPath, 'utf8')), cfgPath);
  const configDir = typeof meta.configDir === 'string' && existsSync(meta.configDir) ? meta.configDir : dir;
  const plugins = await assemblePlugins(config, { ...o, configDir, configPath: cfgPath });
  const cp = findCheckpoint(dir);
  if (!cp) throw new InputError(`${runDir}: no checkpoint yet; the run has not completed a step`);
  loadModelWeights(cp, plugins.model);
  return { runDir: dir, config, meta, plugins, state: readCheckpointState(cp) };
}
