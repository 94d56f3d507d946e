/**
 * Run configs that extend others, through the CLI: `embedcg config` prints the merged recipe with
 * every plugin's defaults, `embedcg train` trains exactly that and records the chain, a bad option
 * in a base is reported against the config that was run, and the configs the repository ships
 * (tools/bench and examples/) resolve, extend at most two levels, state a changed plugin's options
 * themselves, and are in use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
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

// The configs the repository ships: tools/bench keeps only live ones (a bench script's default, or a
// current recipe on a docs/results page), examples/ holds the run configs users start from.
const benchDir = join(repoRoot, 'tools', 'bench');
const examplesDir = join(repoRoot, 'examples');
const rel = (p) => relative(repoRoot, p);
const benchConfigs = readdirSync(benchDir)
  .filter((f) => f.endsWith('.config.json'))
  .sort()
  .map((f) => join(benchDir, f));
const exampleConfigs = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => join(examplesDir, f));
const MAX_EXTENDS_DEPTH = 2;

test('every bench config and example resolves: its chain of extends exists, is at most 2 deep, and each plugin accepts the merged options', async () => {
  assert.ok(benchConfigs.length > 0, "tools/bench holds the bench scripts' default configs");
  assert.ok(
    exampleConfigs.some((f) => f.endsWith('double-well.json')),
    'examples/double-well.json is a run config',
  );
  for (const file of [...benchConfigs, ...exampleConfigs]) {
    const { config, configDir, path, sources } = core.loadRunConfig(file);
    assert.ok(
      sources.length - 1 <= MAX_EXTENDS_DEPTH,
      `${rel(file)} extends ${sources.length - 1} levels deep (${sources.map(rel).join(' → ')}); flatten it to at most ${MAX_EXTENDS_DEPTH}`,
    );
    const resolved = await core.resolveRunConfig(config, {
      configDir,
      configPath: path,
      searchDirs: [repoRoot],
      preloaded: {},
    });
    assert.ok(resolved.name.length > 0, rel(file));
  }
});

/**
 * The merge rule before a plugin change replaced options (commit 47715b7's extends.ts), kept as the
 * reference: objects merged key by key, other values replaced, null removing the key, whatever the
 * plugin.
 */
function mergeBeforePluginRule(base, override) {
  const out = { ...base };
  for (const [k, v] of Object.entries(override)) {
    const isObj = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
    if (v === null) delete out[k];
    else if (isObj(v) && isObj(out[k])) out[k] = mergeBeforePluginRule(out[k], v);
    else out[k] = v;
  }
  return out;
}

/** A config file and the chain it extends, merged by the old rule. */
function resolveBeforePluginRule(file) {
  const chain = [];
  for (let at = file; at;) {
    const { extends: base, ...rest } = JSON.parse(readFileSync(at, 'utf8'));
    chain.push(rest);
    at = base === undefined ? undefined : join(dirname(at), base);
  }
  return chain.reverse().reduce((merged, layer) => mergeBeforePluginRule(merged, layer), {});
}

test('no example or bench config resolves differently now that a plugin change replaces the base options', () => {
  for (const file of [...benchConfigs, ...exampleConfigs]) {
    assert.deepEqual(core.resolveExtends(file).value, resolveBeforePluginRule(file), rel(file));
    assert.deepEqual(
      core.loadRunConfig(file).config,
      core.validateRunConfig(resolveBeforePluginRule(file), rel(file)),
      `${rel(file)}, validated`,
    );
  }
});

test('a variant that swaps the flow for the VAE through extends takes only the VAE options it states', (t) => {
  const dir = tempDir(t);
  const flowBase = {
    ...tinyDoubleWellConfig('swap-base', 3),
    model: { package: '@embedcg/model-flow', name: 'flow', options: { layers: 2, hidden: [8] } },
  };
  writeFileSync(join(dir, 'flow.json'), JSON.stringify(flowBase, null, 2));
  writeFileSync(
    join(dir, 'vae.json'),
    JSON.stringify({ extends: 'flow.json', name: 'swap-vae', model: tinyDoubleWellConfig().model }, null, 2),
  );
  const r = runCli(['config', 'vae.json'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const model = JSON.parse(r.stdout).model;
  assert.equal(model.name, 'vae');
  assert.equal('layers' in model.options, false, "the flow's layers are not carried over");
  assert.deepEqual(model.options.decoderHidden, [8]);
  // --set names another plugin the same way: the flow's options go, later --set add the VAE's.
  const set = runCli(['config', 'flow.json', '--set', 'model.package=@embedcg/model-vae', '--set', 'model.name=vae'], {
    cwd: dir,
  });
  assert.equal(set.code, 0, set.stderr);
  assert.equal('layers' in JSON.parse(set.stdout).model.options, false);
});

const withoutNulls = (v) =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(
        Object.entries(v)
          .filter(([, x]) => x !== null)
          .map(([k, x]) => [k, withoutNulls(x)]),
      )
    : v;

test("a config that changes a plugin (name or package) from its base states all of that plugin's options itself", () => {
  const slots = ['forceField', 'transform', 'model', 'schedule'];
  for (const file of [...benchConfigs, ...exampleConfigs]) {
    const { sources } = core.loadRunConfig(file);
    // Each level of the chain against the merged config of what it extends.
    for (let i = 0; i + 1 < sources.length; i++) {
      const own = JSON.parse(readFileSync(sources[i], 'utf8'));
      const base = core.loadRunConfig(sources[i + 1]).config;
      const merged = core.loadRunConfig(sources[i]).config;
      for (const slot of slots) {
        const mine = own[slot];
        if (!mine || !base[slot] || !merged[slot]) continue;
        const changed =
          (mine.name !== undefined && mine.name !== base[slot].name) ||
          (mine.package !== undefined && mine.package !== base[slot].package);
        if (!changed) continue;
        // The merged options must be exactly the ones this level states (a `null` there removes a key).
        const stated = withoutNulls(mine.options ?? {});
        const options = merged[slot].options ?? {};
        const inherited = Object.keys(options).filter((k) => !isDeepStrictEqual(options[k], stated[k]));
        assert.deepEqual(
          inherited,
          [],
          `${rel(sources[i])} changes ${slot} from ${base[slot].package}/${base[slot].name} to ${merged[slot].package}/${merged[slot].name} ` +
            `but takes (part of) options ${inherited.join(', ')} from ${rel(sources[i + 1])}; state them in the config itself`,
        );
      }
    }
  }
});

test('every bench config is in use, and every config the scripts and docs name exists', () => {
  const scripts = readdirSync(benchDir)
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => readFileSync(join(benchDir, f), 'utf8'));
  const resultsDir = join(repoRoot, 'docs', 'results');
  const results = readdirSync(resultsDir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => readFileSync(join(resultsDir, f), 'utf8'));
  assert.ok(results.length > 0, 'docs/results holds the results pages');
  const names = new Set(benchConfigs.map((f) => basename(f)));
  for (const name of names) {
    assert.ok(
      scripts.some((t) => t.includes(name)) || results.some((t) => t.includes(name)),
      `tools/bench/${name} is neither a bench script's default nor named on a docs/results page: a past experiment belongs ` +
        'on its results page, cited by commit, not in tools/bench',
    );
  }
  // Defaults in the scripts' code (comments may cite history).
  for (const [i, text] of scripts.entries()) {
    const code = text
      .split('\n')
      .filter((l) => !l.trim().startsWith('//'))
      .join('\n');
    for (const m of code.matchAll(/['"`]([\w.-]+\.config\.json)['"`]/g))
      assert.ok(names.has(m[1]), `a bench script (#${i}) loads ${m[1]}, which tools/bench does not hold`);
  }
  // Commands and paths in the documentation: `--config NAME.config.json` and tools/bench/NAME.config.json
  // (a commit-qualified `COMMIT:tools/bench/…` cites history and is exempt).
  const docs = [join(repoRoot, 'README.md'), join(repoRoot, 'CHANGELOG.md')];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md') && (dir.startsWith(join(repoRoot, 'docs')) || e.name === 'README.md'))
        docs.push(p);
    }
  };
  walk(join(repoRoot, 'docs'));
  walk(join(repoRoot, 'packages'));
  for (const file of docs) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /--config\s+([\w.-]+\.config\.json)|(?<![:\w/])tools\/bench\/([\w.-]+\.config\.json)/g,
    )) {
      const name = m[1] ?? m[2];
      assert.ok(
        names.has(name),
        `${rel(file)} names ${name}, which tools/bench does not hold (cite a retired config by commit)`,
      );
    }
  }
});
