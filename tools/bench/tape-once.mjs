// What taping the draw once saves (packages/core/src/training/open-tape.ts). One reverse-KL step's
// network work — draw, gradient, no force field (energies and forces 0), no Adam — of the alanine
// flow and the alanine VAE-components examples (shared prmtop, OBC2), two ways, interleaved step
// by step:
//   redraw     the draw outside the tape, then the same draw again under tf.variableGrads from
//              the rewound RNG (the unfused path's way, training.fusedKernels: false);
//   tape once  the draw on an open tape, the loss built on it under tf.variableGrads (the fused
//              path's way, the default).
// The examples run on their default, fused path in both columns.
// Both must give the same gradient to the bit (asserted: a target row).
//
// Times are medians of this process's CPU time (process.cpuUsage: one thread, so load from other
// processes does not count) and of wall time.
//
//   npm run bench -- tape-once [--steps 10] [--warmup 2]
import { join } from 'node:path';
import * as tf from '@embedcg/core/tf';
import { assemblePlugins, createRng, loadRunConfig, selectBackend } from '@embedcg/core';
import { repoRoot, sharedDir, target, writeResults } from './lib.mjs';
import { zeroEnergyBatch } from './train-speed-lib.mjs';
import { tapedLoss } from '../../packages/core/dist/training/reverse-step.js';
import { drawOnTape, releaseDraw } from '../../packages/core/dist/training/open-tape.js';
import { drawConfigurations, mappedDraw, readDraw } from '../../packages/core/dist/training/sampling.js';
import { objectivesFor } from '../../packages/core/dist/training/session.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const STEPS = arg('steps', 10);
const WARMUP = arg('warmup', 2);
const ala = join(sharedDir, 'data', 'alanine-dipeptide');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

await selectBackend('wasm');

function step(ctx, once) {
  const { s, n, D, objectives, beta } = ctx;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let d, a, snap;
  if (once) {
    d = drawOnTape(() => s.model.draw(n, s.rng, { training: true }));
    a = mappedDraw(readDraw(d.draw), s.transform, n);
  } else {
    snap = s.rng.getState();
    a = drawConfigurations(s.model, s.transform, n, s.rng, { training: true });
  }
  const { numbers, guarded } = zeroEnergyBatch(a, n, D, s.model.dimension);
  const terms = objectives.flatMap((o) => o.prepare(numbers) ?? []);
  if (!once) s.rng.setState(snap);
  let flat;
  try {
    const { value, grads } = tapedLoss(s, beta, guarded, terms, undefined, d);
    flat = s.model.variables().map((v) => grads[v.name]?.dataSync().slice() ?? new Float32Array(0));
    tf.dispose([value, grads]);
  } finally {
    releaseDraw(d);
    terms.forEach((t) => t.dispose());
  }
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, flat };
}

async function runCase(name, file, sets) {
  const { config, configDir } = loadRunConfig(join(repoRoot, file), sets);
  const plugins = await assemblePlugins(config, { configDir });
  const { model, transform, forceField } = plugins;
  const rng = createRng(5);
  const logQ = (y) => (model.logProb ? model.logProb(y) : model.logProbBound(y, rng));
  const ctx = {
    s: { model, transform, rng, logQ },
    n: config.training.batchSize,
    D: forceField.dimension,
    objectives: objectivesFor(config.training, model).objectives,
    beta: 0.3,
  };
  // Same RNG state both ways: the gradients must agree to the bit.
  const st = rng.getState();
  const a = step(ctx, false).flat;
  rng.setState(st);
  const b = step(ctx, true).flat;
  const identical = a.every((g, k) => g.length === b[k].length && g.every((v, i) => Object.is(v, b[k][i])));
  const ms = { redraw: [], once: [] };
  const cpu = { redraw: [], once: [] };
  for (let i = 0; i < WARMUP + STEPS; i++) {
    for (const once of i % 2 ? [true, false] : [false, true]) {
      const r = step(ctx, once);
      if (i >= WARMUP) ms[once ? 'once' : 'redraw'].push(r.ms);
      if (i >= WARMUP) cpu[once ? 'once' : 'redraw'].push(r.cpuMs);
    }
  }
  await forceField.dispose();
  model.dispose();
  const [redraw, once, redrawCpu, onceCpu] = [ms.redraw, ms.once, cpu.redraw, cpu.once].map(median);
  return {
    case: name,
    batch: ctx.n,
    'redraw cpu ms': +redrawCpu.toFixed(1),
    'tape once cpu ms': +onceCpu.toFixed(1),
    'cpu speedup': +(redrawCpu / onceCpu).toFixed(2),
    'redraw wall ms': +redraw.toFixed(1),
    'tape once wall ms': +once.toFixed(1),
    identical,
  };
}

const shared = [
  'forceField.options.system=null',
  `forceField.options.prmtop=${JSON.stringify(join(ala, 'alanine-dipeptide-implicit.prmtop'))}`,
  `forceField.options.coordinates=${JSON.stringify(join(ala, 'alanine-dipeptide-implicit.inpcrd'))}`,
  'forceField.options.solvent="obc2"',
];
const results = [
  await runCase('alanine flow', 'examples/alanine-dipeptide-flow.json', shared),
  await runCase('alanine VAE-components', 'examples/alanine-dipeptide-vae-components.json', shared),
  await runCase('double-well main job', 'examples/double-well.json', []),
];
const targets = results.map((r) =>
  target(`${r.case}: gradient identical to the redraw's (1 = yes)`, r.identical ? 1 : 0, '>=', 1),
);
writeResults('tape-once', results, targets);
