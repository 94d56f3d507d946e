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
const norm = (u: Vec) => Math.hypot(u[0], u[1], u[2]);

/** log|det J_T| of the configuration whose y starts at offset o. */
export function logDetJ64(y: Float64Array, o: number, N: number): number {
  let s = Math.log(Math.abs(y[o + bondIndex(2)]!));
  for (let r = 3; r < N; r++)
    s += 2 * Math.log(Math.abs(y[o + bondIndex(r)]!)) + Math.log(Math.abs(Math.sin(y[o + angleIndex(r, N)]!)));
  return s;
}

/**
 * Write the positions of the configuration whose y starts at offset o into x at offset xo (x
 * zero there). `ux2` as in internalToCartesianTf.
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
    const [i, j, k, l] = zm[r]!;
    const pj = at(x, xo, j),
      pk = at(x, xo, k),
      pl = at(x, xo, l);
    const bc = sub(pj, pk);
    const lb = norm(bc);
    bc[0] /= lb;
    bc[1] /= lb;
    bc[2] /= lb;
    const nv = cross(sub(pk, pl), bc);
    const ln = norm(nv);
    nv[0] /= ln;
    nv[1] /= ln;
    nv[2] /= ln;
    const m = cross(nv, bc);
    const b = y[o + bondIndex(r)]!,
      th = y[o + angleIndex(r, N)]!,
      ph = y[o + torsionIndex(r, N)]!;
    const d0 = -b * Math.cos(th),
      d1 = b * Math.sin(th) * Math.cos(ph),
      d2 = b * Math.sin(th) * Math.sin(ph);
    for (let c = 0; c < 3; c++) x[xo + 3 * i + c] = pj[c]! + bc[c]! * d0 + m[c]! * d1 + nv[c]! * d2;
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
