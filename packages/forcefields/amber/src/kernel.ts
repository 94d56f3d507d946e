/**
 * The numerical core: energies and forces of a range of configurations, Float64 throughout,
 * with every buffer allocated once per evaluator. Term ↔ OpenMM Force:
 *   bond      HarmonicBondForce
 *   angle     HarmonicAngleForce
 *   torsion   PeriodicTorsionForce (propers and impropers)
 *   nonbonded NonbondedForce, NoCutoff (Coulomb + LJ of all pairs, exceptions replace pairs)
 *   gb        polar part of GBSAOBCForce (OBC2) / the OBC1 CustomGBForce
 *   gbSurface ACE surface-area part of the same Force (gb + gbSurface = that Force's energy)
 */
import { GB_PROBE_RADIUS, type CompiledSystem } from './compiled.js';

/** Per-term energies, n each. */
export interface TermArrays {
  bond: Float64Array;
  angle: Float64Array;
  torsion: Float64Array;
  nonbonded: Float64Array;
  gb?: Float64Array;
  gbSurface?: Float64Array;
}

/** Names of the terms a compiled system produces, in output order. */
export function termNames(sys: CompiledSystem): Array<keyof TermArrays> {
  return sys.gb
    ? ['bond', 'angle', 'torsion', 'nonbonded', 'gb', 'gbSurface']
    : ['bond', 'angle', 'torsion', 'nonbonded'];
}

/** Atoms closer than this (nm) count as "on top of each other" when a result is not finite. */
export const OVERLAP_DISTANCE = 1e-6;

/** Evaluates configurations of one compiled system; holds the scratch buffers. */
export class Kernel {
  private readonly force: Float64Array;
  private readonly bornI: Float64Array;
  private readonly bornR: Float64Array;
  private readonly dEdB: Float64Array;
  private readonly chain: Float64Array;
  /** Per pair (i<j): dIᵢ/dr, dIⱼ/dr, direct pair dE/dr of the GB energy, and r. */
  private readonly pairDIi: Float64Array;
  private readonly pairDIj: Float64Array;
  private readonly pairR: Float64Array;
  private eBond = 0;
  private eAngle = 0;
  private eTorsion = 0;
  private eNonbonded = 0;
  private eGb = 0;
  private eSurface = 0;

  constructor(readonly sys: CompiledSystem) {
    const n = sys.nAtoms;
    this.force = new Float64Array(3 * n);
    const gbN = sys.gb ? n : 0;
    const pairs = sys.gb ? (n * (n - 1)) / 2 : 0;
    this.bornI = new Float64Array(gbN);
    this.bornR = new Float64Array(gbN);
    this.dEdB = new Float64Array(gbN);
    this.chain = new Float64Array(gbN);
    this.pairDIi = new Float64Array(pairs);
    this.pairDIj = new Float64Array(pairs);
    this.pairR = new Float64Array(pairs);
  }

  /**
   * Evaluate configurations [start, end) of `positions` (whole batch, flat), writing energies[c],
   * forces[c·3N…] (when `forces` is given) and terms[name][c]. Returns the indices of
   * configurations whose atoms overlap (energy set to +Infinity, forces to 0).
   */
  evaluateRange(
    positions: Float64Array,
    start: number,
    end: number,
    energies: Float64Array,
    forces: Float64Array | undefined,
    terms: TermArrays | undefined,
    overlaps: number[],
  ): void {
    const n3 = this.sys.nAtoms * 3;
    const f = this.force;
    for (let c = start; c < end; c++) {
      const base = c * n3;
      f.fill(0);
      this.eBond = this.eAngle = this.eTorsion = this.eNonbonded = this.eGb = this.eSurface = 0;
      this.bonds(positions, base);
      this.angles(positions, base);
      this.torsions(positions, base);
      this.nonbonded(positions, base);
      if (this.sys.gb) this.generalizedBorn(positions, base);
      let e = this.eBond + this.eAngle + this.eTorsion + this.eNonbonded + this.eGb + this.eSurface;
      let finite = Number.isFinite(e);
      for (let k = 0; finite && k < n3; k++) finite = Number.isFinite(f[k]!);
      if (!finite) {
        if (this.hasOverlap(positions, base) || e === Infinity) {
          overlaps.push(c);
          e = Infinity;
          f.fill(0);
        } else {
          throw new Error(
            `configuration ${c}: the energy is not finite (${e}) although no atoms overlap; this is a bug, please report it with the coordinates`,
          );
        }
      }
      energies[c] = e;
      if (forces) forces.set(f, base);
      if (terms) {
        terms.bond[c] = Kernel.fix(this.eBond);
        terms.angle[c] = Kernel.fix(this.eAngle);
        terms.torsion[c] = Kernel.fix(this.eTorsion);
        terms.nonbonded[c] = Kernel.fix(this.eNonbonded);
        if (terms.gb) terms.gb[c] = Kernel.fix(this.eGb);
        if (terms.gbSurface) terms.gbSurface[c] = Kernel.fix(this.eSurface);
      }
    }
  }

  private static fix(v: number): number {
    return Number.isNaN(v) ? Infinity : v;
  }

  private hasOverlap(x: Float64Array, base: number): boolean {
    const n = this.sys.nAtoms;
    const limit = OVERLAP_DISTANCE * OVERLAP_DISTANCE;
    for (let i = 0; i < n; i++) {
      const xi = x[base + 3 * i]!,
        yi = x[base + 3 * i + 1]!,
        zi = x[base + 3 * i + 2]!;
      for (let j = i + 1; j < n; j++) {
        const dx = xi - x[base + 3 * j]!,
          dy = yi - x[base + 3 * j + 1]!,
          dz = zi - x[base + 3 * j + 2]!;
        if (dx * dx + dy * dy + dz * dz < limit) return true;
      }
    }
    return false;
  }

  private bonds(x: Float64Array, base: number): void {
    const { bondIndex: idx, bondR0: r0, bondK: k } = this.sys;
    const f = this.force;
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
    this.eBond = e;
  }

  /** Angle forces through the plane normal p = a × b, with |p| floored at 1e-6 as OpenMM's reference kernel does. */
  private angles(x: Float64Array, base: number): void {
    const { angleIndex: idx, angleTheta0: t0, angleK: k } = this.sys;
    const f = this.force;
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
    this.eAngle = e;
  }

  /**
   * Periodic torsions; φ follows the IUPAC/OpenMM sign convention, forces the Bekker/GROMACS
   * formulas. cos φ and sin φ come from the plane normals and cos(nφ − phase) from the
   * multiple-angle recurrence, so no trigonometric call is made; the terms of one quadruple
   * share its geometry.
   */
  private torsions(x: Float64Array, base: number): void {
    const {
      torsionIndex: idx,
      torsionStart: start,
      torsionPeriodicity: per,
      torsionCosPhase: cph,
      torsionSinPhase: sph,
      torsionK: k,
    } = this.sys;
    const f = this.force;
    const nq = start.length - 1;
    let e = 0;
    for (let t = 0; t < nq; t++) {
      const i = 3 * idx[4 * t]!,
        j = 3 * idx[4 * t + 1]!,
        kk = 3 * idx[4 * t + 2]!,
        l = 3 * idx[4 * t + 3]!;
      const fx = x[base + i]! - x[base + j]!,
        fy = x[base + i + 1]! - x[base + j + 1]!,
        fz = x[base + i + 2]! - x[base + j + 2]!; // r_ij
      const gx = x[base + kk]! - x[base + j]!,
        gy = x[base + kk + 1]! - x[base + j + 1]!,
        gz = x[base + kk + 2]! - x[base + j + 2]!; // r_kj
      const hx = x[base + kk]! - x[base + l]!,
        hy = x[base + kk + 1]! - x[base + l + 1]!,
        hz = x[base + kk + 2]! - x[base + l + 2]!; // r_kl
      const mx = fy * gz - fz * gy,
        my = fz * gx - fx * gz,
        mz = fx * gy - fy * gx; // m = r_ij × r_kj
      const nx = gy * hz - gz * hy,
        ny = gz * hx - gx * hz,
        nz = gx * hy - gy * hx; // n = r_kj × r_kl
      const m2 = mx * mx + my * my + mz * mz,
        n2 = nx * nx + ny * ny + nz * nz;
      // Collinear atoms leave φ undefined: take φ = 0 (bounded energy) and no force.
      const degenerate = m2 < 1e-30 || n2 < 1e-30;
      let c = 1,
        s = 0;
      if (!degenerate) {
        const inv = 1 / Math.sqrt(m2 * n2);
        c = (mx * nx + my * ny + mz * nz) * inv;
        const cx = my * nz - mz * ny,
          cy = mz * nx - mx * nz,
          cz = mx * ny - my * nx;
        s = Math.sqrt(cx * cx + cy * cy + cz * cz) * inv;
        if (fx * nx + fy * ny + fz * nz < 0) s = -s;
      }
      let dEdPhi = 0;
      for (let term = start[t]!; term < start[t + 1]!; term++) {
        const nPer = per[term]!;
        let cn = c,
          sn = s;
        for (let p = 1; p < nPer; p++) {
          const tmp = cn * c - sn * s;
          sn = sn * c + cn * s;
          cn = tmp;
        }
        const kt = k[term]!;
        // cos(nφ − ψ) and sin(nφ − ψ)
        e += kt * (1 + cn * cph[term]! + sn * sph[term]!);
        dEdPhi -= kt * nPer * (sn * cph[term]! - cn * sph[term]!);
      }
      if (degenerate) continue;
      const g2 = gx * gx + gy * gy + gz * gz;
      const g = Math.sqrt(g2);
      const si = (-dEdPhi * g) / m2,
        sl = (dEdPhi * g) / n2;
      const fix = si * mx,
        fiy = si * my,
        fiz = si * mz; // force on i
      const flx = sl * nx,
        fly = sl * ny,
        flz = sl * nz; // force on l
      const p = (fx * gx + fy * gy + fz * gz) / g2,
        q = (hx * gx + hy * gy + hz * gz) / g2;
      const sx = p * fix - q * flx,
        sy = p * fiy - q * fly,
        sz = p * fiz - q * flz;
      f[i]! += fix;
      f[i + 1]! += fiy;
      f[i + 2]! += fiz;
      f[j]! += -fix + sx;
      f[j + 1]! += -fiy + sy;
      f[j + 2]! += -fiz + sz;
      f[kk]! += -flx - sx;
      f[kk + 1]! += -fly - sy;
      f[kk + 2]! += -flz - sz;
      f[l]! += flx;
      f[l + 1]! += fly;
      f[l + 2]! += flz;
    }
    this.eTorsion = e;
  }

  /** All pairs i<j with Lorentz-Berthelot LJ and Coulomb, skipping exception pairs; then the exceptions. */
  private nonbonded(x: Float64Array, base: number): void {
    const { nAtoms: n, scaledCharge: q, halfSigma: hs, sqrtEpsilon: se, skipStart, skipPartner } = this.sys;
    const f = this.force;
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
    const { exceptionIndex: ex, exceptionQQ: qq, exceptionA: A, exceptionB: B } = this.sys;
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
    this.eNonbonded = e;
  }

  /**
   * OBC generalized Born: Born radii from the HCT pair integrals I, then the polar energy
   * (self + all pairs, no exclusions) and the ACE surface term, then the chain rule through the
   * Born radii: F = −Σᵢ (∂E/∂Bᵢ)(dBᵢ/dIᵢ) ∇Iᵢ, with ∂Iᵢ/∂r stored per pair in the first pass.
   */
  private generalizedBorn(x: Float64Array, base: number): void {
    const gb = this.sys.gb!;
    const n = this.sys.nAtoms;
    const { offsetRadius: or, scaledRadius: sr, radius, charge: q } = gb;
    const I = this.bornI,
      B = this.bornR,
      dEdB = this.dEdB,
      chain = this.chain;
    const dIi = this.pairDIi,
      dIj = this.pairDIj,
      R = this.pairR;
    const f = this.force;
    const engulf = gb.engulfment;
    I.fill(0);
    let p = 0;
    for (let i = 0; i < n; i++) {
      const oi = base + 3 * i;
      const xi = x[oi]!,
        yi = x[oi + 1]!,
        zi = x[oi + 2]!;
      const ori = or[i]!,
        sri = sr[i]!;
      let Ii = 0;
      for (let j = i + 1; j < n; j++, p++) {
        const oj = base + 3 * j;
        const dx = xi - x[oj]!,
          dy = yi - x[oj + 1]!,
          dz = zi - x[oj + 2]!;
        const r = Math.sqrt(dx * dx + dy * dy + dz * dz);
        R[p] = r;
        const rInv = 1 / r;
        // contribution of j's scaled sphere to I_i
        let d = 0;
        const srj = sr[j]!;
        if (ori < r + srj) {
          const t = hctTerm(r, rInv, ori, srj, engulf);
          Ii += t;
          d = hctDerivative;
        }
        dIi[p] = d;
        // contribution of i's scaled sphere to I_j
        d = 0;
        const orj = or[j]!;
        if (orj < r + sri) {
          I[j]! += hctTerm(r, rInv, orj, sri, engulf);
          d = hctDerivative;
        }
        dIj[p] = d;
      }
      I[i]! += Ii;
    }
    // Born radii and their derivatives with respect to I.
    const { alpha, beta, gamma, prefactor, surfaceFactor } = gb;
    let eSelf = 0,
      eSurf = 0;
    for (let i = 0; i < n; i++) {
      const ori = or[i]!;
      const psi = I[i]! * ori;
      const poly = psi * (alpha + psi * (-beta + psi * gamma));
      const th = Math.tanh(poly);
      const b = 1 / (1 / ori - th / radius[i]!);
      B[i] = b;
      chain[i] = (b * b * (1 - th * th) * (alpha + psi * (-2 * beta + 3 * gamma * psi)) * ori) / radius[i]!;
      const self = (0.5 * prefactor * q[i]! * q[i]!) / b;
      eSelf += self;
      let de = -self / b;
      if (surfaceFactor !== 0) {
        const rp = radius[i]! + GB_PROBE_RADIUS;
        const ratio = radius[i]! / b;
        const r3 = ratio * ratio * ratio;
        const sa = surfaceFactor * rp * rp * r3 * r3;
        eSurf += sa;
        de -= (6 * sa) / b;
      }
      dEdB[i] = de;
    }
    // Pair polar energy with the still-Born-radius-dependent screening f_GB.
    let ePair = 0;
    p = 0;
    for (let i = 0; i < n; i++) {
      const qi = prefactor * q[i]!;
      const bi = B[i]!;
      let dEdBi = 0;
      for (let j = i + 1; j < n; j++, p++) {
        const r = R[p]!;
        const bj = B[j]!;
        const bb = bi * bj;
        const D = (r * r) / (4 * bb);
        const ex = Math.exp(-D);
        const f2 = r * r + bb * ex;
        const fInv = 1 / Math.sqrt(f2);
        const g = qi * q[j]! * fInv;
        ePair += g;
        const dGdBB = (-0.5 * g * ex * (1 + D)) / f2;
        dEdBi += dGdBB * bj;
        dEdB[j]! += dGdBB * bi;
        // dE/dr of the pair at fixed radii, divided by r; stored in R to be applied with the chain rule
        R[p] = (-g * (1 - 0.25 * ex)) / f2;
      }
      dEdB[i]! += dEdBi;
    }
    for (let i = 0; i < n; i++) chain[i] = dEdB[i]! * chain[i]!;
    // Forces: direct pair term plus the Born-radius chain rule, both along the pair vector.
    p = 0;
    for (let i = 0; i < n; i++) {
      const oi = base + 3 * i;
      const xi = x[oi]!,
        yi = x[oi + 1]!,
        zi = x[oi + 2]!;
      const ci = chain[i]!;
      let fxi = 0,
        fyi = 0,
        fzi = 0;
      for (let j = i + 1; j < n; j++, p++) {
        const oj = base + 3 * j;
        const dx = xi - x[oj]!,
          dy = yi - x[oj + 1]!,
          dz = zi - x[oj + 2]!;
        const r = Math.sqrt(dx * dx + dy * dy + dz * dz);
        // total dE/dr / r
        const s = R[p]! + (ci * dIi[p]! + chain[j]! * dIj[p]!) / r;
        const jx = -s * dx,
          jy = -s * dy,
          jz = -s * dz;
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
    this.eGb = eSelf + ePair;
    this.eSurface = eSurf;
  }
}

/** Derivative dI/dr of the last {@link hctTerm} call (a module variable avoids allocating a pair). */
let hctDerivative = 0;

/**
 * HCT pair integral of a sphere of radius s at distance r seen from an atom of offset radius ρ
 * (already known to overlap: ρ < r + s), with its r-derivative left in {@link hctDerivative}.
 * I = ½ [1/L − 1/U + ¼ (r − s²/r)(1/U² − 1/L²) + ½ ln(L/U)/r], L = max(ρ, |r − s|), U = r + s;
 * GBSAOBCForce adds 1/ρ − 1/L when the atom lies inside the sphere (ρ < s − r).
 */
function hctTerm(r: number, rInv: number, rho: number, s: number, engulf: boolean): number {
  const U = r + s;
  const diff = r - s;
  const adiff = diff < 0 ? -diff : diff;
  let L: number, dL: number;
  if (rho > adiff) {
    L = rho;
    dL = 0;
  } else {
    L = adiff;
    dL = diff < 0 ? -1 : 1;
  }
  const iL = 1 / L,
    iU = 1 / U;
  const iL2 = iL * iL,
    iU2 = iU * iU;
  const s2r = s * s * rInv;
  const logLU = Math.log(L * iU);
  const value = 0.5 * (iL - iU + 0.25 * (r - s2r) * (iU2 - iL2) + 0.5 * logLU * rInv);
  let deriv =
    0.5 *
    (-dL * iL2 +
      iU2 +
      0.25 * (1 + s2r * rInv) * (iU2 - iL2) +
      0.25 * (r - s2r) * (-2 * iU2 * iU + 2 * dL * iL2 * iL) +
      0.5 * rInv * (dL * iL - iU) -
      0.5 * logLU * rInv * rInv);
  let v = value;
  if (engulf && rho < s - r) {
    v += 1 / rho - iL;
    deriv += dL * iL2;
  }
  hctDerivative = deriv;
  return v;
}
