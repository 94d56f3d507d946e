import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { API_VERSION, validateAgainst, type ForceField } from '@embedcg/core';
import { runPluginConformance } from '@embedcg/core/testkit';
import { plugins } from './index.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const context = { configDir: '.', seed: 0, log: () => {} };

test('plugins: four force-field descriptors with this package version and the core API version', () => {
  assert.deepEqual(
    plugins.map((p) => p.name),
    ['double-well', 'muller-brown', 'harmonic', 'gaussian-mixture-fast'],
  );
  for (const p of plugins) {
    assert.equal(p.kind, 'forcefield');
    assert.equal(p.version, pkg.version);
    assert.equal(p.apiVersion, API_VERSION);
    assert.equal(p.optionsSchema.type, 'object');
    assert.equal(p.optionsSchema.additionalProperties, false);
  }
});

test('plugins: schemas fill defaults, refuse unknown options, and create works from the defaults', async () => {
  const dims: Record<string, number> = {
    'double-well': 2,
    'muller-brown': 2,
    harmonic: 2,
    'gaussian-mixture-fast': 20,
  };
  for (const p of plugins) {
    const opts: Record<string, unknown> = {};
    assert.deepEqual(validateAgainst(p.optionsSchema, opts), []);
    assert.ok(Object.keys(opts).length > 0, `${p.name}: no defaults filled`);
    const bad = { bogus: 1 };
    assert.match(JSON.stringify(validateAgainst(p.optionsSchema, bad)), /bogus/);
    const ff = (await p.create(opts, context)) as ForceField;
    assert.equal(ff.dimension, dims[p.name]);
    assert.equal(ff.name, p.name);
  }
  const harmonic = plugins.find((p) => p.name === 'harmonic')!;
  const opts = { dimension: 3, k: [1, 2, 3], center: 0.5 };
  assert.deepEqual(validateAgainst(harmonic.optionsSchema, opts), []);
  assert.notDeepEqual(validateAgainst(harmonic.optionsSchema, { k: -1 }), []);
  const mb = plugins.find((p) => p.name === 'muller-brown')!;
  const mbOpts: Record<string, unknown> = {};
  validateAgainst(mb.optionsSchema, mbOpts);
  assert.equal(mbOpts.scale, 0.05);
});

test("plugins: every descriptor passes core's conformance testkit", async () => {
  for (const p of plugins) {
    const results = await runPluginConformance(p);
    assert.ok(results.length >= 4 && results.every((r) => r.passed), JSON.stringify(results));
  }
});
