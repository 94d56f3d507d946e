/** Options of the `structured-flow` model (the slow/fast latent of Stupp & Koutsourelakis with a learnable linear map). */
import { ACTIVATIONS, type Activation, type JSONSchema } from '@embedcg/core';
import { optionsSchema as flowSchema, type CouplingType } from './options.js';

export interface StructuredFlowOptions {
  /** Number of slow latent coordinates d (the CVs). */
  latentDim: number;
  /** Coupling flow of the slow latent z. */
  coupling: CouplingType;
  layers: number;
  hidden: number[];
  activation: Activation;
  bins: number;
  bound: number;
  scaleBound: number;
  /** Components of the slow flow's Gaussian-mixture base (1: plain Gaussian); see mixture-base.ts. */
  baseComponents: number;
  baseSpread: number;
  /** Hidden widths of the MLP z → (μ, s) of the fast coordinates X | z. */
  fastHidden: number[];
  /** Reference configuration (length D); default from the run context. */
  outputMean?: number[];
  /** y = outputMean + outputScale · A [z; X]. */
  outputScale: number;
  scope: string;
}

export const STRUCTURED_DEFAULTS: Readonly<StructuredFlowOptions> = Object.freeze({
  latentDim: 1,
  coupling: 'spline',
  layers: 4,
  hidden: [64, 64],
  activation: 'tanh',
  bins: 8,
  bound: 5,
  scaleBound: 2,
  fastHidden: [64],
  baseComponents: 1,
  baseSpread: 1,
  outputScale: 1,
  scope: 'sflow',
} as StructuredFlowOptions);

const fp = (flowSchema as { properties: Record<string, Record<string, unknown>> }).properties;

export const structuredOptionsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    latentDim: {
      type: 'integer',
      minimum: 1,
      default: STRUCTURED_DEFAULTS.latentDim,
      description: 'number of slow latent CVs d',
    },
    coupling: { ...fp.coupling, default: STRUCTURED_DEFAULTS.coupling },
    layers: { ...fp.layers, default: STRUCTURED_DEFAULTS.layers },
    hidden: { ...fp.hidden, default: [...STRUCTURED_DEFAULTS.hidden] },
    activation: { type: 'string', enum: [...ACTIVATIONS], default: STRUCTURED_DEFAULTS.activation },
    bins: { ...fp.bins, default: STRUCTURED_DEFAULTS.bins },
    bound: { ...fp.bound, default: STRUCTURED_DEFAULTS.bound },
    scaleBound: { ...fp.scaleBound, default: STRUCTURED_DEFAULTS.scaleBound },
    baseComponents: {
      ...fp.baseComponents,
      default: STRUCTURED_DEFAULTS.baseComponents,
      description: "components of the slow flow's Gaussian-mixture base (1: plain Gaussian)",
    },
    baseSpread: { ...fp.baseSpread, default: STRUCTURED_DEFAULTS.baseSpread },
    fastHidden: {
      type: 'array',
      items: { type: 'integer', minimum: 1 },
      default: [...STRUCTURED_DEFAULTS.fastHidden],
      description: 'hidden widths of z → (μ, log σ) of the fast coordinates',
    },
    outputMean: fp.outputMean,
    outputScale: { ...fp.outputScale, default: STRUCTURED_DEFAULTS.outputScale },
    scope: { ...fp.scope, default: STRUCTURED_DEFAULTS.scope },
  },
};
