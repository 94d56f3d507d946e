/**
 * The internal-coordinates transform in float64, one configuration at a time: NeRF placement
 * (forward), bonds/angles/torsions of given positions (inverse), and log|det J| (see
 * internal-coordinates.ts for the conventions).
 */
import { angleIndex, bondIndex, torsionIndex, type ZMatrixRow } from './z-matrix.js';

export type Vec = [number, number, number];

export function at(x: ArrayLike<number>, o: number, i: number): Vec {
  return [x[o + 3 * i]!, x[o + 3 * i + 1]!, x[o + 3 * i + 2]!];
}
export const sub = (u: Vec, v: Vec): Vec => [u[0] - v[0], u[1] - v[1], u[2] - v[2]];
export const dot = (u: Vec, v: Vec) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
export const cross = (u: Vec, v: Vec): Vec => [
  u[1] * v[2] - u[2] * v[1],
  u[2] * v[0] - u[0] * v[2],
  u[0] * v[1] - u[1] * v[0],
];
/**
 * |(a, b, c)|. Not Math.hypot: its guard against overflow is of no use at molecular lengths (nm)
 * and costs about ten times the square root in V8, on the transform's hottest path.
 */
export const length3 = (a: number, b: number, c: number): number => Math.sqrt(a * a + b * b + c * c);
const norm = (u: Vec) => length3(u[0], u[1], u[2]);

/** log|det J_T| of the configuration whose y starts at offset o. */
export function logDetJ64(y: Float64Array, o: number, N: number): number {
  let s = Math.log(Math.abs(y[o + bondIndex(2)]!));
  for (let r = 3; r < N; r++)
    s += 2 * Math.log(Math.abs(y[o + bondIndex(r)]!)) + Math.log(Math.abs(Math.sin(y[o + angleIndex(r, N)]!)));
  return s;
}

/**
 * Write the positions of the configuration whose y starts at offset o into x at offset xo (x
 * zero there). `ux2` as in internalToCartesianTf. Scalar locals, not Vec arrays: this runs for
 * every row of every configuration of every draw, and small arrays there cost allocations and
 * garbage collection (the order of the arithmetic is the Vec version's, so the bits are too).
 */
export function placeAtoms64(
  y: Float64Array,
  o: number,
  x: Float64Array,
  xo: number,
  zm: readonly ZMatrixRow[],
  ux2: number,
): void {
  const N = zm.length;
  const [z1, z2] = [zm[1]![0], zm[2]![0]];
  x[xo + 3 * z1] = y[o + bondIndex(1)]!;
  const b2 = y[o + bondIndex(2)]!,
    t2 = y[o + angleIndex(2, N)]!;
  x[xo + 3 * z2] = x[xo + 3 * zm[2]![1]]! + ux2 * b2 * Math.cos(t2);
  x[xo + 3 * z2 + 1] = b2 * Math.sin(t2);
  for (let r = 3; r < N; r++) {
    const row = zm[r]!;
    const xi = xo + 3 * row[0],
      xj = xo + 3 * row[1],
      xk = xo + 3 * row[2],
      xl = xo + 3 * row[3];
    const pj0 = x[xj]!,
      pj1 = x[xj + 1]!,
      pj2 = x[xj + 2]!;
    const pk0 = x[xk]!,
      pk1 = x[xk + 1]!,
      pk2 = x[xk + 2]!;
    let c0 = pj0 - pk0,
      c1 = pj1 - pk1,
      c2 = pj2 - pk2;
    const lb = length3(c0, c1, c2);
    c0 /= lb;
    c1 /= lb;
    c2 /= lb;
    const u0 = pk0 - x[xl]!,
      u1 = pk1 - x[xl + 1]!,
      u2 = pk2 - x[xl + 2]!;
    let n0 = u1 * c2 - u2 * c1,
      n1 = u2 * c0 - u0 * c2,
      n2 = u0 * c1 - u1 * c0;
    const ln = length3(n0, n1, n2);
    n0 /= ln;
    n1 /= ln;
    n2 /= ln;
    const b = y[o + bondIndex(r)]!,
      th = y[o + angleIndex(r, N)]!,
      ph = y[o + torsionIndex(r, N)]!;
    const d0 = -b * Math.cos(th),
      d1 = b * Math.sin(th) * Math.cos(ph),
      d2 = b * Math.sin(th) * Math.sin(ph);
    // m = nv × bc
    x[xi] = pj0 + c0 * d0 + (n1 * c2 - n2 * c1) * d1 + n0 * d2;
    x[xi + 1] = pj1 + c1 * d0 + (n2 * c0 - n0 * c2) * d1 + n1 * d2;
    x[xi + 2] = pj2 + c2 * d0 + (n0 * c1 - n1 * c0) * d1 + n2 * d2;
  }
}

/** Write the internal coordinates of the configuration at x offset xo into y at offset o. */
export function measureInternal64(
  x: Float64Array,
  xo: number,
  y: Float64Array,
  o: number,
  zm: readonly ZMatrixRow[],
): void {
  const N = zm.length;
  for (let r = 1; r < N; r++) {
    const [i, j, k, l] = zm[r]!;
    const pi = at(x, xo, i),
      pj = at(x, xo, j);
    const ji = sub(pi, pj);
    y[o + bondIndex(r)] = norm(ji);
    if (r < 2) continue;
    const jk = sub(at(x, xo, k), pj);
    // atan2 keeps full precision near 0 and π, where acos loses it.
    y[o + angleIndex(r, N)] = Math.atan2(norm(cross(ji, jk)), dot(ji, jk));
    if (r < 3) continue;
    const b1 = sub(at(x, xo, k), at(x, xo, l)),
      b2 = sub(pj, at(x, xo, k));
    const n2 = cross(b2, ji);
    const phi = Math.atan2(norm(b2) * dot(b1, n2), dot(cross(b1, b2), n2));
    y[o + torsionIndex(r, N)] = phi === -Math.PI ? Math.PI : phi;
  }
}
