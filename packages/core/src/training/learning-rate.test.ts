import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learningRateAt } from './learning-rate.js';
import type { TrainingSettings } from '../config/run-config.js';

const cfg = { learningRate: 1e-2, finalLearningRate: 1e-4, finalSteps: 4 } as TrainingSettings;

test('the rate is constant while tempering and decays geometrically over the final stage', () => {
  assert.equal(learningRateAt({ phase: 'tempering', stepInLevel: 3, losses: [] }, cfg), 1e-2);
  // lr·(lrFinal/lr)^(k/finalSteps): 1e-2 · 1e-2^(k/4), exact in binary at k = 0 and k = 2 up to pow's rounding.
  assert.equal(learningRateAt({ phase: 'final', finalStepsDone: 0 }, cfg), 1e-2);
  assert.ok(Math.abs(learningRateAt({ phase: 'final', finalStepsDone: 2 }, cfg) - 1e-3) < 1e-15);
  assert.ok(Math.abs(learningRateAt({ phase: 'final', finalStepsDone: 4 }, cfg) - 1e-4) < 1e-16);
  assert.equal(learningRateAt({ phase: 'final', finalStepsDone: 2 }, { ...cfg, finalLearningRate: undefined }), 1e-2);
});

test('after the final stage: reweighting.learningRate, else finalLearningRate, else learningRate', () => {
  const rw = { stepsPerRung: 1, bufferSize: 100, refreshEvery: 1, startFraction: 1, rungs: 1 };
  const p = { phase: 'reweight', rung: 0, rungStepsDone: 0 } as const;
  assert.equal(learningRateAt(p, { ...cfg, reweighting: { ...rw, learningRate: 5e-3 } }), 5e-3);
  assert.equal(learningRateAt({ phase: 'polish', polishStepsDone: 1 }, { ...cfg, reweighting: rw }), 1e-4);
  assert.equal(learningRateAt(p, { ...cfg, finalLearningRate: undefined, reweighting: rw }), 1e-2);
});
