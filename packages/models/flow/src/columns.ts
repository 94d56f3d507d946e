/**
 * Column selection by products with constant 0/1 matrices. tf.gather's gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks; a product with a constant matrix
 * differentiates everywhere. Shared by the coupling layers here and the VAE's flow decoder.
 */
import * as tf from '@embedcg/core/tf';
import { putColumns, sliceColumns, takeColumns } from '@embedcg/core';

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
