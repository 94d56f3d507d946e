import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { FlowModel } from './flow-model.js';
import { assertDrawDensityMatches, perturbVariables, setupBackend } from './setup.test.util.js';

before(setupBackend);

const setVariable = (model: FlowModel, suffix: string, values: number[]) => {
  const v = model.variables().find((x) => x.name.endsWith(suffix))!;
  v.assign(tf.tensor(values, v.shape));
};

test('mixture base: the flow density is normalised on a 2-D grid and logQ of draws equals logProb', () => {
  const model = new FlowModel(
    { layers: 2, hidden: [8], bins: 5, bound: 4, baseComponents: 3, scope: 't-mix' },
    { dimension: 2, seed: 4 },
  );
  try {
    perturbVariables(model, 3, 0.15);
    const N = 401,
      lo = -12,
      hi = 12,
      h = (hi - lo) / (N - 1);
    const pts = new Float32Array(N * N * 2);
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        pts[2 * (i * N + j)] = lo + i * h;
        pts[2 * (i * N + j) + 1] = lo + j * h;
      }
    const p = tf.tidy(() => tf.exp(model.logProb(tf.tensor2d(pts, [N * N, 2]))).dataSync());
    let s = 0;
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++)
        s += (i === 0 || i === N - 1 ? 0.5 : 1) * (j === 0 || j === N - 1 ? 0.5 : 1) * p[i * N + j]!;
    assert.ok(Math.abs(s * h * h - 1) < 5e-3, `∫q = ${s * h * h}`);
    assertDrawDensityMatches(model, 300, 8);
  } finally {
    model.dispose();
  }
});

test('mixture base: draws pick components by the weights, and the base density is the mixture formula', () => {
  // Identity flow (fresh couplings output 0) with far-apart means: each draw sits near its component.
  const model = new FlowModel(
    { layers: 1, hidden: [4], baseComponents: 2, scope: 't-mix2' },
    { dimension: 1, seed: 1 },
  );
  try {
    setVariable(model, 'base/means', [-10, 10]);
    setVariable(model, 'base/logScales', [0, Math.log(0.5)]);
    setVariable(model, 'base/logits', [0, Math.log(3)]);
    assert.deepEqual(
      Array.from(model.mixture!.weights(), (w) => +w.toFixed(6)),
      [0.25, 0.75],
    );
    const n = 20000;
    const d = model.draw(n, createRng(5));
    const y = d.y.dataSync(),
      lq = d.logQ.dataSync();
    let right = 0;
    for (let i = 0; i < n; i++) {
      if (y[i]! > 0) right++;
      const pdf =
        (0.25 * Math.exp(-0.5 * (y[i]! + 10) ** 2)) / Math.sqrt(2 * Math.PI) +
        (0.75 * Math.exp(-0.5 * ((y[i]! - 10) / 0.5) ** 2)) / (0.5 * Math.sqrt(2 * Math.PI));
      assert.ok(Math.abs(lq[i]! - Math.log(pdf)) < 1e-3, `sample ${i}: ${lq[i]} vs ${Math.log(pdf)}`);
    }
    assert.ok(Math.abs(right / n - 0.75) < 0.015, `share of the second component ${right / n}`);
    tf.dispose([d.y, d.logQ]);
  } finally {
    model.dispose();
  }
});

test('mixture base: log q at given points is differentiable in means, scales and weights (central differences)', () => {
  const model = new FlowModel(
    { layers: 1, hidden: [4], baseComponents: 3, scope: 't-mix3' },
    { dimension: 2, seed: 2 },
  );
  try {
    perturbVariables(model, 6, 0.3);
    const y = tf.tensor2d([0.3, -0.4, 1.2, 0.8, -1.5, 0.1, 0.05, 2.0], [4, 2]);
    const loss = () => tf.sum(model.logProb(y)) as tf.Scalar;
    const vars = model.variables().filter((v) => v.name.includes('/base/'));
    assert.equal(vars.length, 3);
    const { grads } = tf.variableGrads(loss, vars);
    for (const v of vars) {
      const analytic = grads[v.name]!.dataSync();
      const base = v.dataSync().slice();
      for (let k = 0; k < v.size; k++) {
        const at = (delta: number) => {
          const p = base.slice();
          p[k] = p[k]! + delta;
          v.assign(tf.tensor(p, v.shape));
          return tf.tidy(() => loss().dataSync()[0]!);
        };
        const numeric = (at(1e-2) - at(-1e-2)) / 2e-2;
        v.assign(tf.tensor(base, v.shape));
        assert.ok(
          Math.abs(numeric - analytic[k]!) < 2e-2 * Math.max(1, Math.abs(numeric)),
          `${v.name}[${k}]: ${analytic[k]} vs ${numeric}`,
        );
      }
    }
    tf.dispose([grads, y]);
  } finally {
    model.dispose();
  }
});

test('mixture base: draws are differentiable in the means and scales (reparameterised), on the test backend', () => {
  const model = new FlowModel(
    { layers: 1, hidden: [4], baseComponents: 2, scope: 't-mix7' },
    { dimension: 2, seed: 3 },
  );
  try {
    const vars = model.variables().filter((v) => /base\/(means|logScales)$/.test(v.name));
    const { grads } = tf.variableGrads(() => tf.sum(model.draw(64, createRng(1)).y) as tf.Scalar, vars);
    // With the identity flow, d Σy / dμ_k = number of draws from component k (per dimension).
    const g = grads[vars[0]!.name]!.dataSync();
    assert.equal(g[0]! + g[2]!, 64);
    assert.equal(g[0], g[1]);
    assert.ok(Math.abs(grads[vars[1]!.name]!.dataSync()[0]!) > 0, 'the scales get a gradient');
    tf.dispose(grads);
  } finally {
    model.dispose();
  }
});

test('mixture base: clear errors for circular coordinates, a truncated base and a bad component count', () => {
  assert.throws(
    () => new FlowModel({ baseComponents: 2, circular: [0], scope: 't-mix4' }, { dimension: 2, seed: 1 }),
    /baseComponents > 1 needs no circular coordinates/,
  );
  assert.throws(
    () => new FlowModel({ baseComponents: 2, base: 'truncated-normal', scope: 't-mix5' }, { dimension: 2, seed: 1 }),
    /mixture base needs base 'gaussian'/,
  );
  assert.throws(
    () => new FlowModel({ baseComponents: 1.5, scope: 't-mix6' }, { dimension: 2, seed: 1 }),
    /option baseComponents must be an integer, got 1.5/,
  );
});
