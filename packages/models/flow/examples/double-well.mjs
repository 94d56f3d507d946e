// Train the spline flow on the 2-D double well at β = 1 by reverse KL (no tempering: the flow starts
// at the deep well), then report the exact KL and reweighted minor-well mass.
//   npm run build && node packages/models/flow/examples/double-well.mjs
import * as tf from '@embedcg/core/tf';
import '@embedcg/core/tf/backend-wasm';
import { createRng, energyOp } from '@embedcg/core';
import { createDoubleWell } from '@embedcg/forcefield-analytic';
import { createFlowModel } from '@embedcg/model-flow';

await tf.setBackend('wasm');
tf.enableProdMode();
const ff = createDoubleWell();
const model = createFlowModel({ layers: 4, hidden: [32], outputScale: 0.5 }, { dimension: 2, seed: 1, outputMean: ff.initialPositions });
const optimizer = tf.train.adam(1e-2);
const rng = createRng(2);
const bs = 256;
for (let step = 0; step < 300; step++) {
  const snap = rng.getState();                       // draw, evaluate U and F, redraw under the tape
  const pre = model.draw(bs, rng);
  const ev = await ff.evaluate(Float64Array.from(pre.y.dataSync()), bs);
  tf.dispose([pre.y, pre.logQ]);
  rng.setState(snap);
  const E = tf.tensor1d(Float32Array.from(ev.energies));
  const F = tf.tensor2d(Float32Array.from(ev.forces), [bs, 2]);
  optimizer.minimize(() => {
    const { y, logQ } = model.draw(bs, rng);          // exact log q(y)
    return tf.mean(tf.add(logQ, energyOp(y, E, F)));  // E[log q + βU], β = 1
  }, false, model.variables());
  tf.dispose([E, F]);
}
const n = 20000;
const { y, logQ } = model.draw(n, createRng(3));
const x = Float64Array.from(y.dataSync());
const { energies } = await ff.evaluate(x, n, { energiesOnly: true });
const lq = logQ.dataSync();
let loss = 0;
for (let i = 0; i < n; i++) loss += (lq[i] + energies[i]) / n;
console.log(`reverse KL = ${(loss + ff.reference.logZ(1)).toFixed(4)} nats`);
// Exact densities of given points, through the analytic inverse:
console.log('log q at the two minima:', Array.from(model.logProb(tf.tensor2d([[-2.5, 0], [2.4, 0]])).dataSync()).map((v) => v.toFixed(3)));
