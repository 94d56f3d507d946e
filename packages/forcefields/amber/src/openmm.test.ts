// The native evaluator against OpenMM's Reference platform on the shared alanine dipeptide:
// the inpcrd structure plus 120 Gaussian-perturbed configurations, for vacuum, OBC1 and OBC2,
// total energy, forces and every term against the OpenMM Force it corresponds to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readPrmtop } from './prmtop.js';
import { readInpcrd } from './inpcrd.js';
import { prmtopToSystem } from './prmtop-to-system.js';
import { loadSystemJson } from './system.js';
import { AmberEvaluator, type AmberEnergyBatch } from './evaluator.js';
import {
  alaInpcrd,
  alaPdb,
  alaPrmtop,
  openmmAvailable,
  openmmReference,
  perturbed,
  type ReferenceResult,
} from './openmm-ref.test.util.js';

const N_RANDOM = 120;

function batchFor(x0: Float64Array): Float64Array {
  // The structure itself, 60 configurations at 0.01 nm noise and 60 at 0.02 nm.
  const a = perturbed(x0, N_RANDOM / 2, 0.01, 7);
  const b = perturbed(x0, N_RANDOM / 2, 0.02, 11);
  const all = new Float64Array((N_RANDOM + 1) * x0.length);
  all.set(x0, 0);
  all.set(a, x0.length);
  all.set(b, x0.length * (1 + N_RANDOM / 2));
  return all;
}

function assertClose(
  ours: AmberEnergyBatch,
  ref: ReferenceResult,
  dim: number,
  label: string,
  termMap: Record<string, string[]>,
) {
  const n = ref.energies.length;
  let worstE = 0,
    worstF = 0;
  for (let c = 0; c < n; c++) {
    const e = ours.energies[c]!,
      r = ref.energies[c]!;
    const err = Math.abs(e - r);
    assert.ok(
      err <= Math.max(1e-4, 1e-6 * Math.abs(r)),
      `${label}: configuration ${c}: energy ${e} vs OpenMM ${r} (diff ${err})`,
    );
    worstE = Math.max(worstE, err);
    let se = 0,
      sr = 0;
    for (let k = 0; k < dim; k++) {
      const d = ours.forces[c * dim + k]! - ref.forces[c]![k]!;
      se += d * d;
      sr += ref.forces[c]![k]! ** 2;
    }
    const rel = Math.sqrt(se / sr);
    assert.ok(rel <= 1e-4, `${label}: configuration ${c}: force RMS error ${rel} relative`);
    worstF = Math.max(worstF, rel);
    for (const [group, ourTerms] of Object.entries(termMap)) {
      const mine = ourTerms.reduce((s, t) => s + ours.terms![t]![c]!, 0);
      const theirs = ref.groups[group]![c]!;
      assert.ok(
        Math.abs(mine - theirs) <= Math.max(1e-4, 1e-6 * Math.abs(theirs)),
        `${label}: configuration ${c}: ${ourTerms.join('+')} = ${mine} vs OpenMM ${group} ${theirs}`,
      );
    }
  }
  return { worstE, worstF };
}

const baseTerms = { bond: ['bond'], angle: ['angle'], torsion: ['torsion'], nonbonded: ['nonbonded'] };

for (const solvent of ['vacuum', 'obc1', 'obc2'] as const) {
  test(`alanine dipeptide ${solvent}: ${N_RANDOM + 1} configurations match OpenMM Reference (energy, forces, each Force)`, (t) => {
    const ok = openmmAvailable();
    if (ok !== true) {
      t.skip(`OpenMM not available: ${ok}`);
      return;
    }
    const x0 = readInpcrd(alaInpcrd).positions;
    const x = batchFor(x0);
    const ev = new AmberEvaluator(prmtopToSystem(readPrmtop(alaPrmtop), { solvent }), { workers: 1 });
    const ours = ev.evaluateSync(x, x.length / x0.length, { terms: true });
    const ref = openmmReference(['--prmtop', alaPrmtop, '--solvent', solvent], x)!;
    const terms = solvent === 'vacuum' ? baseTerms : { ...baseTerms, gb: ['gb', 'gbSurface'] };
    const { worstE, worstF } = assertClose(ours, ref, x0.length, solvent, terms);
    t.diagnostic(
      `${solvent}: worst |ΔE| ${worstE.toExponential(2)} kJ/mol, worst relative force RMS error ${worstF.toExponential(2)}`,
    );
    // The README's published energies of the inpcrd structure.
    const published = { vacuum: -88.0886, obc1: -138.9697, obc2: -137.4395 }[solvent];
    assert.ok(
      Math.abs(ours.energies[0]! - published) < 1e-4,
      `${solvent}: ${ours.energies[0]} vs published ${published}`,
    );
  });
}

for (const solvent of ['obc1', 'obc2'] as const) {
  test(`${solvent}: solute dielectric 2, solvent 40, and the polar term alone (no surface term) match OpenMM`, (t) => {
    const ok = openmmAvailable();
    if (ok !== true) {
      t.skip(`OpenMM not available: ${ok}`);
      return;
    }
    const x0 = readInpcrd(alaInpcrd).positions;
    const x = perturbed(x0, 20, 0.015, 3);
    const sys = prmtopToSystem(readPrmtop(alaPrmtop), { solvent, soluteDielectric: 2, solventDielectric: 40 });
    const ours = new AmberEvaluator(sys, { workers: 1 }).evaluateSync(x, 20, { terms: true });
    const ref = openmmReference(
      ['--prmtop', alaPrmtop, '--solvent', solvent, '--solute-dielectric', '2', '--solvent-dielectric', '40'],
      x,
    )!;
    assertClose(ours, ref, x0.length, `${solvent} ε=2/40`, { ...baseTerms, gb: ['gb', 'gbSurface'] });
    const noSurface = openmmReference(
      [
        '--prmtop',
        alaPrmtop,
        '--solvent',
        solvent,
        '--solute-dielectric',
        '2',
        '--solvent-dielectric',
        '40',
        '--no-surface',
      ],
      x,
    )!;
    for (let c = 0; c < 20; c++) {
      const polar = ours.terms!.gb![c]!;
      const r = noSurface.groups.gb![c]!;
      assert.ok(
        Math.abs(polar - r) <= Math.max(1e-4, 1e-6 * Math.abs(r)),
        `configuration ${c}: polar GB ${polar} vs OpenMM without ACE ${r}`,
      );
    }
  });
}

test('engulfed atoms (an H pushed inside a heavy atom sphere) match OpenMM for OBC1 and OBC2', (t) => {
  const ok = openmmAvailable();
  if (ok !== true) {
    t.skip(`OpenMM not available: ${ok}`);
    return;
  }
  const x0 = readInpcrd(alaInpcrd).positions;
  // Move hydrogen 0 almost onto its carbon (atom 1) so that it lies inside C's scaled GB sphere.
  const fracs = [0.8, 0.96, 0.98, 0.99];
  const x = new Float64Array(fracs.length * x0.length);
  const gbp = prmtopToSystem(readPrmtop(alaPrmtop)).gb!.particles;
  let engulfed = 0;
  fracs.forEach((frac, c) => {
    x.set(x0, c * x0.length);
    for (let k = 0; k < 3; k++) x[c * x0.length + k] = x0[k]! + frac * (x0[3 + k]! - x0[k]!);
    const r = Math.hypot(...[0, 1, 2].map((k) => x[c * x0.length + k]! - x0[3 + k]!));
    if ((gbp[1]![1] - 0.009) * gbp[1]![2] - r > gbp[0]![1] - 0.009) engulfed++;
  });
  assert.ok(engulfed >= 2, `only ${engulfed} configurations are engulfed`);
  for (const solvent of ['obc1', 'obc2'] as const) {
    const ours = new AmberEvaluator(prmtopToSystem(readPrmtop(alaPrmtop), { solvent }), { workers: 1 }).evaluateSync(
      x,
      fracs.length,
      { terms: true },
    );
    const ref = openmmReference(['--prmtop', alaPrmtop, '--solvent', solvent], x)!;
    assertClose(ours, ref, x0.length, `${solvent} engulfed`, { ...baseTerms, gb: ['gb', 'gbSurface'] });
  }
});

test('system.json exported by OpenMM (amber96.xml + amber96_obc.xml on the PDB) evaluates like OpenMM', (t) => {
  const ok = openmmAvailable();
  if (ok !== true) {
    t.skip(`OpenMM not available: ${ok}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-sysjson-'));
  try {
    const path = join(dir, 'system.json');
    openmmReference(['--pdb', alaPdb, '--forcefield', 'amber96.xml', 'amber96_obc.xml'], undefined, path);
    const sys = loadSystemJson(path);
    assert.equal(sys.atoms.length, 22);
    assert.equal(sys.gb?.model, 'obc2');
    const x0 = readInpcrd(alaInpcrd).positions;
    const x = perturbed(x0, 30, 0.015, 5);
    const ours = new AmberEvaluator(sys, { workers: 1 }).evaluateSync(x, 30, { terms: true });
    const ref = openmmReference(['--system-json', path], x)!;
    const direct = openmmReference(['--pdb', alaPdb, '--forcefield', 'amber96.xml', 'amber96_obc.xml'], x)!;
    assertClose(ours, ref, x0.length, 'system.json', { ...baseTerms, gb: ['gb', 'gbSurface'] });
    for (let c = 0; c < 30; c++)
      assert.ok(
        Math.abs(direct.energies[c]! - ours.energies[c]!) < 1e-4,
        `configuration ${c}: vs OpenMM ForceField system`,
      );
    // Vacuum from the same file drops GB.
    const vac = new AmberEvaluator(sys, { workers: 1, solvent: 'vacuum' }).evaluateSync(x.subarray(0, x0.length), 1, {
      terms: true,
    });
    assert.equal(vac.terms!.gb, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
