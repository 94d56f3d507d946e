/**
 * The packaging checker itself: each rule of tools/check-packages.mjs catches the mistake it is
 * for (so a green packaging check means something), on synthetic packages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  importedSpecifiers,
  manifestTargets,
  packageOfSpecifier,
  publishProblems,
  tarballProblems,
  undeclaredImportProblems,
  workspaceClosure,
} from '../tools/check-packages.mjs';
import { tempDir } from './support.mjs';

const manifest = {
  name: '@x/pkg',
  version: '1.0.0',
  main: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    '.': { types: './dist/index.d.ts', import: './dist/index.js' },
    './extra': { import: './dist/extra.js' },
    './package.json': './package.json',
  },
  bin: { xcli: './dist/bin.js' },
};
const goodFiles = ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/extra.js', 'dist/bin.js'];

test('manifestTargets collects main, types, bin and every exports target', () => {
  assert.deepEqual(manifestTargets(manifest).sort(), [
    'dist/bin.js',
    'dist/extra.js',
    'dist/index.d.ts',
    'dist/index.js',
    'package.json',
  ]);
});

test('tarballProblems: a complete clean tarball passes; each defect is named', () => {
  assert.deepEqual(tarballProblems({ name: '@x/pkg', files: goodFiles, manifest }), []);
  const cases = [
    [goodFiles.filter((f) => f !== 'dist/index.d.ts'), manifest, /lacks dist\/index\.d\.ts/],
    [goodFiles.filter((f) => f !== 'README.md'), manifest, /lacks README\.md/],
    [
      goodFiles.filter((f) => f !== 'dist/extra.js'),
      manifest,
      /points at dist\/extra\.js, which is not in the tarball/,
    ],
    [[...goodFiles, 'dist/index.test.js'], manifest, /contains test file dist\/index\.test\.js/],
    [[...goodFiles, 'dist/test-support/fixtures.js'], manifest, /contains test file dist\/test-support\/fixtures\.js/],
    [[...goodFiles, 'dist/tsconfig.tsbuildinfo'], manifest, /contains build state dist\/tsconfig\.tsbuildinfo/],
    [goodFiles, { ...manifest, dependencies: { '@x/core': 'workspace:*' } }, /dependency @x\/core uses "workspace:\*"/],
  ];
  for (const [files, m, re] of cases) {
    const problems = tarballProblems({ name: '@x/pkg', files, manifest: m });
    assert.ok(problems.length > 0 && problems.some((p) => re.test(p)), `${re}: ${JSON.stringify(problems)}`);
  }
});

test('importedSpecifiers finds static, side-effect, re-export and dynamic imports, not comments', () => {
  const src = [
    "import { a } from 'alpha';",
    "import 'side-effect';",
    "export * from './local.js';",
    "export { b } from '@scope/beta/sub';",
    "const m = await import('gamma');",
    "/** Example:\n *   import { x } from 'only-in-a-comment';\n */",
    "// import { y } from 'also-a-comment';",
    "import fs from 'node:fs';",
    "y.option('init-from', { type: 'string' });",
    "const q = {x:1}.from('not-an-import');",
  ].join('\n');
  assert.deepEqual(importedSpecifiers(src).sort(), [
    './local.js',
    '@scope/beta/sub',
    'alpha',
    'gamma',
    'node:fs',
    'side-effect',
  ]);
  assert.equal(packageOfSpecifier('@scope/beta/sub'), '@scope/beta');
  assert.equal(packageOfSpecifier('yargs/helpers'), 'yargs');
  assert.equal(packageOfSpecifier('./x.js'), undefined);
  assert.equal(packageOfSpecifier('node:path'), undefined);
  assert.equal(packageOfSpecifier('path'), undefined, 'builtins without node: are not packages');
});

test('undeclaredImportProblems flags an import that only hoisting would satisfy', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'dist'));
  writeFileSync(
    join(dir, 'dist', 'index.js'),
    "import yargs from 'yargs';\nimport { x } from '@x/core';\nimport { y } from '@x/pkg/extra';\nimport { z } from 'ajv/dist/2020.js';\n",
  );
  const pkg = {
    name: '@x/pkg',
    dir,
    files: ['dist/index.js'],
    manifest: { name: '@x/pkg', dependencies: { yargs: '^18.0.0' }, peerDependencies: { '@x/core': '^1.0.0' } },
  };
  const problems = undeclaredImportProblems(pkg);
  assert.deepEqual(problems, [
    '@x/pkg: dist/index.js imports "ajv/dist/2020.js" but package.json does not list ajv in dependencies or peerDependencies',
  ]);
});

test('workspaceClosure follows dependencies and peers between workspace packages only', () => {
  const byName = new Map([
    ['a', { manifest: { dependencies: { b: '^1', lodash: '^4' } } }],
    ['b', { manifest: { peerDependencies: { c: '^1' } } }],
    ['c', { manifest: {} }],
    ['d', { manifest: { dependencies: { a: '^1' } } }],
  ]);
  assert.deepEqual(workspaceClosure('a', byName).sort(), ['a', 'b', 'c']);
  assert.deepEqual(workspaceClosure('c', byName), ['c']);
  assert.deepEqual(workspaceClosure('d', byName).sort(), ['a', 'b', 'c', 'd']);
});

test('publishProblems: license, metadata, public access, source maps and README links', (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'README.md'),
    '[ok](./dist/index.js) [web](https://x.org/a) [here](#use) [gone](../../docs/x.md)\n',
  );
  const meta = {
    ...manifest,
    repository: { type: 'git', url: 'git+https://example.org/x.git' },
    homepage: 'https://example.org/x',
    bugs: { url: 'https://example.org/x/issues' },
    publishConfig: { access: 'public' },
  };
  const files = [...goodFiles, 'LICENSE'];
  assert.deepEqual(publishProblems({ name: '@x/pkg', files, manifest: meta }), []);
  const cases = [
    [files.filter((f) => f !== 'LICENSE'), meta, /tarball lacks LICENSE/],
    [files, { ...meta, bugs: undefined }, /package\.json has no bugs/],
    [files, { ...meta, publishConfig: undefined }, /publishConfig\.access "public"/],
    [[...files, 'dist/index.js.map'], meta, /ships source map dist\/index\.js\.map without its sources/],
  ];
  for (const [f, m, re] of cases) {
    const problems = publishProblems({ name: '@x/pkg', files: f, manifest: m });
    assert.ok(
      problems.some((p) => re.test(p)),
      `${re}: ${JSON.stringify(problems)}`,
    );
  }
  assert.deepEqual(publishProblems({ name: '@x/pkg', files, manifest: meta, dir }), [
    '@x/pkg: README links to ../../docs/x.md, which is not in the tarball',
  ]);
});

test('package READMEs link to repository files by absolute URL, and every such file exists', () => {
  const root = join(import.meta.dirname, '..');
  const readmes = [
    'packages/core',
    'packages/forcefields/amber',
    'packages/forcefields/analytic',
    'packages/forcefields/openmm',
    'packages/models/flow',
    'packages/models/vae',
    'packages/viz',
    'packages/cli',
  ].map((d) => join(root, d, 'README.md'));
  for (const f of readmes) {
    const text = readFileSync(f, 'utf8');
    for (const [, p] of text.matchAll(/https:\/\/github\.com\/embedcg\/embedcg\/blob\/main\/([^)#\s]+)/g)) {
      assert.ok(existsSync(join(root, p)), `${f} links to ${p}, which is not in the repository`);
    }
  }
});
