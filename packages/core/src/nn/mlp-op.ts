/**
 * A whole MLP (dense layers with a SIMD activation after each hidden one) as one tfjs op with a
 * hand-written gradient, for the fused path (`training.fusedKernels`).
 *
 * Why: a step is dispatch-bound. Layer by layer, every dense layer and every activation is its own
 * tape node, with its own saved-tensor clones and its own gradient bookkeeping in the engine's
 * backward pass; the alanine flow runs about 45 such MLPs a step. As one op, the layers' kernels
 * run untaped inside it and the backward pass walks one node. The kernels are the same ones, in
 * the same order, as {@link denseOp} and the SIMD activations run layer by layer, so values and
 * gradients are bit-identical to that path (mlp-op.test.ts).
 */
import * as tf from '@embedcg/core/tf';
import type { Dense } from './dense.js';
import { affineFused, productFused, runKernelFused, transposeFused } from './direct-kernels.js';
import { simdActivationKernels, simdColumnSums, type SimdActivation } from './simd/simd-kernels.js';
import { benchSwitch } from '../util/bench-switch.js';

type Matrix = tf.Tensor2D;

/**
 * What each hidden layer saves for the backward pass: tanh's derivative comes from its output,
 * the others' from their input; the next layer's weight gradient needs the output either way.
 */
function forward(x: Matrix, params: tf.Tensor[], fwd: string, fromOutput: boolean) {
  const saved: tf.Tensor[] = [x];
  const n = params.length / 2;
  let h = x;
  for (let i = 0; i < n; i++) {
    const z = affineFused(h, params[2 * i] as Matrix, params[2 * i + 1] as tf.Tensor1D);
    if (i + 1 === n) return { value: z, saved };
    h = runKernelFused(fwd, { x: z }) as Matrix;
    if (!fromOutput) saved.push(z);
    saved.push(h);
  }
  throw new Error('mlpOp: an MLP needs at least one layer');
}

/** dy → [dx, dW₀, db₀, …], the layers in reverse, with the products {@link denseOp} takes. */
function backward(dy: Matrix, saved: tf.Tensor[], kernels: tf.Tensor[], bwd: string, fromOutput: boolean) {
  const n = kernels.length;
  // Layer i's input: x at 0, then hidden output i-1, after its pre-activation where that is saved.
  const perHidden = fromOutput ? 1 : 2;
  const input = (i: number) => saved[perHidden * i] as Matrix;
  const grads: tf.Tensor[] = new Array<tf.Tensor>(1 + 2 * n);
  let dz = dy;
  for (let i = n - 1; i >= 0; i--) {
    const w = kernels[i] as Matrix;
    grads[1 + 2 * i] = productFused(transposeFused(input(i)), dz);
    grads[2 + 2 * i] = simdColumnSums(dz);
    const dh = productFused(dz, transposeFused(w));
    if (i === 0) {
      grads[0] = dh;
      break;
    }
    // Hidden layer i-1's activation: from its output (tanh) or its input.
    const at = fromOutput ? saved[i] : saved[2 * i - 1];
    dz = runKernelFused(bwd, { x: at!, dy: dh }) as Matrix;
  }
  return grads;
}

const ops = new Map<SimdActivation, (...args: tf.Tensor[]) => tf.Tensor>();

function opFor(activation: SimdActivation): (...args: tf.Tensor[]) => tf.Tensor {
  let op = ops.get(activation);
  if (op) return op;
  const { forward: fwd, backward: bwd, fromOutput } = simdActivationKernels(activation);
  op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [x, ...params] = args as tf.Tensor[];
    const { value, saved } = forward(x as Matrix, params, fwd, fromOutput);
    const kernels = params.filter((_, i) => i % 2 === 0);
    // Variables outlive the step and are held by the closure; saving them would make the engine copy
    // every weight matrix (an Identity kernel) on each taped call. Other kernels are saved.
    const toSave = kernels.filter((k) => !(k instanceof tf.Variable));
    save([...saved, ...toSave]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, all: tf.Tensor[]) => {
        let next = saved.length;
        const ks = kernels.map((k) => (k instanceof tf.Variable ? k : all[next++]!));
        return backward(dy as Matrix, all.slice(0, saved.length), ks, bwd, fromOutput);
      },
    };
  }) as (...args: tf.Tensor[]) => tf.Tensor;
  ops.set(activation, op);
  return op;
}

/**
 * x through `layers` with `activation` after every layer but the last, as one op; undefined when
 * the backend has no SIMD kernel for the activation (the caller then goes layer by layer).
 */
export function mlpOp(x: Matrix, layers: readonly Dense[], activation: string): Matrix | undefined {
  if (x.dtype !== 'float32' || layers.length === 0) return undefined;
  const kernels = simdActivationKernels(activation);
  if (!kernels.usable) return undefined;
  const params = layers.flatMap((l) => [l.kernel, l.bias]);
  return opFor(activation as SimdActivation)(x, ...params) as Matrix;
}

/**
 * Benchmarks switch the whole-MLP op off to time the layer-by-layer fused path in the same process
 * (tools/bench/train-profile.mjs --compare --off mlp).
 */
const mlpOpSwitch = benchSwitch('mlpOp');
export const setMlpOpEnabled = mlpOpSwitch.set;
export const mlpOpDisabled = (): boolean => !mlpOpSwitch.enabled();
