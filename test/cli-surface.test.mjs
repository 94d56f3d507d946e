/**
 * The CLI's self-description matches what is installed: `embedcg plugins --json` lists every
 * workspace plugin package with {name, package, version, kind, apiVersion}; `embedcg schema` is a
 * valid JSON Schema (draft 2020-12) that checks every installed plugin's options and accepts the
 * shipped example configs; every command's --help shows an example; usage mistakes exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { assertCleanError, cliBin, repoRoot, runCli } from './support.mjs';

const { API_VERSION } = await import(pathToFileURL(join(repoRoot, 'packages/core/dist/index.js')).href);

/** Workspace packages that declare themselves plugin packages, with their exported descriptors. */
async function workspacePluginPackages() {
  const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const dirs = root.workspaces.flatMap((g) => {
    if (!g.endsWith('/*')) return [join(repoRoot, g)];
    const parent = join(repoRoot, g.slice(0, -2));
    return readdirSync(parent)
      .map((e) => join(parent, e))
      .filter((d) => statSync(d).isDirectory());
  });
  const out = [];
  for (const d of dirs) {
    let pkg;
    try {
      pkg = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (pkg.embedcg?.plugins !== true) continue;
    const mod = await import(pathToFileURL(join(d, 'dist', 'index.js')).href);
    out.push({ name: pkg.name, version: pkg.version, plugins: mod.plugins });
  }
  return out;
}

const workspacePlugins = await workspacePluginPackages();

test('the workspace has the expected plugin packages', () => {
  const names = workspacePlugins.map((p) => p.name);
  for (const n of [
    '@embedcg/core',
    '@embedcg/forcefield-analytic',
    '@embedcg/forcefield-amber',
    '@embedcg/forcefield-openmm',
    '@embedcg/model-vae',
  ]) {
    assert.ok(names.includes(n), `${n} should be a plugin package (embedcg.plugins: true); found ${names.join(', ')}`);
  }
});

test('embedcg plugins --json lists every plugin of every workspace plugin package with the four fields', () => {
  const r = runCli(['plugins', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /failed to load/, 'no installed plugin package fails to load');
  const rows = JSON.parse(r.stdout);
  for (const row of rows) {
    assert.deepEqual(
      Object.keys(row).sort(),
      ['apiVersion', 'kind', 'name', 'package', 'version'],
      JSON.stringify(row),
    );
    assert.equal(typeof row.name, 'string');
    assert.equal(typeof row.version, 'string');
    assert.match(row.kind, /^(forcefield|model|transform|schedule)$/);
    assert.equal(row.apiVersion, API_VERSION);
  }
  for (const pkg of workspacePlugins) {
    const listed = rows.filter((r) => r.package === pkg.name);
    assert.deepEqual(
      listed.map((r) => [r.name, r.kind, r.version]).sort(),
      pkg.plugins.map((d) => [d.name, d.kind, d.version]).sort(),
      `${pkg.name}: listed plugins differ from the package's exports`,
    );
  }
});

test('embedcg plugins (table) shows each plugin on its own line', () => {
  const r = runCli(['plugins']);
  assert.equal(r.code, 0, r.stderr);
  for (const pkg of workspacePlugins) {
    for (const d of pkg.plugins) {
      assert.ok(
        r.stdout.split('\n').some((l) => l.includes(pkg.name) && l.includes(` ${d.name} `) && l.includes(d.kind)),
        `${pkg.name} ${d.name} missing:\n${r.stdout}`,
      );
    }
  }
});

// One `embedcg schema` run serves the schema tests below.
const schemaRun = runCli(['schema']);

test('embedcg schema prints a valid draft 2020-12 JSON Schema', () => {
  assert.equal(schemaRun.code, 0, schemaRun.stderr);
  const schema = JSON.parse(schemaRun.stdout);
  const ajv = new Ajv2020({ strict: false, allowUnionTypes: true });
  assert.equal(ajv.validateSchema(schema), true, JSON.stringify(ajv.errors));
  assert.doesNotThrow(() => ajv.compile(schema));
});

test('embedcg schema checks the options of every installed plugin', () => {
  const schema = JSON.parse(schemaRun.stdout);
  const slot = { forcefield: 'forceField', model: 'model', schedule: 'schedule', transform: 'transform' };
  for (const pkg of workspacePlugins) {
    for (const d of pkg.plugins) {
      if (!slot[d.kind]) continue;
      const branches = schema.properties[slot[d.kind]].allOf ?? [];
      const b = branches.find(
        (x) => x.if?.properties?.package?.const === pkg.name && x.if?.properties?.name?.const === d.name,
      );
      assert.ok(b, `no schema branch for ${pkg.name} ${d.name} under /properties/${slot[d.kind]}`);
      assert.deepEqual(
        b.then.properties.options,
        JSON.parse(JSON.stringify(d.optionsSchema)),
        `${pkg.name} ${d.name}: options schema differs`,
      );
    }
  }
});

test('embedcg schema accepts the shipped example configs and rejects bad plugin options', () => {
  const validate = new Ajv2020({ strict: false, allowUnionTypes: true }).compile(JSON.parse(schemaRun.stdout));
  const examples = [];
  const walk = (d) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.json')) {
        const v = JSON.parse(readFileSync(p, 'utf8'));
        if (v && typeof v === 'object' && 'forceField' in v && 'model' in v) examples.push([p, v]);
      }
    }
  };
  walk(join(repoRoot, 'examples'));
  assert.ok(
    examples.some(([p]) => p.endsWith('double-well.json')),
    'examples/double-well.json is a run config',
  );
  for (const [p, v] of examples)
    assert.equal(validate(v), true, `${relative(repoRoot, p)}: ${JSON.stringify(validate.errors)}`);
  const dw = JSON.parse(readFileSync(join(repoRoot, 'examples', 'double-well.json'), 'utf8'));
  const bad = structuredClone(dw);
  bad.model.options.latentDim = 'two';
  assert.equal(validate(bad), false);
  assert.ok(
    validate.errors.some((e) => e.instancePath === '/model/options/latentDim'),
    JSON.stringify(validate.errors),
  );
  const badFf = structuredClone(dw);
  badFf.forceField.options = { noSuchOption: 1 };
  assert.equal(
    validate(badFf),
    false,
    'a plugin with additionalProperties: false rejects unknown options through the schema',
  );
});

test('schema/run-config.schema.json (the $schema of the examples) is what embedcg schema prints now', () => {
  const committed = JSON.parse(readFileSync(join(repoRoot, 'schema', 'run-config.schema.json'), 'utf8'));
  assert.deepEqual(
    committed,
    JSON.parse(schemaRun.stdout),
    'schema/run-config.schema.json is stale: run `npm run schema`',
  );
});

/** `embedcg CMD --help`, several at a time (each run loads tfjs; the machine has two cores). */
function help(cmd) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliBin, ...(cmd ? [cmd] : []), '--help'],
      { cwd: repoRoot, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? err.code : 0, stdout, stderr });
      },
    );
  });
}

test('every command has --help with an example', async () => {
  const top = await help('');
  assert.equal(top.code, 0, top.stderr);
  const listed = [...top.stdout.matchAll(/^\s+embedcg (\S+)/gm)].map((m) => m[1]);
  const required = ['train', 'sample', 'evaluate', 'plugins', 'schema', 'energy', 'md', 'prepare'];
  for (const c of required) assert.ok(listed.includes(c), `embedcg --help does not list ${c}:\n${top.stdout}`);
  const commands = [...new Set([...required, ...listed])];
  const results = [];
  for (let i = 0; i < commands.length; i += 3) results.push(...(await Promise.all(commands.slice(i, i + 3).map(help))));
  commands.forEach((c, i) => {
    const r = results[i];
    assert.equal(r.code, 0, `${c} --help exited ${r.code}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^embedcg ${c}`, 'm'), `${c} --help shows its usage line`);
    assert.match(r.stdout, /^Examples:\n\s+embedcg \S+/m, `${c} --help has no example:\n${r.stdout}`);
  });
});

test('usage mistakes exit 2 with one message', () => {
  assertCleanError(runCli([]));
  const unknown = assertCleanError(runCli(['trian']));
  assert.match(unknown, /trian/);
  assert.match(unknown, /Did you mean train\?/);
  // A failed validation must stop yargs from running the command anyway (it did once: training
  // started without --out and died with a TypeError, exit 1).
  const r = runCli(['train', join(repoRoot, 'examples', 'double-well.json')]);
  const missing = assertCleanError(r);
  assert.match(missing, /Missing required argument: out/);
  assert.doesNotMatch(r.stderr, /tfjs backend|paths\[0\]/, 'the train handler must not run');
});
