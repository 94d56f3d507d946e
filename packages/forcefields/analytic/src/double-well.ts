/**
 * The 2-D double well of both papers (docs/science/systems.md): U = x1⁴/4 − 3 x1² + x1 + x2²/2 (kJ/mol, nm).
 * Two wells along x1, the one at x1 < 0 deeper; x2 is a harmonic fast coordinate.
 */
import { API_VERSION, defineForceField } from '@embedcg/core';
import type { Basin, EvaluateOptions, ExactReference, ForceField } from '@embedcg/core';
import { evaluateBatch } from './batch.js';
import { bisect, inverseCdfLinear, normalFrom, simpson } from './numerics.js';
import { PACKAGE_VERSION } from './version.js';

/** The x1 part of the potential, x⁴/4 − 3x² + x (Horner form: no Inf − Inf for huge |x|). */
export function doubleWellX1Potential(x: number): number {
  const x2 = x * x;
  return x2 * (0.25 * x2 - 3) + x;
}

/** d/dx of {@link doubleWellX1Potential}: x³ − 6x + 1. */
export function doubleWellX1Derivative(x: number): number {
  return x * (x * x - 6) + 1;
}

/**
 * The three stationary points of the x1 potential (roots of x³ − 6x + 1, trigonometric form,
 * polished by Newton): the deep left minimum, the barrier top between the wells (≈ 0.1674) and the
 * shallow right minimum.
 */
export function doubleWellStationaryPoints(): { left: number; barrier: number; right: number } {
  // t³ + p t + q = 0 with p = −6, q = 1.
  const p = -6;
  const q = 1;
  const r = 2 * Math.sqrt(-p / 3);
  const phi = Math.acos(((3 * q) / (2 * p)) * Math.sqrt(-3 / p)) / 3;
  const roots = [0, 1, 2].map((k) => r * Math.cos(phi - (2 * Math.PI * k) / 3)).sort((a, b) => a - b);
  const polish = (x: number): number => {
    for (let i = 0; i < 4; i++) x -= doubleWellX1Derivative(x) / (3 * x * x - 6);
    return x;
  };
  const [left, barrier, right] = roots.map(polish) as [number, number, number];
  return { left, barrier, right };
}

/** Quadrature of the x1 marginal at one β (exact up to ~1e-12 relative). */
export interface DoubleWellQuadrature {
  beta: number;
  /** Nodes, increasing; the barrier top is a node, so basin masses are split exactly there. */
  x: Float64Array;
  /** log ∫ exp(−β U1(x1)) dx1. */
  logZ1: number;
  /** Mass of x1 > barrier (the shallow right well). */
  minorMass: number;
  /** Piecewise-linear CDF at the nodes (trapezoid), for the inverse-CDF sampler. */
  cdf: Float64Array;
}

/**
 * How far into the walls the x1 integration range reaches: β·(U1 − U1min) = 60 there, so the
 * neglected tails are below e⁻⁶⁰ relative, at every β (a fixed [−8, 8] would cut the tails at
 * small β, e.g. β = 0.01 leaves e⁻¹⁰ outside).
 */
const WALL_CUTOFF = 60;

/**
 * Simpson quadrature of exp(−β U1) over the range where it is not negligible, split at the
 * barrier top so that both basin integrals are Simpson-accurate. `points` ≈ total node count.
 */
export function doubleWellX1Quadrature(beta: number, points = 20001): DoubleWellQuadrature {
  if (!(beta > 0) || !Number.isFinite(beta))
    throw new RangeError(`double-well: beta must be a positive finite number, got ${beta}`);
  if (!Number.isInteger(points) || points < 101)
    throw new RangeError(`double-well: quadraturePoints must be an integer ≥ 101, got ${points}`);
  const { left, barrier, right } = doubleWellStationaryPoints();
  const uMin = Math.min(doubleWellX1Potential(left), doubleWellX1Potential(right));
  const excess = (x: number): number => beta * (doubleWellX1Potential(x) - uMin) - WALL_CUTOFF;
  const reach = (from: number, dir: number): number => {
    let step = 1;
    while (excess(from + dir * step) < 0) step *= 2;
    return bisect(excess, from, from + dir * step);
  };
  const lo = reach(left, -1);
  const hi = reach(right, +1);
  // Share the intervals between the two halves by length, each an even count for Simpson.
  const total = points - 1;
  const mLeft = 2 * Math.max(1, Math.round((total * (barrier - lo)) / (hi - lo) / 2));
  const mRight = 2 * Math.max(1, Math.round((total - mLeft) / 2));
  const x = new Float64Array(mLeft + mRight + 1);
  const f = new Float64Array(x.length);
  const hL = (barrier - lo) / mLeft;
  const hR = (hi - barrier) / mRight;
  for (let i = 0; i <= mLeft; i++) x[i] = lo + i * hL;
  for (let i = 1; i <= mRight; i++) x[mLeft + i] = barrier + i * hR;
  x[mLeft] = barrier;
  x[x.length - 1] = hi;
  for (let i = 0; i < x.length; i++) f[i] = Math.exp(-beta * (doubleWellX1Potential(x[i]!) - uMin));
  const iMajor = simpson(f.subarray(0, mLeft + 1), hL);
  const iMinor = simpson(f.subarray(mLeft), hR);
  const cdf = new Float64Array(x.length);
  for (let i = 1; i < x.length; i++) cdf[i] = cdf[i - 1]! + 0.5 * (f[i - 1]! + f[i]!) * (x[i]! - x[i - 1]!);
  const last = cdf[cdf.length - 1]!;
  for (let i = 0; i < cdf.length; i++) cdf[i] = cdf[i]! / last;
  return {
    beta,
    x,
    logZ1: Math.log(iMajor + iMinor) - beta * uMin,
    minorMass: iMinor / (iMajor + iMinor),
    cdf,
  };
}

/** Exact reference of the double well, with the x1 marginal density for plots. */
export interface DoubleWellReference extends ExactReference {
  /** Exact density of x1 under p_β at each grid value. */
  marginal(beta: number, grid: ArrayLike<number>): Float64Array;
  /** x1 of the barrier top that separates the basins. */
  readonly barrier: number;
}

export interface DoubleWellOptions {
  /** Nodes of the x1 quadrature (default 20001; ≥ 101). */
  quadraturePoints?: number;
}

/** Build the exact reference; quadratures are cached per β. */
export function createDoubleWellReference(options: DoubleWellOptions = {}): DoubleWellReference {
  const points = options.quadraturePoints ?? 20001;
  const cache = new Map<number, DoubleWellQuadrature>();
  const quad = (beta: number): DoubleWellQuadrature => {
    let q = cache.get(beta);
    if (!q) {
      q = doubleWellX1Quadrature(beta, points);
      if (cache.size > 16) cache.clear();
      cache.set(beta, q);
    }
    return q;
  };
  const { barrier } = doubleWellStationaryPoints();
  return {
    barrier,
    slowCoordinate: 0,
    logZ(beta) {
      return quad(beta).logZ1 + 0.5 * Math.log((2 * Math.PI) / beta);
    },
    basins(beta): Basin[] {
      const q = quad(beta);
      return [
        { name: 'major', mass: 1 - q.minorMass, contains: (x) => x[0]! < barrier },
        { name: 'minor', mass: q.minorMass, contains: (x) => x[0]! >= barrier },
      ];
    },
    sample(beta, n, rng) {
      const q = quad(beta);
      const out = new Float64Array(2 * n);
      const sd = 1 / Math.sqrt(beta);
      for (let i = 0; i < n; i++) {
        out[2 * i] = inverseCdfLinear(q.x, q.cdf, rng());
        out[2 * i + 1] = sd * normalFrom(rng);
      }
      return out;
    },
    marginal(beta, grid) {
      const q = quad(beta);
      const out = new Float64Array(grid.length);
      for (let i = 0; i < grid.length; i++) out[i] = Math.exp(-beta * doubleWellX1Potential(grid[i]!) - q.logZ1);
      return out;
    },
  };
}

/** The double-well force field (D = 2). */
export function createDoubleWell(options: DoubleWellOptions = {}): ForceField & { reference: DoubleWellReference } {
  const reference = createDoubleWellReference(options);
  const ff = {
    name: 'double-well',
    dimension: 2,
    reference,
    initialPositions: Float64Array.from([doubleWellStationaryPoints().left, 0]),
    evaluate(positions: Float64Array, n: number, opts?: EvaluateOptions) {
      return evaluateBatch(ff, positions, n, opts, (x, o, f, fo) => {
        const x1 = x[o]!;
        const x2 = x[o + 1]!;
        if (f) {
          f[fo] = -doubleWellX1Derivative(x1);
          f[fo + 1] = -x2;
        }
        return doubleWellX1Potential(x1) + 0.5 * x2 * x2;
      });
    },
  };
  return ff;
}

export const doubleWellPlugin = defineForceField<DoubleWellOptions>({
  name: 'double-well',
  version: PACKAGE_VERSION,
  apiVersion: API_VERSION,
  description: '2-D double well U = x1⁴/4 − 3x1² + x1 + x2²/2 with exact quadrature reference',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      quadraturePoints: {
        type: 'integer',
        minimum: 101,
        default: 20001,
        description: 'Nodes of the 1-D quadrature of the x1 marginal used by the exact reference.',
      },
    },
  },
  create: (options) => createDoubleWell(options),
});
