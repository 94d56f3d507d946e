/**
 * Rows of a small table picked by label, out[i] = table[labels[i]], with a hand-written gradient
 * that adds each row's dy back into its table row.
 *
 * Why: `tf.gather`'s gradient needs UnsortedSegmentSum, which the wasm backend lacks, so models
 * picked rows with a one-hot product: a matmul forward (four engine dispatches with its reshapes),
 * two products and two transposes backward, each with its scope and tape bookkeeping, for a table
 * of a handful of rows. Here each direction is one loop over the batch. The gradient needs only dy
 * and the labels (numbers, captured by closure), so the op saves no tensor and the engine makes no
 * Identity copies of saved tensors for the tape.
 */
import * as tf from '@embedcg/core/tf';
import { benchSwitch } from '../util/bench-switch.js';

function checkLabels(labels: Int32Array, rows: number, what: string): void {
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i]!;
    if (!(k >= 0 && k < rows))
      throw new RangeError(`${what}: label ${k} at row ${i} is outside the table's ${rows} rows`);
  }
}

/** Σ over the rows i with labels[i] = k of dy[i] (n × w), per table row k (K × w), summed in Float64. */
export function scatterAddRows(dy: Float32Array, labels: Int32Array, K: number, w: number): Float32Array {
  const acc = new Float64Array(K * w);
  for (let i = 0; i < labels.length; i++) {
    const at = labels[i]! * w;
    const from = i * w;
    for (let j = 0; j < w; j++) acc[at + j]! += dy[from + j]!;
  }
  return Float32Array.from(acc);
}

/**
 * table[labels[i]] for each i (K × w → n × w), differentiable in the table (not in the labels);
 * the same numbers as `tf.matMul(oneHot(labels), table)`.
 */
export function gatherRows(table: tf.Tensor2D | tf.Variable, labels: Int32Array): tf.Tensor2D {
  const [K, w] = table.shape as [number, number];
  checkLabels(labels, K, 'gatherRows');
  const n = labels.length;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const src = (args[0] as tf.Tensor2D).dataSync() as Float32Array;
    const out = new Float32Array(n * w);
    // Element by element: a row is a few floats, where `subarray` and `set` cost more than the copy.
    for (let i = 0; i < n; i++) {
      const from = labels[i]! * w;
      for (let j = 0; j < w; j++) out[i * w + j] = src[from + j]!;
    }
    return {
      value: tf.tensor2d(out, [n, w]),
      gradFunc: (dy: tf.Tensor) => tf.tensor2d(scatterAddRows(dy.dataSync() as Float32Array, labels, K, w), [K, w]),
    };
  });
  return op(table) as tf.Tensor2D;
}

/**
 * Benchmarks switch the row ops off (the models then pick rows by one-hot products again) to time
 * them in the same process (tools/bench/train-profile.mjs --compare --off rows).
 */
const rowOps = benchSwitch('rowOps');
export const setRowOpsEnabled = rowOps.set;
export const rowOpsEnabled = rowOps.enabled;
