/**
 * Adam on the host: the optimizer step of `training.fusedKernels`.
 *
 * tfjs's Adam launches about ten kernels per variable (moments, bias corrections, square root,
 * update, assign) and the global-norm check two more; on the cpu/wasm backends each launch costs
 * more than the arithmetic of a small network's variable. Here a step reads every gradient and
 * variable once, updates them in plain loops and writes each variable back as one tensor.
 *
 * The arithmetic repeats tfjs's operation by operation in float32 (`Math.fround` after every
 * operation: +, −, ×, ÷ and √ of float32 operands computed in float64 and rounded once are the
 * correctly rounded float32 results, which is what the backends' kernels return). So an unclipped
 * step gives the same bits as `tf.train.adam`; a clipped one differs only in the last bit of the
 * norm, which is summed here in float64 rather than by the backend's float32 reduction.
 */
import * as tf from '@embedcg/core/tf';
import { type AdamScalars, simdAdamStep } from './host-adam-simd.js';

const f = Math.fround;

/** The moments and running powers of Adam, as the checkpoint stores them. */
export interface AdamPowers {
  accBeta1: number;
  accBeta2: number;
}

/** A named tensor of an optimizer's saved state (tfjs's NamedTensor). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** The optimizer interface the trainer and the checkpoint use: tfjs's Adam or HostAdam. */
export type TrainingOptimizer = tf.Optimizer | HostAdam;

interface Moments {
  name: string;
  m: Float32Array;
  v: Float32Array;
  shape: number[];
}

/** The same update in plain float32-rounded arithmetic, where the SIMD module is unavailable. */
function loopStep(x: Float32Array, g: Float32Array | undefined, m: Float32Array, v: Float32Array, k: AdamScalars) {
  const [s, b1, c1, b2, c2, d1, d2, eps, nlr] = k;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const gi = g ? f(g[i]! * s) : 0;
    const mi = f(f(m[i]! * b1) + f(gi * c1));
    const vi = f(f(v[i]! * b2) + f(f(gi * gi) * c2));
    m[i] = mi;
    v[i] = vi;
    const step = f(f(f(mi / d1) / f(f(Math.sqrt(f(vi / d2))) + eps)) * nlr);
    out[i] = f(step + x[i]!);
  }
  return out;
}

export class HostAdam {
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** β1^(t+1) and β2^(t+1) as float32 running products, as tfjs keeps them. */
  private powers: AdamPowers;
  private iterations = 0;
  /** Moments by the variable's position in the step's list, as tfjs keys them. */
  private slots: Moments[] = [];

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = tf.backend().epsilon()) {
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.powers = { accBeta1: f(beta1), accBeta2: f(beta2) };
  }

  /**
   * One Adam step of every variable in `variables` (their order fixes the moments' order).
   * `grads[name]` holds a gradient's values scaled by `scale`; a variable without one gets a
   * zero gradient, as the tfjs path's zerosLike.
   */
  step(variables: tf.Variable[], grads: Record<string, Float32Array>, scale = 1): void {
    const lr = f(this.learningRate),
      eps = f(this.epsilon);
    const b1 = f(this.beta1),
      b2 = f(this.beta2);
    const c1 = f(1 - this.beta1),
      c2 = f(1 - this.beta2);
    const d1 = f(1 - this.powers.accBeta1),
      d2 = f(1 - this.powers.accBeta2);
    const s = f(scale);
    const scalars: AdamScalars = [s, b1, c1, b2, c2, d1, d2, eps, -lr];
    variables.forEach((variable, k) => {
      const g = grads[variable.name];
      const x = variable.dataSync() as Float32Array;
      const { m, v } = this.momentsOf(variable, k);
      const out = simdAdamStep(x, g, m, v, scalars) ?? loopStep(x, g, m, v, scalars);
      tf.tidy(() => variable.assign(tf.tensor(out, variable.shape)));
    });
    this.powers = { accBeta1: f(this.powers.accBeta1 * b1), accBeta2: f(this.powers.accBeta2 * b2) };
    this.iterations++;
  }

  private momentsOf(variable: tf.Variable, k: number): Moments {
    const slot = (this.slots[k] ??= {
      name: variable.name,
      m: new Float32Array(variable.size),
      v: new Float32Array(variable.size),
      shape: variable.shape.slice(),
    });
    if (slot.m.length !== variable.size)
      throw new Error(
        `HostAdam: variable ${k} (${variable.name}) has ${variable.size} values, its moments ${slot.m.length}`,
      );
    return slot;
  }

  getPowers(): AdamPowers {
    return { ...this.powers };
  }

  setPowers(p: AdamPowers): void {
    this.powers = { accBeta1: f(p.accBeta1), accBeta2: f(p.accBeta2) };
  }

  /** The iteration count, then the first moments, then the second: tfjs's Adam's layout and names. */
  async getWeights(): Promise<NamedTensor[]> {
    const firsts = this.slots.map((s) => ({ name: `${s.name}/m`, tensor: tf.tensor(s.m, s.shape) }));
    const seconds = this.slots.map((s) => ({ name: `${s.name}/v`, tensor: tf.tensor(s.v, s.shape) }));
    return [{ name: 'iter', tensor: tf.scalar(this.iterations, 'int32') }, ...firsts, ...seconds];
  }

  /** Restores what getWeights wrote, or what tfjs's Adam wrote (same layout), with β^(t+1) from pow() as tfjs does. */
  async setWeights(weights: NamedTensor[]): Promise<void> {
    const [iter, ...rest] = weights;
    this.iterations = iter ? iter.tensor.dataSync()[0]! : 0;
    this.powers = {
      accBeta1: f(Math.pow(this.beta1, this.iterations + 1)),
      accBeta2: f(Math.pow(this.beta2, this.iterations + 1)),
    };
    const half = rest.length / 2;
    this.slots = rest.slice(0, half).map((first, i) => ({
      name: first.name.replace(/\/m$/, ''),
      m: Float32Array.from(first.tensor.dataSync()),
      v: Float32Array.from(rest[i + half]!.tensor.dataSync()),
      shape: first.tensor.shape.slice(),
    }));
  }
}
