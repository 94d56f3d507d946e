/**
 * Conformational states of alanine peptides from their backbone dihedrals, for colouring plots and
 * for the basin masses of the per-residue Ramachandran plots.
 *
 * Boundaries are those of core's evaluation (molecules/evaluation/states.ts), so a mass the report
 * shows and the population `evaluate` prints agree: with φ and ψ in (−180°, 180°], φ > 0 is the
 * left-handed region ("αL/C7ax"); with φ ≤ 0, −120° < ψ < 50° is the right-handed helix ("αR")
 * and the rest is the extended region ("β/C7eq"). C7ax/αL proper is 0 < φ < 120°: the part of
 * φ > 0 that is not the β basin's tail past ±180°.
 */
import { checkWeights } from './binning.js';
import type { NumArray } from './types.js';

const DEG = Math.PI / 180;

/** Angle in radians wrapped to (−π, π], the range of a computed dihedral. */
function wrap(rad: number): number {
  const r = rad - 2 * Math.PI * Math.floor((rad + Math.PI) / (2 * Math.PI));
  return r === -Math.PI ? Math.PI : r;
}

/** 0 β, 1 αR, 2 φ > 0; −1 for non-finite angles (core's stateOf). */
function stateIndex(phi: number, psi: number): number {
  if (!Number.isFinite(phi) || !Number.isFinite(psi)) return -1;
  if (wrap(phi) > 0) return 2;
  const s = wrap(psi);
  return s > -120 * DEG && s < 50 * DEG ? 1 : 0;
}

const LABELS = ['β/C7eq', 'αR', 'αL/C7ax'];

/** State label of one (φ, ψ) pair in radians. */
export function dihedralState(phi: number, psi: number): string {
  return LABELS[stateIndex(phi, psi)] ?? 'invalid';
}

/** State labels of arrays of φ and ψ (radians). */
export function dihedralStates(phi: NumArray, psi: NumArray): string[] {
  if (phi.length !== psi.length)
    throw new RangeError(`dihedralStates: ${phi.length} φ values but ${psi.length} ψ values`);
  const out: string[] = new Array(phi.length);
  for (let i = 0; i < phi.length; i++) out[i] = dihedralState(phi[i]!, psi[i]!);
  return out;
}

/** Fractions of the (weighted) mass in each basin; they sum to 1 over beta, alphaR and phiPositive. */
export interface BasinMasses {
  beta: number;
  alphaR: number;
  phiPositive: number;
  /** 0 < φ < 120°, a part of phiPositive. */
  c7axAlphaL: number;
}

/**
 * Basin masses of (φ, ψ) pairs in radians, with linear weights when given (normalised here).
 * Pairs with a non-finite angle are left out, as core's statePopulations does; NaN when none is left.
 */
export function basinMasses(phi: NumArray, psi: NumArray, weights?: NumArray): BasinMasses {
  if (phi.length !== psi.length) throw new RangeError(`basinMasses: ${phi.length} φ values but ${psi.length} ψ values`);
  checkWeights(phi, weights, 'basinMasses.weights');
  const mass = [0, 0, 0];
  let basins = 0;
  let total = 0;
  for (let i = 0; i < phi.length; i++) {
    const s = stateIndex(phi[i]!, psi[i]!);
    const w = weights ? weights[i]! : 1;
    if (s < 0) continue;
    mass[s]! += w;
    total += w;
    if (s === 2 && wrap(phi[i]!) < 120 * DEG) basins += w;
  }
  return {
    beta: mass[0]! / total,
    alphaR: mass[1]! / total,
    phiPositive: mass[2]! / total,
    c7axAlphaL: basins / total,
  };
}
