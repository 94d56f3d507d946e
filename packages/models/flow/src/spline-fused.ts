/**
 * The interval and circular rational-quadratic splines (spline.ts, circular-spline.ts) as one
 * tfjs op each way, with a hand-written gradient, computed per element in Float64 loops
 * (rq-element.ts). The unfused composition launches about 130 kernels per spline call forward and
 * more backward; on the cpu/wasm backends the data lives on the host, so one op replaces that
 * dispatch. `training.fusedKernels: false` keeps the unfused path.
 */
import * as tf from '@embedcg/core/tf';
import { sliceColumns } from '@embedcg/core';
import { PI_BELOW_F32, wrapAngle64 } from './circular-spline.js';
import { RqKnots, rqInverseXi, rqLocal, type RqLocal, type RqSpec } from './rq-element.js';

/** wrapAngle64 clipped like wrapAngle (float32 angles stay strictly inside [−π, π)). */
const wrap = (v: number) => Math.min(PI_BELOW_F32, Math.max(-PI_BELOW_F32, wrapAngle64(v)));

/** Forward (x → y) or inverse (y → x) of one element: output and log-derivative. */
function evaluate(k: RqKnots, v: number, inverse: boolean): { out: number; logDet: number } {
  const { bound: B, circular } = k.spec;
  if (!circular && Math.abs(v) > B) return { out: v, logDet: 0 };
  const u = circular ? wrap(inverse ? v - k.rotation : v) : v;
  const b = RqKnots.bin(inverse ? k.yLeft : k.xLeft, u);
  const w = k.width[b]!,
    h = k.height[b]!;
  const s = h / w;
  const xi = inverse
    ? rqInverseXi(u - k.yLeft[b]!, h, s, k.dLeft(b), k.dRight(b))
    : Math.min(1, Math.max(0, (u - k.xLeft[b]!) / w));
  const r = rqLocal(xi, s, k.dLeft(b), k.dRight(b));
  if (inverse) {
    const x = k.xLeft[b]! + xi * w;
    return { out: circular ? wrap(x) : x, logDet: -r.logDeriv };
  }
  const y = k.yLeft[b]! + h * r.frac;
  return { out: circular ? wrap(y + k.rotation) : y, logDet: r.logDeriv };
}

/** Gradients of a bin's quantities: x-left, width, y-left, height, slope, d0, d1, and the input. */
interface BinGrads {
  xl: number;
  w: number;
  yl: number;
  h: number;
  s: number;
  d0: number;
  d1: number;
  u: number;
}

/** x = x_k + ξ w with log-derivative −L(ξ), where ξ solves y_k + h·frac(ξ) = u (implicit function). */
function inverseGrads(r: RqLocal, xi: number, w: number, h: number, gOut: number, gLd: number): BinGrads {
  const q = (gOut * w - gLd * r.lXi) / (h * r.fXi);
  return {
    xl: gOut,
    w: gOut * xi,
    yl: -q,
    h: -q * r.frac,
    s: -gLd * r.lS - q * h * r.fS,
    d0: -gLd * r.lD0 - q * h * r.fD0,
    d1: -gLd * r.lD1 - q * h * r.fD1,
    u: q,
  };
}

/**
 * y = y_k + h·frac(ξ), ξ = (u − x_k)/w. ξ is clipped to [0, 1] against rounding only; unlike
 * tf.clipByValue in the unfused composition, the gradient passes, so the slope at ±B is the
 * spline's (1), not 0.
 */
function forwardGrads(r: RqLocal, raw: number, w: number, h: number, gOut: number, gLd: number): BinGrads {
  const gXi = gOut * h * r.fXi + gLd * r.lXi;
  return {
    xl: -gXi / w,
    w: (-gXi * raw) / w,
    yl: gOut,
    h: gOut * r.frac,
    s: gOut * h * r.fS + gLd * r.lS,
    d0: gOut * h * r.fD0 + gLd * r.lD0,
    d1: gOut * h * r.fD1 + gLd * r.lD1,
    u: gXi / w,
  };
}

/**
 * The gradient of one element: given the upstream gradients gOut (of the output) and gLd (of the
 * log-derivative), add ∂/∂raw into gp[o …] and return ∂/∂v.
 */
function backward(k: RqKnots, v: number, inverse: boolean, gOut: number, gLd: number, gp: Float64Array, o: number) {
  const { bound: B, circular, bins: K } = k.spec;
  if (!circular && Math.abs(v) > B) return gOut;
  const u = circular ? wrap(inverse ? v - k.rotation : v) : v;
  const b = RqKnots.bin(inverse ? k.yLeft : k.xLeft, u);
  const w = k.width[b]!,
    h = k.height[b]!;
  const s = h / w;
  const [d0, d1] = [k.dLeft(b), k.dRight(b)];
  const raw = (u - k.xLeft[b]!) / w;
  const xi = inverse ? rqInverseXi(u - k.yLeft[b]!, h, s, d0, d1) : Math.min(1, Math.max(0, raw));
  const r = rqLocal(xi, s, d0, d1);
  const g = inverse ? inverseGrads(r, xi, w, h, gOut, gLd) : forwardGrads(r, raw, w, h, gOut, gLd);
  // s = h/w.
  g.h += g.s / w;
  g.w -= (g.s * s) / w;
  chainToRaw(k, b, g, gp, o);
  if (circular) gp[o + 3 * K] = gp[o + 3 * K]! + (inverse ? -g.u : gOut);
  return g.u;
}

/** Chain the bin quantities' gradients through the cumulative edges, softmaxes and softplus to raw. */
function chainToRaw(k: RqKnots, b: number, g: BinGrads, gp: Float64Array, o: number): void {
  const { bins: K, bound: B, minBin, circular } = k.spec;
  const span = (1 - minBin * K) * 2 * B;
  for (const [soft, off, gLeft, gSize] of [
    [k.softW, 0, g.xl, g.w],
    [k.softH, K, g.yl, g.h],
  ] as const) {
    // left_b = −B + Σ_{j<b} size_j; size_j = (softmax_j·(1 − K·minBin) + minBin)·2B.
    let dot = 0;
    const gSoft = (j: number) => ((j < b ? gLeft : 0) + (j === b ? gSize : 0)) * span;
    for (let j = 0; j < K; j++) dot += soft[j]! * gSoft(j);
    for (let j = 0; j <= b && j < K; j++) gp[o + off + j] = gp[o + off + j]! + soft[j]! * (gSoft(j) - dot);
    for (let j = b + 1; j < K; j++) gp[o + off + j] = gp[o + off + j]! - soft[j]! * dot;
  }
  const addD = (i: number, g: number) => {
    gp[o + 2 * K + i] = gp[o + 2 * K + i]! + g * k.sig[i]!;
  };
  if (circular) {
    addD(b, g.d0);
    addD((b + 1) % K, g.d1);
  } else {
    if (b > 0) addD(b - 1, g.d0);
    if (b < K - 1) addD(b, g.d1);
  }
}

/**
 * The spline of every element of v (n × m) with raw parameters (n × m × P), forward or inverse:
 * the output and the log-derivative, both n × m, as one op with its gradient. A customGrad op
 * has one output, so the two leave it side by side (n × 2m) and are sliced apart.
 */
export function fusedSpline(
  v: tf.Tensor2D,
  params: tf.Tensor3D,
  spec: RqSpec,
  inverse: boolean,
): { out: tf.Tensor2D; logDet: tf.Tensor2D } {
  const [n, m] = v.shape;
  const P = params.shape[2];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const vs = (args[0] as tf.Tensor).dataSync();
    const ps = (args[1] as tf.Tensor).dataSync();
    const k = new RqKnots(spec);
    const packed = new Float32Array(n * 2 * m);
    for (let f = 0; f < n; f++)
      for (let c = 0; c < m; c++) {
        const e = f * m + c;
        k.load(ps, e * P);
        const r = evaluate(k, vs[e]!, inverse);
        packed[f * 2 * m + c] = r.out;
        packed[f * 2 * m + m + c] = r.logDet;
      }
    const gradFunc = (dy: tf.Tensor) => {
      const g = dy.dataSync();
      const gv = new Float32Array(n * m);
      const gp = new Float64Array(n * m * P);
      for (let f = 0; f < n; f++)
        for (let c = 0; c < m; c++) {
          const e = f * m + c;
          k.load(ps, e * P);
          gv[e] = backward(k, vs[e]!, inverse, g[f * 2 * m + c]!, g[f * 2 * m + m + c]!, gp, e * P);
        }
      return [tf.tensor2d(gv, [n, m]), tf.tensor3d(Float32Array.from(gp), [n, m, P])];
    };
    return { value: tf.tensor2d(packed, [n, 2 * m]), gradFunc };
  });
  const packed = op(v, params) as tf.Tensor2D;
  return {
    out: sliceColumns(packed, 0, m),
    logDet: sliceColumns(packed, m, m),
  };
}
