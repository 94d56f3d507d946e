/**
 * Drawing samples from a trained model in Float64, with energies, log-density terms and
 * importance weights log w = −βU − ℓ (science.md §3, §4), batch by batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { Model, ModelDrawOptions } from '../contracts/model.js';
import type { CoordinateTransform } from '../contracts/transform.js';
import type { ForceField } from '../contracts/force-field.js';
import type { Rng } from '../util/random.js';

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
}

/** Model draws mapped to force-field space, without energies. */
export function drawConfigurations(model: Model, transform: CoordinateTransform | undefined, n: number, rng: Rng, options?: ModelDrawOptions) {
  const { y, logQ, z, hasChoice, proposalLogRatio } = tf.tidy(() => {
    const d = model.draw(n, rng, options);
    return {
      y: d.y.dataSync() as Float32Array, logQ: d.logQ.dataSync() as Float32Array, z: d.z?.dataSync() as Float32Array | undefined,
      hasChoice: d.choiceLogProb !== undefined, proposalLogRatio: d.proposalLogRatio?.dataSync() as Float32Array | undefined,
    };
  });
  const y64 = Float64Array.from(y);
  const lq = Float64Array.from(logQ);
  let x: Float64Array = y64;
  if (transform) {
    const t = transform.forward64(y64, n);
    x = t.x;
    for (let i = 0; i < n; i++) lq[i] = lq[i]! - t.logDetJ[i]!;
  }
  return { x, y: y64, logQ: lq, z: z ? Float64Array.from(z) : undefined, hasChoice, proposalLogRatio: proposalLogRatio && Float64Array.from(proposalLogRatio) };
}

export async function drawSamples(o: DrawOptions): Promise<SampleSet> {
  const D = o.transform?.outputDimension ?? o.model.dimension;
  const Dm = o.model.dimension;
  const L = o.model.latentDimension ?? 0;
  const bs = Math.max(1, o.batchSize ?? 5000);
  const out: SampleSet = {
    n: o.n, dimension: D, modelDimension: Dm, beta: o.beta, latentDim: L,
    x: new Float64Array(o.n * D), y: new Float64Array(o.n * Dm),
    energies: new Float64Array(o.n).fill(NaN), logQ: new Float64Array(o.n), logw: new Float64Array(o.n).fill(NaN),
    z: L > 0 ? new Float64Array(o.n * L) : undefined,
  };
  for (let start = 0; start < o.n; start += bs) {
    const b = Math.min(bs, o.n - start);
    const d = drawConfigurations(o.model, o.transform, b, o.rng);
    out.x.set(d.x, start * D);
    out.y.set(d.y, start * Dm);
    out.logQ.set(d.logQ, start);
    if (out.z && d.z) out.z.set(d.z, start * L);
    if (o.forceField) {
      const e = await o.forceField.evaluate(d.x, b, { energiesOnly: true });
      for (let i = 0; i < b; i++) {
        const u = e.energies[i]!;
        out.energies[start + i] = u;
        out.logw[start + i] = Number.isFinite(u) ? -o.beta * u - d.logQ[i]! : -Infinity;
      }
    }
  }
  return out;
}
