/**
 * The trainer state a checkpoint saves and a resume restores: counters every phase shares, and
 * the counters of the current phase (a union keyed on `phase`, see phases.ts for the sequence).
 * It is saved flat, as JSON, in `checkpoint/state.json`.
 *
 * Run format 1 saved every phase's counters whatever the phase (a final-stage state still held
 * the tempering level's `stepInLevel` and `losses`); `trainerStateFromJson` reads both formats
 * and keeps the current phase's, the only ones the trainer reads.
 */
import { InputError } from '../errors.js';

/** Counters of the phase sequence tempering → final → reweight (rungs) → polish → done. */
export type PhaseState =
  /** Reverse KL up the β ladder: steps and losses of the current level (the schedule reads them). */
  | { phase: 'tempering'; stepInLevel: number; losses: number[] }
  /** Reverse KL at the tempering target (β*, or startFraction·β* before a reweighting ladder). */
  | { phase: 'final'; finalStepsDone: number }
  /** Annealing by reweighting: weighted maximum likelihood on rung `rung` of the ladder. */
  | { phase: 'reweight'; rung: number; rungStepsDone: number }
  /** Reverse KL at β* after the reweighting ladder. */
  | { phase: 'polish'; polishStepsDone: number }
  | { phase: 'done' };

export type Phase = PhaseState['phase'];

/** What every phase carries. */
export interface TrainerCounters {
  /** Steps done, all phases together. */
  step: number;
  /** Tempering levels climbed (level 0 is the first); kept through the later phases. */
  level: number;
  /** β in use: the tempering level's, then the target's, or the current rung's. */
  beta: number;
  /** β* of the config. */
  targetBeta: number;
  /** The last level's increase of β (for the ETA); absent before the first level boundary. */
  lastDeltaBeta?: number;
  energyEvaluations: number;
  wallSeconds: number;
  rngState: number[];
  /** The random state of each data-parallel gradient worker (training.workers > 1 only). */
  workerRngStates?: number[][];
  scheduleState: unknown;
  /** Line count of history.jsonl at this checkpoint, so a resume can drop later lines. */
  historyLines: number;
}

export type TrainerState = TrainerCounters & PhaseState;

/** The state of a new run at its first tempering level. */
export function initialTrainerState(o: {
  beta: number;
  targetBeta: number;
  rngState: number[];
  scheduleState: unknown;
}): TrainerState {
  return {
    step: 0,
    level: 0,
    beta: o.beta,
    targetBeta: o.targetBeta,
    energyEvaluations: 0,
    wallSeconds: 0,
    rngState: o.rngState,
    scheduleState: o.scheduleState,
    historyLines: 0,
    phase: 'tempering',
    stepInLevel: 0,
    losses: [],
  };
}

/** The counters of `s` without its phase's. */
export function countersOf(s: TrainerState): TrainerCounters {
  const { step, level, beta, targetBeta, lastDeltaBeta, energyEvaluations, wallSeconds } = s;
  return {
    step,
    level,
    beta,
    targetBeta,
    ...(lastDeltaBeta !== undefined ? { lastDeltaBeta } : {}),
    energyEvaluations,
    wallSeconds,
    rngState: s.rngState,
    ...(s.workerRngStates ? { workerRngStates: s.workerRngStates } : {}),
    scheduleState: s.scheduleState,
    historyLines: s.historyLines,
  };
}

/** `s` moved into phase `next`: the counters kept, the old phase's dropped. */
export function withPhase(s: TrainerState, next: PhaseState): TrainerState {
  return { ...countersOf(s), ...next };
}

/**
 * A saved state (run format 1 or 2) in the current shape. `source` names the file in errors.
 * Format 1's counters of other phases than the saved one are dropped: nothing reads them again.
 */
export function trainerStateFromJson(raw: unknown, source: string): TrainerState {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new InputError(`${source}: the trainer state must be a JSON object`, source);
  const r = raw as Record<string, unknown>;
  const num = (key: string): number => {
    const v = r[key];
    if (typeof v !== 'number')
      throw new InputError(`${source}: "${key}" must be a number, got ${JSON.stringify(v)}`, source);
    return v;
  };
  const rngState = r.rngState;
  if (!Array.isArray(rngState) || !rngState.every((v) => typeof v === 'number'))
    throw new InputError(`${source}: "rngState" must be a list of numbers`, source);
  const counters: TrainerCounters = {
    step: num('step'),
    level: num('level'),
    beta: num('beta'),
    targetBeta: num('targetBeta'),
    ...(r.lastDeltaBeta !== undefined ? { lastDeltaBeta: num('lastDeltaBeta') } : {}),
    energyEvaluations: num('energyEvaluations'),
    wallSeconds: num('wallSeconds'),
    rngState: rngState as number[],
    ...workerStates(r.workerRngStates, source),
    scheduleState: r.scheduleState,
    historyLines: num('historyLines'),
  };
  return { ...counters, ...phaseFromJson(r, num, source) };
}

function workerStates(raw: unknown, source: string): { workerRngStates?: number[][] } {
  if (raw === undefined) return {};
  const ok = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'number');
  if (!Array.isArray(raw) || !raw.every(ok))
    throw new InputError(`${source}: "workerRngStates" must be a list of lists of numbers`, source);
  return { workerRngStates: raw as number[][] };
}

function phaseFromJson(r: Record<string, unknown>, num: (key: string) => number, source: string): PhaseState {
  switch (r.phase) {
    case 'tempering': {
      const losses = r.losses;
      if (!Array.isArray(losses) || !losses.every((v) => typeof v === 'number'))
        throw new InputError(`${source}: "losses" must be a list of numbers`, source);
      return { phase: 'tempering', stepInLevel: num('stepInLevel'), losses: losses as number[] };
    }
    case 'final':
      return { phase: 'final', finalStepsDone: num('finalStepsDone') };
    case 'reweight':
      return { phase: 'reweight', rung: num('rung'), rungStepsDone: num('rungStepsDone') };
    case 'polish':
      return { phase: 'polish', polishStepsDone: num('polishStepsDone') };
    case 'done':
      return { phase: 'done' };
    default:
      throw new InputError(
        `${source}: unknown phase ${JSON.stringify(r.phase)} (expected tempering, final, reweight, polish or done)`,
        source,
      );
  }
}
