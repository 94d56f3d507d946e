import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@embedcg/core/tf';
import { selectBackend } from '../backend.js';
import { TrainingError } from '../errors.js';
import { loadOptimizerState, writeCheckpoint } from '../run-folder/checkpoint.js';
import { createRng } from '../util/random.js';
import { applyStep } from './gradients.js';
import { HostAdam, type TrainingOptimizer } from './host-adam.js';
import type { TrainerState } from './trainer-state.js';

before(async () => {
  await selectBackend('wasm');
});

let counter = 0;
/** Two sets of identical variables (tfjs names are global), shapes as a small dense layer. */
function twins(seed: number): [tf.Variable[], tf.Variable[]] {
  const rng = createRng(seed);
  const values = [
    rng.fillNormal(new Float32Array(12)),
    rng.fillNormal(new Float32Array(4)),
    rng.fillNormal(new Float32Array(3)),
  ];
  const shapes = [[3, 4], [4], [3]];
  const make = () => {
    const tag = `host-adam-${counter++}`;
    return values.map((v, i) => tf.variable(tf.tensor(Float32Array.from(v), shapes[i]), true, `${tag}/v${i}`));
  };
  return [make(), make()];
}

/** Gradients by position; the last variable gets none on odd steps (a loss that does not reach it). */
function gradientsAt(step: number, vars: tf.Variable[], size: number): tf.NamedTensorMap {
  const rng = createRng(1000 + step);
  const out: tf.NamedTensorMap = {};
  vars.forEach((v, i) => {
    if (i === vars.length - 1 && step % 2 === 1) return;
    out[v.name] = tf.tensor(
      Float32Array.from(rng.fillNormal(new Float32Array(v.size)), (x) => x * size),
      v.shape,
    );
  });
  return out;
}

const at = { step: 3, level: 1, beta: 0.5, checkpointDir: '/tmp/x' };
const bits = (vs: tf.Variable[]) => vs.map((v) => Array.from(new Uint32Array(Float32Array.from(v.dataSync()).buffer)));

/** Run `steps` steps of applyStep on both optimizers with the same gradients (scaled by `size`). */
function runBoth(
  a: TrainingOptimizer,
  b: TrainingOptimizer,
  va: tf.Variable[],
  vb: tf.Variable[],
  steps: number,
  size = 1,
  clip = 1000,
) {
  for (let t = 0; t < steps; t++) {
    for (const [opt, vars] of [
      [a, va],
      [b, vb],
    ] as const) {
      const grads = gradientsAt(t, vars, size);
      applyStep(opt, vars, { value: tf.scalar(1), grads, loss: 1 }, at, clip);
      tf.dispose(Object.values(grads));
    }
  }
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`HostAdam gives tfjs Adam's bits, unclipped, with unreached variables (${backend})`, async () => {
    await selectBackend(backend);
    const [va, vb] = twins(1);
    const ref = tf.train.adam(0.01);
    const host = new HostAdam(0.01);
    runBoth(ref, host, va, vb, 25);
    assert.deepEqual(bits(vb), bits(va));
    await selectBackend('wasm');
  });
}

test('HostAdam clips to the global norm as the tfjs path does (values within float32 rounding)', () => {
  const [va, vb] = twins(2);
  runBoth(tf.train.adam(0.003), new HostAdam(0.003), va, vb, 10, 50, 1);
  const a = va.flatMap((v) => Array.from(v.dataSync()));
  const b = vb.flatMap((v) => Array.from(v.dataSync()));
  const worst = Math.max(...a.map((x, i) => Math.abs(x - b[i]!) / Math.max(1e-3, Math.abs(x))));
  assert.ok(worst < 1e-5, `largest relative difference ${worst}`);
  // Clipping took effect: with norm ~ 50·√19 and clip 1, unclipped Adam moves each variable the
  // same (sign-normalised) way, so compare against a run without clipping.
  const [vc, vd] = twins(2);
  runBoth(new HostAdam(0.003), new HostAdam(0.003), vc, vd, 10, 50, 0);
  assert.notDeepEqual(bits(vc), bits(vb));
});

test('applyStep returns the global norm before clipping, on both optimizer paths', () => {
  for (const make of [() => new HostAdam(0.01), () => tf.train.adam(0.01)]) {
    const [va] = twins(4);
    const grads = gradientsAt(2, va, 50);
    let expected = 0;
    for (const g of Object.values(grads)) for (const x of g.dataSync()) expected += x * x;
    expected = Math.sqrt(expected);
    const norm = applyStep(make(), va, { value: tf.scalar(1), grads, loss: 1 }, at, 1);
    assert.ok(expected > 1, `the test's gradient must be clipped (norm ${expected})`);
    assert.ok(Math.abs(norm - expected) <= 1e-6 * expected, `returned ${norm}, expected ${expected}`);
    tf.dispose(Object.values(grads));
  }
});

test('a non-finite gradient stops the step with a TrainingError naming the step', () => {
  const [va] = twins(3);
  const grads = gradientsAt(0, va, 1);
  const bad = tf.tensor(Float32Array.of(NaN, 0, 0, 0), [4]);
  tf.dispose(grads[va[1]!.name]!);
  grads[va[1]!.name] = bad;
  const before = bits(va);
  assert.throws(
    () => applyStep(new HostAdam(0.01), va, { value: tf.scalar(1), grads, loss: 1 }, at, 1000),
    (e: unknown) => e instanceof TrainingError && /non-finite gradient at step 3/.test(e.message),
  );
  assert.deepEqual(bits(va), before);
});

function state(): TrainerState {
  return {
    step: 7,
    level: 0,
    beta: 1,
    targetBeta: 1,
    phase: 'final',
    finalStepsDone: 7,
    scheduleState: {},
    energyEvaluations: 0,
    wallSeconds: 0,
    rngState: createRng(1).getState(),
    lastDeltaBeta: 0,
    historyLines: 0,
  };
}

test('a checkpoint of HostAdam resumes bit-identically, and tfjs Adam resumes from it alike', async () => {
  const [va, vb] = twins(4);
  const host = new HostAdam(0.02);
  const ref = tf.train.adam(0.02);
  runBoth(host, ref, va, vb, 5);
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-host-adam-'));
  await writeCheckpoint(dir, { variables: () => va, metadata: () => ({}) }, host, state());
  const resumedHost = new HostAdam(0.02);
  const resumedRef = tf.train.adam(0.02);
  await loadOptimizerState(join(dir, 'checkpoint'), resumedHost);
  await loadOptimizerState(join(dir, 'checkpoint'), resumedRef);
  const [vc, vd] = twins(4);
  va.forEach((v, i) => {
    vc[i]!.assign(v);
    vd[i]!.assign(v);
  });
  // The uninterrupted run and both resumed ones take the same 5 further steps.
  for (let t = 5; t < 10; t++) {
    for (const [opt, vars] of [
      [host, va],
      [resumedHost, vc],
      [resumedRef, vd],
    ] as const) {
      const grads = gradientsAt(t, vars, 1);
      applyStep(opt, vars, { value: tf.scalar(1), grads, loss: 1 }, at, 1000);
      tf.dispose(Object.values(grads));
    }
  }
  assert.deepEqual(bits(vc), bits(va));
  assert.deepEqual(bits(vd), bits(va));
});

test('the SIMD update gives the loop’s bits: odd sizes, scaled, absent and extreme gradients', async () => {
  const { scratchKernels } = await import('../nn/simd/simd-kernels.js');
  const { setSimdAdamEnabled } = await import('./host-adam-simd.js');
  assert.ok(scratchKernels(64), 'the SIMD module loads (else both runs would take the loop)');
  const rng = createRng(77);
  const sizes = [1, 3, 4, 5, 1001];
  const start = sizes.map((n) => rng.fillNormal(new Float32Array(n)));
  const make = (tag: string) => start.map((v, i) => tf.variable(tf.tensor(Float32Array.from(v)), true, `${tag}/${i}`));
  const [simd, loop] = [make(`adam-simd-${counter++}`), make(`adam-loop-${counter++}`)];
  const [a, b] = [new HostAdam(0.003), new HostAdam(0.003)];
  for (let step = 0; step < 6; step++) {
    const grads = (vars: tf.Variable[]) =>
      Object.fromEntries(
        vars.flatMap((v, i) => {
          if (i === 2 && step % 2 === 0) return [];
          const g = Float32Array.from(rng.fillNormal(new Float32Array(v.size)), (x, j) =>
            j % 7 === 0 ? x * 1e-30 : j % 11 === 0 ? x * 1e25 : j % 13 === 0 ? 0 : x,
          );
          return [[v.name, g]];
        }),
      );
    const gs = grads(simd);
    const gl = Object.fromEntries(loop.map((v, i) => [v.name, gs[simd[i]!.name]!]).filter(([, g]) => g));
    const scale = step % 3 === 0 ? 1 : 0.37;
    a.step(simd, gs, scale);
    setSimdAdamEnabled(false);
    try {
      b.step(loop, gl, scale);
    } finally {
      setSimdAdamEnabled(true);
    }
  }
  assert.deepEqual(bits(simd), bits(loop));
  const moments = async (o: HostAdam) => (await o.getWeights()).map((w) => Array.from(w.tensor.dataSync()));
  assert.deepEqual(await moments(a), await moments(b));
  tf.dispose([...simd, ...loop]);
});
