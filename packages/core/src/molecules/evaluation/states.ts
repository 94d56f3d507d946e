/**
 * The conformational states of alanine dipeptide (angles in radians):
 *   alphaR:      φ < 0, −120° < ψ < 50°
 *   beta:        φ < 0, ψ outside that range (C7eq, C5 and PII together)
 *   phiPositive: φ > 0 (C7ax and αL, the rare states a mode-seeking model misses first)
 * and their populations, raw and self-normalised reweighted. Populations also report
 *   c7axAlphaL:  0 < φ < 120°, the φ > 0 basins proper. φ > 0 also takes in the β basin's tail past
 *                φ = ±180°, which a model can fill without ever visiting C7ax or αL.
 */
import { normalizedWeights } from '../../util/stats.js';

export const STATES = ['beta', 'alphaR', 'phiPositive'] as const;
export type StateName = (typeof STATES)[number];
/** The states, then c7axAlphaL (a part of phiPositive, not a state of the partition). */
export const POPULATIONS = [...STATES, 'c7axAlphaL'] as const;
export type PopulationName = (typeof POPULATIONS)[number];
const BASINS_PHI_MAX = (120 * Math.PI) / 180;

/** Whether φ lies in the C7ax/αL basins proper (0 < φ < 120°), not in the β tail past ±180°. */
export function inC7axAlphaL(phi: number): boolean {
  return phi > 0 && phi < BASINS_PHI_MAX;
}

/** Whether φ lies in the β basin's tail past ±180° (φ ≥ 120°): φ > 0, but β. */
export function inBetaTail(phi: number): boolean {
  return phi >= BASINS_PHI_MAX;
}

const DEG = Math.PI / 180;

/** State index (0 beta, 1 alphaR, 2 phiPositive) of one (φ, ψ) pair; -1 for non-finite angles. */
export function stateOf(phi: number, psi: number): number {
  if (!Number.isFinite(phi) || !Number.isFinite(psi)) return -1;
  if (phi > 0) return 2;
  return psi > -120 * DEG && psi < 50 * DEG ? 1 : 0;
}

/** Populations of the three states. With `logWeights`, self-normalised importance weights. */
export function statePopulations(
  phi: ArrayLike<number>,
  psi: ArrayLike<number>,
  logWeights?: ArrayLike<number>,
): Record<PopulationName, number> {
  const W = logWeights ? normalizedWeights(logWeights) : undefined;
  const p = [0, 0, 0];
  let basins = 0;
  let total = 0;
  for (let i = 0; i < phi.length; i++) {
    const s = stateOf(phi[i]!, psi[i]!);
    const w = W ? W[i]! : 1;
    if (s < 0 || !Number.isFinite(w)) continue;
    p[s]! += w;
    if (s === 2 && inC7axAlphaL(phi[i]!)) basins += w;
    total += w;
  }
  return { beta: p[0]! / total, alphaR: p[1]! / total, phiPositive: p[2]! / total, c7axAlphaL: basins / total };
}

/**
 * ΔF(φ>0 vs φ<0) / kT = −ln(P(φ>0) / P(φ<0)) from a probability of φ > 0. +Infinity when the
 * state is never seen.
 */
export function deltaFFromProbability(pPositive: number): number {
  return -Math.log(pPositive / (1 - pPositive));
}

/** Probability of φ > 0 (weighted by linear weights when given). */
export function phiPositiveProbability(
  phi: ArrayLike<number>,
  weights?: ArrayLike<number>,
  indices?: ArrayLike<number>,
): number {
  let pos = 0,
    tot = 0;
  const n = indices ? indices.length : phi.length;
  for (let j = 0; j < n; j++) {
    const i = indices ? indices[j]! : j;
    const w = weights ? weights[i]! : 1;
    if (!Number.isFinite(phi[i]!) || !(w > 0)) continue;
    if (phi[i]! > 0) pos += w;
    tot += w;
  }
  return pos / tot;
}
