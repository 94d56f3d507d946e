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
import { twoComponents, twoWidths, weightedTwoModes } from './two-modes-fixture.mjs';

const preloaded = { 'test-plugins': [weightedTwoModes, twoComponents, twoWidths] };

before(async () => {
  await selectBackend('wasm');
});

async function fittedWeight({ score = true, proposal = 0, training = {} } = {}) {
  const config = validateRunConfig({
    name: 'score',
    seed: 3,
    forceField: { package: 'test-plugins', name: 'weighted-two-modes', options: { weight: 0.8 } },
    model: { package: 'test-plugins', name: 'two-components', options: { score, proposal } },
    target: { beta: 1 },
    schedule: { package: '@embedcg/core', name: 'geometric', options: { levels: 1, initialFraction: 1 } },
    training: {
      batchSize: 256,
      learningRate: 0.02,
      initialSteps: 0,
      stepsPerLevel: 1,
      finalSteps: 300,
      backend: 'wasm',
      ...training,
    },
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

test("choiceLogProb: reverse KL moves a mixture weight from ½ to the target's 0.8", async (t) => {
  const pi = await fittedWeight();
  t.diagnostic(`π = ${pi.toFixed(3)}`);
  assert.ok(Math.abs(pi - 0.8) < 0.04, `π = ${pi}, want 0.8`);
});

test('choiceLogProb under the Rényi step (α = 0.5), alone or mixed with reverse KL, reaches the same optimum', async (t) => {
  for (const training of [{ renyiAlpha: 0.5 }, { renyiAlpha: 0.5, reverseKLShare: 0.5 }]) {
    const pi = await fittedWeight({ training });
    t.diagnostic(`${JSON.stringify(training)}: π = ${pi.toFixed(3)}`);
    assert.ok(Math.abs(pi - 0.8) < 0.04, `π = ${pi}, want 0.8`);
  }
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

// training.proposalFit 'balanced': every parameter but the choice probabilities learns from each
// sample at its proposal share; the choice probabilities keep their exact gradient, so the optimum
// of the weight does not move. (Here the weight is the only parameter: the test is that exactness.)
// reverseKLShare mixes reverse KL into the Rényi step; both share the optimum, and so must the mix.
for (const training of [
  { proposalFit: 'balanced' },
  { proposalFit: 'balanced', renyiAlpha: 0.5 },
  { proposalFit: 'balanced', renyiAlpha: 0.5, reverseKLShare: 0.5 },
]) {
  const what = training.reverseKLShare
    ? 'Rényi α = 0.5 mixed half and half with reverse KL'
    : training.renyiAlpha
      ? 'Rényi α = 0.5'
      : 'reverse KL';
  test(`proposalFit 'balanced' (${what}) keeps the weight's optimum 0.8`, async (t) => {
    const pi = await fittedWeight({ proposal: 0.5, training });
    t.diagnostic(`π = ${pi.toFixed(3)}`);
    assert.ok(Math.abs(pi - 0.8) < 0.04, `π = ${pi}, want 0.8`);
  });
}

// What 'balanced' changes: a width shared by both components. With separated components, reverse
// KL's width solves σ² = 1 / Σ_k c_k / s_k² with c = π (weighted) or c = P̃ = ½π + ¼ (balanced), for
// mode widths s = (1, 2). At the optimum π ≈ (0.92, 0.08): σ ≈ 1.03 weighted, ≈ 1.13 balanced.
test("proposalFit 'balanced' fits a shared width at the proposal's shares, 'weighted' at the weights'", async (t) => {
  const fit = async (proposalFit) => {
    const config = validateRunConfig({
      name: 'widths',
      seed: 4,
      forceField: { package: 'test-plugins', name: 'two-widths' },
      model: { package: 'test-plugins', name: 'two-components', options: { proposal: 0.5, at: 6, sharedWidth: true } },
      target: { beta: 1 },
      schedule: { package: '@embedcg/core', name: 'geometric', options: { levels: 1, initialFraction: 1 } },
      training: {
        batchSize: 512,
        learningRate: 0.02,
        initialSteps: 0,
        stepsPerLevel: 1,
        finalSteps: 600,
        finalLearningRate: 0.002,
        backend: 'wasm',
        proposalFit,
      },
      evaluation: { samples: 500, batchSize: 500 },
    });
    const plugins = await assemblePlugins(config, { configDir: process.cwd(), preloaded });
    try {
      await train({ runDir: mkdtempSync(join(tmpdir(), 'embedcg-widths-')), config, ...plugins, progress: false });
      const [logit, logSigma] = plugins.model.variables().map((v) => v.dataSync()[0]);
      return { pi: 1 / (1 + Math.exp(-logit)), sigma: Math.exp(logSigma) };
    } finally {
      plugins.model.dispose();
    }
  };
  const weighted = await fit('weighted');
  const balanced = await fit('balanced');
  t.diagnostic(
    `weighted π ${weighted.pi.toFixed(3)} σ ${weighted.sigma.toFixed(3)}; balanced π ${balanced.pi.toFixed(3)} σ ${balanced.sigma.toFixed(3)}`,
  );
  assert.ok(Math.abs(weighted.sigma - 1.03) < 0.03, `weighted σ ${weighted.sigma}, want 1.03`);
  assert.ok(Math.abs(balanced.sigma - 1.13) < 0.03, `balanced σ ${balanced.sigma}, want 1.13`);
  // Both keep the weight near its optimum (0.90 on this seed, against 0.92 for separated modes).
  for (const r of [weighted, balanced]) assert.ok(Math.abs(r.pi - 0.92) < 0.04, `π ${r.pi}, want ≈ 0.92`);
});

// reverseKLShare mixes reverse KL into a Rényi step's reparameterised gradient only: the mixture
// weights keep the Rényi gradient. Here the model has no other parameter and its components
// (width 1) cannot fit the − mode (width 0.5), so the optima differ; by quadrature over π:
// reverse KL 0.691, D_0.5 0.556, the half-and-half objective 0.648.
test('reverseKLShare leaves the mixture weights to the Rényi gradient', async (t) => {
  const fit = async (training) => {
    const config = validateRunConfig({
      name: 'share',
      seed: 6,
      forceField: { package: 'test-plugins', name: 'two-widths', options: { at: 10, weight: 0.5, width: 0.5 } },
      model: { package: 'test-plugins', name: 'two-components', options: { proposal: 0.5, at: 10 } },
      target: { beta: 1 },
      schedule: { package: '@embedcg/core', name: 'geometric', options: { levels: 1, initialFraction: 1 } },
      training: {
        batchSize: 512,
        learningRate: 0.02,
        initialSteps: 0,
        stepsPerLevel: 1,
        finalSteps: 400,
        finalLearningRate: 0.002,
        backend: 'wasm',
        ...training,
      },
      evaluation: { samples: 500, batchSize: 500 },
    });
    const plugins = await assemblePlugins(config, { configDir: process.cwd(), preloaded });
    try {
      await train({ runDir: mkdtempSync(join(tmpdir(), 'embedcg-share-')), config, ...plugins, progress: false });
      return 1 / (1 + Math.exp(-plugins.model.variables()[0].dataSync()[0]));
    } finally {
      plugins.model.dispose();
    }
  };
  const kl = await fit({});
  const renyi = await fit({ renyiAlpha: 0.5 });
  const shared = await fit({ renyiAlpha: 0.5, reverseKLShare: 0.5 });
  const sharedBalanced = await fit({ renyiAlpha: 0.5, reverseKLShare: 0.5, proposalFit: 'balanced' });
  t.diagnostic(
    `π: reverse KL ${kl.toFixed(3)}, Rényi ${renyi.toFixed(3)}, λ 0.5 ${shared.toFixed(3)}, λ 0.5 balanced ${sharedBalanced.toFixed(3)}`,
  );
  assert.ok(Math.abs(kl - 0.691) < 0.03, `reverse KL π ${kl}, want 0.691`);
  for (const pi of [renyi, shared, sharedBalanced])
    assert.ok(Math.abs(pi - 0.556) < 0.03, `π ${pi}, want D_0.5's 0.556 (not the mixed objective's 0.648)`);
});
