import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNumber, summaryRows } from './summary-labels.js';
import { referenceSection } from './reference-table.js';

test('summaryRows: plain labels, units and a one-line meaning instead of internal keys', () => {
  const rows = summaryRows({
    khat: 0.27,
    nonFiniteEnergyFraction: 0.0125,
    densityIsExact: 1,
    meanEnergy: -103.456,
    'basinMassExact.top': 0.125,
    someNewKey: 2.5,
    'mol.khat': 0.9,
  });
  const line = (k: string) => {
    const r = rows.find((r) => r.key === k)!;
    return `${r.label} ${r.value}: ${r.meaning}`;
  };
  assert.equal(line('khat'), 'k̂ 0.27: importance weights trustworthy (≤ 0.7)');
  assert.equal(line('nonFiniteEnergyFraction').split(':')[0], 'Samples with infinite energy 1.25 %');
  assert.equal(line('densityIsExact').split(':')[0], 'Model density exact');
  assert.equal(line('meanEnergy').split(':')[0], 'Mean energy -103 kJ/mol');
  assert.equal(line('basinMassExact.top').split(':')[0], 'Basin “top” mass, exact 12.5 %');
  assert.equal(rows.find((r) => r.key === 'someNewKey')!.label, 'Some new key');
  assert.ok(!rows.some((r) => r.key.startsWith('mol.')), 'molecular keys go to the reference section');
  assert.match(summaryRows({ khat: 0.71 })[0]!.meaning, /unreliable \(> 0\.7\)/);
  for (const r of rows) assert.ok(!/[a-z][A-Z]/.test(r.label), `label "${r.label}" looks like a key`);
});

test('formatNumber: three significant digits, integers whole, infinities as symbols', () => {
  assert.equal(formatNumber(0.123456), '0.123');
  assert.equal(formatNumber(20000), '20000');
  assert.equal(formatNumber(1.5e-5), '1.50e-5');
  assert.equal(formatNumber(Infinity), '∞');
});

test('referenceSection: populations with factors, ΔF with intervals; empty without a reference', () => {
  assert.equal(referenceSection({ khat: 0.2 }), '');
  const html = referenceSection({
    'mol.reference.frames': 2000,
    'mol.population.alphaR.reference': 0.25,
    'mol.population.alphaR.raw': 0.5,
    'mol.population.alphaR.reweighted': 0.3,
    'mol.population.alphaR.factorRaw': 2,
    'mol.population.alphaR.factorReweighted': 1.2,
    'mol.deltaF.referenceKT': 3.1,
    'mol.deltaF.referenceLowerKT': 2.9,
    'mol.deltaF.referenceUpperKT': 3.4,
    'mol.deltaF.modelRawKT': 4,
    'mol.deltaF.errorRawKT': 0.9,
    'mol.deltaF.errorRawLowerKT': 0.5,
    'mol.deltaF.errorRawUpperKT': 1.3,
  });
  assert.match(
    html,
    /<th scope="row">αR: φ &lt; 0, −120° &lt; ψ &lt; 50°<\/th><td class="num">25 %<\/td><td class="num">50 %<\/td><td class="num">30 %<\/td><td class="num">2×<\/td><td class="num">1.2×<\/td>/,
  );
  assert.match(html, /<th scope="row">reference<\/th><td class="num">3.1<\/td><td class="num">\[2.9, 3.4\]<\/td>/);
  assert.match(
    html,
    /<th scope="row">model, raw<\/th><td class="num">4<\/td><td class="num">—<\/td><td class="num">0.9<\/td><td class="num">\[0.5, 1.3\]<\/td>/,
  );
  assert.ok(!html.includes('β (C7eq'), 'states without numbers are left out');
});
