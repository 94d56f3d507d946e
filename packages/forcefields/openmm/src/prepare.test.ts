import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOpenMMForceField, type Solvent } from './force-field.js';
import { prepareSystem } from './prepare.js';
import { openmmAvailability } from './python.js';
import type { SystemParameters as SystemJson } from '@embedcg/core/molecules';
import { INPCRD, PDB, PRMTOP, jitter, maxRelDiff, needOpenMM, tempDir } from './fixtures.test.helper.js';

/** Energies/forces of the original OpenMM system and of the exported JSON built back into OpenMM. */
async function roundTrip(source: Parameters<typeof createOpenMMForceField>[0], file: string) {
  const exported = await prepareSystem({ ...source, out: file });
  const [orig, back] = await Promise.all([
    createOpenMMForceField(source),
    createOpenMMForceField({ systemJson: file, coordinates: source.coordinates }),
  ]);
  try {
    const n = 12;
    const x = jitter(orig.initialPositions!, n, 0.01, 3);
    const [a, b] = await Promise.all([orig.evaluate(x, n), back.evaluate(x, n)]);
    return { exported: exported.system, a, b, backTopology: back.topology, origTopology: orig.topology };
  } finally {
    await Promise.all([orig.dispose(), back.dispose()]);
  }
}

for (const solvent of ['vacuum', 'obc1', 'obc2'] as Solvent[]) {
  test(`prmtop (${solvent}) exported to system.json and built back into OpenMM gives the same energies and forces`, async (t) => {
    if (!needOpenMM(t)) return;
    const file = join(tempDir(), 'system.json');
    const r = await roundTrip({ prmtop: PRMTOP, coordinates: INPCRD, solvent }, file);
    assert.ok(maxRelDiff(r.b.energies, r.a.energies) < 1e-6, `energies ${r.a.energies} vs ${r.b.energies}`);
    assert.ok(maxRelDiff(r.b.forces, r.a.forces) < 1e-6, 'forces');
    const s = JSON.parse(readFileSync(file, 'utf8')) as SystemJson;
    assert.equal(s.format, 'embedcg-system');
    assert.equal(s.version, 1);
    assert.equal(s.atoms.length, 22);
    assert.equal(s.nonbonded.particles.length, 22);
    assert.equal(s.gb?.model ?? 'vacuum', solvent);
    if (s.gb) assert.equal(s.gb.particles.length, 22);
    assert.deepEqual(r.backTopology, r.origTopology);
  });
}

test('PDB + amber96.xml + amber96_obc.xml exports (OBC2) and round-trips; --out-pdb writes the structure', async (t) => {
  if (!needOpenMM(t)) return;
  const dir = tempDir();
  const file = join(dir, 'system.json');
  const r = await roundTrip({ pdb: PDB, forcefield: ['amber96.xml', 'amber96_obc.xml'] }, file);
  assert.equal(r.exported.gb?.model, 'obc2');
  assert.ok(maxRelDiff(r.b.energies, r.a.energies) < 1e-6);
  assert.ok(maxRelDiff(r.b.forces, r.a.forces) < 1e-6);
  const out = await prepareSystem({ prmtop: PRMTOP, coordinates: INPCRD, outPdb: join(dir, 'x.pdb') });
  const atoms = readFileSync(join(dir, 'x.pdb'), 'utf8')
    .split('\n')
    .filter((l) => /^(ATOM|HETATM)/.test(l));
  assert.equal(atoms.length, 22);
  for (let i = 0; i < 22; i++) {
    for (let k = 0; k < 3; k++) {
      const ang = Number(atoms[i]!.slice(30 + 8 * k, 38 + 8 * k));
      assert.ok(Math.abs(ang / 10 - out.positions![3 * i + k]!) < 1e-3);
    }
  }
});

test('systems with forces the format cannot hold are refused, naming the force', async (t) => {
  if (!needOpenMM(t)) return;
  const file = join(tempDir(), 'custom.xml');
  const py = openmmAvailability();
  assert.ok(py.ok);
  const r = spawnSync(py.python, [
    '-c',
    `
import openmm as mm
s = mm.System(); [s.addParticle(12.0) for _ in range(2)]
f = mm.CustomBondForce('k*r^4'); f.addGlobalParameter('k', 1.0); f.addBond(0, 1, []); s.addForce(f)
open(${JSON.stringify(file)}, 'w').write(mm.XmlSerializer.serialize(s))
`,
  ]);
  assert.equal(r.status, 0, String(r.stderr));
  await assert.rejects(prepareSystem({ system: file }), /cannot export CustomBondForce \(force 0 of the System\)/);
});
