import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  checkDescriptor,
  createPlugin,
  discoverPlugins,
  listInstalledPackageNames,
  loadPluginPackage,
} from './plugin-loader.js';
import { API_VERSION, defineForceField, type AnyPlugin, type PluginContext } from './plugin.js';
import { InputError, PluginError } from './errors.js';
import type { ForceField } from './contracts/force-field.js';

/** A fresh folder per test: import() caches modules by URL, so files must not be reused. */
function sandbox(t: { after(f: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'embedcg-loader-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Source of a module exporting force-field descriptors that report where they came from. */
function pluginModule(tag: string, { apiVersion = API_VERSION, names = ['ff'] } = {}): string {
  const descriptors = names.map(
    (n) => `{
    kind: 'forcefield', name: ${JSON.stringify(n)}, version: '1.2.3', apiVersion: ${apiVersion},
    optionsSchema: { type: 'object', additionalProperties: false, properties: { scale: { type: 'number', exclusiveMinimum: 0, default: 2 } } },
    create(options, context) {
      return { name: ${JSON.stringify(tag)}, dimension: 1, options, seed: context.seed,
        evaluate(x, n) { return { energies: new Float64Array(n), forces: new Float64Array(n) }; } };
    },
  }`,
  );
  return `export const tag = ${JSON.stringify(tag)};\nexport const plugins = [${descriptors.join(',')}];\n`;
}

/** Write node_modules/<name> under `root` as a plugin package (or a plain package). */
function installFake(
  root: string,
  name: string,
  o: {
    version?: string;
    plugin?: boolean;
    tag?: string;
    exports?: unknown;
    main?: string;
    file?: string;
    source?: string;
  } = {},
): string {
  const dir = join(root, 'node_modules', name);
  const file = o.file ?? 'index.js';
  write(
    join(dir, 'package.json'),
    JSON.stringify({
      name,
      version: o.version ?? '1.0.0',
      type: 'module',
      ...(o.exports !== undefined ? { exports: o.exports } : o.main ? { main: o.main } : { exports: `./${file}` }),
      ...(o.plugin === false ? {} : { embedcg: { plugins: true } }),
    }),
  );
  write(join(dir, file), o.source ?? pluginModule(o.tag ?? `${name}@${o.version ?? '1.0.0'}`));
  return dir;
}

const ctx = (seed = 5): PluginContext => ({ configDir: '.', seed, log: () => {} });

test('a package name resolves from the config folder by walking up node_modules', async (t) => {
  const root = sandbox(t);
  const pkgDir = installFake(root, 'my-plugin', { version: '3.1.4' });
  const configDir = join(root, 'projects', 'a', 'b');
  mkdirSync(configDir, { recursive: true });
  const p = await loadPluginPackage('my-plugin', { searchDirs: [configDir] });
  assert.equal(p.packageName, 'my-plugin');
  assert.equal(p.packageVersion, '3.1.4');
  assert.equal(p.location, pkgDir);
  assert.deepEqual(
    p.plugins.map((d) => d.name),
    ['ff'],
  );
});

test('the nearest node_modules wins, and later search folders are fallbacks', async (t) => {
  const root = sandbox(t);
  installFake(root, 'dup', { version: '1.0.0' });
  installFake(join(root, 'project'), 'dup', { version: '2.0.0' });
  installFake(join(root, 'elsewhere'), 'only-there', { version: '7.0.0' });
  const deep = join(root, 'project', 'configs');
  mkdirSync(deep, { recursive: true });
  assert.equal((await loadPluginPackage('dup', { searchDirs: [deep] })).packageVersion, '2.0.0');
  assert.equal((await loadPluginPackage('dup', { searchDirs: [root] })).packageVersion, '1.0.0');
  const r = await loadPluginPackage('only-there', { searchDirs: [deep, join(root, 'elsewhere')] });
  assert.equal(r.packageVersion, '7.0.0');
});

test('scoped packages and conditional exports / main entries are followed', async (t) => {
  const root = sandbox(t);
  installFake(root, '@acme/ff', {
    exports: { '.': { types: './lib/main.d.ts', import: './lib/main.js' }, './package.json': './package.json' },
    file: 'lib/main.js',
    tag: 'acme',
  });
  installFake(root, 'old-style', { exports: undefined, main: 'entry.js', file: 'entry.js', tag: 'old' });
  const a = await loadPluginPackage('@acme/ff', { searchDirs: [root] });
  assert.equal(a.packageName, '@acme/ff');
  assert.equal(((await a.plugins[0]!.create({}, ctx())) as ForceField).name, 'acme');
  const b = await loadPluginPackage('old-style', { searchDirs: [root] });
  assert.equal(((await b.plugins[0]!.create({}, ctx())) as ForceField).name, 'old');
});

test('./ paths resolve against the config folder: a package folder or a module file', async (t) => {
  const root = sandbox(t);
  write(
    join(root, 'local-pkg', 'package.json'),
    JSON.stringify({ name: 'local-pkg', version: '0.4.0', type: 'module', exports: './main.js' }),
  );
  write(join(root, 'local-pkg', 'main.js'), pluginModule('local-pkg'));
  write(join(root, 'plugins', 'single.mjs'), pluginModule('single-file'));
  const other = join(root, 'cwd-is-not-used');
  mkdirSync(other);
  const pkg = await loadPluginPackage('./local-pkg', { searchDirs: [root, other] });
  assert.equal(pkg.packageName, 'local-pkg');
  assert.equal(pkg.packageVersion, '0.4.0');
  assert.equal(pkg.location, join(root, 'local-pkg'));
  const file = await loadPluginPackage('./plugins/single.mjs', { searchDirs: [root] });
  assert.equal(file.location, join(root, 'plugins', 'single.mjs'));
  assert.equal(((await file.plugins[0]!.create({}, ctx())) as ForceField).name, 'single-file');
  const abs = await loadPluginPackage(join(root, 'local-pkg'), { searchDirs: [other] });
  assert.equal(abs.packageName, 'local-pkg', 'absolute paths work from anywhere');
  await assert.rejects(loadPluginPackage('./missing', { searchDirs: [root] }), (e: Error) => {
    assert.ok(e instanceof PluginError);
    assert.equal(e.message, `plugin package "./missing" not found: ${join(root, 'missing')} does not exist`);
    return true;
  });
});

test('untrusted folders (a run folder) lend no code: their packages are passed over, paths into them refused', async (t) => {
  const root = sandbox(t);
  const run = join(root, 'run');
  installFake(run, 'dup', { version: '6.6.6' });
  installFake(root, 'dup', { version: '1.0.0' });
  installFake(run, 'only-in-run');
  write(join(run, 'ff.mjs'), pluginModule('in-run'));
  const inside = join(run, 'deep');
  mkdirSync(inside, { recursive: true });
  const untrustedDirs = [run];
  // The copy in the run folder is skipped; the walk goes on above it.
  assert.equal((await loadPluginPackage('dup', { searchDirs: [inside], untrustedDirs })).packageVersion, '1.0.0');
  await assert.rejects(loadPluginPackage('only-in-run', { searchDirs: [root], untrustedDirs }), (e: Error) => {
    assert.ok(e instanceof PluginError);
    assert.match(e.message, /plugin package "only-in-run" is not installed/);
    assert.ok(
      e.message.includes(`${join(run, 'node_modules', 'only-in-run')} lies inside the run folder and was not loaded`),
    );
    return true;
  });
  await assert.rejects(
    loadPluginPackage('./ff.mjs', { searchDirs: [run], untrustedDirs }),
    (e: Error) =>
      e instanceof PluginError &&
      e.message.includes(`resolves to ${join(run, 'ff.mjs')}, inside the run folder ${run}`),
  );
  assert.deepEqual(await listInstalledPackageNames({ searchDirs: [inside], untrustedDirs }), ['dup']);
});

test('refusePathPlugins: a plugin named by path is refused with the plugin, the path and the advice', async (t) => {
  const root = sandbox(t);
  write(join(root, 'ff.mjs'), pluginModule('by-path'));
  const ref = { package: './ff.mjs', name: 'ff' };
  const opts = { searchDirs: [root], configPath: 'RUN/config.json', jsonPath: '/forceField' };
  await assert.rejects(
    createPlugin('forcefield', ref, ctx(), { ...opts, refusePathPlugins: 'pass --allow-path-plugins' }),
    (e: Error) => {
      assert.ok(e instanceof PluginError);
      assert.equal(
        e.message,
        `RUN/config.json at /forceField: plugin "ff" comes from the path "./ff.mjs" (${join(root, 'ff.mjs')}), code named by the run's config; pass --allow-path-plugins`,
      );
      return true;
    },
  );
  const { instance } = await createPlugin('forcefield', ref, ctx(), opts);
  assert.equal((instance as ForceField).name, 'by-path');
});

test('preloaded packages come from memory, before any file lookup', async (t) => {
  const root = sandbox(t);
  installFake(root, 'shadowed', { tag: 'from-disk' });
  const mem = defineForceField<{ scale: number }>({
    name: 'mem',
    version: '9.9.9',
    apiVersion: API_VERSION,
    optionsSchema: { type: 'object' },
    create: () => ({
      name: 'from-memory',
      dimension: 1,
      evaluate: (_x, n) => ({ energies: new Float64Array(n), forces: new Float64Array(n) }),
    }),
  });
  for (const preloaded of [{ shadowed: [mem as AnyPlugin] }, { shadowed: { plugins: [mem as AnyPlugin] } }]) {
    const p = await loadPluginPackage('shadowed', { searchDirs: [root], preloaded });
    assert.equal(p.location, '(in memory)');
    assert.equal(p.packageVersion, '9.9.9');
    assert.equal(((await p.plugins[0]!.create({}, ctx())) as ForceField).name, 'from-memory');
  }
});

test('listInstalledPackageNames: plugin packages in every ancestor node_modules, scoped ones and preloaded, sorted', async (t) => {
  const root = sandbox(t);
  installFake(root, 'plugin-top');
  installFake(root, '@scope/plugin-scoped');
  installFake(root, 'not-a-plugin', { plugin: false });
  installFake(join(root, 'app'), 'plugin-app');
  installFake(join(root, 'side'), 'plugin-side');
  write(join(root, 'node_modules', 'broken', 'package.json'), '{ not json');
  const app = join(root, 'app', 'src');
  mkdirSync(app, { recursive: true });
  const names = await listInstalledPackageNames({ searchDirs: [app], preloaded: { '@embedcg/core': [] } });
  // Only what is visible from the sandbox matters (the machine's own ancestors may hold others).
  const mine = names.filter((n) =>
    [
      'plugin-top',
      '@scope/plugin-scoped',
      'not-a-plugin',
      'plugin-app',
      'plugin-side',
      'broken',
      '@embedcg/core',
    ].includes(n),
  );
  assert.deepEqual(mine, ['@embedcg/core', '@scope/plugin-scoped', 'plugin-app', 'plugin-top']);
  assert.deepEqual(names, [...names].sort());
  const both = await listInstalledPackageNames({ searchDirs: [app, join(root, 'side')] });
  assert.ok(both.includes('plugin-side') && both.includes('plugin-app'));
  assert.equal(
    both.filter((n) => n === 'plugin-top').length,
    1,
    'a package seen from two search folders is listed once',
  );
});

test('a package that is not installed: the error says how to install it and lists what is installed', async (t) => {
  const root = sandbox(t);
  installFake(root, 'present-plugin');
  installFake(root, 'plain-lib', { plugin: false });
  await assert.rejects(
    loadPluginPackage('absent-plugin', { searchDirs: [root, root], preloaded: { '@embedcg/core': [] } }),
    (e: Error) => {
      assert.ok(e instanceof PluginError && e instanceof InputError);
      assert.match(e.message, /plugin package "absent-plugin" is not installed/);
      assert.ok(
        e.message.includes(`searched node_modules above ${root})`),
        `search folders are listed once: ${e.message}`,
      );
      assert.match(e.message, /npm install absent-plugin/);
      assert.match(e.message, /Installed plugin packages: .*@embedcg\/core.*present-plugin/);
      assert.doesNotMatch(e.message, /plain-lib/);
      return true;
    },
  );
});

test('packages that fail to import or export no plugins give PluginErrors; discoverPlugins reports them without failing', async (t) => {
  const root = sandbox(t);
  installFake(root, 'good-plugin');
  installFake(root, 'throws-on-import', { source: 'throw new Error("boom at import");\n' });
  installFake(root, 'no-plugins', { source: 'export const something = 1;\n' });
  await assert.rejects(
    loadPluginPackage('throws-on-import', { searchDirs: [root] }),
    (e: Error) => e instanceof PluginError && /failed to load from .*index\.js: boom at import/.test(e.message),
  );
  await assert.rejects(
    loadPluginPackage('no-plugins', { searchDirs: [root] }),
    (e: Error) => e instanceof PluginError && /does not export `plugins`/.test(e.message),
  );
  const { packages, failures } = await discoverPlugins({ searchDirs: [root] });
  assert.ok(packages.some((p) => p.packageName === 'good-plugin'));
  assert.ok(
    failures.some((f) => f.startsWith('throws-on-import: ') && f.includes('boom at import')),
    failures.join('\n'),
  );
  assert.ok(
    failures.some((f) => f.startsWith('no-plugins: ')),
    failures.join('\n'),
  );
});

test('createPlugin fills option defaults and hands options and context to create', async (t) => {
  const root = sandbox(t);
  installFake(root, 'opts-plugin', { version: '4.5.6' });
  const opts = { searchDirs: [root], configPath: 'run.json', jsonPath: '/forceField' };
  const made = await createPlugin('forcefield', { package: 'opts-plugin', name: 'ff' }, ctx(42), opts);
  assert.deepEqual(made.options, { scale: 2 });
  assert.equal(made.packageVersion, '4.5.6');
  const inst = made.instance as ForceField & { options: unknown; seed: number };
  assert.deepEqual(inst.options, { scale: 2 });
  assert.equal(inst.seed, 42);
  const ref = { package: 'opts-plugin', name: 'ff', options: { scale: 5 } };
  const again = await createPlugin('forcefield', ref, ctx(), opts);
  assert.deepEqual(again.options, { scale: 5 });
  assert.deepEqual(ref.options, { scale: 5 }, 'the config object itself is not modified');
});

test('createPlugin errors name the config file and JSON path and say what is wrong', async (t) => {
  const root = sandbox(t);
  installFake(root, 'two-plugins', { source: pluginModule('two', { names: ['alpha', 'beta'] }) });
  installFake(root, 'future-plugin', { source: pluginModule('future', { apiVersion: API_VERSION + 98 }) });
  installFake(root, 'angry-plugin', {
    source: `export const plugins = [{ kind: 'forcefield', name: 'ff', version: '1.0.0', apiVersion: ${API_VERSION}, optionsSchema: { type: 'object' }, create() { throw new Error('needs a prmtop'); } }];\n`,
  });
  const opts = { searchDirs: [root], configPath: '/p/run.json', jsonPath: '/forceField' };
  const expectError = async (
    kind: 'forcefield' | 'model',
    ref: { package: string; name: string; options?: Record<string, unknown> },
    ...res: RegExp[]
  ) =>
    assert.rejects(createPlugin(kind, ref, ctx(), opts), (e: Error) => {
      assert.ok(e instanceof PluginError, `${e.name}: ${e.message}`);
      assert.ok(e.message.startsWith('/p/run.json at /forceField: '), e.message);
      for (const re of res) assert.match(e.message, re);
      return true;
    });
  await expectError(
    'forcefield',
    { package: 'two-plugins', name: 'gamma' },
    /has no plugin named "gamma"\. It provides: alpha \(forcefield\), beta \(forcefield\)/,
  );
  await expectError(
    'model',
    { package: 'two-plugins', name: 'alpha' },
    /"alpha" of "two-plugins" is a forcefield plugin, but a model plugin is needed here/,
  );
  await expectError(
    'forcefield',
    { package: 'two-plugins', name: 'alpha', options: { scale: -1, extra: true } },
    /\/forceField\/options\/scale must be > 0/,
    /\/forceField\/options unknown property "extra"/,
  );
  await expectError(
    'forcefield',
    { package: 'future-plugin', name: 'ff' },
    new RegExp(`API ${API_VERSION + 98}, but this @embedcg/core implements API ${API_VERSION}`),
  );
  await expectError('forcefield', { package: 'angry-plugin', name: 'ff' }, /could not be created: needs a prmtop/);
  await expectError('forcefield', { package: 'nowhere-plugin', name: 'ff' }, /"nowhere-plugin" is not installed/);
});

test('checkDescriptor rejects malformed descriptors with the plugin named', () => {
  const good = {
    kind: 'forcefield',
    name: 'x',
    version: '1.0.0',
    apiVersion: API_VERSION,
    optionsSchema: { type: 'object' },
    create: () => ({}),
  } as unknown as AnyPlugin;
  checkDescriptor(good, 'pkg');
  const bad = (patch: Record<string, unknown>) => ({ ...good, ...patch }) as unknown as AnyPlugin;
  assert.throws(() => checkDescriptor(bad({ name: 3 }), 'pkg'), /descriptor field "name" must be a string/);
  assert.throws(
    () => checkDescriptor(bad({ create: 'nope' }), 'pkg'),
    /plugin "x" \(pkg\): descriptor field "create" must be a function/,
  );
  assert.throws(
    () => checkDescriptor(bad({ apiVersion: undefined }), 'pkg'),
    /written for embedcg plugin API undefined/,
  );
  assert.throws(
    () => checkDescriptor(bad({ optionsSchema: { type: 'bogus' } }), 'pkg'),
    /plugin "x" \(pkg\): optionsSchema is not a valid JSON Schema/,
  );
  assert.throws(
    () => checkDescriptor(null as unknown as AnyPlugin, 'pkg'),
    /pkg: a plugin descriptor must be an object/,
  );
});
