/**
 * The report's summary in words a chemist reads: each metric key of metrics.json becomes a plain
 * label, a value with its unit, and one line saying what the value means.
 */
import type { RunMetrics } from './types.js';

/** One row of the summary table. */
export interface SummaryRow {
  /** The metrics.json key, kept for the page's machine-readable data only. */
  key: string;
  label: string;
  /** The value with its unit. */
  value: string;
  meaning: string;
}

/** Significant digits for the page (integers as they are). */
export function formatNumber(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : v < 0 ? '−∞' : '—';
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

const percent = (v: number) => `${formatNumber(100 * v)} %`;

type Describe = (v: number | string) => { label: string; value: string; meaning: string };
const num = (label: string, unit: string, meaning: string | ((v: number) => string)): Describe => {
  return (v) => ({
    label,
    value: typeof v === 'number' ? `${formatNumber(v)}${unit ? ` ${unit}` : ''}` : String(v),
    meaning: typeof meaning === 'function' && typeof v === 'number' ? meaning(v) : String(meaning),
  });
};
const share = (label: string, meaning: string): Describe => {
  return (v) => ({ label, value: typeof v === 'number' ? percent(v) : String(v), meaning });
};

/** The keys the evaluation and training write (core's computeMetrics and the run folder). */
const KNOWN: Record<string, Describe> = {
  samples: num('Evaluation samples', '', 'configurations drawn from the model for the numbers and plots below'),
  latentSamples: num('Encoder draws per sample', '', "latent draws behind each sample's log-density estimate"),
  nonFiniteEnergyFraction: share(
    'Samples with infinite energy',
    'share of samples the force field could not evaluate (e.g. atom clashes); they get weight 0',
  ),
  logZ: num('log Z, estimated', '', 'log partition function from the importance weights (dimensionless)'),
  logZExact: num('log Z, exact', '', 'log partition function of the force field by quadrature'),
  logZError: num('log Z error', '', 'estimated − exact log Z; near 0 when the model covers the distribution'),
  ess: share('Effective sample size', 'share of samples that still count after reweighting (Kish); 100 % is perfect'),
  khat: num('k̂', '', (v) =>
    v <= 0.7
      ? 'importance weights trustworthy (≤ 0.7)'
      : 'importance weights unreliable (> 0.7): reweighted numbers cannot be trusted',
  ),
  loss: num('Loss', 'kT', 'E_q[log q + βU], the reverse-KL objective (KL − log Z)'),
  meanEnergy: num('Mean energy', 'kJ/mol', 'average potential energy of the model samples'),
  densityIsExact: (v) => ({
    label: 'Model density',
    value: v === 1 ? 'exact' : 'estimated',
    meaning:
      v === 1
        ? 'the model gives log q exactly (a flow): weights and KL are exact'
        : 'log q is a latent-variable estimate: KL is an upper bound',
  }),
  kl: num('Reverse KL(q ‖ p)', 'nats', 'distance of the model from the Boltzmann distribution; 0 is perfect'),
  minorMode: (v) => ({
    label: 'Minor basin',
    value: String(v),
    meaning: 'the least-populated basin of the exact distribution',
  }),
  minorModeMass: share('Minor basin mass, raw', 'share of model samples in the minor basin'),
  minorModeMassReweighted: share('Minor basin mass, reweighted', 'the same with importance weights'),
  minorModeMassExact: share('Minor basin mass, exact', 'the Boltzmann distribution’s share'),
  cvCorrelation: num(
    'CV quality',
    '',
    'largest |Spearman ρ| between a latent CV and the slow coordinate; 1 is perfect',
  ),
  energyEvaluations: num('Energy evaluations', '', 'force-field calls in training and evaluation together'),
  evaluationEnergyEvaluations: num('Energy evaluations for evaluation', '', 'force-field calls for the numbers above'),
  wallSeconds: num('Training wall time', 's', 'time spent training'),
};

/** Basin masses: basinMass.NAME, basinMassReweighted.NAME, basinMassExact.NAME. */
function basinRow(key: string, v: number | string): SummaryRow | undefined {
  const m = /^basinMass(Reweighted|Exact)?\.(.+)$/.exec(key);
  if (!m || typeof v !== 'number') return undefined;
  const kind = m[1] === 'Reweighted' ? 'reweighted' : m[1] === 'Exact' ? 'exact' : 'raw';
  const meaning =
    kind === 'exact'
      ? 'the Boltzmann distribution’s share of the basin'
      : kind === 'raw'
        ? 'share of model samples in the basin'
        : 'share with importance weights';
  return { key, label: `Basin “${m[2]}” mass, ${kind}`, value: percent(v), meaning };
}

/** "someKeyName" → "Some key name": a readable fallback for keys this table does not know. */
function words(key: string): string {
  const s = key
    .replace(/[._]/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * The summary rows of `metrics`, in its order. Molecular keys (`mol.*`) are left to the reference
 * section; unknown keys get a readable label from their name.
 */
export function summaryRows(metrics: RunMetrics): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const [key, v] of Object.entries(metrics)) {
    if (key.startsWith('mol.') || v === null) continue;
    const known = KNOWN[key];
    if (known) rows.push({ key, ...known(v) });
    else
      rows.push(
        basinRow(key, v) ?? { key, label: words(key), value: typeof v === 'number' ? formatNumber(v) : v, meaning: '' },
      );
  }
  return rows;
}
