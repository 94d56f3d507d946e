/**
 * The model against a reference trajectory, as `embedcg evaluate --reference` computes it (the
 * `mol.*` keys of core's molecularMetrics): state populations with the factor by which the model
 * is off, ΔF(φ>0 vs φ<0) with bootstrap intervals, and the distribution distances with their
 * noise floors.
 */
import { escapeHtml } from './escape.js';
import { interval, num, pct, table, val } from './metrics-table.js';
import { residueLabels, residueSections } from './residue-tables.js';
import { residueTitle } from './residue-ramachandran.js';
import type { RunMetrics } from './types.js';

const STATES: Array<[string, string]> = [
  ['beta', 'β (C7eq, C5, PII): φ < 0, ψ outside (−120°, 50°)'],
  ['alphaR', 'αR: φ < 0, −120° < ψ < 50°'],
  ['phiPositive', 'φ > 0 (C7ax, αL and the β tail past ±180°)'],
  ['c7axAlphaL', 'C7ax / αL proper: 0 < φ < 120°'],
];

function populationTable(m: RunMetrics): string {
  const rows = STATES.filter(([s]) => num(m, `mol.population.${s}.reference`) !== undefined).map(([s, label]) => [
    label,
    pct(num(m, `mol.population.${s}.reference`)),
    pct(num(m, `mol.population.${s}.raw`)),
    pct(num(m, `mol.population.${s}.reweighted`)),
    val(num(m, `mol.population.${s}.factorRaw`), '×'),
    val(num(m, `mol.population.${s}.factorReweighted`), '×'),
  ]);
  return table(
    'reference-populations',
    ['state', 'reference', 'model, raw', 'model, reweighted', 'off by, raw', 'off by, reweighted'],
    rows,
  );
}

function deltaFTable(m: RunMetrics): string {
  const rows = [
    [
      'reference',
      val(num(m, 'mol.deltaF.referenceKT')),
      interval(num(m, 'mol.deltaF.referenceLowerKT'), num(m, 'mol.deltaF.referenceUpperKT')),
      '—',
      '—',
    ],
  ];
  for (const [k, label] of [
    ['Raw', 'model, raw'],
    ['Reweighted', 'model, reweighted'],
    ['Psis', 'model, Pareto-smoothed weights'],
  ] as const) {
    if (num(m, `mol.deltaF.model${k}KT`) === undefined) continue;
    rows.push([
      label,
      val(num(m, `mol.deltaF.model${k}KT`)),
      '—',
      val(num(m, `mol.deltaF.error${k}KT`)),
      interval(num(m, `mol.deltaF.error${k}LowerKT`), num(m, `mol.deltaF.error${k}UpperKT`)),
    ]);
  }
  return table(
    'reference-delta-f',
    ['ΔF(φ>0 vs φ<0)', 'value (kT)', '95 % interval (kT)', 'model − reference (kT)', '95 % interval (kT)'],
    rows,
  );
}

function distanceTable(m: RunMetrics, first: string): string {
  const rows: string[][] = [];
  const add = (label: string, raw: string, rw: string, floor: string, unit: string) => {
    if (num(m, raw) === undefined) return;
    rows.push([label, val(num(m, raw)), val(num(m, rw)), val(num(m, floor)), unit]);
  };
  add(
    `Ramachandran KL(reference ‖ model)${first}`,
    'mol.ramachandran.klRaw',
    'mol.ramachandran.klReweighted',
    'mol.ramachandran.noiseFloor.kl',
    'nats',
  );
  add(
    `Ramachandran Jensen–Shannon${first}`,
    'mol.ramachandran.jsRaw',
    'mol.ramachandran.jsReweighted',
    'mol.ramachandran.noiseFloor.js',
    'nats',
  );
  add(
    'Energy distribution, Wasserstein-1',
    'mol.energy.w1RawKT',
    'mol.energy.w1ReweightedKT',
    'mol.energy.noiseFloorKT',
    'kT',
  );
  add('Radius of gyration, Wasserstein-1', 'mol.rg.w1RawNm', 'mol.rg.w1ReweightedNm', 'mol.rg.noiseFloorNm', 'nm');
  return table('reference-distances', ['distance to the reference', 'raw', 'reweighted', 'noise floor', 'unit'], rows);
}

/** The reference section's HTML, or '' when the metrics hold no reference comparison. */
export function referenceSection(m: RunMetrics): string {
  const frames = num(m, 'mol.reference.frames');
  if (frames === undefined) return '';
  const wrong = num(m, 'mol.chirality.wrongRate');
  const labels = residueLabels(m);
  // For several residues the dipeptide's tables are the first residue's; say which one.
  const first = labels.length >= 2 ? ` of ${residueTitle(labels[0]!)}` : '';
  return `
<h2 id="reference">Model against the reference</h2>
<p class="sub">${frames} reference frames; the same numbers as <code>embedcg evaluate --reference</code>. “Off by” is the factor max(model/reference, reference/model); intervals are 95 % bootstrap intervals (moving blocks for the reference). A distance below its noise floor (the reference’s two halves against each other) is not resolved.</p>
<h3>State populations${first}</h3>
${populationTable(m)}
<h3>Free-energy difference${first}</h3>
${deltaFTable(m)}
<h3>Distributions</h3>
${distanceTable(m, first)}
${residueSections(m)}
${wrong !== undefined ? `<p>Wrong-handed Cα (D-alanine) in the model samples: ${escapeHtml(pct(wrong))}.</p>` : ''}`;
}
