import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import {
  K_BOLTZMANN,
  jsonErrorLocation,
  loadRunConfig,
  runConfigSchema,
  targetBeta,
  validateRunConfig,
} from './run-config.js';

const minimal = () => ({
  name: 'm',
  forceField: { package: '@embedcg/forcefield-analytic', name: 'double-well' },
  model: { package: '@embedcg/model-vae', name: 'vae' },
});

/** The `default` of every property of an object schema. */
function defaultsOf(schema: any): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(schema.properties as Record<string, any>)
      .filter(([, s]) => 'default' in s)
      .map(([k, s]) => [k, s.default]),
  );
}

function withTempDir(f: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-config-'));
  try {
    f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a minimal config gets every schema default, in place, down to nested sections', () => {
  const value = minimal();
  const c = validateRunConfig(value);
  assert.equal(c, value, 'defaults are filled into the object passed in');
  const s = runConfigSchema() as any;
  assert.equal(c.seed, s.properties.seed.default);
  assert.deepEqual(c.target, s.properties.target.default);
  assert.deepEqual(c.schedule, { package: '@embedcg/core', name: 'kl-increase', options: {} });
  const { energyGuard, forceCheck, ...training } = c.training;
  const {
    energyGuard: _guardDefault,
    forceCheck: _checkDefault,
    ...trainingDefaults
  } = defaultsOf(s.properties.training);
  assert.deepEqual(training, trainingDefaults);
  assert.deepEqual(energyGuard, defaultsOf(s.properties.training.properties.energyGuard));
  assert.deepEqual(forceCheck, defaultsOf(s.properties.training.properties.forceCheck));
  assert.deepEqual(forceCheck, { enabled: true, configurations: 4, components: 3, tolerance: 0.01 });
  assert.deepEqual(c.evaluation, defaultsOf(s.properties.evaluation));
  assert.deepEqual(c.outputs, defaultsOf(s.properties.outputs));
  assert.deepEqual(c.forceField.options, {}, 'plugin refs get empty options');
});

test('given values are kept, only missing ones are defaulted', () => {
  const c = validateRunConfig({
    ...minimal(),
    seed: 7,
    training: { batchSize: 33, energyGuard: { dropFraction: 0.1 } },
  });
  const s = runConfigSchema() as any;
  assert.equal(c.seed, 7);
  assert.equal(c.training.batchSize, 33);
  assert.equal(c.training.learningRate, s.properties.training.properties.learningRate.default);
  assert.equal(c.training.energyGuard.dropFraction, 0.1);
  assert.equal(
    c.training.energyGuard.maxEnergy,
    s.properties.training.properties.energyGuard.properties.maxEnergy.default,
  );
});

test('target temperature becomes β = 1/(k_B T) with k_B = 0.0083144626 kJ/mol/K', () => {
  assert.equal(K_BOLTZMANN, 0.0083144626);
  for (const T of [1, 77, 300, 330, 1000]) {
    const c = validateRunConfig({ ...minimal(), target: { temperature: T } });
    assert.equal(targetBeta(c), 1 / (0.0083144626 * T));
  }
  // Textbook check: k_B T at 300 K is 2.494 kJ/mol.
  assert.ok(Math.abs(1 / targetBeta({ target: { temperature: 300 } }) - 2.4943) < 1e-4);
  assert.equal(targetBeta(validateRunConfig({ ...minimal(), target: { beta: 0.25 } })), 0.25);
  assert.equal(targetBeta(validateRunConfig(minimal())), 1, 'the default target is β = 1 (energies in kT)');
});

test('target needs exactly one of temperature and beta, each positive', () => {
  assert.throws(
    () => validateRunConfig({ ...minimal(), target: { temperature: 300, beta: 1 } }, 'both.json'),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^both\.json: invalid run config/);
      assert.match(e.message, /\/target/);
      return true;
    },
  );
  assert.throws(
    () => validateRunConfig({ ...minimal(), target: {} }, 'none.json'),
    /none\.json: invalid run config:[\s\S]*\/target/,
  );
  assert.throws(
    () => validateRunConfig({ ...minimal(), target: { temperature: -5 } }, 't.json'),
    /\/target\/temperature must be > 0/,
  );
});

test('schema violations name the file, every JSON path and the fix', () => {
  assert.throws(
    () =>
      validateRunConfig(
        { ...minimal(), epochs: 3, training: { batchSize: 0, backend: 'gpu' }, forceField: { package: 'x' } },
        'cfg.json',
      ),
    (e: Error) => {
      assert.ok(e instanceof InputError, 'config problems are input errors (exit code 2)');
      assert.match(e.message, /^cfg\.json: invalid run config:/);
      assert.match(e.message, /unknown property "epochs"/);
      assert.match(e.message, /\/training\/batchSize must be >= 1/);
      assert.match(e.message, /\/training\/backend must be one of \["auto","tensorflow","wasm","cpu"\]/);
      assert.match(e.message, /\/forceField must have required property 'name'/);
      assert.match(e.message, /embedcg schema/);
      return true;
    },
  );
  for (const bad of [null, [], 'config', 3])
    assert.throws(() => validateRunConfig(bad, 'x.json'), /x\.json: a run config must be a JSON object/);
});

test("runConfigSchema adds one if/then branch per plugin that checks that plugin's options", () => {
  const schema = runConfigSchema([
    { kind: 'model', package: 'p', name: 'm', schema: { type: 'object', properties: { width: { type: 'integer' } } } },
  ]) as any;
  assert.equal(schema.properties.model.allOf.length, 1);
  assert.equal(schema.properties.forceField.allOf, undefined, 'kinds without plugins stay plain');
});

test('loadRunConfig reads, validates and reports the config folder', () => {
  withTempDir((dir) => {
    const path = join(dir, 'run.json');
    writeFileSync(path, JSON.stringify({ ...minimal(), target: { temperature: 300 } }));
    const r = loadRunConfig(path);
    assert.equal(r.configDir, dir);
    assert.equal(r.path, path);
    assert.equal(
      r.config.training.batchSize,
      (runConfigSchema() as any).properties.training.properties.batchSize.default,
    );
  });
});

test('loadRunConfig: a missing file and malformed JSON are ConfigErrors naming the file (and the line)', () => {
  withTempDir((dir) => {
    const missing = join(dir, 'nope.json');
    assert.throws(
      () => loadRunConfig(missing),
      (e: Error) => e instanceof ConfigError && e.message === `${missing}: cannot read config file (no such file)`,
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "name": "x",\n  "seed": 1,,\n}\n');
    assert.throws(
      () => loadRunConfig(bad),
      (e: Error) => {
        assert.ok(e instanceof ConfigError);
        assert.match(
          e.message,
          new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: malformed JSON at line 3, column 13: `),
        );
        // Line 3 is `  "seed": 1,,`: the second comma, column 13, is the mistake.
        return true;
      },
    );
  });
});

test('jsonErrorLocation turns JSON.parse positions into line and column', () => {
  const parseError = (t: string) => {
    try {
      JSON.parse(t);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('expected a parse error');
  };
  const text = '{\n  "a": 1,\n}';
  // V8 reports the position of the offending "}" (index 12): line 3, column 1.
  assert.equal(jsonErrorLocation(text, parseError(text)), ' at line 3, column 1');
  const cut = '{\n  "a": [1,';
  assert.equal(jsonErrorLocation(cut, parseError(cut)), ` at line 2, column ${'  "a": [1,'.length + 1}`);
  assert.equal(jsonErrorLocation('x', 'no position here'), '');
});

test('numbers that do not fit a double are refused up front, naming where they are', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-finite-'));
  try {
    const file = join(dir, 'c.json');
    // JSON.parse reads 1e400 as Infinity; written back it would become null and spoil the run.
    writeFileSync(
      file,
      JSON.stringify(minimal()).replace('"name":"m"', '"name":"m","training":{"learningRate":1e400}'),
    );
    assert.throws(
      () => loadRunConfig(file),
      (e: Error) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /\/training\/learningRate is Infinity, not a finite number/);
        assert.match(e.message, /c\.json/);
        return true;
      },
    );
    writeFileSync(file, JSON.stringify(minimal()));
    assert.throws(
      () => loadRunConfig(file, ['model.options.latentDim=-1e999']),
      (e: Error) => {
        assert.match(e.message, /--set model\.options\.latentDim=-1e999/);
        assert.match(e.message, /\/model\/options\/latentDim is -Infinity/);
        return true;
      },
    );
    assert.throws(
      () => validateRunConfig({ ...minimal(), seed: 1, target: { beta: NaN } }, 'in code'),
      /in code: \/target\/beta is NaN, not a finite number/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
