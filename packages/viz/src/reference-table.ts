/**
 * The model against a reference trajectory, as `embedcg evaluate --reference` computes it (the
 * `mol.*` keys of core's molecularMetrics): state populations with the factor by which the model
 * is off, ΔF(φ>0 vs φ<0) with bootstrap intervals, and the distribution distances with their
 * noise floors.
 */
import { escapeHtml } from './escape.js';
import { formatNumber } from './summary-labels.js';
import type { RunMetrics } from './types.js';

const STATES: Array<[string, string]> = [
  ['beta', 'β (C7eq, C5, PII): φ < 0, ψ outside (−120°, 50°)'],
  ['alphaR', 'αR: φ < 0, −120° < ψ < 50°'],
  ['phiPositive', 'φ > 0 (C7ax, αL and the β tail past ±180°)'],
  ['c7axAlphaL', 'C7ax / αL proper: 0 < φ < 120°'],
];

const pct = (v: number | undefined) => (v === undefined ? '—' : `${formatNumber(100 * v)} %`);
const val = (v: number | undefined, unit = '') => (v === undefined ? '—' : `${formatNumber(v)}${unit}`);
const interval = (lo: number | undefined, hi: number | undefined, unit = '') =>
  lo === undefined || hi === undefined ? '—' : `[${formatNumber(lo)}, ${formatNumber(hi)}]${unit}`;

function num(m: RunMetrics, key: string): number | undefined {
  const v = m[key];
  return typeof v === 'number' ? v : undefined;
}

function table(id: string, head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map(
    (r) =>
      `<tr>${r.map((c, k) => (k === 0 ? `<th scope="row">${escapeHtml(c)}</th>` : `<td class="num">${escapeHtml(c)}</td>`)).join('')}</tr>`,
  );
  return `<table class="metrics" id="${id}"><thead><tr>${th}</tr></thead><tbody>\n${tr.join('\n')}\n</tbody></table>`;
}

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

function distanceTable(m: RunMetrics): string {
  const rows: string[][] = [];
  const add = (label: string, raw: string, rw: string, floor: string, unit: string) => {
    if (num(m, raw) === undefined) return;
    rows.push([label, val(num(m, raw)), val(num(m, rw)), val(num(m, floor)), unit]);
  };
  add(
    'Ramachandran KL(reference ‖ model)',
    'mol.ramachandran.klRaw',
    'mol.ramachandran.klReweighted',
    'mol.ramachandran.noiseFloor.kl',
    'nats',
  );
  add(
    'Ramachandran Jensen–Shannon',
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
  return `
<h2 id="reference">Model against the reference</h2>
<p class="sub">${frames} reference frames; the same numbers as <code>embedcg evaluate --reference</code>. “Off by” is the factor max(model/reference, reference/model); intervals are 95 % bootstrap intervals (moving blocks for the reference). A distance below its noise floor (the reference’s two halves against each other) is not resolved.</p>
<h3>State populations</h3>
${populationTable(m)}
<h3>Free-energy difference</h3>
${deltaFTable(m)}
<h3>Distributions</h3>
${distanceTable(m)}
${wrong !== undefined ? `<p>Wrong-handed Cα (D-alanine) in the model samples: ${escapeHtml(pct(wrong))}.</p>` : ''}`;
}
