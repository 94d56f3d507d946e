/**
 * Coordinate-transform checks: forward and inverse undo each other, the reported log-Jacobian is
 * the volume factor of the map (½ log det JᵀJ, J by central finite differences in Float64, so maps
 * into a larger space such as 60 internal coordinates → 66 Cartesian are covered), and the float32
 * `forward` used in training agrees with `forward64`.
 */
import * as tf from '@embedcg/core/tf';
import type { ForceField } from '../contracts/force-field.js';
import type { CoordinateTransform } from '../contracts/transform.js';
import { createRng } from '../util/random.js';
import { fail } from './errors.js';
import { halfLogDetGram } from './linear-algebra.js';
import { probeSet } from './probes.js';

export interface TransformCheckOptions {
  /** Model-space configurations (flat, n × inputDimension). Default: {@link transformPoints}. */
  points?: Float64Array;
  /** The run's force field: default points are its initial positions and small perturbations, mapped by inverse64. */
  forceField?: ForceField;
  /** Central finite-difference step in model-space units. Default 1e-5. */
  h?: number;
  /** Allowed error of the log-Jacobian: atol + rtol·|log|det J||. Defaults 1e-5 and 1e-6. */
  atol?: number;
  rtol?: number;
}

interface Points {
  y: Float64Array;
  n: number;
  labels: string[];
}

/**
 * Model-space probe configurations: with a force field of the transform's output dimension that
 * has initial positions, inverse64 of them and of 2 perturbations each at 0.01 and 0.1 × its
 * typical length (5 configurations); else 5 standard-normal rows.
 */
export function transformPoints(t: CoordinateTransform, o: TransformCheckOptions = {}): Points {
  if (o.points) {
    const n = o.points.length / t.inputDimension;
    return { y: o.points, n, labels: Array.from({ length: n }, () => 'given') };
  }
  const ff = o.forceField;
  if (ff?.initialPositions && ff.dimension === t.outputDimension) {
    const set = probeSet(ff, { scales: [0.01, 0.1], perScale: 2 });
    return { y: t.inverse64(set.points, set.n).y, n: set.n, labels: set.labels };
  }
  const rng = createRng(31);
  const y = Float64Array.from({ length: 5 * t.inputDimension }, () => rng.normal());
  return { y, n: 5, labels: Array.from({ length: 5 }, () => 'standard normal') };
}

/** Coordinates a transform marks circular (`circular[k]` truthy) compare modulo 2π. */
function difference(t: CoordinateTransform, a: number, b: number, k: number): number {
  const circ = (t as { circular?: ArrayLike<number | boolean> }).circular;
  const d = a - b;
  if (!circ?.[k]) return d;
  return d - 2 * Math.PI * Math.round(d / (2 * Math.PI));
}

function lengths(t: CoordinateTransform, what: string, got: { length: number }, want: number): void {
  if (got.length !== want)
    fail('transform round trip', `${t.name}: ${what} has length ${got.length}, expected ${want}`);
}

/**
 * inverse64(forward64(y)) = y, forward64 of that = forward64(y), and inverse64's log-determinant
 * is minus forward64's. Costs 2 forward64 and 1 inverse64 call of n rows.
 */
export function checkTransformRoundTrip(t: CoordinateTransform, o: TransformCheckOptions = {}): string {
  const { y, n, labels } = transformPoints(t, o);
  const [d, D] = [t.inputDimension, t.outputDimension];
  const f = t.forward64(y, n);
  lengths(t, `forward64(n = ${n}).x`, f.x, n * D);
  lengths(t, `forward64(n = ${n}).logDetJ`, f.logDetJ, n);
  const b = t.inverse64(f.x, n);
  lengths(t, `inverse64(n = ${n}).y`, b.y, n * d);
  lengths(t, `inverse64(n = ${n}).logDetJ`, b.logDetJ, n);
  const x2 = t.forward64(b.y, n).x;
  const tol = (v: number) => 1e-8 * (1 + Math.abs(v));
  for (let i = 0; i < n; i++) {
    const at = `configuration ${i} (${labels[i]})`;
    for (let k = 0; k < d; k++) {
      const [a, c] = [y[i * d + k]!, b.y[i * d + k]!];
      if (!(Math.abs(difference(t, c, a, k)) <= tol(a)))
        fail(
          'transform round trip',
          `${t.name}: ${at}: coordinate ${k} is ${a} but ${c} after forward64 then inverse64`,
        );
    }
    for (let k = 0; k < D; k++) {
      const [a, c] = [f.x[i * D + k]!, x2[i * D + k]!];
      if (!(Math.abs(a - c) <= tol(a)))
        fail('transform round trip', `${t.name}: ${at}: output ${k} is ${a}, but ${c} after a round trip`);
    }
    const [lf, lb] = [f.logDetJ[i]!, b.logDetJ[i]!];
    if (!(Math.abs(lf + lb) <= tol(lf)))
      fail(
        'transform round trip',
        `${t.name}: ${at}: forward64 log|det J| ${lf} but inverse64 gives ${lb}, expected ${-lf}`,
      );
  }
  return `${n} configurations round-trip`;
}

/**
 * forward64's logDetJ equals ½ log det(JᵀJ) with J = ∂x/∂y by central finite differences (log|det J|
 * when square). Costs one forward64 call of 2·inputDimension rows per configuration.
 */
export function checkTransformLogDet(t: CoordinateTransform, o: TransformCheckOptions = {}): string {
  const { y, n, labels } = transformPoints(t, o);
  const [d, D] = [t.inputDimension, t.outputDimension];
  const h = o.h ?? 1e-5,
    atol = o.atol ?? 1e-5,
    rtol = o.rtol ?? 1e-6;
  const reported = t.forward64(y, n).logDetJ;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const rows = new Float64Array(2 * d * d);
    for (let k = 0; k < d; k++)
      for (const [j, s] of [
        [0, 1],
        [1, -1],
      ] as const) {
        const row = rows.subarray((2 * k + j) * d, (2 * k + j + 1) * d);
        row.set(y.subarray(i * d, (i + 1) * d));
        row[k] = row[k]! + s * h;
      }
    const x = t.forward64(rows, 2 * d).x;
    const J = new Float64Array(D * d);
    for (let k = 0; k < d; k++)
      for (let r = 0; r < D; r++) J[r * d + k] = (x[2 * k * D + r]! - x[(2 * k + 1) * D + r]!) / (2 * h);
    const fd = halfLogDetGram(J, D, d);
    const at = `configuration ${i} (${labels[i]})`;
    if (Number.isNaN(fd))
      fail(
        'log-Jacobian',
        `${t.name}: ${at}: the finite-difference Jacobian has rank < ${d}; the map is not injective there`,
      );
    const got = reported[i]!;
    const err = Math.abs(got - fd),
      tol = atol + rtol * Math.abs(fd);
    worst = Math.max(worst, err / tol);
    if (!(err <= tol))
      fail(
        'log-Jacobian',
        `${t.name}: ${at}: logDetJ ${got} but ½ log det(JᵀJ) by finite differences ${fd} (|error| ${err.toExponential(2)} > tolerance ${tol.toExponential(2)})`,
      );
  }
  return `${n} configurations, J ${D} × ${d}, max error/tolerance ${worst.toFixed(3)}`;
}

/**
 * The float32 `forward` used in training agrees with `forward64`: x to 1e-4·(1 + max|x|) and
 * log|det J| to 1e-3·(1 + |log|det J||) (float32 round-off through a chain of placements).
 * Costs one forward and one forward64 call of n rows.
 */
export function checkTransformFloat32(t: CoordinateTransform, o: TransformCheckOptions = {}): string {
  const { y, n, labels } = transformPoints(t, o);
  const D = t.outputDimension;
  const ref = t.forward64(y, n);
  const [x, l] = tf.tidy(() => {
    const r = t.forward(tf.tensor2d(Float32Array.from(y), [n, t.inputDimension]));
    if (r.x.shape[0] !== n || r.x.shape[1] !== D || r.logDetJ.shape.length !== 1 || r.logDetJ.shape[0] !== n)
      fail(
        'float32 forward',
        `${t.name}: forward gave x [${r.x.shape}] and logDetJ [${r.logDetJ.shape}], expected [${n}, ${D}] and [${n}]`,
      );
    return [r.x.dataSync().slice(), r.logDetJ.dataSync().slice()];
  });
  for (let i = 0; i < n; i++) {
    const at = `configuration ${i} (${labels[i]})`;
    let scale = 0;
    for (let k = 0; k < D; k++) scale = Math.max(scale, Math.abs(ref.x[i * D + k]!));
    for (let k = 0; k < D; k++) {
      const [a, b] = [ref.x[i * D + k]!, x[i * D + k]!];
      if (!(Math.abs(a - b) <= 1e-4 * (1 + scale)))
        fail('float32 forward', `${t.name}: ${at}: output ${k} is ${b} from forward but ${a} from forward64`);
    }
    const [a, b] = [ref.logDetJ[i]!, l[i]!];
    if (!(Math.abs(a - b) <= 1e-3 * (1 + Math.abs(a))))
      fail('float32 forward', `${t.name}: ${at}: logDetJ is ${b} from forward but ${a} from forward64`);
  }
  return `${n} configurations agree`;
}
