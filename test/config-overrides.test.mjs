/**
 * `--set path=value` on `embedcg config` and `embedcg train`: the override lands in the config the
 * run trains and saves, run.json records it, a stopped run prints a resume command that repeats it,
 * and a resume whose config differs from the run's (a forgotten --set, an edited file) is refused
 * with the differing keys instead of silently training a different recipe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertCleanError, repoRoot, runCli, tempDir, tinyDoubleWellConfig } from './support.mjs';

const core = await import(pathToFileURL(join(repoRoot, 'packages/core/dist/index.js')).href);

function setup(t) {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'dw.json'),
    JSON.stringify(
      { ...tinyDoubleWellConfig('overrides', 3), training: { ...tinyDoubleWellConfig().training, checkpointEvery: 1 } },
      null,
      2,
    ),
  );
  return dir;
}

test('embedcg config --set shows the override merged into the config', (t) => {
  const dir = setup(t);
  const r = runCli(
    ['config', 'dw.json', '--set', 'seed=11', '--set', 'model.options.decoderHidden=[5,5]', '--set', 'name=trial'],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  const shown = JSON.parse(r.stdout);
  assert.equal(shown.seed, 11);
  assert.equal(shown.name, 'trial');
  assert.deepEqual(shown.model.options.decoderHidden, [5, 5]);
  assert.deepEqual(shown.model.options.encoderHidden, [8], 'the rest of the file is kept');
  const bad = assertCleanError(runCli(['config', 'dw.json', '--set', 'model.options.latentDim="one"'], { cwd: dir }));
  assert.match(bad, /dw\.json \(with --set model\.options\.latentDim="one"\)/);
  assert.match(bad, /\/model\/options\/latentDim/);
});

test('train --set: saved in config.json and run.json; a resume needs the same overrides', (t) => {
  const dir = setup(t);
  // --set before the positional: a repeatable option must not swallow the config path.
  const first = runCli(
    [
      'train',
      '--set',
      'seed=11',
      'dw.json',
      '--out',
      'run',
      '--set',
      'training.finalSteps=4',
      '--max-steps',
      '3',
      '--no-progress',
    ],
    { cwd: dir },
  );
  assert.equal(first.code, 0, first.stderr);
  const saved = JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8'));
  assert.equal(saved.seed, 11);
  assert.equal(saved.training.finalSteps, 4);
  const meta = JSON.parse(readFileSync(join(dir, 'run', 'run.json'), 'utf8'));
  assert.deepEqual(meta.configOverrides, ['seed=11', 'training.finalSteps=4']);
  assert.match(
    first.stderr,
    /continue with: embedcg train dw\.json --out run --set seed=11 --set training\.finalSteps=4 --resume/,
  );

  const forgot = assertCleanError(
    runCli(['train', 'dw.json', '--out', 'run', '--resume', '--no-progress'], { cwd: dir }),
  );
  assert.match(forgot, /cannot resume \S*run: its config differs from the one the run started with/);
  assert.match(forgot, /seed: 11 then, 3 now/);
  assert.match(forgot, /training\.finalSteps: 4 then, 2 now/);
  assert.match(forgot, /same --set options/);

  // A run saved by a version that lacked a default the resuming version fills in is not "changed".
  const savedPath = join(dir, 'run', 'config.json');
  const older = JSON.parse(readFileSync(savedPath, 'utf8'));
  assert.ok('gradClipNorm' in older.training, 'the saved config holds the run-config defaults');
  delete older.training.gradClipNorm;
  writeFileSync(savedPath, JSON.stringify(older, null, 2));
  const resumed = runCli(
    [
      'train',
      'dw.json',
      '--out',
      'run',
      '--set',
      'seed=11',
      '--set',
      'training.finalSteps=4',
      '--resume',
      '--no-progress',
    ],
    { cwd: dir },
  );
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming from step 3\b/);
  const state = core.readCheckpointState(core.findCheckpoint(join(dir, 'run')));
  assert.equal(state.phase, 'done');
  // The final stage's steps: those after the level record that ends tempering.
  const history = readFileSync(join(dir, 'run', 'history.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const finalAt = history.findIndex((r) => r.type === 'level' && r.phase === 'final');
  const finalSteps = history.slice(finalAt + 1).filter((r) => r.type === 'step').length;
  assert.equal(finalSteps, 4, 'the resumed run kept the overridden finalSteps');
});
