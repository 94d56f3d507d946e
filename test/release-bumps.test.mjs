/**
 * What a release bumps: a `fix(forcefield-analytic)` commit must bump forcefield-analytic and the
 * packages that need it at install time (dependencies or peerDependencies, transitively), and
 * nothing whose tests merely import it. nx counts a project-graph edge as "depends on", so the graph
 * must hold only the manifest's dependencies (nx.json: `pluginsConfig["@nx/js"].analyzeSourceFiles`
 * false; no test-only workspace packages in devDependencies).
 *
 * Works on a scratch clone of this repository (node_modules linked, not copied) holding the working
 * tree's nx.json and package manifests, with every package tagged at its current version as if
 * just released; then commits the fix and reads `nx release version --dry-run`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot, tempDir } from './support.mjs';
import { nxReleaseDryRun, workspaceDirs } from '../tools/check-packages.mjs';

const FIXED = '@embedcg/forcefield-analytic';

function git(cwd, ...args) {
  const r = spawnSync(
    'git',
    [
      '-c',
      'user.name=embedcg-test',
      '-c',
      'user.email=test@example.invalid',
      '-c',
      'commit.gpgsign=false',
      '-c',
      'tag.gpgsign=false',
      ...args,
    ],
    { cwd, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `git ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** name → {dir, manifest} of every workspace package (the release projects). */
function workspacePackages(root) {
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return new Map(
    [...workspaceDirs(root, rootPkg.workspaces)].map(([name, dir]) => [
      name,
      { dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) },
    ]),
  );
}

/** `name` and every package that needs it at install time, through dependencies or peers, transitively. */
function installDependents(name, packages) {
  const out = new Set([name]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [n, { manifest: m }] of packages) {
      if (out.has(n)) continue;
      if (Object.keys({ ...m.dependencies, ...m.peerDependencies }).some((d) => out.has(d))) {
        out.add(n);
        grew = true;
      }
    }
  }
  return [...out].sort();
}

/** Workspace packages whose own sources (tests, examples) import `name`: edges nx must not count. */
function sourceImporters(name, packages) {
  const importsIt = new RegExp(`(?:from|import\\()\\s*['"]${name}['"]`);
  const found = [];
  for (const [n, { dir }] of packages) {
    const files = readdirSync(dir, { recursive: true }).filter(
      (f) => /\.(ts|mjs|js)$/.test(f) && !/(^|\/)(node_modules|dist)\//.test(f),
    );
    if (files.some((f) => importsIt.test(readFileSync(join(dir, f), 'utf8')))) found.push(n);
  }
  return found;
}

test(`a fix in ${FIXED} bumps it and its install-time dependents only`, { timeout: 120_000 }, (t) => {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  if (head.status !== 0) {
    t.skip('needs a git repository with a commit');
    return;
  }
  const packages = workspacePackages(repoRoot);
  const expected = installDependents(FIXED, packages);
  const mereImporters = sourceImporters(FIXED, packages).filter((n) => !expected.includes(n));
  assert.ok(mereImporters.length > 0, `some package's tests or examples import ${FIXED} without depending on it`);

  const clone = join(tempDir(t, 'embedcg-release-'), 'repo');
  git(repoRoot, 'clone', '-q', repoRoot, clone);
  symlinkSync(join(repoRoot, 'node_modules'), join(clone, 'node_modules'), 'dir');
  // The working tree's release settings and manifests, committed or not.
  const manifests = [...packages.values()].map(({ dir }) => relative(repoRoot, join(dir, 'package.json')));
  for (const f of ['nx.json', 'package.json', 'package-lock.json', ...manifests])
    copyFileSync(join(repoRoot, f), join(clone, f));
  git(clone, 'add', '-A', '--', ':!node_modules');
  git(clone, 'commit', '-q', '--allow-empty', '-m', 'chore: the working tree release settings');
  for (const [name, { manifest }] of packages) git(clone, 'tag', `${name}@${manifest.version}`);

  appendFileSync(join(clone, relative(repoRoot, packages.get(FIXED).dir), 'src', 'index.ts'), '\n// a fix\n');
  git(clone, 'commit', '-q', '-am', `fix(${FIXED.split('/')[1]}): a fix`);

  const r = nxReleaseDryRun(clone, ['release', 'version', '--dry-run']);
  assert.equal(r.ok, true, `nx release version --dry-run exited ${r.code}:\n${r.output}`);
  const final = new Map();
  // nx colours its output where it sees CI=true; the names are read without the escape codes.
  const plain = r.output.replace(new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g'), '');
  for (const m of plain.matchAll(/^(\S+) \S+\s+New version (\S+) written to manifest/gm)) final.set(m[1], m[2]);
  const bumped = [...final].filter(([n, v]) => v !== packages.get(n)?.manifest.version).map(([n]) => n);
  assert.deepEqual(
    bumped.sort(),
    expected,
    `bumped ${bumped.join(', ')}; expected ${FIXED} and its dependents through dependencies/peerDependencies ` +
      `(${expected.join(', ')}), not packages whose tests or examples import it (${mereImporters.join(', ')})`,
  );
});
