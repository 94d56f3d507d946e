// Does data-parallel gradient computation over worker_threads pay off? tfjs runs on one core in
// Node (multithreaded wasm does not work there), and ~80 % of a flow training step is
// tf.variableGrads. This bench times one reverse-KL step (draw n samples with the flow, loss =
// mean(log q + ½|y|²), gradient, Adam) of the alanine-dipeptide flow (spline, 6 layers, hidden
// [64, 64], 8 bins, bound 6) at D = 60, B ∈ {256, 1024}, and at D = 2, B = 512 (double-well size),
// for these contenders, interleaved step by step so that load from other processes hits all alike:
//   single         tf.variableGrads over the full batch B on the main thread, then Adam;
//   single B/2     the same over B/2 (reference: the best a 2-way split could reach per half);
//   2 workers      main writes the weights to a SharedArrayBuffer, 2 worker_threads (each with its
//                  own tfjs + wasm) compute the gradient over B/2 each from their own random
//                  stream, main averages the two and applies Adam (3 tfjs instances, 2 computing);
//   main+worker    main computes one half itself while 1 worker computes the other (2 instances);
//   1 worker alone diagnostic: B/2 on one worker while main waits (weights out, gradient back).
// Step times include the weight copy, the messages, the averaging and Adam. Columns: 'worker grad
// ms' is the slower worker's time from message to reply (weight assign + gradient + copy out),
// 'overhead 2w ms' the rest of the 2-worker step, 'main serial 2w ms' the main thread's own work in
// it (weights out, averaging, Adam), 'worker assign ms' the weight assignment inside a worker.
// Correctness: with the same samples (the halves continue the full batch's random stream), the
// average of the halves' gradients — one half from each worker, and main + worker — equals the
// full-batch gradient: ‖avg − full‖ / ‖full‖ < 1e-4, asserted and reported as target rows.
//
//   npm run bench -- data-parallel [--steps 20] [--warmup 3] [--quick]
import { Worker } from 'node:worker_threads';
import { loadavg } from 'node:os';
import * as tf from '@embedcg/core/tf';
import { createRng, selectBackend } from '@embedcg/core';
import { createFlowModel } from '@embedcg/model-flow';
import { arg, target, writeResults } from './lib.mjs';
import { flattenGrads, gradients, parameterCount, readWeights, unflattenGrads } from './data-parallel-worker.mjs';

const quick = process.argv.includes('--quick');
const STEPS = Number(arg('steps', quick ? 2 : 20));
const WARMUP = Number(arg('warmup', quick ? 1 : 3));
if (!(Number.isInteger(STEPS) && STEPS >= 1 && Number.isInteger(WARMUP) && WARMUP >= 0))
  throw new Error('--steps must be a positive integer and --warmup a non-negative one');
const REL_TOL = 1e-4;

// examples/alanine-dipeptide-flow.json's model (scaleByKind needs the internal-coordinates
// transform, absent here). finalLayerScale 0.1 instead of 0: a step costs the same whatever the
// weights, but with the identity start every hidden-layer gradient is 0 and the equality check
// would compare zeros.
const MODEL = { coupling: 'spline', layers: 6, hidden: [64, 64], bins: 8, bound: 6, finalLayerScale: 0.1 };
const CASES = [
  { D: 60, B: 256 },
  { D: 60, B: 1024 },
  { D: 2, B: 512 },
];

await selectBackend('wasm');

// ---- workers -------------------------------------------------------------------------------
function startWorker(id) {
  const w = new Worker(new URL('./data-parallel-worker.mjs', import.meta.url), {
    workerData: { role: 'data-parallel-worker', id },
  });
  let pending;
  const failed = (e) => {
    if (pending) {
      pending.reject(e);
      pending = undefined;
    }
  };
  w.on('message', (m) => {
    if (!pending) return;
    const p = pending;
    pending = undefined;
    if (m.type === 'error') p.reject(new Error(`worker ${id}: ${m.message}`));
    else p.resolve(m);
  });
  w.on('error', failed);
  w.on('exit', (code) => failed(new Error(`worker ${id} exited with code ${code}`)));
  const next = () =>
    new Promise((resolve, reject) => {
      pending = { resolve, reject };
    });
  const started = next();
  return {
    started,
    request(msg) {
      if (pending) throw new Error(`worker ${id}: request while another is pending`);
      const p = next();
      w.postMessage(msg);
      return p;
    },
    async close() {
      w.off('exit', failed);
      w.postMessage({ type: 'exit' });
      await new Promise((r) => w.once('exit', r));
    },
  };
}

const tStart = performance.now();
const workers = [startWorker(0), startWorker(1)];
const backends = await Promise.all(workers.map((w) => w.started));
const workerStartMs = performance.now() - tStart;
for (const b of backends) if (b.backend !== 'wasm') throw new Error(`worker backend is ${b.backend}, expected wasm`);

// ---- helpers ---------------------------------------------------------------------------------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const r1 = (x) => +x.toFixed(1);
const r2 = (x) => +x.toFixed(2);

function relDiff(a, b) {
  let d = 0,
    n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  if (!(n > 0)) throw new Error('full-batch gradient is zero: the equality check would be vacuous');
  return Math.sqrt(d / n);
}

/** Random state after `count` normals from `state` (fillNormal draws pairs, so count must be even). */
function stateAfter(state, count) {
  if (count % 2) throw new Error(`stateAfter: odd count ${count}`);
  const r = createRng(1);
  r.setState(state);
  r.fillNormal(new Float32Array(count));
  return r.getState();
}

function applyFlat(model, opt, flat) {
  const g = unflattenGrads(model, flat);
  opt.applyGradients(g);
  tf.dispose(Object.values(g));
}

// ---- one case ---------------------------------------------------------------------------------
async function runCase({ D, B }, caseIndex) {
  const half = B / 2;
  const seed = 11;
  const build = (scope) => createFlowModel({ ...MODEL, scope: `${scope}${caseIndex}` }, { dimension: D, seed });
  const contenders = {
    single: { model: build('single'), rng: createRng(101), ms: [] },
    half: { model: build('half'), rng: createRng(102), ms: [] },
    workers2: { model: build('workers'), rng: undefined, ms: [], workerMs: [], serialMs: [], assignMs: [] },
    mainWorker: { model: build('mainworker'), rng: createRng(104), ms: [] },
    oneWorker: { ms: [] },
  };
  for (const c of Object.values(contenders)) if (c.model) c.opt = tf.train.adam(1e-3);
  const P = parameterCount(contenders.single.model);
  const weights = new Float32Array(new SharedArrayBuffer(4 * P));
  const gradBufs = workers.map(() => new Float32Array(new SharedArrayBuffer(4 * P)));
  await Promise.all(
    workers.map((w, i) =>
      w.request({
        type: 'init',
        options: { ...MODEL, scope: `worker${caseIndex}` },
        dimension: D,
        seed,
        rngSeed: 1000 + 17 * i + caseIndex,
        weights: weights.buffer,
        grads: gradBufs[i].buffer,
      }),
    ),
  );

  // -- correctness: same samples, halves vs full batch -------------------------------------------
  const check = contenders.single.model;
  const s0 = createRng(777 + caseIndex).getState();
  const s1 = stateAfter(s0, half * D);
  const full = new Float32Array(P);
  {
    const r = createRng(1);
    r.setState(s0);
    const { value, grads } = gradients(check, B, r);
    flattenGrads(check, grads, full);
    tf.dispose([value, grads]);
  }
  readWeights(check, weights);
  // one half in each worker
  await Promise.all(workers.map((w, i) => w.request({ type: 'grad', n: half, rngState: i === 0 ? s0 : s1 })));
  const avgWorkers = gradBufs[0].map((g, k) => 0.5 * (g + gradBufs[1][k]));
  // first half in main, second half in a worker
  const mainHalf = new Float32Array(P);
  {
    const r = createRng(1);
    r.setState(s0);
    const { value, grads } = gradients(check, half, r);
    flattenGrads(check, grads, mainHalf);
    tf.dispose([value, grads]);
  }
  await workers[1].request({ type: 'grad', n: half, rngState: s1 });
  const avgMainWorker = mainHalf.map((g, k) => 0.5 * (g + gradBufs[1][k]));
  const relWorkers = relDiff(avgWorkers, full);
  const relMainWorker = relDiff(avgMainWorker, full);

  // -- the steps ---------------------------------------------------------------------------------
  const steps = {
    single() {
      const c = contenders.single;
      const t0 = performance.now();
      const { value, grads } = gradients(c.model, B, c.rng);
      value.dataSync();
      c.opt.applyGradients(grads);
      tf.dispose([value, grads]);
      return performance.now() - t0;
    },
    half() {
      const c = contenders.half;
      const t0 = performance.now();
      const { value, grads } = gradients(c.model, half, c.rng);
      value.dataSync();
      c.opt.applyGradients(grads);
      tf.dispose([value, grads]);
      return performance.now() - t0;
    },
    async workers2(record) {
      const c = contenders.workers2;
      const t0 = performance.now();
      readWeights(c.model, weights);
      const tA = performance.now();
      const replies = await Promise.all(workers.map((w) => w.request({ type: 'grad', n: half })));
      const tB = performance.now();
      const a = gradBufs[0],
        b = gradBufs[1];
      const avg = new Float32Array(P);
      for (let k = 0; k < P; k++) avg[k] = 0.5 * (a[k] + b[k]);
      applyFlat(c.model, c.opt, avg);
      const ms = performance.now() - t0;
      if (record) {
        c.workerMs.push(Math.max(...replies.map((r) => r.ms)));
        c.serialMs.push(tA - t0 + (t0 + ms - tB));
        c.assignMs.push(Math.max(...replies.map((r) => r.assignMs)));
      }
      return ms;
    },
    async mainWorker() {
      const c = contenders.mainWorker;
      const t0 = performance.now();
      readWeights(c.model, weights);
      const reply = workers[0].request({ type: 'grad', n: half });
      const { value, grads } = gradients(c.model, half, c.rng);
      value.dataSync();
      const mine = flattenGrads(c.model, grads, new Float32Array(P));
      tf.dispose([value, grads]);
      await reply;
      const other = gradBufs[0];
      for (let k = 0; k < P; k++) mine[k] = 0.5 * (mine[k] + other[k]);
      applyFlat(c.model, c.opt, mine);
      const ms = performance.now() - t0;
      return ms;
    },
    // diagnostic: one worker alone, B/2, weights out and gradient back (no averaging, no Adam);
    // against 'single B/2' it shows whether a worker's tfjs is as fast as the main thread's
    async oneWorker() {
      const t0 = performance.now();
      readWeights(contenders.workers2.model, weights);
      await workers[0].request({ type: 'grad', n: half });
      return performance.now() - t0;
    },
  };
  const order = Object.keys(steps);
  for (let i = 0; i < WARMUP + STEPS; i++) {
    const record = i >= WARMUP;
    // rotate the order each round: no contender always runs right after another one
    for (let j = 0; j < order.length; j++) {
      const name = order[(i + j) % order.length];
      const ms = await steps[name](record);
      if (record) contenders[name].ms.push(ms);
    }
  }

  const single = median(contenders.single.ms);
  const halfMs = median(contenders.half.ms);
  const w2 = median(contenders.workers2.ms);
  const mw = median(contenders.mainWorker.ms);
  const row = {
    D,
    B,
    params: P,
    'single ms': r1(single),
    'single B/2 ms': r1(halfMs),
    '1 worker alone B/2 ms': r1(median(contenders.oneWorker.ms)),
    '2 workers ms': r1(w2),
    'main+worker ms': r1(mw),
    'speedup 2 workers': r2(single / w2),
    'speedup main+worker': r2(single / mw),
    'ideal (single/B2)': r2(single / halfMs),
    'worker grad ms': r1(median(contenders.workers2.workerMs)),
    'overhead 2w ms': r1(w2 - median(contenders.workers2.workerMs)),
    'main serial 2w ms': r1(median(contenders.workers2.serialMs)),
    'worker assign ms': r1(median(contenders.workers2.assignMs)),
    'grad rel diff 2w': relWorkers,
    'grad rel diff m+w': relMainWorker,
    'mean ms single/2w/m+w': `${r1(mean(contenders.single.ms))}/${r1(mean(contenders.workers2.ms))}/${r1(mean(contenders.mainWorker.ms))}`,
    steps: STEPS,
    load1: r2(loadavg()[0]),
  };
  for (const c of Object.values(contenders)) {
    c.opt?.dispose();
    c.model?.dispose();
  }
  console.log(JSON.stringify(row));
  return row;
}

const results = [];
const targets = [];
try {
  for (const [i, c] of CASES.entries()) {
    const row = await runCase(c, i);
    results.push(row);
    targets.push(
      target(
        `gradient rel. diff, halves in 2 workers vs full batch, D=${c.D} B=${c.B}`,
        row['grad rel diff 2w'],
        '<',
        REL_TOL,
      ),
    );
    targets.push(
      target(
        `gradient rel. diff, main half + worker half vs full batch, D=${c.D} B=${c.B}`,
        row['grad rel diff m+w'],
        '<',
        REL_TOL,
      ),
    );
  }
} finally {
  await Promise.all(workers.map((w) => w.close()));
}
const main = results.find((r) => r.D === 60 && r.B === 256);
targets.unshift(
  target('speedup at D=60 B=256', Math.max(main['speedup 2 workers'], main['speedup main+worker']), '>=', 1.3),
);
console.log(
  `worker start-up (2 workers, tfjs + wasm each, in parallel): ${workerStartMs.toFixed(0)} ms; ms are medians over ${STEPS} steps after ${WARMUP} warm-ups; speedup = single / data-parallel, best variant in the target row`,
);
writeResults('data-parallel', results, targets);
const failedCheck = targets.filter((t) => t.metric.startsWith('gradient') && !t.met);
if (failedCheck.length) {
  console.error(`gradient equality check FAILED: ${failedCheck.map((t) => t.metric).join('; ')}`);
  process.exitCode = 1;
}
