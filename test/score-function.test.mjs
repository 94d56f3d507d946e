// ModelDraw.choiceLogProb: a model whose draw picks a mixture component can only learn the
// component weights through the trainer's score-function term. On a 1-D target with modes of
// weight 0.8 and 0.2, a two-component mixture (components fixed on the modes, weight started at ½)
// must reach π = 0.8: that is the optimum of reverse KL and of every Rényi divergence here (for
// separated components D_α depends on π through Σ π_k^α w_k^(1−α), maximal at π = w).
// Without the term the weight has no gradient in expectation and stays near ½.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemblePlugins, selectBackend, train, validateRunConfig } from '@embedcg/core';
import { twoComponents, weightedTwoModes } from './two-modes-fixture.mjs';

const preloaded = { 'test-plugins': [weightedTwoModes, twoComponents] };

before(async () => {
  await selectBackend('wasm');
});

async function fittedWeight({ score = true, proposal = 0, training = {} } = {}) {
  const config = validateRunConfig({
    name: 'score', seed: 3,
    forceField: { package: 'test-plugins', name: 'weighted-two-modes', options: { weight: 0.8 } },
    model: { package: 'test-plugins', name: 'two-components', options: { score, proposal } },
    target: { beta: 1 },
    schedule: { package: '@embedcg/core', name: 'geometric', options: { levels: 1, initialFraction: 1 } },
    training: { batchSize: 256, learningRate: 0.02, initialSteps: 0, stepsPerLevel: 1, finalSteps: 300, backend: 'wasm', ...training },
    evaluation: { samples: 500, batchSize: 500 },
  });
  const plugins = await assemblePlugins(config, { configDir: process.cwd(), preloaded });
  try {
    await train({ runDir: mkdtempSync(join(tmpdir(), 'embedcg-score-')), config, ...plugins, progress: false });
    const logit = plugins.model.variables()[0].dataSync()[0];
    return 1 / (1 + Math.exp(-logit));
  } finally {
    plugins.model.dispose();
  }
}

test('choiceLogProb: reverse KL moves a mixture weight from ½ to the target\'s 0.8', async (t) => {
  const pi = await fittedWeight();
  t.diagnostic(`π = ${pi.toFixed(3)}`);
  assert.ok(Math.abs(pi - 0.8) < 0.04, `π = ${pi}, want 0.8`);
});

test('choiceLogProb under the Rényi step (α = 0.5) reaches the same optimum', async (t) => {
  const pi = await fittedWeight({ training: { renyiAlpha: 0.5 } });
  t.diagnostic(`π = ${pi.toFixed(3)}`);
  assert.ok(Math.abs(pi - 0.8) < 0.04, `π = ${pi}, want 0.8`);
});

test('without choiceLogProb the weight gets no gradient in expectation and stays near ½', async (t) => {
  const pi = await fittedWeight({ score: false });
  t.diagnostic(`π = ${pi.toFixed(3)}`);
  assert.ok(Math.abs(pi - 0.5) < 0.08, `π = ${pi}, want ≈ 0.5`);
});

// ModelDraw.proposalLogRatio: training draws pick components from (1 − η) π + η/2 and are weighted
// back by π/P̃, so the weight's gradient is the exact stratified one and rare components still get
// samples. The optimum must not move.
for (const training of [{}, { renyiAlpha: 0.5 }]) {
  test(`proposalLogRatio (η = 0.5${training.renyiAlpha ? ', Rényi α = 0.5' : ', reverse KL'}) reaches the same weight 0.8`, async (t) => {
    const pi = await fittedWeight({ proposal: 0.5, training });
    t.diagnostic(`π = ${pi.toFixed(3)}`);
    assert.ok(Math.abs(pi - 0.8) < 0.04, `π = ${pi}, want 0.8`);
  });
}
