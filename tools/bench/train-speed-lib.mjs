// The bound of W-way data parallelism on the current kernels, measured in CPU time (this thread's,
// process.cpuUsage) so that load from other processes does not count: one reverse-KL step's
// network work (the draw taped once on the fused path, else a draw and its taped redraw as on the
// unfused path; the gradient; energies and forces 0, so no force field, no Adam)
// at the full batch B and at a worker's share B/W, on one thread. W workers on W free cores take
// at least the share's time per step, so full/share bounds their speedup. Used by train-speed.mjs.
import { join } from 'node:path';
import * as tf from '@embedcg/core/tf';
import { assemblePlugins, createRng, loadRunConfig } from '@embedcg/core';
import { repoRoot } from './lib.mjs';
import { tapedLoss } from '../../packages/core/dist/training/reverse-step.js';
import { drawConfigurations, mappedDraw, readDraw } from '../../packages/core/dist/training/sampling.js';
import { drawOnTape, releaseDraw } from '../../packages/core/dist/training/open-tape.js';
import { objectivesFor } from '../../packages/core/dist/training/session.js';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A drawn batch's numbers with zero energies and forces: every row kept, log w = −log q. */
export function zeroEnergyBatch(a, n, D, modelDimension) {
  return {
    numbers: {
      size: n,
      mask: new Float64Array(n).fill(1),
      logw: Array.from(a.logQ, (v) => -v),
      ratio: Array.from({ length: n }, (_, i) => a.proposalLogRatio?.[i] ?? 0),
      renyiPower: 0,
      proposalLogRatio: a.proposalLogRatio,
      hasChoice: a.hasChoice,
      y: a.y,
      modelDimension,
    },
    guarded: { energies: new Float64Array(n), forces: new Float64Array(n * D) },
  };
}

/** CPU ms of one step's network work over n rows (all kept, log w = −log q). */
function stepCpuMs(ctx, n) {
  const { model, transform, rng, objectives, D, once } = ctx;
  const c0 = process.cpuUsage();
  const snap = rng.getState();
  const d = once ? drawOnTape(() => model.draw(n, rng, { training: true })) : undefined;
  const a = d
    ? mappedDraw(readDraw(d.draw), transform, n)
    : drawConfigurations(model, transform, n, rng, { training: true });
  const { numbers, guarded: g } = zeroEnergyBatch(a, n, D, model.dimension);
  const terms = objectives.flatMap((o) => o.prepare(numbers) ?? []);
  if (!once) rng.setState(snap);
  const { value, grads } = tapedLoss(ctx, 0.3, g, terms, undefined, d);
  for (const v of model.variables()) grads[v.name]?.dataSync();
  releaseDraw(d);
  tf.dispose([value, grads]);
  terms.forEach((t) => t.dispose());
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

/** Median CPU ms per step at B and at ceil(B/W), interleaved, `steps` each after 2 warm-ups. */
export async function shareBound(configFile, sets, workers, steps = 6) {
  const { config, configDir } = loadRunConfig(join(repoRoot, configFile), sets);
  const { model, transform, forceField } = await assemblePlugins(config, { configDir });
  const rng = createRng(5);
  const logQ = (y) => (model.logProb ? model.logProb(y) : model.logProbBound(y, rng));
  const ctx = {
    model,
    transform,
    rng,
    logQ,
    objectives: objectivesFor(config.training, model).objectives,
    D: forceField.dimension,
    once: config.training.fusedKernels,
  };
  const B = config.training.batchSize;
  const share = Math.ceil(B / workers);
  const full = [];
  const part = [];
  for (let i = 0; i < steps + 2; i++) {
    const f = stepCpuMs(ctx, B);
    const p = stepCpuMs(ctx, share);
    if (i >= 2) full.push(f);
    if (i >= 2) part.push(p);
  }
  await forceField.dispose();
  model.dispose();
  return { batch: B, share, fullMs: median(full), shareMs: median(part) };
}
