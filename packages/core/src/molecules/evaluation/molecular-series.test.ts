import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readPdb } from '../io/pdb.js';
import { loadSystemJson } from '../system/system-json.js';
import { molecularMetrics, residueAngles } from './molecular.js';

const EX = (f: string) => fileURLToPath(new URL(`../../../../../examples/alanine-tetrapeptide/${f}`, import.meta.url));

function tetrapeptide() {
  const s = loadSystemJson(EX('system-obc2.json'));
  const x0 = readPdb(EX('ala4.pdb')).positions.subarray(0, 3 * s.atoms.length);
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const gauss = () => Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
  const conf = (n: number) =>
    Float64Array.from({ length: n * x0.length }, (_, i) => x0[i % x0.length]! + 0.05 * gauss());
  return { top: { atoms: s.atoms, bonds: s.bonds }, conf, gauss };
}

test('tetrapeptide: every residue evaluated; a reference of angles (an MD series) gives the numbers of its coordinates', () => {
  const { top, conf, gauss } = tetrapeptide();
  const ns = 1500,
    nr = 2000;
  const samples = {
    x: conf(ns),
    n: ns,
    energies: Float64Array.from({ length: ns }, gauss),
    logw: Float64Array.from({ length: ns }, gauss),
  };
  const ref = { x: conf(nr), n: nr, energies: Float64Array.from({ length: nr }, gauss), runLengths: [1000, 1000] };
  const byX = molecularMetrics({ topology: top, beta: 0.4, samples, reference: ref, seed: 2 });
  const angles = residueAngles(top, ref);
  assert.deepEqual(
    angles.map((a) => a.label),
    ['ALA2', 'ALA3', 'ALA4'],
  );
  const series = { n: nr, energies: ref.energies, runLengths: ref.runLengths, angles };
  const byAngles = molecularMetrics({ topology: top, beta: 0.4, samples, reference: series, seed: 2 });
  // Only what needs reference coordinates is missing: the radius of gyration and the handedness of frame 1.
  const needsX = (k: string) => k.startsWith('mol.rg.') || k === 'mol.chirality.wrongRate';
  assert.deepEqual(
    Object.keys(byX).filter((k) => !needsX(k)),
    Object.keys(byAngles),
  );
  for (const k of Object.keys(byAngles)) assert.equal(byAngles[k], byX[k], k);
  for (const r of ['ALA2', 'ALA3', 'ALA4'])
    for (const k of ['js32.reweighted', 'js64.raw', 'population.c7axAlphaL.reference', 'deltaF.referenceKT'])
      assert.ok(Number.isFinite(byX[`mol.residue.${r}.${k}`]), `${r} ${k}`);
  // The dipeptide-named numbers are the first residue's.
  assert.equal(byX['mol.ramachandran.jsRaw'], byX['mol.residue.ALA2.js64.raw']);
  assert.equal(byX['mol.population.alphaR.reference'], byX['mol.residue.ALA2.population.alphaR.reference']);
  let mass = 0;
  for (const [k, v] of Object.entries(byX)) if (/^mol\.joint\.[bap]{3}\.reference$/.test(k)) mass += v;
  assert.ok(mass > 0.99 && mass <= 1 + 1e-12, `listed joint states hold ${mass} of the mass`);
  assert.throws(
    () =>
      molecularMetrics({
        topology: top,
        beta: 0.4,
        samples,
        reference: { ...series, angles: angles.slice(1) },
        seed: 2,
      }),
    /the reference gives φ\/ψ of 2 residue\(s\), the topology has 3/,
  );
});
