/**
 * Options of the `flow` model: TypeScript shape, defaults, and the JSON Schema core validates
 * run configs against (ajv fills the defaults before `create`).
 */
import { modelVector, type JSONSchema } from '@embedcg/core';
import { ACTIVATIONS, type Activation } from './dense.js';
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

/** Fill defaults and check what a JSON Schema cannot (programmatic callers skip ajv). */
export function resolveOptions(partial: Partial<FlowOptions>, dimension: number): FlowOptions {
  const o: FlowOptions = {
    ...DEFAULT_OPTIONS,
    hidden: [...DEFAULT_OPTIONS.hidden],
    ...(Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<FlowOptions>),
  };
  const fail = (field: string, problem: string): never => {
    throw new RangeError(`flow model: option ${field} ${problem}`);
  };
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (!posInt(dimension)) fail('(dimension)', `must be a positive integer, got ${dimension}`);
  if (!posInt(o.layers)) fail('layers', `must be a positive integer, got ${o.layers}`);
  if (o.coupling !== 'affine' && o.coupling !== 'spline' && o.coupling !== 'autoregressive')
    fail('coupling', `must be 'affine', 'spline' or 'autoregressive', got ${JSON.stringify(o.coupling)}`);
  if (o.autoregressiveTransform !== undefined && !AUTOREGRESSIVE_TRANSFORMS.includes(o.autoregressiveTransform))
    fail(
      'autoregressiveTransform',
      `must be one of ${AUTOREGRESSIVE_TRANSFORMS.join(', ')}, got ${JSON.stringify(o.autoregressiveTransform)}`,
    );
  if (o.autoregressiveOrder !== undefined && !AUTOREGRESSIVE_ORDERS.includes(o.autoregressiveOrder))
    fail(
      'autoregressiveOrder',
      `must be one of ${AUTOREGRESSIVE_ORDERS.join(', ')}, got ${JSON.stringify(o.autoregressiveOrder)}`,
    );
  if (!Array.isArray(o.hidden) || !o.hidden.every(posInt))
    fail('hidden', `must be a list of positive integers, got ${JSON.stringify(o.hidden)}`);
  if (!ACTIVATIONS.includes(o.activation))
    fail('activation', `must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(o.activation)}`);
  if (!Number.isInteger(o.bins) || o.bins < 2 || o.bins > 64)
    fail('bins', `must be an integer in [2, 64], got ${o.bins}`);
  for (const f of ['bound', 'scaleBound', 'outputScale'] as const) {
    if (!(o[f] > 0) || !Number.isFinite(o[f])) fail(f, `must be a positive number, got ${o[f]}`);
  }
  if (!(o.finalLayerScale >= 0) || !Number.isFinite(o.finalLayerScale))
    fail('finalLayerScale', `must be a non-negative number, got ${o.finalLayerScale}`);
  if (typeof o.scope !== 'string' || !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(o.scope))
    fail(
      'scope',
      `must be a name of letters, digits, '_', '.', '-' (nested models add '/'), got ${JSON.stringify(o.scope)}`,
    );
  const circ = o.circular;
  if (circ === 'phi-psi' || circ === 'phi-psi-methyls') {
    fail(
      'circular',
      `'${circ}' is resolved from the transform's coordinate names by the flow plugin; a model built directly needs the indices`,
    );
  } else if (circ !== 'auto' && circ !== 'none') {
    if (!Array.isArray(circ))
      fail(
        'circular',
        `must be 'auto', 'none', 'phi-psi', 'phi-psi-methyls' or a list of coordinate indices, got ${JSON.stringify(circ)}`,
      );
    const seen = new Set<number>();
    for (const i of circ) {
      if (!Number.isInteger(i) || i < 0 || i >= dimension)
        fail('circular', `lists model-space indices in [0, ${dimension - 1}], got ${JSON.stringify(i)}`);
      if (seen.has(i)) fail('circular', `lists index ${i} twice`);
      seen.add(i);
    }
    o.circular = [...circ].sort((a, b) => a - b);
  }
  if (o.base !== 'gaussian' && o.base !== 'truncated-normal')
    fail('base', `must be 'gaussian' or 'truncated-normal', got ${JSON.stringify(o.base)}`);
  if (o.baseBound !== undefined) {
    if (o.base !== 'truncated-normal')
      fail('baseBound', `applies only to base 'truncated-normal' (base is '${o.base}'); remove it or set base`);
    if (!(o.baseBound > 0) || !Number.isFinite(o.baseBound))
      fail('baseBound', `must be a positive number, got ${o.baseBound}`);
  }
  if (!Number.isInteger(o.baseComponents) || o.baseComponents < 1)
    fail('baseComponents', `must be a positive integer, got ${JSON.stringify(o.baseComponents)}`);
  if (!(o.baseSpread > 0) || !Number.isFinite(o.baseSpread))
    fail('baseSpread', `must be a positive number, got ${o.baseSpread}`);
  if (o.baseComponents > 1 && o.base !== 'gaussian')
    fail('baseComponents', `a mixture base needs base 'gaussian' (base is '${o.base}')`);
  if (o.outputMean !== undefined) {
    if (!Array.isArray(o.outputMean))
      fail('outputMean', `must be a list of ${dimension} numbers, got ${typeof o.outputMean}`);
    modelVector(o.outputMean, dimension, 'flow model: option outputMean');
  }
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
