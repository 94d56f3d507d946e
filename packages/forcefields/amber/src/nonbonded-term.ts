/**
 * Nonbonded energy (OpenMM NonbondedForce, NoCutoff) of one configuration: Coulomb plus
 * Lorentz-Berthelot Lennard-Jones over all pairs i<j except the exception pairs, then the
 * exceptions (scaled 1-4 pairs; excluded pairs carry zero parameters).
 */
import type { CompiledSystem } from './compiled.js';

/** Nonbonded energy of the configuration at `x[base…]`; forces are added to `f`. */
export function nonbondedEnergy(sys: CompiledSystem, x: Float64Array, base: number, f: Float64Array): number {
  return exceptionEnergy(sys, x, base, f, pairEnergy(sys, x, base, f));
}

/** All pairs i<j, skipping exception pairs. */
function pairEnergy(sys: CompiledSystem, x: Float64Array, base: number, f: Float64Array): number {
  const { nAtoms: n, scaledCharge: q, halfSigma: hs, sqrtEpsilon: se, skipStart, skipPartner } = sys;
  let e = 0;
  for (let i = 0; i < n; i++) {
    const oi = base + 3 * i;
    const xi = x[oi]!,
      yi = x[oi + 1]!,
      zi = x[oi + 2]!;
    const qi = q[i]!,
      si = hs[i]!,
      ei = se[i]!;
    let fxi = 0,
      fyi = 0,
      fzi = 0;
    let s = skipStart[i]!;
    const sEnd = skipStart[i + 1]!;
    let skip = s < sEnd ? skipPartner[s]! : n;
    for (let j = i + 1; j < n; j++) {
      if (j === skip) {
        s++;
        skip = s < sEnd ? skipPartner[s]! : n;
        continue;
      }
      const oj = base + 3 * j;
      const dx = xi - x[oj]!,
        dy = yi - x[oj + 1]!,
        dz = zi - x[oj + 2]!;
      const inv2 = 1 / (dx * dx + dy * dy + dz * dz);
      const coul = qi * q[j]! * Math.sqrt(inv2);
      const sig = si + hs[j]!;
      const s2 = sig * sig * inv2;
      const s6 = s2 * s2 * s2;
      const eps4 = 4 * ei * se[j]!;
      e += coul + eps4 * (s6 * s6 - s6);
      const fs = (coul + eps4 * (12 * s6 * s6 - 6 * s6)) * inv2;
      const jx = fs * dx,
        jy = fs * dy,
        jz = fs * dz;
      fxi += jx;
      fyi += jy;
      fzi += jz;
      f[3 * j]! -= jx;
      f[3 * j + 1]! -= jy;
      f[3 * j + 2]! -= jz;
    }
    f[3 * i]! += fxi;
    f[3 * i + 1]! += fyi;
    f[3 * i + 2]! += fzi;
  }
  return e;
}

/** The exception pairs, added to the running energy `e` of the other pairs (one accumulation, as before the split). */
function exceptionEnergy(sys: CompiledSystem, x: Float64Array, base: number, f: Float64Array, e: number): number {
  const { exceptionIndex: ex, exceptionQQ: qq, exceptionA: A, exceptionB: B } = sys;
  for (let k = 0; k < qq.length; k++) {
    const i = 3 * ex[2 * k]!,
      j = 3 * ex[2 * k + 1]!;
    const dx = x[base + i]! - x[base + j]!,
      dy = x[base + i + 1]! - x[base + j + 1]!,
      dz = x[base + i + 2]! - x[base + j + 2]!;
    const inv2 = 1 / (dx * dx + dy * dy + dz * dz);
    const inv6 = inv2 * inv2 * inv2;
    const coul = qq[k]! * Math.sqrt(inv2);
    const a12 = A[k]! * inv6 * inv6,
      b6 = B[k]! * inv6;
    e += coul + a12 - b6;
    const fs = (coul + 12 * a12 - 6 * b6) * inv2;
    f[i]! += fs * dx;
    f[i + 1]! += fs * dy;
    f[i + 2]! += fs * dz;
    f[j]! -= fs * dx;
    f[j + 1]! -= fs * dy;
    f[j + 2]! -= fs * dz;
  }
  return e;
}
