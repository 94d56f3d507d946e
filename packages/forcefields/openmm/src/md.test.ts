import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMD } from './md.js';
import { INPCRD, PRMTOP, needOpenMM, tempDir } from './fixtures.test.helper.js';

/** Frames of a CHARMM/OpenMM DCD without unit cell: float32 x, y, z blocks per frame. */
function readDcd(file: string, natoms: number): { header: number; frames: Float32Array[]; bytes: Buffer } {
  const b = readFileSync(file);
  const nset = b.readInt32LE(8);
  const frameBytes = 3 * (8 + 4 * natoms);
  const header = b.length - nset * frameBytes;
  const frames: Float32Array[] = [];
  for (let f = 0; f < nset; f++) {
    const xyz = new Float32Array(3 * natoms);
    for (let axis = 0; axis < 3; axis++) {
      const off = header + f * frameBytes + axis * (8 + 4 * natoms) + 4;
      for (let i = 0; i < natoms; i++) xyz[3 * i + axis] = b.readFloatLE(off + 4 * i);
    }
    frames.push(xyz);
  }
  return { header, frames, bytes: b };
}

function dihedral(x: Float32Array, [a, b, c, d]: number[]): number {
  const p = (i: number) => [x[3 * i]!, x[3 * i + 1]!, x[3 * i + 2]!];
  const sub = (u: number[], v: number[]) => u.map((_, k) => u[k]! - v[k]!);
  const cross = (u: number[], v: number[]) => [
    u[1]! * v[2]! - u[2]! * v[1]!,
    u[2]! * v[0]! - u[0]! * v[2]!,
    u[0]! * v[1]! - u[1]! * v[0]!,
  ];
  const dot = (u: number[], v: number[]) => u.reduce((s, _, k) => s + u[k]! * v[k]!, 0);
  // b0 = p0 - p1, b1 = unit(p2 - p1); project b0 and b2 = p3 - p2 onto the plane normal to b1.
  const b0 = sub(p(a!), p(b!)),
    b2 = sub(p(d!), p(c!));
  let b1 = sub(p(c!), p(b!));
  const len = Math.sqrt(dot(b1, b1));
  b1 = b1.map((v) => v / len);
  const v = sub(
    b0,
    b1.map((u) => u * dot(b0, b1)),
  );
  const w = sub(
    b2,
    b1.map((u) => u * dot(b2, b1)),
  );
  return (Math.atan2(dot(cross(b1, v), w), dot(v, w)) * 180) / Math.PI;
}

const base = {
  prmtop: PRMTOP,
  coordinates: INPCRD,
  solvent: 'obc2' as const,
  temperature: 330,
  interval: 50,
  seed: 7,
  progressSeconds: 0,
};

test('MD is deterministic with a seed, and a resumed run continues exactly where it stopped', async (t) => {
  if (!needOpenMM(t)) return;
  const dir = tempDir();
  const progress: number[] = [];
  const full = await runMD({ ...base, steps: 400, out: join(dir, 'full.dcd') }, (p) => progress.push(p.step));
  assert.equal(full.frames, 8);
  assert.deepEqual(progress, [50, 100, 150, 200, 250, 300, 350, 400]);
  await runMD({ ...base, steps: 400, out: join(dir, 'again.dcd') });
  await runMD({ ...base, steps: 200, out: join(dir, 'split.dcd') });
  const resumed = await runMD({ ...base, steps: 400, resume: true, out: join(dir, 'split.dcd') });
  assert.equal(resumed.step, 400);
  assert.equal(resumed.frames, 8);
  await runMD({ ...base, seed: 8, steps: 400, out: join(dir, 'other.dcd') });

  const a = readDcd(join(dir, 'full.dcd'), 22);
  const again = readDcd(join(dir, 'again.dcd'), 22);
  const split = readDcd(join(dir, 'split.dcd'), 22);
  const other = readDcd(join(dir, 'other.dcd'), 22);
  assert.equal(a.frames.length, 8);
  assert.equal(split.frames.length, 8);
  assert.ok(a.bytes.subarray(a.header).equals(again.bytes.subarray(again.header)), 'same seed, same trajectory');
  assert.ok(a.bytes.subarray(a.header).equals(split.bytes.subarray(split.header)), 'resume = uninterrupted run');
  assert.ok(!a.bytes.subarray(a.header).equals(other.bytes.subarray(other.header)), 'another seed, another trajectory');
  assert.equal(
    readFileSync(join(dir, 'split.energies.csv'), 'utf8'),
    readFileSync(join(dir, 'full.energies.csv'), 'utf8'),
  );
  await assert.rejects(
    runMD({ ...base, temperature: 300, steps: 500, resume: true, out: join(dir, 'split.dcd') }),
    /temperature was 330/,
  );
});

test('the energies CSV holds step, time, potential and φ/ψ of the written frames', async (t) => {
  if (!needOpenMM(t)) return;
  const dir = tempDir();
  const r = await runMD({ ...base, steps: 300, out: join(dir, 'traj.dcd') });
  assert.deepEqual(r.columns, ['phi_deg', 'psi_deg']);
  const rows = readFileSync(r.files.csv, 'utf8').trim().split('\n');
  assert.equal(rows[0], 'step,time_ps,potential_kJmol,phi_deg,psi_deg');
  const { frames } = readDcd(r.files.dcd, 22);
  assert.equal(rows.length - 1, frames.length);
  rows.slice(1).forEach((row, f) => {
    const [step, time, epot, phi, psi] = row.split(',').map(Number);
    assert.equal(step, 50 * (f + 1));
    assert.ok(Math.abs(time! - step! * 0.001) < 1e-9);
    assert.ok(Number.isFinite(epot) && epot! < 0);
    // φ = C(ACE)-N-CA-C, ψ = N-CA-C-N(NME): atoms 4-6-8-14 and 6-8-14-16.
    assert.ok(Math.abs(dihedral(frames[f]!, [4, 6, 8, 14]) - phi!) < 0.01, `phi of frame ${f}`);
    assert.ok(Math.abs(dihedral(frames[f]!, [6, 8, 14, 16]) - psi!) < 0.01, `psi of frame ${f}`);
  });
  const pdb = readFileSync(r.files.pdb, 'utf8')
    .split('\n')
    .filter((l) => /^(ATOM|HETATM)/.test(l));
  assert.equal(pdb.length, 22);
});
