// training.workers > 1: data-parallel gradient workers (packages/core/src/training/parallel).
// Through the CLI, with third-party plugins loaded by path inside the workers (the quartic-ring
// force field of test/third-party-plugin and the Gaussian model of test/model-plugin-gaussian):
// a run is deterministic and an interrupted, resumed run is the same run bit for bit (the
// workers' random states are in the checkpoint); the energy guard's drop fraction spans the
// whole batch; and a trainer given plugins in memory refuses workers it could not load them in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemblePlugins, findCheckpoint, readCheckpointState, train } from '@embedcg/core';
import { repoRoot, runCli, tempDir } from './support.mjs';

const readHistory = (dir) =>
  readFileSync(join(dir, 'history.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
// Timings differ between runs.
const strip = (rows) => rows.map(({ wallSeconds: _w, ms: _m, ...rest }) => rest);

function config(workers) {
  return {
    name: 'workers-test',
    seed: 5,
    forceField: { package: join(repoRoot, 'test/third-party-plugin/index.js'), name: 'quartic-ring' },
    model: { package: join(repoRoot, 'test/model-plugin-gaussian/index.js'), name: 'gaussian', options: {} },
    target: { beta: 1 },
    schedule: {
      package: '@embedcg/core',
      name: 'kl-increase',
      options: { initialFraction: 0.05, maxStepFraction: 0.4, minStepFraction: 0.2, samples: 200 },
    },
    training: {
      batchSize: 63,
      learningRate: 0.01,
      initialSteps: 20,
      stepsPerLevel: 10,
      finalSteps: 10,
      checkpointEvery: 1000,
      historyEvery: 1,
      energyGuard: { dropFraction: 0.05 },
      ...(workers ? { workers } : {}),
    },
    evaluation: { samples: 500, batchSize: 500 },
  };
}

test(
  'training.workers = 2 with path plugins: deterministic, resumed bit for bit, drop fraction over the whole batch',
  { timeout: 240_000 },
  async (t) => {
    const dir = tempDir(t, 'embedcg-workers-');
    const path = join(dir, 'run.json');
    writeFileSync(path, JSON.stringify(config(2)));
    const run = (out, extra = []) => {
      const r = runCli(['train', path, '--out', out, '--no-progress', ...extra]);
      assert.equal(r.code, 0, r.stderr);
    };
    const a = join(dir, 'a'),
      b = join(dir, 'b');
    run(a);
    run(b, ['--max-steps', '27']);
    assert.equal(readCheckpointState(findCheckpoint(b)).workerRngStates.length, 2, 'both workers’ streams saved');
    run(b, ['--resume']);
    const ha = readHistory(a);
    assert.deepEqual(strip(readHistory(b)), strip(ha), 'history identical');
    assert.ok(readFileSync(join(a, 'checkpoint/weights.bin')).equals(readFileSync(join(b, 'checkpoint/weights.bin'))));
    const sa = readCheckpointState(findCheckpoint(a)),
      sb = readCheckpointState(findCheckpoint(b));
    assert.deepEqual({ ...sb, wallSeconds: 0 }, { ...sa, wallSeconds: 0 });
    const steps = ha.filter((r) => r.type === 'step');
    // floor(0.05 · 63) = 3 rows out of the whole batch (2 workers of 32 and 31 rows).
    assert.ok(steps.length > 30 && steps.every((r) => r.dropped === 3), 'dropped per step');
    assert.equal(sa.energyEvaluations >= steps.length * 63, true, 'the workers’ evaluations counted');
    // One worker is the single-thread path: another random stream, so another run.
    const c = join(dir, 'c');
    writeFileSync(path, JSON.stringify(config(undefined)));
    run(c);
    assert.notDeepEqual(strip(readHistory(c)), strip(ha));
    assert.equal(readCheckpointState(findCheckpoint(c)).workerRngStates, undefined);
  },
);

test('train() given plugins in memory refuses training.workers > 1, naming the key', async (t) => {
  const dir = tempDir(t, 'embedcg-workers-');
  const cfg = config(2);
  cfg.forceField = { package: '@embedcg/forcefield-analytic', name: 'double-well' };
  const plugins = await assemblePlugins(cfg, { configDir: repoRoot });
  try {
    await assert.rejects(
      train({ runDir: dir, config: cfg, ...plugins, progress: false }),
      (e) =>
        e.name === 'ConfigError' &&
        /training\.workers = 2 needs plugins the workers can load by package name/.test(e.message),
    );
  } finally {
    await plugins.forceField.dispose();
    plugins.model.dispose();
  }
});
