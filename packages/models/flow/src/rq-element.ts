/**
 * One element of a rational-quadratic spline in Float64 (Durkan, Bekasov, Murray & Papamakarios,
 * "Neural Spline Flows", 2019): its knots from the raw parameters, the map and its inverse in the
 * bin, and the partial derivatives that the fused op's hand-written gradient chains together.
 * Conventions follow spline.ts and circular-spline.ts exactly (bins from softmaxes with a floor
 * `minBin`, knot derivatives from softplus shifted so that raw 0 gives 1, a value on a knot goes
 * to the bin on its right).
 */

/** What the fused op needs to know about the spline of every element. */
export interface RqSpec {
  circular: boolean;
  bins: number;
  /** Half-width B of [−B, B] (π for the circular spline). */
  bound: number;
  minBin: number;
  minDerivative: number;
}

/** The knots of one element, in scratch arrays reused across elements. */
export class RqKnots {
  readonly softW: Float64Array;
  readonly softH: Float64Array;
  readonly width: Float64Array;
  readonly height: Float64Array;
  readonly xLeft: Float64Array;
  readonly yLeft: Float64Array;
  /** Knot derivatives from softplus (K − 1 interior ones, or K on the circle) and their sigmoids. */
  readonly d: Float64Array;
  readonly sig: Float64Array;
  rotation = 0;
  private readonly c: number;

  constructor(readonly spec: RqSpec) {
    const K = spec.bins;
    [this.softW, this.softH, this.width, this.height, this.xLeft, this.yLeft, this.d, this.sig] = Array.from(
      { length: 8 },
      () => new Float64Array(K),
    ) as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    this.c = Math.log(Math.expm1(1 - spec.minDerivative));
  }

  /** Fill the knots from raw parameters p[o …]. */
  load(p: ArrayLike<number>, o: number): void {
    const { bins: K, circular, minDerivative } = this.spec;
    this.edges(p, o, this.softW, this.width, this.xLeft);
    this.edges(p, o + K, this.softH, this.height, this.yLeft);
    const nd = circular ? K : K - 1;
    for (let i = 0; i < nd; i++) {
      const z = p[o + 2 * K + i]! + this.c;
      // softplus and its derivative (the sigmoid) without overflow; above 0 they share exp(−z).
      if (z > 0) {
        const e = Math.exp(-z);
        this.d[i] = z + Math.log1p(e) + minDerivative;
        this.sig[i] = 1 / (1 + e);
      } else {
        this.d[i] = Math.log1p(Math.exp(z)) + minDerivative;
        this.sig[i] = 1 / (1 + Math.exp(-z));
      }
    }
    this.rotation = circular ? p[o + 3 * K]! : 0;
  }

  private edges(p: ArrayLike<number>, o: number, soft: Float64Array, size: Float64Array, left: Float64Array): void {
    const { bins: K, bound: B, minBin } = this.spec;
    let mx = -Infinity;
    for (let i = 0; i < K; i++) mx = Math.max(mx, p[o + i]!);
    let sum = 0;
    for (let i = 0; i < K; i++) sum += soft[i] = Math.exp(p[o + i]! - mx);
    let edge = -B;
    for (let i = 0; i < K; i++) {
      soft[i] = soft[i]! / sum;
      size[i] = (soft[i]! * (1 - minBin * K) + minBin) * 2 * B;
      left[i] = edge;
      edge += size[i]!;
    }
  }

  /** Derivative at the left and right knot of bin k. */
  dLeft(k: number): number {
    return this.spec.circular ? this.d[k]! : k === 0 ? 1 : this.d[k - 1]!;
  }
  dRight(k: number): number {
    const K = this.spec.bins;
    return this.spec.circular ? this.d[(k + 1) % K]! : k === K - 1 ? 1 : this.d[k]!;
  }

  /** The bin holding v among the left edges `left` (the end bins take what lies outside). */
  static bin(left: Float64Array, v: number): number {
    let k = 0;
    for (let i = 1; i < left.length; i++) if (v >= left[i]!) k = i;
    return k;
  }
}

/** The map in a bin at bin coordinate ξ: value and log-derivative, with their partials. */
export interface RqLocal {
  /** (y − y_k)/h = N/Dn, and log dy/dx. */
  frac: number;
  logDeriv: number;
  /** ∂frac/∂ξ, ∂frac/∂s, ∂frac/∂d0, ∂frac/∂d1 (s = h/w is the bin's slope). */
  fXi: number;
  fS: number;
  fD0: number;
  fD1: number;
  /** ∂L/∂ξ, ∂L/∂s, ∂L/∂d0, ∂L/∂d1 of L = log dy/dx. */
  lXi: number;
  lS: number;
  lD0: number;
  lD1: number;
}

/** See {@link RqLocal}: L = 2 log s + log M − 2 log Dn, frac = N/Dn. */
export function rqLocal(xi: number, s: number, d0: number, d1: number): RqLocal {
  const xx = xi * (1 - xi);
  const t = d0 + d1 - 2 * s;
  const N = s * xi * xi + d0 * xx;
  const Dn = s + t * xx;
  const M = d1 * xi * xi + 2 * s * xx + d0 * (1 - xi) * (1 - xi);
  const nXi = 2 * s * xi + d0 * (1 - 2 * xi);
  const dnXi = t * (1 - 2 * xi);
  const dnS = 1 - 2 * xx;
  const mXi = 2 * d1 * xi + 2 * s * (1 - 2 * xi) - 2 * d0 * (1 - xi);
  const q = 1 / (Dn * Dn);
  return {
    frac: N / Dn,
    logDeriv: 2 * Math.log(s) + Math.log(M) - 2 * Math.log(Dn),
    fXi: (nXi * Dn - N * dnXi) * q,
    fS: (xi * xi * Dn - N * dnS) * q,
    fD0: (xx * Dn - N * xx) * q,
    fD1: -N * xx * q,
    lXi: mXi / M - (2 * dnXi) / Dn,
    lS: 2 / s + (2 * xx) / M - (2 * dnS) / Dn,
    lD0: ((1 - xi) * (1 - xi)) / M - (2 * xx) / Dn,
    lD1: (xi * xi) / M - (2 * xx) / Dn,
  };
}

/** The root ξ ∈ [0, 1] of frac(ξ) = dy/h in bin coordinates, as rqInverse in spline.ts computes it. */
export function rqInverseXi(dy: number, h: number, s: number, d0: number, d1: number): number {
  const t = d0 + d1 - 2 * s;
  const a = h * (s - d0) + dy * t;
  const b = h * d0 - dy * t;
  const c = -s * dy;
  const disc = Math.max(0, b * b - 4 * a * c);
  return Math.min(1, Math.max(0, (2 * c) / (-b - Math.sqrt(disc))));
}
