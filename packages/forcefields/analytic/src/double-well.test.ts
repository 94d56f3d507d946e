import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '@embedcg/core';
import {
  createDoubleWell,
  doubleWellStationaryPoints,
  doubleWellX1Derivative,
  doubleWellX1Potential,
  doubleWellX1Quadrature,
} from './double-well.js';
import {
  assertBadInputHandled,
  assertBatchInvariant,
  assertForcesMatchFiniteDifferences,
  binomialZ,
} from './testing.test.util.js';

/** Independent brute force: trapezoid over a fixed wide range (spectrally accurate for this integrand). */
function bruteForceLogZ(beta: number, lo: number, hi: number, n: number): { logZ: number; minor: number } {
  const h = (hi - lo) / (n - 1);
  const barrier = doubleWellStationaryPoints().barrier;
  let total = 0;
  let minor = 0;
  for (let i = 0; i < n; i++) {
    const x = lo + i * h;
    const w = (i === 0 || i === n - 1 ? 0.5 : 1) * Math.exp(-beta * doubleWellX1Potential(x));
    total += w;
    if (x > barrier) minor += w;
  }
  return { logZ: Math.log(total * h) + 0.5 * Math.log((2 * Math.PI) / beta), minor: minor / total };
}

test('double well: log Z(1) = 12.0649 and minor mass 0.00835 (the published numbers)', () => {
  const ref = createDoubleWell().reference;
  assert.equal(ref.logZ(1).toFixed(4), '12.0649');
  const [major, minor] = ref.basins!(1);
  assert.equal(minor!.name, 'minor');
  assert.equal(minor!.mass.toFixed(5), '0.00835');
  assert.ok(Math.abs(major!.mass + minor!.mass - 1) < 1e-14);
});

test('double well: quadrature agrees with an independent brute force to 1e-8, at several β', () => {
  const ref = createDoubleWell().reference;
  // β = 0.05 needs a range far wider than [−8, 8]: the adaptive range must find it.
  for (const [beta, lo, hi] of [
    [1, -8, 8],
    [0.05, -20, 20],
    [4, -6, 6],
  ] as const) {
    const bf = bruteForceLogZ(beta, lo, hi, 400001);
    assert.ok(Math.abs(ref.logZ(beta) - bf.logZ) < 1e-8, `β = ${beta}: ${ref.logZ(beta)} vs brute force ${bf.logZ}`);
  }
  // The minor mass converges at O(h²) in the brute force (the split point is not a node there).
  const bf1 = bruteForceLogZ(1, -8, 8, 1600001);
  assert.ok(Math.abs(ref.basins!(1)[1]!.mass - bf1.minor) < 1e-8);
});

test('double well: quadrature is converged in the number of points', () => {
  for (const beta of [0.01, 1, 20]) {
    const a = doubleWellX1Quadrature(beta, 2001);
    const b = doubleWellX1Quadrature(beta, 20001);
    const c = doubleWellX1Quadrature(beta, 200001);
    assert.ok(Math.abs(b.logZ1 - c.logZ1) < 1e-12, `β = ${beta}: ${b.logZ1} vs ${c.logZ1}`);
    assert.ok(Math.abs(a.logZ1 - c.logZ1) < 1e-8);
    assert.ok(Math.abs(b.minorMass - c.minorMass) < 1e-12);
  }
});

test('double well: stationary points are the roots of x³ − 6x + 1, barrier ≈ 0.1674', () => {
  const { left, barrier, right } = doubleWellStationaryPoints();
  for (const x of [left, barrier, right]) assert.ok(Math.abs(doubleWellX1Derivative(x)) < 1e-12);
  assert.equal(barrier.toFixed(4), '0.1674');
  assert.ok(left < barrier && barrier < right);
  assert.ok(doubleWellX1Potential(left) < doubleWellX1Potential(right), 'the left well is the deeper one');
  assert.ok(doubleWellX1Potential(barrier) > doubleWellX1Potential(right));
});

test('double well: the marginal density integrates to 1 and matches exp(−βU1)', () => {
  const ref = createDoubleWell().reference;
  for (const beta of [0.2, 1]) {
    const n = 200001;
    const grid = Float64Array.from({ length: n }, (_, i) => -12 + (24 * i) / (n - 1));
    const p = ref.marginal(beta, grid);
    let s = 0;
    for (let i = 0; i < n; i++) s += (i === 0 || i === n - 1 ? 0.5 : 1) * p[i]!;
    assert.ok(Math.abs(s * (24 / (n - 1)) - 1) < 1e-9);
    const ratio = p[83000]! / p[113000]!;
    const expected = Math.exp(-beta * (doubleWellX1Potential(grid[83000]!) - doubleWellX1Potential(grid[113000]!)));
    assert.ok(Math.abs(ratio / expected - 1) < 1e-12);
  }
});

test('double well: exact sampler reproduces basin masses, the x1 CDF and Var(x2) = 1/β', () => {
  const ref = createDoubleWell().reference;
  const rng = createRng(42);
  for (const beta of [1, 0.3]) {
    const n = 40000;
    const x = ref.sample!(beta, n, () => rng.uniform());
    const minorMass = ref.basins!(beta)[1]!.mass;
    let minor = 0;
    let below = 0;
    let v2 = 0;
    for (let i = 0; i < n; i++) {
      if (x[2 * i]! > ref.barrier) minor++;
      if (x[2 * i]! < -2.5) below++;
      v2 += x[2 * i + 1]! ** 2;
    }
    assert.ok(
      Math.abs(binomialZ(minor, n, minorMass)) < 4.5,
      `β = ${beta}: minor fraction ${minor / n} vs ${minorMass}`,
    );
    // P(x1 < −2.5) from the marginal, by a fine trapezoid.
    const grid = Float64Array.from({ length: 100001 }, (_, i) => -12 + (9.5 * i) / 100000);
    const p = ref.marginal(beta, grid);
    let cdf = 0;
    for (let i = 1; i < grid.length; i++) cdf += 0.5 * (p[i]! + p[i - 1]!) * (grid[i]! - grid[i - 1]!);
    assert.ok(Math.abs(binomialZ(below, n, cdf)) < 4.5, `β = ${beta}: P(x1 < −2.5) ${below / n} vs ${cdf}`);
    // Var of a Gaussian sample: relative standard error √(2/n).
    assert.ok(Math.abs((v2 / n) * beta - 1) < 4.5 * Math.sqrt(2 / n));
  }
});

test('double well: forces are −∇U (finite differences), batch-invariant, bad input refused', async () => {
  const ff = createDoubleWell();
  const rng = createRng(3);
  const pts = Float64Array.from({ length: 2 * 12 }, () => 6 * rng.uniform() - 3);
  await assertForcesMatchFiniteDifferences(ff, pts);
  await assertBatchInvariant(ff, pts);
  await assertBadInputHandled(ff);
  const e = ff.evaluate(Float64Array.from([1.5, -0.5]), 1) as { energies: Float64Array };
  assert.equal(e.energies[0], 1.5 ** 4 / 4 - 3 * 1.5 ** 2 + 1.5 + 0.125);
  assert.equal(ff.reference.slowCoordinate, 0);
});
