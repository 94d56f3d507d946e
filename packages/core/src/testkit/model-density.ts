/**
 * Density checks for exact-density models (those with `logProb`): the logQ a draw reports is the
 * log-density of the drawn points, and the density integrates to 1. Reverse KL trusts both: a
 * wrong logQ biases every gradient and every importance weight, yet the loss still falls.
 */
import * as tf from '@embedcg/core/tf';
import type { Model } from '../contracts/model.js';
import { createRng } from '../util/random.js';
import { fail } from './errors.js';

export interface DrawDensityOptions {
  /** Samples drawn. Default 64. */
  n?: number;
  /** Allowed |logQ − logProb| is atol + rtol·|logQ| (float32 forward and inverse passes). */
  atol?: number;
  rtol?: number;
}

/** Why an exact-density check does not apply to `m`, if it does not. */
function notExact(m: Model): string | undefined {
  if (!m.exactDensity) return 'logQ is a bound, not an exact density (skipped)';
  if (!m.logProb) return 'no logProb (skipped)';
  return undefined;
}

/** The logQ returned by `draw` equals `logProb` of the same points. */
export function checkDrawLogProb(m: Model, o: DrawDensityOptions = {}): string {
  const skip = notExact(m);
  if (skip) return skip;
  const n = o.n ?? 64;
  const atol = o.atol ?? 2e-3,
    rtol = o.rtol ?? 1e-4;
  const [a, b] = tf.tidy(() => {
    const d = m.draw(n, createRng(21));
    return [d.logQ.dataSync().slice(), m.logProb!(d.y).dataSync().slice()];
  });
  let worst = -1,
    worstRatio = 0,
    outside = 0;
  for (let i = 0; i < n; i++) {
    const ratio = Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(a[i]!));
    if (!(ratio <= 1)) outside++;
    if (!(ratio <= worstRatio)) [worst, worstRatio] = [i, ratio];
  }
  if (outside > 0)
    fail(
      'draw logQ vs logProb',
      `${m.name}: sample ${worst}: the draw's logQ is ${a[worst]} but logProb of the same point is ${b[worst]} (|difference| ${Math.abs(a[worst]! - b[worst]!).toExponential(2)} > ${atol} + ${rtol}·|logQ|); ${outside} of ${n} samples disagree`,
    );
  return `${n} samples agree (worst |difference|/tolerance ${worstRatio.toFixed(3)})`;
}

export interface NormalizationOptions {
  /**
   * Integration box, one [lo, hi] per coordinate. Default: the range of 2000 draws ± 2 standard
   * deviations; [−π, π] for coordinates the model lists in `circular`.
   */
  box?: Array<[number, number]>;
  /** Grid cells per coordinate. Default 1000 in 1-D, 128 in 2-D. */
  cells?: number;
  /** Allowed |∫q − 1|. Default 0.01. */
  tolerance?: number;
}

/**
 * The range of `samples` draws widened by two standard deviations on each side, per coordinate;
 * one period [−π, π] for the angles of a model that lists them in `circular` (as the flow models
 * do), whose logProb is periodic there.
 */
function boxFromDraws(m: Model, samples: number): Array<[number, number]> {
  const D = m.dimension;
  const circular = (m as { circular?: readonly number[] }).circular ?? [];
  const y = tf.tidy(() => m.draw(samples, createRng(22)).y.dataSync().slice());
  return Array.from({ length: D }, (_, k): [number, number] => {
    if (circular.includes(k)) return [-Math.PI, Math.PI];
    let lo = Infinity,
      hi = -Infinity,
      s = 0,
      s2 = 0;
    for (let i = 0; i < samples; i++) {
      const v = y[i * D + k]!;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      s += v;
      s2 += v * v;
    }
    const sd = Math.sqrt(Math.max(s2 / samples - (s / samples) ** 2, 0));
    return [lo - 2 * sd, hi + 2 * sd];
  });
}

/**
 * ∫q = 1 by the midpoint rule on a grid over a box holding the mass, for 1-D and 2-D models.
 * The default tolerance 0.01 covers the grid (the midpoint rule's relative error is about
 * (h/σ)²/24 per coordinate: ≈ 3e-4 for 128 cells over the ~11σ of a Gaussian's default box), the
 * mass outside the box (beyond the extremes of 2000 draws lies ~1/2000 per side, less after
 * widening by 2σ) and float32 log-densities. A missing normalizing constant or a wrong
 * log-Jacobian is off by far more. Costs 2000 draws and cells^D logProb rows; no energies.
 */
export function checkNormalization(m: Model, o: NormalizationOptions = {}): string {
  const skip = notExact(m);
  if (skip) return skip;
  const D = m.dimension;
  if (D > 2) return `dimension ${D} > 2: no grid quadrature (skipped)`;
  const box = o.box ?? boxFromDraws(m, 2000);
  const cells = o.cells ?? (D === 1 ? 1000 : 128);
  const tolerance = o.tolerance ?? 0.01;
  const [[lo0, hi0] = [0, 0], [lo1, hi1] = [0, 0]] = box;
  const h0 = (hi0 - lo0) / cells,
    h1 = D === 2 ? (hi1 - lo1) / cells : 1;
  const rows = D === 1 ? cells : cells * cells;
  const grid = new Float32Array(rows * D);
  for (let r = 0; r < rows; r++) {
    grid[r * D] = lo0 + ((r % cells) + 0.5) * h0;
    if (D === 2) grid[r * D + 1] = lo1 + (Math.floor(r / cells) + 0.5) * h1;
  }
  let sum = 0;
  const chunk = 10000;
  for (let start = 0; start < rows; start += chunk) {
    const k = Math.min(chunk, rows - start);
    const lp = tf.tidy(() => m.logProb!(tf.tensor2d(grid.subarray(start * D, (start + k) * D), [k, D])).dataSync());
    for (let j = 0; j < k; j++) {
      if (Number.isNaN(lp[j]!)) {
        const at = Array.from(grid.subarray((start + j) * D, (start + j + 1) * D), (v) => +v.toPrecision(4));
        fail('normalization', `${m.name}: logProb is NaN at (${at.join(', ')})`);
      }
      sum += Math.exp(lp[j]!);
    }
  }
  const integral = sum * h0 * h1;
  const where = box.slice(0, D).map(([lo, hi]) => `[${+lo.toPrecision(4)}, ${+hi.toPrecision(4)}]`);
  if (!(Math.abs(integral - 1) <= tolerance))
    fail(
      'normalization',
      `${m.name}: ∫q = ${integral.toFixed(4)} over ${where.join(' × ')} (${cells} cells per coordinate), expected 1 ± ${tolerance}`,
    );
  return `∫q = ${integral.toFixed(4)} over ${where.join(' × ')}`;
}
