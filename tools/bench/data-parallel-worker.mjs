// Gradient worker of the data-parallel bench (tools/bench/data-parallel.mjs), and the loss and
// weight/gradient plumbing that the main thread shares with it, so both sides run the same code.
// Not a benchmark itself: run.mjs does not list *-worker.mjs files.
//
// Protocol (one request at a time per worker):
//   {type: 'init', options, dimension, seed, rngSeed, weights: SharedArrayBuffer, grads: SharedArrayBuffer}
//     → builds its own FlowModel on its own tfjs (wasm) → {type: 'ready', backend, parameters}
//   {type: 'grad', n, rngState?} → reads the weights from `weights`, draws n samples (from rngState
//     when given, else from its own stream), writes d(mean loss)/dθ to `grads` → {type: 'done', loss, ms, assignMs}
//   {type: 'exit'}
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@embedcg/core/tf';
import { createRng, selectBackend } from '@embedcg/core';
import { createFlowModel } from '@embedcg/model-flow';

/**
 * The per-step loss of the bench: mean over n fresh samples of log q(y) + U(y), with the cheap
 * synthetic energy U(y) = ½|y|² computed in tfjs (the force field is not what is measured).
 */
export function lossFn(model, n, rng) {
  return () => {
    const { y, logQ } = model.draw(n, rng);
    const u = tf.mul(0.5, tf.sum(tf.square(y), 1));
    return tf.mean(tf.add(logQ, u));
  };
}

/** tf.variableGrads of the loss over n samples; the caller disposes value and grads. */
export function gradients(model, n, rng) {
  return tf.variableGrads(lossFn(model, n, rng), model.variables());
}

export function parameterCount(model) {
  return model.variables().reduce((a, v) => a + v.size, 0);
}

/** Copy the model's weights into one flat Float32Array (e.g. a view of a SharedArrayBuffer). */
export function readWeights(model, out) {
  let off = 0;
  for (const v of model.variables()) {
    out.set(v.dataSync(), off);
    off += v.size;
  }
  return out;
}

/** Assign weights from a flat Float32Array (copied first: the shared buffer is rewritten next step). */
export function assignWeights(model, flat) {
  let off = 0;
  for (const v of model.variables()) {
    const t = tf.tensor(flat.slice(off, off + v.size), v.shape);
    v.assign(t);
    t.dispose();
    off += v.size;
  }
}

/** Flatten a {name: gradient} map in the order of model.variables() into `out`. */
export function flattenGrads(model, grads, out) {
  let off = 0;
  for (const v of model.variables()) {
    out.set(grads[v.name].dataSync(), off);
    off += v.size;
  }
  return out;
}

/** {name: tensor} from a flat Float32Array, in the order of model.variables(). */
export function unflattenGrads(model, flat) {
  const map = {};
  let off = 0;
  for (const v of model.variables()) {
    map[v.name] = tf.tensor(flat.subarray(off, off + v.size), v.shape);
    off += v.size;
  }
  return map;
}

if (!isMainThread && workerData?.role === 'data-parallel-worker') {
  const backend = await selectBackend('wasm');
  let model, weights, grads, rng;
  parentPort.on('message', (m) => {
    try {
      if (m.type === 'init') {
        model?.dispose();
        model = createFlowModel(m.options, { dimension: m.dimension, seed: m.seed });
        weights = new Float32Array(m.weights);
        grads = new Float32Array(m.grads);
        rng = createRng(m.rngSeed);
        const parameters = parameterCount(model);
        if (parameters !== weights.length || parameters !== grads.length)
          throw new Error(`worker: ${parameters} parameters but buffers of ${weights.length} and ${grads.length}`);
        parentPort.postMessage({ type: 'ready', backend, parameters });
      } else if (m.type === 'grad') {
        const t0 = performance.now();
        assignWeights(model, weights);
        const assignMs = performance.now() - t0;
        let r = rng;
        if (m.rngState) {
          r = createRng(1);
          r.setState(m.rngState);
        }
        const { value, grads: g } = gradients(model, m.n, r);
        const loss = value.dataSync()[0];
        flattenGrads(model, g, grads);
        tf.dispose([value, g]);
        parentPort.postMessage({ type: 'done', loss, ms: performance.now() - t0, assignMs });
      } else if (m.type === 'exit') {
        model?.dispose();
        parentPort.close();
      }
    } catch (e) {
      parentPort.postMessage({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
  parentPort.postMessage({ type: 'started', backend });
}
