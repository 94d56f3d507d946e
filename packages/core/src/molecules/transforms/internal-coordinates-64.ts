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
 * The local frame in which a row's atom is placed: bc = unit(p_j − p_k) (0–2),
 * 1/|p_j − p_k| (3), u = p_k − p_l (4–6), nv = unit(u × bc) (7–9), 1/|u × bc| (10). A scratch
 * array and scalar locals rather than small Vec arrays: the placement and its adjoint run for every
 * row of every configuration of every step, where allocations cost garbage collection.
 */
export const frame = new Float64Array(11);

export function rowFrame(x: Float64Array, xj: number, xk: number, xl: number): void {
  const pk0 = x[xk]!,
    pk1 = x[xk + 1]!,
    pk2 = x[xk + 2]!;
  const r0 = x[xj]! - pk0,
    r1 = x[xj + 1]! - pk1,
    r2 = x[xj + 2]! - pk2;
  const inv1 = 1 / length3(r0, r1, r2);
  const c0 = r0 * inv1,
    c1 = r1 * inv1,
    c2 = r2 * inv1;
  const u0 = pk0 - x[xl]!,
    u1 = pk1 - x[xl + 1]!,
    u2 = pk2 - x[xl + 2]!;
  const q0 = u1 * c2 - u2 * c1,
    q1 = u2 * c0 - u0 * c2,
    q2 = u0 * c1 - u1 * c0;
  const inv2 = 1 / length3(q0, q1, q2);
  frame[0] = c0;
  frame[1] = c1;
  frame[2] = c2;
  frame[3] = inv1;
  frame[4] = u0;
  frame[5] = u1;
  frame[6] = u2;
  frame[7] = q0 * inv2;
  frame[8] = q1 * inv2;
  frame[9] = q2 * inv2;
  frame[10] = inv2;
}

/**
 * Write the positions of the configuration whose y starts at offset o into x at offset xo (x
 * zero there). `ux2` as in internalToCartesianTf. The frame comes from {@link rowFrame}, which
 * the adjoint (internal-coordinates-fused.ts) rebuilds the same way.
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
      xj = xo + 3 * row[1];
    rowFrame(x, xj, xo + 3 * row[2], xo + 3 * row[3]);
    const f = frame;
    const [c0, c1, c2, n0, n1, n2] = [f[0]!, f[1]!, f[2]!, f[7]!, f[8]!, f[9]!];
    const b = y[o + bondIndex(r)]!,
      th = y[o + angleIndex(r, N)]!,
      ph = y[o + torsionIndex(r, N)]!;
    const d0 = -b * Math.cos(th),
      d1 = b * Math.sin(th) * Math.cos(ph),
      d2 = b * Math.sin(th) * Math.sin(ph);
    // m = nv × bc
    x[xi] = x[xj]! + c0 * d0 + (n1 * c2 - n2 * c1) * d1 + n0 * d2;
    x[xi + 1] = x[xj + 1]! + c1 * d0 + (n2 * c0 - n0 * c2) * d1 + n1 * d2;
    x[xi + 2] = x[xj + 2]! + c2 * d0 + (n0 * c1 - n1 * c0) * d1 + n2 * d2;
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
