/** Small numerical helpers shared by the analytic references; pure, so they are unit-tested. */

/**
 * Composite Simpson rule for samples `f[0..m]` on a uniform grid of spacing `h`.
 * `f.length - 1` must be even.
 */
export function simpson(f: ArrayLike<number>, h: number): number {
  const m = f.length - 1;
  if (m < 2 || m % 2 !== 0) throw new RangeError(`simpson: need an even number of intervals ≥ 2, got ${m}`);
  let odd = 0;
  let even = 0;
  for (let i = 1; i < m; i++) {
    if (i % 2 === 1) odd += f[i]!;
    else even += f[i]!;
  }
  return (h / 3) * (f[0]! + f[m]! + 4 * odd + 2 * even);
}

/** `log Σ exp(v_i)` without overflow; −Infinity for an empty or all −Infinity input. */
export function logSumExp(v: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) if (v[i]! > max) max = v[i]!;
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.exp(v[i]! - max);
  return max + Math.log(s);
}

/** Standard normal from a uniform source in [0, 1) (Box–Muller, one value per two uniforms). */
export function normalFrom(uniform: () => number): number {
  let u = 0;
  while (u <= 0) u = uniform();
  const v = uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Smallest index i with `cdf[i] > u` in a non-decreasing array (binary search); cdf.length − 1 at most. */
export function searchCdf(cdf: ArrayLike<number>, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Inverse of a piecewise-linear CDF given at nodes `x` (increasing) with values `cdf`
 * (non-decreasing, cdf[0] = 0, cdf[last] = 1): the sample is linear between the bracketing nodes,
 * i.e. the density is constant on each grid interval.
 */
export function inverseCdfLinear(x: ArrayLike<number>, cdf: ArrayLike<number>, u: number): number {
  const i = Math.max(1, searchCdf(cdf, u));
  const c0 = cdf[i - 1]!;
  const c1 = cdf[i]!;
  const t = c1 > c0 ? (u - c0) / (c1 - c0) : 0.5;
  return x[i - 1]! + Math.min(1, Math.max(0, t)) * (x[i]! - x[i - 1]!);
}

/** Root of a monotone-bracketed function by bisection (f(lo) and f(hi) of opposite sign). */
export function bisect(f: (x: number) => number, lo: number, hi: number, iterations = 200): number {
  let flo = f(lo);
  for (let i = 0; i < iterations; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    const fm = f(mid);
    if (fm === 0) return mid;
    if (fm < 0 === flo < 0) {
      lo = mid;
      flo = fm;
    } else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Read a number-or-array option as an array of length `dimension`, with a clear error naming it. */
export function broadcastOption(
  owner: string,
  name: string,
  value: number | number[],
  dimension: number,
  check: (v: number) => boolean,
  expected: string,
): Float64Array {
  const arr = typeof value === 'number' ? new Array<number>(dimension).fill(value) : value;
  if (!Array.isArray(arr) || arr.length !== dimension) {
    throw new RangeError(
      `${owner}: option "${name}" must be a number or an array of ${dimension} numbers (one per dimension), got ${JSON.stringify(value)}`,
    );
  }
  arr.forEach((v, i) => {
    if (typeof v !== 'number' || !check(v)) {
      throw new RangeError(`${owner}: option "${name}"[${i}] must be ${expected}, got ${JSON.stringify(v)}`);
    }
  });
  return Float64Array.from(arr);
}
