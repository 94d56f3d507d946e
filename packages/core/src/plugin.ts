/**
 * The plugin descriptor: the whole contract between embedcg and a plugin package.
 *
 * A plugin package exports `plugins` (an array of descriptors) from its main entry, and marks
 * itself in package.json with `"embedcg": { "plugins": true }` so that `embedcg plugins` finds it.
 * Descriptors are plain objects; `defineForceField(...)` and friends exist only for type inference.
 *
 * Lifecycle: core loads the package, finds the descriptor by `name`, checks `apiVersion`
 * against {@link API_VERSION}, fills option defaults and validates options against
 * `optionsSchema` with ajv, runs the descriptor's `resolveOptions` hook when it has one, then calls
 * `create(options, context)` once per run.
 */
import type { ForceField } from './contracts/force-field.js';
import type { Model } from './contracts/model.js';
import type { CoordinateTransform } from './contracts/transform.js';
import type { TemperingSchedule } from './contracts/schedule.js';

/** The plugin API version this core implements. A plugin built for another major is refused. */
export const API_VERSION = 1;

export type PluginKind = 'forcefield' | 'model' | 'transform' | 'schedule';

/** A JSON Schema object (draft 2020-12 subset that ajv understands). */
export type JSONSchema = Record<string, unknown>;

/** What core hands a plugin's `resolveOptions` hook besides the options. */
export interface OptionsContext {
  /** Folder of the run config (the working directory for a model built in code). */
  configDir: string;
}

/** What core hands a plugin's `create`. */
export interface PluginContext {
  /** Folder of the run config; relative paths in options resolve against it. */
  configDir: string;
  /** Seed of this run, for plugins that draw random numbers. */
  seed: number;
  /** Log a line for the user (goes to stderr / the run log). */
  log(message: string): void;
  /** The force field of the run, for plugins created after it (transforms, models). */
  forceField?: ForceField;
  /** The coordinate transform of the run, for models. */
  transform?: CoordinateTransform;
  /** Dimension of the space the model works in (transform input, or the force field's). */
  modelDimension?: number;
  /**
   * `training.fusedKernels` of the run: whether models and transforms may use their fused ops
   * (one op with a hand-written gradient) instead of compositions of small tfjs ops. Undefined
   * means true.
   */
  fusedKernels?: boolean;
  /**
   * Cores this plugin instance may keep busy (absent: all of them). A data-parallel gradient
   * worker sets 1, so that force fields with their own pools (threads, processes) default to one
   * and the workers do not oversubscribe the machine.
   */
  threads?: number;
}

export interface KindMap {
  forcefield: ForceField;
  model: Model;
  transform: CoordinateTransform;
  schedule: TemperingSchedule;
}

/** A plugin: identity, options schema and factory. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- plugin options are checked by their JSON Schema, not by a static type
export interface PluginDescriptor<K extends PluginKind = PluginKind, O = any> {
  kind: K;
  /** Name used in configs, unique within its package (e.g. "double-well"). */
  name: string;
  /** The plugin's own version (usually its package version). */
  version: string;
  /** The core plugin API it was written against; must equal {@link API_VERSION}. */
  apiVersion: number;
  /** One line for `embedcg plugins`. */
  description?: string;
  /** JSON Schema of `options`, with `default`s; ajv fills defaults before `create`. */
  optionsSchema: JSONSchema;
  /**
   * Optional. Resolves what the schema cannot say, after ajv has checked the options and filled
   * their plain defaults: a default that depends on another option, a rule that spans fields.
   * Returns the options to use. Core runs it wherever it resolves options, for `embedcg config`
   * as for a run, so a config that `embedcg config` accepts is one that `train` accepts. Rules
   * that need the run itself (its dimension, the transform's coordinate names) belong in `create`.
   */
  resolveOptions?(options: O, context: OptionsContext): O;
  /**
   * Optional. Options the plugin no longer has: option path (`"encoderSkip"`,
   * `"priorMixture.centres"`) → a note such as "retired in 0.2.0, see CHANGELOG". A config that
   * still names one is refused with the note instead of a bare "unknown property".
   */
  retiredOptions?: Readonly<Record<string, string>>;
  /** Build the plugin instance. */
  create(options: O, context: PluginContext): KindMap[K] | Promise<KindMap[K]>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list of plugins of every option type
export type AnyPlugin = PluginDescriptor<PluginKind, any>;

function define<K extends PluginKind>(kind: K) {
  return <O>(d: Omit<PluginDescriptor<K, O>, 'kind'>): PluginDescriptor<K, O> => ({ ...d, kind });
}
export const defineForceField = define('forcefield');
export const defineModel = define('model');
export const defineTransform = define('transform');
export const defineSchedule = define('schedule');
