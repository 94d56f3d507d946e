/** Metrics of a trained run, shared by `train` (at the end) and `evaluate`. */
import { computeMetrics, targetBeta, type RunConfig, type RunPlugins } from '@embedcg/core';

export async function runMetrics(config: RunConfig, plugins: RunPlugins, wallSeconds: number, samples?: number) {
  const evals0 = plugins.forceField.evaluations;
  const { metrics, samples: set } = await computeMetrics({
    model: plugins.model,
    transform: plugins.transform,
    forceField: plugins.forceField,
    beta: targetBeta(config),
    samples: samples ?? config.evaluation.samples,
    seed: config.seed,
    batchSize: config.evaluation.batchSize,
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
    const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(4) : v.toFixed(5)) : String(v);
    process.stdout.write(`${k.padEnd(w)}  ${s}\n`);
  }
}
