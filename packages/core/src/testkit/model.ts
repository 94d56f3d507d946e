/**
 * Model checks: a draw has the declared shapes, finite log-densities and a gradient for every
 * variable; seeds reproduce draws; an optional `initialize` leaves a conforming model.
 */
import * as tf from '@embedcg/core/tf';
import type { Model, TargetProbe } from '../contracts/model.js';
import { createRng } from '../util/random.js';
import { fail } from './errors.js';

/** The same seed gives the same samples; another seed gives others. */
export async function checkModelDeterminism(create: (seed: number) => Promise<Model> | Model): Promise<string> {
  const draw = async (modelSeed: number, rngSeed: number) => {
    const m = await create(modelSeed);
    const v = tf.tidy(() => m.draw(16, createRng(rngSeed)).y.dataSync() as Float32Array).slice();
    m.dispose();
    return v;
  };
  const a = await draw(1, 5),
    b = await draw(1, 5),
    c = await draw(2, 6);
  if (!a.every((v, i) => v === b[i])) fail('determinism', 'the same seeds gave different samples');
  if (a.every((v, i) => v === c[i])) fail('determinism', 'different seeds gave identical samples');
  return 'seeded draws reproduce';
}

/** A model's draw has the declared shapes, finite log-densities, and gradients for every variable. */
export function checkModelDraw(m: Model): string {
  const n = 8;
  const { value, grads } = tf.variableGrads(() => {
    const d = m.draw(n, createRng(11));
    if (d.y.shape[0] !== n || d.y.shape[1] !== m.dimension)
      fail('model draw', `y has shape [${d.y.shape}], expected [${n}, ${m.dimension}]`);
    if (d.logQ.shape.length !== 1 || d.logQ.shape[0] !== n)
      fail('model draw', `logQ has shape [${d.logQ.shape}], expected [${n}]`);
    if (m.latentDimension && d.z && d.z.shape[1] !== m.latentDimension)
      fail('model draw', `z has ${d.z.shape[1]} columns, expected ${m.latentDimension}`);
    const lq = d.logQ.dataSync();
    if (!lq.every(Number.isFinite)) fail('model draw', 'logQ has non-finite values');
    const loss = tf.add(tf.mean(d.logQ), tf.mean(tf.sum(tf.square(d.y), 1))) as tf.Scalar;
    if (!d.choiceLogProb) return loss;
    if (d.choiceLogProb.shape.length !== 1 || d.choiceLogProb.shape[0] !== n)
      fail('model draw', `choiceLogProb has shape [${d.choiceLogProb.shape}], expected [${n}]`);
    if (!d.choiceLogProb.dataSync().every((v) => Number.isFinite(v) && v <= 1e-6))
      fail('model draw', 'choiceLogProb must hold finite log-probabilities (≤ 0)');
    // The choice's probabilities are variables too: they need a gradient path through it.
    return tf.add(loss, tf.mean(d.choiceLogProb)) as tf.Scalar;
  }, m.variables());
  const missing = m.variables().filter((v) => !grads[v.name]);
  tf.dispose([value, grads]);
  if (missing.length) fail('model draw', `no gradient for variables ${missing.map((v) => v.name).join(', ')}`);
  checkTrainingDraw(m, n);
  const names = m.variables().map((v) => v.name);
  if (new Set(names).size !== names.length)
    fail('model draw', 'variable names are not unique (checkpoints store them by name)');
  return `${m.variables().length} variables, shapes ok`;
}

/** A training draw ({ training: true }) has the same shapes; a proposal's log-ratios are finite and replace choiceLogProb. */
function checkTrainingDraw(m: Model, n: number): void {
  tf.tidy(() => {
    const d = m.draw(n, createRng(12), { training: true });
    if (d.y.shape[0] !== n || d.y.shape[1] !== m.dimension)
      fail('model training draw', `y has shape [${d.y.shape}], expected [${n}, ${m.dimension}]`);
    if (!d.logQ.dataSync().every(Number.isFinite)) fail('model training draw', 'logQ has non-finite values');
    if (!d.proposalLogRatio) return;
    if (d.choiceLogProb)
      fail(
        'model training draw',
        'reports both proposalLogRatio and choiceLogProb; the proposal weights already carry the choice gradient',
      );
    if (d.proposalLogRatio.shape.length !== 1 || d.proposalLogRatio.shape[0] !== n)
      fail('model training draw', `proposalLogRatio has shape [${d.proposalLogRatio.shape}], expected [${n}]`);
    if (!d.proposalLogRatio.dataSync().every(Number.isFinite))
      fail('model training draw', 'proposalLogRatio has non-finite values');
  });
}

/**
 * A model's optional `initialize`: it probes only well-formed, finite configurations, resolves to a
 * line or undefined, and leaves a model whose draws still pass {@link checkModelDraw}. The probe's
 * target is a standard normal in model space.
 */
export async function checkModelInitialize(m: Model): Promise<string> {
  if (!m.initialize) return 'no initialize (optional)';
  const D = m.dimension;
  let rows = 0;
  const probe: TargetProbe = {
    beta: 1,
    rng: createRng(13),
    async logTarget(y: Float64Array, n: number) {
      if (!Number.isInteger(n) || n < 1 || y.length !== n * D)
        fail('model initialize', `probed ${y.length} values as ${n} rows of ${D}`);
      if (!y.every(Number.isFinite)) fail('model initialize', 'probed non-finite coordinates');
      rows += n;
      return Float64Array.from({ length: n }, (_, i) => {
        let s = 0;
        for (let j = 0; j < D; j++) s += y[i * D + j]! ** 2;
        return -0.5 * s;
      });
    },
  };
  const said = await m.initialize(probe);
  if (said !== undefined && typeof said !== 'string')
    fail('model initialize', `resolved to ${typeof said}, expected a string or undefined`);
  checkModelDraw(m);
  return `probed ${rows} configurations; draws still conform`;
}
