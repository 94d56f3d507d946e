import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../util/random.js';
import { createKlIncreaseSchedule, klIncreasePlugin, klIncreaseStep } from './kl-increase.js';
import type { LevelContext, ScheduleSamples } from '../contracts/schedule.js';

/**
 * Target: harmonic U = ½ k |x|² in D dims, p_β = N(0, 1/(βk)), log Z_β = (D/2) log(2π/(βk)).
 * Model: q = N(0, s² I) with exact log q. Both are Gaussian, so every quantity of §5 is analytic.
 */
const k = 2,
  D = 3;
const logZ = (beta: number) => (D / 2) * Math.log((2 * Math.PI) / (beta * k));
/** KL(N(0, s²) ‖ N(0, σ²)) in D dims. */
const klGauss = (s2: number, sigma2: number) => (D / 2) * (Math.log(sigma2 / s2) + s2 / sigma2 - 1);

function gaussianSamples(s2: number, M: number, seed: number): ScheduleSamples {
  const rng = createRng(seed);
  const energies = new Float64Array(M),
    logQ = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    let r2 = 0;
    for (let d = 0; d < D; d++) r2 += s2 * rng.normal() ** 2;
    energies[i] = 0.5 * k * r2;
    logQ[i] = (-0.5 * r2) / s2 - (D / 2) * Math.log(2 * Math.PI * s2);
  }
  return { energies, logQ };
}

/** §5 written out on its own, loop by loop, with the documented KL floor of 1e-3. */
function direct(
  beta: number,
  s: ScheduleSamples,
  logZk: number | undefined,
  o: { maxStep: number; minStep: number; delta: number; shrink: number },
) {
  const M = s.energies.length;
  const lw = Array.from(s.energies, (u, i) => -beta * u - s.logQ[i]!);
  const mx = Math.max(...lw);
  const sumW = lw.reduce((a, v) => a + Math.exp(v - mx), 0);
  const lz = logZk ?? mx + Math.log(sumW / M);
  const ubar = s.energies.reduce((a, v) => a + v, 0) / M;
  const lbar = s.logQ.reduce((a, v) => a + v, 0) / M;
  const kl = lz + beta * ubar + lbar;
  const dlogZ = (db: number) => {
    let acc = 0;
    for (let i = 0; i < M; i++) acc += (Math.exp(lw[i]! - mx) / sumW) * Math.exp(-db * s.energies[i]!);
    return Math.log(acc);
  };
  const r = (db: number) => (dlogZ(db) + db * ubar) / Math.max(kl, 1e-3);
  let db = o.maxStep;
  const tried = [db];
  while (r(db) > o.delta && db * o.shrink >= o.minStep) {
    db *= o.shrink;
    tried.push(db);
  }
  if (r(db) > o.delta) db = o.minStep;
  return { deltaBeta: db, deltaLogZ: dlogZ(db), logZ: lz + dlogZ(db), kl, r: r(db), tried, rOf: r };
}

const near = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
const opts = { maxStep: 0.5, minStep: 0.001, delta: 0.1, shrink: 0.6 };

test('q = p_β exactly: log Ẑ is exact, KL is zero, and the floor keeps r finite', () => {
  const beta = 1;
  const s = gaussianSamples(1 / (beta * k), 4000, 1);
  const got = klIncreaseStep(beta, s, undefined, opts);
  const want = direct(beta, s, undefined, opts);
  // log w = −βU − log q is the same constant log Z_β for every sample.
  near(got.logZ - got.deltaLogZ, logZ(beta), 1e-9, 'log Ẑ_0');
  near(got.kl, 0, 1e-9, 'KL_k');
  for (const key of ['deltaBeta', 'deltaLogZ', 'logZ', 'kl', 'r'] as const) near(got[key], want[key], 1e-9, key);
  assert.ok(Number.isFinite(got.r) && got.r <= opts.delta, `accepted step must satisfy r ≤ δ (r = ${got.r})`);
  // Importance sampling from p_β to p_{β+Δβ} with a Gaussian: the ratio is analytic.
  near(got.deltaLogZ, logZ(beta + got.deltaBeta) - logZ(beta), 0.01, 'Δlog Z vs analytic');
});

test('mismatched model: KL_k, log Ẑ and Δlog Z agree with the analytic values within Monte-Carlo error', () => {
  const beta = 0.5;
  const sigma2 = 1 / (beta * k);
  const s2 = 1.5 * sigma2; // a model wider than the target: importance weights have finite variance
  const s = gaussianSamples(s2, 20000, 2);
  const got = klIncreaseStep(beta, s, undefined, opts);
  const want = direct(beta, s, undefined, opts);
  for (const key of ['deltaBeta', 'deltaLogZ', 'logZ', 'kl', 'r'] as const) near(got[key], want[key], 1e-9, key);
  near(got.logZ - got.deltaLogZ, logZ(beta), 0.02, 'log Ẑ_0 vs analytic');
  near(got.kl, klGauss(s2, sigma2), 0.03, 'KL_k vs analytic');
  near(got.deltaLogZ, logZ(beta + got.deltaBeta) - logZ(beta), 0.02, 'Δlog Z vs analytic');
  // KL at the new β predicted by the rule: KL_k (1 + r) ≈ exact KL(q ‖ p_{β+Δβ}).
  near(got.kl * (1 + got.r), klGauss(s2, 1 / ((beta + got.deltaBeta) * k)), 0.03, 'predicted KL_{k+1}');
});

test('Δβ starts at the maximum and shrinks by the factor while r > δ, within [minStep, maxStep]', () => {
  const beta = 0.5;
  const s = gaussianSamples(1.5 / (beta * k), 5000, 3);
  const want = direct(beta, s, undefined, opts);
  const got = klIncreaseStep(beta, s, undefined, opts);
  assert.ok(want.tried.length > 1, 'this case must need shrinking');
  near(got.deltaBeta, opts.maxStep * opts.shrink ** (want.tried.length - 1), 1e-12, 'Δβ = max · 0.6^j');
  assert.ok(got.r <= opts.delta);
  // Every larger candidate was rejected.
  for (const db of want.tried.slice(0, -1))
    assert.ok(want.rOf(db) > opts.delta, `candidate ${db} should have been rejected`);
  // Loose δ: the maximum is taken at once.
  assert.equal(klIncreaseStep(beta, s, undefined, { ...opts, delta: 1e6 }).deltaBeta, opts.maxStep);
  // Impossible δ: the ladder still moves by the minimum.
  assert.equal(klIncreaseStep(beta, s, undefined, { ...opts, delta: 1e-12 }).deltaBeta, opts.minStep);
  // Given a carried log Z, it is used instead of the sample estimate.
  const carried = klIncreaseStep(beta, s, 7.25, opts);
  const wantCarried = direct(beta, s, 7.25, opts);
  near(carried.kl, wantCarried.kl, 1e-9, 'KL with carried log Z');
  near(carried.logZ, 7.25 + carried.deltaLogZ, 1e-12, 'log Ẑ_{k+1} = log Ẑ_k + Δlog Z');
});

test('the schedule carries log Ẑ across levels, clamps at the target and round-trips its state', () => {
  const o = {
    initialFraction: 0.1,
    maxStepFraction: 0.2,
    minStepFraction: 0.001,
    delta: 0.1,
    shrink: 0.6,
    samples: 1000,
  };
  const target = 2;
  const ctx = (beta: number, level: number): LevelContext => ({
    level,
    beta,
    targetBeta: target,
    stepInLevel: 100,
    losses: [],
    stepsPerLevel: 100,
    initialSteps: 500,
  });
  const a = createKlIncreaseSchedule(o);
  assert.equal(a.initialBeta(target), 0.2);
  assert.equal(a.samplesNeeded, 1000);
  assert.equal(a.levelComplete({ ...ctx(0.2, 0), stepInLevel: 499 }), false);
  assert.equal(a.levelComplete({ ...ctx(0.2, 0), stepInLevel: 500 }), true);
  assert.equal(a.levelComplete({ ...ctx(0.5, 1), stepInLevel: 100 }), true);
  assert.throws(() => a.nextBeta(ctx(0.2, 0)), /needs samples/);
  const s0 = gaussianSamples(1.2 / (0.2 * k), 3000, 4);
  const d0 = a.nextBeta(ctx(0.2, 0), s0);
  const first = klIncreaseStep(0.2, s0, undefined, { maxStep: 0.4, minStep: 0.002, delta: 0.1, shrink: 0.6 });
  near(d0.beta, 0.2 + first.deltaBeta, 1e-12, 'β_1');
  near(d0.info!.logZ!, first.logZ, 1e-12, 'log Ẑ_1');
  const saved = JSON.parse(JSON.stringify(a.getState()));
  const s1 = gaussianSamples(1.2 / (d0.beta * k), 3000, 5);
  const d1 = a.nextBeta(ctx(d0.beta, 1), s1);
  const second = klIncreaseStep(d0.beta, s1, first.logZ, { maxStep: 0.4, minStep: 0.002, delta: 0.1, shrink: 0.6 });
  near(d1.info!.kl!, second.kl, 1e-12, 'KL_1 uses the carried log Ẑ_1');
  near(d1.info!.logZ!, first.logZ + second.deltaLogZ, 1e-12, 'log Ẑ_2');
  // A fresh schedule restored from the saved state makes the identical decision.
  const b = createKlIncreaseSchedule(o);
  b.setState(saved);
  assert.deepEqual(b.nextBeta(ctx(d0.beta, 1), s1), d1);
  // A fresh schedule without the state would estimate log Z anew and differ.
  assert.notDeepEqual(createKlIncreaseSchedule(o).nextBeta(ctx(d0.beta, 1), s1).info, d1.info);
  // Never past the target.
  const last = a.nextBeta(ctx(target - 1e-4, 9), gaussianSamples(1 / (target * k), 500, 6));
  assert.equal(last.beta, target);
});

test('the plugin schema rejects δ ≤ 0 and a shrink factor outside (0, 1)', () => {
  const props = (klIncreasePlugin.optionsSchema as any).properties;
  assert.equal(props.delta.exclusiveMinimum, 0);
  assert.equal(props.shrink.exclusiveMinimum, 0);
  assert.equal(props.shrink.exclusiveMaximum, 1);
  assert.equal(props.shrink.default, 0.6);
});

test("a carried log Ẑ that makes the KL estimate negative is replaced by the level's own estimate", () => {
  const rng = createRng(42);
  const M = 2000;
  const energies = new Float64Array(M),
    logQ = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    // q = N(0, 1.3²) against p = N(0, 1): a real mismatch, so the true KL is clearly positive.
    const x = 1.3 * rng.normal();
    energies[i] = 0.5 * x * x;
    logQ[i] = -0.5 * (x / 1.3) ** 2 - Math.log(1.3) - 0.5 * Math.log(2 * Math.PI);
  }
  const opts = { maxStep: 0.05, minStep: 0.001, delta: 0.1, shrink: 0.6 };
  const fresh = klIncreaseStep(1, { energies, logQ }, undefined, opts);
  const drifted = klIncreaseStep(1, { energies, logQ }, fresh.logZ - fresh.deltaLogZ - 5, opts);
  assert.ok(drifted.kl >= 0, `KL estimate must not be negative, got ${drifted.kl}`);
  assert.equal(drifted.kl, fresh.kl);
  assert.equal(drifted.deltaBeta, fresh.deltaBeta);
});
