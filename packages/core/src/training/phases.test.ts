import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  afterTempering,
  checkpointDue,
  countStep,
  nextPhase,
  phasePlan,
  remainingSteps,
  type PhasePlan,
} from './phases.js';
import { initialTrainerState, withPhase, type PhaseState, type TrainerState } from './trainer-state.js';
import type { TrainingSettings } from '../config/run-config.js';

const plan = (over: Partial<PhasePlan> = {}): PhasePlan => ({
  initialSteps: 10,
  stepsPerLevel: 5,
  finalSteps: 3,
  rungs: 2,
  stepsPerRung: 4,
  refreshEvery: 2,
  polishSteps: 2,
  checkpointEvery: 7,
  ...over,
});

const state = (p: PhaseState, over: Partial<TrainerState> = {}): TrainerState =>
  ({
    ...withPhase(initialTrainerState({ beta: 0.1, targetBeta: 1, rngState: [1, 2, 3, 4], scheduleState: {} }), p),
    ...over,
  }) as TrainerState;

/** Run the counted phases from `start` to done, one step at a time, as the trainer does. */
function walk(start: PhaseState, pl: PhasePlan): string[] {
  const seen: string[] = [];
  let p = start;
  for (let i = 0; i < 100 && p.phase !== 'done'; i++) {
    countStep(p, 0);
    seen.push(p.phase === 'reweight' ? `reweight${p.rung}` : p.phase);
    p = nextPhase(p, pl) ?? p;
  }
  return seen;
}

test('the full sequence: final, each rung, polish, then done, each for its configured steps', () => {
  const pl = plan();
  assert.deepEqual(afterTempering(pl), { phase: 'final', finalStepsDone: 0 });
  assert.deepEqual(walk(afterTempering(pl), pl), [
    ...Array(3).fill('final'),
    ...Array(4).fill('reweight0'),
    ...Array(4).fill('reweight1'),
    ...Array(2).fill('polish'),
  ]);
});

test('phases without steps are skipped', () => {
  assert.deepEqual(afterTempering(plan({ finalSteps: 0 })), { phase: 'reweight', rung: 0, rungStepsDone: 0 });
  assert.deepEqual(afterTempering(plan({ finalSteps: 0, rungs: 0 })), { phase: 'done' });
  assert.deepEqual(nextPhase({ phase: 'final', finalStepsDone: 3 }, plan({ rungs: 0 })), { phase: 'done' });
  assert.deepEqual(nextPhase({ phase: 'reweight', rung: 1, rungStepsDone: 4 }, plan({ polishSteps: 0 })), {
    phase: 'done',
  });
  assert.deepEqual(walk(afterTempering(plan({ rungs: 1, polishSteps: 0 })), plan({ rungs: 1, polishSteps: 0 })), [
    ...Array(3).fill('final'),
    ...Array(4).fill('reweight0'),
  ]);
});

test('nextPhase leaves tempering to the schedule and an unfinished phase where it is', () => {
  assert.equal(nextPhase({ phase: 'tempering', stepInLevel: 99, losses: [] }, plan()), undefined);
  assert.equal(nextPhase({ phase: 'final', finalStepsDone: 2 }, plan()), undefined);
  assert.equal(nextPhase({ phase: 'reweight', rung: 0, rungStepsDone: 3 }, plan()), undefined);
  assert.equal(nextPhase({ phase: 'polish', polishStepsDone: 1 }, plan()), undefined);
  assert.equal(nextPhase({ phase: 'done' }, plan()), undefined);
});

test('countStep keeps a tempering level’s losses for the schedule', () => {
  const p: PhaseState = { phase: 'tempering', stepInLevel: 0, losses: [] };
  countStep(p, 1.5);
  countStep(p, -2);
  assert.deepEqual(p, { phase: 'tempering', stepInLevel: 2, losses: [1.5, -2] });
});

test('checkpoints: every checkpointEvery steps, on buffer refreshes while reweighting', () => {
  assert.equal(checkpointDue(state({ phase: 'final', finalStepsDone: 1 }, { step: 14 }), plan()), true);
  assert.equal(checkpointDue(state({ phase: 'final', finalStepsDone: 1 }, { step: 15 }), plan()), false);
  assert.equal(checkpointDue(state({ phase: 'reweight', rung: 0, rungStepsDone: 2 }, { step: 15 }), plan()), true);
  assert.equal(checkpointDue(state({ phase: 'reweight', rung: 0, rungStepsDone: 3 }, { step: 14 }), plan()), false);
});

test('remainingSteps counts what is left of each phase and of the ones after it', () => {
  const pl = plan();
  const ladder = 2 * 4 + 2;
  assert.equal(remainingSteps(state({ phase: 'done' }), pl, 1), 0);
  assert.equal(remainingSteps(state({ phase: 'polish', polishStepsDone: 1 }), pl, 1), 1);
  assert.equal(remainingSteps(state({ phase: 'reweight', rung: 1, rungStepsDone: 1 }), pl, 1), ladder - 4 - 1);
  assert.equal(remainingSteps(state({ phase: 'final', finalStepsDone: 1 }), pl, 1), 2 + ladder);
  // Level 0 at β 0.1 of 1, no level climbed yet: (1 − 0.1)/20 per level guessed, so 20 levels.
  const t = state({ phase: 'tempering', stepInLevel: 4, losses: [] });
  assert.equal(remainingSteps(t, pl, 1), 10 - 4 + 20 * 5 + 3 + ladder);
  assert.equal(remainingSteps({ ...t, level: 3, lastDeltaBeta: 0.3 } as TrainerState, pl, 1), 1 + 3 * 5 + 3 + ladder);
});

test('phasePlan reads the config; without reweighting there are no rungs and no polish', () => {
  const cfg = { initialSteps: 1, stepsPerLevel: 2, finalSteps: 3, checkpointEvery: 4 } as TrainingSettings;
  assert.deepEqual(phasePlan(cfg, 5), {
    initialSteps: 1,
    stepsPerLevel: 2,
    finalSteps: 3,
    rungs: 0,
    stepsPerRung: 0,
    refreshEvery: 1,
    polishSteps: 0,
    checkpointEvery: 4,
  });
  const rw = { ...cfg, reweighting: { stepsPerRung: 6, bufferSize: 100, refreshEvery: 3, startFraction: 1, rungs: 2 } };
  assert.deepEqual(phasePlan(rw as TrainingSettings, 2), {
    ...phasePlan(cfg, 5),
    rungs: 2,
    stepsPerRung: 6,
    refreshEvery: 3,
  });
});
