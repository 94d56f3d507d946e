/** Metrics of a trained run, shared by `train` (at the end) and `evaluate`. */
import { computeMetrics, targetBeta, type RunConfig, type RunPlugins } from '@embedcg/core';
import { UsageError } from './errors.js';

export async function runMetrics(
  config: RunConfig,
  plugins: RunPlugins,
  wallSeconds: number,
  samples?: number,
  latentSamples?: number,
) {
  const evals0 = plugins.forceField.evaluations;
  const { metrics, samples: set } = await computeMetrics({
    model: plugins.model,
    transform: plugins.transform,
    forceField: plugins.forceField,
    beta: targetBeta(config),
    samples: samples ?? config.evaluation.samples,
    seed: config.seed,
    batchSize: config.evaluation.batchSize,
    latentSamples: latentSamples ?? config.evaluation.latentSamples,
  });
  return {
    metrics: {
      ...metrics,
      // Every evaluation counts, training and tempering and this evaluation alike (science.md §7).
      energyEvaluations: plugins.forceField.evaluations,
      evaluationEnergyEvaluations: plugins.forceField.evaluations - evals0,
      wallSeconds,
    },
    samples: set,
  };
}

export function printMetrics(metrics: Record<string, unknown>): void {
  const keys = Object.keys(metrics);
  const w = Math.max(...keys.map((k) => k.length));
  for (const k of keys) {
    const v = metrics[k];
    const s =
      typeof v === 'number'
        ? Number.isInteger(v)
          ? String(v)
          : Math.abs(v) < 1e-3 && v !== 0
            ? v.toExponential(4)
            : v.toFixed(5)
        : String(v);
    process.stdout.write(`${k.padEnd(w)}  ${s}\n`);
  }
}

/** `--latent-samples`: shared by the commands that draw weighted samples. */
export const latentSamplesOption = {
  type: 'number',
  describe:
    "Encoder draws per sample for its log-density estimate (latent-variable models; default: the config's evaluation.latentSamples): more give exact weights that spread less, at no extra energy evaluation",
} as const;

/** A --latent-samples value checked, or undefined when not given. */
export function checkLatentSamples(
  k: number | undefined,
  model: { name: string; logProbEstimate?: unknown },
): number | undefined {
  if (k === undefined) return undefined;
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`--latent-samples must be a whole number ≥ 1, got ${k}`);
  if (k > 1 && !model.logProbEstimate)
    throw new UsageError(
      `--latent-samples ${k}: model "${model.name}" has no latent log-density estimate (only latent-variable models such as the VAE do)`,
    );
  return k;
}
