import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from '../render.js';
import { checkWeights, histogram1d, quantile } from '../binning.js';
import { histogramLayers } from './histogram-layers.js';
import type { NumArray } from '../types.js';

/** Options of {@link energyHistogram}. */
export interface EnergyHistogramOptions {
  /** Reduced energies βU of model samples, kT. */
  model: NumArray;
  /** Importance weights of the model samples; adds a reweighted histogram. */
  weights?: NumArray;
  /** Reduced energies βU of reference samples, kT. */
  reference?: NumArray;
  /** Number of bins. Default 60. */
  bins?: number;
  title?: string;
}

/**
 * Upper end of the plotted range: the largest finite value, but no further than 6 interquartile
 * ranges above the median, so a handful of blown-up samples (1e6 kT) cannot squash the plot.
 */
function robustHigh(values: NumArray): number {
  const q50 = quantile(values, 0.5);
  const iqr = quantile(values, 0.75) - quantile(values, 0.25);
  return Math.min(quantile(values, 1), q50 + 6 * Math.max(iqr, 1));
}

/**
 * Histograms of reduced potential energies βU (kT): model samples as bars, model reweighted and
 * reference as step lines. The range spans the bulk of all sets (see robustHigh). How many samples fell beyond the range or were infinite is in the
 * subtitle.
 */
export async function energyHistogram(opts: EnergyHistogramOptions): Promise<string> {
  checkWeights(opts.model, opts.weights, 'energyHistogram.weights');
  const sets: Array<{ name: string; values: NumArray; w?: NumArray }> = [{ name: 'model, raw', values: opts.model }];
  if (opts.weights) sets.push({ name: 'model, reweighted', values: opts.model, w: opts.weights });
  if (opts.reference) sets.push({ name: 'reference', values: opts.reference });
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of sets) {
    lo = Math.min(lo, quantile(s.values, 0));
    hi = Math.max(hi, robustHigh(s.values));
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new RangeError('energyHistogram: no finite energies');
  if (hi <= lo) hi = lo + 1;
  const pad = 0.02 * (hi - lo);
  lo -= pad;
  hi += pad;
  const nb = opts.bins ?? 60;
  const notes: string[] = [];
  const hists = sets.map((s) => {
    const h = histogram1d(s.values, s.w, lo, hi, nb);
    let outside = 0;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      if (Number.isFinite(v) && (v < lo || v >= hi)) outside++;
    }
    if (!s.w && (outside > 0 || h.nonFinite > 0))
      notes.push(`${s.name}: ${outside} beyond the range, ${h.nonFinite} infinite`);
    return { name: s.name, h };
  });
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: sets.map((s) => s.name), range: ['#1f77b4', '#ff7f0e', '#111111'] },
    legend: { orient: 'top', labelLimit: 0 },
  };
  const x = {
    field: 'x',
    type: 'quantitative',
    title: 'reduced energy βU (kT)',
    scale: { zero: false, nice: false, domain: [lo, hi] },
  };
  const spec = {
    title: {
      text: opts.title ?? 'Potential energy of samples',
      ...(notes.length ? { subtitle: notes.join('; ') } : {}),
    },
    width: 460,
    height: 260,
    layer: histogramLayers(hists, x, 'probability density (1/kT)', color),
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(spec);
}
