/**
 * The training loop: reverse KL E_q[ℓ + βU] with adaptive tempering ("Embedded-physics machine
 * learning for coarse-graining and collective variable discovery without data", Schöberl, Zabaras &
 * Koutsourelakis; "Energy-Based Coarse-Graining in Molecular Dynamics: A Flow-Based Framework
 * without Data", Stupp & Koutsourelakis), with energy guards, gradient clipping, NaN/Inf
 * detection, atomic checkpoints and bit-identical resume.
 *
 * Flow of `train()`:
 *  - session.ts sets up: checks the plugins and objectives, picks the objectives the config names
 *    (objectives/), and restores a checkpoint (resume) or starts a new run.
 *  - The loop runs steps until the phase is 'done'. The phase sequence (phases.ts) is
 *    tempering → final → reweighting rungs → polish → done, and the state (trainer-state.ts) holds
 *    the counters every phase shares plus those of the current phase.
 *  - A reweighting step is reweight-step.ts; every other step is reverse-step.ts, which combines
 *    the objectives' terms (reverse KL or the Rényi bound by the step's α, score-function terms,
 *    forward KL).
 *  - After each step: a history record every historyEvery steps, the progress line, then the
 *    transition — a tempering level boundary (tempering-level.ts) or the end of a counted phase
 *    (phases.ts `nextPhase`) — and a checkpoint at each new level or rung, at the end, and every
 *    checkpointEvery steps (at buffer refreshes while reweighting).
 *  - A stop request (stopAfterSteps, the abort signal) checkpoints at the next step boundary.
 * All files of the run folder go through run-folder/ (history.jsonl, checkpoint/).
 */
import { createProgress, type ProgressSink } from './progress.js';
import { RUN_LAYOUT } from '../run-folder/layout.js';
import { checkpointDue, nextPhase, remainingSteps } from './phases.js';
import { reverseStep } from './reverse-step.js';
import { reweightStep } from './reweight-step.js';
import { openSession, type TrainerOptions, type TrainingSession } from './session.js';
import type { StepRecord, TrainResult } from './step-record.js';
import { temperingBoundary } from './tempering-level.js';
import { withPhase, type Phase } from './trainer-state.js';

export type { TrainerOptions } from './session.js';
export type { StepRecord, TrainResult } from './step-record.js';

/** The history file's name in a run folder (`RUN_LAYOUT.history`). */
export const HISTORY_FILE = RUN_LAYOUT.history;

/** Save the state with the RNG, schedule, evaluation count, wall time and history length of now. */
async function saveCheckpoint(s: TrainingSession): Promise<void> {
  const { state } = s;
  state.rngState = s.rng.getState();
  if (s.pool) state.workerRngStates = s.pool.rngStates;
  state.scheduleState = s.schedule.getState();
  state.energyEvaluations = s.ff.evaluations;
  state.wallSeconds = s.wall();
  state.historyLines = s.history.lines;
  await s.folder.saveCheckpoint(s.model, s.optimizer, state);
}

/**
 * The transition after a step: a tempering level boundary, or the next phase once a counted phase
 * has done its steps. Returns whether a new level or rung began (a checkpoint is then due).
 */
async function advance(s: TrainingSession): Promise<boolean> {
  const state = s.state;
  if (state.phase === 'tempering') return temperingBoundary(s);
  const next = nextPhase(state, s.plan);
  if (!next) return false;
  if (state.phase === 'reweight') {
    s.history.append({
      type: 'level',
      phase: 'reweight',
      rung: state.rung,
      beta: state.beta,
      betaFraction: state.beta / s.target,
      ess: s.buffer?.ess,
      energyEvaluations: s.ff.evaluations,
      wallSeconds: s.wall(),
    });
    s.buffer = undefined;
  }
  s.state = withPhase(state, next);
  // After the ladder, whatever follows is at β*.
  if (state.phase === 'reweight' && next.phase !== 'reweight') s.state.beta = s.target;
  return state.phase !== 'polish';
}

/** The session's phase now (read through a call: the compiler would keep it narrowed from before the step). */
const phaseOf = (s: TrainingSession): Phase => s.state.phase;

function showProgress(s: TrainingSession, progress: ProgressSink, rec: StepRecord): void {
  const { state } = s;
  const rem = remainingSteps(state, s.plan, s.temperTarget);
  progress.update(state.step / (state.step + rem), {
    step: state.step,
    level: state.level,
    'β/β*': rec.betaFraction,
    loss: rec.loss,
    ESS: rec.ess,
    evals: s.ff.evaluations,
  });
}

/** Train until the phase sequence is done or a stop is requested; see the module comment. */
export async function train(o: TrainerOptions): Promise<TrainResult> {
  const s = await openSession(o);
  try {
    return await trainSession(s, o);
  } finally {
    await s.pool?.close();
  }
}

async function trainSession(s: TrainingSession, o: TrainerOptions): Promise<TrainResult> {
  const progress = createProgress('train', { enabled: o.progress ?? true });
  let stepsThisCall = 0;
  while (s.state.phase !== 'done') {
    if (o.signal?.aborted || (o.stopAfterSteps !== undefined && stepsThisCall >= o.stopAfterSteps)) {
      await saveCheckpoint(s);
      progress.done(`stopped at step ${s.state.step}; resume with --resume`);
      return { state: s.state, status: 'stopped', timing: s.timing() };
    }
    // Yield to the event loop once a step: without it, signal handlers (Ctrl-C checkpoints),
    // a live-view server and worker messages would wait until training ends.
    await new Promise<void>((r) => setImmediate(r));
    const rec = s.state.phase === 'reweight' ? await reweightStep(s) : await reverseStep(s);
    stepsThisCall++;
    if (s.state.step % s.cfg.historyEvery === 0) s.history.append(rec);
    showProgress(s, progress, rec);
    const newLevel = await advance(s);
    if (newLevel || phaseOf(s) === 'done' || checkpointDue(s.state, s.plan)) await saveCheckpoint(s);
  }
  const { state, ff } = s;
  progress.done(`training done: ${state.step} steps, ${ff.evaluations} energy evaluations, ${s.wall().toFixed(1)} s`);
  return { state, status: 'done', timing: s.timing() };
}
