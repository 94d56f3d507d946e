/**
 * Metrics of a trained model against the force field's exact reference, where it has one
 * (docs/science/metrics.md): reverse KL (exact log Z), log Z estimate, ESS, basin masses raw / reweighted /
 * exact, and the CV quality (|Spearman| between a latent CV and the slow coordinate on exact samples).
 */
import * as tf from '@embedcg/core/tf';
import type { Model } from '../contracts/model.js';
import type { CoordinateTransform } from '../contracts/transform.js';
import type { ForceField } from '../contracts/force-field.js';
import { createRng } from '../util/random.js';
import { paretoSmooth } from '../util/psis.js';
import { essFraction, logMeanExp, mean, normalizedWeights, spearman } from '../util/stats.js';
import { drawSamples, type SampleSet } from './sampling.js';

export interface MetricsOptions {
  model: Model;
  transform?: CoordinateTransform;
  forceField: ForceField;
  beta: number;
  samples: number;
  seed: number;
  batchSize?: number;
  /** Latent samples per draw for ℓ (see drawSamples); default 1. */
  latentSamples?: number;
}

/** Latent CVs (encoder means) of configurations in force-field space. */
export function encodeConfigurations(
  model: Model,
  transform: CoordinateTransform | undefined,
  x: Float64Array,
  n: number,
): Float64Array | undefined {
  if (!model.encode) return undefined;
  const y = transform ? transform.inverse64(x, n).y : x;
  const z = tf.tidy(() => model.encode!(tf.tensor2d(Float32Array.from(y), [n, model.dimension])));
  const out = Float64Array.from(z.dataSync());
  z.dispose();
  return out;
}

/** Basin masses of a sample set: raw fraction and self-normalised reweighted. */
export function basinMasses(s: SampleSet, contains: (x: Float64Array) => boolean): { raw: number; reweighted: number } {
  const W = normalizedWeights(s.logw);
  let raw = 0,
    rw = 0;
  for (let i = 0; i < s.n; i++) {
    if (contains(s.x.subarray(i * s.dimension, (i + 1) * s.dimension))) {
      raw++;
      rw += W[i]!;
    }
  }
  return { raw: raw / s.n, reweighted: rw };
}

export async function computeMetrics(
  o: MetricsOptions,
): Promise<{ metrics: Record<string, number | string>; samples: SampleSet }> {
  const rng = createRng(o.seed * 104729 + 3);
  const s = await drawSamples({
    model: o.model,
    transform: o.transform,
    forceField: o.forceField,
    n: o.samples,
    beta: o.beta,
    rng,
    batchSize: o.batchSize,
    latentSamples: o.latentSamples,
  });
  const m: Record<string, number | string> = {};
  const finite = Array.from(s.energies).filter(Number.isFinite).length;
  m.samples = s.n;
  if (o.model.logProbEstimate) m.latentSamples = o.latentSamples ?? 1;
  m.nonFiniteEnergyFraction = 1 - finite / s.n;
  m.logZ = logMeanExp(s.logw);
  m.ess = essFraction(s.logw);
  // PSIS shape k̂ of the weights' tail: above 0.7 reweighted estimates are unreliable whatever the ESS.
  // With k̂ above 0.5 the Kish ESS of one draw swings by orders of magnitude from draw to draw (a
  // single weight can hold a quarter of the mass); that of the Pareto-smoothed weights does not.
  if (s.logw.some(Number.isFinite)) {
    const smoothed = paretoSmooth(s.logw);
    m.khat = smoothed.khat;
    m.essSmoothed = essFraction(smoothed.logWeights);
  }
  const lossTerms = new Float64Array(s.n);
  for (let i = 0; i < s.n; i++) lossTerms[i] = s.logQ[i]! + o.beta * s.energies[i]!;
  m.loss = mean(lossTerms);
  m.meanEnergy = mean(s.energies);
  m.densityIsExact = o.model.exactDensity ? 1 : 0;
  const ref = o.forceField.reference;
  if (ref) {
    const logZExact = ref.logZ(o.beta);
    m.logZExact = logZExact;
    m.logZError = (m.logZ as number) - logZExact;
    // E_q[ℓ + βU] + log Z: the exact reverse KL for exact-density models, its upper bound for latent ones.
    m.kl = (m.loss as number) + logZExact;
    const basins = ref.basins?.(o.beta) ?? [];
    if (basins.length) {
      const sorted = [...basins].sort((a, b) => a.mass - b.mass);
      for (const b of basins) {
        const est = basinMasses(s, (x) => b.contains(x));
        m[`basinMass.${b.name}`] = est.raw;
        m[`basinMassReweighted.${b.name}`] = est.reweighted;
        m[`basinMassExact.${b.name}`] = b.mass;
      }
      const minor = sorted[0]!;
      m.minorMode = minor.name;
      m.minorModeMass = m[`basinMass.${minor.name}`]!;
      m.minorModeMassReweighted = m[`basinMassReweighted.${minor.name}`]!;
      m.minorModeMassExact = minor.mass;
    }
    if (ref.sample && ref.slowCoordinate !== undefined && o.model.encode && o.model.latentDimension) {
      const nRef = 10_000;
      const xr = ref.sample(o.beta, nRef, () => rng.uniform());
      const z = encodeConfigurations(o.model, o.transform, xr, nRef)!;
      const D = o.forceField.dimension,
        L = o.model.latentDimension;
      const slow = Float64Array.from({ length: nRef }, (_, i) => xr[i * D + ref.slowCoordinate!]!);
      let best = 0;
      for (let l = 0; l < L; l++) {
        const zl = Float64Array.from({ length: nRef }, (_, i) => z[i * L + l]!);
        best = Math.max(best, Math.abs(spearman(zl, slow)));
      }
      m.cvCorrelation = best;
    }
  }
  return { metrics: m, samples: s };
}
