import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenMMForceField } from './force-field.js';
import { plugins } from './index.js';
import { OpenMMUnavailableError } from './python.js';
import { join } from 'node:path';
import { INPCRD, PDB, PRMTOP, ROOT, jitter, maxRelDiff, needOpenMM, openmmDirect } from './fixtures.test.helper.js';

const PRMTOP_OBC2 = `system = app.AmberPrmtopFile(${JSON.stringify(PRMTOP)}).createSystem(nonbondedMethod=app.NoCutoff, constraints=None, implicitSolvent=app.OBC2)`;

test('prmtop + OBC2 through a pool of 2 matches in-process OpenMM; per-term energies sum to the total', async (t) => {
  if (!needOpenMM(t)) return;
  const ff = await createOpenMMForceField({ prmtop: PRMTOP, coordinates: INPCRD, solvent: 'obc2', processes: 2 });
  try {
    assert.equal(ff.dimension, 66);
    assert.equal(ff.pool.pids().length, 2);
    const names = ff.topology.atoms.map((a) => a.name);
    assert.deepEqual(
      [4, 6, 8, 14, 16].map((i) => names[i]),
      ['C', 'N', 'CA', 'C', 'N'],
    );
    assert.deepEqual([...new Set(ff.topology.atoms.map((a) => a.residueName))], ['ACE', 'ALA', 'NME']);
    assert.equal(ff.topology.bonds.length, 21);
    assert.ok(ff.topology.atoms.every((a) => a.mass > 0.9 && a.element.length > 0));
    const n = 37;
    const x = jitter(ff.initialPositions!, n, 0.01);
    const r = await ff.evaluate(x, n, { terms: true });
    const direct = openmmDirect(PRMTOP_OBC2, x, n);
    assert.ok(maxRelDiff(r.energies, direct.energies) < 1e-12, 'energies');
    assert.ok(maxRelDiff(r.forces, direct.forces) < 1e-12, 'forces');
    assert.deepEqual(Object.keys(r.terms!).sort(), [
      'GBSAOBCForce',
      'HarmonicAngleForce',
      'HarmonicBondForce',
      'NonbondedForce',
      'PeriodicTorsionForce',
    ]);
    for (let i = 0; i < n; i++) {
      const sum = Object.values(r.terms!).reduce((s, a) => s + a[i]!, 0);
      assert.ok(
        Math.abs(sum - r.energies[i]!) < 1e-9 * Math.max(1, Math.abs(r.energies[i]!)),
        `terms of configuration ${i}`,
      );
    }
    const eOnly = await ff.evaluate(x, n, { energiesOnly: true });
    assert.deepEqual(Array.from(eOnly.energies), Array.from(r.energies));
  } finally {
    await ff.dispose();
  }
});

test('forces are minus the finite-difference gradient of the energy', async (t) => {
  if (!needOpenMM(t)) return;
  const ff = await createOpenMMForceField({ prmtop: PRMTOP, coordinates: INPCRD, solvent: 'obc2' });
  try {
    const x0 = jitter(ff.initialPositions!, 1, 0.01, 5);
    const h = 1e-5;
    const probes = new Float64Array(2 * 66 * 66);
    for (let k = 0; k < 66; k++) {
      probes.set(x0, 2 * k * 66);
      probes.set(x0, (2 * k + 1) * 66);
      probes[2 * k * 66 + k]! += h;
      probes[(2 * k + 1) * 66 + k]! -= h;
    }
    const [r0, rp] = await Promise.all([ff.evaluate(x0, 1), ff.evaluate(probes, 2 * 66, { energiesOnly: true })]);
    let worst = 0;
    for (let k = 0; k < 66; k++) {
      const fd = -(rp.energies[2 * k]! - rp.energies[2 * k + 1]!) / (2 * h);
      worst = Math.max(worst, Math.abs(fd - r0.forces[k]!) / (1 + Math.abs(r0.forces[k]!)));
    }
    assert.ok(worst < 1e-4, `worst relative force error ${worst}`);
  } finally {
    await ff.dispose();
  }
});

test('bad input names the configuration; NaN energies become an error', async (t) => {
  if (!needOpenMM(t)) return;
  const ff = await createOpenMMForceField({ prmtop: PRMTOP, coordinates: INPCRD });
  try {
    const x = jitter(ff.initialPositions!, 3, 0.001);
    await assert.rejects(ff.evaluate(x, 4), /expected 4 configurations/);
    const bad = x.slice();
    bad[66 + 5] = NaN;
    await assert.rejects(ff.evaluate(bad, 3), /configuration 1 has a non-finite coordinate/);
    const overlap = x.slice();
    overlap.set(overlap.subarray(2 * 66, 2 * 66 + 3), 2 * 66 + 3); // atoms 0 and 1 of configuration 2 coincide
    await assert.rejects(ff.evaluate(overlap, 3), /NaN energy for configuration 2/);
    // The force field still works afterwards.
    assert.equal((await ff.evaluate(x, 3)).energies.length, 3);
  } finally {
    await ff.dispose();
  }
});

test('PDB + amber96.xml gives the ff96 energy of the prmtop (vacuum)', async (t) => {
  if (!needOpenMM(t)) return;
  const [a, b] = await Promise.all([
    createOpenMMForceField({ pdb: PDB, forcefield: ['amber96.xml'] }),
    createOpenMMForceField({ prmtop: PRMTOP, coordinates: PDB, solvent: 'vacuum' }),
  ]);
  try {
    const x = jitter(a.initialPositions!, 5, 0.005);
    const [ea, eb] = await Promise.all([a.evaluate(x, 5), b.evaluate(x, 5)]);
    assert.ok(maxRelDiff(ea.energies, eb.energies) < 1e-4, `${ea.energies} vs ${eb.energies}`);
  } finally {
    await Promise.all([a.dispose(), b.dispose()]);
  }
});

test('a Python without OpenMM gives an error that says how to install it', async () => {
  await assert.rejects(createOpenMMForceField({ prmtop: PRMTOP, python: '/nonexistent/python3' }), (e: Error) => {
    assert.ok(e instanceof OpenMMUnavailableError);
    assert.match(e.message, /OpenMM is not available/);
    assert.match(e.message, /apt-get install python3-simtk libopenmm-plugins/);
    assert.match(e.message, /conda/);
    return true;
  });
});

test('the openmm plugin descriptor builds the force field from config options', async (t) => {
  const p = plugins.find((d) => d.name === 'openmm')!;
  assert.equal(p.kind, 'forcefield');
  assert.equal((p.optionsSchema as any).properties.solvent.default, 'vacuum');
  assert.equal((p.optionsSchema as any).properties.platform.default, 'Reference');
  if (!needOpenMM(t)) return;
  const logs: string[] = [];
  const ff = (await p.create(
    {
      prmtop: 'alanine-dipeptide-implicit.prmtop',
      coordinates: 'alanine-dipeptide-implicit.inpcrd',
      solvent: 'obc2',
      platform: 'Reference',
      processes: 1,
      timeoutMs: 60000,
    },
    { configDir: PRMTOP.replace(/[^/]+$/, ''), seed: 1, log: (m: string) => logs.push(m) },
  )) as Awaited<ReturnType<typeof createOpenMMForceField>>;
  try {
    const r = await ff.evaluate(ff.initialPositions!, 1);
    const direct = openmmDirect(PRMTOP_OBC2, ff.initialPositions!, 1);
    assert.ok(maxRelDiff(r.energies, direct.energies) < 1e-12);
  } finally {
    await ff.dispose();
  }
});

test('a PDB as coordinates in another atom order than the prmtop is refused before OpenMM starts, naming the first mismatch', async (t) => {
  if (!needOpenMM(t)) return;
  // The project's ala2.pdb lists the ACE methyl carbon first, the shared prmtop its hydrogen HH31.
  const ala2 = join(ROOT, 'examples', 'alanine-dipeptide', 'ala2.pdb');
  await assert.rejects(
    createOpenMMForceField({ prmtop: PRMTOP, coordinates: ala2, python: '/nonexistent/python' }),
    /ala2\.pdb: atom 0 is C \(CH3, residue 1 ACE\) here but H \(HH31, residue 1 ACE\) in .*alanine-dipeptide-implicit\.prmtop \(elements differ\)/,
  );
});
