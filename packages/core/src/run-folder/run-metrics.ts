/** The metrics of a trained run: what metrics.json holds and `embedcg evaluate` prints. */
import { targetBeta, type RunConfig } from '../config/run-config.js';
import { computeMetrics } from '../training/metrics.js';
import type { SampleSet } from '../training/sampling.js';
import type { RunPlugins } from '../run.js';

export interface RunMetricsResult {
  /** computeMetrics' metrics, then the run's energy evaluations and training wall time. */
  metrics: Record<string, number | string>;
  /** The samples the metrics were computed from. */
  samples: SampleSet;
}

/**
 * Metrics of a run's model at the config's target β, from `samples` draws (default: the config's
 * evaluation.samples) with the config's seed (or `seed`: another sample set), so training's end
 * and a later `evaluate` agree.
 * `plugins.forceField.evaluations` must hold the training's count: it is reported with this
 * evaluation's added.
 */
export async function runMetrics(
  config: RunConfig,
  plugins: RunPlugins,
  wallSeconds: number,
  samples?: number,
  latentSamples?: number,
  seed?: number,
): Promise<RunMetricsResult> {
  const evals0 = plugins.forceField.evaluations;
  const { metrics, samples: set } = await computeMetrics({
    model: plugins.model,
    transform: plugins.transform,
    forceField: plugins.forceField,
    beta: targetBeta(config),
    samples: samples ?? config.evaluation.samples,
    seed: seed ?? config.seed,
    batchSize: config.evaluation.batchSize,
    latentSamples: latentSamples ?? config.evaluation.latentSamples,
  });
  return {
    metrics: {
      ...metrics,
      // Every evaluation counts: training, tempering and this evaluation alike.
      energyEvaluations: plugins.forceField.evaluations,
      evaluationEnergyEvaluations: plugins.forceField.evaluations - evals0,
      wallSeconds,
    },
    samples: set,
  };
}
