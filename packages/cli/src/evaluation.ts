/** Printing metrics, and the options shared by the commands that draw weighted samples. */
import { UsageError } from './errors.js';

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
