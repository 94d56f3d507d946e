// training.renyiAlpha: the reverse-KL steps follow the variational Rényi bound (Li & Turner 2016),
// whose reparameterised gradient weights each sample by its self-normalised importance weight to
// the power 1 − α. On the two-mode target a Gaussian started on one mode must reach the optimum of
// the Rényi divergence D_α(q‖p), computed here by quadrature; α = 1 must be plain reverse KL.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemblePlugins, selectBackend, train } from '@embedcg/core';
import { A, gaussian, twoModes, twoModesConfig } from './two-modes-fixture.mjs';

const preloaded = { 'test-plugins': [twoModes, gaussian] };

before(async () => {
  await selectBackend('wasm');
});

function config(training) {
  return twoModesConfig({
    name: 'renyi',
    seed: 5,
    training: { batchSize: 512, learningRate: 0.02, finalSteps: 700, ...training },
    evaluation: { samples: 1000, batchSize: 1000 },
  });
}

async function fit(cfg) {
  const runDir = mkdtempSync(join(tmpdir(), 'embedcg-renyi-'));
  const plugins = await assemblePlugins(cfg, { configDir: process.cwd(), preloaded });
  await train({ runDir, config: cfg, ...plugins, progress: false });
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
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'step');
  return { mu, sigma: Math.exp(logSigma), history };
}

/** The (μ, σ) of N(μ, σ²) minimising D_α(q‖p) for the two-mode p (mixedOptimum below, λ = 0). */
function renyiOptimum(alpha) {
  return mixedOptimum(alpha, 0);
}

test('renyiAlpha 0.5: a Gaussian started on one mode moves to the D_0.5 optimum that covers both', async (t) => {
  const want = renyiOptimum(0.5);
  const { mu, sigma, history } = await fit(config({ renyiAlpha: 0.5 }));
  t.diagnostic(
    `μ ${mu.toFixed(3)}, σ ${sigma.toFixed(3)}; quadrature optimum μ ${want.mu.toFixed(2)}, σ ${want.sigma.toFixed(2)}`,
  );
  assert.ok(
    Math.abs(want.mu) < 0.06 && want.sigma > 2.3,
    `the D_0.5 optimum covers both modes (μ ${want.mu}, σ ${want.sigma})`,
  );
  assert.ok(Math.abs(mu - want.mu) < 0.3, `μ = ${mu}, optimum ${want.mu}`);
  assert.ok(Math.abs(sigma - want.sigma) / want.sigma < 0.1, `σ = ${sigma}, optimum ${want.sigma}`);
  // The reported loss is still the plain mean of log q + βU (so runs with different α compare).
  assert.ok(history.every((r) => Number.isFinite(r.loss)));
});

test('renyiAlpha 1 is plain reverse KL: the same run as without it, staying on one mode', async () => {
  const plain = await fit(config({}));
  const one = await fit(config({ renyiAlpha: 1 }));
  assert.deepEqual(
    one.history.map((r) => r.loss),
    plain.history.map((r) => r.loss),
  );
  assert.equal(one.mu, plain.mu);
  assert.ok(plain.mu > 1.8 && plain.sigma < 1.4, `reverse KL keeps the +a mode: μ ${plain.mu}, σ ${plain.sigma}`);
});

test('finalRenyiAlpha applies α in the final stage only', async () => {
  // The fixture's run is one tempering step and then the final stage, so α = 0.5 there alone must
  // reach the D_0.5 optimum, and α = 0.5 everywhere but the final stage must stay on the mode.
  const want = renyiOptimum(0.5);
  const late = await fit(config({ finalRenyiAlpha: 0.5 }));
  assert.ok(
    Math.abs(late.mu - want.mu) < 0.3 && Math.abs(late.sigma - want.sigma) / want.sigma < 0.1,
    `final α 0.5: μ ${late.mu}, σ ${late.sigma}`,
  );
  const early = await fit(config({ renyiAlpha: 0.5, finalRenyiAlpha: 1 }));
  assert.ok(early.mu > 1.8 && early.sigma < 1.4, `α 0.5 before the final stage only: μ ${early.mu}, σ ${early.sigma}`);
});

test('renyiAlpha outside [0, 1] is refused naming the setting', () => {
  assert.throws(() => config({ renyiAlpha: 1.5 }), /renyiAlpha/);
  assert.throws(() => config({ renyiAlpha: -0.1 }), /renyiAlpha/);
  assert.throws(() => config({ finalRenyiAlpha: 2 }), /finalRenyiAlpha/);
});

/**
 * The (μ, σ) maximising (1 − λ)·L_α + λ·E_q[log p − log q] for the two-mode p, by quadrature and a
 * fine grid search; L_α = log ∫ q^α p^(1−α) dx / (1 − α).
 */
function mixedOptimum(alpha, share) {
  const h = 0.005,
    xs = [],
    logp = [];
  for (let x = -15; x <= 15; x += h) {
    xs.push(x);
    const a = -((x - A) ** 2) / 2,
      b = -((x + A) ** 2) / 2,
      m = Math.max(a, b);
    logp.push(m + Math.log(Math.exp(a - m) + Math.exp(b - m)));
  }
  const value = (mu, sigma) => {
    let renyi = 0,
      elbo = 0;
    xs.forEach((x, i) => {
      const logq = -0.5 * ((x - mu) / sigma) ** 2 - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
      renyi += Math.exp(alpha * logq + (1 - alpha) * logp[i]);
      elbo += Math.exp(logq) * (logp[i] - logq);
    });
    return ((1 - share) * Math.log(renyi * h)) / (1 - alpha) + share * elbo * h;
  };
  let best = { mu: 0, sigma: 1, value: -Infinity };
  for (let mu = -0.5; mu <= 3; mu += 0.05) {
    for (let sigma = 0.8; sigma <= 3.5; sigma += 0.02) {
      const v = value(mu, sigma);
      if (v > best.value) best = { mu, sigma, value: v };
    }
  }
  return best;
}

test("reverseKLShare λ: a Rényi step follows (1 − λ)·L_α + λ·(reverse KL), to that mixture's optimum", async (t) => {
  const share = 0.3;
  const want = mixedOptimum(0.5, share);
  const pure = renyiOptimum(0.5);
  const { mu, sigma } = await fit(config({ renyiAlpha: 0.5, reverseKLShare: share }));
  t.diagnostic(
    `λ ${share}: μ ${mu.toFixed(3)}, σ ${sigma.toFixed(3)}; quadrature optimum μ ${want.mu.toFixed(2)}, σ ${want.sigma.toFixed(2)} (λ = 0: σ ${pure.sigma.toFixed(2)})`,
  );
  // The mixture's optimum is narrower than D_0.5's: reverse KL penalises the mass between the modes.
  assert.ok(want.sigma < pure.sigma - 0.1, `mixed optimum σ ${want.sigma} vs D_0.5's ${pure.sigma}`);
  assert.ok(Math.abs(mu - want.mu) < 0.3, `μ = ${mu}, optimum ${want.mu}`);
  assert.ok(Math.abs(sigma - want.sigma) / want.sigma < 0.1, `σ = ${sigma}, optimum ${want.sigma}`);
});

test('reverseKLShare 1 is reverse KL and 0 is the Rényi step; outside [0, 1] it is refused', async () => {
  const plain = await fit(config({}));
  const all = await fit(config({ renyiAlpha: 0.5, reverseKLShare: 1 }));
  // Same draws, same objective: the weights 1/n arrive by another route (float32 rounding only).
  assert.ok(
    Math.abs(all.mu - plain.mu) < 1e-3 && Math.abs(all.sigma - plain.sigma) < 1e-3,
    `λ 1: μ ${all.mu} σ ${all.sigma}; KL: μ ${plain.mu} σ ${plain.sigma}`,
  );
  const none = await fit(config({ renyiAlpha: 0.5, reverseKLShare: 0 }));
  const renyi = await fit(config({ renyiAlpha: 0.5 }));
  assert.equal(none.mu, renyi.mu);
  assert.equal(none.sigma, renyi.sigma);
  assert.throws(() => config({ reverseKLShare: 1.5 }), /reverseKLShare/);
});

test('energyGuard.final replaces dropFraction and maxEnergy in the final stage only', async () => {
  const { history } = await fit(
    config({ initialSteps: 4, finalSteps: 6, energyGuard: { dropFraction: 0.1, final: { dropFraction: 0 } } }),
  );
  assert.deepEqual(
    history.map((r) => r.dropped),
    [51, 51, 51, 51, 0, 0, 0, 0, 0, 0],
  );
  const kept = await fit(config({ initialSteps: 4, finalSteps: 6, energyGuard: { dropFraction: 0.1 } }));
  assert.deepEqual(
    kept.history.map((r) => r.dropped),
    new Array(10).fill(51),
  );
  // maxEnergy: a cap below every energy of the target (U ≥ −log 2 + x²/2 … here U > −0.7) makes
  // the guarded loss M + log1p(U − M), so the final stage's loss, and so its steps, differ.
  const capped = await fit(config({ initialSteps: 4, finalSteps: 6, energyGuard: { final: { maxEnergy: 1e-3 } } }));
  const plain = await fit(config({ initialSteps: 4, finalSteps: 6 }));
  assert.deepEqual(
    capped.history.slice(0, 4).map((r) => r.loss),
    plain.history.slice(0, 4).map((r) => r.loss),
    'tempering unchanged',
  );
  assert.notEqual(capped.mu, plain.mu, 'the final stage saw the cap');
});
