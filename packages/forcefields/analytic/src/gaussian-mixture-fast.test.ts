import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '@embedcg/core';
import {
  createGaussianMixtureFast,
  gaussianMixtureParameters,
  GMM_STD,
  nearestCentre,
  type GaussianMixtureParameters,
} from './gaussian-mixture-fast.js';
import { logSumExp } from './numerics.js';
import {
  assertBadInputHandled,
  assertBatchInvariant,
  assertForcesMatchFiniteDifferences,
  binomialZ,
} from './testing.test.util.js';

const ff = createGaussianMixtureFast();
const ref = ff.reference;
const D = 20;

/**
 * Independent log p: the model is an equal mixture of three 20-D Gaussians with mean [μ; Bμ] and
 * covariance σ²[[I, Bᵀ], [B, BBᵀ + I]]; evaluate each by a Cholesky factorisation.
 */
function jointLogDensity(params: GaussianMixtureParameters, x: ArrayLike<number>): number {
  const s2 = GMM_STD ** 2;
  const B = (j: number, i: number) => params.B[j * 10 + i]!;
  const cov = Array.from({ length: D }, (_, r) =>
    Array.from({ length: D }, (_, c) => {
      if (r < 10 && c < 10) return r === c ? s2 : 0;
      if (r >= 10 && c < 10) return s2 * B(r - 10, c);
      if (r < 10 && c >= 10) return s2 * B(c - 10, r);
      let v = r === c ? 1 : 0;
      for (let k = 0; k < 10; k++) v += B(r - 10, k) * B(c - 10, k);
      return s2 * v;
    }),
  );
  const L = cov.map(() => new Array<number>(D).fill(0));
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let s = cov[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      L[i]![j] = i === j ? Math.sqrt(s) : s / L[j]![j]!;
    }
  }
  const logDet = 2 * L.reduce((t, row, i) => t + Math.log(row[i]!), 0);
  const terms = [0, 1, 2].map((m) => {
    const mu = Array.from({ length: D }, (_, r) => {
      const c = (i: number) => params.centres[m * 10 + i]!;
      if (r < 10) return c(r);
      let v = 0;
      for (let k = 0; k < 10; k++) v += B(r - 10, k) * c(k);
      return v;
    });
    // Solve L y = x − μ; the quadratic form is |y|².
    const y = new Array<number>(D).fill(0);
    for (let i = 0; i < D; i++) {
      let s = x[i]! - mu[i]!;
      for (let k = 0; k < i; k++) s -= L[i]![k]! * y[k]!;
      y[i] = s / L[i]![i]!;
    }
    const q = y.reduce((t, v) => t + v * v, 0);
    return Math.log(1 / 3) - 0.5 * (D * Math.log(2 * Math.PI) + logDet + q);
  });
  return logSumExp(terms);
}

function testPoints(): Float64Array {
  const rng = createRng(31);
  const samples = ref.sample!(1, 6, () => rng.uniform());
  const c = ref.parameters.centres;
  const pts = new Float64Array(10 * D);
  pts.set(samples);
  // Between modes, where the responsibilities are not 0/1 (the log-sum-exp gradient matters).
  for (const [r, [a, b, t]] of [
    [6, [0, 1, 0.5]],
    [7, [1, 2, 0.48]],
    [8, [0, 2, 0.53]],
  ] as const) {
    for (let i = 0; i < 10; i++) pts[r * D + i] = (1 - t) * c[a * 10 + i]! + t * c[b * 10 + i]! + 0.01 * rng.normal();
    for (let j = 0; j < 10; j++) pts[r * D + 10 + j] = rng.normal();
  }
  for (let k = 0; k < D; k++) pts[9 * D + k] = 2 * rng.normal();
  return pts;
}

test('GMM: parameters are fixed by the seed, centres in [−1, 1]¹⁰', () => {
  const a = gaussianMixtureParameters(0);
  const b = gaussianMixtureParameters(0);
  const c = gaussianMixtureParameters(1);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.centres, c.centres);
  assert.equal(a.centres.length, 30);
  assert.equal(a.B.length, 100);
  assert.ok(a.centres.every((v) => v >= -1 && v < 1));
  assert.deepEqual(ref.parameters, a);
});

test('GMM: U = −log p against an independent 20-D joint-Gaussian computation (so log Z(1) = 0)', () => {
  const pts = testPoints();
  const e = (ff.evaluate(pts, 10, { energiesOnly: true }) as { energies: Float64Array }).energies;
  for (let i = 0; i < 10; i++) {
    const lp = jointLogDensity(ref.parameters, pts.subarray(i * D, (i + 1) * D));
    assert.ok(
      Math.abs(e[i]! + lp) < 1e-9 * Math.max(1, Math.abs(lp)),
      `configuration ${i}: U ${e[i]} vs −log p ${-lp}`,
    );
    assert.ok(Math.abs(ref.negLogDensity(pts.subarray(i * D, (i + 1) * D)) - e[i]!) < 1e-12);
  }
  assert.equal(ref.logZ(1), 0);
  assert.ok(ref.logZDetails(1).exact);
});

test('GMM: forces are −∇U (finite differences, also between modes), batch-invariant, bad input refused', async () => {
  const pts = testPoints();
  await assertForcesMatchFiniteDifferences(ff, pts);
  await assertBatchInvariant(ff, pts);
  await assertBadInputHandled(ff);
});

test('GMM: exact sampler puts 1/3 in each mode, and x_X − B x_z has std σ/√β', () => {
  const rng = createRng(77);
  for (const beta of [1, 0.05]) {
    const n = 9000;
    const x = ref.sample!(beta, n, () => rng.uniform());
    const basins = ref.basins!(beta);
    const counts = [0, 0, 0];
    let r2 = 0;
    for (let s = 0; s < n; s++) {
      const row = x.subarray(s * D, (s + 1) * D);
      const k = basins.findIndex((b) => b.contains(row));
      assert.equal(k, nearestCentre(row, ref.parameters.centres));
      counts[k] = counts[k]! + 1;
      for (let j = 0; j < 10; j++) {
        let bz = 0;
        for (let i = 0; i < 10; i++) bz += ref.parameters.B[j * 10 + i]! * row[i]!;
        r2 += (row[10 + j]! - bz) ** 2;
      }
    }
    basins.forEach((b, k) =>
      assert.ok(
        Math.abs(binomialZ(counts[k]!, n, b.mass)) < 4.5,
        `β = ${beta}, ${b.name}: ${counts[k]! / n} vs ${b.mass}`,
      ),
    );
    if (beta === 1) basins.forEach((b) => assert.ok(Math.abs(b.mass - 1 / 3) < 1e-12));
    const v = r2 / (10 * n);
    assert.ok(Math.abs((v * beta) / GMM_STD ** 2 - 1) < 4.5 * Math.sqrt(2 / (10 * n)));
  }
});

test('GMM: log Z(β) agrees with thermodynamic integration, d log Z/dβ = −E_β[U]', () => {
  // Separated modes (β ≥ 1): E_β[U] = log 3 + 10/β + 10 log(2πσ²) exactly up to e⁻⁵⁰-size overlap,
  // so log Z(2) − log Z(1) = −log 3 − 10 log 2 − 10 log(2πσ²).
  const expected2 = -Math.log(3) - 10 * Math.log(2) - 10 * Math.log(2 * Math.PI * GMM_STD ** 2);
  assert.ok(Math.abs(ref.logZ(2) - expected2) < 1e-10, `${ref.logZ(2)} vs ${expected2}`);
  // Overlapping tempered modes (β = 0.05): Monte Carlo TI over log β with the exact sampler.
  const rng = createRng(5);
  const K = 12;
  const lb0 = Math.log(0.05);
  let I = 0;
  let V = 0;
  for (let i = 0; i <= K; i++) {
    const beta = Math.exp(lb0 * (1 - i / K));
    const n = 3000;
    const x = ref.sample!(beta, n, () => rng.uniform());
    const e = (ff.evaluate(x, n, { energiesOnly: true }) as { energies: Float64Array }).energies;
    let s = 0;
    let s2 = 0;
    for (const v of e) {
      s += beta * v;
      s2 += (beta * v) ** 2;
    }
    const w = i === 0 || i === K ? 1 : i % 2 ? 4 : 2;
    I += (w * s) / n;
    V += (w * w * (s2 / n - (s / n) ** 2)) / n;
  }
  const h = -lb0 / K;
  const ti = (I * h) / 3; // log Z(0.05) − log Z(1), with log Z(1) = 0
  const se = (Math.sqrt(V) * h) / 3;
  const d = ref.logZDetails(0.05);
  assert.ok(!d.exact && d.standardError < 1e-3);
  assert.ok(Math.abs(d.logZ - ti) < 4.5 * se + 0.01, `importance estimate ${d.logZ} vs TI ${ti} ± ${se}`);
});
