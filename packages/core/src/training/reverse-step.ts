/**
 * One reverse-KL-family step (tempering, final stage, polish):
 *  1. draw a batch and map it to force-field space;
 *  2. evaluate energies and forces there (Float64, possibly async: workers or another process),
 *     guard them, and compute the batch's numbers (importance weights of the kept rows);
 *  3. let each objective of the session derive its weights or coefficients from those numbers;
 *  4. build the loss on the draw inside `tf.variableGrads`, where the energy enters through
 *     `energyOp` with the forces of step 2 as its gradient, and the objectives add their terms;
 *  5. clip the gradient and apply it with Adam.
 * With `training.fusedKernels` (the default) the draw of step 1 runs on a gradient tape held open
 * across the force field's await (open-tape.ts), so the draw is taped once. Otherwise (the
 * unfused path, kept as it was) step 1 draws untaped and step 4 redraws the same batch from the
 * rewound RNG: the same numbers for one more forward pass, which the unfused ops' saved tensors
 * made the cheaper way (docs/results/training-speed.md, "Taping the draw once").
 * With training.workers > 1 the workers do steps 1–4 (parallel/).
 */
import * as tf from '@embedcg/core/tf';
import { TrainingError } from '../errors.js';
import { essFraction } from '../util/stats.js';
import { energyOp } from './energy-op.js';
import type { EnergyGuardSettings } from '../config/run-config.js';
import { guardEnergies, type GuardedBatch } from './energy-guard.js';
import { applyStep } from './gradients.js';
import { learningRateAt, setLearningRate } from './learning-rate.js';
import { LossSum, type BatchNumbers, type ObjectiveTerm, type TapedBatch } from './objectives/objective.js';
import { countStep } from './phases.js';
import { drawConfigurations, mappedDraw, readDraw } from './sampling.js';
import { drawOnTape, handOverTape, releaseDraw, type TapedDraw } from './open-tape.js';
import type { TrainingSession } from './session.js';
import type { StepRecord } from './step-record.js';
import { parallelGradient } from './parallel/parallel-step.js';

interface EvaluatedBatch {
  numbers: BatchNumbers;
  guarded: GuardedBatch;
  /** The draw, when it was taped (the tape is open until the loss is built). */
  taped?: TapedDraw;
  /** performance.now() before the draw, after it, and after the force field. */
  times: [number, number, number];
}

/**
 * The energy guard of the step's phase at β (the final stage may tighten it); a cap in kT
 * (`maxBetaEnergy`) becomes the kJ/mol threshold c/β wherever that is below `maxEnergy`.
 */
export function guardSettings(s: Pick<TrainingSession, 'cfg' | 'state'>, beta: number): EnergyGuardSettings {
  const { energyGuard } = s.cfg;
  const final = s.state.phase === 'final';
  const g = final && energyGuard.final ? { ...energyGuard, ...energyGuard.final } : energyGuard;
  if (g.maxBetaEnergy === undefined) return g;
  return { ...g, maxEnergy: Math.min(g.maxEnergy, g.maxBetaEnergy / beta) };
}

/** The step's batch size: `finalBatchSize` at β* (final stage, polish), else `batchSize`. */
export function batchSizeAt(s: Pick<TrainingSession, 'cfg' | 'state'>): number {
  const atTarget = s.state.phase === 'final' || s.state.phase === 'polish';
  return atTarget ? (s.cfg.finalBatchSize ?? s.cfg.batchSize) : s.cfg.batchSize;
}

/** A draw's numbers as the objectives need them. */
export interface DrawnRows {
  logQ: ArrayLike<number>;
  proposalLogRatio?: ArrayLike<number>;
  hasChoice: boolean;
  y: ArrayLike<number>;
}

/**
 * The batch's numbers from its draw and its guarded energies: the importance weights of the kept
 * rows. A batch whose every row was dropped stops training.
 */
export function batchNumbers(
  s: Pick<TrainingSession, 'state' | 'renyiPowers' | 'model'>,
  beta: number,
  a: DrawnRows,
  g: Pick<GuardedBatch, 'energies' | 'mask' | 'dropped'>,
): BatchNumbers {
  const bs = g.mask.length;
  if (bs - g.dropped === 0) {
    throw new TrainingError(
      `step ${s.state.step}: every configuration of the batch had a non-finite energy or force at β = ${beta}; ` +
        `the model proposes impossible structures (check the force field, the initial structure, or lower the learning rate)`,
    );
  }
  const logw: number[] = [];
  // log(q/proposal) of each kept sample when the model drew its choices from a proposal, else 0.
  const ratio: number[] = [];
  let maxBetaEnergy = -Infinity;
  for (let i = 0; i < bs; i++) {
    if (g.mask[i] !== 1) continue;
    const betaEnergy = beta * g.energies[i]!;
    maxBetaEnergy = Math.max(maxBetaEnergy, betaEnergy);
    logw.push(-betaEnergy - a.logQ[i]!);
    ratio.push(a.proposalLogRatio?.[i] ?? 0);
  }
  const final = s.state.phase === 'final';
  return {
    size: bs,
    mask: g.mask,
    logw,
    ratio,
    renyiPower: final ? s.renyiPowers.final : s.renyiPowers.other,
    maxBetaEnergy,
    proposalLogRatio: a.proposalLogRatio,
    hasChoice: a.hasChoice,
    y: a.y,
    modelDimension: s.model.dimension,
  };
}

/**
 * Steps 1 and 2: draw (on a tape held open across the force field when `once` and a tape can be
 * opened), evaluate, guard; the numbers of the kept rows.
 */
async function drawBatch(s: TrainingSession, beta: number, once: boolean): Promise<EvaluatedBatch> {
  const bs = batchSizeAt(s);
  const t0 = performance.now();
  const opts = { training: true };
  const taped = once ? drawOnTape(() => s.model.draw(bs, s.rng, opts)) : undefined;
  try {
    const a = taped
      ? mappedDraw(readDraw(taped.draw), s.transform, bs)
      : drawConfigurations(s.model, s.transform, bs, s.rng, opts);
    const t1 = performance.now();
    const ev = await s.ff.evaluate(a.x, bs);
    const t2 = performance.now();
    const g = guardEnergies(ev.energies, ev.forces, s.ff.dimension, guardSettings(s, beta));
    return { numbers: batchNumbers(s, beta, a, g), guarded: g, taped, times: [t0, t1, t2] };
  } catch (e) {
    releaseDraw(taped);
    throw e;
  }
}

/** What the taped redraw reads: the session's, or a data-parallel worker's own. */
export type TapeContext = Pick<TrainingSession, 'model' | 'transform' | 'rng' | 'logQ'>;

/**
 * Step 4: the loss the terms build on the batch's draw: `drawn`, already on the open tape, or
 * else a taped redraw from the RNG rewound to where the draw began. With `rows`, the batch is only
 * those rows (a worker's share), with their guarded energies and forces.
 */
export function tapedLoss(
  s: TapeContext,
  beta: number,
  g: Pick<GuardedBatch, 'energies' | 'forces'>,
  terms: ObjectiveTerm<TapedBatch>[],
  rows?: { begin: number; size: number },
  drawn?: TapedDraw,
) {
  const n = g.energies.length;
  const D = g.forces.length / n;
  const E = tf.tensor1d(Float32Array.from(g.energies));
  const F = tf.tensor2d(Float32Array.from(g.forces), [n, D]);
  try {
    return tf.variableGrads(() => {
      const d = drawn?.draw ?? s.model.draw(n, s.rng, { training: true });
      let x = d.y;
      let lq = d.logQ;
      if (s.transform) {
        const t = s.transform.forward(d.y);
        x = t.x;
        lq = tf.sub(lq, t.logDetJ);
      }
      const u = energyOp(x, E, F);
      const taped: TapedBatch = {
        perSample: tf.add(lq, tf.mul(beta, u)),
        draw: d,
        logQ: s.logQ,
        ...(rows ? { rows } : {}),
      };
      const sum = new LossSum();
      for (const term of terms) term.addTo(sum, taped);
      // The draw's open tape goes to variableGrads, whose backward then runs untaped (open-tape.ts).
      if (drawn) handOverTape(drawn.tape);
      return sum.value;
    }, s.model.variables());
  } finally {
    tf.dispose([E, F]);
  }
}

/** A step's gradient before clipping and Adam, and what its record needs. */
export interface LocalGradient {
  numbers: BatchNumbers;
  dropped: number;
  value: tf.Scalar;
  grads: tf.NamedTensorMap;
  loss: number;
  forwardLoss?: number;
  /** performance.now() before the draw, after it, after the force field, after the gradient. */
  times: [number, number, number, number];
}

/** Steps 1–4 on this thread. */
async function localGradient(s: TrainingSession, beta: number): Promise<LocalGradient> {
  const snap = s.rng.getState();
  let b: EvaluatedBatch | undefined;
  let terms: ObjectiveTerm<TapedBatch>[] = [];
  try {
    b = await drawBatch(s, beta, s.cfg.fusedKernels);
    const numbers = b.numbers;
    terms = s.objectives.flatMap((o) => o.prepare(numbers) ?? []);
    // An untaped draw is drawn again, taped, from where it began.
    if (!b.taped) s.rng.setState(snap);
    const { value, grads } = tapedLoss(s, beta, b.guarded, terms, undefined, b.taped);
    const reports = terms.map((t) => t.report?.() ?? {});
    const forwardLoss = reports.find((r) => r.forwardLoss !== undefined)?.forwardLoss;
    // The recorded loss stays the plain reverse-KL mean, comparable across objectives.
    const recorded = reports.find((r) => r.loss !== undefined)?.loss;
    const loss = recorded ?? value.dataSync()[0]! - s.forwardKLWeight * (forwardLoss ?? 0);
    const [t0, t1, t2] = b.times;
    const times: LocalGradient['times'] = [t0, t1, t2, performance.now()];
    return { numbers, dropped: b.guarded.dropped, value, grads, loss, forwardLoss, times };
  } finally {
    releaseDraw(b?.taped);
    for (const t of terms) t.dispose();
  }
}

/** A reverse-KL-family step at the state's β; returns its history record. */
export async function reverseStep(s: TrainingSession): Promise<StepRecord> {
  const learningRate = setLearningRate(s.optimizer, learningRateAt(s.state, s.cfg));
  const beta = s.state.beta;
  const r = s.pool ? await parallelGradient(s, s.pool, beta) : await localGradient(s, beta);
  const { value, grads, loss, forwardLoss } = r;
  const at = { step: s.state.step, level: s.state.level, beta, checkpointDir: s.folder.path('checkpoint') };
  const gradNorm = applyStep(s.optimizer, s.model.variables(), { value, grads, loss }, at, s.cfg.gradClipNorm);
  const t4 = performance.now();
  tf.dispose([value, grads]);
  const state = s.state;
  state.step++;
  countStep(state, loss);
  const [t0, t1, t2, t3] = r.times;
  const { logw, ratio } = r.numbers;
  return {
    type: 'step',
    ...(state.phase === 'polish' ? { phase: 'polish' } : {}),
    step: state.step,
    level: state.level,
    beta,
    betaFraction: beta / s.target,
    loss,
    learningRate,
    ...(forwardLoss !== undefined ? { forwardLoss } : {}),
    ess: essFraction(logw.map((v, j) => v + ratio[j]!)),
    dropped: r.dropped,
    gradNorm,
    maxBetaEnergy: r.numbers.maxBetaEnergy,
    energyEvaluations: s.ff.evaluations,
    wallSeconds: s.wall(),
    ms: { draw: t1 - t0, forceField: t2 - t1, gradient: t3 - t2, update: t4 - t3 },
  };
}
