#!/usr/bin/env node
/**
 * Packaging check: what users get from `npm install` is what we test.
 *
 * For every workspace package: `npm pack` it; check the tarball (entry point and its types, every
 * file package.json points at, a README, no test files, no tsbuildinfo, no `workspace:`/`file:`
 * ranges); check that every bare import in its dist is a declared dependency or peer (so an
 * undeclared dependency cannot hide behind hoisting); install the tarballs into an empty folder
 * and `import()` each public entry point (and run each bin with --help) there. Then
 * `nx release --dry-run --skip-publish` must succeed with the network cut off.
 *
 *   node tools/check-packages.mjs [--isolated] [--keep] [--skip-install] [--skip-release]
 *
 * By default all tarballs go into one folder (about 15 s); --isolated installs each package alone
 * with only the workspace tarballs it declares (about a minute, mostly deleting node_modules).
 * Needs a build (`npm run build`). Exit code 0 when every check passes, 1 otherwise.
 * The functions are exported for test/third-party-plugin.test.mjs and test/release.test.mjs.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Environment for child npm/nx processes: quiet, no prompts, no telemetry. */
export function childEnv(extra = {}) {
  return {
    ...process.env,
    NX_TUI: 'false',
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_SKIP_NX_CACHE: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...extra,
  };
}

function run(cmd, args, opts) {
  return new Promise((resolveRun) => {
    execFile(cmd, args, { maxBuffer: 64 << 20, env: childEnv(), ...opts }, (err, stdout, stderr) => {
      resolveRun({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/**
 * `npm pack` every workspace package into `dest`.
 * @returns {Promise<Array<{name: string, version: string, tarball: string, files: string[], dir: string, manifest: any}>>}
 */
export async function packWorkspaces(dest, root = repoRoot) {
  mkdirSync(dest, { recursive: true });
  const r = await run('npm', ['pack', '--workspaces', '--json', '--pack-destination', dest], { cwd: root });
  if (r.code !== 0) throw new Error(`npm pack --workspaces failed (exit ${r.code}):\n${r.stderr}`);
  const packed = JSON.parse(r.stdout);
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dirs = workspaceDirs(root, rootPkg.workspaces);
  return packed.map((p) => {
    const dir = dirs.get(p.name);
    return {
      name: p.name,
      version: p.version,
      tarball: join(dest, p.filename),
      files: p.files.map((f) => f.path),
      dir,
      manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')),
    };
  });
}

/** package name → folder, for the workspace globs of the root package.json (`dir/*` or `dir`). */
export function workspaceDirs(root, globs) {
  const out = new Map();
  const add = (d) => {
    const pj = join(d, 'package.json');
    if (existsSync(pj)) out.set(JSON.parse(readFileSync(pj, 'utf8')).name, d);
  };
  for (const g of globs) {
    if (g.endsWith('/*')) {
      const parent = join(root, g.slice(0, -2));
      for (const e of existsSync(parent) ? readdirSync(parent) : []) add(join(parent, e));
    } else add(join(root, g));
  }
  return out;
}

/** Every file path a manifest points at (main, types, bin, exports targets). */
export function manifestTargets(manifest) {
  const targets = new Set();
  const norm = (p) => p.replace(/^\.\//, '');
  const walk = (v) => {
    if (typeof v === 'string') {
      if (!v.includes('*')) targets.add(norm(v));
    } else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  for (const k of ['main', 'types', 'module']) if (typeof manifest[k] === 'string') targets.add(norm(manifest[k]));
  walk(manifest.bin);
  walk(manifest.exports);
  return [...targets];
}

/** Problems with a packed file list (empty when the tarball is fine). */
export function tarballProblems(pkg) {
  const problems = [];
  const files = new Set(pkg.files);
  for (const must of ['dist/index.js', 'dist/index.d.ts', 'README.md', 'package.json']) {
    if (!files.has(must)) problems.push(`${pkg.name}: tarball lacks ${must}`);
  }
  for (const t of manifestTargets(pkg.manifest)) {
    if (!files.has(t)) problems.push(`${pkg.name}: package.json points at ${t}, which is not in the tarball`);
  }
  for (const f of pkg.files) {
    if (/\.test\.|(^|\/)test-support\//.test(f)) problems.push(`${pkg.name}: tarball contains test file ${f}`);
    if (f.endsWith('.tsbuildinfo')) problems.push(`${pkg.name}: tarball contains build state ${f}`);
  }
  for (const [dep, range] of Object.entries({ ...pkg.manifest.dependencies, ...pkg.manifest.peerDependencies })) {
    if (/^(workspace|file|link):/.test(String(range)))
      problems.push(`${pkg.name}: dependency ${dep} uses "${range}", which does not work from the registry`);
  }
  return problems;
}

/**
 * What publishing needs beyond a working tarball (empty when fine): a LICENSE in the tarball,
 * repository/homepage/bugs, public access for a scoped name, no source map without its sources,
 * and no README link to a file the tarball lacks. Needs `pkg.dir` for the README.
 */
export function publishProblems(pkg) {
  const problems = [];
  const files = new Set(pkg.files);
  const m = pkg.manifest;
  if (!files.has('LICENSE')) problems.push(`${pkg.name}: tarball lacks LICENSE`);
  for (const k of ['repository', 'homepage', 'bugs']) if (!m[k]) problems.push(`${pkg.name}: package.json has no ${k}`);
  if (pkg.name.startsWith('@') && m.publishConfig?.access !== 'public')
    problems.push(`${pkg.name}: a scoped package needs publishConfig.access "public" to publish`);
  const hasSources = pkg.files.some((f) => f.startsWith('src/'));
  for (const f of pkg.files)
    if (f.endsWith('.map') && !hasSources) problems.push(`${pkg.name}: ships source map ${f} without its sources`);
  const readme =
    pkg.dir && existsSync(join(pkg.dir, 'README.md')) ? readFileSync(join(pkg.dir, 'README.md'), 'utf8') : '';
  for (const [, target] of readme.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^([a-z]+:|#)/i.test(target)) continue;
    const path = normalize(target.split('#')[0]).replace(/^\.\//, '');
    if (!files.has(path) && !pkg.files.some((f) => f.startsWith(`${path}/`)))
      problems.push(`${pkg.name}: README links to ${target}, which is not in the tarball`);
  }
  return problems;
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or undefined for relative/builtin. */
export function packageOfSpecifier(spec) {
  if (
    spec.startsWith('.') ||
    spec.startsWith('/') ||
    spec.startsWith('node:') ||
    spec.startsWith('data:') ||
    spec.startsWith('file:')
  )
    return undefined;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return builtinModules.includes(name) ? undefined : name;
}

/** Bare module specifiers imported by JS source (static imports, re-exports, dynamic import of a literal). */
export function importedSpecifiers(source) {
  // Comments hold usage examples (TSDoc), which are not imports.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = new Set();
  // `from` must start a word that is not part of a hyphenated string such as 'init-from'.
  for (const re of [
    /(?<![\w$.-])from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]/g,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
  ]) {
    for (const m of code.matchAll(re)) specs.add(m[1]);
  }
  return [...specs];
}

/** Imports in the packed JS that the manifest does not declare. */
export function undeclaredImportProblems(pkg) {
  const m = pkg.manifest;
  const declared = new Set([
    m.name,
    ...Object.keys({ ...m.dependencies, ...m.peerDependencies, ...m.optionalDependencies }),
  ]);
  const problems = [];
  for (const f of pkg.files.filter((f) => /\.(m?js)$/.test(f))) {
    const path = join(pkg.dir, f);
    if (!existsSync(path)) continue;
    for (const spec of importedSpecifiers(readFileSync(path, 'utf8'))) {
      const name = packageOfSpecifier(spec);
      if (name && !declared.has(name))
        problems.push(
          `${pkg.name}: ${f} imports "${spec}" but package.json does not list ${name} in dependencies or peerDependencies`,
        );
    }
  }
  return problems;
}

/** The workspace packages `name` needs at install time (dependencies and peers, transitively), itself included. */
export function workspaceClosure(name, byName) {
  const seen = new Set();
  const visit = (n) => {
    if (seen.has(n) || !byName.has(n)) return;
    seen.add(n);
    const m = byName.get(n).manifest;
    for (const d of Object.keys({ ...m.dependencies, ...m.peerDependencies, ...m.optionalDependencies })) visit(d);
  };
  visit(name);
  return [...seen];
}

/**
 * Install tarballs into `dir` (created with a bare package.json). The npm cache already holds the
 * third-party dependencies from the workspace install, so --prefer-offline keeps this quick.
 */
export async function installInto(dir, tarballs) {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) {
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'embedcg-install-check', version: '0.0.0', private: true, type: 'module' }, null, 2),
    );
  }
  const r = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs],
    { cwd: dir },
  );
  return { ok: r.code === 0, output: `${r.stdout}\n${r.stderr}`.trim() };
}

/** Import each public entry of an installed package from `dir`; plugin packages must export descriptors. */
export async function importProblems(dir, pkg) {
  const entries = Object.keys(pkg.manifest.exports ?? { '.': null })
    .filter((k) => k !== './package.json' && !k.includes('*'))
    .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`));
  const isPlugin = pkg.manifest.embedcg?.plugins === true;
  const script = `
    const out = {};
    for (const spec of ${JSON.stringify(entries)}) {
      const m = await import(spec);
      out[spec] = Object.keys(m);
      if (${isPlugin} && spec === ${JSON.stringify(pkg.name)}) {
        if (!Array.isArray(m.plugins) || m.plugins.length === 0) throw new Error(spec + ' does not export a non-empty plugins array');
        for (const p of m.plugins) for (const f of ['kind', 'name', 'version']) if (typeof p[f] !== 'string') throw new Error(spec + ': plugin descriptor without ' + f);
      }
    }
    console.log(JSON.stringify(out));`;
  const r = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
  const problems = [];
  if (r.code !== 0) problems.push(`${pkg.name}: import() from a fresh install failed:\n${r.stderr.trim()}`);
  else {
    const exportsOf = JSON.parse(r.stdout.trim().split('\n').pop());
    for (const [spec, keys] of Object.entries(exportsOf))
      if (keys.length === 0) problems.push(`${pkg.name}: ${spec} exports nothing`);
  }
  for (const bin of Object.keys(typeof pkg.manifest.bin === 'string' ? { [pkg.name]: 1 } : (pkg.manifest.bin ?? {}))) {
    const b = await run(process.execPath, [join(dir, 'node_modules', '.bin', bin), '--help'], { cwd: dir });
    if (b.code !== 0)
      problems.push(`${pkg.name}: \`${bin} --help\` exited ${b.code} in a fresh install:\n${b.stderr.trim()}`);
  }
  return problems;
}

/** Run async jobs with at most `limit` at a time (npm installs are I/O-bound; two cores). */
async function pool(items, limit, f) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await f(items[i], i);
      }
    }),
  );
  return results;
}

/**
 * `nx release --dry-run --skip-publish` (or the nx arguments given), with the network cut off when
 * the kernel allows (`unshare -rn`), else with npm pointed at a dead registry, so that a network
 * call fails the check. Skipped (with the reason) outside a git repository with a commit.
 */
export function nxReleaseDryRun(root = repoRoot, args = ['release', '--dry-run', '--skip-publish']) {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0)
    return {
      skipped: `nx release needs a git repository with at least one commit (git rev-parse HEAD: ${(head.stderr || '').trim()})`,
    };
  const nx = join(root, 'node_modules', '.bin', 'nx');
  const isolated = spawnSync('unshare', ['-rn', 'true']).status === 0;
  const env = childEnv({ npm_config_registry: 'http://127.0.0.1:9/', npm_config_offline: 'true' });
  const r = isolated
    ? spawnSync('unshare', ['-rn', nx, ...args], { cwd: root, env, encoding: 'utf8', timeout: 120_000 })
    : spawnSync(nx, args, { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
  return { ok: r.status === 0, code: r.status, networkCut: isolated, output: `${r.stdout}\n${r.stderr}`.trim() };
}

/**
 * Every check. `log` receives progress lines.
 * @returns {Promise<{problems: string[], skipped: string[], packages: string[], seconds: number}>}
 */
export async function checkPackages({
  root = repoRoot,
  keep = false,
  install = true,
  isolated = false,
  release = true,
  log = () => {},
} = {}) {
  const t0 = performance.now();
  const problems = [];
  const skipped = [];
  const work = mkdtempSync(join(tmpdir(), 'embedcg-pack-'));
  try {
    const packs = await packWorkspaces(join(work, 'tarballs'), root);
    log(`packed ${packs.length} packages: ${packs.map((p) => p.name).join(', ')}`);
    for (const p of packs) problems.push(...tarballProblems(p));
    for (const p of packs) problems.push(...undeclaredImportProblems(p));
    for (const p of packs) problems.push(...publishProblems(p));
    if (install) {
      const byName = new Map(packs.map((p) => [p.name, p]));
      // One folder for all by default; --isolated gives each package its own, holding only what it declares.
      const groups = isolated
        ? packs.map((p) => ({
            dir: join(work, `install-${p.name.replace('/', '__')}`),
            names: workspaceClosure(p.name, byName),
            check: [p],
          }))
        : [{ dir: join(work, 'install-all'), names: packs.map((p) => p.name), check: packs }];
      await pool(groups, 3, async (g) => {
        const inst = await installInto(
          g.dir,
          g.names.map((n) => byName.get(n).tarball),
        );
        if (!inst.ok) {
          problems.push(`npm install of ${g.names.join(', ')} into an empty folder failed:\n${inst.output}`);
          return;
        }
        for (const p of g.check) {
          problems.push(...(await importProblems(g.dir, p)));
          log(`installed and imported ${p.name}`);
        }
      });
    }
    if (release) {
      const r = nxReleaseDryRun(root);
      if (r.skipped) skipped.push(`nx release --dry-run: ${r.skipped}`);
      else if (!r.ok)
        problems.push(
          `nx release --dry-run --skip-publish exited ${r.code}${r.networkCut ? ' (network cut off)' : ''}:\n${r.output}`,
        );
      else log(`nx release --dry-run --skip-publish ok${r.networkCut ? ' with the network cut off' : ''}`);
    }
    return { problems, skipped, packages: packs.map((p) => p.name), seconds: (performance.now() - t0) / 1000 };
  } finally {
    if (keep) log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const r = await checkPackages({
    keep: argv.includes('--keep'),
    isolated: argv.includes('--isolated'),
    install: !argv.includes('--skip-install'),
    release: !argv.includes('--skip-release'),
    log: (m) => console.error(`[${(performance.now() / 1000).toFixed(1)} s] ${m}`),
  });
  for (const s of r.skipped) console.error(`skipped: ${s}`);
  for (const p of r.problems) console.error(`problem: ${p}`);
  console.error(
    `${r.problems.length ? 'FAILED' : 'ok'}: ${r.packages.length} packages checked in ${r.seconds.toFixed(1)} s`,
  );
  process.exit(r.problems.length ? 1 : 0);
}
