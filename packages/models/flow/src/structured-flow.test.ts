import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { runPluginConformance } from '@embedcg/core/testkit';
import { StructuredFlowModel, invert, structuredFlowPlugin } from './index.js';
import { perturbVariables, setupBackend } from './setup.test.util.js';

before(setupBackend);

test('structured flow: the density is normalised (2-D grid), matches logQ of draws, and encode recovers z', () => {
  const model = new StructuredFlowModel(
    { latentDim: 1, layers: 2, hidden: [8], fastHidden: [8], bins: 5, bound: 3, outputScale: 0.8, scope: 't-sf' },
    { dimension: 2, seed: 3, outputMean: [0.3, -0.2] },
  );
  try {
    perturbVariables(model, 11, 0.2);
    const A = model.matrixValues();
    assert.ok(Math.abs(A[1]!) > 0.05 && Math.abs(A[2]!) > 0.05, `A should be far from diagonal: ${Array.from(A)}`);
    // The grid must hold all the mass: the perturbed fast variances give heavy-ish tails.
    const N = 601,
      lo = -24,
      hi = 24,
      h = (hi - lo) / (N - 1);
    const pts = new Float32Array(N * N * 2);
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        pts[2 * (i * N + j)] = lo + i * h;
        pts[2 * (i * N + j) + 1] = lo + j * h;
      }
    const p = tf.tidy(() => tf.exp(model.logProb(tf.tensor2d(pts, [N * N, 2]))).dataSync());
    const probe = model.draw(20000, createRng(9));
    const yp = probe.y.dataSync();
    let outside = 0;
    for (let i = 0; i < 20000; i++) if (Math.abs(yp[2 * i]!) > hi || Math.abs(yp[2 * i + 1]!) > hi) outside++;
    tf.dispose([probe.y, probe.logQ, probe.z!]);
    assert.ok(outside < 10, `${outside} of 20000 samples fall outside the quadrature grid`);
    let s = 0;
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++)
        s += (i === 0 || i === N - 1 ? 0.5 : 1) * (j === 0 || j === N - 1 ? 0.5 : 1) * p[i * N + j]!;
    assert.ok(Math.abs(s * h * h - 1) < 5e-3, `∫q = ${s * h * h}`);

    const d = model.draw(500, createRng(2));
    const lp = model.logProb(d.y);
    const zEnc = model.encode(d.y);
    const a = d.logQ.dataSync(),
      b = lp.dataSync(),
      z = d.z!.dataSync(),
      ze = zEnc.dataSync();
    for (let i = 0; i < 500; i++) {
      assert.ok(Math.abs(a[i]! - b[i]!) < 2e-3, `sample ${i}: logQ ${a[i]} vs logProb ${b[i]}`);
      assert.ok(
        Math.abs(z[i]! - ze[i]!) < 1e-3 * Math.max(1, Math.abs(z[i]!)),
        `sample ${i}: z ${z[i]} vs encode ${ze[i]}`,
      );
    }
    tf.dispose([d.y, d.logQ, d.z!, lp, zEnc]);
  } finally {
    model.dispose();
  }
});

test('structured flow: logQ of a draw is the log-density of y = A[z; X] by the change of variables', () => {
  // Independent check in Float64: log q(y) = log q(z) + log N(X) − log|det A| − D log σ₀, with
  // log q(z) from the slow flow's own draw (same RNG stream) and X recovered by A⁻¹.
  const D = 4,
    dLat = 2;
  const model = new StructuredFlowModel(
    { latentDim: dLat, layers: 2, hidden: [8], fastHidden: [8], scope: 't-sf2' },
    { dimension: D, seed: 1 },
  );
  try {
    perturbVariables(model, 5, 0.2);
    const A = model.matrixValues();
    const Ainv = invert(A, D);
    let prod = 0;
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) {
        let s = 0;
        for (let k = 0; k < D; k++) s += A[i * D + k]! * Ainv[k * D + j]!;
        prod = Math.max(prod, Math.abs(s - (i === j ? 1 : 0)));
      }
    assert.ok(prod < 1e-9, `A·A⁻¹ − I = ${prod}`);
    const d = model.draw(50, createRng(4));
    const lp = model.logProb(d.y);
    const a = d.logQ.dataSync(),
      b = lp.dataSync();
    for (let i = 0; i < 50; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 2e-3, `sample ${i}: ${a[i]} vs ${b[i]}`);
    tf.dispose([d.y, d.logQ, d.z!, lp]);
  } finally {
    model.dispose();
  }
});

test("the structured-flow plugin passes core's model conformance suite", async () => {
  for (const options of [{ latentDim: 2 }, { latentDim: 1, coupling: 'affine', layers: 2, hidden: [8] }]) {
    const results = await runPluginConformance(structuredFlowPlugin, {
      options,
      context: { modelDimension: 5 },
      throwOnFailure: false,
    });
    const failed = results.filter((r) => !r.passed);
    assert.deepEqual(failed, [], JSON.stringify(failed));
  }
});

test('structured flow: log q at given points is differentiable in A (forward KL and reweighting move A), matching central differences', () => {
  const D = 3;
  const model = new StructuredFlowModel(
    { latentDim: 1, layers: 1, hidden: [6], fastHidden: [6], scope: 't-sf-grad' },
    { dimension: D, seed: 2 },
  );
  try {
    perturbVariables(model, 7, 0.3);
    const pts = model.draw(16, createRng(5));
    const y = tf.keep(pts.y);
    tf.dispose([pts.logQ, pts.z!]);
    const loss = () => tf.sum(model.logProb(y)) as tf.Scalar;
    const aVars = model.variables().filter((v) => v.name.includes('/A/'));
    assert.equal(aVars.length, 3);
    const { grads } = tf.variableGrads(loss, aVars);
    for (const v of aVars) {
      const g = grads[v.name];
      assert.ok(g, `no gradient reaches ${v.name}`);
      const analytic = g.dataSync();
      const base = v.dataSync().slice();
      // Entries A actually uses: strictly lower for L, strictly upper for U, all of logDiag.
      const used = [...Array(v.size).keys()].filter(
        (k) =>
          v.name.endsWith('logDiag') ||
          (v.name.endsWith('lower') ? k % D < Math.floor(k / D) : k % D > Math.floor(k / D)),
      );
      for (const k of used) {
        const h = 1e-2;
        const at = (delta: number) => {
          const p = base.slice();
          p[k] = p[k]! + delta;
          v.assign(tf.tensor(p, v.shape));
          return tf.tidy(() => loss().dataSync()[0]!);
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(base, v.shape));
        assert.ok(
          Math.abs(numeric - analytic[k]!) < 2e-2 * Math.max(1, Math.abs(numeric)),
          `${v.name}[${k}]: analytic ${analytic[k]} vs numeric ${numeric}`,
        );
      }
      // Masked entries do not enter A, so their gradient is zero.
      for (let k = 0; k < v.size; k++)
        if (!used.includes(k))
          assert.ok(analytic[k] === 0, `${v.name}[${k}] is masked but has gradient ${analytic[k]}`);
    }
    tf.dispose([grads, y]);
  } finally {
    model.dispose();
  }
});
