#!/usr/bin/env node
// Runs every compiled *.test.js under packages/*/dist and test/ with node's test runner, so CI
// reads one TAP summary. Extra arguments filter by path substring.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const found = [];
function walk(dir, inDist) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, inDist || e === 'dist');
    else if (inDist && e.endsWith('.test.js')) found.push(p);
    else if (!inDist && dir.startsWith(join(root, 'test')) && e.endsWith('.test.mjs')) found.push(p);
  }
}
walk(join(root, 'packages'), false);
walk(join(root, 'test'), false);
const filters = process.argv.slice(2);
const files = found.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files found; did the build run?');
  process.exit(1);
}
console.error(`running ${files.length} test files:\n${files.map((f) => '  ' + relative(root, f)).join('\n')}`);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
