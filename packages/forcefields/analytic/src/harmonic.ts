/**
 * An anisotropic harmonic well in any dimension, U = ½ Σ k_i (x_i − c_i)²: the simplest system
 * with a closed-form log Z, used to check estimators and models without multimodality.
 */
import { API_VERSION, defineForceField } from '@embedcg/core';
import type { EvaluateOptions, ExactReference, ForceField } from '@embedcg/core';
import { evaluateBatch } from './batch.js';
import { broadcastOption, normalFrom } from './numerics.js';
import { PACKAGE_VERSION } from './version.js';

export interface HarmonicOptions {
  /** Number of coordinates (default 2). */
  dimension?: number;
  /** Force constants in kJ/mol/nm², one number for all or one per coordinate (default 1). */
  k?: number | number[];
  /** Centre in nm, one number for all or one per coordinate (default 0). */
  center?: number | number[];
}

/** log Z_β = Σ_i ½ log(2π / (β k_i)). */
export function harmonicLogZ(k: ArrayLike<number>, beta: number): number {
  if (!(beta > 0) || !Number.isFinite(beta))
    throw new RangeError(`harmonic: beta must be a positive finite number, got ${beta}`);
  let s = 0;
  for (let i = 0; i < k.length; i++) s += 0.5 * Math.log((2 * Math.PI) / (beta * k[i]!));
  return s;
}

/** The harmonic force field with its exact reference (log Z and sampler; no basins). */
export function createHarmonic(options: HarmonicOptions = {}): ForceField & { reference: ExactReference } {
  const dimension = options.dimension ?? 2;
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw new RangeError(`harmonic: option "dimension" must be a positive integer, got ${JSON.stringify(dimension)}`);
  }
  const k = broadcastOption(
    'harmonic',
    'k',
    options.k ?? 1,
    dimension,
    (v) => v > 0 && Number.isFinite(v),
    'a positive finite number',
  );
  const center = broadcastOption(
    'harmonic',
    'center',
    options.center ?? 0,
    dimension,
    Number.isFinite,
    'a finite number',
  );
  const reference: ExactReference = {
    logZ: (beta) => harmonicLogZ(k, beta),
    sample(beta, n, rng) {
      if (!(beta > 0) || !Number.isFinite(beta))
        throw new RangeError(`harmonic: beta must be a positive finite number, got ${beta}`);
      const out = new Float64Array(n * dimension);
      for (let s = 0; s < n; s++) {
        for (let i = 0; i < dimension; i++)
          out[s * dimension + i] = center[i]! + normalFrom(rng) / Math.sqrt(beta * k[i]!);
      }
      return out;
    },
  };
  const ff = {
    name: 'harmonic',
    dimension,
    reference,
    initialPositions: Float64Array.from(center),
    evaluate(positions: Float64Array, n: number, opts?: EvaluateOptions) {
      return evaluateBatch(ff, positions, n, opts, (x, o, f, fo) => {
        let u = 0;
        for (let i = 0; i < dimension; i++) {
          const d = x[o + i]! - center[i]!;
          u += 0.5 * k[i]! * d * d;
          if (f) f[fo + i] = -k[i]! * d;
        }
        return u;
      });
    },
  };
  return ff;
}

const numberOrArray = (item: Record<string, unknown>, fallback: number, description: string) => ({
  anyOf: [
    { type: 'number', ...item },
    { type: 'array', minItems: 1, items: { type: 'number', ...item } },
  ],
  default: fallback,
  description,
});

export const harmonicPlugin = defineForceField<HarmonicOptions>({
  name: 'harmonic',
  version: PACKAGE_VERSION,
  apiVersion: API_VERSION,
  description: 'Harmonic well ½ Σ k_i (x_i − c_i)² in any dimension, closed-form log Z',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      dimension: { type: 'integer', minimum: 1, default: 2, description: 'Number of coordinates.' },
      k: numberOrArray({ exclusiveMinimum: 0 }, 1, 'Force constant(s), kJ/mol/nm²: one number or one per coordinate.'),
      center: numberOrArray({}, 0, 'Centre (nm): one number or one per coordinate.'),
    },
  },
  create: (options) => createHarmonic(options),
});
