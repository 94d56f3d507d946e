import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@embedcg/core/tf';
import { selectBackend } from '../backend.js';
import { createRng } from '../util/random.js';
import {
  findCheckpoint,
  initModelFrom,
  loadModelWeights,
  loadOptimizerState,
  readCheckpointState,
  writeCheckpoint,
} from './checkpoint.js';
import type { TrainerState } from '../training/trainer-state.js';

before(async () => {
  await selectBackend('wasm');
});

let counter = 0;
/** A tiny "model": two variables with unique names per test (tfjs names are global). */
function makeModel(seed: number) {
  const tag = `cp-test-${counter++}`;
  const rng = createRng(seed);
  const vars: tf.Variable[] = [
    tf.variable(tf.tensor2d(rng.fillNormal(new Float32Array(6)) as Float32Array, [2, 3]), true, `${tag}/kernel`),
    tf.variable(tf.tensor1d(rng.fillNormal(new Float32Array(3)) as Float32Array), true, `${tag}/bias`),
  ];
  return { vars, model: { variables: () => vars, metadata: () => ({ name: 'toy', tag }) } };
}
const values = (vs: tf.Variable[]) => vs.map((v) => Array.from(v.dataSync()));

function state(step: number): TrainerState {
  return {
    step,
    level: 2,
    beta: 0.37,
    targetBeta: 1,
    stepInLevel: 5,
    losses: [1.5, -0.25],
    phase: 'tempering',
    energyEvaluations: 12345,
    wallSeconds: 6.5,
    rngState: createRng(step).getState(),
    scheduleState: { logZ: -3.25 },
    lastDeltaBeta: 0.05,
    historyLines: 17,
  };
}

/** One Adam step on a quadratic so the optimizer has moments to save. */
function adamStep(opt: tf.Optimizer, vs: tf.Variable[]) {
  opt.minimize(() => tf.addN(vs.map((v) => tf.sum(tf.square(tf.sub(v, 0.3))))) as tf.Scalar, false, vs);
}

test('a checkpoint round-trips weights, Adam state and trainer state exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-cp-'));
  const { vars, model } = makeModel(1);
  const opt = tf.train.adam(0.01);
  adamStep(opt, vars);
  adamStep(opt, vars);
  const st = state(40);
  await writeCheckpoint(dir, model, opt, st);
  const saved = values(vars);
  const cp = findCheckpoint(dir);
  assert.equal(cp, join(dir, 'checkpoint'));
  assert.deepEqual(readCheckpointState(cp!), st);
  // Continue two Adam steps from the saved point: the reference trajectory.
  adamStep(opt, vars);
  adamStep(opt, vars);
  const reference = values(vars);
  // Scramble, restore weights and optimizer into a fresh Adam, take the same two steps.
  vars.forEach((v) => v.assign(tf.zerosLike(v)));
  loadModelWeights(cp!, model);
  assert.deepEqual(values(vars), saved, 'weights restored bit for bit');
  const opt2 = tf.train.adam(0.01);
  await loadOptimizerState(cp!, opt2);
  adamStep(opt2, vars);
  adamStep(opt2, vars);
  assert.deepEqual(values(vars), reference, 'Adam moments and step count restored: identical continuation');
  // Without the optimizer state the continuation differs (the test above is not vacuous).
  loadModelWeights(cp!, model);
  const opt3 = tf.train.adam(0.01);
  adamStep(opt3, vars);
  adamStep(opt3, vars);
  assert.notDeepEqual(values(vars), reference);
  tf.dispose(vars);
  rmSync(dir, { recursive: true, force: true });
});

test('an interrupted checkpoint write leaves a complete checkpoint that findCheckpoint picks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-cp-'));
  const { vars, model } = makeModel(2);
  await writeCheckpoint(dir, model, undefined, state(20));
  const at20 = values(vars);
  assert.deepEqual(readdirSync(dir).sort(), ['checkpoint'], 'no temporary folders left behind');

  // Killed while writing the next one: a partial checkpoint.tmp next to the complete checkpoint.
  mkdirSync(join(dir, 'checkpoint.tmp'));
  writeFileSync(join(dir, 'checkpoint.tmp', 'weights.bin'), Buffer.alloc(5));
  assert.equal(findCheckpoint(dir), join(dir, 'checkpoint'));
  assert.equal(readCheckpointState(findCheckpoint(dir)!).step, 20);

  // Killed between the two renames: only checkpoint.old (complete) and checkpoint.tmp exist.
  renameSync(join(dir, 'checkpoint'), join(dir, 'checkpoint.old'));
  assert.equal(findCheckpoint(dir), join(dir, 'checkpoint.old'));
  vars.forEach((v) => v.assign(tf.onesLike(v)));
  loadModelWeights(findCheckpoint(dir)!, model);
  assert.deepEqual(values(vars), at20);

  // An incomplete 'checkpoint' (no state.json) is not taken over a complete .old.
  mkdirSync(join(dir, 'checkpoint'));
  cpSync(join(dir, 'checkpoint.old', 'weights.json'), join(dir, 'checkpoint', 'weights.json'));
  assert.equal(findCheckpoint(dir), join(dir, 'checkpoint.old'));
  rmSync(join(dir, 'checkpoint'), { recursive: true });

  // The next write cleans up and leaves exactly one complete checkpoint.
  vars.forEach((v) => v.assign(tf.fill(v.shape, 0.5)));
  await writeCheckpoint(dir, model, undefined, state(40));
  assert.deepEqual(readdirSync(dir).sort(), ['checkpoint']);
  assert.equal(readCheckpointState(findCheckpoint(dir)!).step, 40);

  // Nothing complete at all: undefined, so callers can say "no checkpoint".
  const empty = mkdtempSync(join(tmpdir(), 'embedcg-cp-'));
  mkdirSync(join(empty, 'checkpoint.tmp'));
  assert.equal(findCheckpoint(empty), undefined);

  // A truncated weights file is reported, not loaded as garbage.
  truncateSync(join(dir, 'checkpoint', 'weights.bin'), 8);
  assert.throws(() => loadModelWeights(join(dir, 'checkpoint'), model), /shorter than the manifest says/);
  assert.ok(existsSync(join(dir, 'checkpoint', 'state.json')));
  tf.dispose(vars);
  rmSync(dir, { recursive: true, force: true });
  rmSync(empty, { recursive: true, force: true });
});

test('loading into a model of another architecture names the variable and shapes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-cp-'));
  const { vars, model } = makeModel(3);
  await writeCheckpoint(dir, model, undefined, state(1));
  const other = [tf.variable(tf.zeros([3, 3]), true, vars[0]!.name + '-other')];
  assert.throws(
    () => loadModelWeights(join(dir, 'checkpoint'), { variables: () => other }),
    /no saved value for variable ".*-other"/,
  );
  const reshaped = { variables: () => [vars[1]!] };
  vars[1]!.dispose();
  const wrong = tf.variable(tf.zeros([4]), true, vars[1]!.name);
  assert.throws(
    () => loadModelWeights(join(dir, 'checkpoint'), { variables: () => [wrong] }),
    /has shape \[4\] but the checkpoint holds \[3\]/,
  );
  void reshaped;
  tf.dispose([vars[0]!, ...other, wrong]);
  rmSync(dir, { recursive: true, force: true });
});

test('initModelFrom copies variables by name, keeps new ones fresh, and refuses another architecture', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-init-'));
  try {
    const src = makeModel(1);
    await writeCheckpoint(dir, src.model, undefined, state(5));
    // The same names plus one extra variable (like a VAE given a flow decoder). tfjs variable
    // names are global, so the source's are freed first.
    const tag = src.model.metadata().tag;
    const saved = values(src.vars);
    tf.dispose(src.vars);
    const rng = createRng(9);
    const extra = tf.variable(tf.tensor1d(rng.fillNormal(new Float32Array(4)) as Float32Array), true, `${tag}/extra`);
    const extraBefore = Array.from(extra.dataSync());
    const target = [
      tf.variable(tf.zeros([2, 3]), true, `${tag}/kernel`),
      tf.variable(tf.zeros([3]), true, `${tag}/bias`),
      extra,
    ];
    const r = initModelFrom(dir, { variables: () => target });
    assert.deepEqual(r.copied, [`${tag}/kernel`, `${tag}/bias`]);
    assert.deepEqual(r.fresh, [`${tag}/extra`]);
    assert.deepEqual(values(target.slice(0, 2)), saved);
    assert.deepEqual(Array.from(extra.dataSync()), extraBefore);
    tf.dispose(target);
    const wrongShape = tf.variable(tf.zeros([3, 2]), true, `${tag}/kernel`);
    assert.throws(
      () => initModelFrom(dir, { variables: () => [wrongShape] }),
      (e: Error) => e.name === 'InputError' && /shape \[3,2\] here but \[2,3\]/.test(e.message),
    );
    wrongShape.dispose();
    const unrelated = tf.variable(tf.zeros([1]), true, `${tag}/unrelated`);
    assert.throws(() => initModelFrom(dir, { variables: () => [unrelated] }), /none of this model's variables/);
    assert.throws(() => initModelFrom(join(dir, 'nothing'), { variables: () => [unrelated] }), /no checkpoint there/);
    unrelated.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
