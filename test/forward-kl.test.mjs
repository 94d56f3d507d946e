// training.forwardKLWeight: the importance-weighted forward KL counters reverse KL's mode seeking.
// A single Gaussian q = N(μ, σ²) fitted to the symmetric two-mode target p ∝ e^{−(x−a)²/2} + e^{−(x+a)²/2}
// shows the difference exactly: reverse KL settles on one mode (σ ≈ 1), forward KL matches the
// moments (μ = 0, σ² = 1 + a²). With a large weight the fit must approach the moment match.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemblePlugins, selectBackend, train, validateRunConfig } from '@embedcg/core';
import * as vae from '@embedcg/model-vae';
import { A, gaussian, twoModes } from './two-modes-fixture.mjs';

before(async () => {
  await selectBackend('wasm');
});

const preloaded = { 'test-plugins': [twoModes, gaussian], '@embedcg/model-vae': vae.plugins };

function config(forwardKLWeight, model = { package: 'test-plugins', name: 'gaussian' }) {
  return validateRunConfig({
    name: 'forward-kl',
    seed: 5,
    forceField: { package: 'test-plugins', name: 'two-modes' },
    model,
    target: { beta: 1 },
    schedule: { package: '@embedcg/core', name: 'geometric', options: { levels: 1, initialFraction: 1 } },
    training: {
      batchSize: 512,
      learningRate: 0.02,
      initialSteps: 0,
      stepsPerLevel: 1,
      finalSteps: 600,
      historyEvery: 50,
      forwardKLWeight,
      backend: 'wasm',
    },
    evaluation: { samples: 1000 },
  });
}

async function fit(forwardKLWeight) {
  const cfg = config(forwardKLWeight);
  const plugins = await assemblePlugins(cfg, { configDir: process.cwd(), preloaded });
  const runDir = mkdtempSync(join(tmpdir(), 'embedcg-fwdkl-'));
  await train({ runDir, config: cfg, ...plugins, progress: false });
  const [mu, logSigma] = plugins.model.variables().map((v) => v.dataSync()[0]);
  plugins.model.dispose();
  return { mu, sigma: Math.exp(logSigma) };
}

test('reverse KL alone keeps one mode; a large forward-KL weight moves to the moment match', async () => {
  const rev = await fit(0);
  assert.ok(Math.abs(rev.mu - A) < 0.15, `reverse KL: μ = ${rev.mu}, expected the +${A} mode`);
  assert.ok(Math.abs(rev.sigma - 1) < 0.15, `reverse KL: σ = ${rev.sigma}, expected ≈ 1 (one mode)`);
  const fwd = await fit(30);
  const sigmaMoment = Math.sqrt(1 + A * A);
  assert.ok(Math.abs(fwd.mu) < 0.5, `forward KL: μ = ${fwd.mu}, expected ≈ 0 (between the modes)`);
  assert.ok(
    Math.abs(fwd.sigma - sigmaMoment) / sigmaMoment < 0.15,
    `forward KL: σ = ${fwd.sigma}, expected ≈ ${sigmaMoment.toFixed(3)}`,
  );
});

test('forwardKLWeight with a model that has neither logProb nor logProbBound is a config error naming the option and the model', async () => {
  const cfg = config(1, {
    package: '@embedcg/model-vae',
    name: 'vae',
    options: { latentDim: 1, decoderHidden: [8], encoderHidden: [8, 8, 8] },
  });
  const plugins = await assemblePlugins(cfg, { configDir: process.cwd(), preloaded });
  // A third-party latent model need not offer the bound: hide the VAE's.
  Object.defineProperty(plugins.model, 'logProbBound', { value: undefined });
  await assert.rejects(
    train({ runDir: mkdtempSync(join(tmpdir(), 'embedcg-fwdkl-')), config: cfg, ...plugins, progress: false }),
    (e) =>
      e.name === 'ConfigError' &&
      /forwardKLWeight/.test(e.message) &&
      /vae/.test(e.message) &&
      /logProbBound/.test(e.message),
  );
  plugins.model.dispose();
});

test('training.finalLearningRate decays Adam geometrically over the final stage; history.jsonl records the rate and the step-time split', async () => {
  const cfg = config(0);
  cfg.training.finalSteps = 100;
  cfg.training.historyEvery = 1;
  cfg.training.finalLearningRate = 0.0002;
  const plugins = await assemblePlugins(cfg, { configDir: process.cwd(), preloaded });
  const runDir = mkdtempSync(join(tmpdir(), 'embedcg-fwdkl-'));
  await train({ runDir, config: cfg, ...plugins, progress: false });
  plugins.model.dispose();
  const steps = readFileSync(join(runDir, 'history.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'step');
  for (const r of steps) {
    const parts = ['draw', 'forceField', 'gradient', 'update'].map((k) => r.ms?.[k]);
    assert.ok(
      parts.every((v) => Number.isFinite(v) && v >= 0),
      `step ${r.step}: ms = ${JSON.stringify(r.ms)}`,
    );
  }
  const final = steps.slice(-100);
  assert.equal(final.length, 100);
  for (const [k, r] of final.entries()) {
    const expected = 0.02 * (0.0002 / 0.02) ** (k / 100);
    assert.ok(
      Math.abs(r.learningRate - expected) / expected < 1e-9,
      `final step ${k}: learning rate ${r.learningRate}, expected ${expected}`,
    );
  }
});
