/**
 * Core's main entry loads no molecular code: neither its static import graph nor a real
 * `import('@embedcg/core')` reaches a file under dist/molecules, while the molecules entry and
 * the lazily created molecular transforms do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = dirname(fileURLToPath(import.meta.url));
const molecules = join(dist, 'molecules');
const under = (dir: string, file: string) => !relative(dir, file).startsWith('..');

/** Relative specifiers of the static imports and re-exports of compiled ES module text. */
export function staticImports(js: string): string[] {
  const out: string[] = [];
  const re = /^\s*(?:(?:import|export)\b[^'";]*?\bfrom\s*|import\s*)['"]([^'"]+)['"]/gm;
  for (const m of js.matchAll(re)) if (m[1]!.startsWith('.')) out.push(m[1]!);
  return out;
}

/** Every compiled file reached from `entry` by static imports. */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) todo.push(resolve(dirname(file), spec));
  }
  return seen;
}

test('staticImports finds imports, re-exports and side-effect imports, not dynamic ones', () => {
  const js = [
    "import { a } from './a.js';",
    "import './side.js';",
    "export * from './b.js';",
    'export {\n  c,\n  d,\n} from "./c.js";',
    "import * as tf from '@embedcg/core/tf';",
    "const m = await import('./lazy.js');",
    "export const FILE = './not-a-module.json';",
  ].join('\n');
  assert.deepEqual(staticImports(js), ['./a.js', './side.js', './b.js', './c.js']);
});

test("the main entry's static import graph reaches no file under dist/molecules", () => {
  const graph = staticGraph(join(dist, 'index.js'));
  assert.ok(graph.size > 20, `walked ${graph.size} files`);
  assert.ok(
    graph.has(join(dist, 'molecular-transform-plugins.js')),
    'the molecular plugin descriptors are in the main entry',
  );
  assert.deepEqual(
    [...graph].filter((f) => under(molecules, f)),
    [],
  );
  assert.ok(
    [...staticGraph(join(molecules, 'index.js'))].some((f) => f === join(molecules, 'io', 'pdb.js')),
    'the walk does reach molecular files from the molecules entry',
  );
});

test('importing @embedcg/core loads no molecular module; creating a molecular transform does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-entry-'));
  try {
    const trace = join(dir, 'trace.txt');
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';
export async function resolve(spec, context, next) {
  const r = await next(spec, context);
  appendFileSync(${JSON.stringify(trace)}, r.url + '\\n');
  return r;
}`,
    );
    const register = join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});`,
    );
    const script = `
      const core = await import('@embedcg/core');
      const { appendFileSync } = await import('node:fs');
      appendFileSync(${JSON.stringify(trace)}, 'MAIN LOADED\\n');
      const p = core.plugins.find((d) => d.name === 'rigid-body');
      const ff = { name: 'three', dimension: 9, evaluate() {} };
      const t = await p.create({ origin: 0, axis: 1, plane: 2 }, { configDir: '.', seed: 0, log() {}, forceField: ff });
      if (t.inputDimension !== 3) throw new Error('rigid-body transform of 3 atoms has ' + t.inputDimension + ' inputs');`;
    const r = spawnSync(
      process.execPath,
      ['--import', pathToFileURL(register).href, '--input-type=module', '-e', script],
      {
        cwd: dist,
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(trace, 'utf8').split('\n');
    const cut = lines.indexOf('MAIN LOADED');
    assert.ok(cut > 0, 'the trace recorded the main entry');
    const files = (from: number, to: number) =>
      lines
        .slice(from, to)
        .filter((u) => u.startsWith('file:'))
        .map((u) => fileURLToPath(u));
    assert.ok(files(0, cut).includes(join(dist, 'index.js')), 'the main entry resolved to this build');
    assert.deepEqual(
      files(0, cut).filter((f) => under(molecules, f)),
      [],
    );
    assert.ok(
      files(cut, lines.length).some((f) => under(molecules, f)),
      'create() loaded the molecular code',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
