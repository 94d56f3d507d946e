/**
 * `embedcg train` with a broken config: each kind of mistake exits 2 with one message that names
 * the file and says what to fix (JSON path, expected type, installed packages), never a stack
 * trace, and leaves no run directory behind. A valid twin of the configs trains, so each failure
 * is caused by the one defect it plants. `embedcg config` refuses what `train` refuses before its
 * first step (options, plugin creation, plugins that do not fit, objectives the model cannot serve)
 * with the same message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertCleanError, repoRoot, runCli, tempDir, tinyDoubleWellConfig } from './support.mjs';

const { API_VERSION } = await import(pathToFileURL(join(repoRoot, 'packages/core/dist/index.js')).href);

/** A small valid config; `patch` edits a copy. */
function config(patch = (c) => c) {
  return patch(tinyDoubleWellConfig('bad-config-test', 3));
}

/** Write `text` as FILE in a fresh folder and run `embedcg train FILE --out run --max-steps 2` there. */
function train(t, file, text, setup = () => {}) {
  const dir = tempDir(t);
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  if (text !== undefined)
    writeFileSync(join(dir, file), typeof text === 'string' ? text : JSON.stringify(text, null, 2));
  setup(dir);
  const r = runCli(['train', file, '--out', 'run', '--max-steps', '2', '--no-progress'], { cwd: dir });
  return { ...r, dir };
}

function assertNoRun(r) {
  assert.ok(!existsSync(join(r.dir, 'run', 'config.json')), 'a rejected config must not leave a run directory behind');
}

test('control: the valid config trains two steps', (t) => {
  const r = train(t, 'ok.json', config());
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(r.dir, 'run', 'config.json')));
  assert.ok(existsSync(join(r.dir, 'run', 'history.jsonl')));
});

test('malformed JSON: names the file and the line and column of the mistake', (t) => {
  const text = JSON.stringify(config(), null, 2).replace('"seed": 3,', '"seed": 3,,');
  const line = text.split('\n').findIndex((l) => l.includes('3,,')) + 1;
  const r = train(t, 'broken.json', text);
  const msg = assertCleanError(r);
  assert.match(msg, /broken\.json/);
  assert.match(msg, /malformed JSON/);
  assert.match(msg, new RegExp(`line ${line}, column \\d+`));
  assertNoRun(r);
});

test('missing config file: names the file', (t) => {
  const r = train(t, 'nowhere.json', undefined);
  const msg = assertCleanError(r);
  assert.match(msg, /nowhere\.json/);
  assert.match(msg, /no such file/);
  assertNoRun(r);
});

test('unknown plugin package: names the config entry, the fix and the installed plugin packages', (t) => {
  const r = train(
    t,
    'c.json',
    config((c) => ({ ...c, forceField: { package: 'embedcg-plugin-nope', name: 'x' } })),
  );
  const msg = assertCleanError(r);
  assert.match(msg, /c\.json at \/forceField/);
  assert.match(msg, /"embedcg-plugin-nope" is not installed/);
  assert.match(msg, /npm install embedcg-plugin-nope/);
  for (const p of [
    '@embedcg/core',
    '@embedcg/forcefield-analytic',
    '@embedcg/forcefield-amber',
    '@embedcg/forcefield-openmm',
    '@embedcg/model-vae',
  ]) {
    assert.ok(msg.includes(p), `the message should list installed package ${p}:\n${msg}`);
  }
  assertNoRun(r);
});

test('unknown plugin name in a known package: lists the plugins the package provides', (t) => {
  const r = train(
    t,
    'c.json',
    config((c) => ({ ...c, forceField: { package: '@embedcg/forcefield-analytic', name: 'triple-well' } })),
  );
  const msg = assertCleanError(r);
  assert.match(msg, /c\.json at \/forceField/);
  assert.match(msg, /no plugin named "triple-well"/);
  assert.match(msg, /double-well \(forcefield\)/);
  assertNoRun(r);
});

test('wrong option type: names the JSON path and the expected type', (t) => {
  const r = train(
    t,
    'c.json',
    config((c) => ({ ...c, model: { ...c.model, options: { latentDim: 'two' } } })),
  );
  const msg = assertCleanError(r);
  assert.match(msg, /c\.json/);
  assert.match(msg, /\/model\/options\/latentDim must be integer/);
  assertNoRun(r);
});

test('invalid schedule options: names the JSON path and the bound', (t) => {
  const r = train(
    t,
    'c.json',
    config((c) => ({ ...c, schedule: { ...c.schedule, options: { delta: -1 } } })),
  );
  const msg = assertCleanError(r);
  assert.match(msg, /c\.json/);
  assert.match(msg, /\/schedule\/options\/delta must be > 0/);
  assertNoRun(r);
});

test('unknown top-level property: names it and points at `embedcg schema`', (t) => {
  const r = train(
    t,
    'c.json',
    config((c) => ({ ...c, epochs: 3 })),
  );
  const msg = assertCleanError(r);
  assert.match(msg, /c\.json/);
  assert.match(msg, /unknown property "epochs"/);
  assert.match(msg, /embedcg schema/);
  assertNoRun(r);
});

test('apiVersion mismatch of a local plugin package (./ path, relative to the config): names both API versions and the entry', (t) => {
  // The config sits in a subfolder and the CLI runs from its parent: ./old-plugin must resolve
  // against the config's folder, not the working directory.
  const r = train(
    t,
    'configs/c.json',
    config((c) => ({ ...c, forceField: { package: './old-plugin', name: 'old-well' } })),
    (dir) => {
      const pkg = join(dir, 'configs', 'old-plugin');
      mkdirSync(pkg);
      writeFileSync(
        join(pkg, 'package.json'),
        JSON.stringify({ name: 'old-plugin', version: '0.0.1', type: 'module', exports: './index.js' }),
      );
      writeFileSync(
        join(pkg, 'index.js'),
        `export const plugins = [{
      kind: 'forcefield', name: 'old-well', version: '0.0.1', apiVersion: 99, optionsSchema: { type: 'object' },
      create() { throw new Error('create must not be called for a plugin of another API'); },
    }];\n`,
      );
    },
  );
  const msg = assertCleanError(r);
  assert.match(msg, /configs\/c\.json at \/forceField/);
  assert.match(msg, /old-well/);
  assert.ok(
    msg.includes(join(r.dir, 'configs', 'old-plugin')),
    `the message names where the plugin was found:\n${msg}`,
  );
  assert.match(msg, /API 99/);
  assert.ok(msg.includes(`implements API ${API_VERSION}`), msg);
  assert.doesNotMatch(msg, /create must not be called/);
  assertNoRun(r);
});

/** A local model plugin with neither logProb nor logProbBound, of `dimension` coordinates (option). */
function writeDensitylessPlugin(dir) {
  const pkg = join(dir, 'densityless');
  mkdirSync(pkg);
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'densityless', version: '0.0.1', type: 'module', exports: './index.js' }),
  );
  writeFileSync(
    join(pkg, 'index.js'),
    `export const plugins = [{
      kind: 'model', name: 'densityless', version: '0.0.1', apiVersion: ${API_VERSION},
      optionsSchema: { type: 'object', properties: { dimension: { type: 'integer', default: 2 } } },
      create: ({ dimension }) => ({
        name: 'densityless', dimension, exactDensity: false,
        draw() { throw new Error('no step may run'); },
        variables: () => [], metadata: () => ({ plugin: 'densityless', dimension }), dispose() {},
      }),
    }];\n`,
  );
}

test('embedcg config refuses what train refuses before its first step, with the same message', (t) => {
  const local = (options, training = {}) =>
    config((c) => ({
      ...c,
      model: { package: './densityless', name: 'densityless', options },
      training: { ...c.training, ...training },
    }));
  const cases = [
    [config((c) => ({ ...c, model: { ...c.model, options: { latentDim: 'two' } } })), /must be integer/],
    [
      config((c) => ({
        ...c,
        model: { package: '@embedcg/model-flow', name: 'flow', options: { outputMean: [0, 0, 0] } },
      })),
      /could not be created: flow model: option outputMean has 3 entries, expected the model dimension 2/,
    ],
    [
      config((c) => ({ ...c, transform: { package: '@embedcg/core', name: 'internal-coordinates' } })),
      /could not be created: internal-coordinates transform: force field "double-well" has 2 coordinates/,
    ],
    [
      local({ dimension: 3 }),
      /the model produces 3-dimensional configurations but force field "double-well" expects 2/,
    ],
    [local({}, { forwardKLWeight: 1 }), /training\.forwardKLWeight = 1 needs a model with logProb\(\)/],
  ];
  for (const [c, expected] of cases) {
    const dir = tempDir(t);
    writeDensitylessPlugin(dir);
    writeFileSync(join(dir, 'c.json'), JSON.stringify(c, null, 2));
    const checked = assertCleanError(runCli(['config', 'c.json'], { cwd: dir }));
    assert.match(checked, expected);
    const r = {
      ...runCli(['train', 'c.json', '--out', 'run', '--max-steps', '1', '--no-progress'], { cwd: dir }),
      dir,
    };
    assert.equal(assertCleanError(r).split('\n')[0], checked.split('\n')[0], 'config and train say the same');
    assertNoRun(r);
  }
  // Its valid twin passes config without writing anything.
  const dir = tempDir(t);
  writeDensitylessPlugin(dir);
  writeFileSync(join(dir, 'c.json'), JSON.stringify(local({}), null, 2));
  const ok = runCli(['config', 'c.json'], { cwd: dir });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stderr, '', 'config prints only the config');
  assert.equal(JSON.parse(ok.stdout).model.options.dimension, 2);
});
