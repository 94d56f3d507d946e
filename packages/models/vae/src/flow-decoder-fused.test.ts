import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng, setDirectKernelsEnabled } from '@embedcg/core';
import { ConditionalSplineFlow } from './flow-decoder.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let [diff, size] = [0, 0];
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    size = Math.max(size, Math.abs(b[i]!));
  }
  return diff / size;
};

// The fused decoder flow copies columns with the column kernels and runs its conditioners' tanh
// as a SIMD kernel: the same flow up to float32 rounding of the tanh (about 2e-5 in the weight
// gradients; the column kernels alone are exact, column-kernels.test.ts).
test('fused conditional flow (column kernels): values, log-dets and weight gradients within 1e-4 of the unfused one, and it inverts', async () => {
  const [D, d, n] = [5, 2, 64];
  const options = { layers: 3, bins: 6, bound: 3, hidden: [12] };
  const flows = [false, true].map(
    (fused) => new ConditionalSplineFlow(`f${fused}/decoder`, createRng(1), D, d, options, fused),
  );
  try {
    for (const flow of flows) {
      const rng = createRng(7);
      for (const v of flow.variables())
        v.assign(
          tf.tensor(
            Float32Array.from({ length: v.size }, () => 0.4 * rng.normal()),
            v.shape,
          ),
        );
    }
    const rng = createRng(2);
    const v = tf.tensor2d(rng.fillNormal(new Float32Array(n * D)) as Float32Array, [n, D]);
    const z = tf.tensor2d(rng.fillNormal(new Float32Array(n * d)) as Float32Array, [n, d]);
    const [unfused, fused] = flows.map((flow) =>
      tf.tidy(() => {
        const f = flow.forward(v, z);
        const loss = () => {
          const g = flow.forward(v, z);
          return tf.sum(tf.add(tf.sum(tf.square(g.u), 1), g.logDet)) as tf.Scalar;
        };
        const { grads } = tf.variableGrads(loss, flow.variables());
        return [f.u, f.logDet, ...Object.values(grads), flow.inverse(f.u, z).v].map((t) => t.dataSync().slice());
      }),
    );
    // The inverses are compared with v (round trip), not with each other: the inverse amplifies rounding.
    const roundTrip = fused!.pop()!;
    unfused!.pop();
    unfused!.forEach((want, i) =>
      assert.ok(maxRel(fused![i]!, want) < 1e-4, `output ${i}: ${maxRel(fused![i]!, want)}`),
    );
    assert.ok(
      maxRel(roundTrip, v.dataSync()) < 1e-4,
      `the fused inverse round-trips: ${maxRel(roundTrip, v.dataSync())}`,
    );
    // Untaped, the column kernels are called directly; through the engine the profiler sees them.
    setDirectKernelsEnabled(false);
    const { kernelNames } = await tf
      .profile(() => flows[1]!.forward(v, z))
      .finally(() => setDirectKernelsEnabled(true));
    for (const k of ['EmbedcgTakeColumns', 'EmbedcgJoinColumns'])
      assert.ok(kernelNames.includes(k), `the fused flow runs ${k}: ${kernelNames}`);
    tf.dispose([v, z]);
  } finally {
    flows.forEach((f) => f.dispose());
  }
});
