/**
 * Options of the `slow-fast-flow` model: a coupling flow over a few slow coordinates (φ, ψ, …) and
 * a conditional Gaussian over the rest, in model space (internal coordinates). Also the presets
 * that name the slow coordinates from the transform's coordinate names.
 */
import { ACTIVATIONS, modelVector, resolveOptionsInCode, type Activation, type JSONSchema } from '@embedcg/core';
import { backboneTorsions, methylRotorTorsions } from '@embedcg/core/molecules';
import { optionsSchema as flowSchema, type CircularSpec } from './options.js';

/** Presets resolved from the transform's names: the backbone torsions, optionally with the methyl rotors. */
export const SLOW_PRESETS = ['phi-psi', 'phi-psi-methyls'] as const;
export type SlowPreset = (typeof SLOW_PRESETS)[number];

export interface SlowFastOptions {
  /**
   * Model-space indices of the slow coordinates (the CVs, in this order), or a preset read from the
   * internal-coordinates transform's names: 'phi-psi' (the backbone torsions φ = C–N–CA–C and
   * ψ = N–CA–C–N), 'phi-psi-methyls' (those and the rotor torsion of every CH3 group).
   */
  slow: number[] | SlowPreset;
  /**
   * Angles on the circle: 'auto' (default) the transform's circular flags, 'none', or model-space
   * indices. Slow circular coordinates get a uniform base and circular splines; fast circular ones
   * are Gaussians wrapped onto [−π, π) (their density ignores the mass beyond ±π, negligible for
   * scales ≪ π).
   */
  circular: CircularSpec;
  /** Coupling layers of the slow flow. */
  layers: number;
  /** Conditioner widths of the slow flow. */
  hidden: number[];
  activation: Activation;
  /** Spline bins of the slow flow. */
  bins: number;
  /** Spline interval half-width of the slow flow (non-circular slow coordinates, base units). */
  bound: number;
  /** Hidden widths of the MLP slow features → (μ, log σ) of the fast coordinates. */
  fastHidden: number[];
  /**
   * Affine coupling layers over the fast block after the conditional Gaussian, each conditioned on
   * the slow features too (0: the fast block is a diagonal Gaussian given the slow coordinates).
   */
  fastLayers: number;
  /**
   * Weight ε of a uniform component on [−π, π)^d in the slow marginal (defensive importance
   * sampling; all slow coordinates must be angles). 0 = the flow alone.
   */
  defensive: number;
  /** Reference configuration (length D); default: the force field's initial positions in model space. */
  outputMean?: number[];
  /** y = outputMean + outputScale · u for the non-circular coordinates. */
  outputScale: number;
  /** Per-dimension scales (length D) instead of `outputScale`. */
  outputScales?: number[];
  /** With the internal-coordinates transform: scales by coordinate kind (nm, rad, rad). */
  scaleByKind?: { bond: number; angle: number; torsion: number };
  /** Prefix of the variable names: `<scope>/slow/…`, `<scope>/fast/…`. */
  scope: string;
}

export const SLOW_FAST_DEFAULTS: Readonly<SlowFastOptions> = Object.freeze({
  slow: 'phi-psi',
  circular: 'auto',
  layers: 6,
  hidden: [64, 64],
  activation: 'tanh',
  bins: 8,
  bound: 5,
  fastHidden: [64, 64],
  fastLayers: 0,
  defensive: 0,
  outputScale: 1,
  scope: 'sfflow',
} as SlowFastOptions);

const fp = (flowSchema as { properties: Record<string, Record<string, unknown>> }).properties;

export const slowFastOptionsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    slow: {
      default: SLOW_FAST_DEFAULTS.slow,
      description:
        "slow coordinates (the CVs): model-space indices, or 'phi-psi' / 'phi-psi-methyls' from the internal-coordinates transform's names",
      oneOf: [
        { type: 'string', enum: [...SLOW_PRESETS] },
        { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1, uniqueItems: true },
      ],
    },
    circular: {
      default: SLOW_FAST_DEFAULTS.circular,
      description:
        "angles on the circle (torsions): 'auto' (the transform's circular flags), 'none', or model-space indices",
      oneOf: [{ type: 'string', enum: ['auto', 'none'] }, (fp.circular!.oneOf as JSONSchema[])[1]],
    },
    layers: { ...fp.layers, default: SLOW_FAST_DEFAULTS.layers, description: 'coupling layers of the slow flow' },
    hidden: {
      ...fp.hidden,
      default: [...SLOW_FAST_DEFAULTS.hidden],
      description: 'conditioner widths of the slow flow',
    },
    activation: { type: 'string', enum: [...ACTIVATIONS], default: SLOW_FAST_DEFAULTS.activation },
    bins: { ...fp.bins, default: SLOW_FAST_DEFAULTS.bins },
    bound: { ...fp.bound, default: SLOW_FAST_DEFAULTS.bound },
    fastHidden: {
      type: 'array',
      items: { type: 'integer', minimum: 1 },
      default: [...SLOW_FAST_DEFAULTS.fastHidden],
      description: 'hidden widths of slow features → (μ, log σ) of the fast coordinates',
    },
    outputMean: fp.outputMean,
    outputScale: { ...fp.outputScale, default: SLOW_FAST_DEFAULTS.outputScale },
    fastLayers: {
      type: 'integer',
      minimum: 0,
      default: SLOW_FAST_DEFAULTS.fastLayers,
      description:
        'affine coupling layers over the fast block, conditioned on the slow features (0: diagonal Gaussian)',
    },
    defensive: {
      type: 'number',
      minimum: 0,
      exclusiveMaximum: 1,
      default: SLOW_FAST_DEFAULTS.defensive,
      description:
        'weight of a uniform component over the slow torsions (defensive mixture): trains the fast block in rare slow states and bounds the weights there',
    },
    outputScales: fp.outputScales,
    scaleByKind: fp.scaleByKind,
    scope: { ...fp.scope, default: SLOW_FAST_DEFAULTS.scope },
  },
};

const properties = slowFastOptionsSchema.properties as Record<string, JSONSchema>;
/** Options given in code may nest scopes (a model inside another); a config may not. */
const codeSchema: JSONSchema = {
  ...slowFastOptionsSchema,
  properties: { ...properties, scope: { ...properties.scope, pattern: '^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$' } },
};

/**
 * The options a slow-fast model is built with: the schema (types, ranges, defaults), then what
 * needs the model dimension D: indices below D, lengths equal to D.
 */
export function resolveSlowFastOptions(partial: Partial<SlowFastOptions>, dimension: number): SlowFastOptions {
  const fail = (field: string, problem: string): never => {
    throw new RangeError(`slow-fast-flow model: option ${field} ${problem}`);
  };
  if (!Number.isInteger(dimension) || dimension < 1)
    fail('(dimension)', `must be a positive integer, got ${dimension}`);
  const resolved = resolveOptionsInCode<SlowFastOptions>(
    { optionsSchema: codeSchema },
    partial,
    'slow-fast-flow model',
  );
  // The defaults' key order first, as the options were always laid out (the metadata lists them).
  const o: SlowFastOptions = { ...SLOW_FAST_DEFAULTS, ...resolved };
  const indices = (field: string, list: number[]): number[] => {
    const bad = list.find((i) => i >= dimension);
    if (bad !== undefined) fail(field, `lists model-space indices in [0, ${dimension - 1}], got ${bad}`);
    return list;
  };
  if (Array.isArray(o.slow)) o.slow = indices('slow', o.slow);
  if (Array.isArray(o.circular)) o.circular = [...indices('circular', o.circular)].sort((a, b) => a - b);
  if (o.outputMean !== undefined) modelVector(o.outputMean, dimension, 'slow-fast-flow model: option outputMean');
  if (o.outputScales !== undefined) modelVector(o.outputScales, dimension, 'slow-fast-flow model: option outputScales');
  return o;
}

/**
 * The slow coordinates a preset names, from the internal-coordinates transform's names (core's
 * `backboneTorsions` and `methylRotorTorsions`): φ and ψ, and with 'phi-psi-methyls' the rotor
 * torsion of every methyl group. Throws, naming what is missing, when φ or ψ is absent.
 */
export function resolveSlowPreset(
  preset: SlowPreset,
  names: readonly string[] | undefined,
  option = 'slow-fast-flow model: option slow',
): number[] {
  if (!names) {
    throw new RangeError(
      `${option} '${preset}' needs a transform that names its coordinates (the internal-coordinates transform); ` +
        'this run has none. List the coordinates as model-space indices instead.',
    );
  }
  const { phi, psi } = backboneTorsions(names);
  const torsions = names.filter((n) => n.startsWith('torsion '));
  if (phi.length === 0 || psi.length === 0) {
    const missing = [phi.length === 0 ? 'φ (C–N–CA–C)' : '', psi.length === 0 ? 'ψ (N–CA–C–N)' : '']
      .filter(Boolean)
      .join(' and ');
    const shown = torsions.slice(0, 12).map((n) => `"${n}"`);
    throw new RangeError(
      `${option} '${preset}': the transform has no torsion coordinate for ${missing} ` +
        `among its ${torsions.length} torsions (atom names C, N, CA as in PDB backbones)` +
        (shown.length ? `: ${shown.join(', ')}${torsions.length > 12 ? ', …' : ''}` : '') +
        '; list the coordinates as model-space indices instead.',
    );
  }
  checkEveryResidue(names, phi, psi, `${option} '${preset}'`);
  const out = [...phi, ...psi];
  if (preset === 'phi-psi-methyls') out.push(...methylRotorTorsions(names));
  return out;
}

/** The CA atom label ("CA:3") of a φ or ψ torsion coordinate name: the residue it belongs to. */
const caOf = (name: string) =>
  name
    .slice(8)
    .split('-')
    .find((a) => a.replace(/:\d+$/, '') === 'CA') ?? name;

/**
 * Every residue with a φ torsion has its ψ and the other way round (a peptide of N residues gives N
 * of each): a residue whose φ or ψ the z-matrix expresses through other atoms would silently drop
 * out of the slow coordinates.
 */
function checkEveryResidue(names: readonly string[], phi: number[], psi: number[], who: string): void {
  const withPhi = new Set(phi.map((i) => caOf(names[i]!)));
  const withPsi = new Set(psi.map((i) => caOf(names[i]!)));
  const noPsi = [...withPhi].filter((r) => !withPsi.has(r));
  const noPhi = [...withPsi].filter((r) => !withPhi.has(r));
  if (noPsi.length || noPhi.length)
    throw new RangeError(
      `${who}: not every residue has both backbone torsions as coordinates ` +
        `(${[...noPsi.map((r) => `${r}: φ but no ψ`), ...noPhi.map((r) => `${r}: ψ but no φ`)].join('; ')}; found φ ${phi.map((i) => `"${names[i]}"`).join(', ')}; ψ ${psi.map((i) => `"${names[i]}"`).join(', ')}); ` +
        'list the coordinates as model-space indices instead.',
    );
}
