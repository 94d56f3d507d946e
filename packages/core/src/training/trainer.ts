/**
 * The training loop: reverse KL E_q[ℓ + βU] (science.md §2) with adaptive tempering (§5),
 * energy guards, gradient clipping, NaN/Inf detection, atomic checkpoints and resume.
 *
 * One step:
 *  1. snapshot the RNG, draw a batch and map it to force-field space;
 *  2. evaluate energies and forces there (Float64, possibly async: workers or another process);
 *  3. restore the RNG and redraw the same batch inside `tf.variableGrads`, where the energy enters
 *     through `energyOp` with the forces of step 2 as its gradient.
 * Drawing twice costs one extra forward pass, and buys force fields that may be asynchronous.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model, TargetProbe } from '../contracts/model.js';
import type { CoordinateTransform } from '../contracts/transform.js';
import type { LevelContext, TemperingSchedule } from '../contracts/schedule.js';
import type { CountingForceField } from '../counting-force-field.js';
import { targetBeta, type RunConfig } from '../config/run-config.js';
import { ConfigError, InputError, TrainingError } from '../errors.js';
import { createRng, type Rng } from '../util/random.js';
import { essFraction, normalizedWeights } from '../util/stats.js';
import { energyOp } from './energy-op.js';
import { guardEnergies } from './energy-guard.js';
import { drawConfigurations, drawSamples } from './sampling.js';
import { proposalCoefficients, scoreCoefficients } from './score-function.js';
import { loadModelWeights, loadOptimizerState, readCheckpointState } from '../run-folder/checkpoint.js';
import { RUN_LAYOUT } from '../run-folder/layout.js';
import { RunFolder } from '../run-folder/run-folder.js';
import type { HistoryFile } from '../run-folder/history.js';
import type { TrainerState } from './trainer-state.js';
import { createProgress } from './progress.js';
import { fillBuffer, resample, rungBetas, weightedLikelihoodLoss, type Buffer } from './reweighting.js';

export interface TrainerOptions {
  runDir: string;
  config: RunConfig;
  forceField: CountingForceField;
  transform?: CoordinateTransform;
  model: Model;
  schedule: TemperingSchedule;
  /** Continue from the run directory's checkpoint. */
  resume?: boolean;
  log?: (message: string) => void;
  /** Show the progress line (default true). */
  progress?: boolean;
  /** Stop (with a checkpoint) after this many steps in this call; for tests and time-boxed runs. */
  stopAfterSteps?: number;
  /** Abort (with a checkpoint) at the next step boundary, e.g. on SIGINT. */
  signal?: AbortSignal;
}

export interface StepRecord {
  type: 'step';
  step: number;
  level: number;
  beta: number;
  betaFraction: number;
  loss: number;
  /**
   * Where this step's milliseconds went: the sampling pass (networks, no tape), the force field,
   * the taped pass with its gradients (networks again, plus the forward-KL term), and Adam.
   */
  ms: { draw: number; forceField: number; gradient: number; update: number };
  /** Adam's learning rate at this step. */
  learningRate: number;
  /** Importance-weighted forward KL term (without its constant), when training.forwardKLWeight > 0. */
  forwardLoss?: number;
  /** 'reweight' for the weighted maximum-likelihood steps of training.reweighting, 'polish' for its reverse-KL steps at β* after the ladder; else absent. */
  phase?: 'reweight' | 'polish';
  ess: number;
  dropped: number;
  energyEvaluations: number;
  wallSeconds: number;
}

export interface TrainResult {
  state: TrainerState;
  /** 'done' when the schedule and final stage finished; 'stopped' when interrupted on request. */
  status: 'done' | 'stopped';
  /** Seconds spent in the force field and in the rest (networks) during this call. */
  timing: { forceFieldSeconds: number; totalSeconds: number };
}

/** The history file's name in a run folder (`RUN_LAYOUT.history`). */
export const HISTORY_FILE = RUN_LAYOUT.history;

/** The target density at β for `Model.initialize`, evaluated in batches of at most `batchSize`. */
function targetProbe(
  model: Model,
  transform: CoordinateTransform | undefined,
  ff: CountingForceField,
  beta: number,
  rng: Rng,
  batchSize: number,
): TargetProbe {
  const Dm = model.dimension;
  return {
    beta,
    rng,
    async logTarget(y: Float64Array, n: number): Promise<Float64Array> {
      if (y.length !== n * Dm)
        throw new RangeError(`target probe: ${n} rows of ${Dm} need ${n * Dm} values, got ${y.length}`);
      const out = new Float64Array(n);
      for (let start = 0; start < n; start += batchSize) {
        const b = Math.min(batchSize, n - start);
        const rows = y.subarray(start * Dm, (start + b) * Dm);
        const t = transform ? transform.forward64(rows, b) : { x: rows, logDetJ: new Float64Array(b) };
        const { energies } = await ff.evaluate(Float64Array.from(t.x), b, { energiesOnly: true });
        for (let i = 0; i < b; i++) {
          const e = energies[i]!;
          out[start + i] = Number.isFinite(e) ? -beta * e + t.logDetJ[i]! : -Infinity;
        }
      }
      return out;
    },
  };
}

export async function train(o: TrainerOptions): Promise<TrainResult> {
  const cfg = o.config.training;
  const log = o.log ?? (() => {});
  const { model, transform, schedule } = o;
  const ff = o.forceField;
  const D = ff.dimension;
  const target = targetBeta(o.config);
  const folder = new RunFolder(o.runDir);
  const rng = createRng(o.config.seed * 7919 + 17);
  const optimizer = tf.train.adam(cfg.learningRate);
  const expectedIn = transform ? transform.outputDimension : model.dimension;
  if (expectedIn !== D) {
    throw new InputError(
      `the model produces ${expectedIn}-dimensional configurations but force field "${ff.name}" expects ${D}`,
    );
  }
  if (transform && transform.inputDimension !== model.dimension) {
    throw new InputError(
      `transform "${transform.name}" takes ${transform.inputDimension} dimensions but model "${model.name}" has ${model.dimension}`,
    );
  }

  const rw = cfg.reweighting;
  // With annealing by reweighting from a hot start, reverse-KL tempering treats startFraction·β* as its target.
  const temperTarget = rw ? target * Math.min(1, rw.startFraction ?? 1) : target;
  const rungs = rw ? rungBetas({ startFraction: rw.startFraction ?? 1, rungs: rw.rungs ?? 1 }, target) : [];
  if (rw && !model.logProb && !model.logProbBound) {
    throw new ConfigError(
      `training.reweighting needs a model with logProb() (exact density) or logProbBound() (latent-variable bound); ` +
        `model "${model.name}" has neither (remove training.reweighting)`,
    );
  }
  const fwdWeight = cfg.forwardKLWeight ?? 0;
  const renyiPowers = { other: 1 - (cfg.renyiAlpha ?? 1), final: 1 - (cfg.finalRenyiAlpha ?? cfg.renyiAlpha ?? 1) };
  for (const [key, p] of [
    ['renyiAlpha', renyiPowers.other],
    ['finalRenyiAlpha', renyiPowers.final],
    ['reverseKLShare', cfg.reverseKLShare ?? 0],
  ] as const) {
    if (!(p >= 0 && p <= 1)) throw new ConfigError(`training.${key} must be a number in [0, 1], got ${cfg[key]}`);
  }
  if (fwdWeight > 0 && !model.logProb && !model.logProbBound) {
    throw new ConfigError(
      `training.forwardKLWeight = ${fwdWeight} needs a model with logProb() (exact density) or logProbBound() (latent-variable bound); ` +
        `model "${model.name}" has neither (set forwardKLWeight to 0)`,
    );
  }
  // Exact log q when the model has it; otherwise the evidence bound, which the forward term (and
  // the reweighting phase) then tightens as well (encoder included).
  const forwardLogQ = (y: tf.Tensor2D): tf.Tensor1D => (model.logProb ? model.logProb(y) : model.logProbBound!(y, rng));

  let state: TrainerState;
  let history: HistoryFile;
  if (o.resume) {
    const cp = folder.latestCheckpoint();
    if (!cp)
      throw new InputError(`cannot resume: ${o.runDir} holds no checkpoint (was the run started with this --out?)`);
    folder.format();
    folder.checkResumeConfig(o.config);
    state = readCheckpointState(cp);
    loadModelWeights(cp, model);
    await loadOptimizerState(cp, optimizer);
    rng.setState(state.rngState);
    schedule.setState(state.scheduleState);
    ff.evaluations = state.energyEvaluations;
    history = folder.resumeHistory(state.historyLines);
    folder.markCurrentFormat();
    log(`resuming from step ${state.step} (level ${state.level}, β/β_target ${(state.beta / target).toPrecision(4)})`);
  } else {
    history = folder.startHistory();
    state = {
      step: 0,
      level: 0,
      beta: schedule.initialBeta(temperTarget),
      targetBeta: target,
      stepInLevel: 0,
      losses: [],
      phase: 'tempering',
      finalStepsDone: 0,
      energyEvaluations: 0,
      wallSeconds: 0,
      rngState: rng.getState(),
      scheduleState: schedule.getState(),
      historyLines: 0,
    };
  }
  if (!o.resume && model.initialize) {
    const said = await model.initialize(
      targetProbe(
        model,
        transform,
        ff,
        state.beta,
        createRng(o.config.seed * 7919 + 29),
        o.config.evaluation.batchSize,
      ),
    );
    if (said) log(said);
  }
  const writeHistory = (rec: object) => history.append(rec);

  const wall0 = performance.now();
  const wallBase = state.wallSeconds;
  const ffSeconds0 = ff.seconds;
  const wall = () => wallBase + (performance.now() - wall0) / 1000;
  const checkpoint = async () => {
    state.rngState = rng.getState();
    state.scheduleState = schedule.getState();
    state.energyEvaluations = ff.evaluations;
    state.wallSeconds = wall();
    state.historyLines = history.lines;
    await folder.saveCheckpoint(model, optimizer, state);
  };
  const progress = createProgress('train', { enabled: o.progress ?? true });
  const polishTotal = rw?.polishSteps ?? 0;
  const reweightTotal = rw ? rungs.length * rw.stepsPerRung + polishTotal : 0;
  const estimateRemaining = (): number => {
    if (state.phase === 'polish') return polishTotal - (state.polishStepsDone ?? 0);
    if (state.phase === 'reweight')
      return reweightTotal - (state.rung ?? 0) * rw!.stepsPerRung - (state.rungStepsDone ?? 0);
    if (state.phase === 'final') return cfg.finalSteps - state.finalStepsDone + reweightTotal;
    if (state.phase === 'done') return 0;
    const here = Math.max(0, (state.level === 0 ? cfg.initialSteps : cfg.stepsPerLevel) - state.stepInLevel);
    const db = state.lastDeltaBeta ?? (temperTarget - state.beta) / 20;
    const levelsLeft = Math.ceil(Math.max(0, temperTarget - state.beta) / Math.max(db, 1e-12 * temperTarget));
    return here + levelsLeft * cfg.stepsPerLevel + cfg.finalSteps + reweightTotal;
  };

  // Adam reads its learning rate at every update, so the decay needs no optimizer state of its own
  // and a resumed run picks up the same rate from finalStepsDone.
  const setLearningRate = () => {
    const lrFinal = cfg.finalLearningRate;
    if (state.phase === 'reweight' || state.phase === 'polish') {
      const lr = rw!.learningRate ?? lrFinal ?? cfg.learningRate;
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      return lr;
    }
    const lr =
      state.phase === 'final' && lrFinal !== undefined && cfg.finalSteps > 0
        ? cfg.learningRate * (lrFinal / cfg.learningRate) ** (state.finalStepsDone / cfg.finalSteps)
        : cfg.learningRate;
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
    return lr;
  };

  const checkedNormSq = (value: tf.Scalar, grads: tf.NamedTensorMap, loss: number, beta: number): number => {
    const names = Object.keys(grads);
    const normSq = tf.tidy(() => tf.addN(names.map((k) => tf.sum(tf.square(grads[k]!)))).dataSync()[0]!);
    if (!Number.isFinite(loss) || !Number.isFinite(normSq)) {
      tf.dispose([value, grads]);
      throw new TrainingError(
        `non-finite ${Number.isFinite(loss) ? 'gradient' : 'loss'} at step ${state.step} (level ${state.level}, β = ${beta.toPrecision(4)}). ` +
          `Training stopped; the last good checkpoint in ${folder.path('checkpoint')} is kept. ` +
          `Try a smaller learning rate, a lower training.energyGuard.maxEnergy, or training.energyGuard.dropFraction > 0.`,
      );
    }
    return normSq;
  };
  const clipAndApply = (grads: tf.NamedTensorMap, normSq: number): void => {
    const norm = Math.sqrt(normSq);
    if (cfg.gradClipNorm > 0 && norm > cfg.gradClipNorm) {
      const s = cfg.gradClipNorm / norm;
      for (const k of Object.keys(grads)) {
        const old = grads[k]!;
        grads[k] = tf.mul(old, s);
        old.dispose();
      }
    }
    // Adam keys its moment slots by position in the gradient list, and tf.variableGrads leaves out
    // variables a loss does not reach (a model's logProb path may skip one its draw path uses).
    // So every update lists all trainable variables in one fixed order, with zeros for the unreached.
    const full: tf.NamedTensorMap = {};
    const zeros: tf.Tensor[] = [];
    for (const v of model.variables()) {
      let g = grads[v.name];
      if (!g) {
        g = tf.zerosLike(v);
        zeros.push(g);
      }
      full[v.name] = g;
    }
    optimizer.applyGradients(full as Record<string, tf.Variable>);
    tf.dispose(zeros);
  };

  // The buffer is not checkpointed: checkpoints in this phase fall on refresh boundaries, so a
  // resumed run redraws the same buffer from the same RNG state (a stop elsewhere redraws a new one).
  let buffer: Buffer | undefined;
  const reweightStep = async (): Promise<StepRecord> => {
    const learningRate = setLearningRate();
    const bs = rw!.batchSize ?? cfg.batchSize;
    const beta = rungs[state.rung!]!;
    state.beta = beta;
    const t0 = performance.now();
    const evals0 = ff.evaluations;
    if (!buffer || state.rungStepsDone! % rw!.refreshEvery === 0) {
      try {
        buffer = await fillBuffer({
          model,
          transform,
          forceField: ff,
          n: rw!.bufferSize,
          beta,
          rng,
          batchSize: o.config.evaluation.batchSize,
        });
      } catch (e) {
        throw new TrainingError(
          `training.reweighting, step ${state.step}: ${(e as Error).message}; the model proposes impossible structures`,
        );
      }
    }
    const t1 = performance.now();
    const rows = resample(buffer, bs, rng);
    const t2 = performance.now();
    const { value, grads } = tf.variableGrads(
      () => weightedLikelihoodLoss(forwardLogQ, rows, bs, buffer!.dimension),
      model.variables(),
    );
    const loss = value.dataSync()[0]!;
    const normSq = checkedNormSq(value, grads, loss, beta);
    const t3 = performance.now();
    clipAndApply(grads, normSq);
    const t4 = performance.now();
    tf.dispose([value, grads]);
    state.step++;
    state.rungStepsDone!++;
    return {
      type: 'step',
      phase: 'reweight',
      step: state.step,
      level: state.level,
      beta,
      betaFraction: beta / target,
      loss,
      learningRate,
      ess: buffer.ess,
      dropped: buffer.drawn - buffer.cdf.length,
      energyEvaluations: ff.evaluations,
      wallSeconds: wall(),
      // A refresh step's draw and energies both count as force-field time: the buffer is one call.
      ms: { draw: t2 - t1, forceField: ff.evaluations > evals0 ? t1 - t0 : 0, gradient: t3 - t2, update: t4 - t3 },
    };
  };

  const oneStep = async (): Promise<StepRecord> => {
    const learningRate = setLearningRate();
    const bs = cfg.batchSize;
    const beta = state.beta;
    const snap = rng.getState();
    const t0 = performance.now();
    const a = drawConfigurations(model, transform, bs, rng, { training: true });
    const t1 = performance.now();
    const ev = await ff.evaluate(a.x, bs);
    const t2 = performance.now();
    const guard =
      state.phase === 'final' && cfg.energyGuard.final
        ? { ...cfg.energyGuard, ...cfg.energyGuard.final }
        : cfg.energyGuard;
    const g = guardEnergies(ev.energies, ev.forces, D, guard);
    const kept = bs - g.dropped;
    if (kept === 0) {
      throw new TrainingError(
        `step ${state.step}: every configuration of the batch had a non-finite energy or force at β = ${beta}; ` +
          `the model proposes impossible structures (check the force field, the initial structure, or lower the learning rate)`,
      );
    }
    const logw: number[] = [];
    // log(q/proposal) of each kept sample when the model drew its choices from a proposal, else 0.
    const ratio: number[] = [];
    for (let i = 0; i < bs; i++) {
      if (g.mask[i] !== 1) continue;
      logw.push(-beta * g.energies[i]! - a.logQ[i]!);
      ratio.push(a.proposalLogRatio?.[i] ?? 0);
    }
    const renyiPower = state.phase === 'final' ? renyiPowers.final : renyiPowers.other;
    // reverseKLShare λ: a Rényi step's reparameterised gradient becomes (1 − λ)·∇L_α + λ·∇KL, its
    // weights mixed the same way. The choice probabilities keep L_α's gradient: reverse KL's
    // compares the components' mean bounds, and a rare component's looser bound would drain it.
    const klShare = renyiPower > 0 ? (cfg.reverseKLShare ?? 0) : 0;
    // Self-normalised weights (q/proposal)·w^power of the kept samples, spread back over the batch
    // (0 where dropped); without the q/proposal factor when `withRatio` is false. With `mix`, mixed
    // with reverse KL's weights (power 0) by reverseKLShare.
    const batchWeights = (power: number, withRatio = true, mix = false): tf.Tensor1D => {
      const kept = (p: number) => normalizedWeights(logw.map((v, j) => p * v + (withRatio ? ratio[j]! : 0)));
      let wKept = kept(power);
      if (mix && klShare > 0) {
        const kl = kept(0);
        wKept = wKept.map((v, j) => (1 - klShare) * v + klShare * kl[j]!);
      }
      const wn = new Float32Array(bs);
      for (let i = 0, j = 0; i < bs; i++) if (g.mask[i] === 1) wn[i] = wKept[j++]!;
      return tf.tensor1d(wn);
    };
    // Variational Rényi bound (Li & Turner 2016): the reparameterised gradient of L_α weights each
    // sample's ∇(log q + βU) by w^(1−α), self-normalised over the batch; α = 1 is the plain mean.
    const renyi = renyiPower > 0 ? batchWeights(renyiPower) : undefined;
    // Draws from a proposal: the reverse-KL mean becomes the (q/proposal)-weighted mean.
    const proposalWeights = a.proposalLogRatio && !renyi ? batchWeights(0) : undefined;
    // Weights of the reparameterised gradient, when they differ from the objective's:
    // proposalFit 'balanced' takes the proposal's shares, reverseKLShare mixes in reverse KL's.
    // The choice probabilities get back the objective's weights through (w − u)·log P below.
    const balanced = a.proposalLogRatio !== undefined && cfg.proposalFit === 'balanced';
    const fitWeights = balanced || klShare > 0 ? batchWeights(renyiPower, !balanced, true) : undefined;
    // Mass-covering correction: self-normalised weights of this batch (held constant) times
    // −log q at the same points. Reverse KL alone lets a minor basin drain away once few samples
    // land there; the weights of those few samples are large and pull the density back.
    const fwd =
      fwdWeight > 0 ? { y: tf.tensor2d(Float32Array.from(a.y), [bs, model.dimension]), w: batchWeights(1) } : undefined;
    const choiceCoef = a.hasChoice
      ? tf.tensor1d(scoreCoefficients(logw, g.mask, renyiPower))
      : a.proposalLogRatio
        ? tf.tensor1d(proposalCoefficients(logw, ratio, g.mask, renyiPower))
        : undefined;
    rng.setState(snap);
    const E = tf.tensor1d(Float32Array.from(g.energies));
    const F = tf.tensor2d(Float32Array.from(g.forces), [bs, D]);
    const mask = tf.tensor1d(Float32Array.from(g.mask));
    let loss: number;
    let fwdTerm: tf.Scalar | undefined;
    let t3: number, t4: number;
    let forwardLoss: number | undefined;
    try {
      const { value, grads } = tf.variableGrads(() => {
        const d = model.draw(bs, rng, { training: true });
        let x = d.y;
        let lq = d.logQ;
        if (transform) {
          const t = transform.forward(d.y);
          x = t.x;
          lq = tf.sub(lq, t.logDetJ);
        }
        const u = energyOp(x, E, F);
        const per = tf.add(lq, tf.mul(beta, u));
        const weights = renyi ?? proposalWeights;
        let reverse = (
          weights ? tf.sum(tf.mul(per, fitWeights ?? weights)) : tf.div(tf.sum(tf.mul(per, mask)), kept)
        ) as tf.Scalar;
        // With a proposal, ℓ holds log q(choice), whose gradient must keep the objective's weights w:
        // add (w − u)·log(q/proposal) less its value (the same draw's, as numbers), which has that
        // gradient and value 0. (A choiceLogProb model's ℓ is its own affair: its pathwise
        // gradient takes u whole.)
        if (fitWeights && weights && d.proposalLogRatio) {
          const inert = tf.sub(d.proposalLogRatio, tf.tensor1d(Float32Array.from(a.proposalLogRatio!)));
          reverse = tf.add(reverse, tf.sum(tf.mul(tf.sub(weights, fitWeights), inert))) as tf.Scalar;
        }
        if (choiceCoef && d.choiceLogProb)
          reverse = tf.add(reverse, tf.sum(tf.mul(choiceCoef, d.choiceLogProb))) as tf.Scalar;
        if (choiceCoef && d.proposalLogRatio)
          reverse = tf.add(reverse, tf.sum(tf.mul(choiceCoef, tf.exp(d.proposalLogRatio)))) as tf.Scalar;
        if (!fwd) return reverse;
        const forward = tf.neg(tf.sum(tf.mul(fwd.w, forwardLogQ(fwd.y)))) as tf.Scalar;
        fwdTerm = tf.keep(forward);
        return tf.add(reverse, tf.mul(fwdWeight, forward)) as tf.Scalar;
      }, model.variables());
      if (fwdTerm) forwardLoss = fwdTerm.dataSync()[0]!;
      // The reported loss stays the plain reverse-KL mean, comparable across α.
      loss = renyi
        ? -logw.reduce((acc, v) => acc + v, 0) / logw.length
        : value.dataSync()[0]! - fwdWeight * (forwardLoss ?? 0);
      t3 = performance.now();
      const normSq = checkedNormSq(value, grads, loss, beta);
      clipAndApply(grads, normSq);
      t4 = performance.now();
      tf.dispose([value, grads]);
    } finally {
      tf.dispose([E, F, mask]);
      renyi?.dispose();
      proposalWeights?.dispose();
      fitWeights?.dispose();
      choiceCoef?.dispose();
      if (fwd) tf.dispose([fwd.y, fwd.w]);
      if (fwdTerm) fwdTerm.dispose();
    }
    state.losses.push(loss);
    state.step++;
    state.stepInLevel++;
    if (state.phase === 'final') state.finalStepsDone++;
    if (state.phase === 'polish') state.polishStepsDone = (state.polishStepsDone ?? 0) + 1;
    return {
      type: 'step',
      ...(state.phase === 'polish' ? { phase: 'polish' } : {}),
      step: state.step,
      level: state.level,
      beta,
      betaFraction: beta / target,
      loss,
      learningRate,
      ...(forwardLoss !== undefined ? { forwardLoss } : {}),
      ess: essFraction(logw.map((v, j) => v + ratio[j]!)),
      dropped: g.dropped,
      energyEvaluations: ff.evaluations,
      wallSeconds: wall(),
      ms: { draw: t1 - t0, forceField: t2 - t1, gradient: t3 - t2, update: t4 - t3 },
    };
  };

  const afterFinal = (): TrainerState['phase'] => {
    if (!rw) return 'done';
    state.rung = 0;
    state.rungStepsDone = 0;
    return 'reweight';
  };

  let stepsThisCall = 0;
  while (state.phase !== 'done') {
    if (o.signal?.aborted || (o.stopAfterSteps !== undefined && stepsThisCall >= o.stopAfterSteps)) {
      await checkpoint();
      progress.done(`stopped at step ${state.step}; resume with --resume`);
      return {
        state,
        status: 'stopped',
        timing: { forceFieldSeconds: ff.seconds - ffSeconds0, totalSeconds: (performance.now() - wall0) / 1000 },
      };
    }
    // Yield to the event loop once a step: without it, signal handlers (Ctrl-C checkpoints),
    // a live-view server and worker messages would wait until training ends.
    await new Promise<void>((r) => setImmediate(r));
    const rec = state.phase === 'reweight' ? await reweightStep() : await oneStep();
    stepsThisCall++;
    if (state.step % cfg.historyEvery === 0) writeHistory(rec);
    const rem = estimateRemaining();
    progress.update(state.step / (state.step + rem), {
      step: state.step,
      level: state.level,
      'β/β*': rec.betaFraction,
      loss: rec.loss,
      ESS: rec.ess,
      evals: ff.evaluations,
    });

    let newLevel = false;
    if (state.phase === 'tempering') {
      const ctx: LevelContext = {
        level: state.level,
        beta: state.beta,
        targetBeta: temperTarget,
        stepInLevel: state.stepInLevel,
        losses: state.losses,
        stepsPerLevel: cfg.stepsPerLevel,
        initialSteps: cfg.initialSteps,
      };
      if (schedule.levelComplete(ctx)) {
        if (state.beta >= temperTarget) {
          state.phase = cfg.finalSteps > 0 ? 'final' : afterFinal();
          writeHistory({
            type: 'level',
            level: state.level,
            beta: state.beta,
            betaFraction: 1,
            phase: 'final',
            energyEvaluations: ff.evaluations,
            wallSeconds: wall(),
          });
        } else {
          let info: Record<string, number> = {};
          let ess = NaN;
          let next: number;
          if (schedule.samplesNeeded > 0) {
            const s = await drawSamples({
              model,
              transform,
              forceField: ff,
              n: schedule.samplesNeeded,
              beta: state.beta,
              rng,
              batchSize: o.config.evaluation.batchSize,
            });
            const keep: number[] = [];
            for (let i = 0; i < s.n; i++) if (Number.isFinite(s.energies[i]!)) keep.push(i);
            const energies = Float64Array.from(keep, (i) => s.energies[i]!);
            const logQ = Float64Array.from(keep, (i) => s.logQ[i]!);
            ess = essFraction(Float64Array.from(keep, (i) => s.logw[i]!));
            // Basin masses along the ladder show when a mode-seeking model loses a basin.
            for (const b of ff.reference?.basins?.(state.beta) ?? []) {
              let c = 0;
              for (let i = 0; i < s.n; i++) if (b.contains(s.x.subarray(i * D, (i + 1) * D))) c++;
              info[`basinMass.${b.name}`] = c / s.n;
              info[`basinMassExact.${b.name}`] = b.mass;
            }
            const d = schedule.nextBeta(ctx, { energies, logQ });
            next = d.beta;
            info = { ...info, ...d.info };
          } else {
            const d = schedule.nextBeta(ctx);
            next = d.beta;
            info = d.info ?? {};
          }
          if (!(next > state.beta)) {
            throw new TrainingError(
              `schedule "${schedule.name}" proposed β = ${next}, which does not increase the current β = ${state.beta}`,
            );
          }
          writeHistory({
            type: 'level',
            level: state.level,
            beta: state.beta,
            betaFraction: state.beta / target,
            nextBeta: Math.min(next, temperTarget),
            ess,
            ...info,
            energyEvaluations: ff.evaluations,
            wallSeconds: wall(),
          });
          state.lastDeltaBeta = Math.min(next, temperTarget) - state.beta;
          state.beta = Math.min(next, temperTarget);
          state.level++;
          state.stepInLevel = 0;
          state.losses = [];
          newLevel = true;
        }
      }
    } else if (state.phase === 'final' && state.finalStepsDone >= cfg.finalSteps) {
      state.phase = afterFinal();
      newLevel = true;
    } else if (state.phase === 'reweight' && state.rungStepsDone! >= rw!.stepsPerRung) {
      writeHistory({
        type: 'level',
        phase: 'reweight',
        rung: state.rung,
        beta: state.beta,
        betaFraction: state.beta / target,
        ess: buffer?.ess,
        energyEvaluations: ff.evaluations,
        wallSeconds: wall(),
      });
      state.rung = state.rung! + 1;
      state.rungStepsDone = 0;
      buffer = undefined;
      if (state.rung >= rungs.length) {
        state.phase = polishTotal > 0 ? 'polish' : 'done';
        state.beta = target;
        state.polishStepsDone = 0;
      }
      newLevel = true;
    } else if (state.phase === 'polish' && state.polishStepsDone! >= polishTotal) {
      state.phase = 'done';
    }
    const due =
      state.phase === 'reweight'
        ? state.rungStepsDone! % rw!.refreshEvery === 0
        : state.step % cfg.checkpointEvery === 0;
    if (newLevel || state.phase === 'done' || due) await checkpoint();
  }
  progress.done(`training done: ${state.step} steps, ${ff.evaluations} energy evaluations, ${wall().toFixed(1)} s`);
  return {
    state,
    status: 'done',
    timing: { forceFieldSeconds: ff.seconds - ffSeconds0, totalSeconds: (performance.now() - wall0) / 1000 },
  };
}
