// training.fusedKernels reaches the models and transforms a run assembles: with it (the default)
// the alanine flow draws through the fused spline, column and internal-coordinate ops, without it
// through the unfused compositions of small tfjs ops, which launch many times more kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { assemblePlugins, createRng, loadRunConfig, selectBackend } from '@embedcg/core';
import * as amber from '@embedcg/forcefield-amber';
import { repoRoot } from './support.mjs';

tf.enableProdMode();

async function kernelsOfOneDraw(sets) {
  const { config, configDir } = loadRunConfig(join(repoRoot, 'examples', 'alanine-dipeptide-flow.json'), sets);
  await selectBackend(config.training.backend, () => {});
  const plugins = await assemblePlugins(config, {
    configDir,
    preloaded: { '@embedcg/forcefield-amber': amber.plugins },
    log: () => {},
  });
  try {
    const info = await tf.profile(() =>
      tf.tidy(() => {
        const d = plugins.model.draw(16, createRng(1), { training: true });
        return plugins.transform.forward(d.y).x;
      }),
    );
    tf.dispose(info.result);
    return { fused: config.training.fusedKernels, kernels: info.kernels.length };
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
});
