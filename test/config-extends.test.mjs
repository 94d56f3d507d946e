/**
 * Run configs that extend others, through the CLI: `embedcg config` prints the merged recipe with
 * every plugin's defaults, `embedcg train` trains exactly that and records the chain, a bad option
 * in a base is reported against the config that was run, and every bench config in the repository
 * (a tree of small files over a few whole ones) still resolves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertCleanError, repoRoot, runCli, tempDir, tinyDoubleWellConfig } from './support.mjs';

const core = await import(pathToFileURL(join(repoRoot, 'packages/core/dist/index.js')).href);
const vae = await import(pathToFileURL(join(repoRoot, 'packages/models/vae/dist/index.js')).href);

const base = tinyDoubleWellConfig('extends-base', 3);
const variant = {
  extends: 'base.json',
  name: 'extends-variant',
  seed: 5,
  model: { options: { decoderHidden: [6, 6] } },
};

function setup(t) {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'base.json'), JSON.stringify(base, null, 2));
  writeFileSync(join(dir, 'variant.json'), JSON.stringify(variant, null, 2));
  return dir;
}

test("embedcg config prints the merged config with the plugins' defaults; train uses exactly it", (t) => {
  const dir = setup(t);
  const r = runCli(['config', 'variant.json', '--sources'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stderr.trim().split('\n'), ['variant.json', 'base.json']);
  const shown = JSON.parse(r.stdout);
  assert.equal(shown.name, 'extends-variant');
  assert.equal(shown.seed, 5);
  assert.deepEqual(shown.model.options.decoderHidden, [6, 6], 'the variant replaces the array');
  assert.deepEqual(shown.model.options.encoderHidden, [8], 'the rest comes from the base');
  assert.equal('extends' in shown, false);
  // Defaults of the plugin's own option schema are filled in, not only the run config's.
  const vaeSchema = vae.plugins.find((p) => p.name === 'vae').optionsSchema;
  const defaulted = Object.entries(vaeSchema.properties).filter(
    ([k, s]) => 'default' in s && !(k in variant.model.options) && !(k in base.model.options),
  );
  assert.ok(defaulted.length > 0, 'the vae plugin has option defaults to fill');
  for (const [k, s] of defaulted) assert.deepEqual(shown.model.options[k], s.default, `model option ${k}`);
  assert.equal(shown.training.batchSize, 16);
  assert.equal(shown.training.gradClipNorm, core.runConfigSchema().properties.training.properties.gradClipNorm.default);

  const tr = runCli(['train', 'variant.json', '--out', 'run', '--max-steps', '2', '--no-progress'], { cwd: dir });
  assert.equal(tr.code, 0, tr.stderr);
  const saved = JSON.parse(readFileSync(join(dir, 'run', 'config.json'), 'utf8'));
  // The run directory keeps the merged config (its resume and sample need no base file).
  assert.deepEqual(saved, core.loadRunConfig(join(dir, 'variant.json')).config);
  assert.equal(saved.seed, 5);
  assert.deepEqual(saved.model.options.decoderHidden, [6, 6]);
  const meta = JSON.parse(readFileSync(join(dir, 'run', 'run.json'), 'utf8'));
  assert.deepEqual(meta.configExtends, [join(dir, 'base.json')]);
});

test('a bad option in a base is reported against the config that was run, with its JSON path', (t) => {
  const dir = setup(t);
  writeFileSync(
    join(dir, 'base.json'),
    JSON.stringify({ ...base, model: { ...base.model, options: { ...base.model.options, latentDim: 'two' } } }),
  );
  for (const cmd of [
    ['config', 'variant.json'],
    ['train', 'variant.json', '--out', 'run', '--max-steps', '1', '--no-progress'],
  ]) {
    const msg = assertCleanError(runCli(cmd, { cwd: dir }));
    assert.match(msg, /variant\.json/);
    assert.match(msg, /\/model\/options\/latentDim/);
  }
  writeFileSync(join(dir, 'loop.json'), JSON.stringify({ extends: 'loop.json' }));
  assert.match(
    assertCleanError(runCli(['config', 'loop.json'], { cwd: dir })),
    /loop\.json: "extends" goes round in a circle: loop\.json → loop\.json/,
  );
});

test('every bench config resolves: its chain of extends exists and each plugin accepts the merged options', async () => {
  const benchDir = join(repoRoot, 'tools', 'bench');
  const files = readdirSync(benchDir).filter((f) => f.endsWith('.config.json'));
  assert.ok(files.length > 10);
  let extending = 0;
  for (const f of files) {
    const { config, configDir, path, sources } = core.loadRunConfig(join(benchDir, f));
    if (sources.length > 1) extending++;
    const resolving = core.resolveRunConfig(config, {
      configDir,
      configPath: path,
      searchDirs: [repoRoot],
      preloaded: {},
    });
    // A config that measured an option since retired stays as the record of that run; it is
    // refused, naming the option, and must fail for no other reason.
    const resolved = await resolving.catch((e) => {
      if (/option \S+ was retired in/.test(e.message)) return undefined;
      throw e;
    });
    if (resolved) assert.equal(resolved.name.length > 0, true, f);
  }
  assert.ok(
    extending > files.length / 2,
    `most bench configs hold only their differences (${extending} of ${files.length})`,
  );
});
