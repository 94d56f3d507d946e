import type { TopLevelSpec } from 'vega-lite';
import { vegaLiteToSvg } from '../render.js';
import { round, subsampleIndices } from '../binning.js';
import { isoSegments } from '../contours.js';
import type { NumArray } from '../types.js';

/** Options of {@link potential2D}. */
export interface Potential2DOptions {
  /** Potential energy U(x, y), kJ/mol. */
  energy: (x: number, y: number) => number;
  xRange: readonly [number, number];
  yRange: readonly [number, number];
  /** Inverse temperature, 1/(kJ/mol); energies are shown as βU in kT by default. */
  beta: number;
  /** Points to draw over the map (subsampled to at most `maxPoints`). */
  samples?: { x: NumArray; y: NumArray };
  /** Show U in kT (default) or in kJ/mol. */
  unit?: 'kT' | 'kJ/mol';
  /** Energies above min + cap (in `unit`) are drawn at the cap colour. Default 15 kT (or the kJ/mol equivalent). */
  cap?: number;
  /** Grid cells per axis. Default 60. */
  resolution?: number;
  /** Contour spacing in `unit`. Default 2 kT (or the kJ/mol equivalent). */
  contourStep?: number;
  xLabel?: string;
  yLabel?: string;
  title?: string;
  /** At most this many sample points. Default 3000. */
  maxPoints?: number;
}

/**
 * Heat map and contour lines of a 2-D potential, shifted so its minimum on the grid is 0,
 * with samples drawn over it.
 */
export async function potential2D(opts: Potential2DOptions): Promise<string> {
  const { xRange, yRange, beta } = opts;
  if (!(beta > 0)) throw new RangeError(`potential2D: beta must be > 0, got ${beta}`);
  if (!(xRange[1] > xRange[0]) || !(yRange[1] > yRange[0]))
    throw new RangeError('potential2D: xRange and yRange must be [lo, hi] with hi > lo');
  const unit = opts.unit ?? 'kT';
  const cap = opts.cap ?? (unit === 'kT' ? 15 : 15 / beta);
  const step = opts.contourStep ?? (unit === 'kT' ? 2 : 2 / beta);
  const grid = energyGrid(opts, unit === 'kT' ? beta : 1);
  const cells = heatCells(grid, cap);
  const { u, xs, ys } = grid;
  for (let k = 0; k < u.length; k++) u[k]! -= grid.min;
  const levels: number[] = [];
  for (let L = step; L < cap; L += step) levels.push(L);
  const segs = isoSegments(u, xs, ys, levels).map((s) => ({
    x: round(s.x, 6),
    y: round(s.y, 6),
    x2: round(s.x2, 6),
    y2: round(s.y2, 6),
  }));
  const layers: object[] = [heatLayer(opts, cells, unit, cap)];
  if (segs.length > 0) {
    layers.push({
      data: { values: segs },
      mark: { type: 'rule', color: 'white', strokeWidth: 0.7, opacity: 0.6 },
      encoding: {
        x: { field: 'x', type: 'quantitative' },
        y: { field: 'y', type: 'quantitative' },
        x2: { field: 'x2' },
        y2: { field: 'y2' },
      },
    });
  }
  let subtitle: string | undefined;
  if (opts.samples) {
    const points = sampleLayer(opts.samples, opts.maxPoints ?? 3000);
    subtitle = `${points.subtitle}; contours every ${round(step, 3)} ${unit}`;
    layers.push(points.layer);
  }
  const spec = {
    title: { text: opts.title ?? 'Potential energy and samples', ...(subtitle ? { subtitle } : {}) },
    width: 420,
    // Equal aspect where reasonable, so wells look like wells; clamped for very elongated ranges.
    height: Math.min(560, Math.max(220, Math.round((420 * (yRange[1] - yRange[0])) / (xRange[1] - xRange[0])))),
    layer: layers,
  } as unknown as TopLevelSpec;
  return vegaLiteToSvg(spec);
}

/** The energy (× scale) at the centres of an n × n grid over the ranges, row-major in y, and its minimum. */
interface EnergyGrid {
  n: number;
  /** Lower corner of the grid. */
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  xs: Float64Array;
  ys: Float64Array;
  u: Float64Array;
  min: number;
}

function energyGrid(opts: Potential2DOptions, scale: number): EnergyGrid {
  const { energy, xRange, yRange } = opts;
  const n = opts.resolution ?? 60;
  const dx = (xRange[1] - xRange[0]) / n;
  const dy = (yRange[1] - yRange[0]) / n;
  const xs = Float64Array.from({ length: n }, (_, i) => xRange[0] + (i + 0.5) * dx);
  const ys = Float64Array.from({ length: n }, (_, j) => yRange[0] + (j + 0.5) * dy);
  const u = new Float64Array(n * n);
  let min = Infinity;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const e = energy(xs[i]!, ys[j]!);
      if (Number.isNaN(e)) throw new RangeError(`potential2D: energy(${xs[i]}, ${ys[j]}) is NaN`);
      const v = e * scale;
      u[j * n + i] = v;
      if (v < min) min = v;
    }
  }
  if (!Number.isFinite(min)) throw new RangeError('potential2D: energy is infinite everywhere on the grid');
  return { n, x0: xRange[0], y0: yRange[0], dx, dy, xs, ys, u, min };
}

/** One heat-map rectangle per grid cell, energies above min + cap at the cap. */
function heatCells(grid: EnergyGrid, cap: number): object[] {
  const { n, x0, y0, dx, dy, u, min } = grid;
  const cells: object[] = [];
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const v = Math.min(u[j * n + i]! - min, cap);
      const x = x0 + i * dx;
      const y = y0 + j * dy;
      // Cells overlap by a few per cent so anti-aliasing leaves no seams between them.
      cells.push({
        x: round(x, 6),
        x2: round(x + 1.05 * dx, 6),
        y: round(y, 6),
        y2: round(y + 1.05 * dy, 6),
        u: round(Number.isFinite(v) ? v : cap, 4),
      });
    }
  }
  return cells;
}

/** The heat-map layer, with the axes. */
function heatLayer(opts: Potential2DOptions, cells: object[], unit: 'kT' | 'kJ/mol', cap: number): object {
  const { xRange, yRange } = opts;
  const xScale = { domain: [xRange[0], xRange[1]], nice: false, zero: false };
  const yScale = { domain: [yRange[0], yRange[1]], nice: false, zero: false };
  return {
    data: { values: cells },
    mark: { type: 'rect', strokeWidth: 0, clip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: opts.xLabel ?? 'x (nm)', scale: xScale },
      x2: { field: 'x2' },
      y: { field: 'y', type: 'quantitative', title: opts.yLabel ?? 'y (nm)', scale: yScale },
      y2: { field: 'y2' },
      color: {
        field: 'u',
        type: 'quantitative',
        title: unit === 'kT' ? ['βU − min', '(kT)'] : ['U − min', '(kJ/mol)'],
        scale: { scheme: 'viridis', domain: [0, cap] },
      },
    },
  };
}

/** The sample points (at most `maxPoints`, finite ones) and a subtitle that counts them. */
function sampleLayer(
  samples: NonNullable<Potential2DOptions['samples']>,
  maxPoints: number,
): { layer: object; subtitle: string } {
  const { x, y } = samples;
  if (x.length !== y.length)
    throw new RangeError(`potential2D: samples.x has ${x.length} values but samples.y has ${y.length}`);
  const idx = subsampleIndices(x.length, maxPoints);
  const pts = idx
    .filter((i) => Number.isFinite(x[i]!) && Number.isFinite(y[i]!))
    .map((i) => ({ x: round(x[i]!, 5), y: round(y[i]!, 5) }));
  return {
    layer: {
      data: { values: pts },
      mark: { type: 'circle', size: 9, color: '#ff4040', opacity: 0.55, clip: true },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    },
    subtitle: `${x.length} samples${idx.length < x.length ? ` (${idx.length} shown)` : ''}`,
  };
}
