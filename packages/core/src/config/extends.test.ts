import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { mergeConfig, resolveExtends } from './extends.js';
import { loadRunConfig, runConfigSchema, validateRunConfig } from './run-config.js';
import { validateAgainst } from './validate.js';

function withTempDir(f: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-extends-'));
  try {
    f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const write = (path: string, value: unknown) =>
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));

const base = () => ({
  name: 'base',
  seed: 1,
  forceField: { package: '@embedcg/forcefield-analytic', name: 'double-well', options: { a: 1 } },
  model: {
    package: '@embedcg/model-vae',
    name: 'vae',
    options: {
      latentDim: 2,
      decoderHidden: [100, 100, 100],
      decoderStdMax: { coordinates: 'backbone', max: 0.1 },
      latentSkip: { slope: 1.5 },
    },
  },
  training: { batchSize: 512, finalSteps: 2000 },
});

test('mergeConfig: objects merge key by key, arrays and scalars replace, null removes; inputs untouched', () => {
  const b = base();
  const before = JSON.stringify(b);
  const o = {
    name: 'v',
    model: { options: { decoderHidden: [50], decoderStdMax: { max: 0.05 }, latentSkip: null } },
    training: { finalSteps: 0 },
  };
  const m = mergeConfig(b, o as any) as any;
  assert.equal(m.name, 'v');
  assert.equal(m.seed, 1);
  assert.deepEqual(m.model.options.decoderHidden, [50], 'an array replaces, it does not merge element-wise');
  assert.deepEqual(m.model.options.decoderStdMax, { coordinates: 'backbone', max: 0.05 }, 'nested objects merge');
  assert.equal('latentSkip' in m.model.options, false, 'null removes the key');
  assert.equal(m.model.package, '@embedcg/model-vae');
  assert.deepEqual(m.training, { batchSize: 512, finalSteps: 0 }, '0 is a value, not a removal');
  assert.equal(JSON.stringify(b), before, 'the base is not modified');
  assert.deepEqual(o.model.options.decoderHidden, [50]);
  // An object over a scalar (or a scalar over an object) replaces it.
  assert.deepEqual(mergeConfig({ a: 1 }, { a: { b: 2 } }), { a: { b: 2 } });
  assert.deepEqual(mergeConfig({ a: { b: 2 } }, { a: 3 }), { a: 3 });
});

test('mergeConfig: a layer that names another plugin drops the base options; the same plugin merges', () => {
  const flow = {
    model: { package: '@embedcg/model-flow', name: 'flow', options: { layers: 8, hidden: [64] } },
    schedule: { package: '@embedcg/core', name: 'kl-increase', options: { delta: 0.1 } },
  };
  // Another name in the same package: only the layer's options, the package kept.
  assert.deepEqual(
    (mergeConfig(flow, { model: { name: 'structured-flow', options: { layers: 2, spare: null } } }) as any).model,
    { package: '@embedcg/model-flow', name: 'structured-flow', options: { layers: 2 } },
  );
  // Another package (and name), no options stated: none inherited.
  assert.deepEqual((mergeConfig(flow, { model: { package: '@embedcg/model-vae', name: 'vae' } }) as any).model, {
    package: '@embedcg/model-vae',
    name: 'vae',
    options: {},
  });
  // Another package under the same name is another plugin too.
  assert.deepEqual((mergeConfig(flow, { model: { package: './my-flow' } }) as any).model, {
    package: './my-flow',
    name: 'flow',
    options: {},
  });
  // Naming the same plugin again, or not naming one, merges the options as before.
  const same = mergeConfig(flow, {
    model: { package: '@embedcg/model-flow', name: 'flow', options: { layers: 4 } },
    schedule: { options: { delta: 0.2 } },
  }) as any;
  assert.deepEqual(same.model.options, { layers: 4, hidden: [64] });
  assert.deepEqual(same.schedule, { package: '@embedcg/core', name: 'kl-increase', options: { delta: 0.2 } });
  // Only the plugin slots carry the rule: a `name` elsewhere is an ordinary key.
  assert.deepEqual(mergeConfig({ x: { name: 'a', options: { k: 1 } } }, { x: { name: 'b' } }), {
    x: { name: 'b', options: { k: 1 } },
  });
  assert.deepEqual(flow.model.options, { layers: 8, hidden: [64] }, 'the base is not modified');
});

test('extends: a variant that swaps the flow for the VAE validates with only the VAE options it states', () => {
  withTempDir((dir) => {
    write(join(dir, 'flow.json'), {
      ...base(),
      model: { package: '@embedcg/model-flow', name: 'flow', options: { layers: 4, hidden: [16] } },
    });
    write(join(dir, 'vae.json'), {
      extends: 'flow.json',
      model: { package: '@embedcg/model-vae', name: 'vae', options: { latentDim: 1 } },
    });
    const c = loadRunConfig(join(dir, 'vae.json')).config as any;
    assert.deepEqual(c.model, { package: '@embedcg/model-vae', name: 'vae', options: { latentDim: 1 } });
    assert.equal(c.forceField.options.a, 1, 'the other slots still merge');
  });
});

test('loadRunConfig follows a chain of extends across folders and validates the merged config', () => {
  withTempDir((dir) => {
    mkdirSync(join(dir, 'variants'));
    write(join(dir, 'base.json'), base());
    write(join(dir, 'variants', 'tighter.json'), {
      extends: '../base.json',
      name: 'tighter',
      model: { options: { decoderStdMax: { max: 0.05 } } },
    });
    const seed2 = join(dir, 'variants', 'tighter-seed2.json');
    write(seed2, { extends: 'tighter.json', seed: 2 });
    const r = loadRunConfig(seed2);
    assert.deepEqual(r.sources, [seed2, join(dir, 'variants', 'tighter.json'), join(dir, 'base.json')]);
    assert.equal(r.configDir, join(dir, 'variants'), 'other relative paths resolve against the config being run');
    const c = r.config as any;
    assert.equal(c.name, 'tighter');
    assert.equal(c.seed, 2);
    assert.deepEqual(c.model.options.decoderStdMax, { coordinates: 'backbone', max: 0.05 });
    assert.deepEqual(c.forceField.options, { a: 1 });
    assert.equal('extends' in c, false, 'the merged config no longer names a base');
    // Validation filled the defaults of what no file set.
    assert.equal(
      c.training.stepsPerLevel,
      (runConfigSchema() as any).properties.training.properties.stepsPerLevel.default,
    );
    assert.equal(c.training.finalSteps, 2000);
    // A plain file (no extends) lists only itself.
    assert.deepEqual(loadRunConfig(join(dir, 'base.json')).sources, [join(dir, 'base.json')]);
  });
});

test('extends: a cycle, a missing base, a bad value and a broken base are ConfigErrors naming the files', () => {
  withTempDir((dir) => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    write(a, { extends: 'b.json', name: 'a' });
    write(b, { extends: 'a.json' });
    assert.throws(
      () => loadRunConfig(a),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message.startsWith(`${a}: "extends" goes round in a circle: `) &&
        /a\.json → .*b\.json → .*a\.json$/.test(e.message),
    );

    const self = join(dir, 'self.json');
    write(self, { extends: './self.json' });
    assert.throws(() => loadRunConfig(self), /goes round in a circle/);

    const orphan = join(dir, 'orphan.json');
    write(orphan, { extends: 'nope.json', name: 'o' });
    assert.throws(
      () => loadRunConfig(orphan),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message === `${orphan} extends "nope.json": cannot read config file (no such file)`,
    );

    const numeric = join(dir, 'numeric.json');
    write(numeric, { extends: 3, name: 'n' });
    assert.throws(
      () => loadRunConfig(numeric),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message === `${numeric}/extends: must be the path of another run config (a non-empty string), not 3`,
    );

    write(join(dir, 'broken.json'), '{\n  "seed": 1,,\n}\n');
    const child = join(dir, 'child.json');
    write(child, { extends: 'broken.json' });
    assert.throws(
      () => loadRunConfig(child),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message.startsWith(`${child} extends "broken.json": malformed JSON at line 2, column 13`),
    );

    write(join(dir, 'list.json'), '[1, 2]');
    const onList = join(dir, 'on-list.json');
    write(onList, { extends: 'list.json' });
    assert.throws(
      () => loadRunConfig(onList),
      (e: Error) =>
        e instanceof ConfigError && e.message === `${onList} extends "list.json": a run config must be a JSON object`,
    );
  });
});

test('extends: the merged config must be valid as a whole, and the message says it was merged', () => {
  withTempDir((dir) => {
    write(join(dir, 'base.json'), base());
    const noModel = join(dir, 'no-model.json');
    write(noModel, { extends: 'base.json', model: null });
    assert.throws(
      () => loadRunConfig(noModel),
      (e: Error) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /^.*no-model\.json \(with the configs it extends\): invalid run config:\n/);
        assert.match(e.message, /must have required property 'model'/);
        return true;
      },
    );
    const badValue = join(dir, 'bad-value.json');
    write(badValue, { extends: 'base.json', training: { batchSize: 0 } });
    assert.throws(() => loadRunConfig(badValue), /\/training\/batchSize must be >= 1/);
  });
});

test('validateRunConfig refuses an unmerged extends; the schema lets a variant file leave the required keys to its base', () => {
  assert.throws(
    () => validateRunConfig({ ...base(), extends: 'x.json' }, 'cfg'),
    (e: Error) =>
      e instanceof ConfigError &&
      e.message.startsWith('cfg/extends: only a config read from a file can extend another'),
  );
  // What an editor checks against the printed schema: a variant holding only its differences passes,
  // a file with neither extends nor the required keys does not.
  assert.deepEqual(validateAgainst(runConfigSchema(), { extends: 'base.json', seed: 2 }), []);
  assert.ok(validateAgainst(runConfigSchema(), { seed: 2 }).some((i) => /required property 'name'/.test(i.message)));
});

test('resolveExtends names the first file as the user typed it', () => {
  withTempDir((dir) => {
    const f = join(dir, 'x.json');
    write(f, { extends: 'y.json' });
    assert.throws(
      () => resolveExtends(f, 'configs/x.json'),
      (e: Error) => e.message === 'configs/x.json extends "y.json": cannot read config file (no such file)',
    );
  });
});
