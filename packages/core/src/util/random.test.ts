import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, type Rng } from './random.js';

/** A mixed sequence of every kind of draw, so a state round trip is checked for all of them. */
function drawMix(rng: Rng, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(rng.uniform(), rng.normal(), rng.int(17));
    out.push(...rng.fillNormal(new Float64Array(3)));
  }
  return out;
}

test('the same seed gives the same stream; different seeds give different streams', () => {
  assert.deepEqual(drawMix(createRng(42), 50), drawMix(createRng(42), 50));
  const a = drawMix(createRng(42), 5),
    b = drawMix(createRng(43), 5);
  assert.notDeepEqual(a, b);
});

test('getState/setState resumes the exact stream, also in a generator made with another seed', () => {
  const rng = createRng(7);
  drawMix(rng, 13);
  const saved = JSON.parse(JSON.stringify(rng.getState())) as number[]; // as a checkpoint stores it
  const expected = drawMix(rng, 40);
  rng.setState(saved);
  assert.deepEqual(drawMix(rng, 40), expected);
  const other = createRng(999);
  other.setState(saved);
  assert.deepEqual(drawMix(other, 40), expected);
  assert.throws(() => rng.setState([0, 0, 0, 0]), /invalid RNG state/);
  assert.throws(() => rng.setState([1, 2, 3]), /invalid RNG state/);
});

test('uniform, normal and fillNormal have the right moments; int covers its range evenly', () => {
  const rng = createRng(2024);
  const n = 200_000;
  const moments = (xs: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < xs.length; i++) m += xs[i]!;
    m /= xs.length;
    let v = 0,
      s = 0,
      k = 0;
    for (let i = 0; i < xs.length; i++) {
      const d = xs[i]! - m;
      v += d * d;
      s += d * d * d;
      k += d * d * d * d;
    }
    v /= xs.length;
    return { mean: m, variance: v, skew: s / xs.length / v ** 1.5, kurtosis: k / xs.length / (v * v) };
  };
  const se = 1 / Math.sqrt(n);
  for (const [name, xs] of [
    ['normal', Float64Array.from({ length: n }, () => rng.normal())],
    ['fillNormal', rng.fillNormal(new Float64Array(n + 1))], // odd length: the last pair is cut
  ] as const) {
    const m = moments(xs);
    // Standard errors: mean 1/√n, variance √2/√n, skewness √6/√n, kurtosis √24/√n; allow 5 of them.
    assert.ok(Math.abs(m.mean) < 5 * se, `${name} mean ${m.mean}`);
    assert.ok(Math.abs(m.variance - 1) < 5 * Math.SQRT2 * se, `${name} variance ${m.variance}`);
    assert.ok(Math.abs(m.skew) < 5 * Math.sqrt(6) * se, `${name} skewness ${m.skew}`);
    assert.ok(Math.abs(m.kurtosis - 3) < 5 * Math.sqrt(24) * se, `${name} kurtosis ${m.kurtosis}`);
  }
  const u = Float64Array.from({ length: n }, () => rng.uniform());
  assert.ok(u.every((x) => x >= 0 && x < 1));
  const mu = moments(u);
  assert.ok(Math.abs(mu.mean - 0.5) < 5 * Math.sqrt(1 / 12) * se, `uniform mean ${mu.mean}`);
  assert.ok(Math.abs(mu.variance - 1 / 12) < 0.002, `uniform variance ${mu.variance}`);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < n; i++) counts[rng.int(10)]++;
  const chi2 = counts.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
  assert.ok(chi2 < 30, `int(10) χ² = ${chi2} with 9 degrees of freedom (p < 1e-3 above 27.9)`);
});

test('the generator is xoshiro128** word for word: its reference code in 32-bit unsigned arithmetic', () => {
  // The reference (Blackman & Vigna), with BigInt words so that nothing relies on JS int32 tricks.
  const M = (1n << 32n) - 1n;
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  const s = [0x9e3779b9n, 0x243f6a88n, 0xb7e15162n, 0xdeadbeefn];
  const next = () => {
    const result = (rotl((s[1]! * 5n) & M, 7n) * 9n) & M;
    const t = (s[1]! << 9n) & M;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11n);
    return Number(result);
  };
  const rng = createRng(1);
  rng.setState(s.map(Number));
  for (let i = 0; i < 2000; i++) {
    const expected = next() * 2 ** -32 + (next() >>> 11) * 2 ** -53;
    assert.equal(rng.uniform(), expected, `draw ${i}`);
  }
  assert.deepEqual(rng.getState(), s.map(Number));
});
