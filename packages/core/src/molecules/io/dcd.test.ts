import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { formatDcd, parseDcd, readDcd, writeDcd } from './dcd.js';

function python(code: string, args: string[] = []): string | undefined {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import mdtraj, openmm'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    if (process.env.EMBEDCG_REQUIRE_OPENMM === '1')
      throw new Error(`OpenMM/mdtraj required but not available: ${probe.stderr || probe.error}`);
    return undefined;
  }
  const r = spawnSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

function frames(nFrames: number, nAtoms: number): Float64Array {
  const p = new Float64Array(nFrames * nAtoms * 3);
  for (let k = 0; k < p.length; k++) p[k] = Math.sin(0.37 * k) * 1.5 + 0.001 * k;
  return p;
}

test('DCD round trip is exact to float32 precision, with and without unit cells', () => {
  const p = frames(4, 5);
  const back = parseDcd(formatDcd(p, 5, { timestep: 0.002, interval: 10 }));
  assert.equal(back.nFrames, 4);
  assert.equal(back.nAtoms, 5);
  assert.equal(back.unitCells, undefined);
  for (let k = 0; k < p.length; k++) assert.equal(back.positions[k], Math.fround(p[k]! * 10) / 10);
  assert.ok(Math.abs(back.timestep! - 0.002) < 1e-9);
  const cells = new Float64Array([
    3, 3.1, 3.2, 90, 90, 90, 3, 3, 3, 70, 80, 100, 1, 1, 1, 90, 90, 90, 2, 2, 2, 90, 90, 90,
  ]);
  const withCells = parseDcd(formatDcd(p, 5, { unitCells: cells }));
  for (let k = 0; k < cells.length; k++) assert.ok(Math.abs(withCells.unitCells![k]! - cells[k]!) < 1e-9, `cell ${k}`);
});

test('mdtraj reads our DCD, and we read OpenMM DCDFile output', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-dcd-'));
  try {
    const p = frames(3, 4);
    const ours = join(dir, 'ours.dcd');
    writeDcd(ours, p, 4);
    const pdb = join(dir, 'top.pdb');
    writeFileSync(
      pdb,
      ['C', 'N', 'O', 'H']
        .map(
          (e, i) =>
            `ATOM  ${String(i + 1).padStart(5)}  ${e.padEnd(3)} ALA A   1       0.000   0.000   0.000  1.00  0.00           ${e}`,
        )
        .join('\n') + '\nEND\n',
    );
    const out = python(
      'import sys, json, mdtraj as md\nt = md.load(sys.argv[1], top=sys.argv[2])\nprint(json.dumps({"n": t.n_frames, "cell": t.unitcell_lengths is not None, "xyz": t.xyz.reshape(-1).tolist()}))',
      [ours, pdb],
    );
    if (out === undefined) {
      t.skip('OpenMM not available: /usr/bin/python3 cannot import mdtraj/openmm');
      return;
    }
    const r = JSON.parse(out) as { n: number; cell: boolean; xyz: number[] };
    assert.equal(r.n, 3);
    assert.equal(r.cell, false);
    for (let k = 0; k < p.length; k++) assert.ok(Math.abs(r.xyz[k]! - p[k]!) < 1e-6, `coordinate ${k}`);

    const theirs = join(dir, 'openmm.dcd');
    python(
      [
        'import sys, openmm.app as app, openmm.unit as u',
        'from openmm import Vec3',
        'pdb = app.PDBFile(sys.argv[1])',
        'f = open(sys.argv[2], "wb")',
        'd = app.DCDFile(f, pdb.topology, 0.002*u.picoseconds, 0, 5)',
        'for k in range(2):',
        '    d.writeModel([Vec3(0.1*i + k, -0.2*i, 0.3 + 0.05*k) for i in range(4)]*u.nanometers)',
        'f.close()',
      ].join('\n'),
      [pdb, theirs],
    );
    const read = readDcd(theirs);
    assert.equal(read.nFrames, 2);
    assert.equal(read.nAtoms, 4);
    for (let k = 0; k < 2; k++)
      for (let i = 0; i < 4; i++) {
        const o = (k * 4 + i) * 3;
        assert.ok(Math.abs(read.positions[o]! - (0.1 * i + k)) < 1e-6);
        assert.ok(Math.abs(read.positions[o + 1]! - -0.2 * i) < 1e-6);
        assert.ok(Math.abs(read.positions[o + 2]! - (0.3 + 0.05 * k)) < 1e-6);
      }
    assert.ok(Math.abs(read.timestep! - 0.002 * 5) < 1e-6 || Math.abs(read.timestep! - 0.002) < 1e-6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad DCD input names the file and what is wrong', () => {
  const good = formatDcd(frames(2, 3), 3);
  assert.throws(
    () => parseDcd(good.subarray(0, good.length - 5), 'cut.dcd'),
    /cut\.dcd: truncated: frame 1 is incomplete/,
  );
  assert.throws(() => parseDcd(new Uint8Array(50), 'tiny.dcd'), /tiny\.dcd: file is too short/);
  const notCord = good.slice();
  notCord[4] = 'V'.charCodeAt(0);
  assert.throws(() => parseDcd(notCord, 'vel.dcd'), /vel\.dcd: not a coordinate DCD file/);
  const bad = good.slice();
  bad[0] = 7;
  assert.throws(() => parseDcd(bad, 'junk.dcd'), /junk\.dcd: not a DCD file/);
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-dcd-'));
  try {
    const path = join(dir, 'x.dcd');
    writeFileSync(path, good);
    assert.equal(readDcd(path).nFrames, 2);
    assert.equal(readFileSync(path).length, good.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
