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

/** Energies softened above `maxEnergy` (forces scaled alike) and non-finite rows masked; nothing dropped yet. */
export function softenEnergies(
  energies: Float64Array,
  forces: Float64Array,
  dimension: number,
  maxEnergy: number,
): GuardedBatch {
  const n = energies.length;
  const e = new Float64Array(n);
  const f = new Float64Array(forces.length);
  const mask = new Float64Array(n).fill(1);
  let nonFinite = 0;
  const M = maxEnergy;
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
  return { energies: e, forces: f, mask, dropped: nonFinite, nonFinite };
}

/**
 * Mask the highest softened energies until `dropFraction` of the n rows are out (non-finite ones
 * count first); returns how many rows are out. Data-parallel training runs it once over the
 * whole batch, the rows of every worker in worker order, so the fraction spans the batch.
 */
export function dropWorst(energies: Float64Array, mask: Float64Array, nonFinite: number, dropFraction: number): number {
  const n = energies.length;
  let dropped = nonFinite;
  const extra = Math.floor(dropFraction * n) - nonFinite;
  if (extra > 0) {
    const order = Array.from({ length: n }, (_, i) => i)
      .filter((i) => mask[i] === 1)
      .sort((a, b) => energies[b]! - energies[a]!);
    for (let j = 0; j < extra && j < order.length; j++) {
      const i = order[j]!;
      mask[i] = 0;
      dropped++;
    }
  }
  return dropped;
}

/** Zero the energies and forces of the masked rows. */
export function zeroMasked(b: GuardedBatch, dimension: number): void {
  for (let i = 0; i < b.mask.length; i++) {
    if (b.mask[i] === 0) {
      b.energies[i] = 0;
      b.forces.fill(0, i * dimension, (i + 1) * dimension);
    }
  }
}

export function guardEnergies(
  energies: Float64Array,
  forces: Float64Array,
  dimension: number,
  settings: EnergyGuardSettings,
): GuardedBatch {
  const g = softenEnergies(energies, forces, dimension, settings.maxEnergy);
  g.dropped = dropWorst(g.energies, g.mask, g.nonFinite, settings.dropFraction);
  zeroMasked(g, dimension);
  return g;
}
