/**
 * The reference section's tables for a peptide of several residues, from `evaluate --reference`'s
 * metrics: every residue's Ramachandran JS(32²) and basin populations (`mol.residue.<label>.*`),
 * and the joint backbone states (`mol.joint.<letters>.*`, one letter per residue: b = β, a = αR,
 * p = φ > 0), listed as evaluate lists them, down to 1e-3 of the mass.
 */
import { formatNumber } from './summary-labels.js';
import { num, pct, table, val } from './metrics-table.js';
import { residueTitle } from './residue-ramachandran.js';
import type { RunMetrics } from './types.js';

const LETTER_NAMES: Record<string, string> = { b: 'β', a: 'αR', p: 'φ>0' };

/** The residue labels ("ALA2") that have per-residue metrics, in the metrics' (chain) order. */
export function residueLabels(m: RunMetrics): string[] {
  const out: string[] = [];
  for (const k of Object.keys(m)) {
    const hit = /^mol\.residue\.([^.]+)\.js32\.raw$/.exec(k);
    if (hit) out.push(hit[1]!);
  }
  return out;
}

/** "raw / reweighted / reference" of one population, in per cent ('—' for a missing one). */
function populationCell(m: RunMetrics, key: string): string {
  const share = (v: number | undefined) => (v === undefined ? '—' : formatNumber(100 * v));
  return `${['raw', 'reweighted', 'reference'].map((v) => share(num(m, `${key}.${v}`))).join(' / ')} %`;
}

function residueTable(m: RunMetrics, labels: string[]): string {
  const rows = labels.map((l) => {
    const k = `mol.residue.${l}`;
    const floors = [num(m, `${k}.js32.noiseFloor`), num(m, `${k}.js32.runVsRuns`)].filter((v) => v !== undefined);
    return [
      residueTitle(l),
      val(num(m, `${k}.js32.raw`)),
      val(num(m, `${k}.js32.reweighted`)),
      floors.length ? floors.map((v) => formatNumber(v)).join(' / ') : '—',
      populationCell(m, `${k}.population.beta`),
      populationCell(m, `${k}.population.alphaR`),
      populationCell(m, `${k}.population.c7axAlphaL`),
    ];
  });
  return table(
    'reference-residues',
    [
      'residue',
      'JS(32²) raw (nats)',
      'JS(32²) reweighted (nats)',
      'JS noise floor: halves / run 1 vs rest',
      'β: model raw / reweighted / reference',
      'αR: model raw / reweighted / reference',
      'C7ax/αL: model raw / reweighted / reference',
    ],
    rows,
  );
}

/** The joint states evaluate listed, most populated in the reference first. */
function jointTable(m: RunMetrics): string {
  const states: string[] = [];
  for (const k of Object.keys(m)) {
    const hit = /^mol\.joint\.([bap]+)\.reference$/.exec(k);
    if (hit) states.push(hit[1]!);
  }
  states.sort((x, y) => num(m, `mol.joint.${y}.reference`)! - num(m, `mol.joint.${x}.reference`)!);
  const rows = states.map((s) => {
    const k = `mol.joint.${s}`;
    const ref = num(m, `${k}.reference`)!;
    const rw = num(m, `${k}.reweighted`);
    const factor = rw === undefined ? undefined : rw > 0 && ref > 0 ? Math.max(rw / ref, ref / rw) : Infinity;
    return [
      `${s} (${[...s].map((c) => LETTER_NAMES[c]).join(' ')})`,
      pct(ref),
      pct(rw),
      pct(num(m, `${k}.raw`)),
      rw === 0 && ref === 0 ? '—' : val(factor, '×'),
    ];
  });
  return table(
    'reference-joint-states',
    ['joint state', 'reference', 'model, reweighted', 'model, raw', 'off by, reweighted'],
    rows,
  );
}

/** The per-residue and joint-state parts of the reference section; '' for a single residue. */
export function residueSections(m: RunMetrics): string {
  const labels = residueLabels(m);
  if (labels.length < 2) return '';
  const tvRaw = num(m, 'mol.joint.tvRaw');
  const tvRw = num(m, 'mol.joint.tvReweighted');
  const tv =
    tvRaw === undefined
      ? ''
      : ` Total variation distance over all ${3 ** labels.length} states: ${formatNumber(tvRaw)} raw${tvRw !== undefined ? `, ${formatNumber(tvRw)} reweighted` : ''}.`;
  return `
<h3>Per residue</h3>
<p class="sub">Each residue’s Ramachandran Jensen–Shannon divergence on 32² bins and its basin populations; the noise floor is the reference against itself (its two halves, and its first run against the others when there are several).</p>
${residueTable(m, labels)}
<h3>Joint backbone states</h3>
<p class="sub">One letter per residue in chain order (b = β, a = αR, p = φ > 0); the states holding at least 0.1 % of the mass in the reference or the model.${tv}</p>
${jointTable(m)}`;
}
