import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng, energyOp } from '@embedcg/core';
import { createDoubleWell } from '@embedcg/forcefield-analytic';
import { createFlowModel, type FlowModel } from './index.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

/**
 * Reverse KL to the double well at β = 1 (docs/science/systems.md), with the exact log Z from quadrature:
 * KL(q ‖ p) = E_q[log q + βU] + log Z, estimated with fresh samples. The flow starts as a Gaussian
 * at the deep well (the force field's initial positions, as the plugin does). Without tempering
 * reverse KL keeps only the deep well, whose loss costs −log(1 − 0.0083) ≈ 0.008 nats, so this
 * checks the gradient path (forces through energyOp + exact log-density), not mode finding; the
 * bench tools/bench/flow-double-well.mjs checks the minor well with tempering.
 */
test('reverse-KL training on the double well reaches KL < 0.05 nats', async () => {
  const ff = createDoubleWell();
  const beta = 1;
  const logZ = ff.reference.logZ(beta);
  const minorExact = ff.reference.basins!(beta).find((b) => b.name === 'minor')!;
  const model: FlowModel = createFlowModel(
    { coupling: 'spline', layers: 4, hidden: [32], bins: 8, bound: 4, outputScale: 0.5, scope: 't-train' },
    { dimension: 2, seed: 1, outputMean: ff.initialPositions! },
  );
  const estimate = async (n: number, seed: number) => {
    const { y, logQ } = model.draw(n, createRng(seed));
    const x = Float64Array.from(y.dataSync());
    const lq = logQ.dataSync();
    tf.dispose([y, logQ]);
    const { energies } = await ff.evaluate(x, n, { energiesOnly: true });
    let s = 0,
      minor = 0;
    for (let i = 0; i < n; i++) {
      s += lq[i]! + beta * energies[i]!;
      if (minorExact.contains([x[2 * i]!, x[2 * i + 1]!])) minor++;
    }
    return { kl: s / n + logZ, minor: minor / n };
  };
  try {
    const before = await estimate(20000, 100);
    const fast = tf.train.adam(1e-2);
    const slow = tf.train.adam(2e-3);
    const rng = createRng(7);
    const bs = 256;
    for (let step = 0; step < 220; step++) {
      // Evaluate the force field on the batch, then redraw the same batch (same RNG state) under
      // the gradient tape, as core's trainer does.
      const snap = rng.getState();
      const pre = model.draw(bs, rng);
      const x = Float64Array.from(pre.y.dataSync());
      tf.dispose([pre.y, pre.logQ]);
      const ev = await ff.evaluate(x, bs);
      rng.setState(snap);
      const E = tf.tensor1d(Float32Array.from(ev.energies));
      const F = tf.tensor2d(Float32Array.from(ev.forces), [bs, 2]);
      const cost = (step < 150 ? fast : slow).minimize(
        () => {
          const d = model.draw(bs, rng);
          return tf.mean(tf.add(d.logQ, tf.mul(beta, energyOp(d.y, E, F)))) as tf.Scalar;
        },
        true,
        model.variables(),
      );
      assert.ok(Number.isFinite(cost!.dataSync()[0]!), `loss not finite at step ${step}`);
      tf.dispose([cost!, E, F]);
    }
    fast.dispose();
    slow.dispose();
    const after = await estimate(20000, 101);
    assert.ok(before.kl > 0.5, `the initial model should be far from the target (KL ${before.kl})`);
    // KL ≥ 0 up to Monte-Carlo noise: a clearly negative value would mean logQ is not normalised.
    assert.ok(after.kl > -0.02, `KL ${after.kl} < 0 beyond noise: log q is not a normalised density`);
    assert.ok(after.kl < 0.05, `KL after training ${after.kl} nats (was ${before.kl})`);
    console.log(
      `# double well: KL ${before.kl.toFixed(4)} → ${after.kl.toFixed(4)} nats; minor-well mass ${after.minor} (exact ${minorExact.mass.toFixed(4)})`,
    );
  } finally {
    model.dispose();
  }
});
