import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from './random.js';
import { essFraction, logSumExp } from './stats.js';
import { fitGeneralizedPareto, paretoSmooth } from './psis.js';

test('the generalised Pareto fit recovers the shape and scale of exact GPD draws', () => {
  const rng = createRng(4);
  for (const [k, sigma] of [
    [0.5, 2],
    [0.2, 0.3],
    [0.9, 1],
  ] as const) {
    const x = Float64Array.from(
      { length: 8000 },
      () => (sigma * Math.expm1(-k * Math.log1p(-rng.uniform()))) / k,
    ).sort();
    const fit = fitGeneralizedPareto(x);
    assert.ok(Math.abs(fit.k - k) < 0.06, `k ${fit.k} vs ${k}`);
    assert.ok(Math.abs(fit.sigma / sigma - 1) < 0.08, `σ ${fit.sigma} vs ${sigma}`);
  }
  assert.throws(() => fitGeneralizedPareto([1, 2, 3]), /at least 5/);
});

test('k̂ of Pareto-tailed weights is the tail index: w = U^(−1/α) has k = 1/α', () => {
  const rng = createRng(9);
  for (const alpha of [4, 2, 1.25]) {
    const lw = Float64Array.from({ length: 20000 }, () => -Math.log(rng.uniform()) / alpha);
    const { khat, tailLength } = paretoSmooth(lw);
    assert.equal(tailLength, Math.ceil(3 * Math.sqrt(20000)));
    assert.ok(Math.abs(khat - 1 / alpha) < 0.1, `α = ${alpha}: k̂ ${khat} vs ${1 / alpha}`);
  }
});

test('smoothed weights are normalised, keep the order and zero weights, never exceed the largest raw weight, and NaN is an error', () => {
  const rng = createRng(2);
  const lw = Float64Array.from({ length: 3000 }, () => 2 * rng.uniform() ** -0.8);
  lw[17] = -Infinity;
  const { logWeights: s } = paretoSmooth(lw);
  assert.ok(Math.abs(logSumExp(s)) < 1e-12, `Σ w = ${Math.exp(logSumExp(s))}`);
  assert.equal(s[17], -Infinity);
  const rawMax = Math.max(...Array.from(lw).filter(Number.isFinite));
  const order = Array.from(lw.keys())
    .filter((i) => i !== 17)
    .sort((a, b) => lw[a]! - lw[b]!);
  for (let r = 1; r < order.length; r++)
    assert.ok(s[order[r]!]! >= s[order[r - 1]!]! - 1e-12, 'smoothing keeps the order of the weights');
  // The largest smoothed weight is capped at the largest raw one; the weights below the tail keep their values.
  const smallest = (v: ArrayLike<number>) => Math.min(...Array.from(v).filter(Number.isFinite));
  assert.ok(
    Math.max(...s) - smallest(s) <= rawMax - smallest(lw) + 1e-9,
    'the largest smoothed weight, relative to the smallest, does not outgrow the raw one',
  );
  assert.throws(() => paretoSmooth([0, NaN, 1]), /log weight 1 is NaN/);
  assert.throws(() => paretoSmooth([-Infinity, -Infinity]), /every log weight/);
  const few = paretoSmooth([0.1, 0.3, -1]);
  assert.equal(few.khat, Infinity, 'too few weights for a tail fit');
  const equal = paretoSmooth(new Float64Array(1000).fill(-3));
  assert.equal(equal.khat, 0, 'equal weights have no tail');
  assert.ok(
    equal.logWeights.every((v) => Math.abs(v + Math.log(1000)) < 1e-12),
    'equal weights stay equal',
  );
});

test('PSIS lowers the error of a self-normalised estimate with heavy-tailed weights (q = N(0,1), p = N(0,1.5²), E_p x² = 2.25)', (t) => {
  // Gaussian scale mismatch gives k = 1 − σ_q²/σ_p² = 0.556: the raw estimator's variance is
  // infinite, and PSIS should beat it clearly over many replicates while staying nearly unbiased.
  const rng = createRng(13);
  const sp2 = 2.25,
    reps = 300,
    n = 2000;
  let seRaw = 0,
    seSmooth = 0,
    kSum = 0,
    biasSmooth = 0,
    biasRaw = 0;
  for (let r = 0; r < reps; r++) {
    const x = new Float64Array(n);
    rng.fillNormal(x);
    const lw = x.map((v) => 0.5 * v * v - (0.5 * v * v) / sp2);
    const lse = logSumExp(lw);
    let raw = 0,
      sm = 0;
    const { logWeights, khat } = paretoSmooth(lw);
    for (let i = 0; i < n; i++) {
      raw += Math.exp(lw[i]! - lse) * x[i]! ** 2;
      sm += Math.exp(logWeights[i]!) * x[i]! ** 2;
    }
    seRaw += (raw - sp2) ** 2;
    seSmooth += (sm - sp2) ** 2;
    biasSmooth += sm - sp2;
    biasRaw += raw - sp2;
    kSum += khat;
  }
  const rmseRaw = Math.sqrt(seRaw / reps),
    rmseSmooth = Math.sqrt(seSmooth / reps);
  assert.ok(Math.abs(kSum / reps - 0.556) < 0.1, `mean k̂ ${kSum / reps} vs 0.556`);
  assert.ok(rmseSmooth < 0.9 * rmseRaw, `RMSE PSIS ${rmseSmooth} vs raw ${rmseRaw}`);
  t.diagnostic(
    `RMSE raw ${rmseRaw.toFixed(3)}, PSIS ${rmseSmooth.toFixed(3)}; bias raw ${(biasRaw / reps).toFixed(3)}, PSIS ${(biasSmooth / reps).toFixed(3)}; mean k̂ ${(kSum / reps).toFixed(3)}`,
  );
  // PSIS trades a little bias (the tail is shrunk towards its fit) for much less variance.
  assert.ok(Math.abs(biasSmooth / reps) < 0.1 * sp2, `PSIS bias ${biasSmooth / reps}`);
});

test('the ESS of Pareto-smoothed weights does not collapse from draw to draw as the Kish ESS does (k = 0.64)', () => {
  // q = N(0,1), p = N(0,1.67²): k = 1 − 1/2.78 = 0.64, the tetrapeptide flow's k̂. E_q[w²] is
  // infinite above k = 0.5, so a draw's Kish ESS is set by its largest weight: most draws agree,
  // and now and then one holds a weight that takes a large share of the mass.
  const rng = createRng(17);
  const sp2 = 2.78,
    n = 20000;
  const raw: number[] = [];
  const smoothed: number[] = [];
  for (let r = 0; r < 30; r++) {
    const x = new Float64Array(n);
    rng.fillNormal(x);
    const lw = x.map((v) => 0.5 * v * v - (0.5 * v * v) / sp2);
    raw.push(essFraction(lw));
    smoothed.push(essFraction(paretoSmooth(lw).logWeights));
  }
  const sorted = (v: number[]) => [...v].sort((a, b) => a - b);
  const [r, s] = [sorted(raw), sorted(smoothed)];
  // The medians agree; the worst draws do not.
  assert.ok(Math.abs(Math.log(s[15]! / r[15]!)) < 0.3, `median ESS: smoothed ${s[15]}, raw ${r[15]}`);
  assert.ok(s[0]! > 3 * r[0]!, `smallest ESS of 30 draws: smoothed ${s[0]}, raw ${r[0]}`);
});
