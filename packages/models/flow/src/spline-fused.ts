/**
 * The interval and circular rational-quadratic splines (spline.ts, circular-spline.ts) as one
 * tfjs op each way, with a hand-written gradient, computed per element in Float64 loops
 * (rq-element.ts). The unfused composition launches about 130 kernels per spline call forward and
 * more backward; on the cpu/wasm backends the data lives on the host, so one op replaces that
 * dispatch. `training.fusedKernels: false` keeps the unfused path.
 */
import * as tf from '@embedcg/core/tf';
import { gradientTapeActive, sliceColumns } from '@embedcg/core';
import { PI_BELOW_F32, wrapAngle64 } from './circular-spline.js';
import { RqKnots, rqInverseXi, rqLocal, type RqLocal, type RqSpec } from './rq-element.js';

/** wrapAngle64 clipped like wrapAngle (float32 angles stay strictly inside [−π, π)). */
const wrap = (v: number) => Math.min(PI_BELOW_F32, Math.max(-PI_BELOW_F32, wrapAngle64(v)));

/** Where the last {@link locate} put its element: the spline's input u and its bin (−1: outside). */
const where = { u: 0, bin: 0 };

/** The input u of an element (wrapped, less the rotation for a circular inverse) and its bin. */
function locate(k: RqKnots, v: number, inverse: boolean): void {
  const { bound: B, circular } = k.spec;
  if (!circular && Math.abs(v) > B) {
    where.bin = -1;
    return;
  }
  where.u = circular ? wrap(inverse ? v - k.rotation : v) : v;
  where.bin = RqKnots.bin(inverse ? k.yLeft : k.xLeft, where.u);
}

/** Forward (x → y) or inverse (y → x) of the element {@link locate} placed: output and log-derivative. */
function evaluate(k: RqKnots, v: number, inverse: boolean): { out: number; logDet: number } {
  const { circular } = k.spec;
  const { u, bin: b } = where;
  if (b < 0) return { out: v, logDet: 0 };
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

/**
 * What an element's backward needs from its forward, kept while a tape records so that the
 * backward does not rebuild the knots (their softmaxes and softplus are most of the op's time):
 * the two softmaxes (2K), then the bin's width, height, left x and y, knot derivatives d0 and d1,
 * the sigmoids of their raw parameters, and the input u. The bin itself is in `bins`.
 */
const CACHED = 9;

/** Keep element e's numbers (after load and locate) in the cache. */
function keep(k: RqKnots, e: number, cache: Float64Array, bins: Int32Array): void {
  const { bins: K, circular } = k.spec;
  const at = e * (2 * K + CACHED);
  const b = (bins[e] = where.bin);
  if (b < 0) return;
  cache.set(k.softW, at);
  cache.set(k.softH, at + K);
  const q = at + 2 * K;
  const [i0, i1] = circular ? [b, (b + 1) % K] : [b - 1, b];
  cache[q] = k.width[b]!;
  cache[q + 1] = k.height[b]!;
  cache[q + 2] = k.xLeft[b]!;
  cache[q + 3] = k.yLeft[b]!;
  cache[q + 4] = k.dLeft(b);
  cache[q + 5] = k.dRight(b);
  cache[q + 6] = i0 >= 0 ? k.sig[i0]! : 0;
  cache[q + 7] = i1 < (circular ? K : K - 1) ? k.sig[i1]! : 0;
  cache[q + 8] = where.u;
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
 * The gradient of element e from its cached numbers: given the upstream gradients gOut (of the
 * output) and gLd (of the log-derivative), add ∂/∂raw into gp[o …] and return ∂/∂v.
 */
function backward(
  spec: RqSpec,
  c: Float64Array,
  e: number,
  b: number,
  inverse: boolean,
  up: [number, number],
  gp: Float64Array,
  o: number,
) {
  const [gOut, gLd] = up;
  if (b < 0) return gOut;
  const K = spec.bins;
  const at = e * (2 * K + CACHED);
  const q = at + 2 * K;
  const [w, h, xl, yl, d0, d1, u] = [c[q]!, c[q + 1]!, c[q + 2]!, c[q + 3]!, c[q + 4]!, c[q + 5]!, c[q + 8]!];
  const s = h / w;
  const raw = (u - xl) / w;
  const xi = inverse ? rqInverseXi(u - yl, h, s, d0, d1) : Math.min(1, Math.max(0, raw));
  const r = rqLocal(xi, s, d0, d1);
  const g = inverse ? inverseGrads(r, xi, w, h, gOut, gLd) : forwardGrads(r, raw, w, h, gOut, gLd);
  // s = h/w.
  g.h += g.s / w;
  g.w -= (g.s * s) / w;
  const span = (1 - spec.minBin * K) * 2 * spec.bound;
  softmaxToRaw(c, at, K, b, g.xl, g.w, span, gp, o);
  softmaxToRaw(c, at + K, K, b, g.yl, g.h, span, gp, o + K);
  // The knot derivatives d = softplus(raw + c) + min: ∂d/∂raw is the cached sigmoid.
  const [i0, i1] = spec.circular ? [b, (b + 1) % K] : [b - 1, b];
  if (i0 >= 0) gp[o + 2 * K + i0] = gp[o + 2 * K + i0]! + g.d0 * c[q + 6]!;
  if (i1 < (spec.circular ? K : K - 1)) gp[o + 2 * K + i1] = gp[o + 2 * K + i1]! + g.d1 * c[q + 7]!;
  if (spec.circular) gp[o + 3 * K] = gp[o + 3 * K]! + (inverse ? -g.u : gOut);
  return g.u;
}

/**
 * Chain the gradients of bin b's left edge (gLeft) and size (gSize) through the cumulative edges
 * and the softmax soft = c[at …] to its raw parameters gp[o …]:
 * left_b = −B + Σ_{j<b} size_j; size_j = (softmax_j·(1 − K·minBin) + minBin)·2B = … + softmax_j·span.
 */
function softmaxToRaw(
  c: Float64Array,
  at: number,
  K: number,
  b: number,
  gLeft: number,
  gSize: number,
  span: number,
  gp: Float64Array,
  o: number,
): void {
  const gSoft = (j: number) => ((j < b ? gLeft : 0) + (j === b ? gSize : 0)) * span;
  let dot = 0;
  for (let j = 0; j < K; j++) dot += c[at + j]! * gSoft(j);
  for (let j = 0; j <= b && j < K; j++) gp[o + j] = gp[o + j]! + c[at + j]! * (gSoft(j) - dot);
  for (let j = b + 1; j < K; j++) gp[o + j] = gp[o + j]! - c[at + j]! * dot;
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
    // The cache is made only while a tape records (a backward may follow); else, as for the draws
    // of an evaluation, it would be written and never read.
    const cache = gradientTapeActive() ? newCache(n * m, spec.bins) : undefined;
    for (let f = 0; f < n; f++)
      for (let c = 0; c < m; c++) {
        const e = f * m + c;
        k.load(ps, e * P);
        locate(k, vs[e]!, inverse);
        const r = evaluate(k, vs[e]!, inverse);
        packed[f * 2 * m + c] = r.out;
        packed[f * 2 * m + m + c] = r.logDet;
        if (cache) keep(k, e, cache.numbers, cache.bins);
      }
    const gradFunc = (dy: tf.Tensor) => {
      // tfjs asks for a gradient only of an op that ran while a tape recorded.
      if (!cache) throw new Error('fusedSpline: a backward without the forward cache (the forward ran untaped)');
      const g = dy.dataSync();
      const gv = new Float32Array(n * m);
      const gp = new Float64Array(n * m * P);
      for (let f = 0; f < n; f++)
        for (let c = 0; c < m; c++) {
          const e = f * m + c;
          const up: [number, number] = [g[f * 2 * m + c]!, g[f * 2 * m + m + c]!];
          gv[e] = backward(spec, cache.numbers, e, cache.bins[e]!, inverse, up, gp, e * P);
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

const newCache = (elements: number, K: number) => ({
  numbers: new Float64Array(elements * (2 * K + CACHED)),
  bins: new Int32Array(elements),
});
