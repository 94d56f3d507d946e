/**
 * OBC generalized Born (the polar part of OpenMM's GBSAOBCForce for OBC2, of the OBC1
 * CustomGBForce for OBC1) and the ACE surface-area term of the same Force, in four passes over
 * the pairs: HCT integrals I, Born radii, pair polar energy, forces. The forces follow the chain
 * rule through the Born radii: F = −Σᵢ (∂E/∂Bᵢ)(dBᵢ/dIᵢ) ∇Iᵢ, with ∂Iᵢ/∂r stored per pair in the
 * first pass.
 */
import { GB_PROBE_RADIUS, type CompiledGb, type CompiledSystem } from './compiled.js';

/** The GB terms of one compiled system; holds the per-atom and per-pair scratch buffers. */
export class GeneralizedBorn {
  /** Polar energy (self + pairs) of the last {@link evaluate}. */
  energy = 0;
  /** ACE surface-area energy of the last {@link evaluate}. */
  surface = 0;
  private readonly n: number;
  private readonly bornI: Float64Array;
  private readonly bornR: Float64Array;
  private readonly dEdB: Float64Array;
  private readonly chain: Float64Array;
  /** Per pair (i<j): dIᵢ/dr, dIⱼ/dr, then r and later the direct pair dE/dr / r of the GB energy. */
  private readonly pairDIi: Float64Array;
  private readonly pairDIj: Float64Array;
  private readonly pairR: Float64Array;

  constructor(
    sys: CompiledSystem,
    private readonly gb: CompiledGb,
  ) {
    const n = (this.n = sys.nAtoms);
    const pairs = (n * (n - 1)) / 2;
    this.bornI = new Float64Array(n);
    this.bornR = new Float64Array(n);
    this.dEdB = new Float64Array(n);
    this.chain = new Float64Array(n);
    this.pairDIi = new Float64Array(pairs);
    this.pairDIj = new Float64Array(pairs);
    this.pairR = new Float64Array(pairs);
  }

  /** Energies of the configuration at `x[base…]` into {@link energy} and {@link surface}; forces are added to `f`. */
  evaluate(x: Float64Array, base: number, f: Float64Array): void {
    this.integrals(x, base);
    const eSelf = this.bornRadii();
    const ePair = this.pairPolar();
    this.forces(x, base, f);
    this.energy = eSelf + ePair;
  }

  /** HCT pair integrals I of every atom, with dI/dr and r per pair. */
  private integrals(x: Float64Array, base: number): void {
    const n = this.n;
    const { offsetRadius: or, scaledRadius: sr, engulfment: engulf } = this.gb;
    const I = this.bornI,
      dIi = this.pairDIi,
      dIj = this.pairDIj,
      R = this.pairR;
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
          d = hctDerivative[0]!;
        }
        dIi[p] = d;
        // contribution of i's scaled sphere to I_j
        d = 0;
        const orj = or[j]!;
        if (orj < r + sri) {
          I[j]! += hctTerm(r, rInv, orj, sri, engulf);
          d = hctDerivative[0]!;
        }
        dIj[p] = d;
      }
      I[i]! += Ii;
    }
  }

  /** Born radii, dB/dI into `chain`, the self and surface ∂E/∂B into `dEdB`; returns the self energy, sets {@link surface}. */
  private bornRadii(): number {
    const n = this.n;
    const { offsetRadius: or, radius, charge: q, alpha, beta, gamma, prefactor, surfaceFactor } = this.gb;
    const I = this.bornI,
      B = this.bornR,
      dEdB = this.dEdB,
      chain = this.chain;
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
    this.surface = eSurf;
    return eSelf;
  }

  /**
   * Pair polar energy with the Born-radius-dependent screening f_GB; adds the pairs' ∂E/∂B to
   * `dEdB`, turns `chain` into ∂E/∂I, and overwrites r per pair with the direct dE/dr / r.
   */
  private pairPolar(): number {
    const n = this.n;
    const { charge: q, prefactor } = this.gb;
    const B = this.bornR,
      dEdB = this.dEdB,
      chain = this.chain,
      R = this.pairR;
    let ePair = 0;
    let p = 0;
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
        R[p] = (-g * (1 - 0.25 * ex)) / f2;
      }
      dEdB[i]! += dEdBi;
    }
    for (let i = 0; i < n; i++) chain[i] = dEdB[i]! * chain[i]!;
    return ePair;
  }

  /** Forces: the direct pair term plus the Born-radius chain rule, both along the pair vector. */
  private forces(x: Float64Array, base: number, f: Float64Array): void {
    const n = this.n;
    const chain = this.chain,
      dIi = this.pairDIi,
      dIj = this.pairDIj,
      R = this.pairR;
    let p = 0;
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
  }
}

/**
 * Derivative dI/dr of the last {@link hctTerm} call, in element 0. A typed array rather than
 * returning a pair, or a module `let`: a double stored in a module variable is boxed, one
 * allocation per call, and this runs twice per atom pair per configuration.
 */
const hctDerivative = new Float64Array(1);

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
  hctDerivative[0] = deriv;
  return v;
}
