// The `amber` plugin through core's conformance testkit, paths against configDir, the worker
// pool (same numbers as in-thread, shuts down, never keeps the process alive).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPluginConformance } from '@embedcg/core/testkit';
import { plugins, amberPlugin } from './index.js';
import { createAmberForceField } from './force-field.js';
import { alaDir, alaInpcrd, alaPdb, alaPrmtop, perturbed } from './openmm-ref.test.util.js';

test('exports one forcefield plugin named amber', () => {
  assert.equal(plugins.length, 1);
  assert.equal(plugins[0]!.kind, 'forcefield');
  assert.equal(plugins[0]!.name, 'amber');
});

test('passes core conformance (FD forces, batch invariance, bad input, determinism) for vacuum and OBC2', async () => {
  for (const solvent of ['vacuum', 'obc2']) {
    const results = await runPluginConformance(amberPlugin, {
      options: {
        prmtop: 'alanine-dipeptide-implicit.prmtop',
        coordinates: 'alanine-dipeptide-implicit.inpcrd',
        solvent,
        workers: 1,
      },
      context: { configDir: alaDir },
    });
    assert.ok(results.length >= 4 && results.every((r) => r.passed), JSON.stringify(results));
  }
});

test('create resolves paths against configDir, fills topology and initial positions from PDB or inpcrd', async () => {
  const configDir = dirname(fileURLToPath(import.meta.url));
  const ff = await amberPlugin.create(
    {
      prmtop: relative(configDir, alaPrmtop),
      coordinates: relative(configDir, alaPdb),
      solvent: 'obc1',
      solventDielectric: 78.5,
      soluteDielectric: 1,
    },
    { configDir, seed: 0, log: () => {} },
  );
  assert.equal(ff.dimension, 66);
  assert.equal(ff.topology!.atoms.length, 22);
  assert.equal(ff.topology!.bonds.length, 21);
  assert.equal(ff.topology!.atoms[6]!.name, 'N');
  assert.equal(ff.topology!.atoms[6]!.residueName, 'ALA');
  const fromInpcrd = createAmberForceField({ prmtop: alaPrmtop, coordinates: alaInpcrd, workers: 1 });
  // PDB has 3 decimals in Å: the two starting structures agree to 5e-5 nm.
  for (let k = 0; k < 66; k++)
    assert.ok(Math.abs(ff.initialPositions![k]! - fromInpcrd.initialPositions![k]!) <= 5.1e-5);
  await ff.dispose?.();
  await fromInpcrd.dispose();
  assert.throws(() => createAmberForceField({ workers: 1 }), /give exactly one of "prmtop".*or "system"/);
  assert.throws(
    () => createAmberForceField({ prmtop: alaPrmtop, coordinates: alaPrmtop, workers: 1 }),
    /alanine-dipeptide-implicit\.prmtop: line 2: expected the number of atoms/,
  );
});

test('the worker pool gives the same numbers as in-thread evaluation and shuts down', async () => {
  const ff = createAmberForceField({ prmtop: alaPrmtop, coordinates: alaInpcrd, solvent: 'obc2', workers: 2 });
  const n = 300;
  const x = perturbed(ff.initialPositions!, n, 0.01, 4);
  for (let k = 0; k < 3; k++) x[5 * 66 + 3 * 9 + k] = x[5 * 66 + 3 * 12 + k]!; // configuration 5 overlaps
  const pooled = ff.evaluate(x, n, { terms: true });
  assert.ok(pooled instanceof Promise, 'a large batch goes to the pool');
  const a = await pooled;
  const b = ff.evaluateSync(x, n, { terms: true });
  assert.deepEqual(a.energies, b.energies);
  assert.deepEqual(a.forces, b.forces);
  assert.deepEqual(a.terms, b.terms);
  assert.deepEqual(a.overlaps, [5]);
  assert.ok(!(a.energies.buffer instanceof SharedArrayBuffer), 'callers get ordinary arrays');
  await assert.rejects(async () => {
    const y = x.slice();
    y[250 * 66] = NaN;
    await ff.evaluate(y, n);
  }, /configuration 250 has a non-finite coordinate/);
  await ff.dispose();
  await ff.dispose();
});

test('an undisposed pool does not keep the process alive, and an awaited batch finishes', () => {
  const entry = new URL('./index.js', import.meta.url).href;
  const script = `
    const { createAmberForceField } = await import(${JSON.stringify(entry)});
    const ff = createAmberForceField({ prmtop: ${JSON.stringify(alaPrmtop)}, coordinates: ${JSON.stringify(alaInpcrd)}, workers: 2 });
    const n = 200, x = new Float64Array(n * 66);
    for (let c = 0; c < n; c++) x.set(ff.initialPositions, c * 66);
    const r = await ff.evaluate(x, n);
    console.log('done', r.energies.length, r.energies[n - 1].toFixed(4));
  `;
  const t0 = Date.now();
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ['--input-type=module'], {
    input: script,
    env,
    encoding: 'utf8',
    timeout: 20000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /done 200 -137\.4395/);
  assert.ok(Date.now() - t0 < 15000, 'process exited promptly');
});
