// embedcg evaluate --seed S draws another sample set: the run's own seed repeats training's
// evaluation, another seed gives other samples (another log Z estimate), and each metric comes
// with the Pareto-smoothed ESS beside the Kish ESS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertCleanError, runCli, tempDir, tinyDoubleWellConfig } from './support.mjs';

test('evaluate --seed: the run seed repeats metrics.json, another seed draws other samples; essSmoothed is reported', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'dw.json'), JSON.stringify(tinyDoubleWellConfig('evaluate-seed', 3)));
  const tr = runCli(['train', 'dw.json', '--out', 'run', '--no-progress'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  const metrics = (args) => {
    const r = runCli(['evaluate', 'run', '--json', ...args], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const byDefault = metrics([]);
  const own = metrics(['--seed', '3']);
  const other = metrics(['--seed', '4']);
  assert.equal(own.logZ, byDefault.logZ, 'the run seed is the default');
  const trained = JSON.parse(readFileSync(join(dir, 'run', 'metrics.json'), 'utf8'));
  assert.equal(own.logZ, trained.logZ, "training's own evaluation drew the same samples");
  assert.equal(own.essSmoothed, trained.essSmoothed);
  assert.notEqual(other.logZ, byDefault.logZ, 'another seed, other samples');
  for (const m of [byDefault, other]) {
    assert.ok(m.essSmoothed > 0 && m.essSmoothed <= 1, `essSmoothed ${m.essSmoothed}`);
    // Light-tailed weights: smoothing changes little.
    if (m.khat < 0.5) assert.ok(Math.abs(m.essSmoothed - m.ess) < 0.05, `${m.essSmoothed} vs ${m.ess}`);
  }
  assert.match(
    assertCleanError(runCli(['evaluate', 'run', '--seed', '-1'], { cwd: dir })),
    /--seed takes a whole number ≥ 0, got -1/,
  );
});
