import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from '../render.js';
import { anglesToDegrees, checkWeights, histogram1d, round } from '../binning.js';
import type { DihedralSamples } from './ramachandran.js';

/** Options of {@link freeEnergy1D}. */
export interface FreeEnergy1DOptions {
  angle: 'phi' | 'psi';
  model: DihedralSamples;
  reference?: DihedralSamples;
  /** Number of bins on [−180°, 180°). Default 72 (5°). */
  bins?: number;
  title?: string;
}

/**
 * Free energy F(angle) = −ln p (kT) along φ or ψ for model raw, model reweighted and reference,
 * each shifted to a minimum of 0. Bins without samples leave a gap in the curve.
 */
export async function freeEnergy1D(opts: FreeEnergy1DOptions): Promise<string> {
  const { angle } = opts;
  if (angle !== 'phi' && angle !== 'psi')
    throw new RangeError(`freeEnergy1D: angle must be 'phi' or 'psi', got ${String(angle)}`);
  const symbol = angle === 'phi' ? 'φ' : 'ψ';
  const nb = opts.bins ?? 72;
  const curves: Array<{ name: string; values: Float64Array; w?: ArrayLike<number> }> = [];
  checkWeights(opts.model[angle], opts.model.weights, 'freeEnergy1D.model.weights');
  const mv = anglesToDegrees(opts.model[angle]);
  curves.push({ name: 'model, raw', values: mv });
  if (opts.model.weights) curves.push({ name: 'model, reweighted', values: mv, w: opts.model.weights });
  if (opts.reference) {
    checkWeights(opts.reference[angle], opts.reference.weights, 'freeEnergy1D.reference.weights');
    curves.push({
      name: 'reference',
      values: anglesToDegrees(opts.reference[angle]),
      ...(opts.reference.weights ? { w: opts.reference.weights } : {}),
    });
  }
  const rows: Array<{ x: number; F: number | null; series: string }> = [];
  for (const c of curves) {
    const h = histogram1d(c.values, c.w, -180, 180, nb);
    let max = 0;
    for (const d of h.density) if (d > max) max = d;
    for (let b = 0; b < nb; b++) {
      const d = h.density[b]!;
      const centre = 0.5 * (h.edges[b]! + h.edges[b + 1]!);
      rows.push({ x: round(centre, 5), F: d > 0 && max > 0 ? round(-Math.log(d / max), 4) : null, series: c.name });
    }
  }
  const spec = {
    title: {
      text: opts.title ?? `Free energy along ${symbol}`,
      subtitle: 'F = −ln p, shifted to 0 at the minimum of each curve',
    },
    width: 460,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 2, point: { size: 12 } },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: `${symbol} (°)`,
        scale: { domain: [-180, 180], nice: false },
        axis: { values: [-180, -120, -60, 0, 60, 120, 180] },
      },
      y: { field: 'F', type: 'quantitative', title: 'free energy (kT)' },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: curves.map((c) => c.name), range: ['#1f77b4', '#ff7f0e', '#111111'] },
        legend: { orient: 'top' },
      },
    },
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(spec);
}
