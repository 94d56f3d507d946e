import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { configDifferences, formatConfigDifferences } from './config-diff.js';
import { applyOverrides, parseOverride } from './overrides.js';
import { loadRunConfig } from './run-config.js';

const base = () => ({
  name: 'base',
  seed: 1,
  model: {
    package: 'm',
    name: 'vae',
    options: { latentDim: 2, decoderHidden: [100, 100], decoderStdMax: { coordinates: 'backbone', max: 0.1 } },
  },
  training: { batchSize: 512, finalSteps: 2000 },
});

test('parseOverride: JSON values where they parse, plain text otherwise', () => {
  assert.deepEqual(parseOverride('seed=3'), { path: ['seed'], value: 3, text: 'seed=3' });
  assert.deepEqual(parseOverride('model.options.decoderHidden=[64,64]').value, [64, 64]);
  assert.deepEqual(parseOverride('a.b={"max":0.05}').value, { max: 0.05 });
  assert.equal(parseOverride('a=true').value, true);
  assert.equal(parseOverride('a=null').value, null);
  assert.equal(parseOverride('name=trial-3').value, 'trial-3', 'text that is not JSON needs no quotes');
  assert.equal(parseOverride('name="42"').value, '42', 'a string that looks like a number is quoted as JSON');
  assert.equal(parseOverride('name=a=b').value, 'a=b', 'only the first = splits');
  assert.equal(parseOverride('name=').value, '', 'an empty value is the empty string');
});

test('parseOverride: a malformed argument names itself and the problem', () => {
  assert.throws(
    () => parseOverride('seed'),
    (e: unknown) => e instanceof ConfigError && /--set seed: expected path=value/.test(e.message),
  );
  assert.throws(() => parseOverride('=3'), /"" is not a key path/);
  assert.throws(() => parseOverride('model..latentDim=1'), /"model\.\.latentDim" is not a key path/);
  assert.throws(() => parseOverride('extends=a.json'), /"extends" is resolved from the file/);
});

test('applyOverrides: the extends merge rules, in order, inputs untouched', () => {
  const b = base();
  const before = JSON.stringify(b);
  const out = applyOverrides(
    b,
    [
      'seed=7',
      'model.options.decoderHidden=[8]',
      'model.options.decoderStdMax={"max":0.05}',
      'training.finalSteps=null',
      'seed=9',
      'evaluation.samples=100',
    ].map(parseOverride),
  ) as any;
  assert.equal(JSON.stringify(b), before, 'the input is not modified');
  assert.equal(out.seed, 9, 'a later --set wins');
  assert.deepEqual(out.model.options.decoderHidden, [8], 'a list replaces');
  assert.deepEqual(
    out.model.options.decoderStdMax,
    { coordinates: 'backbone', max: 0.05 },
    'an object merges key by key',
  );
  assert.equal('finalSteps' in out.training, false, 'null removes the key');
  assert.equal(out.training.batchSize, 512);
  assert.deepEqual(out.evaluation, { samples: 100 }, 'a missing parent is created');
  const same = applyOverrides(b, [parseOverride('nowhere.key=null')]);
  assert.deepEqual(same, b, 'removing a key that is not there changes nothing');
});

test('applyOverrides: --set model.name=… names another plugin and drops the old options; later --set add to it', () => {
  const out = applyOverrides(base(), ['model.name=other', 'model.options.width=3'].map(parseOverride)) as any;
  assert.deepEqual(out.model, { package: 'm', name: 'other', options: { width: 3 } });
  const before = applyOverrides(base(), ['model.options.width=3', 'model.name=other'].map(parseOverride)) as any;
  assert.deepEqual(before.model.options, {}, 'an option set before the plugin changes goes with the old plugin');
  const same = applyOverrides(base(), [parseOverride('model.name=vae')]) as any;
  assert.deepEqual(same.model, base().model, 'naming the same plugin keeps its options');
});

test('applyOverrides: a key inside a list is refused with the whole-list form', () => {
  assert.throws(
    () => applyOverrides(base(), [parseOverride('model.options.decoderHidden.0=3')]),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.includes(
        'model.options.decoderHidden is a list; set the whole list, e.g. --set model.options.decoderHidden=[100,100]',
      ),
  );
});

test('loadRunConfig with overrides: validated as a whole, errors name the file and the --set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-overrides-'));
  try {
    const file = join(dir, 'run.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'x',
        seed: 1,
        forceField: { package: '@embedcg/forcefield-analytic', name: 'double-well' },
        model: { package: '@embedcg/model-vae', name: 'vae' },
      }),
    );
    const { config, label } = loadRunConfig(file, ['seed=4', 'training.finalSteps=10']);
    assert.equal(config.seed, 4);
    assert.equal(config.training.finalSteps, 10);
    assert.equal(label, `${file} (with --set seed=4 --set training.finalSteps=10)`);
    assert.equal(loadRunConfig(file).label, file);
    assert.throws(
      () => loadRunConfig(file, ['seed=abc']),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.startsWith(`${file} (with --set seed=abc): invalid run config`) &&
        /\/seed must be integer/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('configDifferences: every differing key path with both values, nothing for equal configs', () => {
  assert.deepEqual(configDifferences(base(), base()), []);
  const after = applyOverrides(
    base(),
    ['seed=2', 'training.finalSteps=null', 'model.options.decoderHidden=[100]', 'evaluation.samples=5'].map(
      parseOverride,
    ),
  );
  const diffs = configDifferences(base(), after);
  assert.deepEqual(diffs, [
    { path: 'seed', before: '1', after: '2' },
    { path: 'model.options.decoderHidden', before: '[100,100]', after: '[100]' },
    { path: 'training.finalSteps', before: '2000' },
    { path: 'evaluation', after: '{"samples":5}' },
  ]);
  const text = formatConfigDifferences(diffs, 3);
  assert.match(text, /seed: 1 then, 2 now/);
  assert.match(text, /training\.finalSteps: 2000 then, \(absent\) now/);
  assert.match(text, /… and 1 more/);
});
