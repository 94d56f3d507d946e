/**
 * The phase sequence of a run, as pure transitions on the phase counters (trainer-state.ts):
 *
 *   tempering ──(schedule reaches its target)──▶ final ──(finalSteps)──▶ reweight rung 0 … rung R−1
 *       ──(stepsPerRung each)──▶ polish ──(polishSteps)──▶ done
 *
 * A phase with no steps configured is skipped (no final stage when finalSteps is 0, no rungs
 * without training.reweighting, no polish when polishSteps is 0). Tempering ends when the schedule
 * says its level is complete at the tempering target, which only the trainer can ask
 * (tempering-level.ts); every other phase ends after a fixed number of steps.
 */
import type { TrainingSettings } from '../config/run-config.js';
import type { PhaseState, TrainerState } from './trainer-state.js';

/** The step counts that drive the transitions, from the config. */
export interface PhasePlan {
  /** Steps at the first tempering level and at each later one (for the ETA). */
  initialSteps: number;
  stepsPerLevel: number;
  finalSteps: number;
  /** Rungs of the reweighting ladder; 0 without training.reweighting. */
  rungs: number;
  stepsPerRung: number;
  /** The reweighting buffer is redrawn (and the run checkpointed) every this many rung steps. */
  refreshEvery: number;
  polishSteps: number;
  checkpointEvery: number;
}

export function phasePlan(cfg: TrainingSettings, rungs: number): PhasePlan {
  const rw = cfg.reweighting;
  return {
    initialSteps: cfg.initialSteps,
    stepsPerLevel: cfg.stepsPerLevel,
    finalSteps: cfg.finalSteps,
    rungs: rw ? rungs : 0,
    stepsPerRung: rw?.stepsPerRung ?? 0,
    refreshEvery: rw?.refreshEvery ?? 1,
    polishSteps: rw?.polishSteps ?? 0,
    checkpointEvery: cfg.checkpointEvery,
  };
}

/** The phase after the final stage (or after tempering when there is none): the ladder, else done. */
function afterFinal(plan: PhasePlan): PhaseState {
  return plan.rungs > 0 ? { phase: 'reweight', rung: 0, rungStepsDone: 0 } : { phase: 'done' };
}

/** The phase after the ladder's last rung. */
function afterLadder(plan: PhasePlan): PhaseState {
  return plan.polishSteps > 0 ? { phase: 'polish', polishStepsDone: 0 } : { phase: 'done' };
}

/** The phase that follows tempering once the schedule has reached its target. */
export function afterTempering(plan: PhasePlan): PhaseState {
  return plan.finalSteps > 0 ? { phase: 'final', finalStepsDone: 0 } : afterFinal(plan);
}

/**
 * The phase that follows `p` once `p` has done its steps, or undefined while it has not. Always
 * undefined for tempering (the schedule ends it: {@link afterTempering}) and for done.
 */
export function nextPhase(p: PhaseState, plan: PhasePlan): PhaseState | undefined {
  switch (p.phase) {
    case 'final':
      return p.finalStepsDone >= plan.finalSteps ? afterFinal(plan) : undefined;
    case 'reweight':
      if (p.rungStepsDone < plan.stepsPerRung) return undefined;
      return p.rung + 1 < plan.rungs ? { phase: 'reweight', rung: p.rung + 1, rungStepsDone: 0 } : afterLadder(plan);
    case 'polish':
      return p.polishStepsDone >= plan.polishSteps ? { phase: 'done' } : undefined;
    default:
      return undefined;
  }
}

/** Count one training step of `p` (with its loss, which a tempering level keeps for the schedule). */
export function countStep(p: PhaseState, loss: number): void {
  switch (p.phase) {
    case 'tempering':
      p.losses.push(loss);
      p.stepInLevel++;
      break;
    case 'final':
      p.finalStepsDone++;
      break;
    case 'reweight':
      p.rungStepsDone++;
      break;
    case 'polish':
      p.polishStepsDone++;
      break;
  }
}

/**
 * Whether the step just done ends on a regular checkpoint: every checkpointEvery steps, and in the
 * reweighting phase on the buffer's refresh boundaries instead (the buffer is not saved; a resume
 * there redraws the same buffer from the same RNG state).
 */
export function checkpointDue(s: TrainerState, plan: PhasePlan): boolean {
  return s.phase === 'reweight' ? s.rungStepsDone % plan.refreshEvery === 0 : s.step % plan.checkpointEvery === 0;
}

/** Steps left, for the ETA; tempering guesses its levels from the last increase of β. */
export function remainingSteps(s: TrainerState, plan: PhasePlan, temperTarget: number): number {
  const polish = plan.polishSteps;
  const reweight = plan.rungs * plan.stepsPerRung + polish;
  switch (s.phase) {
    case 'done':
      return 0;
    case 'polish':
      return polish - s.polishStepsDone;
    case 'reweight':
      return reweight - s.rung * plan.stepsPerRung - s.rungStepsDone;
    case 'final':
      return plan.finalSteps - s.finalStepsDone + reweight;
    case 'tempering': {
      const here = Math.max(0, (s.level === 0 ? plan.initialSteps : plan.stepsPerLevel) - s.stepInLevel);
      const db = s.lastDeltaBeta ?? (temperTarget - s.beta) / 20;
      const levelsLeft = Math.ceil(Math.max(0, temperTarget - s.beta) / Math.max(db, 1e-12 * temperTarget));
      return here + levelsLeft * plan.stepsPerLevel + plan.finalSteps + reweight;
    }
  }
}
