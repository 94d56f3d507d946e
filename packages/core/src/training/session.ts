/**
 * A training session: what `train()` sets up once and every step reads. Setting up checks the
 * plugins against each other and the objectives against the model, then restores the state of the
 * checkpoint (resume) or starts a new one (and lets the model initialise itself on the target).
 */
import { HostAdam, type TrainingOptimizer } from './host-adam.js';
import * as tf from '@embedcg/core/tf';
import type { Model } from '../contracts/model.js';
import type { CoordinateTransform } from '../contracts/transform.js';
import type { TemperingSchedule } from '../contracts/schedule.js';
import type { CountingForceField } from '../counting-force-field.js';
import { targetBeta, type RunConfig, type TrainingSettings } from '../config/run-config.js';
import { ConfigError, InputError } from '../errors.js';
import { createRng, type Rng } from '../util/random.js';
import { loadModelWeights, loadOptimizerState, readCheckpointState } from '../run-folder/checkpoint.js';
import type { HistoryFile } from '../run-folder/history.js';
import { RunFolder } from '../run-folder/run-folder.js';
import { phasePlan, type PhasePlan } from './phases.js';
import { rungBetas, type Buffer } from './reweighting.js';
import { initialTrainerState, type TrainerState } from './trainer-state.js';
import { targetProbe } from './target-probe.js';
import type { BatchNumbers, Objective, TapedBatch } from './objectives/objective.js';
import { reverseKL } from './objectives/reverse-kl.js';
import { renyi } from './objectives/renyi.js';
import { scoreFunction } from './objectives/score-function.js';
import { forwardKL } from './objectives/forward-kl.js';
import { GradientPool } from './parallel/pool.js';
import type { WorkerPlugins } from './parallel/protocol.js';
import type { BackendName } from '../backend.js';

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
  /**
   * Where training.workers > 1 gradient workers load the run's plugins from (they resolve the
   * config's package names as the trainer did); `trainRun` passes it. Plugins handed over in
   * memory cannot cross to a worker.
   */
  workerPlugins?: WorkerPlugins;
  /** The tfjs backend the workers select (default: the config's). */
  backend?: BackendName;
}

export interface TrainingSession {
  readonly config: RunConfig;
  readonly cfg: TrainingSettings;
  readonly model: Model;
  readonly transform?: CoordinateTransform;
  readonly ff: CountingForceField;
  readonly schedule: TemperingSchedule;
  readonly log: (message: string) => void;
  readonly folder: RunFolder;
  readonly rng: Rng;
  readonly optimizer: TrainingOptimizer;
  /** β* of the config. */
  readonly target: number;
  /** Where tempering stops: β*, or startFraction·β* before a reweighting ladder. */
  readonly temperTarget: number;
  /** β of each reweighting rung (empty without training.reweighting). */
  readonly rungs: number[];
  readonly plan: PhasePlan;
  /** Rényi power 1 − α of the final stage's steps and of the others'. */
  readonly renyiPowers: { final: number; other: number };
  /** Weight of the forward-KL term (0: none). */
  readonly forwardKLWeight: number;
  /** The objectives of a reverse-KL step, in the order their terms enter the loss. */
  readonly objectives: Objective<BatchNumbers, TapedBatch>[];
  /** log q of model-space rows: exact when the model has it, else its evidence bound (encoder included). */
  readonly logQ: (y: tf.Tensor2D) => tf.Tensor1D;
  history: HistoryFile;
  state: TrainerState;
  /**
   * The reweighting buffer. Not checkpointed: checkpoints in that phase fall on refresh boundaries,
   * so a resumed run redraws the same buffer from the same RNG state.
   */
  buffer?: Buffer;
  /** The data-parallel gradient workers (training.workers > 1); close() when training ends. */
  pool?: GradientPool;
  /** Wall-clock seconds of the whole run (those before a resume included). */
  wall(): number;
  /** Seconds spent in the force field and in total during this call. */
  timing(): { forceFieldSeconds: number; totalSeconds: number };
}

/** The plugins must fit together: model → transform → force field. */
function checkDimensions(o: Pick<TrainerOptions, 'forceField' | 'transform' | 'model'>): void {
  const { model, transform, forceField: ff } = o;
  const D = ff.dimension;
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
}

/** The objectives' settings, checked against each other and the model. */
export function objectivesFor(cfg: TrainingSettings, model: Model) {
  const densityless = !model.logProb && !model.logProbBound;
  if (cfg.reweighting && densityless) {
    throw new ConfigError(
      `training.reweighting needs a model with logProb() (exact density) or logProbBound() (latent-variable bound); ` +
        `model "${model.name}" has neither (remove training.reweighting)`,
    );
  }
  const forwardKLWeight = cfg.forwardKLWeight ?? 0;
  const renyiPowers = { other: 1 - (cfg.renyiAlpha ?? 1), final: 1 - (cfg.finalRenyiAlpha ?? cfg.renyiAlpha ?? 1) };
  for (const [key, p] of [
    ['renyiAlpha', renyiPowers.other],
    ['finalRenyiAlpha', renyiPowers.final],
    ['reverseKLShare', cfg.reverseKLShare ?? 0],
  ] as const) {
    if (!(p >= 0 && p <= 1)) throw new ConfigError(`training.${key} must be a number in [0, 1], got ${cfg[key]}`);
  }
  if (forwardKLWeight > 0 && densityless) {
    throw new ConfigError(
      `training.forwardKLWeight = ${forwardKLWeight} needs a model with logProb() (exact density) or logProbBound() (latent-variable bound); ` +
        `model "${model.name}" has neither (set forwardKLWeight to 0)`,
    );
  }
  const balanced = cfg.proposalFit === 'balanced';
  const objectives: Objective<BatchNumbers, TapedBatch>[] = [];
  if (renyiPowers.other === 0 || renyiPowers.final === 0) objectives.push(reverseKL({ balanced }));
  if (renyiPowers.other > 0 || renyiPowers.final > 0)
    objectives.push(renyi({ reverseKLShare: cfg.reverseKLShare ?? 0, balanced }));
  objectives.push(scoreFunction);
  if (forwardKLWeight > 0) objectives.push(forwardKL(forwardKLWeight));
  return { forwardKLWeight, renyiPowers, objectives };
}

/**
 * The checks a session makes before its first step, without starting one: the plugins fit together
 * and the objectives suit the model (`checkRunConfig`, and so `embedcg config`, run them).
 */
export function checkTrainerInputs(o: Pick<TrainerOptions, 'config' | 'forceField' | 'transform' | 'model'>): void {
  checkDimensions(o);
  checkWorkerBatch(o.config.training);
  objectivesFor(o.config.training, o.model);
}

/** Gradient workers split one fixed batch, so a final stage with a batch of its own is single-thread only. */
function checkWorkerBatch(cfg: TrainingSettings): void {
  const { finalBatchSize, batchSize, workers = 1 } = cfg;
  if (workers > 1 && finalBatchSize !== undefined && finalBatchSize !== batchSize)
    throw new ConfigError(
      `training.finalBatchSize (${finalBatchSize}) differs from training.batchSize (${batchSize}); gradient workers split one fixed batch, so with training.workers = ${workers} leave finalBatchSize out`,
    );
}

/** Set up a session: checks, then the checkpoint's state (resume) or a new run's. */
export async function openSession(o: TrainerOptions): Promise<TrainingSession> {
  const cfg = o.config.training;
  const { model, schedule } = o;
  const target = targetBeta(o.config);
  const rng = createRng(o.config.seed * 7919 + 17);
  checkDimensions(o);
  checkWorkerBatch(cfg);
  const rw = cfg.reweighting;
  // With annealing by reweighting from a hot start, reverse-KL tempering treats startFraction·β* as its target.
  const temperTarget = rw ? target * Math.min(1, rw.startFraction ?? 1) : target;
  const rungs = rw ? rungBetas({ startFraction: rw.startFraction ?? 1, rungs: rw.rungs ?? 1 }, target) : [];
  const checked = objectivesFor(cfg, model);
  const s = {
    config: o.config,
    cfg,
    model,
    transform: o.transform,
    ff: o.forceField,
    schedule,
    log: o.log ?? (() => {}),
    folder: new RunFolder(o.runDir),
    rng,
    // With fusedKernels the optimizer step runs on the host (host-adam.ts): the same float32 update.
    optimizer: cfg.fusedKernels ? new HostAdam(cfg.learningRate) : tf.train.adam(cfg.learningRate),
    target,
    temperTarget,
    rungs,
    plan: phasePlan(cfg, rungs.length),
    ...checked,
    logQ: (y: tf.Tensor2D): tf.Tensor1D => (model.logProb ? model.logProb(y) : model.logProbBound!(y, rng)),
  };
  const { state, history } = o.resume ? await restore(s) : await start(s, o.config);
  // The wall clock runs from before the workers start: their start-up is part of training's time.
  const wall0 = performance.now();
  const pool = await startPool(o, state);
  const wallBase = state.wallSeconds;
  const ffSeconds0 = s.ff.seconds;
  return {
    ...s,
    state,
    history,
    ...(pool ? { pool } : {}),
    wall: () => wallBase + (performance.now() - wall0) / 1000,
    timing: () => ({ forceFieldSeconds: s.ff.seconds - ffSeconds0, totalSeconds: (performance.now() - wall0) / 1000 }),
  };
}

/** The gradient workers of training.workers > 1, with the checkpoint's random streams on a resume. */
async function startPool(o: TrainerOptions, state: TrainerState): Promise<GradientPool | undefined> {
  const count = o.config.training.workers ?? 1;
  if (state.workerRngStates && state.workerRngStates.length !== count)
    throw new ConfigError(
      `cannot resume: the run trained with ${state.workerRngStates.length} gradient workers, training.workers is ${count}`,
    );
  if (count <= 1) return undefined;
  if (!o.workerPlugins)
    throw new ConfigError(
      `training.workers = ${count} needs plugins the workers can load by package name, as trainRun and \`embedcg train\` give them (plugins handed over in memory cannot cross to a worker thread); set training.workers to 1`,
    );
  return GradientPool.start(count, {
    config: o.config,
    plugins: o.workerPlugins,
    backend: o.backend ?? o.config.training.backend,
    variables: o.model.variables(),
    rngStates: state.workerRngStates,
  });
}

type Unstarted = Omit<TrainingSession, 'state' | 'history' | 'wall' | 'timing'>;

/** The checkpoint's state, weights, Adam state, RNG and schedule state; the history cut back to match. */
async function restore(s: Unstarted): Promise<Pick<TrainingSession, 'state' | 'history'>> {
  const { folder } = s;
  const cp = folder.latestCheckpoint();
  if (!cp)
    throw new InputError(`cannot resume: ${folder.dir} holds no checkpoint (was the run started with this --out?)`);
  folder.format();
  folder.checkResumeConfig(s.config);
  const state = readCheckpointState(cp);
  loadModelWeights(cp, s.model);
  await loadOptimizerState(cp, s.optimizer);
  s.rng.setState(state.rngState);
  s.schedule.setState(state.scheduleState);
  s.ff.evaluations = state.energyEvaluations;
  const history = folder.resumeHistory(state.historyLines);
  folder.markCurrentFormat();
  s.log(
    `resuming from step ${state.step} (level ${state.level}, β/β_target ${(state.beta / s.target).toPrecision(4)})`,
  );
  return { state, history };
}

/** A new run: an empty history, the schedule's first β, and the model's own initialisation if it has one. */
async function start(s: Unstarted, config: RunConfig): Promise<Pick<TrainingSession, 'state' | 'history'>> {
  const history = s.folder.startHistory();
  const state = initialTrainerState({
    beta: s.schedule.initialBeta(s.temperTarget),
    targetBeta: s.target,
    rngState: s.rng.getState(),
    scheduleState: s.schedule.getState(),
  });
  if (s.model.initialize) {
    const rng = createRng(config.seed * 7919 + 29);
    const said = await s.model.initialize(
      targetProbe(s.model, s.transform, s.ff, state.beta, rng, config.evaluation.batchSize),
    );
    if (said) s.log(said);
  }
  return { state, history };
}
