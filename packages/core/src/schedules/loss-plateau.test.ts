import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lossPlateaued, lossPlateauPlugin } from './loss-plateau.js';
import { geometricLadder, geometricPlugin } from './geometric.js';
import type { LevelContext, TemperingSchedule } from '../contracts/schedule.js';

const ctx = (o: Partial<LevelContext>): LevelContext => ({
  level: 0,
  beta: 0.1,
  targetBeta: 1,
  stepInLevel: 0,
  losses: [],
  stepsPerLevel: 100,
  initialSteps: 300,
  ...o,
});
const create = (p: any, options: any): TemperingSchedule =>
  p.create(options, { configDir: '.', seed: 0, log: () => {} });

test('lossPlateaued compares the means of the last two windows relative to the last', () => {
  assert.equal(lossPlateaued([1, 1, 1], 2, 0.01), false, 'fewer than two windows: never');
  assert.equal(lossPlateaued([5, 5, 5, 5], 2, 0.01), true, 'constant loss');
  // Means 10.4 then 10.0: relative change 0.04.
  const seq = [10.6, 10.2, 9.9, 10.1];
  assert.equal(lossPlateaued(seq, 2, 0.041), true);
  assert.equal(lossPlateaued(seq, 2, 0.039), false);
  // Only the last 2·window values matter: an early transient is ignored.
  assert.equal(lossPlateaued([1000, -50, 5, 5, 5, 5], 2, 0.01), true);
  // A steadily falling loss has not plateaued; noise around a level has.
  const falling = Array.from({ length: 100 }, (_, i) => 10 - 0.05 * i);
  assert.equal(lossPlateaued(falling, 20, 0.01), false);
  const noisy = Array.from({ length: 100 }, (_, i) => -12 + 0.01 * Math.sin(i * 2.1));
  assert.equal(lossPlateaued(noisy, 20, 0.01), true);
  // A loss near zero is measured against a floor, not divided by ~0.
  assert.equal(lossPlateaued([1e-12, -1e-12, 1e-12, -1e-12], 2, 0.01), true);
});

test('loss-plateau levels last between minSteps and maxSteps, and β grows by the factor up to the target', () => {
  const s = create(lossPlateauPlugin, {
    initialFraction: 0.05,
    factor: 2,
    window: 5,
    tolerance: 0.01,
    minSteps: 20,
    maxSteps: 50,
  });
  const flat = new Array(30).fill(-3);
  const falling = Array.from({ length: 30 }, (_, i) => -i);
  assert.equal(s.initialBeta(4), 0.2);
  assert.equal(s.levelComplete(ctx({ stepInLevel: 19, losses: flat.slice(0, 19) })), false, 'before minSteps');
  assert.equal(s.levelComplete(ctx({ stepInLevel: 20, losses: flat.slice(0, 20) })), true, 'flat after minSteps');
  assert.equal(s.levelComplete(ctx({ stepInLevel: 30, losses: falling })), false, 'still falling');
  assert.equal(s.levelComplete(ctx({ stepInLevel: 50, losses: falling })), true, 'maxSteps reached');
  assert.equal(s.nextBeta(ctx({ beta: 0.3 })).beta, 0.6);
  assert.equal(s.nextBeta(ctx({ beta: 0.7 })).beta, 1, 'clamped at the target');
  assert.throws(
    () =>
      create(lossPlateauPlugin, {
        initialFraction: 0.05,
        factor: 2,
        window: 5,
        tolerance: 0.01,
        minSteps: 60,
        maxSteps: 50,
      }),
    /minSteps \(60\) must not exceed maxSteps \(50\)/,
  );
});

test('the geometric ladder runs from β_0 to the target exactly with a constant ratio', () => {
  const ladder = geometricLadder(0.01, 2, 8);
  assert.equal(ladder.length, 9);
  assert.equal(ladder[0], 0.01);
  assert.equal(ladder[8], 2);
  const ratio = (2 / 0.01) ** (1 / 8);
  for (let i = 1; i < ladder.length; i++)
    assert.ok(Math.abs(ladder[i]! / ladder[i - 1]! - ratio) < 1e-12, `ratio at ${i}`);
  const s = create(geometricPlugin, { initialFraction: 0.005, levels: 8 });
  assert.equal(s.initialBeta(2), 0.01);
  assert.equal(s.samplesNeeded, 0);
  let beta = s.initialBeta(2);
  const visited = [beta];
  for (let level = 0; beta < 2; level++) {
    assert.equal(s.levelComplete(ctx({ level, beta, targetBeta: 2, stepInLevel: level === 0 ? 299 : 99 })), false);
    assert.equal(s.levelComplete(ctx({ level, beta, targetBeta: 2, stepInLevel: level === 0 ? 300 : 100 })), true);
    beta = s.nextBeta(ctx({ level, beta, targetBeta: 2 })).beta;
    visited.push(beta);
  }
  assert.deepEqual(visited, ladder);
});
