/**
 * Drawing samples from a trained model in Float64, with energies, log-density terms and
 * importance weights log w = −βU − ℓ (docs/science/models.md), batch by batch.
 */
import * as tf from '@embedcg/core/tf';
import type { Model, ModelDraw, ModelDrawOptions } from '../contracts/model.js';
import type { CoordinateTransform } from '../contracts/transform.js';
import type { ForceField } from '../contracts/force-field.js';
import { createRng, type Rng } from '../util/random.js';

export interface SampleSet {
  n: number;
  /** Force-field space dimension. */
  dimension: number;
  /** Configurations in force-field space, n × dimension. */
  x: Float64Array;
  /** Model-space values, n × modelDimension. */
  y: Float64Array;
  modelDimension: number;
  /** Energies U(x), kJ/mol (+Infinity allowed). */
  energies: Float64Array;
  /** ℓ(x): exact log q(x) or the latent model's bound, in force-field space. */
  logQ: Float64Array;
  /** log w = −βU − ℓ (−Infinity where U is infinite). */
  logw: Float64Array;
  beta: number;
  /** Latent values drawn with the samples, n × latentDim. */
  z?: Float64Array;
  latentDim: number;
}

export interface DrawOptions {
  model: Model;
  transform?: CoordinateTransform;
  /** Omit to skip energies (they are then NaN and logw is undefined-valued NaN). */
  forceField?: ForceField;
  n: number;
  beta: number;
  rng: Rng;
  batchSize?: number;
  /**
   * Latent samples per configuration for ℓ (models with `logProbEstimate`; default 1, the draw's
   * own ℓ). More give exact weights with less spread at no extra energy evaluation. Models without
   * the estimate ignore it: their ℓ is exact already, the limit more samples approach.
   */
  latentSamples?: number;
}

interface DrawRead {
  y: Float32Array;
  logQ: Float32Array;
  z: Float32Array | undefined;
  hasChoice: boolean;
  proposalLogRatio: Float32Array | undefined;
}

/** Model draws mapped to force-field space, without energies. */
export function drawConfigurations(
  model: Model,
  transform: CoordinateTransform | undefined,
  n: number,
  rng: Rng,
  options?: ModelDrawOptions,
) {
  let read: DrawRead | undefined;
  // The arrays leave by assignment, not as tidy's result: tidy walks a result element by element
  // looking for tensors, which cost 2 % of the main job's step.
  tf.tidy(() => {
    read = readDraw(model.draw(n, rng, options));
  });
  return mappedDraw(read!, transform, n);
}

/** A draw's tensors read out (they stay the caller's). */
export function readDraw(d: ModelDraw): DrawRead {
  return {
    y: d.y.dataSync() as Float32Array,
    logQ: d.logQ.dataSync() as Float32Array,
    z: d.z?.dataSync() as Float32Array | undefined,
    hasChoice: d.choiceLogProb !== undefined,
    proposalLogRatio: d.proposalLogRatio?.dataSync() as Float32Array | undefined,
  };
}

/** A read draw in Float64, mapped to force-field space (log q less the transform's log-det). */
export function mappedDraw(read: DrawRead, transform: CoordinateTransform | undefined, n: number) {
  const { y, logQ, z, hasChoice, proposalLogRatio } = read;
  const y64 = Float64Array.from(y);
  const lq = Float64Array.from(logQ);
  let x: Float64Array = y64;
  let logDetJ: Float64Array | undefined;
  if (transform) {
    const t = transform.forward64(y64, n);
    x = t.x;
    logDetJ = t.logDetJ;
    for (let i = 0; i < n; i++) lq[i] = lq[i]! - t.logDetJ[i]!;
  }
  return {
    x,
    y: y64,
    logQ: lq,
    logDetJ,
    z: z ? Float64Array.from(z) : undefined,
    hasChoice,
    proposalLogRatio: proposalLogRatio && Float64Array.from(proposalLogRatio),
  };
}

/** log w = −βU − ℓ; a non-finite energy (overlapping atoms) gives weight zero. */
function logWeight(u: number, beta: number, logQ: number): number {
  return Number.isFinite(u) ? -beta * u - logQ : -Infinity;
}

/**
 * Replace each draw's ℓ by the model's K-sample estimate, the drawn latent counted as the first
 * sample, keeping the transform's log-determinant.
 */
function tightenLogQ(
  model: Model,
  d: { y: Float64Array; z?: Float64Array; logQ: Float64Array; logDetJ?: Float64Array },
  n: number,
  K: number,
  rng: Rng,
): void {
  const L = model.latentDimension!;
  const est = tf.tidy(() =>
    model.logProbEstimate!(
      tf.tensor2d(Float32Array.from(d.y), [n, model.dimension]),
      rng,
      K,
      tf.tensor2d(Float32Array.from(d.z!), [n, L]),
    ).dataSync(),
  );
  for (let i = 0; i < n; i++) d.logQ[i] = est[i]! - (d.logDetJ ? d.logDetJ[i]! : 0);
}

export async function drawSamples(o: DrawOptions): Promise<SampleSet> {
  const D = o.transform?.outputDimension ?? o.model.dimension;
  const Dm = o.model.dimension;
  const L = o.model.latentDimension ?? 0;
  const bs = Math.max(1, o.batchSize ?? 5000);
  const asked = o.latentSamples ?? 1;
  if (!Number.isInteger(asked) || asked < 1)
    throw new RangeError(`drawSamples: latentSamples must be a whole number ≥ 1, got ${asked}`);
  const K = o.model.logProbEstimate ? asked : 1;
  // The estimate's noise comes from its own stream, seeded from (not drawn from) the caller's, so
  // the configurations drawn are the same whatever K is: only their weights change.
  const latentRng = K > 1 ? createRng((o.rng.getState()[0]! ^ 0x5bd1e995) >>> 0) : undefined;
  const out: SampleSet = {
    n: o.n,
    dimension: D,
    modelDimension: Dm,
    beta: o.beta,
    latentDim: L,
    x: new Float64Array(o.n * D),
    y: new Float64Array(o.n * Dm),
    energies: new Float64Array(o.n).fill(NaN),
    logQ: new Float64Array(o.n),
    logw: new Float64Array(o.n).fill(NaN),
    z: L > 0 ? new Float64Array(o.n * L) : undefined,
  };
  for (let start = 0; start < o.n; start += bs) {
    const b = Math.min(bs, o.n - start);
    const d = drawConfigurations(o.model, o.transform, b, o.rng);
    if (K > 1) {
      if (!d.z)
        throw new RangeError(
          `drawSamples: latentSamples ${K} needs the drawn latents, and model "${o.model.name}" returned none`,
        );
      tightenLogQ(o.model, d, b, K, latentRng!);
    }
    out.x.set(d.x, start * D);
    out.y.set(d.y, start * Dm);
    out.logQ.set(d.logQ, start);
    if (out.z && d.z) out.z.set(d.z, start * L);
    if (o.forceField) {
      const e = await o.forceField.evaluate(d.x, b, { energiesOnly: true });
      for (let i = 0; i < b; i++) {
        const u = e.energies[i]!;
        out.energies[start + i] = u;
        out.logw[start + i] = logWeight(u, o.beta, d.logQ[i]!);
      }
    }
  }
  return out;
}

/**
 * The same draws with ℓ re-estimated from K latent samples per configuration (the drawn latent
 * counted as the first), and log w recomputed from the stored energies: no energy evaluation, so
 * weights from several K can be compared on identical configurations.
 */
export function withLatentSamples(
  s: SampleSet,
  model: Model,
  transform: CoordinateTransform | undefined,
  K: number,
  rng: Rng,
  batchSize = 5000,
): SampleSet {
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`withLatentSamples: K must be a whole number ≥ 1, got ${K}`);
  if (!model.logProbEstimate || !s.z)
    throw new RangeError(
      `withLatentSamples: needs a latent-variable model with logProbEstimate() and the drawn latents (model "${model.name}")`,
    );
  const out: SampleSet = { ...s, logQ: new Float64Array(s.n), logw: new Float64Array(s.n) };
  const Dm = s.modelDimension;
  const L = s.latentDim;
  for (let start = 0; start < s.n; start += batchSize) {
    const b = Math.min(batchSize, s.n - start);
    const y = s.y.subarray(start * Dm, (start + b) * Dm);
    const d = {
      y,
      z: s.z.subarray(start * L, (start + b) * L),
      logQ: out.logQ.subarray(start, start + b),
      logDetJ: transform ? transform.forward64(y, b).logDetJ : undefined,
    };
    tightenLogQ(model, d, b, K, rng);
    for (let i = start; i < start + b; i++)
      out.logw[i] = Number.isNaN(s.energies[i]!) ? NaN : logWeight(s.energies[i]!, s.beta, out.logQ[i]!);
  }
  return out;
}
