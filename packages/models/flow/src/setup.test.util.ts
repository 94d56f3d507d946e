/** Shared test setup: the tfjs backend the suite runs on (wasm unless EMBEDCG_TF_BACKEND says otherwise). */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

export async function setupBackend(): Promise<void> {
  const backend = process.env.EMBEDCG_TF_BACKEND ?? 'wasm';
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
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
