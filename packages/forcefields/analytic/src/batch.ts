import { checkPositions } from '@embedcg/core';
import type { EnergyBatch, EvaluateOptions } from '@embedcg/core';

/**
 * Energy (returned) and, when `force` is non-null, the force `-dU/dx` written at
 * `force[forceOffset .. forceOffset + dimension)` for the configuration at `x[offset ..]`.
 */
export type PointKernel = (x: Float64Array, offset: number, force: Float64Array | null, forceOffset: number) => number;

/**
 * Run a per-configuration kernel over a validated batch.
 *
 * Far outside the physical region the closed forms can hit Inf − Inf or Inf · 0; the contract
 * forbids NaN, so such a configuration gets energy +Infinity and zero force (its direction is
 * meaningless there, and an infinite energy already tells the trainer to drop the sample).
 */
export function evaluateBatch(
  ff: { name: string; dimension: number },
  positions: Float64Array,
  n: number,
  options: EvaluateOptions | undefined,
  kernel: PointKernel,
): EnergyBatch {
  checkPositions(ff, positions, n);
  const d = ff.dimension;
  const energies = new Float64Array(n);
  const withForces = !options?.energiesOnly;
  const forces = new Float64Array(withForces ? n * d : 0);
  for (let i = 0; i < n; i++) {
    let e = kernel(positions, i * d, withForces ? forces : null, i * d);
    let bad = Number.isNaN(e);
    if (withForces) {
      for (let k = 0; k < d; k++) if (Number.isNaN(forces[i * d + k]!)) bad = true;
    }
    if (bad || e === -Infinity) {
      e = Infinity;
      if (withForces) forces.fill(0, i * d, (i + 1) * d);
    }
    energies[i] = e;
  }
  return { energies, forces };
}
