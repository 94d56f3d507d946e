import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { DecoderNetwork } from './decoder-network.js';
import { resolveOptions } from './options.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

test('decoder network without hidden layers: μ = z·W + b + z·W_skip, W_skip = slope/s at the skip coordinates; log σ² starts at the option', () => {
  const o = resolveOptions(
    { latentDim: 1, decoderHidden: [], initialLogVariance: -1.5, finalLayerScale: 1, scope: 't-dn' },
    3,
  );
  const scales = Float64Array.from([0.5, 1, 2]);
  const net = new DecoderNetwork(o, createRng(1), 3, scales, undefined, { indices: [2], slope: 1.5 });
  try {
    assert.deepEqual(
      [...net.variables(), ...net.skipVariables()].map((v) => v.name),
      ['t-dn/decoder/mean/kernel', 't-dn/decoder/mean/bias', 't-dn/decoder/logvar', 't-dn/decoder/skip'],
    );
    const [W, b] = net.variables().map((v) => Array.from(v.dataSync()));
    assert.deepEqual(Array.from(net.skipVariables()[0]!.dataSync()), [0, 0, 0.75]);
    const z = 0.8;
    const { mean, logVariance } = tf.tidy(() => {
      const s = net.stats(tf.tensor2d([[z]]));
      return { mean: Array.from(s.mean.dataSync()), logVariance: Array.from(s.logVariance.dataSync()) };
    });
    const skip = [0, 0, 0.75];
    mean.forEach((m, i) => assert.ok(Math.abs(m - (z * W![i]! + b![i]! + z * skip[i]!)) < 1e-5, `μ[${i}]`));
    logVariance.forEach((lv) => assert.ok(Math.abs(lv - -1.5) < 1e-5));
  } finally {
    net.dispose();
  }
});

test('decoder network: latentSkipOnly keeps the MLP off the skip coordinates, and a cap starts below it', () => {
  const o = resolveOptions(
    {
      latentDim: 1,
      decoderHidden: [4],
      finalLayerScale: 1,
      latentSkip: { coordinates: [0], slope: 2 },
      latentSkipOnly: true,
      scope: 't-dn2',
    },
    2,
  );
  const cap = { indices: [1], max: 0.1, upper: Float64Array.from([5, 2 * Math.log(0.1)]) };
  const net = new DecoderNetwork(o, createRng(2), 2, Float64Array.from([1, 1]), cap, { indices: [0], slope: 2 });
  try {
    const { mean, logVariance } = tf.tidy(() => {
      const s = net.stats(tf.tensor2d([[0.5], [-1]]));
      return { mean: s.mean.arraySync(), logVariance: s.logVariance.arraySync() };
    });
    assert.ok(Math.abs(mean[0]![0]! - 1) < 1e-6 && Math.abs(mean[1]![0]! - -2) < 1e-6, 'linear in z: 2z');
    assert.ok(Math.abs(logVariance[0]![1]! - (2 * Math.log(0.1) - 0.5)) < 1e-4, 'half a unit below the cap');
    assert.deepEqual(net.skipOnly, { bounded: false });
  } finally {
    net.dispose();
  }
});
