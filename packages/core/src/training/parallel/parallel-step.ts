/**
 * The gradient of a reverse-KL-family step from the data-parallel workers (protocol.ts): the
 * workers draw and evaluate their shares, the trainer reduces what spans the batch — the energy
 * guard's dropped rows, the self-normalised weights and coefficients of every objective — and the
 * workers' gradient shares, summed in worker order, are the whole batch's gradient.
 */
import * as tf from '@embedcg/core/tf';
import { dropWorst } from '../energy-guard.js';
import { batchNumbers, guardSettings, type LocalGradient } from '../reverse-step.js';
import type { TrainingSession } from '../session.js';
import { unflattenGrads } from './flat-weights.js';
import type { GradientPool } from './pool.js';
import type { DrawReply } from './protocol.js';

/** The workers' shares joined in worker order. */
function joined(shares: DrawReply[], dimension: number) {
  const n = shares.reduce((a, r) => a + r.energies.length, 0);
  const energies = new Float64Array(n);
  const mask = new Float64Array(n);
  const logQ = new Float64Array(n);
  const y = new Float64Array(n * dimension);
  const withRatio = shares.some((r) => r.proposalLogRatio);
  const ratio = withRatio ? new Float64Array(n) : undefined;
  let nonFinite = 0;
  for (let k = 0, at = 0; k < shares.length; k++) {
    const r = shares[k]!;
    energies.set(r.energies, at);
    mask.set(r.mask, at);
    logQ.set(r.logQ, at);
    y.set(r.y, at * dimension);
    if (ratio && r.proposalLogRatio) ratio.set(r.proposalLogRatio, at);
    nonFinite += r.nonFinite;
    at += r.energies.length;
  }
  const hasChoice = shares.some((r) => r.hasChoice);
  return { energies, mask, logQ, y, proposalLogRatio: ratio, hasChoice, nonFinite };
}

/** The summed gradient shares as the trainer's {name: tensor} map. */
function summedGrads(pool: GradientPool, variables: tf.Variable[]): tf.NamedTensorMap {
  const sum = Float32Array.from(pool.grads[0]!);
  for (let k = 1; k < pool.grads.length; k++) {
    const g = pool.grads[k]!;
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + g[i]!;
  }
  return unflattenGrads(variables, sum);
}

/** Draw, evaluate, reduce and differentiate one step's batch on the workers. */
export async function parallelGradient(s: TrainingSession, pool: GradientPool, beta: number): Promise<LocalGradient> {
  const guard = guardSettings(s, beta);
  const t0 = performance.now();
  const drawn = await pool.draw(s.model.variables(), guard.maxEnergy);
  const all = joined(drawn, s.model.dimension);
  const dropped = dropWorst(all.energies, all.mask, all.nonFinite, guard.dropFraction);
  const numbers = batchNumbers(s, beta, all, { energies: all.energies, mask: all.mask, dropped });
  const replies = await pool.gradient(beta, numbers);
  // Draw and force field as the slowest worker saw them; the rest of the wait counts as gradient.
  const drawMs = Math.max(...drawn.map((r) => r.drawMs));
  const ffMs = Math.max(...drawn.map((r) => r.forceFieldMs));
  s.ff.evaluations += numbers.size;
  s.ff.seconds += ffMs / 1000;
  const shareSum = (f: (r: (typeof replies)[number]) => number | undefined) =>
    replies.reduce<number | undefined>((a, r) => (f(r) === undefined ? a : (a ?? 0) + f(r)!), undefined);
  const forwardLoss = shareSum((r) => r.forwardLoss);
  const total = replies.reduce((a, r) => a + r.value, 0);
  const recorded = replies[0]!.recorded;
  const value = tf.scalar(total);
  return {
    numbers,
    dropped,
    value,
    grads: summedGrads(pool, s.model.variables()),
    loss: recorded ?? total - s.forwardKLWeight * (forwardLoss ?? 0),
    forwardLoss,
    times: [t0, t0 + drawMs, t0 + drawMs + ffMs, performance.now()],
  };
}
