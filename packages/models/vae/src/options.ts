/**
 * Options of the VAE model: their TypeScript shape, and the resolution of what the JSON Schema
 * (options-schema.ts, the one source of types, ranges and plain defaults) cannot say.
 *
 * Resolution happens in two steps:
 * - {@link resolveOptionDependencies}, the plugin's `resolveOptions` hook: defaults that depend on
 *   another option and rules that span fields. Core runs it for `embedcg config` and for a run alike.
 * - {@link resolveOptions}, for a model built in code and again when the model is built: the
 *   schema, the hook, then the rules that need the run's dimension.
 */
import { modelVector, resolveOptionsInCode, type Activation, type JSONSchema } from '@embedcg/core';
import { scalesByKind as coreScalesByKind } from '@embedcg/core/molecules';
import type { DecoderFlowOptions } from './flow-decoder.js';
import type { RotorEncoderInput, RotorSymmetrySpec } from './rotor-symmetry.js';
import type { PriorMixtureOptions } from './prior-mixture.js';
import type { ComponentScanOptions } from './component-scan.js';
import { optionsSchema } from './options-schema.js';

export { optionsSchema };
export type { PriorMixtureOptions, DecoderFlowOptions };
export { ACTIVATIONS, type Activation } from '@embedcg/core';

/** Output scales by kind of internal coordinate (the first word of the transform's coordinate names). */
export interface ScaleByKind {
  bond: number;
  angle: number;
  torsion: number;
  /** φ and ψ (by names) instead of `torsion`, when given. */
  backbone?: number;
}

/** Which coordinates are angles: 'auto' (from the transform), 'none', or model-space indices. */
export type CircularSpec = 'auto' | 'none' | number[];

/**
 * An upper bound on the decoder's standard deviation of some coordinates, in their own units (rad
 * for torsions): 'backbone' picks φ and ψ by the transform's names, or model-space indices.
 */
export interface DecoderStdMax {
  coordinates: 'backbone' | number[];
  max: number;
}

/**
 * A learnable linear path from z to some coordinates, μ(z) = MLP(z) + z·W, with W initialised so
 * that latent k mod d moves the k-th listed coordinate by `slope` (its units, rad for torsions) per
 * unit of z: the CVs start out driving these coordinates instead of having to discover them.
 */
export interface LatentSkip {
  coordinates: 'backbone' | number[];
  slope: number;
}

/** How the decoder's log-variance depends on z. */
export type DecoderVariance = 'shared' | 'head';

/** The resolved options; options-schema.ts describes each. */
export interface VaeOptions {
  latentDim: number;
  decoderHidden: number[];
  decoderActivation: Activation;
  decoderVariance: DecoderVariance;
  initialLogVariance: number;
  encoderHidden: number[];
  /** One per encoder hidden layer; default from {@link defaultEncoderActivations}. */
  encoderActivations: Activation[];
  outputMean?: number[];
  outputScale: number;
  outputScales?: number[];
  scaleByKind?: ScaleByKind;
  circular: CircularSpec;
  rotorSymmetry: RotorSymmetrySpec;
  rotorEncoder: RotorEncoderInput;
  decoderStdMax?: DecoderStdMax;
  latentSkip?: LatentSkip;
  latentSkipOnly: boolean;
  latentSkipMlpRange: number;
  priorMixture?: PriorMixtureOptions;
  finalLayerScale: number;
  scope: string;
  decoderFlow?: DecoderFlowOptions;
}

/** What callers pass: every option optional, and the fields of the nested ones too (defaults fill the rest). */
export type VaeOptionsInput = Partial<Omit<VaeOptions, 'decoderFlow' | 'priorMixture'>> & {
  decoderFlow?: Partial<DecoderFlowOptions>;
  priorMixture?: Pick<PriorMixtureOptions, 'components'> &
    Partial<Omit<PriorMixtureOptions, 'scan'>> & { scan?: Partial<ComponentScanOptions> };
};

/** The `default`s of a schema's properties. */
function schemaDefaults(schema: JSONSchema): Record<string, unknown> {
  const properties = schema.properties as Record<string, { default?: unknown }>;
  return Object.fromEntries(
    Object.entries(properties)
      .filter(([, p]) => p.default !== undefined)
      .map(([k, p]) => [k, p.default]),
  );
}

/** The plain defaults, as the schema gives them (encoderActivations follows encoderHidden instead). */
export const DEFAULT_OPTIONS = Object.freeze(structuredClone(schemaDefaults(optionsSchema))) as Readonly<
  Omit<VaeOptions, 'encoderActivations'>
>;

/** Defaults of the `decoderFlow` fields, as the schema gives them. */
export const DEFAULT_DECODER_FLOW = Object.freeze(
  structuredClone(schemaDefaults((optionsSchema.properties as Record<string, JSONSchema>).decoderFlow!)),
) as Readonly<DecoderFlowOptions>;

const RETIRED = 'retired in 0.2.0 (no shipped config used it and its measurements showed no gain); see CHANGELOG';

/** Options the model no longer has; a config naming one is refused with this note (CHANGELOG.md has each one's numbers). */
export const RETIRED_OPTIONS: Readonly<Record<string, string>> = Object.freeze({
  encoderSkip: RETIRED,
  encoderAngles: RETIRED,
  'priorMixture.centres': RETIRED,
});

/**
 * The default encoder activations for `layers` hidden layers: selu on every layer but the last,
 * logsigmoid on the last (selu, selu, logsigmoid for the default three layers, as in Schöberl,
 * Zabaras & Koutsourelakis). The one place a default depends on another option.
 */
export function defaultEncoderActivations(layers: number): Activation[] {
  return Array.from({ length: layers }, (_, i) => (i + 1 < layers ? 'selu' : 'logsigmoid'));
}

const fail = (field: string, problem: string): never => {
  throw new RangeError(`vae model: option ${field} ${problem}`);
};

/**
 * The plugin's `resolveOptions` hook: after the schema has checked `o` and filled its plain
 * defaults, fills the defaults that depend on other options and checks the rules that span fields.
 * Needs nothing of the run, so `embedcg config` runs it too.
 */
export function resolveOptionDependencies(o: VaeOptions): VaeOptions {
  const layers = o.encoderHidden.length;
  if (o.encoderActivations === undefined) o.encoderActivations = defaultEncoderActivations(layers);
  else if (o.encoderActivations.length !== layers)
    fail(
      'encoderActivations',
      `must list one activation per encoder hidden layer (${layers}), got ${JSON.stringify(o.encoderActivations)}`,
    );
  if (o.outputScales !== undefined && o.scaleByKind !== undefined)
    fail('outputScales', 'and scaleByKind were both given; give one of them (scaleByKind resolves into outputScales)');
  if (o.latentSkipOnly && o.latentSkip === undefined)
    fail('latentSkipOnly', 'needs latentSkip (it names the coordinates the MLP leaves alone)');
  if (o.latentSkipMlpRange > 0 && !o.latentSkipOnly)
    fail('latentSkipMlpRange', 'needs latentSkipOnly (it bounds the MLP on the coordinates that option takes it off)');
  const mixture = o.priorMixture;
  if (mixture?.scan && mixture.scan.candidates < mixture.components)
    fail(
      'priorMixture.scan.candidates',
      `must be an integer ≥ the ${mixture.components} components, got ${mixture.scan.candidates}`,
    );
  const rotors = o.rotorSymmetry;
  if (o.decoderFlow !== undefined && rotors !== 'none' && !(Array.isArray(rotors) && rotors.length === 0))
    fail(
      'rotorSymmetry',
      'cannot be combined with decoderFlow (the flow would bend the three-fold mixture); use one of them',
    );
  return o;
}

/**
 * The options a model is built with: the schema (types, ranges, defaults), then
 * {@link resolveOptionDependencies}, then the rules that need the model dimension D (lengths that
 * must equal D, indices below it). Index lists come back sorted.
 */
export function resolveOptions(given: VaeOptionsInput, dimension: number): VaeOptions {
  if (!Number.isInteger(dimension) || dimension < 1)
    fail('(dimension)', `must be a positive integer, got ${dimension}`);
  const o = resolveOptionsInCode<VaeOptions>(
    { optionsSchema, retiredOptions: RETIRED_OPTIONS, resolveOptions: resolveOptionDependencies },
    given,
    'vae model',
  );
  if (o.outputMean !== undefined) modelVector(o.outputMean, dimension, 'vae model: option outputMean');
  if (o.outputScales !== undefined) modelVector(o.outputScales, dimension, 'vae model: option outputScales');
  const indices = (name: string, list: number[]): number[] => {
    const bad = list.find((i) => i >= dimension);
    if (bad !== undefined) fail(name, `lists ${bad}, not a model-space index in [0, ${dimension})`);
    return [...list].sort((a, b) => a - b);
  };
  if (Array.isArray(o.circular)) o.circular = indices('circular', o.circular);
  if (Array.isArray(o.rotorSymmetry)) o.rotorSymmetry = indices('rotorSymmetry', o.rotorSymmetry);
  for (const name of ['decoderStdMax', 'latentSkip'] as const) {
    const spec = o[name];
    if (spec && Array.isArray(spec.coordinates)) spec.coordinates = indices(`${name}.coordinates`, spec.coordinates);
  }
  return o;
}

/** Per-dimension scales from the names a transform gives its coordinates (core's `scalesByKind`, with the VAE's errors). */
export function scalesByKind(
  kinds: ScaleByKind,
  names: readonly string[] | undefined,
  dimension: number,
  transformName?: string,
): Float64Array {
  return coreScalesByKind(kinds, names, dimension, {
    who: 'vae model',
    ...(transformName !== undefined ? { transformName } : {}),
  });
}
