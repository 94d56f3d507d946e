// The force check at the start of training: a third-party force field whose forces have the wrong
// sign, a short forces array or a NaN energy is refused before the first step (exit 2, naming the
// plugin and what is wrong); training.forceCheck.enabled = false trains it anyway; the project's
// own double well trains exactly as without the check; a resume does not check again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_VERSION, trainRun } from '@embedcg/core';
import { assertCleanError, repoRoot, runCli, tempDir, tinyDoubleWellConfig } from './support.mjs';

const json = (path) => JSON.parse(readFileSync(path, 'utf8'));
const untimed = (rec) => Object.fromEntries(Object.entries(rec).filter(([k]) => !['wallSeconds', 'ms'].includes(k)));
const history = (run) =>
  readFileSync(join(run, 'history.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => untimed(JSON.parse(l)));
const weights = (run) => readFileSync(join(run, 'checkpoint', 'weights.bin'));

/** A plugin module: the 2-D double well U = (x² − 1)² + ½y², broken as its `flaw` option says. */
const flawedModule = `
export const plugins = [{
  kind: 'forcefield', name: 'flawed-well', version: '1.0.0', apiVersion: ${API_VERSION},
  optionsSchema: { type: 'object', additionalProperties: false,
    properties: { flaw: { enum: ['none', 'sign', 'short', 'nan'], default: 'none' } } },
  create({ flaw }) {
    return { name: 'flawed-well', dimension: 2, initialPositions: Float64Array.from([-1, 0]),
      evaluate(x, n, o = {}) {
        const energies = new Float64Array(n);
        let forces = new Float64Array(o.energiesOnly ? 0 : 2 * n);
        for (let i = 0; i < n; i++) {
          const [a, b] = [x[2 * i], x[2 * i + 1]];
          energies[i] = (a * a - 1) ** 2 + 0.5 * b * b;
          if (o.energiesOnly) continue;
          const s = flaw === 'sign' ? -1 : 1;
          forces[2 * i] = -4 * a * (a * a - 1) * s;
          forces[2 * i + 1] = -b * s;
        }
        if (flaw === 'short' && !o.energiesOnly) forces = forces.subarray(0, 2 * n - 1);
        if (flaw === 'nan' && n > 1) energies[1] = NaN;
        return { energies, forces };
      } };
  },
}];
`;

/** The tiny double-well recipe with the flawed well as its force field, written beside the plugin. */
function setUp(t, flaw) {
  const dir = tempDir(t, 'embedcg-force-check-');
  writeFileSync(join(dir, 'flawed.mjs'), flawedModule);
  const config = {
    ...tinyDoubleWellConfig('force-check'),
    forceField: { package: './flawed.mjs', name: 'flawed-well', options: { flaw } },
  };
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config));
  return { dir, configPath, out: join(dir, 'run') };
}

test('wrong-sign forces are refused before the first step, and train with the check switched off', async (t) => {
  const { configPath, out } = setUp(t, 'sign');
  const msg = assertCleanError(runCli(['train', configPath, '--out', out, '--no-progress']), 2);
  assert.match(msg, /force field "flawed-well" \(plugin "flawed-well" of package "\.\/flawed\.mjs"\)/);
  assert.match(
    msg,
    /fails the force check at the start of training: configuration \d+, coordinate \d: force .* but −dU\/dx by finite differences/,
  );
  assert.match(msg, /configuration \d+ is (the initial positions|draw \d of 4 from the initial model)/);
  assert.match(msg, /--set training\.forceCheck\.enabled=false/);
  assert.ok(!existsSync(join(out, 'config.json')), 'no run was started');

  const skipped = runCli([
    'train',
    configPath,
    '--out',
    out,
    '--no-progress',
    '--set',
    'training.forceCheck.enabled=false',
  ]);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.match(skipped.stderr, /force check skipped/);
  assert.deepEqual(json(join(out, 'run.json')).forceCheck, { enabled: false });
});

test('a short forces array and a NaN energy are refused with what is wrong', async (t) => {
  for (const [flaw, problem] of [
    ['short', /a batch of 5 configurations: forces has length 9, expected n · D = 5 · 2 = 10/],
    ['nan', /configuration 1 \(draw 1 of 4 from the initial model at \([^)]*\)\): energy is NaN/],
  ]) {
    const { configPath, out } = setUp(t, flaw);
    await assert.rejects(trainRun({ configPath, out, progress: false, searchDirs: [repoRoot] }), (e) => {
      assert.equal(e.name, 'PluginError', e.stack);
      assert.match(e.message, /force field "flawed-well" \(plugin "flawed-well" of package "\.\/flawed\.mjs"\)/);
      assert.match(e.message, problem);
      return true;
    });
  }
});

test(
  'the double well trains exactly as without the check, which counts its evaluations apart',
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t, 'embedcg-force-check-');
    const run = (name, enabled) =>
      trainRun({
        config: { ...tinyDoubleWellConfig('force-check'), name },
        set: [`training.forceCheck.enabled=${enabled}`],
        configDir: dir,
        out: join(dir, name),
        progress: false,
        searchDirs: [repoRoot],
      });
    const checked = await run('checked', true);
    const unchecked = await run('unchecked', false);
    assert.deepEqual(history(join(dir, 'checked')), history(join(dir, 'unchecked')));
    assert.ok(weights(join(dir, 'checked')).equals(weights(join(dir, 'unchecked'))), 'the same weights bit for bit');
    assert.deepEqual(untimed(checked.metrics), untimed(unchecked.metrics), 'the same metrics and evaluation counts');
    const record = json(join(dir, 'checked', 'run.json')).forceCheck;
    // The initial positions and 4 draws, 2 components each (the dimension): 5 · (1 + 2 · 2).
    assert.deepEqual(
      { ...record, result: undefined },
      {
        enabled: true,
        configurations: 5,
        components: 2,
        evaluations: 25,
        result: undefined,
      },
    );
  },
);

test('a resume does not check again', { timeout: 120_000 }, async (t) => {
  const { configPath, out } = setUp(t, 'none');
  const first = await trainRun({ configPath, out, progress: false, maxSteps: 2, searchDirs: [repoRoot] });
  assert.equal(first.status, 'stopped');
  // The same config; the plugin module now gives wrong-sign forces, which a check would refuse.
  const flipped = flawedModule.replace("const s = flaw === 'sign' ? -1 : 1;", 'const s = -1;');
  assert.notEqual(flipped, flawedModule);
  writeFileSync(configPath.replace('config.json', 'flawed.mjs'), flipped);
  const resumed = runCli(['train', configPath, '--out', out, '--resume', '--no-progress']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.doesNotMatch(resumed.stderr, /force check/);
});
