/**
 * Energy guards (docs/science/objectives.md): one configuration with overlapping atoms must not blow up a step.
 * Energies above `maxEnergy` grow logarithmically (FAB's rule), with forces scaled by the same
 * derivative; non-finite energies and the worst `dropFraction` of the batch are left out of the loss.
 */
import type { EnergyGuardSettings } from '../config/run-config.js';

export interface GuardedBatch {
  /** Guarded energies (finite; 0 where masked). */
  energies: Float64Array;
  /** Guarded forces (finite; 0 where masked). */
  forces: Float64Array;
  /** 1 for samples in the loss, 0 for dropped ones. */
  mask: Float64Array;
  /** How many samples were dropped, and how many of those had non-finite energy or forces. */
  dropped: number;
  nonFinite: number;
}

export function guardEnergies(
  energies: Float64Array,
  forces: Float64Array,
  dimension: number,
  settings: EnergyGuardSettings,
): GuardedBatch {
  const n = energies.length;
  const e = new Float64Array(n);
  const f = new Float64Array(forces.length);
  const mask = new Float64Array(n).fill(1);
  let nonFinite = 0;
  const M = settings.maxEnergy;
  for (let i = 0; i < n; i++) {
    const u = energies[i]!;
    let finite = Number.isFinite(u);
    for (let k = 0; finite && k < dimension; k++) finite = Number.isFinite(forces[i * dimension + k]!);
    if (!finite) {
      mask[i] = 0;
      nonFinite++;
      continue;
    }
    let scale = 1;
    if (u > M) {
      e[i] = M + Math.log1p(u - M);
      scale = 1 / (1 + (u - M));
    } else e[i] = u;
    for (let k = 0; k < dimension; k++) f[i * dimension + k] = forces[i * dimension + k]! * scale;
  }
  let dropped = nonFinite;
  const extra = Math.floor(settings.dropFraction * n) - nonFinite;
  if (extra > 0) {
    const order = Array.from({ length: n }, (_, i) => i)
      .filter((i) => mask[i] === 1)
      .sort((a, b) => e[b]! - e[a]!);
    for (let j = 0; j < extra && j < order.length; j++) {
      const i = order[j]!;
      mask[i] = 0;
      dropped++;
    }
  }
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) {
      e[i] = 0;
      f.fill(0, i * dimension, (i + 1) * dimension);
    }
  }
  return { energies: e, forces: f, mask, dropped, nonFinite };
}
