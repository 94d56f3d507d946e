import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchSizeAt, guardSettings } from './reverse-step.js';
import { guardEnergies } from './energy-guard.js';
import type { EnergyGuardSettings, TrainingSettings } from '../config/run-config.js';
import type { PhaseState } from './trainer-state.js';

const session = (energyGuard: EnergyGuardSettings, state: PhaseState, extra: Partial<TrainingSettings> = {}) => ({
  cfg: { energyGuard, batchSize: 64, ...extra } as TrainingSettings,
  state: state as never,
});
const tempering: PhaseState = { phase: 'tempering', stepInLevel: 0, losses: [] };
const final: PhaseState = { phase: 'final', finalStepsDone: 0 };

test('maxBetaEnergy caps the guard at c/β kJ/mol where that is below maxEnergy, per phase', () => {
  const g = { maxEnergy: 1e6, dropFraction: 0.01, maxBetaEnergy: 1000 };
  assert.equal(guardSettings(session(g, tempering), 0.01).maxEnergy, 1e5);
  assert.equal(guardSettings(session(g, tempering), 0.5).maxEnergy, 2000);
  // Hot enough that c/β exceeds maxEnergy: maxEnergy rules.
  assert.equal(guardSettings(session(g, tempering), 1e-4).maxEnergy, 1e6);
  assert.equal(guardSettings(session({ maxEnergy: 1e6, dropFraction: 0 }, tempering), 0.5).maxEnergy, 1e6);
  // The final stage's own cap replaces the general one there only.
  const withFinal = { ...g, final: { maxBetaEnergy: 100 } };
  assert.equal(guardSettings(session(withFinal, final), 0.5).maxEnergy, 200);
  assert.equal(guardSettings(session(withFinal, tempering), 0.5).maxEnergy, 2000);
  assert.equal(guardSettings(session(withFinal, final), 0.5).dropFraction, 0.01);
});

test('under the cap a clash row is softened at c/β and its forces scaled by the same derivative', () => {
  const beta = 0.5;
  const settings = guardSettings(session({ maxEnergy: 1e6, dropFraction: 0, maxBetaEnergy: 1000 }, tempering), beta);
  const e = Float64Array.from([10, 2000 + 99]);
  const f = Float64Array.from([1, -2, 300, 400]);
  const g = guardEnergies(e, f, 2, settings);
  assert.deepEqual(Array.from(g.energies), [10, 2000 + Math.log1p(99)]);
  assert.deepEqual(Array.from(g.forces), [1, -2, 300 / 100, 400 / 100]);
  // βU of the clash is now just above the cap, in kT.
  assert.ok(beta * g.energies[1]! < 1000 + 3);
});

test('finalBatchSize applies at β* (final stage and polish) only', () => {
  const g = { maxEnergy: 1e8, dropFraction: 0 };
  assert.equal(batchSizeAt(session(g, tempering, { finalBatchSize: 256 })), 64);
  assert.equal(batchSizeAt(session(g, final, { finalBatchSize: 256 })), 256);
  assert.equal(batchSizeAt(session(g, { phase: 'polish', polishStepsDone: 0 }, { finalBatchSize: 256 })), 256);
  assert.equal(batchSizeAt(session(g, final)), 64);
});
