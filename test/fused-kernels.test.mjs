// training.fusedKernels reaches the models and transforms a run assembles: with it (the default)
// the alanine flow draws through the fused spline, column and internal-coordinate ops, without it
// through the unfused compositions of small tfjs ops, which launch many times more kernels. The
// networks' activations follow it too: SIMD kernels (core/nn/simd) when on, the tfjs ops when off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@embedcg/core/tf';
import { createRng, setDirectKernelsEnabled } from '@embedcg/core';
import { repoRoot, runCli, tempDir } from './support.mjs';
import { assembleExample } from './example-plugins.mjs';

tf.enableProdMode();

async function kernelsOfOneDraw(sets, example = 'alanine-dipeptide-flow.json') {
  const { config, plugins } = await assembleExample(example, sets);
  try {
    // Untaped, fused ops call their kernels directly; through the engine the profiler counts them.
    setDirectKernelsEnabled(false);
    const info = await tf
      .profile(() =>
        tf.tidy(() => {
          const d = plugins.model.draw(16, createRng(1), { training: true });
          return plugins.transform ? plugins.transform.forward(d.y).x : d.y;
        }),
      )
      .finally(() => setDirectKernelsEnabled(true));
    tf.dispose(info.result);
    return { fused: config.training.fusedKernels, kernels: info.kernels.length, names: new Set(info.kernelNames) };
  } finally {
    plugins.model.dispose();
    await plugins.forceField.dispose?.();
  }
}

test('training.fusedKernels defaults to true and false switches the models and transforms to the unfused path', async () => {
  const on = await kernelsOfOneDraw([]);
  const off = await kernelsOfOneDraw(['training.fusedKernels=false', 'model.options.scope=unfused']);
  assert.equal(on.fused, true);
  assert.equal(off.fused, false);
  assert.ok(off.kernels > 3 * on.kernels, `kernels of one draw: fused ${on.kernels}, unfused ${off.kernels}`);
  // (A Tanh kernel stays on the fused path: the flow bounds its scales with tf.tanh directly.)
  assert.ok(on.names.has('Embedcgtanh_forward'), [...on.names].join());
  assert.ok(off.names.has('Tanh') && !off.names.has('Embedcgtanh_forward'), [...off.names].join());
});

test('training.fusedKernels switches the VAE main job between SIMD activation kernels and the tfjs ops', async () => {
  const on = await kernelsOfOneDraw([], 'double-well.json');
  const off = await kernelsOfOneDraw(
    ['training.fusedKernels=false', 'model.options.scope=unfused'],
    'double-well.json',
  );
  // Decoder tanh, encoder selu and logsigmoid (the draw encodes for the mixture prior).
  for (const a of ['tanh', 'selu', 'logsigmoid'])
    assert.ok(on.names.has(`Embedcg${a}_forward`), `${a}: ${[...on.names]}`);
  for (const k of ['Selu', 'Softplus']) assert.ok(!on.names.has(k) && off.names.has(k), k);
  assert.ok(![...off.names].some((n) => n.startsWith('Embedcg')), [...off.names].join());
});

// The fused ops are deterministic functions of their inputs, so a seeded run with them is
// reproducible and a resume continues it bit for bit (muller-brown-flow: spline couplings, fused
// splines and column copies, forward KL through the inverse spline).
test('with fused kernels a seeded flow run repeats and resumes bit-identically', { timeout: 300_000 }, (t) => {
  const dir = tempDir(t);
  const config = join(repoRoot, 'examples', 'muller-brown-flow.json');
  const small = ['--set', 'training.batchSize=64', '--no-progress'];
  const train = (out, steps, resume = false) => {
    const r = runCli([
      'train',
      config,
      '--out',
      out,
      '--max-steps',
      String(steps),
      ...small,
      ...(resume ? ['--resume'] : []),
    ]);
    assert.equal(r.code, 0, r.stderr);
  };
  const [a, b, c] = ['a', 'b', 'c'].map((n) => join(dir, n));
  train(a, 12);
  train(b, 12);
  train(c, 6);
  train(c, 6, true);
  const weights = (run) => readFileSync(join(run, 'checkpoint', 'weights.bin'));
  const steps = (run) =>
    readFileSync(join(run, 'history.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((r) => r.type === 'step')
      .map((r) => r.loss);
  assert.ok(weights(a).equals(weights(b)), 'a repeated run has the same weights');
  assert.ok(weights(a).equals(weights(c)), 'a resumed run has the same weights');
  assert.deepEqual(steps(c), steps(a));
  assert.equal(JSON.parse(readFileSync(join(a, 'config.json'), 'utf8')).training.fusedKernels, true);
});
