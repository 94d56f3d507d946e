/**
 * A model's variables as one flat Float32Array, in the order of `variables()`: the main thread
 * writes the weights there for the data-parallel gradient workers, and each worker writes its
 * gradient back the same way.
 */
import * as tf from '@embedcg/core/tf';

/** Total number of values in `variables`. */
export function parameterCount(variables: tf.Variable[]): number {
  return variables.reduce((a, v) => a + v.size, 0);
}

/** Copy the variables' values into `out`. */
export function writeFlat(variables: tf.Variable[], out: Float32Array): void {
  let off = 0;
  for (const v of variables) {
    out.set(v.dataSync() as Float32Array, off);
    off += v.size;
  }
}

/** Assign the variables from `flat` (copied: the shared buffer is rewritten at the next step). */
export function assignFlat(variables: tf.Variable[], flat: Float32Array): void {
  let off = 0;
  for (const v of variables) {
    const t = tf.tensor(flat.slice(off, off + v.size), v.shape, 'float32');
    v.assign(t);
    t.dispose();
    off += v.size;
  }
}

/** A {name: gradient} map flattened into `out`; a variable the loss did not reach gets zeros. */
export function flattenGrads(variables: tf.Variable[], grads: tf.NamedTensorMap, out: Float32Array): void {
  let off = 0;
  for (const v of variables) {
    const g = grads[v.name];
    if (g) out.set(g.dataSync() as Float32Array, off);
    else out.fill(0, off, off + v.size);
    off += v.size;
  }
}

/** {name: tensor} from a flat Float32Array, in the order of `variables`. */
export function unflattenGrads(variables: tf.Variable[], flat: Float32Array): tf.NamedTensorMap {
  const map: tf.NamedTensorMap = {};
  let off = 0;
  for (const v of variables) {
    map[v.name] = tf.tensor(flat.subarray(off, off + v.size), v.shape, 'float32');
    off += v.size;
  }
  return map;
}
