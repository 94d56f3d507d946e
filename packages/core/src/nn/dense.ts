/** Dense layers and MLPs with named, seeded variables (the model plugins' building blocks). */
import * as tf from '@embedcg/core/tf';
import type { Rng } from '../util/random.js';
import { denseOp } from './dense-op.js';
import { mlpOp, mlpOpDisabled } from './mlp-op.js';
import { activationFn, type Activation } from './activations.js';
import { glorotUniformScaledAfter, type WeightInit } from './init.js';

export interface Dense {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/**
 * A trainable variable called `name`. tfjs keeps variable names unique per process, so a name a
 * live variable already holds is refused with a message that says what to do.
 */
export function createVariable(name: string, initial: tf.Tensor): tf.Variable {
  try {
    return tf.variable(initial, true, name);
  } catch (e) {
    if (/registered/i.test(String(e))) {
      throw new Error(
        `a tf variable named '${name}' already exists in this process (another model with the same scope?). ` +
          `Dispose that model first, or give this one a different 'scope' option.`,
        { cause: e },
      );
    }
    throw e;
  } finally {
    initial.dispose();
  }
}

export interface DenseInit {
  /** How the kernel is drawn (see init.ts); both take one uniform per weight from `rng`. */
  init: WeightInit;
  /** Kernel scale relative to Glorot-uniform; default 1. */
  scale?: number;
  /** Initial bias: one value for every output, or one per output; default 0. */
  bias?: number | ArrayLike<number>;
}

/** `name/kernel` (fanIn × fanOut, drawn by `init`) and `name/bias`. */
export function createDense(name: string, rng: Rng, fanIn: number, fanOut: number, o: DenseInit): Dense {
  const { init, scale = 1, bias = 0 } = o;
  const kernel = createVariable(`${name}/kernel`, tf.tensor2d(init(rng, fanIn, fanOut, scale), [fanIn, fanOut]));
  try {
    const b = typeof bias === 'number' ? tf.fill([fanOut], bias) : tf.tensor1d(Float32Array.from(bias));
    return { kernel, bias: createVariable(`${name}/bias`, b) };
  } catch (e) {
    kernel.dispose();
    throw e;
  }
}

/** x·W + b through {@link denseOp} (hand-written gradient: fast on wasm; `fused`: SIMD bias gradient). */
export function applyDense(layer: Dense, x: tf.Tensor2D, fused = false): tf.Tensor2D {
  return denseOp(x, layer.kernel, layer.bias, fused);
}

export interface MlpOptions {
  /** How the kernels are drawn; default {@link glorotUniformScaledAfter}, which the flow models were built with. */
  init?: WeightInit;
  /**
   * The activation as a SIMD kernel where there is one (activations.ts `fusedActivations`;
   * `training.fusedKernels`); default false, the tfjs op.
   */
  fused?: boolean;
}

/**
 * An MLP fanIn → hidden… → fanOut with variables `name/{dense<i>,out}/{kernel,bias}`, one
 * activation after every hidden layer, and its last layer scaled by `finalScale` (0: outputs start
 * at 0). The last argument is the weight init, or {@link MlpOptions}.
 */
export class Mlp {
  readonly layers: Dense[] = [];
  private readonly fused: boolean;
  constructor(
    name: string,
    rng: Rng,
    fanIn: number,
    hidden: readonly number[],
    fanOut: number,
    private readonly activation: Activation,
    finalScale: number,
    options: WeightInit | MlpOptions = {},
  ) {
    const { init = glorotUniformScaledAfter, fused = false } =
      typeof options === 'function' ? { init: options } : options;
    this.fused = fused;
    const widths = [fanIn, ...hidden, fanOut];
    try {
      for (let i = 0; i + 1 < widths.length; i++) {
        const last = i + 2 === widths.length;
        const layerName = `${name}/${last ? 'out' : `dense${i}`}`;
        this.layers.push(
          createDense(layerName, rng, widths[i]!, widths[i + 1]!, { init, scale: last ? finalScale : 1 }),
        );
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    const whole = this.fused && !mlpOpDisabled() ? mlpOp(x, this.layers, this.activation) : undefined;
    if (whole) return whole;
    const act = activationFn(this.activation, this.fused);
    let h = x;
    this.layers.forEach((layer, i) => {
      h = applyDense(layer, h, this.fused);
      if (i + 1 < this.layers.length) h = act(h) as tf.Tensor2D;
    });
    return h;
  }

  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.kernel, l.bias]);
  }

  /** Disposes the variables (an owner that disposed them already may call this again). */
  dispose(): void {
    for (const v of this.variables()) if (!v.isDisposed) v.dispose();
  }
}
