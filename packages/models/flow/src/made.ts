/**
 * MADE: a masked MLP whose outputs for coordinate i depend only on the coordinates before i in a
 * given ordering (Germain, Gregor, Murray & Larochelle, "MADE: Masked Autoencoder for
 * Distribution Estimation", 2015).
 *
 * Every unit gets a degree: input coordinate i has degree pos(i) + 1 ∈ 1..D (its place in the
 * ordering), hidden units cycle through 1..D−1, and the P outputs of coordinate i have its degree.
 * A hidden unit connects from units of degree ≤ its own; an output connects only from units of
 * strictly smaller degree. The masks are constant 0/1 tensors multiplied into the kernels on every
 * call, so the masked entries get zero gradient (no gather: works on the wasm backend).
 */
import * as tf from '@embedcg/core/tf';
import {
  activationFn,
  createDense,
  denseOp,
  glorotUniformScaledAfter,
  type Activation,
  type Dense,
  type Rng,
} from '@embedcg/core';

/**
 * The 0/1 masks (row-major fanIn × fanOut) of a MADE with inputs of degree `order`-position + 1,
 * hidden widths `hidden`, and `perCoordinate` outputs per coordinate laid out as column i·P + p
 * for coordinate i (original index, not position).
 */
export function madeMasks(order: readonly number[], hidden: readonly number[], perCoordinate: number): Float32Array[] {
  const D = order.length;
  const inDegree = new Array<number>(D);
  order.forEach((coord, pos) => {
    inDegree[coord] = pos + 1;
  });
  const levels: number[][] = [inDegree];
  for (const width of hidden) levels.push(Array.from({ length: width }, (_, k) => 1 + (k % Math.max(1, D - 1))));
  const outDegree = Array.from({ length: D * perCoordinate }, (_, c) => inDegree[Math.floor(c / perCoordinate)]!);
  levels.push(outDegree);
  const masks: Float32Array[] = [];
  for (let l = 0; l + 1 < levels.length; l++) {
    const from = levels[l]!,
      to = levels[l + 1]!;
    const last = l + 2 === levels.length;
    const m = new Float32Array(from.length * to.length);
    for (let i = 0; i < from.length; i++) {
      for (let j = 0; j < to.length; j++)
        m[i * to.length + j] = (last ? to[j]! > from[i]! : to[j]! >= from[i]!) ? 1 : 0;
    }
    masks.push(m);
  }
  return masks;
}

/** A MADE conditioner D → hidden… → D·P with named variables `name/{dense<i>,out}/{kernel,bias}`. */
export class MaskedMlp {
  readonly layers: Dense[] = [];
  private readonly masks: tf.Tensor2D[] = [];

  constructor(
    name: string,
    rng: Rng,
    order: readonly number[],
    hidden: readonly number[],
    readonly perCoordinate: number,
    private readonly activation: Activation,
    finalScale: number,
    /** The activation as a SIMD kernel where there is one, and the bias gradients (`training.fusedKernels`). */
    private readonly fused = false,
  ) {
    const D = order.length;
    const widths = [D, ...hidden, D * perCoordinate];
    const masks = madeMasks(order, hidden, perCoordinate);
    try {
      for (let i = 0; i + 1 < widths.length; i++) {
        const last = i + 2 === widths.length;
        const layer = createDense(`${name}/${last ? 'out' : `dense${i}`}`, rng, widths[i]!, widths[i + 1]!, {
          init: glorotUniformScaledAfter,
          scale: last ? finalScale : 1,
        });
        this.layers.push(layer);
        const mask = tf.tensor2d(masks[i]!, [widths[i]!, widths[i + 1]!]);
        this.masks.push(mask);
        // Zero the masked weights once, so checkpoints hold only the live ones (they never change:
        // their gradient is 0 through the mask).
        tf.tidy(() => layer.kernel.assign(tf.mul(layer.kernel, mask)));
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** The kernels times their masks; compute once and share between the calls of one pass. */
  maskedKernels(): tf.Tensor2D[] {
    return this.layers.map((layer, i) => tf.mul(layer.kernel, this.masks[i]!) as tf.Tensor2D);
  }

  /** The last hidden activations (n × width), or x itself without hidden layers. */
  trunk(x: tf.Tensor2D, kernels: tf.Tensor2D[] = this.maskedKernels()): tf.Tensor2D {
    const act = activationFn(this.activation, this.fused);
    let h = x;
    for (let i = 0; i + 1 < this.layers.length; i++)
      h = act(denseOp(h, kernels[i]!, this.layers[i]!.bias, this.fused)) as tf.Tensor2D;
    return h;
  }

  /** The P outputs of coordinate `coord` alone (n × P), from {@link trunk}'s activations. */
  head(h: tf.Tensor2D, coord: number, kernels: tf.Tensor2D[] = this.maskedKernels()): tf.Tensor2D {
    const last = this.layers.length - 1;
    const P = this.perCoordinate;
    const kernel = kernels[last]!;
    return denseOp(
      h,
      tf.slice(kernel, [0, coord * P], [kernel.shape[0], P]),
      tf.slice(this.layers[last]!.bias, [coord * P], [P]),
      this.fused,
    );
  }

  /** n × D → n × D·P. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    const kernels = this.maskedKernels();
    const last = this.layers.length - 1;
    return denseOp(this.trunk(x, kernels), kernels[last]!, this.layers[last]!.bias, this.fused);
  }

  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.kernel, l.bias]);
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
    tf.dispose(this.masks);
  }
}
