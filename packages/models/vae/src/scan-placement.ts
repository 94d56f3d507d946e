/**
 * `VaeModel.initialize` with `priorMixture.scan`: decode candidate latent values, score the
 * structures with the target, and start each component at a different basin bottom
 * (component-scan.ts chooses them).
 */
import * as tf from '@embedcg/core/tf';
import type { TargetProbe } from '@embedcg/core';
import { chooseScanCandidates, type ComponentScanOptions } from './component-scan.js';
import type { PriorMixture } from './prior-mixture.js';

export interface ScanSubject {
  mixture: PriorMixture;
  scan: ComponentScanOptions;
  latentDimension: number;
  dimension: number;
  /** Standardised u the decoder gives at z (n × d) with each row's component, at ε = 0. */
  decode(z: tf.Tensor2D, labels: Int32Array): tf.Tensor2D;
  fromStandard(u: tf.Tensor2D): tf.Tensor2D;
  /** The coordinates compared (the latentSkip ones: the slow ones), and each one's period in u (0: not circular). */
  columns: readonly number[];
  periods: readonly number[];
}

/**
 * Decodes `candidates` latent values (z drawn with standard deviation `spread`, each with the next
 * component in turn), scores the structures with the probe, and starts component i at the i-th
 * chosen basin bottom: centre at its z, decoder rows of the component that decoded it. Returns
 * the line to log.
 */
export async function placeComponents(s: ScanSubject, probe: TargetProbe): Promise<string> {
  const { mixture, scan, columns } = s;
  const K = mixture.options.components;
  const d = s.latentDimension;
  const D = s.dimension;
  const M = scan.candidates;
  const z = probe.rng.fillNormal(new Float32Array(M * d)) as Float32Array;
  for (let i = 0; i < z.length; i++) z[i]! *= scan.spread;
  const labels = Int32Array.from({ length: M }, (_, i) => i % K);
  const { u, y } = tf.tidy(() => {
    const ut = s.decode(tf.tensor2d(z, [M, d]), labels);
    return { u: ut.dataSync() as Float32Array, y: s.fromStandard(ut).dataSync() as Float32Array };
  });
  const logTarget = await probe.logTarget(Float64Array.from(y), M);
  const points = new Float64Array(M * columns.length);
  for (let i = 0; i < M; i++)
    columns.forEach((c, j) => {
      points[i * columns.length + j] = u[i * D + c]!;
    });
  const { chosen, bottoms } = chooseScanCandidates(logTarget, points, columns.length, [...s.periods], K, scan);
  const centres = new Float32Array(K * d);
  chosen.forEach((c, i) => centres.set(z.subarray(c * d, (c + 1) * d), i * d));
  mixture.placeAt(
    centres,
    Int32Array.from(chosen, (c) => labels[c]!),
  );
  const shown = columns.length <= 4 ? columns : columns.slice(0, 4);
  const where = chosen.map(
    (c) => `(${shown.map((col) => y[c * D + col]!.toFixed(2)).join(', ')}) log p̃ ${logTarget[c]!.toFixed(1)}`,
  );
  const how =
    bottoms >= K
      ? `the best ${K} of ${bottoms} basin bottoms`
      : `all ${bottoms} basin bottoms and ${K - bottoms} spread-out low-energy structures`;
  return (
    `vae: priorMixture.scan placed the ${K} components at ${how} among ${M} decoded structures ` +
    `(coordinates ${shown.join(', ')}${columns.length > shown.length ? ', …' : ''}): ${where.join('; ')}`
  );
}
