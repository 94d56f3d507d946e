/**
 * @embedcg/model-vae: the VAE-style coarse-grained model with a recognition model
 * (Schöberl, Zabaras & Koutsourelakis), as an embedcg model plugin.
 */
import type { AnyPlugin } from '@embedcg/core';
import { vaePlugin } from './plugin.js';

export { VaeModel, createVaeModel, type VaeContext } from './vae-model.js';
export { vaePlugin } from './plugin.js';
export {
  optionsSchema,
  resolveOptions,
  scalesByKind,
  DEFAULT_OPTIONS,
  DEFAULT_DECODER_FLOW,
  RETIRED_OPTIONS,
  defaultEncoderActivations,
  resolveOptionDependencies,
  ACTIVATIONS,
  type VaeOptions,
  type VaeOptionsInput,
  type ScaleByKind,
  type Activation,
  type DecoderVariance,
  type DecoderStdMax,
} from './options.js';
export { ConditionalSplineFlow, type DecoderFlowOptions } from './flow-decoder.js';
export { gaussianLogDensity, LOG_2PI } from './gaussian.js';
export { importanceLogWeights } from './importance.js';
export {
  rotorLogDensity64,
  rotorLogMixture,
  ROTOR_FOLD,
  type RotorSymmetrySpec,
  type RotorEncoderInput,
} from './rotor-symmetry.js';
export {
  LOG_VARIANCE_RANGE,
  softClampCapped64,
  softClampLogVariance64,
  unclampCapped,
  unclampLogVariance,
} from './log-variance.js';

/** The plugins of this package, for embedcg's plugin loader. */
export const plugins: AnyPlugin[] = [vaePlugin];
