/**
 * @embedcg/model-flow: exact-density normalising flows (Boltzmann generators) as embedcg model
 * plugins: coupling flows with rational-quadratic spline or affine couplings and circular splines
 * for torsions (`flow`) and the flow paper's
 * structured slow/fast model with a learnable linear map (`structured-flow`), and a flow over a few
 * slow internal coordinates with a conditional Gaussian for the rest (`slow-fast-flow`).
 */
import type { AnyPlugin } from '@embedcg/core';
import { flowPlugin, slowFastFlowPlugin, structuredFlowPlugin } from './plugin.js';

export { FlowModel, createFlowModel, circularIndices, LOG_2PI, type FlowContext } from './flow-model.js';
export { flowPlugin, structuredFlowPlugin, slowFastFlowPlugin, circularFlags, scalesByKind } from './plugin.js';
export { SlowFastFlowModel, type SlowFastContext } from './slow-fast-flow.js';
export {
  slowFastOptionsSchema,
  resolveSlowFastOptions,
  resolveSlowPreset,
  SLOW_FAST_DEFAULTS,
  SLOW_PRESETS,
  type SlowFastOptions,
  type SlowPreset,
} from './slow-fast-options.js';
export { StructuredFlowModel, invert, type StructuredFlowContext } from './structured-flow.js';
export { structuredOptionsSchema, STRUCTURED_DEFAULTS, type StructuredFlowOptions } from './structured-options.js';
export {
  optionsSchema,
  resolveOptions,
  DEFAULT_OPTIONS,
  type FlowOptions,
  type CouplingType,
  type BaseDistribution,
  type CircularSpec,
} from './options.js';
export { splineForward, splineInverse, splineParameterCount, type SplineShape } from './spline.js';
export {
  circularSplineForward,
  circularSplineInverse,
  circularSplineParameterCount,
  wrapAngle,
  wrapAngle64,
  type CircularSplineShape,
} from './circular-spline.js';
export {
  erf,
  erfc,
  normalCdf,
  normalQuantile,
  truncatedNormalLogDensity,
  truncatedNormalLogNormalizer,
  truncatedNormalQuantile,
  fillTruncatedNormal,
} from './truncated-normal.js';
export { CouplingLayer, alternatingMask, type CouplingSpec } from './coupling.js';
export {
  AutoregressiveLayer,
  autoregressiveOrders,
  type AutoregressiveSpec,
  type AutoregressiveTransform,
  type AutoregressiveOrder,
} from './autoregressive.js';
export { MaskedMlp, madeMasks } from './made.js';
export { ACTIVATIONS, type Activation } from '@embedcg/core';
export { selection, select, take, put, joinParts, concatParts, affineParts, type Selection } from './columns.js';

/** The plugins of this package, for embedcg's plugin loader. */
export const plugins: AnyPlugin[] = [flowPlugin, structuredFlowPlugin, slowFastFlowPlugin];
