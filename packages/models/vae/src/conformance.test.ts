import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import '@embedcg/core/tf';
import { runPluginConformance } from '@embedcg/core/testkit';
import { vaePlugin } from './index.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

test("the vae plugin passes core's model conformance suite", async () => {
  for (const options of [
    { latentDim: 2 },
    {
      latentDim: 1,
      decoderVariance: 'head',
      decoderHidden: [16],
      encoderHidden: [16],
      encoderActivations: ['logsigmoid'],
    },
    {
      latentDim: 2,
      decoderHidden: [16],
      encoderHidden: [16],
      encoderActivations: ['selu'],
      priorMixture: { components: 3 },
    },
    {
      latentDim: 2,
      decoderHidden: [16],
      encoderHidden: [16],
      encoderActivations: ['selu'],
      priorMixture: { components: 3, componentDecoder: true },
    },
    {
      latentDim: 2,
      decoderHidden: [16],
      encoderHidden: [16],
      encoderActivations: ['selu'],
      priorMixture: { components: 3, componentDecoder: true, scan: { candidates: 200 } },
    },
  ]) {
    const results = await runPluginConformance(vaePlugin, {
      options,
      context: { modelDimension: 12 },
      throwOnFailure: false,
    });
    const failed = results.filter((r) => !r.passed);
    assert.deepEqual(failed, [], JSON.stringify(failed));
    assert.ok(results.length >= 4);
    const init = results.find((r) => r.check === 'initialize')!;
    if (options.priorMixture?.scan) assert.match(init.detail, /probed 200 configurations/);
  }
});
