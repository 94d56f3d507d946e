/**
 * Exact reference of the Müller–Brown potential: basins labelled by steepest descent on a lattice,
 * and at each β a grid quadrature of p_β (log Z, basin masses, and a cell-wise inverse-CDF sampler).
 */
import type { Basin, ExactReference } from '@embedcg/core';
import { searchCdf } from './numerics.js';
import { MULLER_BROWN_LABEL_BOX, nearestMinimum, steepestDescentLabels, type Lattice } from './muller-brown-labels.js';
import {
  MULLER_BROWN_DEFAULT_SCALE,
  mullerBrownMinima,
  mullerBrownRaw,
  mullerBrownRawGradient,
} from './muller-brown-potential.js';

/** Grid quadrature of p_β on node-centred square cells (midpoint rule). */
export interface MullerBrownQuadrature {
  beta: number;
  lattice: Lattice;
  logZ: number;
  /** Exact masses of the basins, in the order of {@link mullerBrownMinima}. */
  masses: number[];
  /** Normalised cumulative cell masses, for the cell-wise inverse-CDF sampler. */
  cdf: Float64Array;
}

/**
 * Tails are cut where β·(U − U_min) ≥ 50 on the whole box boundary (e⁻⁵⁰ relative): the midpoint
 * rule on a uniform grid is then spectrally accurate for this smooth, decaying integrand.
 */
const BOUNDARY_CUTOFF = 50;

/** Internal knobs of the reference grid, exposed for convergence tests. */
export interface MullerBrownGridTuning {
  /** β·(U − U_min) that the whole quadrature-box boundary must reach (default 50). */
  boundaryCutoff?: number;
  /** Extra margin (nm) added on every side after the cutoff is met, to check that the box is wide enough. */
  extraMargin?: number;
}

export interface MullerBrownOptions {
  /** Multiplies the raw potential (default {@link MULLER_BROWN_DEFAULT_SCALE}). */
  scale?: number;
  /** Lattice spacing of the reference grid in nm (default 0.005). */
  gridSpacing?: number;
}

/** Exact reference of Müller–Brown, with the label grid exposed for plots and tests. */
export interface MullerBrownReference extends ExactReference {
  readonly minima: Array<{ name: string; x: number; y: number; energy: number }>;
  /** Basin index (order of `minima`) of a point: label-grid lookup inside the box, else nearest minimum. */
  basinIndex(x: number, y: number): number;
  /** The grid quadrature at β (cached). */
  quadrature(beta: number): MullerBrownQuadrature;
}

/** Build the exact reference (the label grid is computed lazily, once). */
export function createMullerBrownReference(
  options: MullerBrownOptions = {},
  tuning: MullerBrownGridTuning = {},
): MullerBrownReference {
  const scale = options.scale ?? MULLER_BROWN_DEFAULT_SCALE;
  const h = options.gridSpacing ?? 0.005;
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new RangeError(`muller-brown: option "scale" must be a positive number, got ${scale}`);
  if (!(h > 0) || h > 0.1) throw new RangeError(`muller-brown: option "gridSpacing" must be in (0, 0.1] nm, got ${h}`);
  const minima = mullerBrownMinima();
  const box = MULLER_BROWN_LABEL_BOX;
  const lattice: Lattice = {
    x0: box.xMin,
    y0: box.yMin,
    h,
    nx: Math.round((box.xMax - box.xMin) / h) + 1,
    ny: Math.round((box.yMax - box.yMin) / h) + 1,
  };
  let labels: Uint8Array | undefined;
  const basinIndex = (x: number, y: number): number => {
    const i = Math.round((x - lattice.x0) / h);
    const j = Math.round((y - lattice.y0) / h);
    if (i >= 0 && i < lattice.nx && j >= 0 && j < lattice.ny) {
      labels ??= labelGrid(lattice, minima);
      return labels[j * lattice.nx + i]!;
    }
    return nearestMinimum(minima, x, y);
  };
  const cache = new Map<number, MullerBrownQuadrature>();
  const quadrature = (beta: number): MullerBrownQuadrature => {
    if (!(beta > 0) || !Number.isFinite(beta))
      throw new RangeError(`muller-brown: beta must be a positive finite number, got ${beta}`);
    const hit = cache.get(beta);
    if (hit) return hit;
    const result = gridQuadrature(beta, scale, lattice, minima, basinIndex, tuning);
    if (cache.size >= 4) cache.clear();
    cache.set(beta, result);
    return result;
  };
  return {
    minima,
    basinIndex,
    quadrature,
    slowCoordinate: undefined,
    logZ: (beta) => quadrature(beta).logZ,
    basins(beta): Basin[] {
      const q = quadrature(beta);
      return minima.map((m, k) => ({
        name: m.name,
        mass: q.masses[k]!,
        contains: (p) => basinIndex(p[0]!, p[1]!) === k,
      }));
    },
    sample: (beta, n, rng) => sampleCells(quadrature(beta), n, rng),
  };
}

/** Basin label of every node of the label lattice. */
function labelGrid(lattice: Lattice, minima: Array<{ x: number; y: number }>): Uint8Array {
  const { h } = lattice;
  const energy = new Float64Array(lattice.nx * lattice.ny);
  for (let j = 0; j < lattice.ny; j++) {
    for (let i = 0; i < lattice.nx; i++)
      energy[j * lattice.nx + i] = mullerBrownRaw(lattice.x0 + i * h, lattice.y0 + j * h);
  }
  return steepestDescentLabels(lattice, energy, minima, (x, y, out) => mullerBrownRawGradient(x, y, out));
}

/** Midpoint-rule quadrature of p_β on the box that {@link quadratureLattice} finds. */
function gridQuadrature(
  beta: number,
  scale: number,
  lattice: Lattice,
  minima: Array<{ energy: number }>,
  basinIndex: (x: number, y: number) => number,
  tuning: MullerBrownGridTuning,
): MullerBrownQuadrature {
  const { h } = lattice;
  const uMin = Math.min(...minima.map((m) => m.energy));
  const bs = beta * scale;
  const q = quadratureLattice(lattice, bs, uMin, tuning);
  const cdf = new Float64Array(q.nx * q.ny);
  const sums = minima.map(() => 0);
  let total = 0;
  for (let j = 0; j < q.ny; j++) {
    const y = q.y0 + j * h;
    for (let i = 0; i < q.nx; i++) {
      const x = q.x0 + i * h;
      const w = Math.exp(-bs * (mullerBrownRaw(x, y) - uMin));
      total += w;
      const k = basinIndex(x, y);
      sums[k] = sums[k]! + w;
      cdf[j * q.nx + i] = total;
    }
  }
  for (let k = 0; k < cdf.length; k++) cdf[k] = cdf[k]! / total;
  return {
    beta,
    lattice: q,
    logZ: Math.log(total * h * h) - bs * uMin,
    masses: sums.map((s) => s / total),
    cdf,
  };
}

/**
 * The label lattice grown side by side (node index ranges relative to it) until β·(U − U_min)
 * reaches the cutoff on each edge, then widened by the tuning's extra margin.
 */
function quadratureLattice(lattice: Lattice, bs: number, uMin: number, tuning: MullerBrownGridTuning): Lattice {
  const { h } = lattice;
  const cutoff = tuning.boundaryCutoff ?? BOUNDARY_CUTOFF;
  let i0 = 0;
  let i1 = lattice.nx - 1;
  let j0 = 0;
  let j1 = lattice.ny - 1;
  const edgeMin = (fixed: number, along0: number, along1: number, vertical: boolean): number => {
    let m = Infinity;
    for (let t = along0; t <= along1; t++) {
      const x = lattice.x0 + (vertical ? fixed : t) * h;
      const y = lattice.y0 + (vertical ? t : fixed) * h;
      m = Math.min(m, bs * (mullerBrownRaw(x, y) - uMin));
    }
    return m;
  };
  for (let round = 0; round < 200; round++) {
    const grow = Math.max(10, Math.round(0.1 * (i1 - i0)));
    let grew = false;
    if (edgeMin(i0, j0, j1, true) < cutoff) {
      i0 -= grow;
      grew = true;
    }
    if (edgeMin(i1, j0, j1, true) < cutoff) {
      i1 += grow;
      grew = true;
    }
    if (edgeMin(j0, i0, i1, false) < cutoff) {
      j0 -= grow;
      grew = true;
    }
    if (edgeMin(j1, i0, i1, false) < cutoff) {
      j1 += grow;
      grew = true;
    }
    if (!grew) break;
  }
  const extra = Math.ceil((tuning.extraMargin ?? 0) / h);
  i0 -= extra;
  i1 += extra;
  j0 -= extra;
  j1 += extra;
  return { x0: lattice.x0 + i0 * h, y0: lattice.y0 + j0 * h, h, nx: i1 - i0 + 1, ny: j1 - j0 + 1 };
}

/** n points of p_β: a cell by inverse CDF, then uniform within the cell. */
function sampleCells(quadrature: MullerBrownQuadrature, n: number, rng: () => number): Float64Array {
  const { cdf, lattice: q } = quadrature;
  const { h } = q;
  const out = new Float64Array(2 * n);
  for (let s = 0; s < n; s++) {
    const cell = Math.min(searchCdf(cdf, rng()), cdf.length - 1);
    const i = cell % q.nx;
    const j = (cell - i) / q.nx;
    out[2 * s] = q.x0 + (i + rng() - 0.5) * h;
    out[2 * s + 1] = q.y0 + (j + rng() - 0.5) * h;
  }
  return out;
}
