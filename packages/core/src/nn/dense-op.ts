/**
 * x·W + b with a hand-written gradient, for model plugins.
 *
 * Why: tfjs's own matMul gradient multiplies with transposeA / transposeB, and the wasm backend
 * runs transposed products on a slow path (measured here, 1024×150 by 150×150: about 20 ms
 * transposed vs 1.6–2.7 ms for an explicit transpose followed by a plain product). The backward
 * pass of an MLP is almost all such products, so this cuts a training step severalfold on wasm and
 * costs nothing measurable on cpu. The tensors the gradient needs are passed to `save` (kept by the
 * engine), never captured by closure: a closure over an intermediate tensor reads a disposed
 * tensor once tidy has run. Variables are the exception: they outlive every tidy.
 */
import * as tf from '@embedcg/core/tf';
import { simdColumnSums } from './simd/simd-kernels.js';
import { affineFused, productFused, transposeFused } from './direct-kernels.js';

type Matrix = tf.Tensor2D;

function makeOp(biasGrad: (dy: tf.Tensor2D) => tf.Tensor, direct: boolean) {
  const mm = direct ? productFused : (a: Matrix, b: Matrix) => tf.matMul(a, b);
  const tr = direct ? transposeFused : (x: Matrix) => tf.transpose(x);
  const affine = direct ? affineFused : (a: Matrix, b: Matrix, bias: tf.Tensor1D) => tf.fused.matMul({ a, b, bias });
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, kernel, bias, save] = args as [Matrix, Matrix, tf.Tensor1D, tf.GradSaveFunc];
    // A variable outlives the step, so the closure may hold it: saving it would make the engine
    // copy the weights (an Identity kernel) on every taped call.
    const held = kernel instanceof tf.Variable;
    save(held ? [x] : [x, kernel]);
    return {
      value: affine(x, kernel, bias),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ks] = (held ? [saved[0], kernel] : saved) as [Matrix, Matrix];
        return [mm(dy as Matrix, tr(ks)), mm(tr(xs), dy as Matrix), biasGrad(dy as Matrix)];
      },
    };
  });
}

const op = makeOp((dy) => tf.sum(dy, 0), false);
// The fused path (`training.fusedKernels`) sums the bias gradient in one SIMD kernel and calls the
// backend's matmul and transpose kernels directly (direct-kernels.ts).
const fusedOp = makeOp(simdColumnSums, true);

/**
 * x (n × fanIn) · kernel (fanIn × fanOut) + bias (fanOut), differentiable in all three; `fused`
 * takes the bias gradient with a SIMD kernel.
 */
export function denseOp(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D | tf.Variable,
  bias: tf.Tensor1D | tf.Variable,
  fused = false,
): tf.Tensor2D {
  return (fused ? fusedOp : op)(x, kernel, bias) as tf.Tensor2D;
}
