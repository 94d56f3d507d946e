import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '@embedcg/core';
import {
  erf,
  erfc,
  fillTruncatedNormal,
  normalCdf,
  normalQuantile,
  truncatedNormalLogDensity,
  truncatedNormalLogNormalizer,
  truncatedNormalQuantile,
} from './index.js';

test('erfc, erf and Φ⁻¹ to near double precision', () => {
  // Reference values (mpmath, 20 digits).
  const ref: Array<[number, number]> = [
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [2, 0.004677734981047266],
    [3, 0.00002209049699858544],
    [5, 1.537459794428035e-12],
  ];
  for (const [x, v] of ref) assert.ok(Math.abs(erfc(x) / v - 1) < 1e-14, `erfc(${x}) = ${erfc(x)}, want ${v}`);
  assert.ok(Math.abs(erf(-1) + 0.8427007929497149) < 1e-15);
  for (const p of [1e-300, 1e-12, 1e-5, 0.01, 0.02425, 0.2, 0.5, 0.7, 0.97575, 0.999, 1 - 1e-9]) {
    const x = normalQuantile(p);
    const back = p < 0.5 ? normalCdf(x) : 1 - normalCdf(-x);
    assert.ok(Math.abs(back / p - 1) < 1e-12 || Math.abs(back - p) < 1e-15, `Φ(Φ⁻¹(${p})) = ${back}`);
  }
});

test('truncated normal: samples inside the bound with the right moments; exact density integrates to 1', () => {
  for (const B of [0.8, 2, 5]) {
    const n = 100000;
    const xs = fillTruncatedNormal(createRng(3), new Float64Array(n), B);
    let m = 0,
      v = 0;
    for (const x of xs) {
      assert.ok(Math.abs(x) <= B, `sample ${x} outside [−${B}, ${B}]`);
      m += x / n;
      v += (x * x) / n;
    }
    const z = Math.exp(truncatedNormalLogNormalizer(B));
    const variance = 1 - (2 * B * Math.exp(-0.5 * B * B)) / Math.sqrt(2 * Math.PI) / z;
    assert.ok(Math.abs(m) < 4 * Math.sqrt(variance / n), `B = ${B}: mean ${m}`);
    assert.ok(Math.abs(v / variance - 1) < 0.02, `B = ${B}: variance ${v} vs ${variance}`);
    // log density against a direct Float64 formula.
    for (const x of [-B, -0.3 * B, 0, 0.9 * B]) {
      const ref = Math.log(Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI) / (normalCdf(B) - normalCdf(-B)));
      assert.ok(Math.abs(truncatedNormalLogDensity(x, B) - ref) < 1e-12);
    }
    assert.equal(truncatedNormalLogDensity(B * 1.001, B), -Infinity);
    const N = 20001,
      h = (2 * B) / (N - 1);
    let s = 0;
    for (let i = 0; i < N; i++)
      s += (i === 0 || i === N - 1 ? 0.5 : 1) * Math.exp(truncatedNormalLogDensity(-B + i * h, B));
    assert.ok(Math.abs(s * h - 1) < 1e-7, `B = ${B}: ∫p = ${s * h}`);
    // The quantile inverts the CDF.
    for (const u of [0, 1e-9, 0.1, 0.5, 0.77, 1 - 1e-12]) {
      const x = truncatedNormalQuantile(u, B);
      const cdf = (normalCdf(x) - normalCdf(-B)) / z;
      assert.ok(Math.abs(cdf - u) < 1e-12, `B = ${B}: CDF(quantile(${u})) = ${cdf}`);
    }
  }
});
