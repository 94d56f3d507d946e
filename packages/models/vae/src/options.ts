/**
 * Options of the VAE model: their TypeScript shape, defaults and the JSON Schema that core
 * validates run configs against (ajv fills the defaults before `create`).
 */
import { modelVector, type JSONSchema } from '@embedcg/core';
import { scalesByKind as coreScalesByKind } from '@embedcg/core/molecules';
import { DEFAULT_DECODER_FLOW, type DecoderFlowOptions } from './flow-decoder.js';
import type { RotorEncoderInput, RotorSymmetrySpec } from './rotor-symmetry.js';
import { DEFAULT_PRIOR_MIXTURE, type PriorMixtureOptions } from './prior-mixture.js';
import { DEFAULT_COMPONENT_SCAN, type ComponentScanOptions } from './component-scan.js';

export type { PriorMixtureOptions };

/** Activation functions a hidden layer may use. */
export const ACTIVATIONS = ['tanh', 'relu', 'selu', 'softplus', 'elu', 'sigmoid', 'logsigmoid', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Output scales by kind of internal coordinate (the first word of the transform's coordinate names). */
export interface ScaleByKind {
  bond: number;
  angle: number;
  torsion: number;
  /** φ and ψ (by names) instead of `torsion`, when given. */
  backbone?: number;
}
const KINDS = ['bond', 'angle', 'torsion'] as const;

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

/** What the encoder sees of a circular coordinate y: its wrapped, standardised difference to m, or (cos y, sin y). */
export type EncoderAngles = 'wrapped' | 'trig';

/** How the decoder's log-variance depends on z. */
export type DecoderVariance = 'shared' | 'head';

export interface VaeOptions {
  /** Number of latent CVs d. */
  latentDim: number;
  /** Hidden widths of the decoder mean MLP d → … → D. */
  decoderHidden: number[];
  /** One activation for every decoder hidden layer. */
  decoderActivation: Activation;
  /** 'shared': one learned log-variance vector over the D outputs; 'head': a linear head of z. */
  decoderVariance: DecoderVariance;
  /** Initial decoder log-variance (in standardised output units). */
  initialLogVariance: number;
  /** Hidden widths of the encoder MLP D → … (then linear heads for mean and log-variance). */
  encoderHidden: number[];
  /** Activation of each encoder hidden layer (same length as `encoderHidden`). */
  encoderActivations: Activation[];
  /** Reference configuration the decoder is centred on (length D); default from the context. */
  outputMean?: number[];
  /** Decoder outputs are `outputMean + outputScale · network` (every coordinate, unless per-dimension scales are given). */
  outputScale: number;
  /**
   * Per-dimension scales s_i (length D, positive) instead of the single `outputScale`:
   * y_i = m_i + s_i · u_i. Give either this or `scaleByKind`, not both.
   */
  outputScales?: number[];
  /**
   * With a transform that names its coordinates (the internal-coordinates transform): per-dimension
   * scales by kind of coordinate, bond lengths in nm, angles and torsions in rad, so that stiff bonds
   * and soft torsions start in proportion. Resolved into `outputScales` when the model is built.
   */
  scaleByKind?: ScaleByKind;
  /**
   * Coordinates that are angles on the circle (torsions). For them the recognition model, and the
   * densities of given configurations (`logProbBound`, `decoderLogDensity`), see y − m wrapped into
   * [−π, π) before scaling, so that a torsion of −179° next to a reference at +180° is a small
   * difference rather than one of 2π. Draws are not wrapped (y = m + s·u; the transform takes any
   * real torsion). 'auto' (default): the circular flags of the run's transform when it has them
   * (internal coordinates: the torsions), none otherwise; 'none'; or a list of model-space indices.
   */
  circular: CircularSpec;
  /**
   * Torsions whose decoder density is made three-fold symmetric (rotor-symmetry.ts): the Gaussian
   * and its copies shifted by ±2π/3, wrapped onto the circle, so that the three wells of a methyl
   * rotor need no CV. 'none' (default), 'methyls' (the rotor torsion of every CH3, from the
   * transform's names), or model-space indices.
   */
  rotorSymmetry: RotorSymmetrySpec;
  /**
   * What the recognition model sees of the rotors: 'hidden' (default; zeros, so the CVs cannot
   * depend on them, as the decoder needs no CV for them) or 'raw' (like any other coordinate).
   */
  rotorEncoder: RotorEncoderInput;
  /**
   * Cap the decoder's σ of these coordinates (soft, through the log-variance clamp): a decoder
   * that may not cover the Ramachandran plane with its variance has to move φ/ψ with z, i.e. keep
   * the latents in use (without it, a broad decoder Gaussian covers the basins and the CVs collapse).
   */
  decoderStdMax?: DecoderStdMax;
  /** A linear path from z to these coordinates, initialised with the given slope (see {@link LatentSkip}). */
  latentSkip?: LatentSkip;
  /**
   * With `latentSkip`: the MLP leaves the skip coordinates alone, so their means are linear in z
   * (plus a mixture component's offset). Why: a rare component's place on those coordinates is then
   * its own parameters', not the shared MLP's, which the common components keep retraining.
   */
  latentSkipOnly: boolean;
  /**
   * With `latentSkipOnly`: let the MLP move the skip coordinates by at most this much (in their
   * units, radians for φ/ψ), as r·tanh(MLP/r); 0 (default) keeps it off them. Why: the Gaussian
   * each component then draws in (φ, ψ) can bend within its basin, while no component can be
   * carried further than r, short of the barriers.
   */
  latentSkipMlpRange: number;
  /**
   * With `latentSkip`: give the encoder's mean the matching linear path from the same coordinates
   * to z, started as the exact inverse of the decoder's (z_k = Σ s_c u_c / (slope·n_k) over the n_k
   * coordinates of latent k). The recognition model is trained only on the model's own samples, so
   * on configurations the model never drew (a rare basin of a reference trajectory) its MLP answers
   * arbitrarily; the linear path makes its answer there an extrapolation along the driven angles.
   */
  encoderSkip: boolean;
  /**
   * A learnable Gaussian-mixture prior over z instead of N(0, I) (prior-mixture.ts): K components
   * with centres of spread `spread` (drawn, or evenly placed) and widths `std`; the trainer moves their weights by the
   * score-function gradient of the component choice, i.e. by the components' mean losses. With
   * `componentDecoder` the decoder also sees the component and the encoder guesses it.
   */
  priorMixture?: PriorMixtureOptions;
  /**
   * How the recognition model sees the circular coordinates: 'wrapped' (default; y − m wrapped into
   * [−π, π) and standardised, which jumps where y crosses m ± π) or 'trig' (cos y and sin y: no jump
   * anywhere on the circle, one extra input per circular coordinate).
   */
  encoderAngles: EncoderAngles;
  /** Scale of the initial weights of the last decoder layer relative to Glorot-uniform. */
  finalLayerScale: number;
  /** Prefix of all variable names, e.g. 'vae/decoder/dense0/kernel'. */
  scope: string;
  /**
   * When given, the decoder is a conditional flow: the Gaussian decoder's sample v is pushed
   * through `layers` spline couplings conditioned on z (see flow-decoder.ts). Absent: the plain
   * Gaussian decoder. Missing fields take {@link DEFAULT_DECODER_FLOW}.
   */
  decoderFlow?: DecoderFlowOptions;
}

/** What callers pass: every option optional, `decoderFlow`'s fields too (defaults fill the rest). */
export type VaeOptionsInput = Partial<Omit<VaeOptions, 'decoderFlow' | 'priorMixture'>> & {
  decoderFlow?: Partial<DecoderFlowOptions>;
  priorMixture?: Pick<PriorMixtureOptions, 'components'> &
    Partial<Omit<PriorMixtureOptions, 'scan'>> & { scan?: Partial<ComponentScanOptions> };
};

export const DEFAULT_OPTIONS: Readonly<VaeOptions> = Object.freeze({
  latentDim: 1,
  decoderHidden: [100, 100, 100],
  decoderActivation: 'tanh',
  decoderVariance: 'shared',
  initialLogVariance: -0.5,
  encoderHidden: [150, 150, 150],
  encoderActivations: ['selu', 'selu', 'logsigmoid'],
  outputScale: 1,
  circular: 'auto',
  rotorSymmetry: 'none',
  rotorEncoder: 'hidden',
  encoderAngles: 'wrapped',
  encoderSkip: false,
  latentSkipOnly: false,
  latentSkipMlpRange: 0,
  finalLayerScale: 0.1,
  scope: 'vae',
} as VaeOptions);

const activation = { type: 'string', enum: [...ACTIVATIONS] };
const widths = { type: 'array', items: { type: 'integer', minimum: 1 } };

/** JSON Schema of {@link VaeOptions}, with defaults. */
export const optionsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    latentDim: { type: 'integer', minimum: 1, default: DEFAULT_OPTIONS.latentDim, description: 'number of latent CVs' },
    decoderHidden: { ...widths, default: [...DEFAULT_OPTIONS.decoderHidden], description: 'decoder hidden widths' },
    decoderActivation: { ...activation, default: DEFAULT_OPTIONS.decoderActivation },
    decoderVariance: { type: 'string', enum: ['shared', 'head'], default: DEFAULT_OPTIONS.decoderVariance },
    initialLogVariance: {
      type: 'number',
      minimum: -19,
      maximum: 4,
      default: DEFAULT_OPTIONS.initialLogVariance,
      description: 'initial decoder log-variance, in standardised units; inside the clamp range [-20, 5]',
    },
    encoderHidden: { ...widths, default: [...DEFAULT_OPTIONS.encoderHidden], description: 'encoder hidden widths' },
    encoderActivations: { type: 'array', items: activation, default: [...DEFAULT_OPTIONS.encoderActivations] },
    outputMean: {
      type: 'array',
      items: { type: 'number' },
      description: "reference configuration (length D); defaults to the force field's initial positions",
    },
    outputScale: {
      type: 'number',
      exclusiveMinimum: 0,
      default: DEFAULT_OPTIONS.outputScale,
      description:
        'output scale s of every coordinate: y = outputMean + s · u (unless outputScales or scaleByKind is given)',
    },
    outputScales: {
      type: 'array',
      items: { type: 'number', exclusiveMinimum: 0 },
      minItems: 1,
      description:
        'per-dimension output scales s_i (length D, positive), instead of outputScale: y_i = outputMean_i + s_i · u_i',
    },
    scaleByKind: {
      type: 'object',
      additionalProperties: false,
      required: [...KINDS],
      description:
        'with a transform that names its coordinates (internal-coordinates): per-dimension output scales by kind, bonds in nm, angles and torsions in rad; instead of outputScales',
      properties: {
        bond: { type: 'number', exclusiveMinimum: 0, description: 'scale of bond lengths (nm)' },
        angle: { type: 'number', exclusiveMinimum: 0, description: 'scale of bond angles (rad)' },
        torsion: { type: 'number', exclusiveMinimum: 0, description: 'scale of torsions (rad)' },
        backbone: {
          type: 'number',
          exclusiveMinimum: 0,
          description: 'scale of the backbone torsions phi and psi (rad), instead of torsion',
        },
      },
    },
    circular: {
      default: DEFAULT_OPTIONS.circular,
      description:
        "angles on the circle (torsions), whose difference to outputMean the encoder and the densities of given configurations see wrapped into [-pi, pi): 'auto' (the transform's circular flags when it has them, else none), 'none', or model-space indices",
      oneOf: [
        { type: 'string', enum: ['auto', 'none'] },
        { type: 'array', items: { type: 'integer', minimum: 0 }, uniqueItems: true },
      ],
    },
    rotorSymmetry: {
      default: DEFAULT_OPTIONS.rotorSymmetry,
      description:
        "three-fold rotor torsions whose decoder density is the Gaussian and its copies shifted by ±2π/3 (equal weights, on the circle): 'none', 'methyls' (every CH3's rotor torsion, from the internal-coordinates transform's names), or model-space indices",
      oneOf: [
        { type: 'string', enum: ['none', 'methyls'] },
        { type: 'array', items: { type: 'integer', minimum: 0 }, uniqueItems: true },
      ],
    },
    rotorEncoder: {
      type: 'string',
      enum: ['hidden', 'raw'],
      default: DEFAULT_OPTIONS.rotorEncoder,
      description:
        "what the encoder sees of the rotorSymmetry torsions: 'hidden' (zeros: the CVs cannot depend on them) or 'raw'",
    },
    encoderAngles: {
      type: 'string',
      enum: ['wrapped', 'trig'],
      default: DEFAULT_OPTIONS.encoderAngles,
      description:
        "what the encoder sees of circular coordinates: 'wrapped' (y - m wrapped into [-pi, pi), standardised; jumps at m ± pi) or 'trig' (cos y, sin y; continuous on the whole circle)",
    },
    latentSkipOnly: {
      type: 'boolean',
      default: DEFAULT_OPTIONS.latentSkipOnly,
      description:
        "with latentSkip: the decoder's MLP leaves the skip coordinates alone, so their means are linear in z (plus a mixture component's offset) and a rare component keeps its place there when the shared MLP is retrained for the common ones",
    },
    latentSkipMlpRange: {
      type: 'number',
      minimum: 0,
      default: DEFAULT_OPTIONS.latentSkipMlpRange,
      description:
        "with latentSkipOnly: the MLP may move the skip coordinates by at most this much (their units; radians for phi/psi), as r·tanh(MLP/r), so a component's shape bends within its basin but the component cannot be carried across a barrier; 0 keeps the MLP off them",
    },
    encoderSkip: {
      type: 'boolean',
      default: DEFAULT_OPTIONS.encoderSkip,
      description:
        "with latentSkip: a learnable linear path from the same coordinates to the encoder's mean, started as the inverse of the decoder's, so CVs of configurations the model never drew extrapolate along those coordinates",
    },
    priorMixture: {
      type: 'object',
      additionalProperties: false,
      required: ['components'],
      description:
        "a learnable Gaussian-mixture prior over z (weights moved by the components' mean losses), instead of N(0, I)",
      properties: {
        components: { type: 'integer', minimum: 2, description: 'number of components' },
        spread: {
          type: 'number',
          exclusiveMinimum: 0,
          default: DEFAULT_PRIOR_MIXTURE.spread,
          description: 'standard deviation of the initial centres, per latent',
        },
        centres: {
          type: 'string',
          enum: ['normal', 'even'],
          default: DEFAULT_PRIOR_MIXTURE.centres,
          description:
            "initial centres: 'normal' (drawn from N(0, spread^2 I)) or 'even' (a Halton sequence in the box of half-width sqrt(3)·spread: no two start close)",
        },
        std: {
          type: 'number',
          exclusiveMinimum: 0,
          default: DEFAULT_PRIOR_MIXTURE.std,
          description: 'initial standard deviation of each component',
        },
        balance: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          default: DEFAULT_PRIOR_MIXTURE.balance,
          description:
            'training draws pick components from (1 - balance)·weights + balance/K and weight samples back, so rare components keep training; 0: draw from the weights',
        },
        scan: {
          type: 'object',
          additionalProperties: false,
          description:
            'before training, decode `candidates` latent values drawn with standard deviation `spread`, score them with the force field, and start the components at the best basin bottoms (no better structure within `radius`, over the latentSkip coordinates, else all): each component at the bottom of a different basin',
          properties: {
            candidates: {
              type: 'integer',
              minimum: 2,
              default: DEFAULT_COMPONENT_SCAN.candidates,
              description: 'latent values decoded and scored by the force field',
            },
            spread: {
              type: 'number',
              exclusiveMinimum: 0,
              default: DEFAULT_COMPONENT_SCAN.spread,
              description: 'standard deviation of the scanned latent values, per latent',
            },
            radius: {
              type: 'number',
              exclusiveMinimum: 0,
              default: DEFAULT_COMPONENT_SCAN.radius,
              description:
                'a basin bottom has no better candidate within this distance, in standardised units of the compared coordinates (radians for phi/psi at scale 1)',
            },
            keep: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 1,
              default: DEFAULT_COMPONENT_SCAN.keep,
              description:
                'with fewer basin bottoms than components: the fraction of the candidates, lowest energy first, the others are spread over (farthest-point selection)',
            },
          },
        },
        componentDecoder: {
          type: 'boolean',
          default: DEFAULT_PRIOR_MIXTURE.componentDecoder,
          description:
            'the decoder sees the component (a learned first-layer bias each) and the encoder guesses it (a classifier head), so each component can hold a basin of its own',
        },
      },
    },
    decoderStdMax: {
      type: 'object',
      additionalProperties: false,
      required: ['coordinates', 'max'],
      description:
        "soft upper bound on the decoder's standard deviation of some coordinates, in their units (rad for torsions), so the latents must carry their large moves: coordinates 'backbone' (phi and psi, from the internal-coordinates transform's names) or model-space indices",
      properties: {
        coordinates: {
          oneOf: [
            { type: 'string', enum: ['backbone'] },
            { type: 'array', items: { type: 'integer', minimum: 0 }, uniqueItems: true, minItems: 1 },
          ],
        },
        max: { type: 'number', exclusiveMinimum: 0, description: 'largest decoder standard deviation (model units)' },
      },
    },
    latentSkip: {
      type: 'object',
      additionalProperties: false,
      required: ['coordinates', 'slope'],
      description:
        "a learnable linear path from z to some coordinates, initialised so that latent k mod d moves the k-th of them (in index order) by slope per unit of z: 'backbone' (phi and psi, from the internal-coordinates transform's names) or model-space indices",
      properties: {
        coordinates: {
          oneOf: [
            { type: 'string', enum: ['backbone'] },
            { type: 'array', items: { type: 'integer', minimum: 0 }, uniqueItems: true, minItems: 1 },
          ],
        },
        slope: {
          type: 'number',
          description: 'initial change of each coordinate per unit of its latent (model units, rad for torsions)',
        },
      },
    },
    finalLayerScale: { type: 'number', minimum: 0, default: DEFAULT_OPTIONS.finalLayerScale },
    scope: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]+$',
      default: DEFAULT_OPTIONS.scope,
      description: 'prefix of the variable names',
    },
    decoderFlow: {
      type: 'object',
      additionalProperties: false,
      description:
        'make the decoder a conditional flow: spline couplings conditioned on z on top of the Gaussian decoder (absent: Gaussian decoder)',
      properties: {
        layers: {
          type: 'integer',
          minimum: 1,
          default: DEFAULT_DECODER_FLOW.layers,
          description: 'number of spline coupling layers',
        },
        bins: {
          type: 'integer',
          minimum: 2,
          maximum: 64,
          default: DEFAULT_DECODER_FLOW.bins,
          description: 'spline bins per coordinate',
        },
        bound: {
          type: 'number',
          exclusiveMinimum: 0,
          default: DEFAULT_DECODER_FLOW.bound,
          description: 'spline interval half-width, in standardised units (identity outside)',
        },
        hidden: {
          ...widths,
          default: [...DEFAULT_DECODER_FLOW.hidden],
          description: 'hidden widths of each conditioner MLP (tanh)',
        },
      },
    },
  },
};

/** Fill defaults and check the cross-field rules a JSON Schema cannot express. */
export function resolveOptions(partial: VaeOptionsInput, dimension: number): VaeOptions {
  const { decoderFlow, priorMixture, ...rest } = stripUndefined(partial);
  const o: VaeOptions = {
    ...DEFAULT_OPTIONS,
    decoderHidden: [...DEFAULT_OPTIONS.decoderHidden],
    encoderHidden: [...DEFAULT_OPTIONS.encoderHidden],
    encoderActivations: [...DEFAULT_OPTIONS.encoderActivations],
    ...rest,
  };
  const fail = (field: string, problem: string): never => {
    throw new RangeError(`vae model: option ${field} ${problem}`);
  };
  if (!Number.isInteger(dimension) || dimension < 1)
    fail('(dimension)', `must be a positive integer, got ${dimension}`);
  if (!Number.isInteger(o.latentDim) || o.latentDim < 1)
    fail('latentDim', `must be a positive integer, got ${o.latentDim}`);
  for (const [field, list] of [
    ['decoderHidden', o.decoderHidden],
    ['encoderHidden', o.encoderHidden],
  ] as const) {
    if (!Array.isArray(list) || list.some((w) => !Number.isInteger(w) || w < 1)) {
      fail(field, `must be a list of positive integers, got ${JSON.stringify(list)}`);
    }
  }
  if (!ACTIVATIONS.includes(o.decoderActivation))
    fail('decoderActivation', `must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(o.decoderActivation)}`);
  if (!Array.isArray(o.encoderActivations) || o.encoderActivations.length !== o.encoderHidden.length) {
    fail(
      'encoderActivations',
      `must list one activation per encoder hidden layer (${o.encoderHidden.length}), got ${JSON.stringify(o.encoderActivations)}`,
    );
  }
  o.encoderActivations.forEach((a, i) => {
    if (!ACTIVATIONS.includes(a))
      fail(`encoderActivations[${i}]`, `must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(a)}`);
  });
  if (o.decoderVariance !== 'shared' && o.decoderVariance !== 'head')
    fail('decoderVariance', `must be 'shared' or 'head', got ${JSON.stringify(o.decoderVariance)}`);
  if (!Number.isFinite(o.initialLogVariance) || o.initialLogVariance <= -20 || o.initialLogVariance >= 5) {
    fail('initialLogVariance', `must lie strictly inside the clamp range (-20, 5), got ${o.initialLogVariance}`);
  }
  if (!(o.outputScale > 0) || !Number.isFinite(o.outputScale))
    fail('outputScale', `must be a positive number, got ${o.outputScale}`);
  if (!(o.finalLayerScale >= 0) || !Number.isFinite(o.finalLayerScale))
    fail('finalLayerScale', `must be a non-negative number, got ${o.finalLayerScale}`);
  if (typeof o.scope !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(o.scope))
    fail('scope', `must be a non-empty name of letters, digits, '_', '.', '-', got ${JSON.stringify(o.scope)}`);
  if (o.outputMean !== undefined) {
    if (!Array.isArray(o.outputMean))
      fail('outputMean', `must be a list of ${dimension} numbers, got ${typeof o.outputMean}`);
    modelVector(o.outputMean, dimension, 'vae model: option outputMean');
  }
  if (o.outputScales !== undefined) {
    if (o.scaleByKind !== undefined)
      fail(
        'outputScales',
        'and scaleByKind were both given; give one of them (scaleByKind resolves into outputScales)',
      );
    if (!Array.isArray(o.outputScales))
      fail('outputScales', `must be a list of ${dimension} positive numbers, got ${JSON.stringify(o.outputScales)}`);
    const s = modelVector(o.outputScales, dimension, 'vae model: option outputScales');
    const bad = s.findIndex((v) => !(v > 0));
    if (bad >= 0) fail(`outputScales[${bad}]`, `must be a positive number, got ${s[bad]}`);
    o.outputScales = Array.from(s);
  }
  if (o.scaleByKind !== undefined) o.scaleByKind = resolveScaleByKind(o.scaleByKind, fail);
  // Index lists: model-space indices, each once, kept sorted.
  const indexList = (name: string, list: unknown[]): number[] => {
    const seen = new Set<number>();
    for (const i of list) {
      if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= dimension)
        fail(name, `lists ${JSON.stringify(i)}, not a model-space index in [0, ${dimension})`);
      if (seen.has(i as number)) fail(name, `lists index ${i} twice`);
      seen.add(i as number);
    }
    return [...seen].sort((a, b) => a - b);
  };
  if (Array.isArray(o.circular)) {
    o.circular = indexList('circular', o.circular);
  } else if (o.circular !== 'auto' && o.circular !== 'none') {
    fail('circular', `must be 'auto', 'none' or a list of model-space indices, got ${JSON.stringify(o.circular)}`);
  }
  if (Array.isArray(o.rotorSymmetry)) {
    o.rotorSymmetry = indexList('rotorSymmetry', o.rotorSymmetry);
  } else if (o.rotorSymmetry !== 'none' && o.rotorSymmetry !== 'methyls') {
    fail(
      'rotorSymmetry',
      `must be 'none', 'methyls' or a list of model-space indices, got ${JSON.stringify(o.rotorSymmetry)}`,
    );
  }
  // { coordinates: 'backbone' | indices, <number field> } objects.
  const coordinateOption = <K extends string>(
    name: string,
    given: unknown,
    field: K,
    what: string,
    positive: boolean,
  ): { coordinates: 'backbone' | number[] } & Record<K, number> => {
    if (given === null || typeof given !== 'object' || Array.isArray(given))
      fail(name, `must be an object like { "coordinates": "backbone", "${field}": 0.3 }, got ${JSON.stringify(given)}`);
    const { coordinates, [field]: value, ...extra } = given as Record<string, unknown>;
    if (Object.keys(extra).length > 0)
      fail(`${name}.${Object.keys(extra)[0]}`, `is not an option; expected coordinates and ${field}`);
    if (typeof value !== 'number' || !Number.isFinite(value) || (positive && !(value > 0)))
      fail(
        `${name}.${field}`,
        `must be a ${positive ? 'positive' : 'finite'} number (${what}), got ${JSON.stringify(value)}`,
      );
    let list: 'backbone' | number[];
    if (coordinates === 'backbone') list = 'backbone';
    else if (Array.isArray(coordinates) && coordinates.length > 0) list = indexList(`${name}.coordinates`, coordinates);
    else
      return fail(
        `${name}.coordinates`,
        `must be 'backbone' or a non-empty list of model-space indices, got ${JSON.stringify(coordinates)}`,
      );
    return { coordinates: list, [field]: value } as { coordinates: 'backbone' | number[] } & Record<K, number>;
  };
  if (o.decoderStdMax !== undefined)
    o.decoderStdMax = coordinateOption(
      'decoderStdMax',
      o.decoderStdMax,
      'max',
      "a standard deviation in the coordinates' units",
      true,
    );
  if (o.latentSkip !== undefined)
    o.latentSkip = coordinateOption(
      'latentSkip',
      o.latentSkip,
      'slope',
      "the change per unit of z, in the coordinates' units",
      false,
    );
  if (priorMixture !== undefined) o.priorMixture = resolvePriorMixture(priorMixture, fail);
  if (typeof o.encoderSkip !== 'boolean')
    fail('encoderSkip', `must be true or false, got ${JSON.stringify(o.encoderSkip)}`);
  if (o.encoderSkip && o.latentSkip === undefined)
    fail('encoderSkip', "needs latentSkip (it inverts the decoder's linear latent path)");
  if (typeof o.latentSkipOnly !== 'boolean')
    fail('latentSkipOnly', `must be true or false, got ${JSON.stringify(o.latentSkipOnly)}`);
  if (o.latentSkipOnly && o.latentSkip === undefined)
    fail('latentSkipOnly', 'needs latentSkip (it names the coordinates the MLP leaves alone)');
  if (
    typeof o.latentSkipMlpRange !== 'number' ||
    !(o.latentSkipMlpRange >= 0) ||
    !Number.isFinite(o.latentSkipMlpRange)
  ) {
    fail('latentSkipMlpRange', `must be a finite number ≥ 0, got ${JSON.stringify(o.latentSkipMlpRange)}`);
  }
  if (o.latentSkipMlpRange > 0 && !o.latentSkipOnly)
    fail('latentSkipMlpRange', 'needs latentSkipOnly (it bounds the MLP on the coordinates that option takes it off)');
  if (o.encoderSkip && o.latentSkip!.slope === 0)
    fail('encoderSkip', 'needs a non-zero latentSkip.slope (it starts as the inverse of that slope)');
  if (o.encoderAngles !== 'wrapped' && o.encoderAngles !== 'trig')
    fail('encoderAngles', `must be 'wrapped' or 'trig', got ${JSON.stringify(o.encoderAngles)}`);
  if (o.rotorEncoder !== 'hidden' && o.rotorEncoder !== 'raw')
    fail('rotorEncoder', `must be 'hidden' or 'raw', got ${JSON.stringify(o.rotorEncoder)}`);
  if (decoderFlow !== undefined) o.decoderFlow = resolveDecoderFlow(decoderFlow, fail);
  if (
    decoderFlow !== undefined &&
    o.rotorSymmetry !== 'none' &&
    !(Array.isArray(o.rotorSymmetry) && o.rotorSymmetry.length === 0)
  ) {
    fail(
      'rotorSymmetry',
      'cannot be combined with decoderFlow (the flow would bend the three-fold mixture); use one of them',
    );
  }
  return o;
}

function resolvePriorMixture(given: unknown, fail: (field: string, problem: string) => never): PriorMixtureOptions {
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    return fail('priorMixture', `must be an object like { "components": 3 }, got ${JSON.stringify(given)}`);
  const {
    components,
    spread = DEFAULT_PRIOR_MIXTURE.spread,
    std = DEFAULT_PRIOR_MIXTURE.std,
    centres = DEFAULT_PRIOR_MIXTURE.centres,
    componentDecoder = DEFAULT_PRIOR_MIXTURE.componentDecoder,
    balance = DEFAULT_PRIOR_MIXTURE.balance,
    scan,
    ...extra
  } = given as Record<string, unknown>;
  if (Object.keys(extra).length > 0)
    fail(
      `priorMixture.${Object.keys(extra)[0]}`,
      'is not an option; expected components, spread, std, centres, componentDecoder, balance and scan',
    );
  if (centres !== 'normal' && centres !== 'even')
    fail('priorMixture.centres', `must be 'normal' or 'even', got ${JSON.stringify(centres)}`);
  if (typeof balance !== 'number' || !(balance >= 0 && balance <= 1))
    fail('priorMixture.balance', `must be a number in [0, 1], got ${JSON.stringify(balance)}`);
  if (typeof componentDecoder !== 'boolean')
    fail('priorMixture.componentDecoder', `must be true or false, got ${JSON.stringify(componentDecoder)}`);
  if (typeof components !== 'number' || !Number.isInteger(components) || components < 2)
    fail('priorMixture.components', `must be an integer ≥ 2, got ${JSON.stringify(components)}`);
  for (const [k, v] of [
    ['spread', spread],
    ['std', std],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || !(v > 0))
      fail(`priorMixture.${k}`, `must be a positive number, got ${JSON.stringify(v)}`);
  }
  const resolved: PriorMixtureOptions = {
    components: components as number,
    spread: spread as number,
    std: std as number,
    centres,
    componentDecoder: componentDecoder as boolean,
    balance: balance as number,
  };
  if (scan !== undefined) resolved.scan = resolveComponentScan(scan, components as number, fail);
  return resolved;
}

function resolveComponentScan(
  given: unknown,
  K: number,
  fail: (field: string, problem: string) => never,
): ComponentScanOptions {
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    return fail(
      'priorMixture.scan',
      `must be an object like { "candidates": 4096 } ({} for the defaults), got ${JSON.stringify(given)}`,
    );
  const {
    candidates = DEFAULT_COMPONENT_SCAN.candidates,
    spread = DEFAULT_COMPONENT_SCAN.spread,
    radius = DEFAULT_COMPONENT_SCAN.radius,
    keep = DEFAULT_COMPONENT_SCAN.keep,
    ...extra
  } = given as Record<string, unknown>;
  if (Object.keys(extra).length > 0)
    fail(
      `priorMixture.scan.${Object.keys(extra)[0]}`,
      'is not an option; expected candidates, spread, radius and keep',
    );
  if (typeof candidates !== 'number' || !Number.isInteger(candidates) || candidates < K)
    fail('priorMixture.scan.candidates', `must be an integer ≥ the ${K} components, got ${JSON.stringify(candidates)}`);
  for (const [k, v] of [
    ['spread', spread],
    ['radius', radius],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v) || !(v > 0))
      fail(`priorMixture.scan.${k}`, `must be a positive number, got ${JSON.stringify(v)}`);
  }
  if (typeof keep !== 'number' || !(keep > 0 && keep <= 1))
    fail('priorMixture.scan.keep', `must be a number in (0, 1], got ${JSON.stringify(keep)}`);
  return { candidates: candidates as number, spread: spread as number, radius: radius as number, keep: keep as number };
}

function resolveScaleByKind(given: unknown, fail: (field: string, problem: string) => never): ScaleByKind {
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    return fail(
      'scaleByKind',
      `must be an object like { "bond": 0.004, "angle": 0.04, "torsion": 0.3 }, got ${JSON.stringify(given)}`,
    );
  }
  for (const key of Object.keys(given)) {
    if (![...KINDS, 'backbone'].includes(key))
      fail(`scaleByKind.${key}`, `is not a coordinate kind; expected ${KINDS.join(', ')} (and optionally backbone)`);
  }
  const g = given as Record<string, unknown>;
  for (const k of [...KINDS, ...(g.backbone !== undefined ? ['backbone'] : [])]) {
    const v = g[k];
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      fail(`scaleByKind.${k}`, `must be a positive number, got ${JSON.stringify(v)}`);
  }
  return {
    bond: g.bond as number,
    angle: g.angle as number,
    torsion: g.torsion as number,
    ...(g.backbone !== undefined ? { backbone: g.backbone as number } : {}),
  };
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

function resolveDecoderFlow(given: unknown, fail: (field: string, problem: string) => never): DecoderFlowOptions {
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    return fail(
      'decoderFlow',
      `must be an object like { "layers": 4, "bins": 8, "bound": 4, "hidden": [64, 64] } (or left out for the Gaussian decoder), got ${JSON.stringify(given)}`,
    );
  }
  const known = Object.keys(DEFAULT_DECODER_FLOW);
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) fail(`decoderFlow.${key}`, `is not an option; expected one of ${known.join(', ')}`);
  }
  const f: DecoderFlowOptions = {
    ...DEFAULT_DECODER_FLOW,
    hidden: [...DEFAULT_DECODER_FLOW.hidden],
    ...stripUndefined(given as Partial<DecoderFlowOptions>),
  };
  if (!Number.isInteger(f.layers) || f.layers < 1)
    fail('decoderFlow.layers', `must be a positive integer, got ${JSON.stringify(f.layers)}`);
  if (!Number.isInteger(f.bins) || f.bins < 2 || f.bins > 64)
    fail('decoderFlow.bins', `must be an integer in [2, 64], got ${JSON.stringify(f.bins)}`);
  if (typeof f.bound !== 'number' || !(f.bound > 0) || !Number.isFinite(f.bound)) {
    fail(
      'decoderFlow.bound',
      `must be a positive number (half-width of the spline interval in standardised units), got ${JSON.stringify(f.bound)}`,
    );
  }
  if (!Array.isArray(f.hidden) || f.hidden.some((w) => !Number.isInteger(w) || w < 1)) {
    fail('decoderFlow.hidden', `must be a list of positive integers, got ${JSON.stringify(f.hidden)}`);
  }
  return { layers: f.layers, bins: f.bins, bound: f.bound, hidden: [...f.hidden] };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
