/**
 * Options that name coordinates ('backbone' or model-space indices), resolved against the run:
 * the transform's coordinate names and the output scales.
 */
import { backboneTorsions, requireCoordinateNames } from '@embedcg/core/molecules';
import { LOG_VARIANCE_RANGE } from './log-variance.js';
import type { VaeOptions } from './options.js';

/** What the resolution reads of the run. */
export interface CoordinateContext {
  /** The transform's coordinate names, for 'backbone'. */
  coordinateNames?: readonly string[];
  /** Name of the run's transform, for error messages only. */
  transformName?: string;
}

/** Model-space indices (sorted) of a coordinate list option: 'backbone' (φ and ψ, by the transform's names) or indices. */
export function resolveCoordinates(
  option: string,
  coordinates: 'backbone' | readonly number[],
  D: number,
  context: CoordinateContext,
): number[] {
  if (coordinates !== 'backbone') return [...coordinates].sort((a, b) => a - b);
  const names = requireCoordinateNames(context.coordinateNames, D, {
    who: 'vae model',
    option: `${option}.coordinates 'backbone'`,
    ...(context.transformName !== undefined ? { transformName: context.transformName } : {}),
    otherwise: 'List model-space indices instead.',
  });
  const { phi, psi } = backboneTorsions(names);
  const indices = [...phi, ...psi].sort((a, b) => a - b);
  if (indices.length === 0)
    throw new RangeError(
      `vae model: option ${option}.coordinates 'backbone' found no φ (C-N-CA-C) or ψ (N-CA-C-N) torsion among the transform's names; list model-space indices instead.`,
    );
  return indices;
}

/** Option `decoderStdMax` resolved: capped indices, the cap, and each coordinate's upper log-variance bound. */
export interface StdCap {
  indices: number[];
  max: number;
  /** Per dimension, standardised units: 2 log(max / s_i) at the capped ones, the global bound elsewhere. */
  upper: Float64Array;
}

/**
 * Indices and per-dimension upper log-variance bounds (standardised units) of `decoderStdMax`:
 * 2 log(max / s_i) at the capped coordinates, never above the global bound, which the others keep.
 */
export function resolveStdMax(
  spec: VaeOptions['decoderStdMax'],
  scales: Float64Array,
  context: CoordinateContext,
): StdCap | undefined {
  if (!spec) return undefined;
  const D = scales.length;
  const indices = resolveCoordinates('decoderStdMax', spec.coordinates, D, context);
  const [lo, hi] = LOG_VARIANCE_RANGE;
  const upper = new Float64Array(D).fill(hi);
  for (const i of indices) {
    const u = 2 * Math.log(spec.max / scales[i]!);
    if (!(u > lo + 1)) {
      throw new RangeError(
        `vae model: option decoderStdMax.max ${spec.max} is at most ${(scales[i]! * Math.exp((lo + 1) / 2)).toExponential(2)}, ` +
          `the smallest cap coordinate ${i} (output scale ${scales[i]}) allows; raise it`,
      );
    }
    upper[i] = Math.min(hi, u);
  }
  return { indices, max: spec.max, upper };
}
