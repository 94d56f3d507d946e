/**
 * `embedcg config` runs the option resolution `embedcg train` runs: a config the first accepts is
 * one the second trains, and one it refuses the second refuses with the same words. The case that
 * once split them: a VAE with two encoder layers and no encoderActivations, whose default list
 * must follow the layer count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertCleanError, runCli, tempDir, tinyDoubleWellConfig } from './support.mjs';

function write(dir, options) {
  const config = tinyDoubleWellConfig('config-train-test', 3);
  config.model.options = options;
  writeFileSync(join(dir, 'run.json'), JSON.stringify(config, null, 2));
}

test('two encoder layers without encoderActivations: config shows one activation per layer, and train accepts it', (t) => {
  const dir = tempDir(t);
  write(dir, { latentDim: 1, decoderHidden: [8], encoderHidden: [8, 8] });
  const shown = runCli(['config', 'run.json'], { cwd: dir });
  assert.equal(shown.code, 0, shown.stderr);
  assert.deepEqual(JSON.parse(shown.stdout).model.options.encoderActivations, ['selu', 'logsigmoid']);
  const trained = runCli(['train', 'run.json', '--out', 'run', '--max-steps', '2', '--no-progress'], { cwd: dir });
  assert.equal(trained.code, 0, trained.stderr);
});

test('a list that does not match the layers, and a retired option, are refused by config and train alike', (t) => {
  for (const [options, message] of [
    [
      { encoderHidden: [8, 8], encoderActivations: ['selu'] },
      /option encoderActivations must list one activation per encoder hidden layer \(2\)/,
    ],
    [{ encoderSkip: true }, /option encoderSkip was retired in 0\.2\.0.*see CHANGELOG/],
  ]) {
    const dir = tempDir(t);
    write(dir, { latentDim: 1, decoderHidden: [8], encoderHidden: [8], ...options });
    const shown = assertCleanError(runCli(['config', 'run.json'], { cwd: dir }));
    const trained = assertCleanError(runCli(['train', 'run.json', '--out', 'run', '--max-steps', '2'], { cwd: dir }));
    assert.match(shown, message);
    assert.equal(trained, shown);
  }
});
