import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMdSeries, isMdSeries, parseMdSeries } from './md-series.js';

const DEG = Math.PI / 180;

test('an MD series round-trips to the written precision (0.1°, 0.01 kJ/mol)', () => {
  const n = 50;
  const phi = Float64Array.from({ length: n }, (_, i) => (-179.96 + 7.3 * i) * DEG);
  const psi = Float64Array.from({ length: n }, (_, i) => (150 - 5.55 * i) * DEG);
  const series = {
    timePs: Float64Array.from({ length: n }, (_, i) => i + 1),
    energies: Float64Array.from({ length: n }, (_, i) => -40 + 0.123456 * i),
    residues: [
      { label: 'ALA2', phi, psi },
      { label: 'ALA3', phi: psi, psi: phi },
    ],
    comments: ['made by a test'],
  };
  const text = formatMdSeries(series);
  assert.ok(isMdSeries(text));
  assert.equal(text.split('\n')[2], 'time_ps,potential_kJmol,phi_ALA2,psi_ALA2,phi_ALA3,psi_ALA3');
  const back = parseMdSeries(text);
  assert.deepEqual(back.comments, ['made by a test']);
  assert.deepEqual(
    back.residues.map((r) => r.label),
    ['ALA2', 'ALA3'],
  );
  for (let i = 0; i < n; i++) {
    assert.equal(back.timePs[i], i + 1);
    assert.ok(Math.abs(back.energies[i]! - series.energies[i]!) <= 0.005 + 1e-12);
    assert.ok(Math.abs(back.residues[0]!.phi[i]! - phi[i]!) <= 0.05 * DEG + 1e-12);
    assert.ok(Math.abs(back.residues[1]!.phi[i]! - psi[i]!) <= 0.05 * DEG + 1e-12);
  }
});

test('a malformed MD series is refused naming the file and the problem', () => {
  assert.throws(() => parseMdSeries('time_ps,potential_kJmol\n1,2\n', 'a.csv'), /a\.csv: not an embedcg MD series/);
  const head = '# embedcg-md-series 1\n';
  assert.throws(() => parseMdSeries(`${head}t,E\n`, 'b.csv'), /b\.csv: header must be time_ps,potential_kJmol/);
  assert.throws(
    () => parseMdSeries(`${head}time_ps,potential_kJmol,phi_A,psi_B\n`, 'c.csv'),
    /c\.csv: columns 3-4 must be phi_R,psi_R; got phi_A,psi_B/,
  );
  assert.throws(
    () => parseMdSeries(`${head}time_ps,potential_kJmol,phi_A,psi_A\n1,2,3\n`, 'd.csv'),
    /d\.csv: line 3 has 3 fields/,
  );
});
