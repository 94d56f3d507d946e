/**
 * Every command delivers all of its output through a pipe, even to a reader that starts late:
 * process.exit() used to drop what the pipe had not taken yet (64–128 KiB arrived, exit 0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliBin, repoRoot, tempDir } from './support.mjs';

const { createRng } = await import(pathToFileURL(join(repoRoot, 'packages/core/dist/index.js')).href);
const { parsePdb, formatDcd } = await import(
  pathToFileURL(join(repoRoot, 'packages/core/dist/molecules/index.js')).href
);

/** Run `embedcg ARGS | (sleep 1; cat > out)` and return the pipeline's status and what arrived. */
function throughLatePipe(args, dir) {
  const out = join(dir, 'piped.out');
  const cmd = `set -o pipefail; "${process.execPath}" "${cliBin}" ${args.map((a) => `'${a}'`).join(' ')} | (sleep 1; cat > '${out}')`;
  const r = spawnSync('bash', ['-c', cmd], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stderr: r.stderr, bytes: readFileSync(out) };
}

test('schema through a late pipe gives the same bytes as to a file', (t) => {
  const dir = tempDir(t);
  const direct = spawnSync(process.execPath, [cliBin, 'schema'], { cwd: repoRoot, maxBuffer: 1 << 26 });
  assert.equal(direct.status, 0);
  assert.ok(
    direct.stdout.length > 65536,
    `schema is ${direct.stdout.length} bytes; the test needs more than a pipe buffer`,
  );
  const piped = throughLatePipe(['schema'], dir);
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.bytes.length, direct.stdout.length);
  assert.ok(piped.bytes.equals(direct.stdout), 'piped bytes differ from the direct output');
});

test('energy --json on 10,000 frames through a late pipe parses, with every frame', (t) => {
  const dir = tempDir(t);
  const ex = join(repoRoot, 'examples', 'alanine-dipeptide');
  const pdb = parsePdb(readFileSync(join(ex, 'ala2.pdb'), 'utf8'));
  const n = 10_000;
  const D = pdb.positions.length;
  const rng = createRng(5);
  const frames = new Float64Array(n * D);
  for (let f = 0; f < n; f++) for (let i = 0; i < D; i++) frames[f * D + i] = pdb.positions[i] + 0.002 * rng.normal();
  const dcd = join(dir, 'frames.dcd');
  writeFileSync(dcd, formatDcd(frames, D / 3));
  const args = ['energy', '--system', join(ex, 'system-obc2.json'), '--coords', dcd, '--json'];
  const piped = throughLatePipe(args, dir);
  assert.equal(piped.status, 0, piped.stderr);
  const doc = JSON.parse(piped.bytes.toString('utf8'));
  assert.equal(doc.frames.length, n);
  assert.ok(Number.isFinite(doc.frames[n - 1].energy), JSON.stringify(doc.frames[n - 1]));
});
