// On the fused path a training step tapes its draw once: the draw runs on a gradient tape held open
// across the force field (core/training/open-tape.ts) and the loss is built on it. The unfused path
// redraws the same batch under tf.variableGrads from the rewound RNG. Both must give the same
// gradient to the bit, leave the RNG in the same state, and leak no tensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@embedcg/core/tf';
import { assemblePlugins, createRng, loadRunConfig, selectBackend } from '@embedcg/core';
import * as amber from '@embedcg/forcefield-amber';
import { tapedLoss } from '../packages/core/dist/training/reverse-step.js';
import { closeTape, disposeDraw, openTape, tapedDraw } from '../packages/core/dist/training/open-tape.js';
import { drawConfigurations, mappedDraw, readDraw } from '../packages/core/dist/training/sampling.js';
import { objectivesFor } from '../packages/core/dist/training/session.js';
import { repoRoot } from './support.mjs';

tf.enableProdMode();

/** One step's gradient (flattened per variable) with made-up energies and forces, either way. */
function gradient(ctx, once) {
  const { s, n, D, objectives } = ctx;
  const snap = s.rng.getState();
  if (once) openTape();
  let d;
  let terms = [];
  try {
    d = once ? tapedDraw(() => s.model.draw(n, s.rng, { training: true })) : undefined;
    const a = d
      ? mappedDraw(readDraw(d), s.transform, n)
      : drawConfigurations(s.model, s.transform, n, s.rng, { training: true });
    // Energies and forces that vary by row, so that the energy term's gradient is not trivial.
    const energies = Float64Array.from({ length: n }, (_, i) => 0.5 * i - a.logQ[i]);
    const forces = Float64Array.from({ length: n * D }, (_, i) => Math.sin(0.37 * i));
    const numbers = {
      size: n,
      mask: new Float64Array(n).fill(1),
      logw: Array.from({ length: n }, (_, i) => -0.3 * energies[i] - a.logQ[i]),
      ratio: Array.from({ length: n }, (_, i) => a.proposalLogRatio?.[i] ?? 0),
      renyiPower: 0,
      proposalLogRatio: a.proposalLogRatio,
      hasChoice: a.hasChoice,
      y: a.y,
      modelDimension: s.model.dimension,
    };
    terms = objectives.flatMap((o) => o.prepare(numbers) ?? []);
    if (!once) s.rng.setState(snap);
    const { value, grads } = tapedLoss(s, 0.3, { energies, forces }, terms, undefined, d);
    const flat = s.model.variables().map((v) => grads[v.name].dataSync().slice());
    tf.dispose([value, grads]);
    return { flat, rngAfter: s.rng.getState() };
  } finally {
    if (once) closeTape();
    disposeDraw(d);
    terms.forEach((t) => t.dispose());
  }
}

async function compare(example, sets) {
  const { config, configDir } = loadRunConfig(join(repoRoot, 'examples', example), sets);
  await selectBackend(config.training.backend, () => {});
  const plugins = await assemblePlugins(config, {
    configDir,
    preloaded: { '@embedcg/forcefield-amber': amber.plugins },
    log: () => {},
  });
  const { model, transform, forceField } = plugins;
  try {
    const rng = createRng(11);
    const logQ = (y) => (model.logProb ? model.logProb(y) : model.logProbBound(y, rng));
    const ctx = {
      s: { model, transform, rng, logQ },
      n: 16,
      D: forceField.dimension,
      objectives: objectivesFor(config.training, model).objectives,
    };
    gradient(ctx, true); // warm-up: first calls compile kernels and allocate
    const before = tf.memory().numTensors;
    const start = rng.getState();
    const redraw = gradient(ctx, false);
    rng.setState(start);
    const once = gradient(ctx, true);
    assert.equal(tf.memory().numTensors, before, `${example}: tensors leaked`);
    assert.deepEqual(once.rngAfter, redraw.rngAfter, `${example}: the RNG ends in the same state`);
    assert.equal(once.flat.length, redraw.flat.length);
    let nonzero = 0;
    once.flat.forEach((g, k) => {
      const r = redraw.flat[k];
      assert.equal(g.length, r.length);
      for (let i = 0; i < g.length; i++) {
        assert.ok(Object.is(g[i], r[i]), `${example}: variable ${k} element ${i}: ${g[i]} vs ${r[i]}`);
        if (g[i] !== 0) nonzero++;
      }
    });
    assert.ok(nonzero > 100, `${example}: the gradient is not trivially zero (${nonzero} nonzero)`);
  } finally {
    model.dispose();
    await forceField.dispose?.();
  }
}

test('alanine flow (fused): the draw taped once gives the redraw gradient to the bit', async () => {
  await compare('alanine-dipeptide-flow.json', ['training.workers=1']);
});

test('double-well VAE (fused): the draw taped once gives the redraw gradient to the bit', async () => {
  await compare('double-well.json', []);
});
