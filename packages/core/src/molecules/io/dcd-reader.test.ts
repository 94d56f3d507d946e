import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { formatDcd, parseDcd } from './dcd.js';
import { openDcd } from './dcd-reader.js';

function frames(nFrames: number, nAtoms: number): Float64Array {
  const p = new Float64Array(nFrames * nAtoms * 3);
  for (let k = 0; k < p.length; k++) p[k] = Math.cos(0.29 * k) * 2 - 0.002 * k;
  return p;
}

function inTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-dcd-reader-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes of one frame of `nAtoms` atoms without unit cells. */
const frameBytes = (nAtoms: number) => 3 * (8 + 4 * nAtoms);

test('chunks of the DCD reader are exactly the frames of parseDcd, with and without unit cells', () => {
  inTempDir((dir) => {
    const n = 7,
      nAtoms = 5;
    const cells = new Float64Array(n * 6).map((_, k) => (k % 6 < 3 ? 2 + 0.1 * k : 90 - k));
    for (const unitCells of [undefined, cells]) {
      const bytes = formatDcd(frames(n, nAtoms), nAtoms, unitCells ? { unitCells, timestep: 0.002 } : {});
      const path = join(dir, 'x.dcd');
      writeFileSync(path, bytes);
      const whole = parseDcd(bytes, path);
      const r = openDcd(path);
      try {
        assert.equal(r.nFrames, n);
        assert.equal(r.nAtoms, nAtoms);
        assert.equal(r.hasUnitCells, !!unitCells);
        assert.equal(r.timestep, whole.timestep);
        assert.deepEqual(r.titles, whole.titles);
        const seen: number[] = [];
        for (const c of r.chunks(3)) {
          seen.push(c.count);
          assert.deepEqual(
            c.positions,
            whole.positions.subarray(c.start * nAtoms * 3, (c.start + c.count) * nAtoms * 3),
          );
          if (unitCells) assert.deepEqual(c.unitCells, whole.unitCells!.subarray(c.start * 6, (c.start + c.count) * 6));
        }
        assert.deepEqual(seen, [3, 3, 1]);
      } finally {
        r.close();
      }
    }
  });
});

test('a DCD cut at a frame boundary reads with a warning naming both counts; cut mid-frame it fails', () => {
  inTempDir((dir) => {
    const nAtoms = 3;
    const good = formatDcd(frames(4, nAtoms), nAtoms);
    const path = join(dir, 'cut.dcd');
    // Two whole frames gone: the header still announces 4.
    writeFileSync(path, good.subarray(0, good.length - 2 * frameBytes(nAtoms)));
    const warnings: string[] = [];
    const r = openDcd(path, { onWarning: (m) => warnings.push(m) });
    assert.equal(r.nFrames, 2);
    r.close();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /cut\.dcd: the header announces 4 frames, but the file holds 2/);
    const parsed: string[] = [];
    const t = parseDcd(good.subarray(0, good.length - 2 * frameBytes(nAtoms)), 'cut.dcd', {
      onWarning: (m) => parsed.push(m),
    });
    assert.equal(t.nFrames, 2);
    assert.deepEqual(
      parsed,
      warnings.map((m) => m.replace(path, 'cut.dcd')),
    );
    // The whole file: no warning.
    const none: string[] = [];
    parseDcd(good, 'good.dcd', { onWarning: (m) => none.push(m) });
    assert.deepEqual(none, []);
    // Cut in the middle of frame 3 (zero-based): an error naming both counts, from both readers.
    writeFileSync(path, good.subarray(0, good.length - 5));
    assert.throws(() => openDcd(path), /cut\.dcd: truncated: frame 3 is incomplete .*the header announces 4 frames/);
    assert.throws(
      () => parseDcd(good.subarray(0, good.length - 5), 'cut.dcd'),
      /cut\.dcd: truncated: frame 3 is incomplete .*the header announces 4 frames/,
    );
  });
});

test('the DCD reader names the file for a missing file, a short file and a corrupt frame', () => {
  inTempDir((dir) => {
    assert.throws(() => openDcd(join(dir, 'none.dcd')), /none\.dcd: cannot read DCD file/);
    const tiny = join(dir, 'tiny.dcd');
    writeFileSync(tiny, new Uint8Array(50));
    assert.throws(() => openDcd(tiny), /tiny\.dcd: file is too short for a DCD header \(50 bytes\)/);
    const good = formatDcd(frames(3, 2), 2);
    const bad = good.slice();
    // The record marker of frame 2's y record.
    bad[good.length - frameBytes(2) + (8 + 8)] = 99;
    const path = join(dir, 'bad.dcd');
    writeFileSync(path, bad);
    const r = openDcd(path);
    assert.equal(r.read(0, 2).count, 2);
    assert.throws(() => r.read(2, 1), /bad\.dcd: frame 2: corrupt coordinate record \(axis y\)/);
    r.close();
  });
});
