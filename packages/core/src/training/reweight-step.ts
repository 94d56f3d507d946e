/**
 * One step of annealing by reweighting: weighted maximum likelihood (objectives/reweighting.ts) on
 * rows resampled from a buffer of the model's own samples, weighted at the current rung's β. The
 * buffer is redrawn every refreshEvery steps of a rung, and at the start of each rung.
 */
import * as tf from '@embedcg/core/tf';
import { TrainingError } from '../errors.js';
import { applyStep } from './gradients.js';
import { learningRateAt, setLearningRate } from './learning-rate.js';
import { LossSum } from './objectives/objective.js';
import { weightedLikelihood } from './objectives/reweighting.js';
import { countStep } from './phases.js';
import { fillBuffer, resample, type Buffer } from './reweighting.js';
import type { TrainingSession } from './session.js';
import type { StepRecord } from './step-record.js';

/** The session's buffer, redrawn at β when a refresh is due. */
async function currentBuffer(s: TrainingSession, beta: number, refresh: boolean): Promise<Buffer> {
  const rw = s.cfg.reweighting;
  if (s.buffer && !refresh) return s.buffer;
  if (!rw) throw new Error('a reweighting step without training.reweighting');
  try {
    s.buffer = await fillBuffer({
      model: s.model,
      transform: s.transform,
      forceField: s.ff,
      n: rw.bufferSize,
      beta,
      rng: s.rng,
      batchSize: s.config.evaluation.batchSize,
    });
  } catch (e) {
    throw new TrainingError(
      `training.reweighting, step ${s.state.step}: ${(e as Error).message}; the model proposes impossible structures`,
    );
  }
  return s.buffer;
}

/** A reweighting step on the state's rung; returns its history record. */
export async function reweightStep(s: TrainingSession): Promise<StepRecord> {
  const state = s.state;
  if (state.phase !== 'reweight') throw new Error(`a reweighting step in phase ${state.phase}`);
  const learningRate = setLearningRate(s.optimizer, learningRateAt(state, s.cfg));
  const bs = s.cfg.reweighting?.batchSize ?? s.cfg.batchSize;
  const beta = s.rungs[state.rung]!;
  state.beta = beta;
  const t0 = performance.now();
  const evals0 = s.ff.evaluations;
  const buffer = await currentBuffer(s, beta, state.rungStepsDone % s.plan.refreshEvery === 0);
  const t1 = performance.now();
  const rows = resample(buffer, bs, s.rng);
  const t2 = performance.now();
  const term = weightedLikelihood.prepare({ rows, n: bs, dimension: buffer.dimension });
  const { value, grads } = tf.variableGrads(() => {
    const sum = new LossSum();
    term.addTo(sum, { logQ: s.logQ });
    return sum.value;
  }, s.model.variables());
  const loss = value.dataSync()[0]!;
  const at = { step: state.step, level: state.level, beta, checkpointDir: s.folder.path('checkpoint') };
  const t3 = performance.now();
  const gradNorm = applyStep(s.optimizer, s.model.variables(), { value, grads, loss }, at, s.cfg.gradClipNorm);
  const t4 = performance.now();
  tf.dispose([value, grads]);
  state.step++;
  countStep(state, loss);
  return {
    type: 'step',
    phase: 'reweight',
    step: state.step,
    level: state.level,
    beta,
    betaFraction: beta / s.target,
    loss,
    learningRate,
    ess: buffer.ess,
    dropped: buffer.drawn - buffer.cdf.length,
    gradNorm,
    energyEvaluations: s.ff.evaluations,
    wallSeconds: s.wall(),
    // A refresh step's draw and energies both count as force-field time: the buffer is one call.
    ms: { draw: t2 - t1, forceField: s.ff.evaluations > evals0 ? t1 - t0 : 0, gradient: t3 - t2, update: t4 - t3 },
  };
}
