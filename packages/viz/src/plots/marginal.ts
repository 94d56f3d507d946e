import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from '../render.js';
import { checkWeights, effectiveSampleSize, histogram1d, quantile, round } from '../binning.js';
import { histogramLayers } from './histogram-layers.js';
import type { NumArray } from '../types.js';

/** Options of {@link marginal}. */
export interface MarginalOptions {
  /** Sampled values of the coordinate. */
  values: NumArray;
  /** Importance weights (≥ 0, any normalisation); draws a reweighted histogram too. */
  weights?: NumArray;
  /** Exact (or reference) density on an ascending grid; it is renormalised over the grid. */
  exact?: { x: NumArray; density: NumArray };
  /** Name of the coordinate, e.g. "x₁". */
  label: string;
  /** Unit of the coordinate, e.g. "nm". */
  unit: string;
  /** Histogram range; default: the exact grid's range, else the 0.5–99.5 % quantiles of the values. */
  range?: readonly [number, number];
  /** Number of bins. Default 60. */
  bins?: number;
  /** Name of the exact curve in the legend. Default "exact". */
  exactName?: string;
  title?: string;
}

/** Trapezoid integral of y over x (x ascending). */
function trapezoid(x: NumArray, y: NumArray): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += 0.5 * (y[i]! + y[i - 1]!) * (x[i]! - x[i - 1]!);
  return s;
}

/**
 * Histogram of a sampled coordinate: raw samples (bars) and, when weights are given,
 * importance-reweighted (step line), against an exact or reference density (black line).
 */
export async function marginal(opts: MarginalOptions): Promise<string> {
  const { values, weights, exact, label, unit } = opts;
  checkWeights(values, weights, `marginal(${label}).weights`);
  if (exact && exact.x.length !== exact.density.length) {
    throw new RangeError(`marginal(${label}).exact: ${exact.x.length} x values but ${exact.density.length} densities`);
  }
  let range = opts.range;
  if (!range && exact && exact.x.length > 1) range = [exact.x[0]!, exact.x[exact.x.length - 1]!];
  if (!range) {
    const lo = quantile(values, 0.005);
    const hi = quantile(values, 0.995);
    if (!Number.isFinite(lo)) throw new RangeError(`marginal(${label}): no finite values`);
    const pad = hi > lo ? 0.05 * (hi - lo) : 1;
    range = [lo - pad, hi + pad];
  }
  const nb = opts.bins ?? 60;
  const raw = histogram1d(values, undefined, range[0], range[1], nb);
  const hists = [{ name: `model, raw (n = ${raw.total})`, h: raw }];
  if (weights) {
    hists.push({
      name: `model, reweighted (ESS = ${round(effectiveSampleSize(weights), 3)})`,
      h: histogram1d(values, weights, range[0], range[1], nb),
    });
  }
  const series = hists.map((h) => h.name);
  const exactName = opts.exactName ?? 'exact';
  const hasExact = exact !== undefined && exact.x.length > 1;
  if (hasExact) series.push(exactName);
  // A fixed domain keeps raw / reweighted / exact in the same colours in every plot.
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: series, range: ['#1f77b4', '#ff7f0e', '#111111'] },
    legend: { orient: 'top', direction: 'vertical', labelLimit: 0 },
  };
  const x = {
    field: 'x',
    type: 'quantitative',
    title: `${label} (${unit})`,
    scale: { domain: [range[0], range[1]], nice: false, zero: false },
  };
  const yTitle = `probability density (1/${unit})`;
  const layers = histogramLayers(hists, x, yTitle, color);
  if (hasExact) {
    const norm = trapezoid(exact.x, exact.density);
    if (!(norm > 0)) throw new RangeError(`marginal(${label}).exact: density integrates to ${norm}, expected > 0`);
    const line: object[] = [];
    for (let i = 0; i < exact.x.length; i++)
      line.push({ x: round(exact.x[i]!, 6), density: round(exact.density[i]! / norm, 5), series: exactName });
    layers.push({
      data: { values: line },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: { x, y: { field: 'density', type: 'quantitative', title: yTitle }, color },
    });
  }
  const spec = {
    title: opts.title ?? `Marginal of ${label}`,
    width: 460,
    height: 260,
    layer: layers,
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(spec);
}
