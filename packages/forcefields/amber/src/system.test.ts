// prmtop → SystemParameters against OpenMM's own AmberPrmtopFile.createSystem (parameter by
// parameter), and the system.json format: round trip and validation messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readPrmtop } from './prmtop.js';
import { prmtopToSystem } from './prmtop-to-system.js';
import { formatSystemJson, loadSystemJson, parseSystemJson, writeSystemJson, type SystemParameters } from './system.js';
import { alaPrmtop, openmmAvailable, openmmReference } from './openmm-ref.test.util.js';

function close(a: number[][], b: number[][], what: string) {
  assert.equal(a.length, b.length, `${what}: ${a.length} vs ${b.length} entries`);
  for (let r = 0; r < a.length; r++) {
    for (let c = 0; c < a[r]!.length; c++) {
      const x = a[r]![c]!,
        y = b[r]![c]!;
      assert.ok(Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y)), `${what}[${r}][${c}]: ${x} vs OpenMM ${y}`);
    }
  }
}

test('prmtopToSystem reproduces OpenMM AmberPrmtopFile.createSystem parameter by parameter', (t) => {
  const ok = openmmAvailable();
  if (ok !== true) {
    t.skip(`OpenMM not available: ${ok}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-sys-'));
  try {
    const path = join(dir, 'openmm.json');
    openmmReference(['--prmtop', alaPrmtop, '--solvent', 'obc2'], undefined, path);
    const theirs = loadSystemJson(path);
    const ours = prmtopToSystem(readPrmtop(alaPrmtop), { solvent: 'obc2' });
    close(ours.harmonicBonds, theirs.harmonicBonds, 'harmonicBonds');
    close(ours.harmonicAngles, theirs.harmonicAngles, 'harmonicAngles');
    close(ours.periodicTorsions, theirs.periodicTorsions, 'periodicTorsions');
    close(ours.nonbonded.particles, theirs.nonbonded.particles, 'nonbonded.particles');
    close(ours.nonbonded.exceptions, theirs.nonbonded.exceptions, 'nonbonded.exceptions');
    close(ours.gb!.particles, theirs.gb!.particles, 'gb.particles');
    assert.deepEqual(ours.bonds, theirs.bonds);
    assert.deepEqual(
      ours.atoms.map((a) => [a.residueName, a.residueIndex, a.element]),
      theirs.atoms.map((a) => [a.residueName, a.residueIndex, a.element]),
    );
    close([ours.atoms.map((a) => a.mass)], [theirs.atoms.map((a) => a.mass)], 'masses');
    assert.equal(ours.gb!.surfaceAreaEnergy, theirs.gb!.surfaceAreaEnergy);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('system.json round trip is exact', () => {
  const sys = prmtopToSystem(readPrmtop(alaPrmtop), { solvent: 'obc1', soluteDielectric: 2 });
  const back = parseSystemJson(JSON.parse(formatSystemJson(sys)), 'mem');
  assert.deepEqual(back, sys);
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-sys-'));
  try {
    writeSystemJson(join(dir, 's.json'), sys);
    assert.deepEqual(loadSystemJson(join(dir, 's.json')), sys);
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    assert.throws(() => loadSystemJson(join(dir, 'bad.json')), /bad\.json: not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('system.json validation names the file and the JSON path', () => {
  const sys = prmtopToSystem(readPrmtop(alaPrmtop), { solvent: 'obc2' });
  const mutate = (f: (s: any) => void) => {
    const s = JSON.parse(formatSystemJson(sys));
    f(s);
    return s as SystemParameters;
  };
  assert.throws(
    () =>
      parseSystemJson(
        mutate((s) => {
          s.format = 'x';
        }),
        'a.json',
      ),
    /a\.json: format: expected "embedcg-system"/,
  );
  assert.throws(
    () =>
      parseSystemJson(
        mutate((s) => {
          s.version = 2;
        }),
        'a.json',
      ),
    /a\.json: version: unsupported version 2/,
  );
  assert.throws(
    () =>
      parseSystemJson(
        mutate((s) => {
          s.harmonicBonds[3][1] = 25;
        }),
        'a.json',
      ),
    /a\.json: harmonicBonds\[3\]\[1\]: atom index 25 out of range \(22 atoms\)/,
  );
  assert.throws(
    () =>
      parseSystemJson(
        mutate((s) => {
          s.harmonicAngles[0] = [0, 1];
        }),
        'a.json',
      ),
    /harmonicAngles\[0\]: expected an array of 5 numbers/,
  );
  assert.throws(
    () =>
      parseSystemJson(
        mutate((s) => {
          s.periodicTorsions[2][4] = 0;
        }),
        'a.json',
      ),
    /periodicTorsions\[2\]\[4\]: periodicity must be a positive integer/,
  );
  assert.throws(
    () =>
      parseSystemJson(
        mutate((s) => {
          s.nonbonded.particles.pop();
        }),
        'a.json',
      ),
    /nonbonded\.particles: has 21 entries for 22 atoms/,
  );
  assert.throws(
    () =>
      parseSystemJson(
        mutate((s) => {
          s.nonbonded.exceptions.push(s.nonbonded.exceptions[0]);
        }),
        'a.json',
      ),
    /duplicate exception for atoms/,
  );
  assert.throws(
    () =>
      parseSystemJson(
        mutate((s) => {
          s.gb.model = 'gbn2';
        }),
        'a.json',
      ),
    /gb\.model: expected "obc1" or "obc2"/,
  );
  assert.throws(
    () =>
      parseSystemJson(
        mutate((s) => {
          s.atoms[4].mass = 'heavy';
        }),
        'a.json',
      ),
    /atoms\[4\]\.mass: expected a non-negative number/,
  );
  assert.throws(
    () =>
      parseSystemJson(
        mutate((s) => {
          s.nonbonded.particles[0][0] = null;
        }),
        'a.json',
      ),
    /nonbonded\.particles\[0\]\[0\]: expected a finite number, got null/,
  );
});
