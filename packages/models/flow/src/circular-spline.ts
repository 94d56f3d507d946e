/**
 * Circular rational-quadratic splines (Rezende, Papamakarios, Racanière, Albergo, Kanwar, Shanahan
 * & Cranmer, "Normalizing flows on tori and spheres", 2020), elementwise on n × m angles in [−π, π).
 *
 * K bins over [−π, π] with widths and heights from softmaxes (each at least `minBin` of 2π), and K
 * knot derivatives from softplus where the knot at −π and the knot at +π share one derivative, so
 * the spline, read on the circle, is a smooth diffeomorphism (value and slope match across ±π). A
 * rotation φ (one more raw parameter) follows: y = wrap(spline(x) + φ). With all raw parameters 0
 * the bins are equal, every derivative is 1 and φ = 0: the identity.
 */
import * as tf from '@embedcg/core/tf';
import { edges, rqForward, rqInverse, type Knots } from './spline.js';
import { fusedSpline } from './spline-fused.js';

export interface CircularSplineShape {
  /** Number of bins K. */
  bins: number;
  /** Smallest bin width and height as a fraction of 2π (must be < 1/K). */
  minBin: number;
  /** Smallest knot derivative. */
  minDerivative: number;
  /** Run the spline as one fused op (spline-fused.ts; default false here: the composition below). */
  fused?: boolean;
}

/** Raw parameters per angle: K widths, K heights, K derivatives (the one at ±π once), 1 rotation. */
export function circularSplineParameterCount(bins: number): number {
  return 3 * bins + 1;
}

/** The largest float32 below π: angles wrapped in float32 stay strictly inside [−π, π). */
export const PI_BELOW_F32 = 3.1415925025939941;

// ⌊(v + π) / 2π⌋ with a zero gradient (piecewise constant; tfjs would otherwise walk into it).
const turns = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [v] = args as [tf.Tensor];
  const value = tf.tidy(() => tf.floor(tf.div(tf.add(v, Math.PI), 2 * Math.PI)));
  return { value, gradFunc: () => [tf.zerosLike(v)] };
});

/** v wrapped into [−π, π) (d wrap(v)/dv = 1). */
export function wrapAngle<T extends tf.Tensor>(v: T): T {
  const w = tf.sub(v, tf.mul(turns(v) as tf.Tensor, 2 * Math.PI));
  return tf.clipByValue(w, -PI_BELOW_F32, PI_BELOW_F32) as T;
}

/** Float64 twin of {@link wrapAngle}. */
export function wrapAngle64(v: number): number {
  const w = v - 2 * Math.PI * Math.floor((v + Math.PI) / (2 * Math.PI));
  return w >= Math.PI ? w - 2 * Math.PI : w;
}

function circularKnots(params: tf.Tensor3D, s: CircularSplineShape): { knots: Knots; rotation: tf.Tensor2D } {
  const K = s.bins;
  const [n, m] = params.shape;
  const shape = { bins: K, bound: Math.PI, minBin: s.minBin, minDerivative: s.minDerivative };
  const w = edges(tf.slice(params, [0, 0, 0], [n, m, K]) as tf.Tensor3D, shape);
  const h = edges(tf.slice(params, [0, 0, K], [n, m, K]) as tf.Tensor3D, shape);
  // softplus(raw + c) + minDerivative = 1 at raw = 0. d[0] is the derivative at −π and at +π.
  const c = Math.log(Math.expm1(1 - s.minDerivative));
  const d = tf.add(tf.softplus(tf.add(tf.slice(params, [0, 0, 2 * K], [n, m, K]), c)), s.minDerivative) as tf.Tensor3D;
  const dRight = tf.concat(
    [tf.slice(d, [0, 0, 1], [n, m, K - 1]), tf.slice(d, [0, 0, 0], [n, m, 1])],
    2,
  ) as tf.Tensor3D;
  const rotation = tf.reshape(tf.slice(params, [0, 0, 3 * K], [n, m, 1]), [n, m]) as tf.Tensor2D;
  return {
    knots: {
      xLeft: w.left,
      width: w.size,
      yLeft: h.left,
      height: h.size,
      xInner: w.inner,
      yInner: h.inner,
      dLeft: d,
      dRight,
    },
    rotation,
  };
}

/**
 * y = wrap(spline(x) + φ) and log dy/dx, both n × m. `params` is n × m × (3K + 1) raw parameters;
 * x is read on the circle (wrapped into [−π, π) first), y is in [−π, π).
 */
export function circularSplineForward(
  x: tf.Tensor2D,
  params: tf.Tensor3D,
  s: CircularSplineShape,
): { y: tf.Tensor2D; logDet: tf.Tensor2D } {
  if (s.fused) {
    const r = fusedSpline(x, params, { circular: true, bound: Math.PI, ...s }, false);
    return { y: r.out, logDet: r.logDet };
  }
  const { knots, rotation } = circularKnots(params, s);
  const r = rqForward(wrapAngle(x), knots);
  return { y: wrapAngle(tf.add(r.y, rotation) as tf.Tensor2D), logDet: r.logDeriv };
}

/** The exact inverse x = spline⁻¹(wrap(y − φ)) and log dx/dy = −log dy/dx, both n × m; x is in [−π, π). */
export function circularSplineInverse(
  y: tf.Tensor2D,
  params: tf.Tensor3D,
  s: CircularSplineShape,
): { x: tf.Tensor2D; logDet: tf.Tensor2D } {
  if (s.fused) {
    const r = fusedSpline(y, params, { circular: true, bound: Math.PI, ...s }, true);
    return { x: r.out, logDet: r.logDet };
  }
  const { knots, rotation } = circularKnots(params, s);
  const r = rqInverse(wrapAngle(tf.sub(y, rotation) as tf.Tensor2D), knots);
  return { x: wrapAngle(r.x), logDet: r.logDeriv };
}
