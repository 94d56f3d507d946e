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
import { frame, logDetJ64, placeAtoms64, rowFrame } from './internal-coordinates-64.js';
import { angleIndex, bondIndex, torsionIndex, type ZMatrixRow } from './z-matrix.js';

function bump(a: Float64Array, i: number, v: number): void {
  a[i] = a[i]! + v;
}

/** g[at..at+2] += sign·(v0, v1, v2). */
function add3(g: Float64Array, at: number, v0: number, v1: number, v2: number, sign: 1 | -1): void {
  g[at] = g[at]! + sign * v0;
  g[at + 1] = g[at + 1]! + sign * v1;
  g[at + 2] = g[at + 2]! + sign * v2;
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
    const row = zm[r]!;
    const xi = xo + 3 * row[0],
      xj = xo + 3 * row[1];
    rowFrame(x, xj, xo + 3 * row[2], xo + 3 * row[3]);
    const f = frame;
    const [c0, c1, c2, inv1] = [f[0]!, f[1]!, f[2]!, f[3]!];
    const [u0, u1, u2, v0, v1, v2, inv2] = [f[4]!, f[5]!, f[6]!, f[7]!, f[8]!, f[9]!, f[10]!];
    // x_i = p_j + bc·d0 + m·d1 + nv·d2 with m = nv × bc, nv = unit(u × bc), bc = unit(p_j − p_k).
    const m0 = v1 * c2 - v2 * c1,
      m1 = v2 * c0 - v0 * c2,
      m2 = v0 * c1 - v1 * c0;
    const b = y[o + bondIndex(r)]!,
      th = y[o + angleIndex(r, N)]!,
      ph = y[o + torsionIndex(r, N)]!;
    const ct = Math.cos(th),
      st = Math.sin(th),
      cp = Math.cos(ph),
      sp = Math.sin(ph);
    const g0 = gx[xi]!,
      g1 = gx[xi + 1]!,
      g2 = gx[xi + 2]!;
    add3(gx, xj, g0, g1, g2, 1);
    const e0 = g0 * c0 + g1 * c1 + g2 * c2,
      e1 = g0 * m0 + g1 * m1 + g2 * m2,
      e2 = g0 * v0 + g1 * v1 + g2 * v2;
    bump(gy, o + bondIndex(r), -ct * e0 + st * cp * e1 + st * sp * e2 + (2 * gl) / b);
    bump(gy, o + angleIndex(r, N), b * (st * e0 + ct * cp * e1 + ct * sp * e2) + (gl * ct) / st);
    bump(gy, o + torsionIndex(r, N), b * st * (-sp * e1 + cp * e2));
    const sM = b * st * cp,
      sN = b * st * sp,
      sB = -b * ct;
    const a0 = g0 * sM,
      a1 = g1 * sM,
      a2 = g2 * sM; // m̄
    // n̄v = g·sN + bc × m̄, then back through the normalisation: w̄ = (n̄v − nv (nv·n̄v)) / |u × bc|.
    const t0 = g0 * sN + (c1 * a2 - c2 * a1),
      t1 = g1 * sN + (c2 * a0 - c0 * a2),
      t2 = g2 * sN + (c0 * a1 - c1 * a0);
    const dn = v0 * t0 + v1 * t1 + v2 * t2;
    const w0 = (t0 - v0 * dn) * inv2,
      w1 = (t1 - v1 * dn) * inv2,
      w2 = (t2 - v2 * dn) * inv2;
    // b̄c = g·sB + m̄ × nv + w̄ × u; ū = bc × w̄.
    const s0 = g0 * sB + (a1 * v2 - a2 * v1) + (w1 * u2 - w2 * u1),
      s1 = g1 * sB + (a2 * v0 - a0 * v2) + (w2 * u0 - w0 * u2),
      s2 = g2 * sB + (a0 * v1 - a1 * v0) + (w0 * u1 - w1 * u0);
    const ub0 = c1 * w2 - c2 * w1,
      ub1 = c2 * w0 - c0 * w2,
      ub2 = c0 * w1 - c1 * w0;
    add3(gx, xo + 3 * row[2], ub0, ub1, ub2, 1);
    add3(gx, xo + 3 * row[3], ub0, ub1, ub2, -1);
    const dv = c0 * s0 + c1 * s1 + c2 * s2;
    const vb0 = (s0 - c0 * dv) * inv1,
      vb1 = (s1 - c1 * dv) * inv1,
      vb2 = (s2 - c2 * dv) * inv1;
    add3(gx, xj, vb0, vb1, vb2, 1);
    add3(gx, xo + 3 * row[2], vb0, vb1, vb2, -1);
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
