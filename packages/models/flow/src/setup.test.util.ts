/** Shared test helpers: the tfjs backend the suite runs on (wasm unless EMBEDCG_TF_BACKEND says otherwise), perturbed variables, density checks. */
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import type { Model } from '@embedcg/core';

export async function setupBackend(): Promise<void> {
  const backend = process.env.EMBEDCG_TF_BACKEND ?? 'wasm';
  if (backend === 'wasm') await import('@embedcg/core/tf/backend-wasm');
  tf.enableProdMode();
  assert.ok(await tf.setBackend(backend), `tfjs backend ${backend} failed to initialise`);
}

/** log|det M| of a small dense matrix (row-major, k × k) by LU with partial pivoting, in Float64. */
export function logAbsDet(m: Float64Array, k: number): number {
  const a = Float64Array.from(m);
  let s = 0;
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r * k + c]!) > Math.abs(a[p * k + c]!)) p = r;
    if (p !== c) for (let j = 0; j < k; j++) [a[c * k + j], a[p * k + j]] = [a[p * k + j]!, a[c * k + j]!];
    const piv = a[c * k + c]!;
    s += Math.log(Math.abs(piv));
    for (let r = c + 1; r < k; r++) {
      const f = a[r * k + c]! / piv;
      for (let j = c; j < k; j++) a[r * k + j] = a[r * k + j]! - f * a[c * k + j]!;
    }
  }
  return s;
}

/** Move every variable off its initial value by N(0, scale²) noise, so tests exercise every part of a model. */
export function perturbVariables(model: { variables(): tf.Variable[] }, seed: number, scale: number): void {
  const rng = createRng(seed);
  for (const v of model.variables()) {
    const noise = rng.fillNormal(new Float32Array(v.size)).map((e) => scale * e) as Float32Array;
    v.assign(tf.add(v, tf.tensor(noise, v.shape)));
  }
}

/** The logQ of n draws equals logProb at the drawn points (exact-density models). */
export function assertDrawDensityMatches(
  model: Pick<Model, 'draw'> & { logProb(y: tf.Tensor2D): tf.Tensor1D },
  n: number,
  seed: number,
  tol = 2e-3,
): void {
  const d = model.draw(n, createRng(seed));
  const lp = model.logProb(d.y);
  const a = d.logQ.dataSync(),
    b = lp.dataSync();
  for (let i = 0; i < n; i++) assert.ok(Math.abs(a[i]! - b[i]!) < tol, `sample ${i}: logQ ${a[i]} vs logProb ${b[i]}`);
  tf.dispose([d.y, d.logQ, lp, ...(d.z ? [d.z] : [])]);
}
