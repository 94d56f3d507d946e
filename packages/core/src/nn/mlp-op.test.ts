import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import '@embedcg/core/tf/backend-wasm';
import { Mlp } from './dense.js';
import { mlpOp, setMlpOpEnabled } from './mlp-op.js';
import { setDirectKernelsEnabled } from './direct-kernels.js';
import { SIMD_ACTIVATIONS } from './simd/simd-kernels.js';
import { createRng } from '../util/random.js';

/** Loss value, input gradient and every weight gradient of a probe loss on the MLP's output. */
function lossAndGrads(mlp: Mlp, x: tf.Tensor2D, probe: tf.Tensor) {
  return tf.tidy(() => {
    const f = () => tf.sum(tf.mul(tf.sin(mlp.apply(x)), probe)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(f, mlp.variables());
    const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.sin(mlp.apply(xx as tf.Tensor2D)), probe)))(x);
    return [value, dx, ...mlp.variables().map((v) => grads[v.name]!)].map((t) => Array.from(t.dataSync()));
  });
}

for (const backend of ['wasm', 'cpu'])
  for (const activation of SIMD_ACTIVATIONS)
    test(`mlpOp (${backend}, ${activation}): the whole MLP as one op equals the layers one by one, bit for bit`, async () => {
      await tf.setBackend(backend);
      const rng = createRng(5);
      // 37 outputs: SIMD blocks of 16 and 4 and a scalar tail in the column sums; 3 hidden layers.
      const mlp = new Mlp(`mlpop-${backend}-${activation}`, rng, 7, [24, 33, 16], 37, activation, 0.7, { fused: true });
      try {
        const x = tf.tensor2d(rng.fillNormal(new Float32Array(29 * 7)) as Float32Array, [29, 7]);
        const probe = tf.tensor2d(rng.fillNormal(new Float32Array(29 * 37)) as Float32Array, [29, 37]);
        const whole = lossAndGrads(mlp, x, probe);
        setDirectKernelsEnabled(false);
        const { kernelNames } = await tf.profile(() => lossAndGrads(mlp, x, probe));
        const viaEngine = lossAndGrads(mlp, x, probe);
        setDirectKernelsEnabled(true);
        setMlpOpEnabled(false);
        const layered = lossAndGrads(mlp, x, probe);
        setMlpOpEnabled(true);
        assert.equal(whole.length, 2 + mlp.variables().length);
        whole.forEach((w, k) => assert.deepEqual(w, layered[k], `output ${k} differs`));
        whole.forEach((w, k) => assert.deepEqual(w, viaEngine[k], `output ${k} differs from the engine's kernels`));
        // Not trivially equal: the gradients are non-zero, and the op really ran.
        assert.ok(whole[1]!.some((v) => Math.abs(v) > 1e-3) && whole[2]!.some((v) => Math.abs(v) > 1e-3));
        assert.ok(kernelNames.includes(`Embedcg${activation}_forward`), `${kernelNames}`);
        x.dispose();
        probe.dispose();
      } finally {
        setMlpOpEnabled(true);
        setDirectKernelsEnabled(true);
        mlp.dispose();
      }
    });

test('mlpOp declines what it has no SIMD kernel for, so Mlp goes layer by layer', async () => {
  await tf.setBackend('wasm');
  const rng = createRng(6);
  const mlp = new Mlp('mlpop-relu', rng, 3, [8], 2, 'relu', 1, { fused: true });
  try {
    const x = tf.ones([4, 3]) as tf.Tensor2D;
    assert.equal(mlpOp(x, mlp.layers, 'relu'), undefined);
    assert.equal(mlpOp(tf.ones([4, 3], 'int32') as tf.Tensor2D, mlp.layers, 'tanh'), undefined);
    assert.deepEqual(mlp.apply(x).shape, [4, 2]);
  } finally {
    mlp.dispose();
  }
});
