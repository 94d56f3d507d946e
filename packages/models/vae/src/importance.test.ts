import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { createVaeModel, importanceLogWeights, unclampLogVariance, type VaeModel } from './index.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

function setVar(model: VaeModel, name: string, values: number[]): void {
  const v = model.variables().find((x) => x.name === name);
  assert.ok(v, `no variable ${name}`);
  assert.equal(v.size, values.length, `${name} has ${v.size} entries`);
  v.assign(tf.tensor(values, v.shape));
}

/**
 * Target p ∝ exp(−βU), U(y) = |y − m|² / (2 β s²): p = N(m, s² I), Z = (2π s²)^{D/2}.
 * A linear decoder u = a z + σ_u ε (u = (y − m)/c) with a² + σ_u² = (s/c)² makes q(y) = p(y),
 * and a linear encoder with mean (a / s_u²) u and variance σ_u² / s_u² is the exact posterior.
 * Then ℓ = log q(y) for every sample and log w = −βU − ℓ = log Z, a constant.
 */
for (const decoderVariance of ['shared', 'head'] as const) {
  test(`importance weights are exact for a Gaussian target with an exact linear model (${decoderVariance} variance)`, () => {
    const D = 2;
    const s = 0.8;
    const c = 0.5;
    const m = [0.3, -0.2];
    const beta = 0.4;
    const sU = s / c;
    const a = 0.9 * sU;
    const varU = sU * sU - a * a;
    const model = createVaeModel(
      {
        latentDim: 2,
        decoderHidden: [],
        decoderActivation: 'linear',
        decoderVariance,
        encoderHidden: [],
        encoderActivations: [],
        outputMean: m,
        outputScale: c,
      },
      { dimension: D, seed: 1 },
    );
    try {
      setVar(model, 'vae/decoder/mean/kernel', [a, 0, 0, a]);
      setVar(model, 'vae/decoder/mean/bias', [0, 0]);
      const rawDec = unclampLogVariance(Math.log(varU));
      if (decoderVariance === 'shared') setVar(model, 'vae/decoder/logvar', [rawDec, rawDec]);
      else {
        setVar(model, 'vae/decoder/logvar/kernel', [0, 0, 0, 0]);
        setVar(model, 'vae/decoder/logvar/bias', [rawDec, rawDec]);
      }
      const k = a / (sU * sU);
      setVar(model, 'vae/encoder/mean/kernel', [k, 0, 0, k]);
      setVar(model, 'vae/encoder/mean/bias', [0, 0]);
      setVar(model, 'vae/encoder/logvar/kernel', [0, 0, 0, 0]);
      const rawEnc = unclampLogVariance(Math.log(varU / (sU * sU)));
      setVar(model, 'vae/encoder/logvar/bias', [rawEnc, rawEnc]);

      const n = 2000;
      const { y, logQ, z } = model.draw(n, createRng(8));
      const ys = y.dataSync();
      const energies = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let r2 = 0;
        for (let j = 0; j < D; j++) r2 += (ys[i * D + j]! - m[j]!) ** 2;
        energies[i] = r2 / (2 * beta * s * s);
      }
      const logW = importanceLogWeights(logQ.dataSync(), energies, beta);
      // With the exact posterior as encoder the evidence bound is tight: it is log q(y) itself.
      const bound = model.logProbBound(y, createRng(9));
      const bs = bound.dataSync();
      let worstBound = 0;
      for (let i = 0; i < n; i++) {
        const exact = -0.5 * D * Math.log(2 * Math.PI * s * s) - beta * energies[i]!;
        worstBound = Math.max(worstBound, Math.abs(bs[i]! - exact));
      }
      assert.ok(worstBound < 1e-3, `logProbBound deviates from the exact log q(y) by up to ${worstBound}`);
      tf.dispose([y, logQ, z!, bound]);
      const logZ = 0.5 * D * Math.log(2 * Math.PI * s * s);
      let worst = 0;
      for (const lw of logW) worst = Math.max(worst, Math.abs(lw - logZ));
      assert.ok(worst < 1e-4, `log w deviates from the exact log Z = ${logZ} by up to ${worst}`);
      // The samples really follow N(m, s² I) (so the check above is not vacuous).
      for (let j = 0; j < D; j++) {
        let mu = 0,
          v = 0;
        for (let i = 0; i < n; i++) mu += ys[i * D + j]! / n;
        for (let i = 0; i < n; i++) v += (ys[i * D + j]! - mu) ** 2 / (n - 1);
        assert.ok(Math.abs(mu - m[j]!) < (4 * s) / Math.sqrt(n), `mean of y_${j} = ${mu}`);
        assert.ok(Math.abs(v / (s * s) - 1) < 0.15, `variance of y_${j} = ${v}, want ${s * s}`);
      }
    } finally {
      model.dispose();
    }
  });
}

test('a non-posterior encoder gives weights whose mean still estimates Z but which vary', () => {
  // With r ≠ posterior the bound is loose: log w varies, E[w] = Z still holds (unbiased).
  const D = 1;
  const model = createVaeModel(
    { latentDim: 1, decoderHidden: [], decoderActivation: 'linear', encoderHidden: [], encoderActivations: [] },
    { dimension: D, seed: 2 },
  );
  try {
    const a = 0.8;
    const varU = 1 - a * a;
    setVar(model, 'vae/decoder/mean/kernel', [a]);
    setVar(model, 'vae/decoder/mean/bias', [0]);
    setVar(model, 'vae/decoder/logvar', [unclampLogVariance(Math.log(varU))]);
    setVar(model, 'vae/encoder/mean/kernel', [0.5 * a]);
    setVar(model, 'vae/encoder/mean/bias', [0]);
    setVar(model, 'vae/encoder/logvar/kernel', [0]);
    setVar(model, 'vae/encoder/logvar/bias', [unclampLogVariance(Math.log(varU))]);
    const n = 20000;
    const { y, logQ, z } = model.draw(n, createRng(3));
    const ys = y.dataSync();
    const beta = 1;
    const energies = Float64Array.from(ys, (v) => 0.5 * v * v);
    const logW = importanceLogWeights(logQ.dataSync(), energies, beta);
    tf.dispose([y, logQ, z!]);
    const logZ = 0.5 * Math.log(2 * Math.PI);
    const maxLw = Math.max(...logW);
    let sum = 0,
      sum2 = 0;
    for (const lw of logW) {
      const w = Math.exp(lw - maxLw);
      sum += w;
      sum2 += w * w;
    }
    const logZhat = maxLw + Math.log(sum / n);
    const ess = (sum * sum) / sum2 / n;
    assert.ok(Math.max(...logW) - Math.min(...logW) > 0.1, 'a loose bound must give varying weights');
    assert.ok(ess < 0.999 && ess > 0.3, `ESS fraction ${ess}`);
    assert.ok(Math.abs(logZhat - logZ) < 0.03, `log Ẑ = ${logZhat}, exact ${logZ}`);
    // The evidence bound of a fixed y: below log q(y) on average, and exp(bound) averages to q(y)
    // (q(y) = N(0, 1) here), because p(z) q(y|z) / r(z|y) has expectation q(y) under r.
    const reps = 20000;
    // (not at y = 0: there this encoder is the exact posterior and the bound is tight)
    for (const yv of [-1.5, 0.7, 1.2]) {
      const b = model.logProbBound(tf.fill([reps, 1], yv) as tf.Tensor2D, createRng(11));
      const vals = Array.from(b.dataSync() as Float32Array);
      b.dispose();
      const exact = -0.5 * yv * yv - 0.5 * Math.log(2 * Math.PI);
      const mean = vals.reduce((acc, v) => acc + v, 0) / reps;
      const mx = Math.max(...vals);
      const logMeanExp = mx + Math.log(vals.reduce((acc, v) => acc + Math.exp(v - mx), 0) / reps);
      assert.ok(mean < exact, `y = ${yv}: mean bound ${mean} must lie below log q = ${exact}`);
      assert.ok(Math.abs(logMeanExp - exact) < 0.02, `y = ${yv}: log E[exp(bound)] = ${logMeanExp}, log q = ${exact}`);
    }
  } finally {
    model.dispose();
  }
});

test('importanceLogWeights: −βu − ℓ, +Infinity energies give zero weight, NaN is named', () => {
  const lw = importanceLogWeights([1, -2, 0.5], [10, 0, Infinity], 0.1);
  assert.deepEqual(Array.from(lw), [-0.1 * 10 - 1, 2, -Infinity]);
  assert.deepEqual(Array.from(importanceLogWeights([1], [Infinity], 0)), [-Infinity]);
  assert.throws(() => importanceLogWeights([1, NaN], [0, 0], 1), /sample 1/);
  assert.throws(() => importanceLogWeights([1], [0, 0], 1), /1 logQ values but 2 energies/);
});
