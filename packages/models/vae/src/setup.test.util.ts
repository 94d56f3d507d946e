/** Shared test setup: the tfjs backend the suite runs on (wasm unless EMBEDCG_TF_BACKEND says otherwise), and gradient checks. */
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import type { Model } from '@embedcg/core';
import type { VaeModel } from './vae-model.js';
import { unclampLogVariance } from './log-variance.js';

export async function setupBackend(): Promise<void> {
  const backend = process.env.EMBEDCG_TF_BACKEND ?? 'wasm';
  if (backend === 'wasm') await import('@embedcg/core/tf/backend-wasm');
  tf.enableProdMode();
  assert.ok(await tf.setBackend(backend), `tfjs backend ${backend} failed to initialise`);
}

/** Central difference of `loss` in entry `idx` of `v` (step 3e-3 relative), restoring the variable after. */
export function centralDifference(v: tf.Variable, idx: number, loss: () => number): number {
  const orig = v.dataSync().slice();
  const h = 3e-3 * Math.max(1, Math.abs(orig[idx]!));
  const at = (delta: number) => {
    const w = orig.slice();
    w[idx] = orig[idx]! + delta;
    v.assign(tf.tensor(w, v.shape));
    return loss();
  };
  const fd = (at(h) - at(-h)) / (2 * h);
  v.assign(tf.tensor(orig, v.shape));
  return fd;
}

/**
 * Autodiff gradients of `loss` against central differences, at the first and last entry of every
 * variable, within rel·max(|g|, |fd|) + abs. `label` prefixes failure messages.
 */
export function assertGradientsMatchDifferences(
  vars: tf.Variable[],
  loss: () => tf.Scalar,
  tol: { rel: number; abs: number },
  label = '',
): void {
  const { value, grads } = tf.variableGrads(loss, vars);
  value.dispose();
  try {
    for (const v of vars) {
      const g = grads[v.name]!.dataSync();
      for (const idx of new Set([0, v.size - 1])) {
        const fd = centralDifference(v, idx, () => tf.tidy(() => loss().dataSync()[0]!));
        assert.ok(
          Math.abs(g[idx]! - fd) <= tol.rel * Math.max(Math.abs(g[idx]!), Math.abs(fd)) + tol.abs,
          `${label}${v.name}[${idx}]: ${g[idx]} vs central difference ${fd}`,
        );
      }
    }
  } finally {
    tf.dispose(Object.values(grads));
  }
}

/**
 * The reverse-KL loss mean(ℓ + Σ_j w_j (y_j − c_j)²) of a seeded draw of n, as a closure for
 * {@link assertGradientsMatchDifferences}: a quadratic "energy" with a different stiffness per
 * coordinate, so that every output enters the gradient with its own weight.
 */
export function quadraticDrawLoss(
  model: Model,
  centre: number[],
  stiffness: number[],
  n = 16,
  seed = 4,
): () => tf.Scalar {
  return () =>
    tf.tidy(() => {
      const { y, logQ } = model.draw(n, createRng(seed));
      const energy = tf.sum(tf.mul(tf.square(tf.sub(y, tf.tensor2d([centre]))), tf.tensor2d([stiffness])), 1);
      return tf.mean(tf.add(logQ, energy)) as tf.Scalar;
    });
}

/**
 * For a model with a mixture prior: gradients of a seeded draw's loss (ℓ, a quadratic energy and a
 * term in log π_k) and of logProbBound against central differences. The weights' logits are checked
 * only through logProbBound, which is smooth in them: a finite step in them changes which
 * components the seeded draw picks.
 */
export function assertMixtureGradientsMatch(make: () => VaeModel): void {
  const model = make();
  try {
    checkMixtureGradients(model);
  } finally {
    model.dispose();
  }
}

function checkMixtureGradients(model: VaeModel): void {
  const loss = () =>
    tf.tidy(() => {
      const d = model.draw(16, createRng(9));
      const energy = tf.sum(tf.mul(tf.square(tf.sub(d.y, tf.tensor2d([[1, -2, 0]]))), tf.tensor2d([[40, 2, 3]])), 1);
      return tf.add(
        tf.mean(tf.add(d.logQ, energy)),
        tf.mean(tf.mul(d.choiceLogProb!, tf.linspace(-1, 1, 16))),
      ) as tf.Scalar;
    });
  const logits = model.variables().find((v) => v.name.endsWith('/prior/scaled-logits'));
  assertGradientsMatchDifferences(
    model.variables().filter((v) => v !== logits),
    loss,
    { rel: 1e-2, abs: 3e-3 },
  );
  const bound = () =>
    tf.tidy(
      () =>
        tf.mean(
          model.logProbBound(
            tf.tensor2d([
              [1.05, -2.5, 0.3],
              [0.9, -3.2, 0],
            ]),
            createRng(1),
          ),
        ) as tf.Scalar,
    );
  assertGradientsMatchDifferences(model.variables(), bound, { rel: 1e-2, abs: 3e-3 });
}

/** Two models' seeded draws of 64: the same y exactly and the same ℓ within 1e-3. */
export function assertSameDraws(a: Model, b: Model): void {
  const [da, db] = [a, b].map((m) =>
    tf.tidy(() => {
      const d = m.draw(64, createRng(5));
      return { y: Array.from(d.y.dataSync()), logQ: Array.from(d.logQ.dataSync()) };
    }),
  );
  assert.deepEqual(da!.y, db!.y);
  da!.logQ.forEach((v, i) => assert.ok(Math.abs(v - db!.logQ[i]!) < 1e-3, `ℓ ${i}: ${v} vs ${db!.logQ[i]}`));
}

/** The model's variable whose name ends with `suffix`. */
export function byName(model: Model, suffix: string): tf.Variable {
  const v = model.variables().find((x) => x.name.endsWith(suffix));
  assert.ok(v, `no variable *${suffix}`);
  return v;
}

/** log N(y; c, diag s²) per row of a flat n × 3 array. */
export function gaussianRows(y: ArrayLike<number>, c: number[], s: number[]): Float64Array {
  const n = y.length / 3;
  return Float64Array.from({ length: n }, (_, i) =>
    c.reduce((a, ci, j) => a - 0.5 * ((y[3 * i + j]! - ci) / s[j]!) ** 2 - Math.log(s[j]! * Math.sqrt(2 * Math.PI)), 0),
  );
}

/**
 * A 3-component mixture (weights 0.5 / 0.3 / 0.2, nearby distinct centres) and an encoder that
 * ignores y: r(z|y) = N(0, 0.5²), narrower than every component and inside them all, so weights
 * against it have finite variance while being far from each y's posterior.
 */
export function fixMixtureWithBlindEncoder(model: VaeModel, logitScale: number): void {
  byName(model, '/prior/scaled-logits').assign(tf.tensor1d([0.5, 0.3, 0.2].map((p) => Math.log(p) / logitScale)));
  byName(model, '/prior/centres').assign(
    tf.tensor2d([
      [-0.3, 0.2],
      [0.3, 0],
      [0, -0.3],
    ]),
  );
  for (const suffix of ['/encoder/mean/kernel', '/encoder/mean/bias', '/encoder/logvar/kernel']) {
    const v = byName(model, suffix);
    v.assign(tf.zerosLike(v));
  }
  byName(model, '/encoder/logvar/bias').assign(tf.fill([2], unclampLogVariance(Math.log(0.25))));
}
