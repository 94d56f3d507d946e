// Forces against central finite differences of the energy (every term, vacuum/OBC1/OBC2), and
// the evaluator's handling of bad input: non-finite coordinates, wrong lengths, overlapping atoms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readPrmtop } from './prmtop.js';
import { readInpcrd } from './inpcrd.js';
import { prmtopToSystem } from './prmtop-to-system.js';
import { AmberEvaluator } from './evaluator.js';
import { alaInpcrd, alaPrmtop, perturbed } from './openmm-ref.test.util.js';

const prmtop = readPrmtop(alaPrmtop);
const x0 = readInpcrd(alaInpcrd).positions;

for (const solvent of ['vacuum', 'obc1', 'obc2'] as const) {
  test(`${solvent}: forces equal −∇E by central finite differences and terms sum to the energy`, () => {
    const ev = new AmberEvaluator(prmtopToSystem(prmtop, { solvent }), { workers: 1 });
    const configs = perturbed(x0, 4, 0.02, 99);
    const dim = x0.length;
    const h = 1e-6;
    for (let c = 0; c < 4; c++) {
      const x = configs.slice(c * dim, (c + 1) * dim);
      const base = ev.evaluateSync(x, 1, { terms: true });
      // Per-term forces: evaluate each term's FD gradient and compare with the analytic total,
      // and check that terms sum to the energy.
      const sumTerms = Object.values(base.terms!).reduce((s, t) => s + t[0]!, 0);
      assert.ok(
        Math.abs(sumTerms - base.energies[0]!) < 1e-9 * Math.max(1, Math.abs(sumTerms)),
        `terms sum ${sumTerms} vs energy ${base.energies[0]}`,
      );
      const plus = new Float64Array(dim * dim),
        minus = new Float64Array(dim * dim);
      for (let k = 0; k < dim; k++) {
        plus.set(x, k * dim);
        minus.set(x, k * dim);
        plus[k * dim + k]! += h;
        minus[k * dim + k]! -= h;
      }
      const ep = ev.evaluateSync(plus, dim, { energiesOnly: true }).energies;
      const em = ev.evaluateSync(minus, dim, { energiesOnly: true }).energies;
      let se = 0,
        sf = 0;
      for (let k = 0; k < dim; k++) {
        const fd = -(ep[k]! - em[k]!) / (2 * h);
        const d = fd - base.forces[k]!;
        se += d * d;
        sf += fd * fd;
        assert.ok(
          Math.abs(d) < 1e-4 * Math.max(1, Math.abs(fd)),
          `${solvent} configuration ${c} coordinate ${k}: analytic ${base.forces[k]} vs FD ${fd}`,
        );
      }
      assert.ok(
        Math.sqrt(se / sf) < 1e-6,
        `${solvent} configuration ${c}: relative RMS FD error ${Math.sqrt(se / sf)}`,
      );
    }
  });
}

test('a linear angle (180°) keeps energy and forces finite', () => {
  const ev = new AmberEvaluator(prmtopToSystem(prmtop, { solvent: 'vacuum' }), { workers: 1 });
  const x = x0.slice();
  // Make the angle 0-1-2 (H-C-H) exactly linear: put atom 0 opposite atom 2 about atom 1.
  for (let k = 0; k < 3; k++) x[k] = 2 * x[3 + k]! - x[6 + k]!;
  const r = ev.evaluateSync(x, 1);
  assert.ok(Number.isFinite(r.energies[0]!));
  assert.ok(r.forces.every((v) => Number.isFinite(v)));
  assert.deepEqual(r.overlaps, []);
});

test('bad input: non-finite coordinates name the configuration, wrong lengths are refused', () => {
  const ev = new AmberEvaluator(prmtopToSystem(prmtop, { solvent: 'obc2' }), { workers: 1, name: 'ala' });
  const x = perturbed(x0, 3, 0.01, 1);
  x[2 * x0.length + 5] = Number.NaN;
  assert.throws(() => ev.evaluateSync(x, 3), /ala: configuration 2 has a non-finite coordinate \(NaN\) at index 5/);
  x[2 * x0.length + 5] = Infinity;
  assert.throws(() => ev.evaluateSync(x, 3), /configuration 2 has a non-finite coordinate \(Infinity\)/);
  assert.throws(
    () => ev.evaluateSync(new Float64Array(65), 1),
    /expected 1 configurations × 66 coordinates = 66 numbers, got 65/,
  );
  assert.throws(() => ev.evaluateSync(x0, 2), /expected 2 configurations/);
});

for (const solvent of ['vacuum', 'obc2'] as const) {
  test(`${solvent}: atoms on top of each other give +Infinity, flagged, never NaN`, () => {
    const ev = new AmberEvaluator(prmtopToSystem(prmtop, { solvent }), { workers: 1 });
    const dim = x0.length;
    const x = perturbed(x0, 4, 0.01, 2);
    // configuration 1: two non-bonded atoms coincide; configuration 3: two bonded atoms coincide.
    for (let k = 0; k < 3; k++) x[dim + 3 * 21 + k] = x[dim + 3 * 4 + k]!;
    for (let k = 0; k < 3; k++) x[3 * dim + 3 * 0 + k] = x[3 * dim + 3 * 1 + k]!;
    const r = ev.evaluateSync(x, 4, { terms: true });
    assert.deepEqual(r.overlaps, [1, 3]);
    assert.equal(r.energies[1], Infinity);
    assert.equal(r.energies[3], Infinity);
    assert.ok(Number.isFinite(r.energies[0]!) && Number.isFinite(r.energies[2]!));
    assert.ok(
      r.forces.every((v) => Number.isFinite(v)),
      'forces stay finite',
    );
    assert.ok(
      r.forces.subarray(dim, 2 * dim).every((v) => v === 0),
      'overlapping configuration has zero forces',
    );
    for (const t of Object.values(r.terms!))
      assert.ok(
        t.every((v) => !Number.isNaN(v)),
        'no NaN terms',
      );
  });
}
