import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialTrainerState, trainerStateFromJson, withPhase, type TrainerState } from './trainer-state.js';

// Run format 1 kept the counters of every phase. These are a real state.json of an old run stopped
// in its final stage (test/fixtures/run-format-1/stopped-23) and, in the same format, states of the
// reweighting phases as the old trainer wrote them.
const counters1 = {
  step: 23,
  level: 20,
  beta: 1,
  targetBeta: 1,
  energyEvaluations: 1648,
  wallSeconds: 1.3698824450000002,
  rngState: [2646667149, 137212931, 338880289, 3261400555],
  scheduleState: { logZ: 14.143165375967822 },
  historyLines: 44,
  lastDeltaBeta: 0.03999999999999959,
};
const format1 = {
  tempering: {
    ...counters1,
    stepInLevel: 2,
    losses: [-11.33580207824707, -11.048108100891113],
    phase: 'tempering',
    finalStepsDone: 0,
  },
  final: {
    ...counters1,
    stepInLevel: 2,
    losses: [-11.33580207824707, -11.048108100891113],
    phase: 'final',
    finalStepsDone: 1,
  },
  reweight: {
    ...counters1,
    stepInLevel: 9,
    losses: [1, 2],
    phase: 'reweight',
    finalStepsDone: 5,
    rung: 1,
    rungStepsDone: 40,
  },
  polish: {
    ...counters1,
    stepInLevel: 12,
    losses: [1, 2, 3],
    phase: 'polish',
    finalStepsDone: 5,
    rung: 2,
    rungStepsDone: 0,
    polishStepsDone: 3,
  },
  done: { ...counters1, stepInLevel: 3, losses: [7], phase: 'done', finalStepsDone: 2, rung: 2, rungStepsDone: 0 },
};

test('format-1 states read into the current shape: the counters and the current phase’s, to the bit', () => {
  const read = (raw: object) => trainerStateFromJson(JSON.parse(JSON.stringify(raw)), 'state.json');
  assert.deepEqual(read(format1.tempering), {
    ...counters1,
    phase: 'tempering',
    stepInLevel: 2,
    losses: [-11.33580207824707, -11.048108100891113],
  });
  assert.deepEqual(read(format1.final), { ...counters1, phase: 'final', finalStepsDone: 1 });
  assert.deepEqual(read(format1.reweight), { ...counters1, phase: 'reweight', rung: 1, rungStepsDone: 40 });
  assert.deepEqual(read(format1.polish), { ...counters1, phase: 'polish', polishStepsDone: 3 });
  assert.deepEqual(read(format1.done), { ...counters1, phase: 'done' });
  // Before the first level boundary there is no lastDeltaBeta, and none is made up.
  const { lastDeltaBeta: _, ...early } = format1.tempering;
  assert.equal('lastDeltaBeta' in read(early), false);
});

test('the current shape round-trips through JSON in every phase', () => {
  const s0 = initialTrainerState({ beta: 0.01, targetBeta: 2, rngState: [1, 2, 3, 4], scheduleState: { logZ: -1.5 } });
  const states: TrainerState[] = [
    s0,
    withPhase(s0, { phase: 'final', finalStepsDone: 7 }),
    withPhase(s0, { phase: 'reweight', rung: 2, rungStepsDone: 3 }),
    withPhase(s0, { phase: 'polish', polishStepsDone: 1 }),
    withPhase({ ...s0, lastDeltaBeta: 0.125 }, { phase: 'done' }),
  ];
  for (const s of states)
    assert.deepEqual(trainerStateFromJson(JSON.parse(JSON.stringify(s)), 'state.json'), s, s.phase);
  // Moving on drops the previous phase's counters.
  assert.equal('stepInLevel' in withPhase(s0, { phase: 'done' }), false);
});

test('a broken state names the file and the field', () => {
  assert.throws(
    () => trainerStateFromJson({ ...format1.final, phase: 'cooling' }, 'cp/state.json'),
    (e: Error) => e.name === 'InputError' && /cp\/state\.json: unknown phase "cooling"/.test(e.message),
  );
  const { finalStepsDone: _, ...noCount } = format1.final;
  assert.throws(
    () => trainerStateFromJson(noCount, 'cp/state.json'),
    /"finalStepsDone" must be a number, got undefined/,
  );
  assert.throws(() => trainerStateFromJson([], 'cp/state.json'), /must be a JSON object/);
  assert.throws(
    () => trainerStateFromJson({ ...format1.final, rngState: 'x' }, 'cp/state.json'),
    /"rngState" must be a list of numbers/,
  );
});
