/**
 * Harmonic bonds (OpenMM HarmonicBondForce) and harmonic angles (HarmonicAngleForce) of one
 * configuration: each adds its forces to `f` and returns its energy.
 */
import type { CompiledSystem } from './compiled.js';

/** Harmonic bond energy of the configuration at `x[base…]`; forces are added to `f`. */
export function bondEnergy(sys: CompiledSystem, x: Float64Array, base: number, f: Float64Array): number {
  const { bondIndex: idx, bondR0: r0, bondK: k } = sys;
  let e = 0;
  for (let b = 0; b < r0.length; b++) {
    const i = 3 * idx[2 * b]!,
      j = 3 * idx[2 * b + 1]!;
    const dx = x[base + i]! - x[base + j]!,
      dy = x[base + i + 1]! - x[base + j + 1]!,
      dz = x[base + i + 2]! - x[base + j + 2]!;
    const r = Math.sqrt(dx * dx + dy * dy + dz * dz);
    const dr = r - r0[b]!;
    const kdr = k[b]! * dr;
    e += 0.5 * kdr * dr;
    const s = -kdr / r;
    f[i]! += s * dx;
    f[i + 1]! += s * dy;
    f[i + 2]! += s * dz;
    f[j]! -= s * dx;
    f[j + 1]! -= s * dy;
    f[j + 2]! -= s * dz;
  }
  return e;
}

/**
 * Harmonic angle energy; forces through the plane normal p = a × b, with |p| floored at 1e-6 as
 * OpenMM's reference kernel does.
 */
export function angleEnergy(sys: CompiledSystem, x: Float64Array, base: number, f: Float64Array): number {
  const { angleIndex: idx, angleTheta0: t0, angleK: k } = sys;
  let e = 0;
  for (let a = 0; a < t0.length; a++) {
    const i = 3 * idx[3 * a]!,
      j = 3 * idx[3 * a + 1]!,
      l = 3 * idx[3 * a + 2]!;
    const ax = x[base + i]! - x[base + j]!,
      ay = x[base + i + 1]! - x[base + j + 1]!,
      az = x[base + i + 2]! - x[base + j + 2]!;
    const bx = x[base + l]! - x[base + j]!,
      by = x[base + l + 1]! - x[base + j + 1]!,
      bz = x[base + l + 2]! - x[base + j + 2]!;
    const px = ay * bz - az * by,
      py = az * bx - ax * bz,
      pz = ax * by - ay * bx;
    const ra2 = ax * ax + ay * ay + az * az,
      rb2 = bx * bx + by * by + bz * bz;
    const pn = Math.sqrt(px * px + py * py + pz * pz);
    const dot = ax * bx + ay * by + az * bz;
    // atan2 is accurate at every angle, including near 0 and π where acos loses digits.
    const theta = Math.atan2(pn, dot);
    const d = theta - t0[a]!;
    const dEdT = k[a]! * d;
    e += 0.5 * dEdT * d;
    const rp = pn < 1e-6 ? 1e-6 : pn;
    // ∂θ/∂a = (a × p)/(|a|²|p|) and ∂θ/∂b = −(b × p)/(|b|²|p|); the middle atom balances both.
    const ta = -dEdT / (ra2 * rp),
      tc = dEdT / (rb2 * rp);
    const fax = ta * (ay * pz - az * py),
      fay = ta * (az * px - ax * pz),
      faz = ta * (ax * py - ay * px);
    const fcx = tc * (by * pz - bz * py),
      fcy = tc * (bz * px - bx * pz),
      fcz = tc * (bx * py - by * px);
    f[i]! += fax;
    f[i + 1]! += fay;
    f[i + 2]! += faz;
    f[l]! += fcx;
    f[l + 1]! += fcy;
    f[l + 2]! += fcz;
    f[j]! -= fax + fcx;
    f[j + 1]! -= fay + fcy;
    f[j + 2]! -= faz + fcz;
  }
  return e;
}
