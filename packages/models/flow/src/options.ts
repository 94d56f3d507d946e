/**
 * Options of the `flow` model: TypeScript shape, defaults, and the JSON Schema core validates
 * run configs against (ajv fills the defaults before `create`).
 */
import { ACTIVATIONS, modelVector, resolveOptionsInCode, type Activation, type JSONSchema } from '@embedcg/core';
import {
  AUTOREGRESSIVE_ORDERS,
  AUTOREGRESSIVE_TRANSFORMS,
  type AutoregressiveOrder,
  type AutoregressiveTransform,
} from './autoregressive.js';

export type CouplingType = 'affine' | 'spline' | 'autoregressive';
export type BaseDistribution = 'gaussian' | 'truncated-normal';
/** Which model coordinates are angles on the circle: the transform's torsions, none, or these indices. */
export type CircularSpec = 'auto' | 'none' | 'phi-psi' | 'phi-psi-methyls' | number[];

export interface FlowOptions {
  /** Number of coupling layers; consecutive layers transform alternating halves (even/odd indices). */
  layers: number;
  /**
   * 'spline': rational-quadratic spline couplings; 'affine': RealNVP affine couplings;
   * 'autoregressive': MADE-conditioned layers, inverse-autoregressive in the sampling direction
   * (autoregressive.ts: draw is one pass per layer, logProb of given points D passes).
   */
  coupling: CouplingType;
  /** With coupling 'autoregressive': the elementwise map, 'spline' (default) or 'affine'. */
  autoregressiveTransform?: AutoregressiveTransform;
  /** With coupling 'autoregressive': 'reverse' (default) alternates identity/reversed orderings; 'random' uses seeded permutations. */
  autoregressiveOrder?: AutoregressiveOrder;
  /** Hidden widths of every conditioner MLP. */
  hidden: number[];
  /** Activation of the conditioners' hidden layers. */
  activation: Activation;
  /** Spline bins K. */
  bins: number;
  /** Spline interval [−B, B] in base units (identity outside). */
  bound: number;
  /** Affine couplings: log-scales are `scaleBound · tanh(raw / scaleBound)`. */
  scaleBound: number;
  /** Scale of the conditioners' last layer relative to Glorot-uniform; 0 starts the flow at the identity. */
  finalLayerScale: number;
  /** Learnable elementwise affine map after the couplings (ActNorm-like, starts at the identity). */
  outputAffine: boolean;
  /** Reference configuration (length D) the samples are centred on; default from the run context. */
  outputMean?: number[];
  /** y = outputMean + outputScale · (flow output). */
  outputScale: number;
  /** Per-dimension scales (length D) instead of the single `outputScale`. */
  outputScales?: number[];
  /**
   * With an internal-coordinates transform: per-dimension scales by kind of coordinate (bond lengths
   * in nm, angles and torsions in rad), so that stiff bonds and soft torsions start in proportion.
   */
  scaleByKind?: { bond: number; angle: number; torsion: number };
  /**
   * Coordinates that are angles on the circle [−π, π) (torsions): they get a uniform base, circular
   * spline couplings, no output scale or affine, and y = wrap(outputMean + u). 'auto' takes the
   * circular flags of the run's transform (internal coordinates: the torsions); 'none' (default):
   * every coordinate is a real line; a list gives model-space indices.
   */
  circular: CircularSpec;
  /** Base of the non-circular coordinates: standard 'gaussian' or 'truncated-normal' on [−baseBound, baseBound]. */
  base: BaseDistribution;
  /** Truncation half-width of the 'truncated-normal' base (default: `bound`, the spline interval). */
  baseBound?: number;
  /**
   * Components of a learnable Gaussian-mixture base (mixture-base.ts); 1 (default) is the plain
   * base. For targets with well separated modes; needs base 'gaussian' and no circular coordinates.
   */
  baseComponents: number;
  /** Standard deviation of the mixture means at initialisation. */
  baseSpread: number;
  /** Prefix of all variable names, e.g. 'flow/coupling0/dense0/kernel'. */
  scope: string;
}

export const DEFAULT_OPTIONS: Readonly<FlowOptions> = Object.freeze({
  layers: 6,
  coupling: 'spline',
  hidden: [64, 64],
  activation: 'tanh',
  bins: 8,
  bound: 5,
  scaleBound: 2,
  finalLayerScale: 0,
  outputAffine: true,
  outputScale: 1,
  circular: 'none',
  base: 'gaussian',
  baseComponents: 1,
  baseSpread: 1,
  scope: 'flow',
} as FlowOptions);

/** JSON Schema of {@link FlowOptions}, with defaults. */
export const optionsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    layers: { type: 'integer', minimum: 1, default: DEFAULT_OPTIONS.layers, description: 'number of coupling layers' },
    coupling: { type: 'string', enum: ['affine', 'spline', 'autoregressive'], default: DEFAULT_OPTIONS.coupling },
    autoregressiveTransform: {
      type: 'string',
      enum: [...AUTOREGRESSIVE_TRANSFORMS],
      description: "coupling 'autoregressive': elementwise map (default spline)",
    },
    autoregressiveOrder: {
      type: 'string',
      enum: [...AUTOREGRESSIVE_ORDERS],
      description:
        "coupling 'autoregressive': 'reverse' (default) alternates orderings; 'random' permutes from the seed",
    },
    hidden: {
      type: 'array',
      items: { type: 'integer', minimum: 1 },
      default: [...DEFAULT_OPTIONS.hidden],
      description: 'conditioner hidden widths',
    },
    activation: { type: 'string', enum: [...ACTIVATIONS], default: DEFAULT_OPTIONS.activation },
    bins: { type: 'integer', minimum: 2, maximum: 64, default: DEFAULT_OPTIONS.bins, description: 'spline bins' },
    bound: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DEFAULT_OPTIONS.bound,
      description: 'spline interval half-width (base units)',
    },
    scaleBound: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DEFAULT_OPTIONS.scaleBound,
      description: 'bound of affine log-scales',
    },
    finalLayerScale: {
      type: 'number',
      minimum: 0,
      default: DEFAULT_OPTIONS.finalLayerScale,
      description: '0: the flow starts as the identity',
    },
    outputAffine: { type: 'boolean', default: DEFAULT_OPTIONS.outputAffine },
    outputMean: {
      type: 'array',
      items: { type: 'number' },
      description: "reference configuration (length D); defaults to the force field's initial positions",
    },
    outputScale: { type: 'number', exclusiveMinimum: 0, default: DEFAULT_OPTIONS.outputScale },
    outputScales: {
      type: 'array',
      items: { type: 'number', exclusiveMinimum: 0 },
      description: 'per-dimension output scales (length D), instead of outputScale',
    },
    scaleByKind: {
      type: 'object',
      additionalProperties: false,
      required: ['bond', 'angle', 'torsion'],
      description: 'with the internal-coordinates transform: output scales by coordinate kind (nm, rad, rad)',
      properties: {
        bond: { type: 'number', exclusiveMinimum: 0 },
        angle: { type: 'number', exclusiveMinimum: 0 },
        torsion: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    circular: {
      default: DEFAULT_OPTIONS.circular,
      description:
        "angles on the circle (torsions): 'auto' (all the transform's torsions), 'none', 'phi-psi' or 'phi-psi-methyls' (found by atom names), or model-space indices",
      oneOf: [
        { type: 'string', enum: ['auto', 'none', 'phi-psi', 'phi-psi-methyls'] },
        { type: 'array', items: { type: 'integer', minimum: 0 }, uniqueItems: true },
      ],
    },
    base: {
      type: 'string',
      enum: ['gaussian', 'truncated-normal'],
      default: DEFAULT_OPTIONS.base,
      description: 'base distribution of the non-circular coordinates',
    },
    baseBound: {
      type: 'number',
      exclusiveMinimum: 0,
      description: "truncation half-width of the 'truncated-normal' base; defaults to bound",
    },
    baseComponents: {
      type: 'integer',
      minimum: 1,
      default: DEFAULT_OPTIONS.baseComponents,
      description:
        "components of a learnable Gaussian-mixture base (1: plain base); for well separated modes; needs base 'gaussian' and no circular coordinates",
    },
    baseSpread: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DEFAULT_OPTIONS.baseSpread,
      description: 'standard deviation of the mixture means at initialisation',
    },
    scope: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]+$',
      default: DEFAULT_OPTIONS.scope,
      description: 'prefix of the variable names',
    },
  },
};

const fail = (field: string, problem: string): never => {
  throw new RangeError(`flow model: option ${field} ${problem}`);
};

/**
 * The rules that span fields, after the schema has filled the defaults: the plugin's
 * `resolveOptions` hook, so `embedcg config` refuses what a run refuses.
 */
export function resolveFlowOptionRules(o: FlowOptions): FlowOptions {
  if (o.baseBound !== undefined && o.base !== 'truncated-normal')
    fail('baseBound', `applies only to base 'truncated-normal' (base is '${o.base}'); remove it or set base`);
  if (o.baseComponents > 1 && o.base !== 'gaussian')
    fail('baseComponents', `a mixture base needs base 'gaussian' (base is '${o.base}')`);
  return o;
}

const properties = optionsSchema.properties as Record<string, JSONSchema>;
/** Options given in code may nest scopes ('sfflow/slow': a model inside another); a config may not. */
const codeSchema: JSONSchema = {
  ...optionsSchema,
  properties: { ...properties, scope: { ...properties.scope, pattern: '^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$' } },
};

/**
 * The options a flow model is built with: the schema (types, ranges, defaults), the cross-field
 * rules, then what needs the model dimension D: indices below D (sorted), lengths equal to D.
 */
export function resolveOptions(partial: Partial<FlowOptions>, dimension: number): FlowOptions {
  if (!Number.isInteger(dimension) || dimension < 1)
    fail('(dimension)', `must be a positive integer, got ${dimension}`);
  const resolved = resolveOptionsInCode<FlowOptions>(
    { optionsSchema: codeSchema, resolveOptions: resolveFlowOptionRules },
    partial,
    'flow model',
  );
  // The defaults' key order first, as the options were always laid out.
  const o: FlowOptions = { ...DEFAULT_OPTIONS, ...resolved };
  const circ = o.circular;
  if (circ === 'phi-psi' || circ === 'phi-psi-methyls')
    fail(
      'circular',
      `'${circ}' is resolved from the transform's coordinate names by the flow plugin; a model built directly needs the indices`,
    );
  if (Array.isArray(circ)) {
    const bad = circ.find((i) => i >= dimension);
    if (bad !== undefined) fail('circular', `lists model-space indices in [0, ${dimension - 1}], got ${bad}`);
    o.circular = [...circ].sort((a, b) => a - b);
  }
  if (o.outputMean !== undefined) modelVector(o.outputMean, dimension, 'flow model: option outputMean');
  return o;
}

/** The circular coordinates of `spec` as sorted indices; 'auto' reads the transform's flags. */
export function circularIndices(
  spec: FlowOptions['circular'],
  flags: ArrayLike<number> | undefined,
  dimension: number,
): number[] {
  if (spec === 'none') return [];
  if (Array.isArray(spec)) return [...spec].sort((a, b) => a - b);
  if (flags === undefined) {
    throw new RangeError(
      "flow model: option circular 'auto' needs a coordinate transform that flags its circular coordinates " +
        "(the internal-coordinates transform); this run has none. Use circular: 'none', or list the angle indices.",
    );
  }
  if (flags.length !== dimension)
    throw new RangeError(
      `flow model: option circular 'auto': the transform flags ${flags.length} coordinates, but the model dimension is ${dimension}`,
    );
  return Array.from({ length: dimension }, (_, i) => i).filter((i) => flags[i] !== 0);
}
