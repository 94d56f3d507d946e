/**
 * Monotone rational-quadratic splines with linear (identity) tails (Durkan, Bekasov, Murray &
 * Papamakarios, "Neural Spline Flows", 2019), elementwise on n × m inputs.
 *
 * On [−B, B] the spline has K bins whose widths and heights come from softmaxes of the raw
 * parameters (each at least `minBin` of the range) and K − 1 interior knot derivatives from
 * softplus (at least `minDerivative`); the derivatives at ±B are 1, so the spline joins the identity
 * outside smoothly. With all raw parameters 0 the spline is the identity: that is what a
 * zero-initialised conditioner produces, so a fresh flow is the identity map.
 */
import * as tf from '@embedcg/core/tf';
import { fusedSpline } from './spline-fused.js';

export interface SplineShape {
  /** Number of bins K. */
  bins: number;
  /** Half-width B of the spline's interval [−B, B]. */
  bound: number;
  /** Smallest bin width and height as a fraction of 2B (must be < 1/K). */
  minBin: number;
  /** Smallest interior knot derivative. */
  minDerivative: number;
  /** Run the spline as one fused op (spline-fused.ts; default false here: the composition below). */
  fused?: boolean;
}

/** Raw parameters per transformed coordinate: K widths, K heights, K − 1 derivatives. */
export function splineParameterCount(bins: number): number {
  return 3 * bins - 1;
}

/** Knots of a rational-quadratic spline, per element of an n × m input. */
export interface Knots {
  /** Bin left edges and widths in x, and in y; n × m × K each. */
  xLeft: tf.Tensor3D;
  width: tf.Tensor3D;
  yLeft: tf.Tensor3D;
  height: tf.Tensor3D;
  /** Interior knots (n × m × (K − 1)) in x and in y, for the bin search. */
  xInner: tf.Tensor3D;
  yInner: tf.Tensor3D;
  /** Derivatives at the left and right knot of each bin, n × m × K. */
  dLeft: tf.Tensor3D;
  dRight: tf.Tensor3D;
}

/** Bin left edges, sizes and interior knots on [−B, B] from K raw logits (softmax, each at least `minBin`·2B). */
export function edges(raw: tf.Tensor3D, s: SplineShape): { left: tf.Tensor3D; size: tf.Tensor3D; inner: tf.Tensor3D } {
  const K = s.bins;
  const span = 2 * s.bound;
  const size = tf.mul(tf.add(tf.mul(tf.softmax(raw), 1 - s.minBin * K), s.minBin), span) as tf.Tensor3D;
  const cum = tf.sub(tf.cumsum(size, 2), s.bound) as tf.Tensor3D; // right edges
  const [n, m] = raw.shape;
  const left = tf.concat([tf.fill([n, m, 1], -s.bound), tf.slice(cum, [0, 0, 0], [n, m, K - 1])], 2) as tf.Tensor3D;
  const inner = tf.slice(cum, [0, 0, 0], [n, m, K - 1]) as tf.Tensor3D;
  return { left, size, inner };
}

function knots(params: tf.Tensor3D, s: SplineShape): Knots {
  const K = s.bins;
  const [n, m] = params.shape;
  const w = edges(tf.slice(params, [0, 0, 0], [n, m, K]) as tf.Tensor3D, s);
  const h = edges(tf.slice(params, [0, 0, K], [n, m, K]) as tf.Tensor3D, s);
  // softplus(raw + c) + minDerivative = 1 at raw = 0.
  const c = Math.log(Math.expm1(1 - s.minDerivative));
  const inner = tf.add(tf.softplus(tf.add(tf.slice(params, [0, 0, 2 * K], [n, m, K - 1]), c)), s.minDerivative);
  const one = tf.ones([n, m, 1]);
  return {
    xLeft: w.left,
    width: w.size,
    yLeft: h.left,
    height: h.size,
    xInner: w.inner,
    yInner: h.inner,
    dLeft: tf.concat([one, inner], 2) as tf.Tensor3D,
    dRight: tf.concat([inner, one], 2) as tf.Tensor3D,
  };
}

// Comparisons have no gradient in tfjs, and backprop walks into them even through the condition of
// `where`; these ops return piecewise-constant masks with an explicit zero gradient.
const binOneHot = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [v, inner] = args as [tf.Tensor2D, tf.Tensor3D];
  const K = inner.shape[2] + 1;
  const value = tf.tidy(() => {
    const idx = tf.sum(tf.cast(tf.greaterEqual(tf.expandDims(v, 2), inner), 'int32'), 2);
    return tf.oneHot(idx as tf.Tensor2D, K).toFloat();
  });
  return { value, gradFunc: () => [tf.zerosLike(v), tf.zerosLike(inner)] };
});

const insideMask = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [v, bound] = args as [tf.Tensor2D, tf.Scalar];
  const value = tf.tidy(() => tf.cast(tf.lessEqual(tf.abs(v), bound), 'float32'));
  return { value, gradFunc: () => [tf.zerosLike(v), tf.zerosLike(bound)] };
});

/** One-hot n × m × K of the bin holding each value (values outside fall into the end bins). */
function binOf(v: tf.Tensor2D, inner: tf.Tensor3D): tf.Tensor3D {
  return binOneHot(v, inner) as tf.Tensor3D;
}

/** mask · a + (1 − mask) · b: a `where` whose gradient never reaches the comparison. */
export function blend(mask: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.add(tf.mul(mask, a), tf.mul(tf.sub(1, mask), b)) as tf.Tensor2D;
}

const pick = (oneHot: tf.Tensor3D, t: tf.Tensor3D) => tf.sum(tf.mul(oneHot, t), 2) as tf.Tensor2D;

/**
 * The rational-quadratic map inside the knots: y and log dy/dx at x (already inside the knots'
 * x-range), both n × m. Shared by the interval spline here and the circular spline.
 */
export function rqForward(xc: tf.Tensor2D, k: Knots): { y: tf.Tensor2D; logDeriv: tf.Tensor2D } {
  const oh = binOf(xc, k.xInner);
  const xk = pick(oh, k.xLeft),
    wk = pick(oh, k.width),
    yk = pick(oh, k.yLeft),
    hk = pick(oh, k.height);
  const d0 = pick(oh, k.dLeft),
    d1 = pick(oh, k.dRight);
  const slope = tf.div(hk, wk);
  const xi = tf.clipByValue(tf.div(tf.sub(xc, xk), wk), 0, 1);
  const xi1 = tf.sub(1, xi);
  const xx = tf.mul(xi, xi1);
  const denom = tf.add(slope, tf.mul(tf.sub(tf.add(d0, d1), tf.mul(slope, 2)), xx));
  const num = tf.mul(hk, tf.add(tf.mul(slope, tf.square(xi)), tf.mul(d0, xx)));
  const y = tf.add(yk, tf.div(num, denom)) as tf.Tensor2D;
  const dNum = tf.mul(
    tf.square(slope),
    tf.add(tf.add(tf.mul(d1, tf.square(xi)), tf.mul(tf.mul(slope, 2), xx)), tf.mul(d0, tf.square(xi1))),
  );
  return { y, logDeriv: tf.sub(tf.log(dNum), tf.mul(tf.log(denom), 2)) as tf.Tensor2D };
}

/**
 * The analytic inverse inside the knots (the root in [0, 1] of a quadratic in the bin coordinate):
 * x and log dx/dy = −log dy/dx at y (already inside the knots' y-range), both n × m.
 */
export function rqInverse(yc: tf.Tensor2D, k: Knots): { x: tf.Tensor2D; logDeriv: tf.Tensor2D } {
  const oh = binOf(yc, k.yInner);
  const xk = pick(oh, k.xLeft),
    wk = pick(oh, k.width),
    yk = pick(oh, k.yLeft),
    hk = pick(oh, k.height);
  const d0 = pick(oh, k.dLeft),
    d1 = pick(oh, k.dRight);
  const slope = tf.div(hk, wk);
  const dy = tf.sub(yc, yk);
  const t = tf.sub(tf.add(d0, d1), tf.mul(slope, 2));
  const a = tf.add(tf.mul(hk, tf.sub(slope, d0)), tf.mul(dy, t));
  const b = tf.sub(tf.mul(hk, d0), tf.mul(dy, t));
  const c = tf.neg(tf.mul(slope, dy));
  const disc = tf.relu(tf.sub(tf.square(b), tf.mul(tf.mul(a, c), 4)));
  // 2c / (−b − √disc) is the stable form of the root (no cancellation when a → 0).
  const xi = tf.clipByValue(tf.div(tf.mul(c, 2), tf.sub(tf.neg(b), tf.sqrt(disc))), 0, 1);
  const x = tf.add(xk, tf.mul(xi, wk)) as tf.Tensor2D;
  const xi1 = tf.sub(1, xi);
  const xx = tf.mul(xi, xi1);
  const denom = tf.add(slope, tf.mul(t, xx));
  const dNum = tf.mul(
    tf.square(slope),
    tf.add(tf.add(tf.mul(d1, tf.square(xi)), tf.mul(tf.mul(slope, 2), xx)), tf.mul(d0, tf.square(xi1))),
  );
  return { x, logDeriv: tf.sub(tf.mul(tf.log(denom), 2), tf.log(dNum)) as tf.Tensor2D };
}

/**
 * y = spline(x) and log dy/dx, both n × m. `params` is n × m × (3K − 1) raw parameters.
 * Outside [−B, B] the map is the identity (log-derivative 0).
 */
export function splineForward(
  x: tf.Tensor2D,
  params: tf.Tensor3D,
  s: SplineShape,
): { y: tf.Tensor2D; logDet: tf.Tensor2D } {
  if (s.fused) {
    const r = fusedSpline(x, params, { circular: false, ...s }, false);
    return { y: r.out, logDet: r.logDet };
  }
  const k = knots(params, s);
  // Clamping keeps the unused branch of the blend finite, so its zero weight gives a zero gradient.
  const xc = tf.clipByValue(x, -s.bound, s.bound) as tf.Tensor2D;
  const r = rqForward(xc, k);
  const inside = insideMask(x, tf.scalar(s.bound));
  return { y: blend(inside, r.y, x), logDet: tf.mul(inside, r.logDeriv) as tf.Tensor2D };
}

/**
 * The analytic inverse x = spline⁻¹(y) and log dx/dy = −log dy/dx, both n × m.
 */
export function splineInverse(
  y: tf.Tensor2D,
  params: tf.Tensor3D,
  s: SplineShape,
): { x: tf.Tensor2D; logDet: tf.Tensor2D } {
  if (s.fused) {
    const r = fusedSpline(y, params, { circular: false, ...s }, true);
    return { x: r.out, logDet: r.logDet };
  }
  const k = knots(params, s);
  const yc = tf.clipByValue(y, -s.bound, s.bound) as tf.Tensor2D;
  const r = rqInverse(yc, k);
  const inside = insideMask(y, tf.scalar(s.bound));
  return { x: blend(inside, r.x, y), logDet: tf.mul(inside, r.logDeriv) as tf.Tensor2D };
}
