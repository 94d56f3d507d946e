/** Dense layers and MLP conditioners with named, seeded variables. */
import * as tf from '@tensorflow/tfjs';
import { denseOp, type Rng } from '@embedcg/core';

export interface Dense {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/** Hidden-layer activations a conditioner may use (all safe inside `tf.variableGrads`). */
export const ACTIVATIONS = ['tanh', 'relu', 'softplus', 'selu', 'elu', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const activations: Record<Activation, (x: tf.Tensor) => tf.Tensor> = {
  tanh: (x) => tf.tanh(x),
  relu: (x) => tf.relu(x),
  softplus: (x) => tf.softplus(x),
  selu: (x) => tf.selu(x),
  elu: (x) => tf.elu(x),
  linear: (x) => x,
};

/** A trainable variable; names the clash when another live variable holds the name. */
export function createVariable(name: string, initial: tf.Tensor): tf.Variable {
  try {
    return tf.variable(initial, true, name);
  } catch (e) {
    if (/registered/i.test(String(e))) {
      throw new Error(
        `flow model: a tf variable named '${name}' already exists in this process (another model with the same scope?). ` +
          `Dispose that model first, or give this one a different 'scope' option.`,
        { cause: e },
      );
    }
    throw e;
  } finally {
    initial.dispose();
  }
}

/** Glorot-uniform U(−a, a), a = scale · √(6 / (fanIn + fanOut)), from `rng`. */
function glorotUniform(rng: Rng, fanIn: number, fanOut: number, scale: number): Float32Array {
  const a = scale * Math.sqrt(6 / (fanIn + fanOut));
  const w = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * a;
  return w;
}

/** `name/kernel` (Glorot-uniform × scale; scale 0 gives zeros) and `name/bias` (zeros). */
export function createDense(name: string, rng: Rng, fanIn: number, fanOut: number, scale = 1): Dense {
  // Draw even for scale 0, so the random stream of later layers does not depend on the scale.
  const w = glorotUniform(rng, fanIn, fanOut, 1);
  if (scale !== 1) for (let i = 0; i < w.length; i++) w[i] = w[i]! * scale;
  const kernel = createVariable(`${name}/kernel`, tf.tensor2d(w, [fanIn, fanOut]));
  try {
    return { kernel, bias: createVariable(`${name}/bias`, tf.zeros([fanOut])) };
  } catch (e) {
    kernel.dispose();
    throw e;
  }
}

export function applyDense(layer: Dense, x: tf.Tensor2D): tf.Tensor2D {
  return denseOp(x, layer.kernel, layer.bias);
}

/** An MLP fanIn → hidden… → fanOut, the last layer scaled by `finalScale` (0: outputs start at 0). */
export class Mlp {
  readonly layers: Dense[] = [];
  constructor(
    name: string,
    rng: Rng,
    fanIn: number,
    hidden: readonly number[],
    fanOut: number,
    private readonly activation: Activation,
    finalScale: number,
  ) {
    const widths = [fanIn, ...hidden, fanOut];
    try {
      for (let i = 0; i + 1 < widths.length; i++) {
        const last = i + 2 === widths.length;
        this.layers.push(
          createDense(`${name}/${last ? 'out' : `dense${i}`}`, rng, widths[i]!, widths[i + 1]!, last ? finalScale : 1),
        );
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    const act = activations[this.activation];
    let h = x;
    this.layers.forEach((layer, i) => {
      h = applyDense(layer, h);
      if (i + 1 < this.layers.length) h = act(h) as tf.Tensor2D;
    });
    return h;
  }

  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.kernel, l.bias]);
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}
