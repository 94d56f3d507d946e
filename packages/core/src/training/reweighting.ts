/**
 * The buffer of annealing by reweighting (the TA-BG recipe, issue #7; its loss is
 * objectives/reweighting.ts): after reverse-KL training, fit the model by
 * importance-weighted maximum likelihood on a buffer of its own samples,
 *   min_θ −Σ_i w_i log q_θ(y_i),   w_i ∝ exp(−β U(x_i)) / q(x_i)   (self-normalised),
 * i.e. the forward KL(p‖q), which covers mass instead of seeking modes. The buffer is redrawn from
 * the current model every `refreshEvery` steps. Optionally the reverse-KL stage stops hot, at
 * `startFraction`·β*, and the buffer weights then cool geometrically to β* over `rungs` rungs:
 * each rung reweights samples of a model fitted one rung hotter, so the weights stay well spread.
 */
import type { Model } from '../contracts/model.js';
import type { CoordinateTransform } from '../contracts/transform.js';
import type { ForceField } from '../contracts/force-field.js';
import type { Rng } from '../util/random.js';
import { essFraction, normalizedWeights } from '../util/stats.js';
import { drawSamples } from './sampling.js';

export interface ReweightingSettings {
  /** Weighted maximum-likelihood steps per rung. */
  stepsPerRung: number;
  /** Samples in the buffer. */
  bufferSize: number;
  /** Redraw the buffer from the current model every this many steps. */
  refreshEvery: number;
  /** β/β* at which reverse-KL training stops; 1 = train at the target, then reweight there. */
  startFraction: number;
  /** Geometric rungs from startFraction·β* to β* (the last rung is β* itself). */
  rungs: number;
  /** Minibatch size (default training.batchSize). */
  batchSize?: number;
  /** Adam learning rate in this phase (default training.finalLearningRate, else learningRate). */
  learningRate?: number;
  /**
   * Reverse-KL steps at β* after the ladder (default 0). Forward KL fits mass but leaves broad
   * tails; once the modes sit apart at β*, reverse KL tightens each without moving mass between them.
   */
  polishSteps?: number;
}

/** β of each rung: geometric from startFraction·β* (exclusive) to β* (inclusive). */
export function rungBetas(s: Pick<ReweightingSettings, 'startFraction' | 'rungs'>, targetBeta: number): number[] {
  if (s.startFraction >= 1) return [targetBeta];
  const out: number[] = [];
  for (let k = 1; k <= s.rungs; k++) out.push(targetBeta * s.startFraction ** (1 - k / s.rungs));
  out[out.length - 1] = targetBeta;
  return out;
}

export interface Buffer {
  /** Model-space rows with non-zero weight. */
  y: Float32Array;
  dimension: number;
  /** Cumulative normalised weights, for resampling by binary search. */
  cdf: Float64Array;
  ess: number;
  /** Rows drawn, including those with infinite energy (weight 0). */
  drawn: number;
  beta: number;
}

/** Draw `n` samples from the model, weight them at β, and keep those with weight > 0. */
export async function fillBuffer(o: {
  model: Model;
  transform?: CoordinateTransform;
  forceField: ForceField;
  n: number;
  beta: number;
  rng: Rng;
  batchSize: number;
}): Promise<Buffer> {
  const s = await drawSamples({
    model: o.model,
    transform: o.transform,
    forceField: o.forceField,
    n: o.n,
    beta: o.beta,
    rng: o.rng,
    batchSize: o.batchSize,
  });
  const Dm = s.modelDimension;
  const keep: number[] = [];
  for (let i = 0; i < s.n; i++) if (Number.isFinite(s.logw[i]!)) keep.push(i);
  if (keep.length === 0) {
    throw new Error(`every one of the ${s.n} buffer samples had a non-finite energy at β = ${o.beta}`);
  }
  const logw = Float64Array.from(keep, (i) => s.logw[i]!);
  const w = normalizedWeights(logw);
  const y = new Float32Array(keep.length * Dm);
  const cdf = new Float64Array(keep.length);
  let acc = 0;
  keep.forEach((i, j) => {
    y.set(s.y.subarray(i * Dm, (i + 1) * Dm), j * Dm);
    acc += w[j]!;
    cdf[j] = acc;
  });
  return { y, dimension: Dm, cdf, ess: essFraction(logw), drawn: s.n, beta: o.beta };
}

/** Multinomial resampling of `n` buffer rows. */
export function resample(buf: Buffer, n: number, rng: Rng): Float32Array {
  const D = buf.dimension;
  const m = buf.cdf.length;
  const total = buf.cdf[m - 1]!;
  const out = new Float32Array(n * D);
  for (let r = 0; r < n; r++) {
    const u = rng.uniform() * total;
    let lo = 0,
      hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (buf.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    out.set(buf.y.subarray(lo * D, (lo + 1) * D), r * D);
  }
  return out;
}
