/**
 * The run config: one JSON document naming every plugin of a run and the training settings.
 * `runConfigSchema(pluginSchemas?)` is the JSON Schema `embedcg schema` prints.
 */
import { firstNonFinite } from './finite.js';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { formatIssues, validateAgainst } from './validate.js';
import { resolveExtends } from './extends.js';
import { applyOverrides, parseOverride } from './overrides.js';
export { jsonErrorLocation } from './json-location.js';
import type { PluginRef } from '../plugin-loader.js';
import type { JSONSchema } from '../plugin.js';
import type { ReweightingSettings } from '../training/reweighting.js';
import { forceCheckSchema, type ForceCheckSettings } from './force-check-settings.js';
import { speedProperties, type SpeedSettings } from './speed-settings.js';
import { energyGuardSchema, type EnergyGuardSettings } from './energy-guard-settings.js';

export type { EnergyGuardSettings } from './energy-guard-settings.js';

export const K_BOLTZMANN = 0.0083144626; // kJ/mol/K

export interface TrainingSettings extends SpeedSettings {
  batchSize: number;
  learningRate: number;
  /** Steps at the first (hottest) level. */
  initialSteps: number;
  /** Steps per later level (schedules may decide otherwise). */
  stepsPerLevel: number;
  /** Steps at the target β after the schedule reaches it. */
  finalSteps: number;
  /** Clip the global gradient norm to this (0 = off). */
  gradClipNorm: number;
  /** Write a checkpoint every this many steps (and at each new level). */
  checkpointEvery: number;
  energyGuard: EnergyGuardSettings;
  /** tfjs backend. */
  backend: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  /** Append a step line to history.jsonl every this many steps. */
  historyEvery: number;
  /**
   * Weight of the self-normalised importance-weighted forward KL added to the reverse-KL loss
   * (exact-density models only; 0 = pure reverse KL). Counters reverse KL's mode seeking.
   */
  forwardKLWeight: number;
  /**
   * α of the variational Rényi bound the reverse-KL steps follow (default 1: plain reverse KL).
   * With α < 1 each sample's pathwise gradient is weighted by its self-normalised importance weight
   * raised to 1 − α, so regions the model under-populates relative to exp(−βU) pull harder: a
   * mass-covering push that reverse KL lacks, with weights tame enough (power 1 − α) to be usable
   * where the full weights are not (a loose bound, a cold target).
   */
  renyiAlpha: number;
  /** α of the Rényi bound in the final stage at β* (default: `renyiAlpha`). */
  finalRenyiAlpha?: number;
  /**
   * Share λ of plain reverse KL mixed into a Rényi step (α < 1): the reparameterised gradient is
   * (1 − λ)·∇L_α + λ·∇KL (default 0); the choice probabilities of a model that draws from a
   * proposal (mixture weights) keep L_α's. The Rényi weights w^(1−α) of a clashing sample are ~0,
   * so without it nothing pushes the model's worst tail out of a clash; reverse KL weighs every
   * sample alike and does. Its weight gradient, though, compares the components' mean bounds, and
   * would drain a rare component whose bound is looser.
   */
  reverseKLShare: number;
  /**
   * For models that draw a training batch's discrete choices from a proposal (`proposalLogRatio`):
   * 'weighted' (default) weights every sample's whole gradient by q/proposal, the exact reverse-KL
   * gradient; 'balanced' gives each sample its proposal share in the gradient of everything but
   * the choice probabilities, which keep their exact gradient. Shared parameters then fit every
   * choice (mixture component) alike instead of in proportion to its probability.
   */
  proposalFit: 'weighted' | 'balanced';
  /**
   * Learning rate reached at the end of the final stage, decayed geometrically from `learningRate`
   * over `finalSteps` (default: no decay). Less gradient noise at the target β means a tighter fit.
   */
  finalLearningRate?: number;
  /** Batch of the final stage and polish at β* (default: `batchSize`): less gradient noise where the fit is judged. */
  finalBatchSize?: number;
  /** Annealing by reweighting after (or instead of the cold end of) reverse-KL training. */
  reweighting?: ReweightingSettings;
  /** The force field's forces against finite differences of its energies, before a new run's first step. */
  forceCheck: ForceCheckSettings;
}

export interface RunConfig {
  $schema?: string;
  name: string;
  seed: number;
  forceField: PluginRef;
  transform?: PluginRef;
  model: PluginRef;
  /** Target: exactly one of temperature (K) or beta (mol/kJ). */
  target: { temperature?: number; beta?: number };
  schedule: PluginRef;
  training: TrainingSettings;
  /** latentSamples: latent draws per sample for its log-density estimate (drawSamples' latentSamples). */
  evaluation: { samples: number; batchSize: number; latentSamples: number };
  outputs: { saveSamples: number };
}

const pluginRefSchema = (kind: string): JSONSchema => ({
  type: 'object',
  description: `A ${kind} plugin: npm package, plugin name and options.`,
  required: ['package', 'name'],
  additionalProperties: false,
  properties: {
    package: {
      type: 'string',
      minLength: 1,
      description: 'npm package name, or a path starting with ./ relative to the config',
    },
    name: { type: 'string', minLength: 1 },
    options: { type: 'object', default: {} },
  },
});

/** The run-config schema; `pluginOptions` adds if/then branches that check each known plugin's options. */
export function runConfigSchema(
  pluginOptions: Array<{ kind: string; package: string; name: string; schema: JSONSchema }> = [],
): JSONSchema {
  const refFor = (kind: string): JSONSchema => {
    const base = pluginRefSchema(kind);
    const branches = pluginOptions
      .filter((p) => p.kind === kind)
      .map((p) => ({
        if: { properties: { package: { const: p.package }, name: { const: p.name } }, required: ['package', 'name'] },
        then: { properties: { options: p.schema } },
      }));
    return branches.length ? { ...base, allOf: branches } : base;
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://embedcg.dev/schema/run-config.json',
    title: 'embedcg run config',
    type: 'object',
    additionalProperties: false,
    // A file that extends another may leave anything to its base; the merged config must be whole.
    if: { required: ['extends'] },
    else: { required: ['name', 'forceField', 'model'] },
    properties: {
      $schema: { type: 'string' },
      extends: {
        type: 'string',
        minLength: 1,
        description:
          "Path of a run config this one builds on, relative to this file: objects merge key by key, other values replace the base's, null removes a key. Other relative paths resolve against the folder of the config being run",
      },
      name: { type: 'string', minLength: 1, description: 'Run name, shown in reports' },
      seed: { type: 'integer', minimum: 0, default: 0 },
      forceField: refFor('forcefield'),
      transform: refFor('transform'),
      model: refFor('model'),
      target: {
        type: 'object',
        additionalProperties: false,
        default: { beta: 1 },
        description: 'Target Boltzmann distribution: temperature in K, or beta in mol/kJ (beta 1 = energies in kT)',
        properties: {
          temperature: { type: 'number', exclusiveMinimum: 0 },
          beta: { type: 'number', exclusiveMinimum: 0 },
        },
        oneOf: [{ required: ['temperature'] }, { required: ['beta'] }],
      },
      schedule: { ...refFor('schedule'), default: { package: '@embedcg/core', name: 'kl-increase', options: {} } },
      training: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          batchSize: { type: 'integer', minimum: 1, default: 512 },
          learningRate: { type: 'number', exclusiveMinimum: 0, default: 1e-3 },
          initialSteps: { type: 'integer', minimum: 0, default: 1000 },
          stepsPerLevel: { type: 'integer', minimum: 1, default: 100 },
          finalSteps: { type: 'integer', minimum: 0, default: 1000 },
          gradClipNorm: { type: 'number', minimum: 0, default: 1000 },
          checkpointEvery: { type: 'integer', minimum: 1, default: 250 },
          historyEvery: { type: 'integer', minimum: 1, default: 10 },
          ...speedProperties,
          finalBatchSize: {
            type: 'integer',
            minimum: 1,
            description:
              'under trial, not kept (docs/results/alanine-tetrapeptide.md): batch size of the final stage and polish at the target beta (default: batchSize); single-thread path only',
          },
          finalLearningRate: {
            type: 'number',
            exclusiveMinimum: 0,
            description:
              'learning rate at the end of the final stage, decayed geometrically from learningRate (default: no decay)',
          },
          forwardKLWeight: {
            type: 'number',
            minimum: 0,
            default: 0,
            description:
              'weight of the importance-weighted forward KL mixed into the loss (counters mode dropping; latent-variable models use their evidence bound for log q)',
          },
          renyiAlpha: {
            type: 'number',
            minimum: 0,
            maximum: 1,
            default: 1,
            description:
              'alpha of the variational Renyi bound for the reverse-KL steps: 1 = reverse KL; below 1 every sample is weighted by its self-normalised importance weight to the power 1 - alpha (mass-covering)',
          },
          proposalFit: {
            type: 'string',
            enum: ['weighted', 'balanced'],
            default: 'weighted',
            description:
              "for models drawing their discrete choices from a proposal: 'weighted' (exact reverse-KL gradient) or 'balanced' (every parameter but the choice probabilities learns from each sample at its proposal share, so shared parameters fit rare mixture components as well as common ones; the choice probabilities keep their exact gradient)",
          },
          reverseKLShare: {
            type: 'number',
            minimum: 0,
            maximum: 1,
            default: 0,
            description:
              'share of plain reverse KL mixed into the reparameterised gradient of Renyi steps (alpha < 1): (1 - share)·Renyi + share·KL; mixture weights drawn from a proposal keep the Renyi gradient. The Renyi weights ignore clashing samples; reverse KL pushes them away',
          },
          finalRenyiAlpha: {
            type: 'number',
            minimum: 0,
            maximum: 1,
            description:
              'renyiAlpha for the final stage at the target beta only (default: renyiAlpha); e.g. reverse KL while tempering, then a mass-covering alpha < 1 at the target',
          },
          reweighting: {
            type: 'object',
            additionalProperties: false,
            description:
              'Annealing by reweighting: after the reverse-KL stages, fit the model by importance-weighted maximum likelihood (forward KL) ' +
              'on a buffer of its own samples, redrawn every refreshEvery steps. With startFraction < 1 the reverse-KL tempering stops at ' +
              'startFraction·β* and the buffer weights cool to β* over `rungs` geometric rungs. Needs logProb() or logProbBound().',
            required: ['stepsPerRung'],
            properties: {
              stepsPerRung: { type: 'integer', minimum: 1, description: 'weighted maximum-likelihood steps per rung' },
              bufferSize: {
                type: 'integer',
                minimum: 100,
                default: 20000,
                description: 'samples per buffer (each costs one energy evaluation)',
              },
              refreshEvery: {
                type: 'integer',
                minimum: 1,
                default: 100,
                description: 'redraw the buffer from the current model every this many steps',
              },
              startFraction: {
                type: 'number',
                exclusiveMinimum: 0,
                maximum: 1,
                default: 1,
                description: 'β/β* where reverse-KL tempering stops',
              },
              rungs: {
                type: 'integer',
                minimum: 1,
                default: 1,
                description: 'geometric rungs from startFraction·β* to β*',
              },
              batchSize: { type: 'integer', minimum: 1, description: 'minibatch size (default training.batchSize)' },
              learningRate: {
                type: 'number',
                exclusiveMinimum: 0,
                description: 'default training.finalLearningRate, else training.learningRate',
              },
              polishSteps: {
                type: 'integer',
                minimum: 0,
                default: 0,
                description:
                  'reverse-KL steps at β* after the ladder: they tighten each mode without moving mass between modes that sit apart',
              },
            },
          },
          backend: { enum: ['auto', 'tensorflow', 'wasm', 'cpu'], default: 'auto' },
          forceCheck: forceCheckSchema,
          energyGuard: energyGuardSchema,
        },
      },
      evaluation: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          samples: { type: 'integer', minimum: 100, default: 20000 },
          batchSize: { type: 'integer', minimum: 1, default: 5000 },
          latentSamples: {
            type: 'integer',
            minimum: 1,
            default: 16,
            description:
              'latent-variable models: encoder draws per sample for its log-density estimate (the importance-weighted bound, the drawn latent counted as one; 1 = the one-sample bound). More keep the importance weights exact with less spread (higher ESS, tighter KL bound) at no extra energy evaluation, only network passes. Exact-density models ignore it',
          },
        },
      },
      outputs: {
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          saveSamples: {
            type: 'integer',
            minimum: 0,
            default: 0,
            description: 'Samples to write to RUN/samples after training',
          },
        },
      },
    },
  };
}

/** Target β in mol/kJ. */
export function targetBeta(config: Pick<RunConfig, 'target'>): number {
  const t = config.target;
  return t.beta ?? 1 / (K_BOLTZMANN * t.temperature!);
}

/** Validate a parsed config (defaults filled in place). `source` names the file in messages. */
export function validateRunConfig(value: unknown, source = 'config'): RunConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${source}: a run config must be a JSON object`, source);
  }
  if ('extends' in value) {
    throw new ConfigError(
      `${source}/extends: only a config read from a file can extend another (loadRunConfig and \`embedcg train\` merge it); merge the base in before validating`,
      source,
    );
  }
  const bad = firstNonFinite(value);
  if (bad) {
    throw new ConfigError(
      `${source}: ${bad.path} is ${bad.value}, not a finite number (a literal such as 1e400 is too large for a double); give a finite value`,
      source,
    );
  }
  const issues = validateAgainst(runConfigSchema(), value);
  if (issues.length) {
    throw new ConfigError(
      `${source}: invalid run config:\n${formatIssues(issues)}\nRun \`embedcg schema\` for the full schema.`,
      source,
    );
  }
  return value as RunConfig;
}

/**
 * Read, merge (`extends`, see extends.ts), apply command-line overrides (`--set`, see
 * overrides.ts) and validate a config file. `sources` lists the files merged, the file asked for
 * first; `label` names the config in messages (the path as given, and what was laid over it).
 */
export function loadRunConfig(
  path: string,
  overrides: readonly string[] = [],
): { config: RunConfig; configDir: string; path: string; sources: string[]; label: string } {
  const abs = resolve(path);
  const { value, sources } = resolveExtends(abs, path);
  const parsed = overrides.map(parseOverride);
  const layers = [
    sources.length > 1 ? 'the configs it extends' : '',
    parsed.length ? parsed.map((o) => `--set ${o.text}`).join(' ') : '',
  ].filter(Boolean);
  const shownAs = layers.length ? `${path} (with ${layers.join(' and ')})` : path;
  return {
    config: validateRunConfig(applyOverrides(value, parsed), shownAs),
    configDir: dirname(abs),
    path: abs,
    sources,
    label: shownAs,
  };
}
