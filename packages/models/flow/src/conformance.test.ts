import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { runPluginConformance } from '@embedcg/core/testkit';
import { flowPlugin, plugins } from './index.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

test("the flow plugin passes core's model conformance suite", async () => {
  assert.ok(plugins.includes(flowPlugin));
  for (const options of [
    {},
    { coupling: 'affine', layers: 2, hidden: [16] },
    { finalLayerScale: 0.5, bins: 4 },
    { finalLayerScale: 0.5, circular: [0, 3], base: 'truncated-normal' },
  ]) {
    const results = await runPluginConformance(flowPlugin, {
      options,
      context: { modelDimension: 5 },
      throwOnFailure: false,
    });
    const failed = results.filter((r) => !r.passed);
    assert.deepEqual(failed, [], JSON.stringify(failed));
    assert.ok(results.length >= 3);
  }
});

test("in 1-D and 2-D the flow's density integrates to 1 (core's normalization check runs there)", async () => {
  for (const [modelDimension, options] of [
    [1, {}],
    [2, { finalLayerScale: 0.5, bins: 4 }],
    [2, { finalLayerScale: 0.5, circular: [0] }],
  ] as const) {
    const results = await runPluginConformance(flowPlugin, {
      options,
      context: { modelDimension },
      throwOnFailure: false,
    });
    const failed = results.filter((r) => !r.passed);
    assert.deepEqual(failed, [], JSON.stringify(failed));
    assert.match(results.find((r) => r.check === 'normalization')?.detail ?? '', /^∫q = /);
  }
});
