/**
 * Conformational states of alanine dipeptide from its backbone dihedrals, for colouring plots.
 *
 * Boundaries (degrees, φ and ψ wrapped to [−180, 180)): φ ≥ 0 is the left-handed region
 * ("αL/C7ax"); with φ < 0, −120 ≤ ψ < 50 is the right-handed helix ("αR") and the rest is the
 * extended region ("β/C7eq"). These are the usual coarse basins of the Ramachandran plot.
 */
import { toWrappedDegrees } from './binning.js';
import type { NumArray } from './types.js';

/** State label of one (φ, ψ) pair in radians. */
export function dihedralState(phi: number, psi: number): string {
  if (!Number.isFinite(phi) || !Number.isFinite(psi)) return 'invalid';
  const p = toWrappedDegrees(phi);
  const s = toWrappedDegrees(psi);
  if (p >= 0) return 'αL/C7ax';
  return s >= -120 && s < 50 ? 'αR' : 'β/C7eq';
}

/** State labels of arrays of φ and ψ (radians). */
export function dihedralStates(phi: NumArray, psi: NumArray): string[] {
  if (phi.length !== psi.length)
    throw new RangeError(`dihedralStates: ${phi.length} φ values but ${psi.length} ψ values`);
  const out: string[] = new Array(phi.length);
  for (let i = 0; i < phi.length; i++) out[i] = dihedralState(phi[i]!, psi[i]!);
  return out;
}
