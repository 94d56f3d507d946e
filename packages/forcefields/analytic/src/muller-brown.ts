/**
 * The Müller–Brown potential (Müller & Brown 1979), four Gaussian-like terms in 2-D, scaled by
 * `scale` so that β = 1 is a temperature where all three basins hold visible mass.
 *
 *   U(x, y) = scale · Σ_k A_k exp(a_k (x−x0_k)² + b_k (x−x0_k)(y−y0_k) + c_k (y−y0_k)²)
 */
import { API_VERSION, defineForceField } from '@embedcg/core';
import type { Basin, EvaluateOptions, ExactReference, ForceField } from '@embedcg/core';
import { evaluateBatch } from './batch.js';
import { searchCdf } from './numerics.js';
import { PACKAGE_VERSION } from './version.js';

const A = [-200, -100, -170, 15];
const a = [-1, -1, -6.5, 0.7];
const b = [0, 0, 11, 0.6];
const c = [-10, -10, -6.5, 0.7];
const X0 = [1, 0, -0.5, -1];
const Y0 = [0, 0.5, 1.5, 1];

/**
 * Default scale: U/20, i.e. kT = 20 in Müller–Brown's own energy units at β = 1. The minima then
 * lie at −7.33, −5.41 and −4.04 kT, the barriers out of the deep well are several kT, and the exact
 * basin masses (grid quadrature, see the README) are 80.6 % (A), 12.9 % (B) and 6.5 % (C): every
 * basin is visible, and the smallest is rare enough that a mode-seeking model can miss it.
 */
export const MULLER_BROWN_DEFAULT_SCALE = 0.05;

/** Unscaled Müller–Brown energy. */
export function mullerBrownRaw(x: number, y: number): number {
  let u = 0;
  for (let k = 0; k < 4; k++) {
    const dx = x - X0[k]!;
    const dy = y - Y0[k]!;
    u += A[k]! * Math.exp(a[k]! * dx * dx + b[k]! * dx * dy + c[k]! * dy * dy);
  }
  return u;
}

/** Unscaled gradient [dU/dx, dU/dy] written into `out`; returns the energy. */
export function mullerBrownRawGradient(x: number, y: number, out: Float64Array | number[]): number {
  let u = 0;
  let gx = 0;
  let gy = 0;
  for (let k = 0; k < 4; k++) {
    const dx = x - X0[k]!;
    const dy = y - Y0[k]!;
    const e = A[k]! * Math.exp(a[k]! * dx * dx + b[k]! * dx * dy + c[k]! * dy * dy);
    u += e;
    gx += e * (2 * a[k]! * dx + b[k]! * dy);
    gy += e * (b[k]! * dx + 2 * c[k]! * dy);
  }
  out[0] = gx;
  out[1] = gy;
  return u;
}

function rawHessian(x: number, y: number): [number, number, number] {
  let hxx = 0;
  let hxy = 0;
  let hyy = 0;
  for (let k = 0; k < 4; k++) {
    const dx = x - X0[k]!;
    const dy = y - Y0[k]!;
    const e = A[k]! * Math.exp(a[k]! * dx * dx + b[k]! * dx * dy + c[k]! * dy * dy);
    const px = 2 * a[k]! * dx + b[k]! * dy;
    const py = b[k]! * dx + 2 * c[k]! * dy;
    hxx += e * (px * px + 2 * a[k]!);
    hxy += e * (px * py + b[k]!);
    hyy += e * (py * py + 2 * c[k]!);
  }
  return [hxx, hxy, hyy];
}

/** The three minima (Newton-polished from the textbook values), named A (deepest), B, C (shallowest). */
export function mullerBrownMinima(): Array<{ name: string; x: number; y: number; energy: number }> {
  const start: Array<[string, number, number]> = [
    ['A', -0.558, 1.442],
    ['B', 0.623, 0.028],
    ['C', -0.05, 0.467],
  ];
  const g = [0, 0];
  return start.map(([name, x, y]) => {
    for (let i = 0; i < 20; i++) {
      mullerBrownRawGradient(x, y, g);
      const [hxx, hxy, hyy] = rawHessian(x, y);
      const det = hxx * hyy - hxy * hxy;
      x -= (hyy * g[0]! - hxy * g[1]!) / det;
      y -= (-hxy * g[0]! + hxx * g[1]!) / det;
    }
    return { name, x, y, energy: mullerBrownRaw(x, y) };
  });
}

/** A uniform lattice of nodes x = x0 + i·h, y = y0 + j·h, row-major (j * nx + i). */
export interface Lattice {
  x0: number;
  y0: number;
  h: number;
  nx: number;
  ny: number;
}

/**
 * The box on which basins are labelled by steepest descent. It holds the three wells with a wide
 * margin; β-dependent quadratures extend it when needed (points outside get the nearest minimum).
 */
export const MULLER_BROWN_LABEL_BOX = { xMin: -2.5, xMax: 2.0, yMin: -1.5, yMax: 3.0 };

/**
 * Basin label of every lattice node: the minimum that the continuous steepest-descent flow from
 * the node reaches (the end point takes the label of the nearest of `minima`).
 *
 * Nodes are labelled in order of increasing energy, so the flow from a node soon enters a lattice
 * cell whose four corners are already labelled; when they agree, the node takes that label, else
 * the flow goes on (it is near a separatrix). A walk from node to neighbouring node would be
 * cheaper but is biased to the 8 lattice directions and drifts off the true gradient line over
 * long, gentle slopes, mislabelling whole regions.
 */
export function steepestDescentLabels(
  lattice: Lattice,
  energy: Float64Array,
  minima: Array<{ x: number; y: number }>,
  gradient: (x: number, y: number, out: Float64Array) => void,
): Uint8Array {
  const { nx, ny, h, x0, y0 } = lattice;
  const UNSET = 255;
  const labels = new Uint8Array(nx * ny).fill(UNSET);
  const nearest = (px: number, py: number): number => {
    let best = 0;
    let bestD = Infinity;
    minima.forEach((m, k) => {
      const d = (m.x - px) ** 2 + (m.y - py) ** 2;
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    });
    return best;
  };
  const isLatticeMinimum = (p: number): boolean => {
    const i = p % nx;
    const j = (p - i) / nx;
    for (let jj = Math.max(0, j - 1); jj <= Math.min(ny - 1, j + 1); jj++) {
      for (let ii = Math.max(0, i - 1); ii <= Math.min(nx - 1, i + 1); ii++) {
        if (energy[jj * nx + ii]! < energy[p]!) return false;
      }
    }
    return true;
  };
  const order = new Uint32Array(nx * ny);
  for (let p = 0; p < order.length; p++) order[p] = p;
  order.sort((p, q) => energy[p]! - energy[q]!);
  const g = new Float64Array(2);
  const captureRadius2 = (2 * h) ** 2;
  const maxSteps = 20 * (nx + ny);
  for (const p of order) {
    const i0 = p % nx;
    let x = x0 + i0 * h;
    let y = y0 + ((p - i0) / nx) * h;
    if (isLatticeMinimum(p)) {
      labels[p] = nearest(x, y);
      continue;
    }
    let label = UNSET;
    for (let step = 0; step < maxSteps && label === UNSET; step++) {
      gradient(x, y, g);
      const norm = Math.hypot(g[0]!, g[1]!);
      if (!(norm > 0)) break;
      x -= (h * g[0]!) / norm;
      y -= (h * g[1]!) / norm;
      const fi = Math.floor((x - x0) / h);
      const fj = Math.floor((y - y0) / h);
      if (fi < 0 || fj < 0 || fi >= nx - 1 || fj >= ny - 1) {
        label = nearest(x, y); // left the lattice: the convention outside it
        break;
      }
      const c = fj * nx + fi;
      const a = labels[c]!;
      if (a !== UNSET && labels[c + 1] === a && labels[c + nx] === a && labels[c + nx + 1] === a) label = a;
      else {
        for (let k = 0; k < minima.length; k++) {
          if ((minima[k]!.x - x) ** 2 + (minima[k]!.y - y) ** 2 < captureRadius2) label = k;
        }
      }
    }
    labels[p] = label === UNSET ? nearest(x, y) : label;
  }
  return labels;
}

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
  const cutoff = tuning.boundaryCutoff ?? BOUNDARY_CUTOFF;
  const scale = options.scale ?? MULLER_BROWN_DEFAULT_SCALE;
  const h = options.gridSpacing ?? 0.005;
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new RangeError(`muller-brown: option "scale" must be a positive number, got ${scale}`);
  if (!(h > 0) || h > 0.1) throw new RangeError(`muller-brown: option "gridSpacing" must be in (0, 0.1] nm, got ${h}`);
  const minima = mullerBrownMinima();
  const uMin = Math.min(...minima.map((m) => m.energy));
  const box = MULLER_BROWN_LABEL_BOX;
  const lattice: Lattice = {
    x0: box.xMin,
    y0: box.yMin,
    h,
    nx: Math.round((box.xMax - box.xMin) / h) + 1,
    ny: Math.round((box.yMax - box.yMin) / h) + 1,
  };
  let labels: Uint8Array | undefined;
  const labelGrid = (): Uint8Array => {
    if (!labels) {
      const energy = new Float64Array(lattice.nx * lattice.ny);
      for (let j = 0; j < lattice.ny; j++) {
        for (let i = 0; i < lattice.nx; i++)
          energy[j * lattice.nx + i] = mullerBrownRaw(lattice.x0 + i * h, lattice.y0 + j * h);
      }
      labels = steepestDescentLabels(lattice, energy, minima, (x, y, out) => mullerBrownRawGradient(x, y, out));
    }
    return labels;
  };
  const nearestMinimum = (x: number, y: number): number => {
    let best = 0;
    let bestD = Infinity;
    minima.forEach((m, k) => {
      const d = (m.x - x) ** 2 + (m.y - y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    });
    return best;
  };
  const basinIndex = (x: number, y: number): number => {
    const i = Math.round((x - lattice.x0) / h);
    const j = Math.round((y - lattice.y0) / h);
    if (i >= 0 && i < lattice.nx && j >= 0 && j < lattice.ny) return labelGrid()[j * lattice.nx + i]!;
    return nearestMinimum(x, y);
  };

  const cache = new Map<number, MullerBrownQuadrature>();
  const quadrature = (beta: number): MullerBrownQuadrature => {
    if (!(beta > 0) || !Number.isFinite(beta))
      throw new RangeError(`muller-brown: beta must be a positive finite number, got ${beta}`);
    const hit = cache.get(beta);
    if (hit) return hit;
    const bs = beta * scale;
    // Node index ranges relative to the label lattice; grow each side until its edge is negligible.
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
    const q: Lattice = { x0: lattice.x0 + i0 * h, y0: lattice.y0 + j0 * h, h, nx: i1 - i0 + 1, ny: j1 - j0 + 1 };
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
    const result: MullerBrownQuadrature = {
      beta,
      lattice: q,
      logZ: Math.log(total * h * h) - bs * uMin,
      masses: sums.map((s) => s / total),
      cdf,
    };
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
    sample(beta, n, rng) {
      const { cdf, lattice: q } = quadrature(beta);
      const out = new Float64Array(2 * n);
      for (let s = 0; s < n; s++) {
        const cell = Math.min(searchCdf(cdf, rng()), cdf.length - 1);
        const i = cell % q.nx;
        const j = (cell - i) / q.nx;
        out[2 * s] = q.x0 + (i + rng() - 0.5) * h;
        out[2 * s + 1] = q.y0 + (j + rng() - 0.5) * h;
      }
      return out;
    },
  };
}

/** The scaled Müller–Brown force field (D = 2). */
export function createMullerBrown(options: MullerBrownOptions = {}): ForceField & { reference: MullerBrownReference } {
  const reference = createMullerBrownReference(options);
  const scale = options.scale ?? MULLER_BROWN_DEFAULT_SCALE;
  const g = new Float64Array(2);
  const global = reference.minima[0]!;
  const ff = {
    name: 'muller-brown',
    dimension: 2,
    reference,
    initialPositions: Float64Array.from([global.x, global.y]),
    evaluate(positions: Float64Array, n: number, opts?: EvaluateOptions) {
      return evaluateBatch(ff, positions, n, opts, (x, o, f, fo) => {
        const u = mullerBrownRawGradient(x[o]!, x[o + 1]!, g);
        if (f) {
          f[fo] = -scale * g[0]!;
          f[fo + 1] = -scale * g[1]!;
        }
        return scale * u;
      });
    },
  };
  return ff;
}

export const mullerBrownPlugin = defineForceField<MullerBrownOptions>({
  name: 'muller-brown',
  version: PACKAGE_VERSION,
  apiVersion: API_VERSION,
  description: 'Müller–Brown potential scaled so β = 1 shows three basins; exact grid-quadrature reference',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      scale: {
        type: 'number',
        exclusiveMinimum: 0,
        default: MULLER_BROWN_DEFAULT_SCALE,
        description:
          'Multiplies the raw potential; 0.05 (= U/20) gives basin masses ≈ 80.6 % / 12.9 % / 6.5 % at β = 1.',
      },
      gridSpacing: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 0.1,
        default: 0.005,
        description: 'Lattice spacing (nm) of the exact reference grid.',
      },
    },
  },
  create: (options) => createMullerBrown(options),
});
