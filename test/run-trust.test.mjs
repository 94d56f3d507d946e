// The trust model: a config names code to run, but a run folder is data. Opening a run (evaluate,
// and a resume from the run's own config) loads no code that came with the folder: not a package
// in its node_modules, not one found through the configDir its run.json records, and a plugin named
// by path only with --allow-path-plugins (and never from inside the folder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { trainRun } from '@embedcg/core';
import { assertCleanError, repoRoot, runCli, tempDir, tinyDoubleWellConfig } from './support.mjs';

const json = (path) => JSON.parse(readFileSync(path, 'utf8'));
const analytic = pathToFileURL(join(repoRoot, 'packages/forcefields/analytic/dist/index.js')).href;

/** A module that leaves `marker` behind when imported, and re-exports the analytic plugins. */
const markingModule = (marker) =>
  `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'imported');\nexport { plugins } from ${JSON.stringify(analytic)};\n`;

/** node_modules/<name> under `root`, a plugin package whose import leaves `marker` behind. */
function installMarking(root, name, marker) {
  const dir = join(root, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '6.6.6', type: 'module', main: 'index.js' }),
  );
  writeFileSync(join(dir, 'index.js'), markingModule(marker));
}

/** Train the tiny double well with `forceField` as its force field (config written to `dir`). */
async function tinyRun(dir, forceField, name = 'run') {
  const configPath = join(dir, `${name}.json`);
  const config = tinyDoubleWellConfig(name);
  writeFileSync(configPath, JSON.stringify({ ...config, forceField: { ...config.forceField, ...forceField } }));
  const out = join(dir, name);
  const r = await trainRun({ configPath, out, progress: false, searchDirs: [repoRoot] });
  assert.equal(r.status, 'done');
  return { configPath, out };
}

/** Point the run's config at another plugin package, and its run.json's configDir at `configDir`. */
function tamper(run, forceFieldPackage, configDir) {
  const config = json(join(run, 'config.json'));
  writeFileSync(
    join(run, 'config.json'),
    JSON.stringify({ ...config, forceField: { ...config.forceField, package: forceFieldPackage } }),
  );
  writeFileSync(join(run, 'run.json'), JSON.stringify({ ...json(join(run, 'run.json')), configDir }));
}

test(
  'a plugin package shipped inside a run folder is never imported by evaluate or a resume',
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t, 'embedcg-trust-');
    const { out } = await tinyRun(dir, {});
    const ok = runCli(['evaluate', out, '--json']);
    assert.equal(ok.code, 0, `a normal run still evaluates: ${ok.stderr}`);
    assert.equal(JSON.parse(ok.stdout).samples, 100);

    // The received folder names "evil-plugin", brings it in its node_modules, and points configDir at itself.
    const received = join(dir, 'received');
    cpSync(out, received, { recursive: true });
    const marker = join(dir, 'MARKER');
    installMarking(received, 'evil-plugin', marker);
    tamper(received, 'evil-plugin', received);
    for (const [args, cwd] of [
      [['evaluate', received, '--json'], repoRoot],
      [['evaluate', '.', '--json'], received], // the working directory inside the folder does not help either
      [['train', join(received, 'config.json'), '--out', received, '--resume', '--no-progress'], repoRoot],
    ]) {
      const msg = assertCleanError(runCli(args, { cwd }), 2);
      assert.match(msg, /plugin package "evil-plugin" is not installed/, args.join(' '));
      assert.match(msg, /node_modules\/evil-plugin lies inside the run folder and was not loaded/, args.join(' '));
      assert.ok(!existsSync(marker), `${args.join(' ')} imported the run folder's package`);
    }
  },
);

test(
  'a plugin named by path in a saved run loads only with --allow-path-plugins, and never from inside the folder',
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t, 'embedcg-trust-');
    const marker = join(dir, 'MARKER');
    writeFileSync(join(dir, 'my-ff.mjs'), markingModule(marker));
    const { out } = await tinyRun(dir, { package: './my-ff.mjs' });
    rmSync(marker); // training imported it, as a config's code is meant to be

    const msg = assertCleanError(runCli(['evaluate', out, '--json']), 2);
    assert.match(msg, /plugin "double-well" comes from the path "\.\/my-ff\.mjs" \(.*my-ff\.mjs\)/);
    assert.match(msg, /--allow-path-plugins/);
    assert.ok(!existsSync(marker), 'refused without importing');

    // A resume from the run's own config.json (inside the folder) is an opening of the run too.
    const resume = ['train', join(out, 'config.json'), '--out', out, '--resume', '--no-progress'];
    assert.match(
      assertCleanError(runCli(resume), 2),
      /plugin "double-well" comes from the path .*--allow-path-plugins/,
    );
    assert.ok(!existsSync(marker), 'refused without importing');

    const allowed = runCli(['evaluate', out, '--json', '--allow-path-plugins']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(JSON.parse(allowed.stdout).samples, 100);
    assert.ok(existsSync(marker), 'loaded with the flag');
    rmSync(marker);

    // The same file shipped inside the folder (configDir pointing there): refused even with the flag.
    writeFileSync(join(out, 'my-ff.mjs'), markingModule(marker));
    tamper(out, './my-ff.mjs', out);
    const inside = assertCleanError(runCli(['evaluate', out, '--json', '--allow-path-plugins']), 2);
    assert.match(inside, /resolves to .*my-ff\.mjs, inside the run folder/);
    assert.ok(!existsSync(marker));
  },
);

test(
  "packages resolve from the working directory and --plugin-dir, not from the run's configDir",
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t, 'embedcg-trust-');
    const project = join(dir, 'project');
    const marker = join(dir, 'MARKER');
    installMarking(project, 'project-ff', marker);
    const { out } = await tinyRun(project, { package: 'project-ff' });
    const elsewhere = assertCleanError(runCli(['evaluate', out, '--json']), 2);
    assert.match(elsewhere, /plugin package "project-ff" is not installed/);
    for (const [args, cwd] of [
      [['evaluate', out, '--json'], project],
      [['evaluate', out, '--json', '--plugin-dir', project], repoRoot],
    ]) {
      const r = runCli(args, { cwd });
      assert.equal(r.code, 0, r.stderr);
    }
  },
);
