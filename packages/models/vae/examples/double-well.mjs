// Train the VAE on the 2-D double well by reverse KL (no data), then reweight its samples.
// Run from the repository root after building: node packages/models/vae/examples/double-well.mjs
import * as tf from '@embedcg/core/tf';
import '@embedcg/core/tf/backend-wasm';
import { createRng, energyOp } from '@embedcg/core';
import { createDoubleWell } from '@embedcg/forcefield-analytic';
import { createVaeModel, importanceLogWeights } from '@embedcg/model-vae';

tf.enableProdMode();
await tf.setBackend('wasm');

const ff = createDoubleWell();
const beta = 1;
const model = createVaeModel({ latentDim: 1 }, { dimension: ff.dimension, seed: 1 });
const rng = createRng(2);
const optimizer = tf.train.adam(1e-3);

for (let step = 0; step <= 2000; step++) {
  let kept = [];
  const loss = optimizer.minimize(() => {
    const { y, logQ } = model.draw(256, rng);
    // Energies and forces in Float64 outside tfjs; energyOp hands −F to the tape as dU/dy.
    // Its gradient reads them after this function's scope ends, so keep them until the step is done.
    const { energies, forces } = ff.evaluate(Float64Array.from(y.dataSync()), 256);
    kept = [tf.keep(tf.tensor1d(Float32Array.from(energies))), tf.keep(tf.tensor2d(Float32Array.from(forces), [256, 2]))];
    const u = energyOp(y, kept[0], kept[1]);
    return tf.mean(tf.add(logQ, tf.mul(u, beta)));
  }, true, model.variables());
  tf.dispose(kept);
  if (step % 500 === 0) console.log(`step ${step}: loss ${loss.dataSync()[0].toFixed(3)} (−log Z = ${(-ff.reference.logZ(beta)).toFixed(3)})`);
  loss.dispose();
}

// Importance weights log w = −βU − ℓ: ESS, log Z and the minor-basin mass.
const n = 20000;
const { y, logQ, z } = model.draw(n, createRng(3));
const x = Float64Array.from(y.dataSync());
const { energies } = ff.evaluate(x, n, { energiesOnly: true });
const logW = importanceLogWeights(logQ.dataSync(), energies, beta);
const max = Math.max(...logW);
const w = Array.from(logW, (v) => Math.exp(v - max));
const sum = w.reduce((a, b) => a + b, 0);
const ess = sum ** 2 / w.reduce((a, b) => a + b * b, 0) / n;
const minor = ff.reference.basins(beta).find((b) => b.name === 'minor');
let minorW = 0, minorRaw = 0;
for (let i = 0; i < n; i++) if (minor.contains(x.subarray(2 * i, 2 * i + 2))) { minorW += w[i]; minorRaw++; }
console.log(`ESS ${(100 * ess).toFixed(1)} %, log Ẑ ${(max + Math.log(sum / n)).toFixed(3)} (exact ${ff.reference.logZ(beta).toFixed(3)})`);
console.log(`minor-basin mass: raw ${(minorRaw / n).toFixed(4)}, reweighted ${(minorW / sum).toFixed(4)}, exact ${minor.mass.toFixed(4)}`);

// The CV: encoder means against x1, the slow coordinate.
const cv = model.encode(y).dataSync();
let sxy = 0, sxx = 0, syy = 0, mx = 0, mc = 0;
for (let i = 0; i < n; i++) { mx += x[2 * i] / n; mc += cv[i] / n; }
for (let i = 0; i < n; i++) { const a = x[2 * i] - mx, b = cv[i] - mc; sxy += a * b; sxx += a * a; syy += b * b; }
console.log(`corr(CV, x1) = ${(sxy / Math.sqrt(sxx * syy)).toFixed(3)}`);
tf.dispose([y, logQ, z]);
model.dispose();
