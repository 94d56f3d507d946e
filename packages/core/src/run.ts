/**
 * Assembling a run's plugins: config → force field, transform, model, schedule, in dependency
 * order. The run folder (run-folder/) builds runs and reopens them through here.
 */
import type { CoordinateTransform } from './contracts/transform.js';
import type { Model } from './contracts/model.js';
import type { TemperingSchedule } from './contracts/schedule.js';
import { CountingForceField } from './counting-force-field.js';
import type { RunConfig } from './config/run-config.js';
import { createPlugin, resolvePluginOptions, type ResolveOptions } from './plugin-loader.js';
import type { AnyPlugin, PluginContext } from './plugin.js';
import { plugins as corePlugins } from './builtin-plugins.js';
import { checkTrainerInputs } from './training/session.js';
import { selectBackend } from './backend.js';

export interface RunPlugins {
  forceField: CountingForceField;
  transform?: CoordinateTransform;
  model: Model;
  schedule: TemperingSchedule;
  /** Plugin name → {package, version, options} for run.json. */
  versions: Record<string, { package: string; name: string; version: string }>;
}

export interface AssembleOptions {
  /**
   * The folder the config's relative paths resolve from: the plugins' data files (a system.json,
   * a PDB in the force-field options) through `PluginContext.configDir`, path plugins, and, unless
   * `packagesFromConfigDir` is false, plugin package names (its node_modules first).
   */
  configDir: string;
  configPath?: string;
  /** Extra folders to resolve plugin packages from (e.g. the CLI's own). */
  searchDirs?: string[];
  /**
   * Resolve plugin package names from `configDir` (default true). False when the config came with
   * a run folder: its configDir is whatever the folder's run.json says.
   */
  packagesFromConfigDir?: boolean;
  /** Folders no plugin code is loaded from (the run folder being opened or resumed). */
  untrustedDirs?: string[];
  /** Load path plugins (`package` ./x.js or /abs/x.js; default true). False: refused, naming `--allow-path-plugins`. */
  allowPathPlugins?: boolean;
  /** Plugin packages in memory: package name → plugins (programmatic use, built-ins). */
  preloaded?: Record<string, AnyPlugin[]>;
  log?: (m: string) => void;
  /** PluginContext.threads of every plugin (a data-parallel gradient worker's share of the cores). */
  threads?: number;
}

/** Message of a refused path plugin: how to allow it. */
export const ALLOW_PATH_PLUGINS =
  'opening a run loads no plugin by path unless you trust the run: pass --allow-path-plugins (allowPathPlugins: true from code) to load it';

export function resolveOptionsFor(o: AssembleOptions): ResolveOptions {
  return {
    searchDirs: [...(o.packagesFromConfigDir === false ? [] : [o.configDir]), ...(o.searchDirs ?? [])],
    pathBase: o.configDir,
    untrustedDirs: o.untrustedDirs,
    refusePathPlugins: o.allowPathPlugins === false ? ALLOW_PATH_PLUGINS : undefined,
    preloaded: { '@embedcg/core': corePlugins, ...(o.preloaded ?? {}) },
  };
}

/** Create every plugin a config names, in dependency order. */
export async function assemblePlugins(config: RunConfig, o: AssembleOptions): Promise<RunPlugins> {
  const r = { ...resolveOptionsFor(o), configPath: o.configPath };
  const log = o.log ?? (() => {});
  const ctx: PluginContext = {
    configDir: o.configDir,
    seed: config.seed,
    log,
    fusedKernels: config.training.fusedKernels,
    ...(o.threads ? { threads: o.threads } : {}),
  };
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

/**
 * What `trainRun` checks before its first step, without training or writing anything: the config's
 * tfjs backend selected (as `trainRun` does, so it stays selected), each plugin found, its options
 * checked and defaulted (the returned config, as {@link resolveRunConfig}), each plugin created (so
 * errors only `create` finds, such as a reference of the wrong length or a missing file, show up
 * here), the plugins checked against each other and the objectives against the model. The plugins
 * are disposed before it returns. `embedcg config` runs it.
 */
export async function checkRunConfig(config: RunConfig, o: AssembleOptions): Promise<RunConfig> {
  const resolved = await resolveRunConfig(config, o);
  await selectBackend(config.training.backend);
  const plugins = await assemblePlugins(config, o);
  try {
    checkTrainerInputs({ config, ...plugins });
  } finally {
    await plugins.forceField.dispose();
    plugins.model.dispose();
  }
  return resolved;
}
