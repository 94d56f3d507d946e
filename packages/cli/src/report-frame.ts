/**
 * The picture frame of a 2-D report: the force field's reference basins when it knows them, so a
 * basin the model misses (the top well of Müller–Brown's three) stays inside the picture, joined
 * with the bulk of the model's samples; or the range the user sets with `report --range`.
 */
import { createRng, type ForceField } from '@embedcg/core';
import { UsageError } from './errors.js';

/** x and y ranges of a 2-D plot. */
export interface Frame {
  xRange: [number, number];
  yRange: [number, number];
}

/** `--range x0,x1,y0,y1` checked: four finite numbers with x0 < x1 and y0 < y1. */
export function parseRange(text: string): Frame {
  const parts = String(text).split(',');
  const v = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
  if (v.length !== 4 || !v.every(Number.isFinite))
    throw new UsageError(`--range takes four numbers x0,x1,y0,y1 (e.g. -2,2,-1.5,1.5), got "${text}"`);
  const [x0, x1, y0, y1] = v as [number, number, number, number];
  if (!(x0 < x1) || !(y0 < y1))
    throw new UsageError(`--range ${text}: needs x0 < x1 and y0 < y1, got x ${x0}..${x1} and y ${y0}..${y1}`);
  return { xRange: [x0, x1], yRange: [y0, y1] };
}

/** [lo, hi] of coordinate k of the configurations whose index passes `keep`, between quantiles q and 1 − q. */
function bulk(x: Float64Array, k: number, q: number, keep: (i: number) => boolean = () => true): [number, number] {
  const v: number[] = [];
  for (let i = 0; i < x.length / 2; i++) if (keep(i) && Number.isFinite(x[2 * i + k]!)) v.push(x[2 * i + k]!);
  if (v.length === 0) return [Infinity, -Infinity];
  v.sort((a, b) => a - b);
  return [v[Math.floor(q * (v.length - 1))]!, v[Math.ceil((1 - q) * (v.length - 1))]!];
}

const join = (a: [number, number], b: [number, number]): [number, number] => [
  Math.min(a[0], b[0]),
  Math.max(a[1], b[1]),
];

function padded([lo, hi]: [number, number]): [number, number] {
  if (!(hi >= lo)) return [-1, 1];
  const pad = 0.15 * (hi - lo || 1);
  return [lo - pad, hi + pad];
}

/**
 * The frame of a 2-D report: the model samples' bulk (0.5–99.5 %) joined with, when the force
 * field has an exact sampler, the bulk of exact samples and the central 98 % of each reference
 * basin's exact samples (so a basin of small mass is in the picture too), padded by 15 %.
 */
export function plotFrame(ff: ForceField, beta: number, modelX: Float64Array): Frame {
  let xr = bulk(modelX, 0, 0.005),
    yr = bulk(modelX, 1, 0.005);
  const ref = ff.reference;
  if (ref?.sample && ff.dimension === 2) {
    const rng = createRng(1);
    const exact = ref.sample(beta, 20_000, () => rng.uniform());
    xr = join(xr, bulk(exact, 0, 0.005));
    yr = join(yr, bulk(exact, 1, 0.005));
    for (const basin of ref.basins?.(beta) ?? []) {
      const inside = (i: number) => basin.contains(exact.subarray(2 * i, 2 * i + 2));
      xr = join(xr, bulk(exact, 0, 0.01, inside));
      yr = join(yr, bulk(exact, 1, 0.01, inside));
    }
  }
  return { xRange: padded(xr), yRange: padded(yr) };
}
