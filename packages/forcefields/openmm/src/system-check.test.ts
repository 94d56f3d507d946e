// The native checks before OpenMM reads a system: a prmtop as the native engine checks it (CMAP
// still allowed), a PDB against the system (a System XML by its masses), and OpenMM's own refusals
// named by file.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOpenMMForceField } from './force-field.js';
import { runMD } from './md.js';
import { prepareSystem } from './prepare.js';
import { openmmAvailability } from './python.js';
import { INPCRD, PDB, PRMTOP, ROOT, needOpenMM, tempDir } from './fixtures.test.helper.js';

const ALA2 = join(ROOT, 'examples', 'alanine-dipeptide', 'ala2.pdb');
const NO_PYTHON = '/nonexistent/python';

function needShared(t: TestContext): boolean {
  if (existsSync(PRMTOP)) return true;
  t.skip(`shared data missing (${PRMTOP})`);
  return false;
}

/** The shared prmtop with its first bond pointer 3 changed to 4 (OpenMM reads it as atom 1). */
function badBondPrmtop(): string {
  const text = readFileSync(PRMTOP, 'utf8');
  const at = text.indexOf('\n', text.indexOf('%FORMAT', text.indexOf('%FLAG BONDS_INC_HYDROGEN'))) + 1;
  const file = join(tempDir(), 'bad-bond.prmtop');
  writeFileSync(file, text.slice(0, at) + '       4' + text.slice(at + 8));
  return file;
}

let serialized: string | undefined;

/** The shared prmtop's System serialized by OpenMM (once per process), with `edit` applied to the XML text. */
function systemXml(name: string, edit: (xml: string) => string = (x) => x): string {
  if (serialized === undefined) {
    const py = openmmAvailability();
    assert.ok(py.ok);
    const script = `import openmm.app as app, openmm as mm, sys
s = app.AmberPrmtopFile(sys.argv[1]).createSystem(nonbondedMethod=app.NoCutoff)
sys.stdout.write(mm.XmlSerializer.serialize(s))`;
    const r = spawnSync(py.python, ['-c', script, PRMTOP], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    serialized = r.stdout;
  }
  const file = join(tempDir(), name);
  writeFileSync(file, edit(serialized));
  return file;
}

test('a prmtop with a corrupt bond pointer is refused naming the file, before OpenMM starts (force field, md, prepare)', async (t) => {
  if (!needShared(t)) return;
  const bad = badBondPrmtop();
  const message = /bad-bond\.prmtop: section BONDS_INC_HYDROGEN: entry 1 has atom pointer 4, not a multiple of 3/;
  await assert.rejects(createOpenMMForceField({ prmtop: bad, python: NO_PYTHON }), message);
  await assert.rejects(prepareSystem({ prmtop: bad, python: NO_PYTHON }), message);
  const out = join(tempDir(), 't.dcd');
  await assert.rejects(
    runMD({ prmtop: bad, coordinates: INPCRD, out, steps: 1, interval: 1, temperature: 300 }),
    message,
  );
});

test('a CMAP prmtop runs on the OpenMM engine: a constant map adds exactly its value to the energy', async (t) => {
  if (!needOpenMM(t)) return;
  // One 4×4 map of 0.5 kcal/mol over ala2's φ/ψ atoms (C N CA C N, 1-based 5 7 9 15 17).
  const cmap = join(tempDir(), 'cmap.prmtop');
  const grid = Array.from({ length: 16 }, (_, k) => '  0.50000' + ((k + 1) % 8 === 0 ? '\n' : '')).join('');
  const sections =
    '%FLAG CMAP_COUNT\n%FORMAT(2I8)\n       1       1\n%FLAG CMAP_RESOLUTION\n%FORMAT(20I4)\n   4\n' +
    `%FLAG CMAP_PARAMETER_01\n%FORMAT(8(F9.5))\n${grid}` +
    '%FLAG CMAP_INDEX\n%FORMAT(6I8)\n       5       7       9      15      17       1\n';
  writeFileSync(cmap, readFileSync(PRMTOP, 'utf8') + sections);
  const ff = await createOpenMMForceField({ prmtop: cmap, coordinates: INPCRD });
  try {
    const r = await ff.evaluate(ff.initialPositions!, 1, { terms: true });
    assert.ok(Math.abs(r.terms!.CMAPTorsionForce![0]! - 0.5 * 4.184) < 1e-9, String(r.terms!.CMAPTorsionForce));
    // The other terms are the shared prmtop's (vacuum: −88.0886 kJ/mol at the inpcrd, as OpenMM gives it).
    const rest = Object.entries(r.terms!).reduce((s, [k, v]) => (k === 'CMAPTorsionForce' ? s : s + v[0]!), 0);
    assert.ok(Math.abs(rest - -88.0886) < 1e-3, String(rest));
    assert.ok(Math.abs(r.energies[0]! - rest - 0.5 * 4.184) < 1e-9);
  } finally {
    await ff.dispose();
  }
});

test("OpenMM's own refusal of a file is an InputError naming the force field, the file and Python's message", async (t) => {
  if (!needOpenMM(t)) return;
  const broken = systemXml('broken.xml', (x) =>
    x.replace('<Forces>', '<Forces><Force type="NoSuchForce" version="1"/>'),
  );
  await assert.rejects(
    createOpenMMForceField({ system: broken }),
    (e: Error) =>
      e.name === 'InputError' &&
      /^openmm\(broken\.xml\): OpenMM cannot build the system from .*broken\.xml: OpenMMException: There is no serialization proxy registered for type 'NoSuchForce'/.test(
        e.message,
      ),
  );
});

test('a PDB paired with a System XML is checked by the masses: the right order runs, another is refused', async (t) => {
  if (!needOpenMM(t)) return;
  const xml = systemXml('ala2.xml');
  // The shared PDB is in the prmtop's order: accepted (the placeholder residues of a mass-only
  // topology are not compared), and the topology says it knows elements only.
  const ff = await createOpenMMForceField({ system: xml, coordinates: PDB });
  try {
    assert.equal(ff.topology.elementsOnly, true);
    assert.equal(ff.topology.atoms[1]!.element, 'C');
  } finally {
    await ff.dispose();
  }
  const order =
    /ala2\.pdb: atom 0 is C \(CH3, residue 1 ACE\) here but H \(a particle of mass 1\.008\) in .*ala2\.xml \(elements differ\)/;
  await assert.rejects(createOpenMMForceField({ system: xml, coordinates: ALA2, python: NO_PYTHON }), order);
  // A PDB as the System's topology is checked the same way.
  await assert.rejects(createOpenMMForceField({ system: xml, pdb: ALA2, python: NO_PYTHON }), order);
  await assert.rejects(prepareSystem({ system: xml, pdb: ALA2, python: NO_PYTHON }), order);
});
