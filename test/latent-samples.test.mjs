// Importance weights from K latent samples per configuration (evaluation.latentSamples): on a VAE
// trained briefly on the double well at β = 0.1 (barrier under 1 kT), where log Z is exact, the weights stay unbiased
// for every K, their ESS rises with K, the KL bound tightens, and no energy is evaluated twice.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@embedcg/core';
import {
  assemblePlugins,
  createRng,
  drawSamples,
  essFraction,
  logMeanExp,
  selectBackend,
  train,
  validateRunConfig,
  withLatentSamples,
} from '@embedcg/core';
import * as analytic from '@embedcg/forcefield-analytic';
import * as vae from '@embedcg/model-vae';
import { gaussian } from './two-modes-fixture.mjs';
import { assertCleanError, repoRoot, runCli, tempDir, tinyDoubleWellConfig } from './support.mjs';

before(async () => {
  await selectBackend('wasm');
});

const BETA = 0.1;
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;

test(
  'K latent samples per draw: unbiased weights for every K, ESS up and the KL bound down as K grows, the same energy evaluations',
  { timeout: 240_000 },
  async (t) => {
    const config = validateRunConfig({
      name: 'latent-samples-test',
      seed: 5,
      forceField: { package: '@embedcg/forcefield-analytic', name: 'double-well' },
      model: {
        package: '@embedcg/model-vae',
        name: 'vae',
        options: {
          latentDim: 1,
          decoderHidden: [32, 32],
          encoderHidden: [16],
          encoderActivations: ['tanh'],
          decoderVariance: 'head',
        },
      },
      target: { beta: BETA },
      schedule: { package: '@embedcg/core', name: 'kl-increase', options: { initialFraction: 1 } },
      training: {
        batchSize: 256,
        learningRate: 0.003,
        initialSteps: 500,
        finalSteps: 0,
        checkpointEvery: 10_000,
        backend: 'wasm',
      },
    });
    const plugins = await assemblePlugins(config, {
      configDir: repoRoot,
      preloaded: { '@embedcg/forcefield-analytic': analytic.plugins, '@embedcg/model-vae': vae.plugins },
    });
    const dir = mkdtempSync(join(tmpdir(), 'embedcg-latent-samples-'));
    try {
      await train({ runDir: dir, config, ...plugins, progress: false });
      const { model, forceField } = plugins;
      const logZExact = analytic.createDoubleWellReference().logZ(BETA);
      const n = 20_000;
      const before = forceField.evaluations;
      const s1 = await drawSamples({ model, forceField, n, beta: BETA, rng: createRng(21), batchSize: n });
      assert.equal(forceField.evaluations - before, n);
      const rows = [];
      for (const K of [1, 4, 32]) {
        const s = K === 1 ? s1 : withLatentSamples(s1, model, undefined, K, createRng(30 + K));
        const w = Array.from(s.logw, Math.exp);
        const m = mean(w);
        const se = Math.sqrt(w.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1) / n);
        rows.push({
          K,
          logZ: logMeanExp(s.logw),
          ess: essFraction(s.logw),
          klBound: mean(Array.from(s.logQ, (l, i) => l + BETA * s.energies[i])) + logZExact,
          zRatio: m / Math.exp(logZExact),
          zRatioSe: se / Math.exp(logZExact),
        });
      }
      assert.equal(forceField.evaluations - before, n, 're-estimating ℓ evaluates no energy');
      for (const r of rows)
        t.diagnostic(
          `K ${r.K}: log Z ${r.logZ.toFixed(4)} (exact ${logZExact.toFixed(4)}), ESS ${r.ess.toFixed(4)}, KL bound ${r.klBound.toFixed(4)}`,
        );
      for (const r of rows) {
        assert.ok(
          Math.abs(r.zRatio - 1) < 4 * r.zRatioSe + 0.01,
          `K ${r.K}: E[w]/Z = ${r.zRatio} ± ${r.zRatioSe}, expected 1 (exact weights)`,
        );
      }
      assert.ok(rows[0].ess < 0.98, `the one-sample weights should leave room to improve (ESS ${rows[0].ess})`);
      assert.ok(
        rows[1].ess > rows[0].ess && rows[2].ess > rows[1].ess,
        `ESS should rise with K: ${rows.map((r) => r.ess.toFixed(4)).join(', ')}`,
      );
      assert.ok(
        rows[1].klBound < rows[0].klBound && rows[2].klBound < rows[1].klBound,
        `the KL bound should tighten with K: ${rows.map((r) => r.klBound.toFixed(4)).join(', ')}`,
      );
      assert.ok(rows[2].klBound > -0.01, `a KL bound stays ≥ 0 (${rows[2].klBound})`);

      // drawSamples with latentSamples: the same configurations as K = 1 from the same seed, batch
      // after batch (the estimate's noise has a stream of its own), the same energy evaluations.
      const quarter = await drawSamples({ model, forceField, n, beta: BETA, rng: createRng(21), batchSize: n / 4 });
      const e0 = forceField.evaluations;
      const s8 = await drawSamples({
        model,
        forceField,
        n,
        beta: BETA,
        rng: createRng(21),
        batchSize: n / 4,
        latentSamples: 8,
      });
      assert.equal(forceField.evaluations - e0, n);
      assert.deepEqual(s8.x, quarter.x);
      assert.deepEqual(s8.energies, quarter.energies);
      assert.ok(essFraction(s8.logw) > essFraction(quarter.logw));
    } finally {
      plugins.model.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('latentSamples: a count below 1 is refused with a message; an exact-density model ignores K (its ℓ is exact)', async () => {
  const ff = analytic.plugins
    .find((p) => p.name === 'double-well')
    .create({}, { configDir: repoRoot, seed: 0, log: () => {} });
  const model = vae.createVaeModel(
    { latentDim: 1, decoderHidden: [4], encoderHidden: [4], encoderActivations: ['tanh'], scope: 'ls-err' },
    { dimension: 2, seed: 1 },
  );
  try {
    await assert.rejects(
      drawSamples({ model, forceField: ff, n: 10, beta: 1, rng: createRng(1), latentSamples: 0 }),
      /latentSamples must be a whole number ≥ 1, got 0/,
    );
    await assert.rejects(
      drawSamples({ model, forceField: ff, n: 10, beta: 1, rng: createRng(1), latentSamples: 2.5 }),
      /got 2\.5/,
    );
  } finally {
    model.dispose();
  }
  const flat = await gaussian.create({}, { configDir: repoRoot, seed: 0, log: () => {}, modelDimension: 1 });
  const a = await drawSamples({ model: flat, n: 50, beta: 1, rng: createRng(1) });
  const b = await drawSamples({ model: flat, n: 50, beta: 1, rng: createRng(1), latentSamples: 4 });
  assert.deepEqual(b.logQ, a.logQ);
});
test('embedcg evaluate --latent-samples K: reported in the metrics; a bad count is a clean usage error', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'dw.json'), JSON.stringify(tinyDoubleWellConfig('latent-samples-cli', 3)));
  const tr = runCli(['train', 'dw.json', '--out', 'run', '--no-progress'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  const one = runCli(['evaluate', 'run', '--json', '--latent-samples', '1'], { cwd: dir });
  assert.equal(one.code, 0, one.stderr);
  assert.equal(JSON.parse(one.stdout).latentSamples, 1);
  const byDefault = runCli(['evaluate', 'run', '--json'], { cwd: dir });
  assert.equal(byDefault.code, 0, byDefault.stderr);
  assert.equal(
    JSON.parse(byDefault.stdout).latentSamples,
    core.runConfigSchema().properties.evaluation.properties.latentSamples.default,
    'the config default',
  );
  const eight = runCli(['evaluate', 'run', '--json', '--latent-samples', '8'], { cwd: dir });
  assert.equal(eight.code, 0, eight.stderr);
  const m = JSON.parse(eight.stdout);
  assert.equal(m.latentSamples, 8);
  assert.equal(
    m.evaluationEnergyEvaluations,
    JSON.parse(one.stdout).evaluationEnergyEvaluations,
    'no extra energy evaluations',
  );
  assert.match(
    assertCleanError(runCli(['evaluate', 'run', '--latent-samples', '0'], { cwd: dir })),
    /--latent-samples must be a whole number ≥ 1, got 0/,
  );
});
