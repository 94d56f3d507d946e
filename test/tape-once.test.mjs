// On the fused path a training step tapes its draw once: the draw runs on a gradient tape held open
// across the force field (core/training/open-tape.ts) and the loss is built on it. The unfused path
// redraws the same batch under tf.variableGrads from the rewound RNG. Both must give the same
// gradient to the bit, leave the RNG in the same state, and leak no tensor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@embedcg/core/tf';
import { createRng, trainRun } from '@embedcg/core';
import { tapedLoss } from '../packages/core/dist/training/reverse-step.js';
import { drawOnTape, releaseDraw } from '../packages/core/dist/training/open-tape.js';
import { drawConfigurations, mappedDraw, readDraw } from '../packages/core/dist/training/sampling.js';
import { objectivesFor } from '../packages/core/dist/training/session.js';
import { repoRoot, tempDir } from './support.mjs';
import { assembleExample } from './example-plugins.mjs';

tf.enableProdMode();

/** One step's gradient (flattened per variable) with made-up energies and forces, either way. */
function gradient(ctx, once) {
  const { s, n, D, objectives } = ctx;
  const snap = s.rng.getState();
  let d;
  let terms = [];
  try {
    d = once ? drawOnTape(() => s.model.draw(n, s.rng, { training: true })) : undefined;
    assert.equal(once, d !== undefined, 'a tape opens when no other is open');
    const a = d
      ? mappedDraw(readDraw(d.draw), s.transform, n)
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
    releaseDraw(d);
    terms.forEach((t) => t.dispose());
  }
}

async function compare(example, sets) {
  const { config, plugins } = await assembleExample(example, sets);
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

// Two trainings in one thread overlap at their force fields' awaits (at batch 128, above the amber
// pool's threshold of 64, the force field answers from a worker thread): a step that finds the other
// run's tape open draws untaped and redraws, which gives the same numbers, so each run's history
// equals its run alone, bit for bit. (About 20 of the steps here take that path.)
test('two trainings in one process at once: each gives the history it gives alone', async (t) => {
  const dir = tempDir(t, 'embedcg-tape-once-');
  const config = (seed) => {
    const path = join(dir, `config-${seed}.json`);
    const training = { batchSize: 128, workers: 1, initialSteps: 8, stepsPerLevel: 2, finalSteps: 6, historyEvery: 1 };
    const cfg = {
      extends: join(repoRoot, 'examples', 'alanine-dipeptide-flow.json'),
      seed,
      forceField: {
        package: '@embedcg/forcefield-amber',
        name: 'amber',
        options: {
          system: join(repoRoot, 'examples', 'alanine-dipeptide', 'system-obc2.json'),
          coordinates: join(repoRoot, 'examples', 'alanine-dipeptide', 'ala2.pdb'),
        },
      },
      schedule: { package: '@embedcg/core', name: 'geometric', options: { initialFraction: 0.3, levels: 3 } },
      // Two models alive at once need their own variable names.
      model: { options: { scope: `sfflow${seed}` } },
      training,
      evaluation: { samples: 100, batchSize: 100 },
    };
    writeFileSync(path, JSON.stringify(cfg));
    return path;
  };
  const run = (seed, name) =>
    trainRun({ configPath: config(seed), out: join(dir, name), progress: false, searchDirs: [repoRoot] });
  const losses = (name) =>
    readFileSync(join(dir, name, 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.type === 'step')
      .map((r) => [r.step, r.loss, r.ess, r.gradNorm]);
  await run(1, 'alone-1');
  await run(2, 'alone-2');
  await Promise.all([run(1, 'together-1'), run(2, 'together-2')]);
  assert.ok(losses('alone-1').length >= 10);
  assert.deepEqual(losses('together-1'), losses('alone-1'));
  assert.deepEqual(losses('together-2'), losses('alone-2'));
  assert.notDeepEqual(losses('alone-1'), losses('alone-2'));
});
