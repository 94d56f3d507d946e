/**
 * Column selection by products with constant 0/1 matrices. tf.gather's gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks; a product with a constant matrix
 * differentiates everywhere. Shared by the coupling layers here and the VAE's flow decoder.
 */
import * as tf from '@embedcg/core/tf';
import { concatColumns, joinColumns, putColumns, sliceColumns, takeColumns } from '@embedcg/core';

export interface Selection {
  /** D × k: column j picks coordinate idx[j]. */
  m: tf.Tensor2D;
  /** Its transpose, k × D (scatters back). */
  t: tf.Tensor2D;
  /** The coordinates picked, and D. */
  idx?: readonly number[];
  D?: number;
  /** {@link take} and {@link put} copy columns in one fused op instead of a product with m or t. */
  fused?: boolean;
}

/**
 * The selection of coordinates `idx` out of D (an empty list gives one all-zero column); `fused`
 * makes {@link take} and {@link put} copy columns in one op (`training.fusedKernels`).
 */
export function selection(D: number, idx: readonly number[], fused = false): Selection {
  const k = Math.max(1, idx.length);
  const m = new Float32Array(D * k);
  idx.forEach((coord, j) => {
    m[coord * k + j] = 1;
  });
  const t = new Float32Array(k * D);
  idx.forEach((coord, j) => {
    t[j * D + coord] = 1;
  });
  return { m: tf.tensor2d(m, [D, k]), t: tf.tensor2d(t, [k, D]), idx: [...idx], D, fused };
}

/** The columns `s` picks out of x (n × D → n × k). */
export function take(x: tf.Tensor2D, s: Selection): tf.Tensor2D {
  return s.fused ? takeColumns(x, s.idx!, s.D!) : select(x, s.m, s.t);
}

/** Columns back into place (n × k → n × D, zeros elsewhere): the adjoint of {@link take}. */
export function put(x: tf.Tensor2D, s: Selection): tf.Tensor2D {
  return s.fused ? putColumns(x, s.idx!, s.D!) : select(x, s.t, s.m);
}

/**
 * Σ put(part, s) over parts with disjoint selections, in that order; one column kernel when the
 * selections are fused (the same numbers: each column is one part's value plus exact zeros).
 */
export function joinParts(parts: ReadonlyArray<readonly [tf.Tensor2D, Selection]>): tf.Tensor2D {
  const s0 = parts[0]![1];
  if (s0.fused)
    return joinColumns(
      parts.map(([p]) => p),
      parts.map(([, s]) => s.idx!),
      s0.D!,
    );
  return parts.map(([p, s]) => put(p, s)).reduce((a, b) => tf.add(a, b) as tf.Tensor2D);
}

/** tf.concat(parts, 1), as one column kernel when `fused` (its gradient: a column kernel per part, not Slices). */
export function concatParts(parts: tf.Tensor2D[], fused: boolean | undefined): tf.Tensor2D {
  if (parts.length === 1) return parts[0]!;
  return fused ? concatColumns(parts) : (tf.concat(parts, 1) as tf.Tensor2D);
}

/** Columns begin … begin + size − 1 of x (tf.slice), as one column kernel when `fused`. */
export function sliceParts(x: tf.Tensor2D, begin: number, size: number, fused: boolean | undefined): tf.Tensor2D {
  return fused ? sliceColumns(x, begin, size) : tf.slice(x, [0, begin], [x.shape[0], size]);
}

/** x · M with gradient dy · Mᵀ (Mᵀ given, so no transposed product on wasm's slow path). */
const selectOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, m, mt, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([mt]);
  return {
    value: tf.matMul(x, m),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, saved[0] as tf.Tensor2D),
      tf.zerosLike(m),
      tf.zerosLike(mt),
    ],
  };
});

/** x · m, where mt is mᵀ: `select(x, s.m, s.t)` picks columns, `select(y, s.t, s.m)` scatters them back. */
export function select(x: tf.Tensor2D, m: tf.Tensor2D, mt: tf.Tensor2D): tf.Tensor2D {
  return selectOp(x, m, mt) as tf.Tensor2D;
}

/**
 * Affine coupling parameters (n × m × 2) → shift and bounded log-scale `b · tanh(raw / b)`; `fused`
 * picks shift and raw with one column kernel each instead of a strided slice and a reshape.
 */
export function affineParts(
  params: tf.Tensor3D,
  scaleBound: number,
  fused = false,
): { shift: tf.Tensor2D; logScale: tf.Tensor2D } {
  const [n, m] = params.shape;
  const flat = fused ? (tf.reshape(params, [n, 2 * m]) as tf.Tensor2D) : undefined;
  const shift = flat
    ? sliceColumns(flat, 0, m, 2)
    : (tf.reshape(tf.slice(params, [0, 0, 0], [n, m, 1]), [n, m]) as tf.Tensor2D);
  const raw = flat ? sliceColumns(flat, 1, m, 2) : tf.reshape(tf.slice(params, [0, 0, 1], [n, m, 1]), [n, m]);
  return { shift, logScale: tf.mul(tf.tanh(tf.div(raw, scaleBound)), scaleBound) as tf.Tensor2D };
}
