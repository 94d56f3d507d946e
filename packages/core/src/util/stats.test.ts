import { test } from 'node:test';
import assert from 'node:assert/strict';
import { essFraction, logMeanExp, logSumExp, normalizedWeights, ranks, spearman } from './stats.js';

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('logSumExp equals log Σ exp computed directly, and stays finite where the direct sum overflows', () => {
  const v = [0.3, -1.2, 2.5, 0, 1e-3];
  close(logSumExp(v), Math.log(v.reduce((s, x) => s + Math.exp(x), 0)), 1e-14, 'moderate values');
  // Shift invariance: lse(v + c) = lse(v) + c, for c where exp(v + c) over/underflows.
  for (const c of [1000, -1000, 700, -745])
    close(logSumExp(v.map((x) => x + c)), logSumExp(v) + c, 1e-14, `shift ${c}`);
  close(logSumExp([1000, 1000]), 1000 + Math.log(2), 1e-15, 'two equal huge values');
  close(logSumExp([-1e300, 0]), 0, 0, 'one value negligible');
  assert.equal(logSumExp([-Infinity, 0.5]), 0.5, '-Infinity contributes zero weight');
  assert.equal(logSumExp([-Infinity, -Infinity]), -Infinity);
  assert.equal(logSumExp([]), -Infinity);
  assert.equal(logSumExp([Infinity, 1]), Infinity);
  assert.ok(Number.isNaN(logSumExp([NaN, 1])), 'NaN must propagate, not vanish');
  close(logMeanExp([1000, 1000, 1000]), 1000, 1e-15, 'logMeanExp of equal values');
});

test('normalised weights and Kish ESS match the direct formulas, including extreme log weights', () => {
  const lw = [0.1, -0.7, 1.9, 0.4, -2.2, 1.1];
  const w = lw.map(Math.exp);
  const sw = w.reduce((a, b) => a + b, 0);
  const sw2 = w.reduce((a, b) => a + b * b, 0);
  const W = normalizedWeights(lw);
  lw.forEach((_, i) => close(W[i]!, w[i]! / sw, 1e-14, `W[${i}]`));
  close(essFraction(lw), (sw * sw) / (lw.length * sw2), 1e-14, 'ESS');
  // Weights that would overflow exp directly: the same ratios, so the same ESS.
  close(essFraction(lw.map((x) => x + 5000)), essFraction(lw), 1e-10, 'ESS shifted by +5000');
  close(essFraction(lw.map((x) => x - 5000)), essFraction(lw), 1e-10, 'ESS shifted by -5000');
  close(essFraction([3, 3, 3, 3]), 1, 1e-14, 'equal weights: ESS = N');
  close(essFraction([0, -1e4, -1e4, -1e4]), 0.25, 1e-12, 'one dominant weight: ESS = 1');
  // A sample with zero weight (infinite energy) still counts in N.
  close(essFraction([0, 0, -Infinity, -Infinity]), 0.5, 1e-15, 'zero weights count in N');
  assert.equal(essFraction([]), 0);
  assert.equal(essFraction([-Infinity, -Infinity]), 0);
});

/** Ranks by counting: (#smaller) + (#equal + 1)/2, the definition of average ranks. */
function directRanks(v: number[]): number[] {
  return v.map((x) => v.filter((y) => y < x).length + (v.filter((y) => y === x).length + 1) / 2);
}
function directPearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n,
    mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

test('ranks and Spearman agree with a direct computation, with ties', () => {
  const a = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
  const b = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4];
  assert.deepEqual(Array.from(ranks(a)), directRanks(a));
  assert.deepEqual(Array.from(ranks(b)), directRanks(b));
  close(spearman(a, b), directPearson(directRanks(a), directRanks(b)), 1e-14, 'spearman with ties');
  // Rank statistics ignore monotone transforms, even extreme ones.
  const x = [0.5, -3, 2, 7, 1e-9, -1e9, 42];
  assert.equal(
    spearman(
      x,
      x.map((t) => Math.exp(t / 10) * 1e300),
    ),
    1,
  );
  assert.equal(
    spearman(
      x,
      x.map((t) => -(t ** 3)),
    ),
    -1,
  );
  assert.equal(spearman([1, 2, 3], [5, 5, 5]), 0, 'a constant has no rank correlation');
});
