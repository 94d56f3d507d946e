// training.finalBatchSize: the final stage at β* draws its own batch size; tempering keeps
// training.batchSize. The history's evaluation counter must grow by each step's batch.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, assemblePlugins, checkRunConfig, selectBackend, train } from '@embedcg/core';
import { gaussian, twoModes, twoModesConfig } from './two-modes-fixture.mjs';

const preloaded = { 'test-plugins': [twoModes, gaussian] };

before(async () => {
  await selectBackend('wasm');
});

const config = (training) =>
  twoModesConfig({
    name: 'final-batch',
    seed: 3,
    schedule: { levels: 2, initialFraction: 0.5 },
    training: { batchSize: 32, learningRate: 0.01, initialSteps: 3, stepsPerLevel: 2, finalSteps: 4, ...training },
    evaluation: { samples: 500, batchSize: 500 },
  });

async function history(cfg) {
  const runDir = mkdtempSync(join(tmpdir(), 'embedcg-final-batch-'));
  const plugins = await assemblePlugins(cfg, { configDir: process.cwd(), preloaded });
  try {
    await train({ runDir, config: cfg, ...plugins, progress: false });
  } finally {
    plugins.model.dispose();
  }
  return readFileSync(join(runDir, 'history.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'step');
}

test('the final stage steps draw finalBatchSize rows, the tempering steps batchSize', async () => {
  const steps = await history(config({ finalBatchSize: 200 }));
  // Tempering: 3 steps at β*/2, 2 at β*/√2, 2 at β*; then the 4 of the final stage.
  assert.deepEqual(
    steps.map((r) => Number(r.betaFraction.toFixed(4))),
    [0.5, 0.5, 0.5, 0.7071, 0.7071, 1, 1, 1, 1, 1, 1],
  );
  let before = 0;
  steps.forEach((r, i) => {
    const drawn = r.energyEvaluations - before;
    before = r.energyEvaluations;
    assert.equal(drawn, i >= 7 ? 200 : 32, `step ${r.step} (β/β* ${r.betaFraction}) drew ${drawn}`);
  });
});

test('with gradient workers a finalBatchSize other than batchSize is refused, naming both keys', async () => {
  const cfg = config({ finalBatchSize: 200, workers: 2 });
  const refused = (e) => e instanceof ConfigError && /finalBatchSize \(200\).*batchSize \(32\)/.test(e.message);
  // `embedcg config` runs checkRunConfig: it refuses what train refuses.
  await assert.rejects(checkRunConfig(cfg, { configDir: process.cwd(), preloaded }), refused);
  const runDir = mkdtempSync(join(tmpdir(), 'embedcg-final-batch-'));
  const plugins = await assemblePlugins(cfg, { configDir: process.cwd(), preloaded });
  try {
    await assert.rejects(train({ runDir, config: cfg, ...plugins, progress: false }), refused);
  } finally {
    plugins.model.dispose();
  }
});
