/** Dense layers with named, seeded variables. */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@embedcg/core';

export interface Dense {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/** Glorot-uniform weights U(−a, a), a = scale · √(6 / (fanIn + fanOut)), drawn from `rng`. */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number, scale = 1): Float32Array {
  const a = scale * Math.sqrt(6 / (fanIn + fanOut));
  const w = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * a;
  return w;
}

/** A dense layer `name/kernel` (fanIn × fanOut, Glorot-uniform) and `name/bias` (constant). */
export function createDense(
  name: string, rng: Rng, fanIn: number, fanOut: number,
  { scale = 1, bias = 0 }: { scale?: number; bias?: number } = {},
): Dense {
  return {
    kernel: createVariable(`${name}/kernel`, tf.tensor2d(glorotUniform(rng, fanIn, fanOut, scale), [fanIn, fanOut])),
    bias: createVariable(`${name}/bias`, tf.fill([fanOut], bias)),
  };
}

/**
 * x·W + b with a hand-written gradient.
 *
 * Why: tfjs's own matMul gradient multiplies with transposeA / transposeB, and the wasm backend
 * runs transposed products on a slow path (measured here, 1024×150 by 150×150: about 20 ms
 * transposed vs 1.6–2.7 ms for an explicit transpose followed by a plain product). The backward
 * pass of the paper-size VAE is almost all such products, so this cuts a training step severalfold
 * on wasm and costs nothing measurable on cpu. The tensors the gradient needs are passed to
 * `save` (kept by the engine), never captured by closure: a closure over an intermediate tensor
 * reads a disposed tensor once tidy has run, the failure that `tf.logSigmoid` shows.
 */
const denseOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, kernel, bias, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, kernel]);
  return {
    value: tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel as tf.Tensor2D, bias }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ks] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ks)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D), tf.sum(dy, 0)];
    },
  };
});

/** x·W + b (see {@link denseOp} for why the gradient is hand-written). */
export function applyDense(layer: Dense, x: tf.Tensor2D): tf.Tensor2D {
  return denseOp(x, layer.kernel, layer.bias) as tf.Tensor2D;
}

/** A trainable variable; refuses a name another live variable already holds. */
export function createVariable(name: string, initial: tf.Tensor): tf.Variable {
  try {
    return tf.variable(initial, true, name);
  } catch (e) {
    if (/already registered|already been registered|registered/i.test(String(e))) {
      throw new Error(
        `vae model: a tf variable named '${name}' already exists in this process (another model with the same ` +
        `scope?). Dispose that model first, or give this one a different 'scope' option.`,
      );
    }
    throw e;
  } finally {
    initial.dispose();
  }
}
