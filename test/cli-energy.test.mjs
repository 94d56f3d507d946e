/**
 * `embedcg energy` on large and broken inputs: bounded memory at any trajectory length (frames are
 * read, evaluated and printed in chunks), exit code 2 for bad input naming the file and frame, 1 for
 * a force field failing during work, and the atom order of a PDB checked against the system.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertCleanError, cliBin, dyingPython, repoRoot, runCli, tempDir } from './support.mjs';

const { createRng } = await import(pathToFileURL(join(repoRoot, 'packages/core/dist/index.js')).href);
const { parsePdb, formatDcd } = await import(
  pathToFileURL(join(repoRoot, 'packages/core/dist/molecules/index.js')).href
);
const { createAmberForceField } = await import(
  pathToFileURL(join(repoRoot, 'packages/forcefields/amber/dist/index.js')).href
);

const ex = join(repoRoot, 'examples', 'alanine-dipeptide');
const system = join(ex, 'system-obc2.json');
const shared = process.env.EMBEDCG_SHARED ?? join(repoRoot, '..', 'shared');
const prmtop = join(shared, 'data', 'alanine-dipeptide', 'alanine-dipeptide-implicit.prmtop');
const ala2 = parsePdb(readFileSync(join(ex, 'ala2.pdb'), 'utf8'));
const D = ala2.positions.length;

/** n frames of ala2.pdb with 0.002 nm of noise, frame-major. */
function noisyFrames(n, seed = 5) {
  const rng = createRng(seed);
  const x = new Float64Array(n * D);
  for (let f = 0; f < n; f++) for (let i = 0; i < D; i++) x[f * D + i] = ala2.positions[i] + 0.002 * rng.normal();
  return x;
}

/** Bytes of one DCD frame of ala2 (no unit cells): three records of 22 float32 with their markers. */
const FRAME_BYTES = 3 * (8 + 4 * (D / 3));

/**
 * Run node with `nodeArgs` and the CLI, streaming stdout: count the frames of a `--json` document
 * without holding it, keep its head and tail. Resolves with the exit code, stderr and the counts.
 */
function streamJson(nodeArgs, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, cliBin, ...args], { cwd: repoRoot });
    let frames = 0,
      bytes = 0,
      head = '',
      tail = '',
      stderr = '';
    const marker = '{"energy":';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s) => {
      if (head.length < 100) head += s.slice(0, 100);
      bytes += s.length;
      const text = tail + s;
      // Count markers that end in this piece (the carried tail is shorter than a marker).
      let at = text.indexOf(marker);
      while (at >= 0) {
        if (at + marker.length > tail.length) frames++;
        at = text.indexOf(marker, at + 1);
      }
      tail = text.slice(-5000);
    });
    child.stderr.on('data', (s) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, frames, bytes, head, tail }));
  });
}

test('energy --forces --json streams 100,000 frames under a 48 MB heap (the output is three times the heap)', async (t) => {
  const dir = tempDir(t);
  const n = 100_000;
  const dcd = join(dir, 'big.dcd');
  writeFileSync(dcd, formatDcd(noisyFrames(n), D / 3));
  // In vacuum, to spend the test's time on the output rather than on GB. The CLI alone (with tfjs)
  // lives in about 35 MB; the old code held the whole document, about 150 MB, as one string.
  const heapMb = 48;
  const r = await streamJson(
    [`--max-old-space-size=${heapMb}`],
    [
      'energy',
      '--system',
      join(ex, 'system-vacuum.json'),
      '--solvent',
      'vacuum',
      '--coords',
      dcd,
      '--forces',
      '--json',
    ],
  );
  assert.equal(r.code, 0, `exit ${r.code} (signal ${r.signal}); stderr:\n${r.stderr.slice(0, 2000)}`);
  assert.ok(r.bytes > 2.5 * heapMb * 2 ** 20, `the output is ${r.bytes} characters; the test needs several heaps`);
  assert.equal(r.frames, n);
  assert.ok(r.head.startsWith('{"frames":[{"energy":'), r.head);
  assert.ok(r.tail.endsWith(']}\n'), r.tail.slice(-100));
  const last = JSON.parse(r.tail.slice(r.tail.lastIndexOf('{"energy":'), -3));
  assert.ok(Number.isFinite(last.energy));
  assert.equal(last.forces.length, D / 3);
});

test('energy over several chunks gives the frames in order, as JSON and as a table, equal to one evaluation', async (t) => {
  const dir = tempDir(t);
  const n = 2_345;
  const x = noisyFrames(n, 9);
  const dcd = join(dir, 'frames.dcd');
  writeFileSync(dcd, formatDcd(x, D / 3));
  const ff = createAmberForceField({ system, workers: 1 });
  // The DCD holds float32 Å: evaluate what the file holds.
  const stored = Float64Array.from(x, (v) => Math.fround(v * 10) / 10);
  const expected = ff.evaluateSync(stored, n, { energiesOnly: true }).energies;
  await ff.dispose();
  const j = runCli(['energy', '--system', system, '--coords', dcd, '--json']);
  assert.equal(j.code, 0, j.stderr);
  const doc = JSON.parse(j.stdout);
  assert.equal(doc.frames.length, n);
  doc.frames.forEach((f, i) => assert.ok(Math.abs(f.energy - expected[i]) < 1e-9, `frame ${i}`));
  const table = runCli(['energy', '--system', system, '--coords', dcd]);
  assert.equal(table.code, 0, table.stderr);
  const rows = table.stdout.trim().split('\n').slice(3);
  assert.equal(rows.length, n);
  rows.forEach((row, i) => {
    const [frame, energy] = row.trim().split(/\s+/);
    assert.equal(Number(frame), i);
    assert.equal(energy, expected[i].toFixed(4));
  });
});

test('energy: a NaN coordinate in a DCD is bad input (exit 2) naming the file, frame and atom', (t) => {
  const dir = tempDir(t);
  const bytes = formatDcd(noisyFrames(1500), D / 3);
  // Frame 1234, atom 5, y: past the header (276 bytes), the frame's x record and y's start marker.
  new DataView(bytes.buffer).setFloat32(276 + 1234 * FRAME_BYTES + (8 + 4 * (D / 3)) + 4 + 4 * 5, NaN, true);
  const dcd = join(dir, 'nan.dcd');
  writeFileSync(dcd, bytes);
  const r = runCli(['energy', '--system', system, '--coords', dcd, '--json']);
  const msg = assertCleanError(r, 2);
  assert.match(msg, /nan\.dcd: frame 1234, atom 5 has a non-finite coordinate \(NaN\)/);
});

test('energy: a DCD cut at a frame boundary is read with a warning naming both counts; cut mid-frame it is refused', (t) => {
  const dir = tempDir(t);
  const bytes = formatDcd(noisyFrames(10), D / 3);
  const cut = join(dir, 'cut.dcd');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 3 * FRAME_BYTES));
  const r = runCli(['energy', '--system', system, '--coords', cut, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: .*cut\.dcd: the header announces 10 frames, but the file holds 7/m);
  assert.equal(JSON.parse(r.stdout).frames.length, 7);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 3 * FRAME_BYTES - 10));
  const m = assertCleanError(runCli(['energy', '--system', system, '--coords', cut, '--json']), 2);
  assert.match(m, /cut\.dcd: truncated: frame 6 is incomplete .*the header announces 10 frames/);
});

test('energy --engine openmm: OpenMM missing is exit 2; a child dying during the work is exit 1, not bad input', (t) => {
  const dir = tempDir(t);
  const pdb = join(ex, 'ala2.pdb');
  const missing = runCli(['energy', '--system', system, '--coords', pdb, '--engine', 'openmm'], {
    env: { EMBEDCG_PYTHON: join(dir, 'no-such-python') },
  });
  assert.match(assertCleanError(missing, 2), /--engine openmm: OpenMM is not available: .*no-such-python: not found/);

  // A python that runs the real server but dies on every "evaluate" request.
  const fake = dyingPython(dir, 'evaluate');
  if (!fake) return t.skip('OpenMM is not installed for /usr/bin/python3');
  const died = runCli(['energy', '--system', system, '--coords', pdb, '--engine', 'openmm'], {
    env: { EMBEDCG_PYTHON: fake },
  });
  const msg = assertCleanError(died, 1);
  assert.match(msg, /evaluating frames 0–0 of .*ala2\.pdb failed: .*child died/s);
});

test("energy: a PDB in another atom order than the prmtop is refused; in the prmtop's order it gives about −170.4 kJ/mol", (t) => {
  const pdb = join(ex, 'ala2.pdb');
  const refused = runCli(['energy', '--prmtop', prmtop, '--coords', pdb]);
  assert.match(
    assertCleanError(refused, 2),
    /ala2\.pdb: atom 0 is C \(CH3, residue 1 ACE\) here but H \(HH31, residue 1 ACE\) in .*\.prmtop \(elements differ\)/,
  );
  // The prmtop lists the ACE methyl hydrogen before its carbon: swap the first two atom lines.
  const lines = readFileSync(pdb, 'utf8').split('\n');
  const atoms = lines.flatMap((l, k) => (/^(ATOM|HETATM)/.test(l) ? [k] : []));
  [lines[atoms[0]], lines[atoms[1]]] = [lines[atoms[1]], lines[atoms[0]]];
  const reordered = join(tempDir(t), 'ala2-prmtop-order.pdb');
  writeFileSync(reordered, lines.join('\n'));
  const r = runCli(['energy', '--prmtop', prmtop, '--coords', reordered, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Math.abs(JSON.parse(r.stdout).frames[0].energy - -170.41) < 0.01, r.stdout);
});

test('energy --coords traj.dcd: the PDB beside the DCD stands for its atom order, and is checked', (t) => {
  const dir = tempDir(t);
  const dcd = join(dir, 'traj.dcd');
  writeFileSync(dcd, formatDcd(noisyFrames(3), D / 3));
  writeFileSync(join(dir, 'traj.pdb'), readFileSync(join(ex, 'ala2.pdb')));
  // ala2.pdb's order is OpenMM's; the shared prmtop lists the ACE methyl hydrogen first.
  const r = runCli(['energy', '--prmtop', prmtop, '--coords', dcd]);
  assert.match(
    assertCleanError(r, 2),
    /traj\.dcd: atom 0 is C \(CH3, residue 1 ACE\) in .*traj\.pdb but H \(HH31, residue 1 ACE\) in .*\.prmtop/,
  );
});
