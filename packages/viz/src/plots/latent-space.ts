import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from '../render.js';
import { histogram1d, quantile, round, subsampleIndices } from '../binning.js';
import type { NumArray } from '../types.js';

/** Options of {@link latentSpace}. */
export interface LatentSpaceOptions {
  /** n × latentDim latent coordinates (e.g. encoder means), sample-major. */
  latent: NumArray;
  latentDim: number;
  /** Conformational state label of each of the n samples (e.g. "C7eq", "αR", "C7ax"). */
  state: readonly string[];
  /** At most this many points in a scatter. Default 4000. */
  maxPoints?: number;
  /** Bins of the 1-D histogram. Default 60. */
  bins?: number;
  /** Axis name of the latent coordinates. Default "z". */
  axisName?: string;
  title?: string;
}

/**
 * Latent coordinates coloured by conformational state: a scatter of the first two latent
 * dimensions, or for a 1-D latent a histogram stacked by state.
 */
export async function latentSpace(opts: LatentSpaceOptions): Promise<string> {
  const { latent, latentDim, state } = opts;
  if (!Number.isInteger(latentDim) || latentDim < 1)
    throw new RangeError(`latentSpace: latentDim must be a positive integer, got ${latentDim}`);
  const n = latent.length / latentDim;
  if (!Number.isInteger(n))
    throw new RangeError(
      `latentSpace: latent has ${latent.length} numbers, not a multiple of latentDim = ${latentDim}`,
    );
  if (state.length !== n) throw new RangeError(`latentSpace: ${state.length} state labels for ${n} latent points`);
  const z = opts.axisName ?? 'z';
  const states = [...new Set(state)].sort();
  const color = { field: 'state', type: 'nominal', title: 'state', scale: { domain: states, scheme: 'category10' } };
  let spec: object;
  if (latentDim === 1) {
    const lo = quantile(latent, 0.002);
    const hi = quantile(latent, 0.998);
    if (!Number.isFinite(lo)) throw new RangeError('latentSpace: no finite latent values');
    const pad = hi > lo ? 0.05 * (hi - lo) : 1;
    const nb = opts.bins ?? 60;
    const rows: object[] = [];
    for (const s of states) {
      const vals: number[] = [];
      for (let i = 0; i < n; i++) if (state[i] === s) vals.push(latent[i]!);
      const h = histogram1d(vals, undefined, lo - pad, hi + pad, nb);
      for (let b = 0; b < nb; b++)
        if (h.counts[b]! > 0)
          rows.push({ z: round(h.edges[b]!, 5), z2: round(h.edges[b + 1]!, 5), count: h.counts[b], state: s });
    }
    spec = {
      title: { text: opts.title ?? 'Latent coordinate by conformational state', subtitle: `${n} samples` },
      width: 460,
      height: 240,
      data: { values: rows },
      mark: { type: 'bar' },
      encoding: {
        x: {
          field: 'z',
          type: 'quantitative',
          bin: 'binned',
          title: `${z} (dimensionless)`,
          scale: { zero: false, nice: false },
        },
        x2: { field: 'z2' },
        y: { field: 'count', type: 'quantitative', title: 'samples per bin (count)', stack: 'zero' },
        color,
      },
    };
  } else {
    const idx = subsampleIndices(n, opts.maxPoints ?? 4000);
    const rows = idx
      .filter((i) => Number.isFinite(latent[i * latentDim]!) && Number.isFinite(latent[i * latentDim + 1]!))
      .map((i) => ({
        z1: round(latent[i * latentDim]!, 5),
        z2: round(latent[i * latentDim + 1]!, 5),
        state: state[i],
      }));
    spec = {
      title: {
        text: opts.title ?? 'Latent space by conformational state',
        subtitle: `${n} samples${idx.length < n ? ` (${idx.length} shown)` : ''}${latentDim > 2 ? `; first 2 of ${latentDim} dimensions` : ''}`,
      },
      width: 380,
      height: 380,
      data: { values: rows },
      mark: { type: 'circle', size: 12, opacity: 0.6 },
      encoding: {
        x: { field: 'z1', type: 'quantitative', title: `${z}₁ (dimensionless)`, scale: { zero: false } },
        y: { field: 'z2', type: 'quantitative', title: `${z}₂ (dimensionless)`, scale: { zero: false } },
        color,
      },
    };
  }
  return vegaLiteToSvg(spec as TopLevelSpec);
}
