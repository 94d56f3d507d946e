import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../util/random.js';
import { angleBin, jensenShannon, klDivergence, ramachandranHistogram } from './divergence.js';
import { wasserstein1 } from './wasserstein.js';
import { bootstrapInterval, resampleIndices } from './bootstrap.js';
import { crossValidate, logisticQuadratic, nearestNeighbours } from './classifier.js';

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('angle bins: 64 bins over [−π, π), π wraps to the first bin', () => {
  assert.equal(angleBin(-Math.PI, 64), 0);
  assert.equal(angleBin(Math.PI, 64), 0);
  assert.equal(angleBin(0, 64), 32);
  assert.equal(angleBin(Math.PI - 1e-9, 64), 63);
});

test('KL and JS: zero for identical sets, ln 2 (JS) for disjoint ones, exact for two bins', () => {
  const rng = createRng(1);
  const phi = Float64Array.from({ length: 5000 }, () => (rng.uniform() * 2 - 1) * Math.PI);
  const psi = Float64Array.from({ length: 5000 }, () => (rng.uniform() * 2 - 1) * Math.PI);
  const h = ramachandranHistogram(phi, psi);
  close(
    h.reduce((a, b) => a + b, 0),
    1,
    1e-12,
    'normalised',
  );
  assert.equal(klDivergence(h, h), 0);
  assert.equal(jensenShannon(h, h), 0);
  const a = ramachandranHistogram([-2], [-2]),
    b = ramachandranHistogram([2], [2]);
  close(jensenShannon(a, b), Math.LN2, 1e-6, 'JS of disjoint');
  // p = (0.5, 0.5), q = (0.9, 0.1) on a 1×2 grid: KL = 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1).
  close(klDivergence([0.5, 0.5], [0.9, 0.1], 0), 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(5), 1e-15, 'KL two bins');
  // Reweighting equals duplication: weights (1, 3) on two points = the points with counts 1 and 3.
  const hw = ramachandranHistogram([-1, 1], [0, 0], [1, 3]);
  const hd = ramachandranHistogram([-1, 1, 1, 1], [0, 0, 0, 0]);
  assert.deepEqual(Array.from(hw), Array.from(hd));
});

test('W1: a shift by c gives c; weights act like counts', () => {
  const rng = createRng(2);
  const a = Float64Array.from({ length: 3000 }, () => rng.normal());
  const b = Float64Array.from(a, (v) => v + 0.7);
  close(wasserstein1(a, b), 0.7, 1e-9, 'shift');
  assert.equal(wasserstein1(a, a), 0);
  close(wasserstein1([0, 1], [0, 1, 1, 1]), 0.25, 1e-15, 'counts');
  close(wasserstein1([0, 1], [0, 1], [1, 3]), 0.25, 1e-15, 'weights');
  close(wasserstein1([0, Infinity, 2], [1]), 1, 1e-15, 'non-finite values left out');
});

test('bootstrap: contiguous resampled blocks, percentile intervals', () => {
  const rng = createRng(3);
  const idx = resampleIndices(100, rng, 10);
  assert.equal(idx.length, 100);
  assert.ok(idx.every((i) => i >= 0 && i < 100));
  for (let k = 0; k < 100; k += 10)
    for (let j = 1; j < 10; j++) assert.equal(idx[k + j], idx[k]! + j, 'contiguous blocks');
  const [lo, hi] = bootstrapInterval(Float64Array.from({ length: 1001 }, (_, i) => i));
  close(lo, 25, 1e-12, 'lower');
  close(hi, 975, 1e-12, 'upper');
});

test('classifiers: accuracy 1 on separable data (also ring-shaped), chance on noise', () => {
  const rng = createRng(4);
  const n = 2000;
  const z = new Float64Array(2 * n),
    lin = new Uint8Array(n),
    ring = new Uint8Array(n),
    noise = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // Uniform in a box: a test set inside the training set's range (no extrapolation).
    const x = 4 * rng.uniform() - 2,
      y = 4 * rng.uniform() - 2;
    z[2 * i] = x;
    z[2 * i + 1] = y;
    lin[i] = x + 0.5 * y > 0.3 ? 1 : 0;
    ring[i] = Math.hypot(x, y) > 1.2 ? 1 : 0;
    noise[i] = rng.uniform() < 0.5 ? 1 : 0;
  }
  // Leave a margin so that a finite training set can find a separating boundary exactly.
  const keep = (lab: Uint8Array, margin: (i: number) => boolean) => {
    const idx = Array.from({ length: n }, (_, i) => i).filter(margin);
    return {
      z: Float64Array.from(idx.flatMap((i) => [z[2 * i]!, z[2 * i + 1]!])),
      y: Uint8Array.from(idx, (i) => lab[i]!),
    };
  };
  const l = keep(lin, (i) => Math.abs(z[2 * i]! + 0.5 * z[2 * i + 1]! - 0.3) > 0.3);
  const r = keep(ring, (i) => Math.abs(Math.hypot(z[2 * i]!, z[2 * i + 1]!) - 1.2) > 0.25);
  for (const clf of [logisticQuadratic, nearestNeighbours(5)]) {
    assert.equal(crossValidate(l.z, l.y, 2, clf).accuracy, 1);
    assert.equal(crossValidate(r.z, r.y, 2, clf).balancedAccuracy, 1);
    const c = crossValidate(z, noise, 2, clf);
    assert.ok(Math.abs(c.balancedAccuracy - 0.5) < 0.06, `chance level, got ${c.balancedAccuracy}`);
    // The out-of-fold predictions are the ones scored.
    const hits = [0, 0],
      counts = [0, 0];
    c.predictions.forEach((p, i) => {
      counts[noise[i]!]!++;
      if (p === noise[i]) hits[noise[i]!]!++;
    });
    assert.equal(c.predictions.length, n);
    assert.equal((hits[0]! + hits[1]!) / n, c.accuracy);
    assert.ok(Math.abs((hits[0]! / counts[0]! + hits[1]! / counts[1]!) / 2 - c.balancedAccuracy) < 1e-12);
  }
});

test('logisticQuadratic separates a rare class that borders the common one (undamped Newton steps overshoot there)', () => {
  // φ in the latent's chart with no noise, shaped like the reference: the common class (φ < 0)
  // piles up near −2.3 and reaches both ends of (−π, 0), the rare one (0.5 %) lies just past −π
  // (the β tail) and far out (C7ax/αL). Separable at −π with no margin: full Newton steps left one
  // fold answering "common" everywhere (balanced accuracy 0.73 on 40000 reference frames).
  const rng = createRng(12);
  const n = 40000;
  const z = new Float64Array(2 * n),
    y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let x: number;
    if (i % 200 === 0) x = i % 800 === 0 ? -Math.PI - 0.6 * rng.uniform() : -5.2 + 0.2 * rng.normal();
    else
      do x = -2.3 + 0.6 * rng.normal();
      while (x <= -Math.PI || x >= 0);
    z[2 * i] = x;
    z[2 * i + 1] = 2.5 + 0.4 * rng.normal();
    y[i] = i % 200 === 0 ? 1 : 0;
  }
  const score = crossValidate(z, y, 2, logisticQuadratic);
  assert.equal(score.positives, n / 200);
  assert.ok(score.balancedAccuracy > 0.98, `balanced accuracy ${score.balancedAccuracy}`);
});

test('nearestNeighbours keeps every frame of a rare class that sits in many small places', () => {
  // 0.25 % rare frames in 25 tiny blobs, 3 per blob in each half, among 60000 uniform frames:
  // thinning all frames alike (1 in 8) would leave most blobs without a training frame.
  const rng = createRng(4);
  const half = 30000,
    blobs = 25,
    perBlob = 3;
  const centres = Array.from({ length: blobs }, () => [3.6 * rng.uniform() - 1.8, 3.6 * rng.uniform() - 1.8]);
  const z = new Float64Array(4 * half),
    y = new Uint8Array(2 * half);
  for (let h = 0; h < 2; h++) {
    for (let j = 0; j < half; j++) {
      const i = h * half + j;
      if (j < blobs * perBlob) {
        const c = centres[j % blobs]!;
        z[2 * i] = c[0]! + 0.01 * rng.normal();
        z[2 * i + 1] = c[1]! + 0.01 * rng.normal();
        y[i] = 1;
      } else {
        z[2 * i] = 4 * rng.uniform() - 2;
        z[2 * i + 1] = 4 * rng.uniform() - 2;
      }
    }
  }
  const score = crossValidate(z, y, 2, nearestNeighbours());
  assert.equal(score.positives, 2 * blobs * perBlob);
  // Thinning all frames alike scores about 0.7 here (most blobs lose every training frame).
  assert.ok(score.balancedAccuracy > 0.9, `balanced accuracy ${score.balancedAccuracy}`);
});
