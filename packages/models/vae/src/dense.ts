/** Dense layers with named, seeded variables. */
import * as tf from '@tensorflow/tfjs';
import { denseOp, type Rng } from '@embedcg/core';

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

/** A dense layer `name/kernel` (fanIn × fanOut, Glorot-uniform) and `name/bias` (a constant, or one value per output). */
export function createDense(
  name: string,
  rng: Rng,
  fanIn: number,
  fanOut: number,
  { scale = 1, bias = 0 }: { scale?: number; bias?: number | ArrayLike<number> } = {},
): Dense {
  return {
    kernel: createVariable(`${name}/kernel`, tf.tensor2d(glorotUniform(rng, fanIn, fanOut, scale), [fanIn, fanOut])),
    bias: createVariable(
      `${name}/bias`,
      typeof bias === 'number' ? tf.fill([fanOut], bias) : tf.tensor1d(Float32Array.from(bias)),
    ),
  };
}

/** x·W + b through core's `denseOp` (hand-written gradient: fast on wasm). */
export function applyDense(layer: Dense, x: tf.Tensor2D): tf.Tensor2D {
  return denseOp(x, layer.kernel, layer.bias);
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
        { cause: e },
      );
    }
    throw e;
  } finally {
    initial.dispose();
  }
}
