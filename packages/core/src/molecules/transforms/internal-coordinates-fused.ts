/**
 * The internal-coordinates forward map x = T(y) and log|det J| as one tfjs op with a hand-written
 * gradient, computed in Float64 loops (placeAtoms64 forward, the reverse-mode NeRF below backward).
 * The unfused composition (internal-coordinates-tf.ts) launches about 1,400 kernels forward and
 * 4,000 backward for alanine dipeptide; on the cpu/wasm backends the data lives on the host, so
 * one op with a typed-array loop replaces that dispatch. `training.fusedKernels: false` keeps the
 * unfused path.
 */
import * as tf from '@embedcg/core/tf';
import { sliceColumns } from '../../nn/simd/column-kernels.js';
import { at, cross, dot, logDetJ64, placeAtoms64, sub, type Vec } from './internal-coordinates-64.js';
import { angleIndex, bondIndex, torsionIndex, type ZMatrixRow } from './z-matrix.js';

const scale = (u: Vec, s: number): Vec => [u[0] * s, u[1] * s, u[2] * s];
function bump(a: Float64Array, i: number, v: number): void {
  a[i] = a[i]! + v;
}
function addTo(g: Float64Array, o: number, i: number, v: Vec, sign = 1): void {
  g[o + 3 * i] = g[o + 3 * i]! + sign * v[0];
  g[o + 3 * i + 1] = g[o + 3 * i + 1]! + sign * v[1];
  g[o + 3 * i + 2] = g[o + 3 * i + 2]! + sign * v[2];
}
/** u/|u| and the adjoint of that normalisation: ū = (v̄ − v (v·v̄)) / |u|. */
function unit(u: Vec): { v: Vec; back: (vBar: Vec) => Vec } {
  const len = Math.hypot(u[0], u[1], u[2]);
  const v = scale(u, 1 / len);
  return { v, back: (vBar) => scale(sub(vBar, scale(v, dot(v, vBar))), 1 / len) };
}

/**
 * The vector-Jacobian product of one configuration: given the positions x (at xo) that
 * placeAtoms64 wrote for y (at o), the gradient gx of the loss with respect to x (at xo; consumed
 * as scratch) and the gradient gl with respect to log|det J|, write ∂loss/∂y into gy at o.
 * Rows are undone last to first: a row's atom is used only by later rows, so its gradient is
 * complete when its row is reached.
 */
export function placeAtomsAdjoint64(
  y: Float64Array,
  o: number,
  x: Float64Array,
  gx: Float64Array,
  xo: number,
  gl: number,
  gy: Float64Array,
  zm: readonly ZMatrixRow[],
  ux2: number,
): void {
  const N = zm.length;
  for (let r = N - 1; r >= 3; r--) {
    const [i, j, k, l] = zm[r]!;
    const pj = at(x, xo, j),
      pk = at(x, xo, k),
      pl = at(x, xo, l);
    const bc = unit(sub(pj, pk));
    const u = sub(pk, pl);
    const nv = unit(cross(u, bc.v));
    const m = cross(nv.v, bc.v);
    const b = y[o + bondIndex(r)]!,
      th = y[o + angleIndex(r, N)]!,
      ph = y[o + torsionIndex(r, N)]!;
    const [ct, st, cp, sp] = [Math.cos(th), Math.sin(th), Math.cos(ph), Math.sin(ph)];
    const g = at(gx, xo, i);
    addTo(gx, xo, j, g);
    const [e0, e1, e2] = [dot(g, bc.v), dot(g, m), dot(g, nv.v)];
    bump(gy, o + bondIndex(r), -ct * e0 + st * cp * e1 + st * sp * e2 + (2 * gl) / b);
    bump(gy, o + angleIndex(r, N), b * (st * e0 + ct * cp * e1 + ct * sp * e2) + (gl * ct) / st);
    bump(gy, o + torsionIndex(r, N), b * st * (-sp * e1 + cp * e2));
    // x_i = p_j + bc·d0 + m·d1 + nv·d2 with m = nv × bc, nv = unit(u × bc), bc = unit(p_j − p_k).
    const mBar = scale(g, b * st * cp);
    const nvBar = scale(g, b * st * sp);
    const bcBar = scale(g, -b * ct);
    const nvTot: Vec = [...nvBar];
    const cm = cross(bc.v, mBar);
    const bcTot: Vec = [bcBar[0], bcBar[1], bcBar[2]];
    for (let c = 0; c < 3; c++) nvTot[c] = nvTot[c]! + cm[c]!;
    const mn = cross(mBar, nv.v);
    for (let c = 0; c < 3; c++) bcTot[c] = bcTot[c]! + mn[c]!;
    const wBar = nv.back(nvTot);
    const uBar = cross(bc.v, wBar);
    const wu = cross(wBar, u);
    for (let c = 0; c < 3; c++) bcTot[c] = bcTot[c]! + wu[c]!;
    addTo(gx, xo, k, uBar);
    addTo(gx, xo, l, uBar, -1);
    const vBar = bc.back(bcTot);
    addTo(gx, xo, j, vBar);
    addTo(gx, xo, k, vBar, -1);
  }
  const [z1, z2] = [zm[1]![0], zm[2]![0]];
  const b2 = y[o + bondIndex(2)]!,
    t2 = y[o + angleIndex(2, N)]!;
  const g2x = gx[xo + 3 * z2]!,
    g2y = gx[xo + 3 * z2 + 1]!;
  bump(gy, o + bondIndex(2), ux2 * Math.cos(t2) * g2x + Math.sin(t2) * g2y + gl / b2);
  bump(gy, o + angleIndex(2, N), -ux2 * b2 * Math.sin(t2) * g2x + b2 * Math.cos(t2) * g2y);
  bump(gx, xo + 3 * zm[2]![1], g2x);
  bump(gy, o + bondIndex(1), gx[xo + 3 * z1]!);
}

/**
 * x = T(y) (n × 3N) and log|det J| (n) as one op; see the file comment. A customGrad op has one
 * output, so x and log|det J| leave it side by side (n × (3N + 1)) and are sliced apart.
 */
export function internalToCartesianFused(
  y: tf.Tensor2D,
  zm: readonly ZMatrixRow[],
  ux2: number,
): { x: tf.Tensor2D; logDetJ: tf.Tensor1D } {
  const N = zm.length;
  const D = 3 * N;
  const d = D - 6;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const yt = args[0] as tf.Tensor2D;
    const n = yt.shape[0];
    const y64 = Float64Array.from(yt.dataSync());
    const x64 = new Float64Array(n * D);
    const out = new Float32Array(n * (D + 1));
    for (let f = 0; f < n; f++) {
      placeAtoms64(y64, f * d, x64, f * D, zm, ux2);
      for (let c = 0; c < D; c++) out[f * (D + 1) + c] = x64[f * D + c]!;
      out[f * (D + 1) + D] = logDetJ64(y64, f * d, N);
    }
    const gradFunc = (dy: tf.Tensor) => {
      const g = dy.dataSync();
      const gx = new Float64Array(n * D);
      for (let f = 0; f < n; f++) for (let c = 0; c < D; c++) gx[f * D + c] = g[f * (D + 1) + c]!;
      const gy = new Float64Array(n * d);
      for (let f = 0; f < n; f++) placeAtomsAdjoint64(y64, f * d, x64, gx, f * D, g[f * (D + 1) + D]!, gy, zm, ux2);
      return tf.tensor2d(Float32Array.from(gy), [n, d]);
    };
    return { value: tf.tensor2d(out, [n, D + 1]), gradFunc };
  });
  const packed = op(y) as tf.Tensor2D;
  const n = y.shape[0];
  return {
    x: sliceColumns(packed, 0, D),
    logDetJ: tf.reshape(sliceColumns(packed, D, 1), [n]) as tf.Tensor1D,
  };
}
