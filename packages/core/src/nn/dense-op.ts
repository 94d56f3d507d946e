/**
 * x·W + b with a hand-written gradient, for model plugins.
 *
 * Why: tfjs's own matMul gradient multiplies with transposeA / transposeB, and the wasm backend
 * runs transposed products on a slow path (measured here, 1024×150 by 150×150: about 20 ms
 * transposed vs 1.6–2.7 ms for an explicit transpose followed by a plain product). The backward
 * pass of an MLP is almost all such products, so this cuts a training step severalfold on wasm and
 * costs nothing measurable on cpu. The tensors the gradient needs are passed to `save` (kept by the
 * engine), never captured by closure: a closure over an intermediate tensor reads a disposed
 * tensor once tidy has run.
 */
import * as tf from '@embedcg/core/tf';
import { simdColumnSums } from './simd/simd-kernels.js';

function makeOp(biasGrad: (dy: tf.Tensor2D) => tf.Tensor) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, kernel, bias, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, kernel]);
    return {
      value: tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel as tf.Tensor2D, bias }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ks] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [
          tf.matMul(dy as tf.Tensor2D, tf.transpose(ks)),
          tf.matMul(tf.transpose(xs), dy as tf.Tensor2D),
          biasGrad(dy as tf.Tensor2D),
        ];
      },
    };
  });
}

const op = makeOp((dy) => tf.sum(dy, 0));
// The fused path (`training.fusedKernels`) sums the bias gradient in one SIMD kernel.
const fusedOp = makeOp(simdColumnSums);

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
