import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from '../render.js';
import { MIN_EFFECTIVE_COUNT, anglesToDegrees, checkWeights, round } from '../binning.js';
import { freeEnergyProfile } from '../profile.js';
import type { DihedralSamples } from './ramachandran.js';

interface Curve {
  name: string;
  values: Float64Array;
  w?: ArrayLike<number>;
  block?: number;
}

interface ProfileRow {
  x: number;
  F: number | null;
  lo: number | null;
  hi: number | null;
  isolated: boolean;
  series: string;
}

/** The plotted rows of every curve: F, its band (null where not drawn), and whether the bin stands alone. */
function profileRows(curves: Curve[], nb: number, resamples: number): ProfileRow[] {
  const rows: ProfileRow[] = [];
  const value = (v: number) => (Number.isNaN(v) ? null : round(v, 4));
  curves.forEach((c, k) => {
    const p = freeEnergyProfile(c.values, c.w, -180, 180, nb, { resamples, seed: k + 1, blockLength: c.block ?? 1 });
    const drawn = (b: number) => b >= 0 && b < nb && !Number.isNaN(p.F[b]!);
    for (let b = 0; b < nb; b++) {
      rows.push({
        x: round(p.centres[b]!, 5),
        F: value(p.F[b]!),
        lo: value(p.lower[b]!),
        hi: value(p.upper[b]!),
        isolated: drawn(b) && !drawn(b - 1) && !drawn(b + 1),
        series: c.name,
      });
    }
  });
  // A bootstrap replicate that leaves a drawn bin empty gives an infinite upper end: clip it to the plot.
  const top = Math.max(0, ...rows.map((r) => (r.F !== null ? r.F : 0)));
  for (const r of rows) if (r.hi !== null && !Number.isFinite(r.hi)) r.hi = round(top + 1, 4);
  return rows;
}

/** Options of {@link freeEnergy1D}. */
export interface FreeEnergy1DOptions {
  angle: 'phi' | 'psi';
  model: DihedralSamples;
  reference?: DihedralSamples;
  /** Number of bins on [−180°, 180°). Default 72 (5°). */
  bins?: number;
  /** Bootstrap resamples of the bands (0: no bands). Default 200. */
  resamples?: number;
  /** Block length (frames) of the reference's moving-block bootstrap. Default n/40. */
  referenceBlockLength?: number;
  title?: string;
}

/**
 * Free energy F(angle) = −ln p (kT) along φ or ψ for model raw, model reweighted and reference,
 * each shifted to a minimum of 0, with bootstrap bands. Bins with fewer than 10 effective samples
 * (Kish, within the bin) leave a gap in the curve: one tiny-weight sample is not a free energy.
 */
export async function freeEnergy1D(opts: FreeEnergy1DOptions): Promise<string> {
  const { angle } = opts;
  if (angle !== 'phi' && angle !== 'psi')
    throw new RangeError(`freeEnergy1D: angle must be 'phi' or 'psi', got ${String(angle)}`);
  const symbol = angle === 'phi' ? 'φ' : 'ψ';
  const nb = opts.bins ?? 72;
  const curves: Curve[] = [];
  checkWeights(opts.model[angle], opts.model.weights, 'freeEnergy1D.model.weights');
  const mv = anglesToDegrees(opts.model[angle]);
  curves.push({ name: 'model, raw', values: mv });
  if (opts.model.weights) curves.push({ name: 'model, reweighted', values: mv, w: opts.model.weights });
  if (opts.reference) {
    checkWeights(opts.reference[angle], opts.reference.weights, 'freeEnergy1D.reference.weights');
    const values = anglesToDegrees(opts.reference[angle]);
    curves.push({
      name: 'reference',
      values,
      // Frames of a trajectory are correlated: moving blocks, as evaluate's reference ΔF interval.
      block: opts.referenceBlockLength ?? Math.max(1, Math.floor(values.length / 40)),
      ...(opts.reference.weights ? { w: opts.reference.weights } : {}),
    });
  }
  const rows = profileRows(curves, nb, opts.resamples ?? 200);
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: curves.map((c) => c.name), range: ['#1f77b4', '#ff7f0e', '#111111'] },
    legend: { orient: 'top', labelLimit: 0 },
  };
  const x = {
    field: 'x',
    type: 'quantitative',
    title: `${symbol} (°)`,
    scale: { domain: [-180, 180], nice: false },
    axis: { values: [-180, -120, -60, 0, 60, 120, 180] },
  };
  const spec = {
    title: {
      text: opts.title ?? `Free energy along ${symbol}`,
      subtitle: [
        'F = −ln p, 0 at the minimum of each curve; bands: 95 % bootstrap intervals',
        `gaps: bins with fewer than ${MIN_EFFECTIVE_COUNT} effective samples (Kish)`,
      ],
    },
    width: 460,
    height: 260,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'area', opacity: 0.22 },
        encoding: {
          x,
          y: { field: 'lo', type: 'quantitative', title: 'free energy (kT)' },
          y2: { field: 'hi' },
          color,
        },
      },
      {
        // A drawn bin between two gaps has no band to show: a bar gives its interval.
        transform: [{ filter: 'datum.isolated' }],
        mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.5 },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color },
      },
      {
        mark: { type: 'line', strokeWidth: 2, point: { size: 12 } },
        encoding: { x, y: { field: 'F', type: 'quantitative', title: 'free energy (kT)' }, color },
      },
    ],
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(spec);
}
