/** Bootstrap bands of free-energy profiles against a distribution whose profile is known exactly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freeEnergyProfile, seededUniform } from './profile.js';

/** n draws of a standard normal (Box–Muller on the seeded generator). */
function normals(n: number, seed: number): Float64Array {
  const u = seededUniform(seed);
  return Float64Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
}

/** Exact −ln of the bin-averaged standard normal density on [b·w + lo, (b+1)·w + lo). */
function exactNegLog(lo: number, width: number, b: number): number {
  const cdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
  return -Math.log((cdf(lo + (b + 1) * width) - cdf(lo + b * width)) / width);
}

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x);
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return s * y;
}

/** Fraction of drawn bins whose band covers the exact profile (on the estimate's own offset), and the mean band width. */
function coverage(n: number, seed: number): { covered: number; width: number; bins: number } {
  const lo = -2.5,
    hi = 2.5,
    nb = 20,
    w = (hi - lo) / nb;
  const p = freeEnergyProfile(normals(n, seed), undefined, lo, hi, nb, { resamples: 200, seed: seed + 1 });
  let covered = 0,
    bins = 0,
    width = 0;
  for (let b = 0; b < nb; b++) {
    if (Number.isNaN(p.F[b]!)) continue;
    const truth = exactNegLog(lo, w, b) - p.offset;
    bins++;
    width += p.upper[b]! - p.lower[b]!;
    if (p.lower[b]! <= truth && truth <= p.upper[b]!) covered++;
  }
  return { covered: covered / bins, width: width / bins, bins };
}

test('freeEnergyProfile: the 95 % bootstrap band covers the exact normal profile and shrinks like 1/√n', () => {
  const small = coverage(2000, 3);
  const large = coverage(8000, 5);
  assert.ok(small.bins >= 16 && large.bins >= 18, `drawn bins ${small.bins}, ${large.bins}`);
  assert.ok(small.covered >= 0.85, `coverage at n = 2000: ${small.covered}`);
  assert.ok(large.covered >= 0.85, `coverage at n = 8000: ${large.covered}`);
  // Four times the samples: half the width (± sampling noise of the bands themselves).
  const ratio = large.width / small.width;
  assert.ok(ratio > 0.4 && ratio < 0.62, `band width ratio ${ratio}`);
});

test('freeEnergyProfile: the same seed gives the same band; no resamples give no band', () => {
  const x = normals(500, 9);
  const a = freeEnergyProfile(x, undefined, -3, 3, 12, { seed: 4 });
  const b = freeEnergyProfile(x, undefined, -3, 3, 12, { seed: 4 });
  assert.deepEqual(Array.from(a.lower), Array.from(b.lower));
  const none = freeEnergyProfile(x, undefined, -3, 3, 12, { resamples: 0 });
  assert.ok(none.lower.every(Number.isNaN));
  assert.throws(() => freeEnergyProfile(x, undefined, -3, 3, 12, { level: 1 }), /level must lie in \(0, 1\)/);
});

test('freeEnergyProfile: moving blocks widen the band of a correlated series to its true uncertainty', () => {
  // 500 independent values, each held for 20 frames: 10,000 frames that carry the information of 500.
  const base = normals(500, 13);
  const frames = Float64Array.from({ length: 10_000 }, (_, i) => base[Math.floor(i / 20)]!);
  const lo = -2.5,
    hi = 2.5,
    nb = 20;
  const width = (p: ReturnType<typeof freeEnergyProfile>) => {
    let s = 0,
      k = 0;
    // The central bins (|x| < 1.5), where every resample keeps samples and the band is finite.
    for (let b = 4; b < nb - 4; b++)
      if (!Number.isNaN(p.F[b]!)) {
        s += p.upper[b]! - p.lower[b]!;
        k++;
      }
    return s / k;
  };
  const iid = freeEnergyProfile(frames, undefined, lo, hi, nb, { seed: 2 });
  const blocks = freeEnergyProfile(frames, undefined, lo, hi, nb, { seed: 2, blockLength: 100 });
  const independent = freeEnergyProfile(base, undefined, lo, hi, nb, { seed: 2 });
  // √20 ≈ 4.5 times wider in truth; the blocks recover most of it, the iid resampling none.
  assert.ok(width(blocks) > 3 * width(iid), `block ${width(blocks)} vs iid ${width(iid)}`);
  assert.ok(
    width(blocks) > 0.6 * width(independent) && width(blocks) < 1.4 * width(independent),
    `block ${width(blocks)} vs 500 independent values ${width(independent)}`,
  );
});
