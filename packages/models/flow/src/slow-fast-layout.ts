/**
 * Which coordinates of a slow/fast flow are slow, fast and circular, and its reference structure
 * and scales: resolved from the options and the run's context, and checked.
 */
import { modelVector } from '@embedcg/core';
import { circularIndices } from './options.js';
import {
  resolveSlowFastOptions,
  resolveSlowPreset,
  type SlowFastOptions,
  type SlowPreset,
} from './slow-fast-options.js';

export interface SlowFastContext {
  dimension: number;
  seed: number;
  /** Reference configuration (length D); `options.outputMean` wins. */
  outputMean?: ArrayLike<number>;
  /** Per-dimension scales (length D); `options.outputScales` wins. */
  outputScales?: ArrayLike<number>;
  /** Circular flags of the transform (length D), for `circular: 'auto'`. */
  circular?: ArrayLike<number>;
  /** Coordinate names of the transform, for the `slow` presets. */
  names?: readonly string[];
  /** Fused spline ops (default true); false runs the unfused compositions (`training.fusedKernels`). */
  fused?: boolean;
}

/** The resolved coordinates of a slow/fast flow over D model coordinates. */
export interface SlowFastLayout {
  /** The options with slow and circular as indices, mean and scales filled in, and no `scaleByKind`. */
  options: SlowFastOptions;
  /** Model-space indices of the slow coordinates, in CV order. */
  slow: readonly number[];
  /** Model-space indices of the fast coordinates, ascending. */
  fast: readonly number[];
  /** Model-space indices of all circular coordinates, ascending. */
  circular: readonly number[];
  /** 1 at the circular coordinates (length D). */
  isCircular: Uint8Array;
  outputMean: Float64Array;
  outputScales: Float64Array;
}

/** Resolve and check the options of a slow/fast flow; errors name the option and the problem. */
export function resolveSlowFastLayout(options: Partial<SlowFastOptions>, context: SlowFastContext): SlowFastLayout {
  const D = context.dimension;
  const o = resolveSlowFastOptions(options, D);
  const slow = typeof o.slow === 'string' ? resolveSlowPreset(o.slow as SlowPreset, context.names) : o.slow;
  for (const i of slow)
    if (!(Number.isInteger(i) && i >= 0 && i < D))
      throw new RangeError(`slow-fast-flow model: slow coordinate ${i} is not a model-space index in [0, ${D - 1}]`);
  if (new Set(slow).size !== slow.length)
    throw new RangeError(`slow-fast-flow model: the slow coordinates ${JSON.stringify(slow)} repeat an index`);
  const isSlow = new Set(slow);
  const fast = [...Array(D).keys()].filter((i) => !isSlow.has(i));
  if (o.circular === 'auto' && context.circular === undefined) {
    throw new RangeError(
      "slow-fast-flow model: option circular 'auto' needs a transform that flags its circular coordinates (the internal-coordinates transform); " +
        "this run has none. Use circular: 'none', or list the angle indices.",
    );
  }
  const circular = Object.freeze(circularIndices(o.circular, context.circular, D));
  const isCircular = new Uint8Array(D);
  for (const i of circular) isCircular[i] = 1;
  const outputMean =
    o.outputMean !== undefined || context.outputMean !== undefined
      ? modelVector((o.outputMean ?? context.outputMean)!, D, 'slow-fast-flow model: outputMean')
      : new Float64Array(D);
  const perDim = o.outputScales ?? context.outputScales;
  const outputScales =
    perDim !== undefined
      ? modelVector(perDim, D, 'slow-fast-flow model: outputScales')
      : new Float64Array(D).fill(o.outputScale);
  const bad = outputScales.findIndex((v) => !(v > 0) || !Number.isFinite(v));
  if (bad >= 0)
    throw new RangeError(
      `slow-fast-flow model: outputScales[${bad}] must be a positive number, got ${outputScales[bad]}`,
    );
  const resolved: SlowFastOptions = {
    ...o,
    slow: [...slow],
    circular: [...circular],
    outputMean: Array.from(outputMean),
    outputScales: Array.from(outputScales),
  };
  delete resolved.scaleByKind;
  return {
    options: resolved,
    slow: Object.freeze([...slow]),
    fast: Object.freeze(fast),
    circular,
    isCircular,
    outputMean,
    outputScales,
  };
}
