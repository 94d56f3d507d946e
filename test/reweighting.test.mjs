// training.reweighting (annealing by reweighting): importance-weighted maximum likelihood on buffers
// of the model's own samples minimises the forward KL, so a Gaussian that reverse KL left on one mode
// of the symmetric two-mode target must move to the moment match μ = 0, σ² = 1 + a².
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemblePlugins, rungBetas, selectBackend, train, validateRunConfig } from '@embedcg/core';
import { A, gaussian, twoModes } from './two-modes-fixture.mjs';

const preloaded = { 'test-plugins': [twoModes, gaussian] };
const SIGMA_MOMENT = Math.sqrt(1 + A * A);

before(async () => {
  await selectBackend('wasm');
});

function config(reweighting, training = {}, modelOptions = {}) {
  return validateRunConfig({
    name: 'reweighting',
    seed: 3,
    forceField: { package: 'test-plugins', name: 'two-modes' },
    model: { package: 'test-plugins', name: 'gaussian', options: modelOptions },
    target: { beta: 1 },
    schedule: { package: '@embedcg/core', name: 'geometric', options: { levels: 1, initialFraction: 1 } },
    training: {
      batchSize: 512,
      learningRate: 0.02,
      initialSteps: 0,
      stepsPerLevel: 1,
      finalSteps: 300,
      historyEvery: 1,
      backend: 'wasm',
      reweighting,
      ...training,
    },
    evaluation: { samples: 1000, batchSize: 1000 },
  });
}

async function fit(cfg, runDir = mkdtempSync(join(tmpdir(), 'embedcg-rw-')), opts = {}) {
  const plugins = await assemblePlugins(cfg, { configDir: process.cwd(), preloaded });
  const r = await train({ runDir, config: cfg, ...plugins, progress: false, ...opts });
  const [mu, logSigma] = ['g/mu', 'g/logSigma'].map(
    (n) =>
      plugins.model
        .variables()
        .find((v) => v.name === n)
        .dataSync()[0],
  );
  plugins.model.dispose();
  const history = readFileSync(join(runDir, 'history.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { mu, sigma: Math.exp(logSigma), history, r, runDir, evaluations: plugins.forceField.evaluations };
}

test('rungBetas: geometric from startFraction·β* (exclusive) to exactly β*', () => {
  assert.deepEqual(rungBetas({ startFraction: 1, rungs: 5 }, 2), [2]);
  const b = rungBetas({ startFraction: 0.01, rungs: 4 }, 2);
  assert.equal(b.length, 4);
  assert.equal(b[3], 2);
  for (let k = 0; k < 4; k++) assert.ok(Math.abs(b[k] - 2 * 0.01 ** (1 - (k + 1) / 4)) < 1e-12, `rung ${k}: ${b[k]}`);
});

test('after reverse KL leaves one mode, reweighted maximum likelihood moves to the moment match', async (t) => {
  const { mu, sigma, history, evaluations } = await fit(
    config({ stepsPerRung: 300, bufferSize: 4000, refreshEvery: 25 }),
  );
  const steps = history.filter((r) => r.type === 'step');
  const rev = steps.filter((r) => r.phase === undefined).at(-1);
  const rw = steps.filter((r) => r.phase === 'reweight');
  t.diagnostic(
    `μ ${mu.toFixed(3)}, σ ${sigma.toFixed(3)} (moment match 0, ${SIGMA_MOMENT.toFixed(3)}); buffer ESS ${rw[0].ess.toFixed(3)} → ${rw.at(-1).ess.toFixed(3)}`,
  );
  assert.equal(rw.length, 300);
  assert.ok(rw.every((r) => r.beta === 1 && r.learningRate === 0.02));
  assert.ok(rev.ess > 0.9, `reverse KL alone should fit one mode well, batch ESS ${rev.ess}`);
  assert.ok(rw[0].ess < 0.6, `the first buffer sees the missing mode as heavy weights (ESS ${rw[0].ess})`);
  assert.ok(rw.at(-1).ess > 0.5, `the last buffer should be well spread (ESS ${rw.at(-1).ess})`);
  assert.ok(Math.abs(mu) < 0.35, `μ = ${mu}, expected ≈ 0`);
  assert.ok(Math.abs(sigma - SIGMA_MOMENT) / SIGMA_MOMENT < 0.1, `σ = ${sigma}, expected ≈ ${SIGMA_MOMENT}`);
  // Every buffer sample is an energy evaluation: the reverse-KL batches of 512, then 12 buffers of 4000.
  const revSteps = steps.filter((r) => r.phase === undefined).length;
  assert.equal(evaluations, revSteps * 512 + 12 * 4000);
});

test('a variable the draw reaches but log q does not keeps its Adam slot: reweighting still fits', async () => {
  // tf.variableGrads leaves such a variable out of the reweighting loss's gradients; Adam keys its
  // moments by position, so without padding the update mixed up slots and failed on shapes.
  const { mu, sigma } = await fit(
    config({ stepsPerRung: 300, bufferSize: 2000, refreshEvery: 25 }, { finalSteps: 100 }, { drawOnly: true }),
  );
  assert.ok(
    Math.abs(mu) < 0.5 && Math.abs(sigma - SIGMA_MOMENT) / SIGMA_MOMENT < 0.15,
    `μ = ${mu}, σ = ${sigma}; expected ≈ 0, ${SIGMA_MOMENT}`,
  );
});

test('startFraction < 1: tempering stops hot and the rungs cool to β*; a run stopped on a refresh boundary resumes exactly', async () => {
  const rwSettings = { stepsPerRung: 60, bufferSize: 2000, refreshEvery: 20, startFraction: 0.2, rungs: 3 };
  const cfg = config(rwSettings, { finalSteps: 100 });
  const whole = await fit(cfg);
  const steps = whole.history.filter((r) => r.type === 'step');
  const rev = steps.filter((r) => r.phase === undefined);
  assert.ok(
    rev.every((r) => Math.abs(r.beta - 0.2) < 1e-12),
    'reverse KL runs at startFraction·β*',
  );
  const rungs = whole.history.filter((r) => r.type === 'level' && r.phase === 'reweight');
  assert.deepEqual(
    rungs.map((r) => r.rung),
    [0, 1, 2],
  );
  const expected = rungBetas(rwSettings, 1);
  rungs.forEach((r, k) => assert.ok(Math.abs(r.beta - expected[k]) < 1e-12, `rung ${k} β ${r.beta} vs ${expected[k]}`));
  assert.ok(
    Math.abs(whole.mu) < 0.5 && Math.abs(whole.sigma - SIGMA_MOMENT) / SIGMA_MOMENT < 0.15,
    `after the ladder μ = ${whole.mu}, σ = ${whole.sigma}; expected ≈ 0, ${SIGMA_MOMENT}`,
  );

  // Stop 40 steps into the ladder's first rung (a refresh boundary), then resume.
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-rw-'));
  const first = await fit(cfg, dir, { stopAfterSteps: rev.length + 40 });
  assert.equal(first.r.status, 'stopped');
  assert.equal(first.r.state.phase, 'reweight');
  assert.equal(first.r.state.rungStepsDone, 40);
  const resumed = await fit(cfg, dir, { resume: true });
  assert.equal(resumed.r.status, 'done');
  assert.equal(resumed.mu, whole.mu, 'resumed μ equals the uninterrupted run');
  assert.equal(resumed.sigma, whole.sigma, 'resumed σ equals the uninterrupted run');
  assert.equal(resumed.evaluations, whole.evaluations);
  rmSync(dir, { recursive: true, force: true });
  rmSync(whole.runDir, { recursive: true, force: true });
});

test('polishSteps: reverse KL at β* after the ladder, counted, recorded as phase "polish", and resumable exactly', async () => {
  const rwSettings = {
    stepsPerRung: 40,
    bufferSize: 2000,
    refreshEvery: 20,
    startFraction: 0.5,
    rungs: 2,
    polishSteps: 30,
  };
  const cfg = config(rwSettings, { finalSteps: 50 });
  const whole = await fit(cfg);
  const steps = whole.history.filter((r) => r.type === 'step');
  const polish = steps.filter((r) => r.phase === 'polish');
  assert.equal(polish.length, 30);
  assert.ok(
    polish.every((r) => r.beta === 1),
    'polish runs at β*',
  );
  assert.equal(steps.at(-1).phase, 'polish', 'polish comes last');
  const buffers = 2 * (40 / 20);
  assert.equal(
    whole.evaluations,
    (steps.length - 80) * 512 + buffers * 2000,
    'reverse-KL batches (tempering, final, polish) plus buffers',
  );
  // Reverse KL pulls the moment-matched σ ≈ 2.7 back towards one mode's σ = 1.
  const atLadderEnd = await fit(config({ ...rwSettings, polishSteps: 0 }, { finalSteps: 50 }));
  assert.ok(
    whole.sigma < atLadderEnd.sigma,
    `polish should narrow the forward-KL fit: σ ${whole.sigma} vs ${atLadderEnd.sigma} before`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'embedcg-rw-'));
  const first = await fit(cfg, dir, { stopAfterSteps: steps.length - 12 });
  assert.equal(first.r.state.phase, 'polish');
  const resumed = await fit(cfg, dir, { resume: true });
  assert.equal(resumed.mu, whole.mu, 'resumed μ equals the uninterrupted run');
  assert.equal(resumed.sigma, whole.sigma, 'resumed σ equals the uninterrupted run');
  assert.equal(resumed.evaluations, whole.evaluations);
  for (const d of [dir, whole.runDir, atLadderEnd.runDir]) rmSync(d, { recursive: true, force: true });
});

test('training.reweighting with a model that has no density is a config error naming the option', async () => {
  const cfg = config({ stepsPerRung: 10 });
  const plugins = await assemblePlugins(cfg, { configDir: process.cwd(), preloaded });
  Object.defineProperty(plugins.model, 'logProb', { value: undefined });
  await assert.rejects(
    train({ runDir: mkdtempSync(join(tmpdir(), 'embedcg-rw-')), config: cfg, ...plugins, progress: false }),
    (e) => e.name === 'ConfigError' && /training\.reweighting/.test(e.message) && /gaussian/.test(e.message),
  );
  plugins.model.dispose();
});
